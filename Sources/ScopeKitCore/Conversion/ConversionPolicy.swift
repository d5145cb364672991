/// What a dtype conversion does with values that the target type cannot hold.
///
/// ScopeKit never wraps around silently (numpy's `astype` turns uint8 200 + 100 into 44); every conversion
/// names one of these policies. Rounding to the nearest integer is not an out-of-range event: float → integer
/// conversions always round to nearest, ties to even (numpy's `rint`), under every policy.
///
/// | policy | out-of-range value | NaN → integer | scaling |
/// |---|---|---|---|
/// | ``clip`` | saturates at the target's minimum or maximum | 0 | none |
/// | ``reject`` | throws ``ScopeKitError`` naming the first offending value and its index | throws | none |
/// | ``rescaleRange`` | clipped after scaling | 0 | the source *dtype's* range onto the target's (scikit-image `img_as_*`) |
/// | ``rescaleData`` | cannot occur | 0 | the *data's* finite min…max onto the target's range |
///
/// ```swift
/// let a = NDArray<UInt8>([0, 100, 200], shape: [3])
/// try a.adding(100, policy: .clip)          // [100, 200, 255]
/// try a.adding(100, policy: .reject)        // throws: value 300 at index [2] is outside uint8 0...255
/// try a.adding(100, policy: .rescaleData)   // [0, 128, 255]
/// let f = try a.converted(to: Float.self, policy: .rescaleRange)   // [0, 0.392…, 0.784…]
/// ```
public enum ConversionPolicy: String, Sendable, CaseIterable, Codable, CustomStringConvertible {
    /// Saturate: values below the target's minimum become the minimum, above its maximum the maximum.
    ///
    /// Float → integer rounds to nearest, ties to even, then saturates; NaN becomes 0. Float64 → float32
    /// saturates finite values at ±`Float.greatestFiniteMagnitude` (±∞ and NaN are kept). → bool: nonzero is
    /// `true`, NaN is `false`. Complex → real keeps the real part.
    case clip
    /// Throw ``ScopeKitError/badInput(_:file:)`` at the first value the target cannot hold.
    ///
    /// Offending values: rounded results outside an integer target's range, NaN or ±∞ → integer, finite
    /// float64 values that overflow float32, anything but 0 and 1 → bool, and complex values with a nonzero
    /// imaginary part → a real type. The message gives the value, its multi-index and the target range.
    case reject
    /// Map the source dtype's nominal range onto the target dtype's, like scikit-image's `img_as_float`,
    /// `img_as_ubyte`, `img_as_uint`, `img_as_int`, `img_as_bool` (`skimage.util.dtype._convert`, 0.26).
    ///
    /// - unsigned integer → float: `x / max` (→ [0, 1]); signed → float: `max(x / max, −1)` (→ [−1, 1]);
    ///   computed in float32 when the target is float32 and the source has ≤ 4 bytes, else in float64.
    /// - float → unsigned integer: `rint(x · max)`; float → signed integer: `rint(x · (max − min)/2 − ½)`;
    ///   then clipped (scikit-image raises for floats outside [−1, 1]; ScopeKit clips them). Computed in
    ///   float32 for float32/complex64 sources into ≤ 4-byte targets, else float64.
    /// - integer → integer: scikit-image's bit scaling: narrowing divides by 2^(n−m) (floor), widening
    ///   multiplies by (2^m − 1)/(2^n − 1) (bit replication: uint8 255 → uint16 65535); signed → unsigned sends
    ///   negatives to 0; signed → wider signed offsets by the minimum first. scikit-image skips the scaling
    ///   of a narrowing conversion when every value already fits (with a warning); ScopeKit always scales.
    /// - → bool: `x > max/2` (float: `x > 0.5`); bool → integer: `true` → max; bool → float: 1.
    /// - float → float: a cast (float64 → float32 saturates like ``clip``); complex → real: the real part,
    ///   treated as float32.
    case rescaleRange
    /// Map the data's finite minimum…maximum linearly onto the target's range: an integer type's full
    /// range, [0, 1] for float and complex targets; → bool: `x > (min + max)/2`.
    ///
    /// Integer results are rounded to nearest, ties to even. Constant data maps to the range's lower end;
    /// NaN stays NaN in float targets and becomes 0 in integer targets. Like
    /// `skimage.exposure.rescale_intensity(a, out_range=dtype)` with rounding instead of truncation.
    case rescaleData

    public var description: String { rawValue }
}
