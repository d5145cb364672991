import ComplexModule
import RealModule

// Exact, type-directed element reads and writes for the conversion kernels.
//
// Each helper switches on `T.dtype`, which is a compile-time constant once a generic kernel is specialised,
// so the switch folds to one branch and the `unsafeBitCast` to the identity. These helpers are only called
// for the dtypes their precondition names.

/// The integer value of a bool or integer element, exactly (`int64` included).
@inlinable @inline(__always)
func _int64Value<T: ArrayElement>(_ x: T) -> Int64 {
    switch T.dtype {
    case .bool: return unsafeBitCast(x, to: Bool.self) ? 1 : 0
    case .uint8: return Int64(unsafeBitCast(x, to: UInt8.self))
    case .int8: return Int64(unsafeBitCast(x, to: Int8.self))
    case .uint16: return Int64(unsafeBitCast(x, to: UInt16.self))
    case .int16: return Int64(unsafeBitCast(x, to: Int16.self))
    case .uint32: return Int64(unsafeBitCast(x, to: UInt32.self))
    case .int32: return Int64(unsafeBitCast(x, to: Int32.self))
    case .int64: return unsafeBitCast(x, to: Int64.self)
    default: return Int64(x.doubleValue)
    }
}

/// An integer or bool element from an `Int64` that is already inside the target's range.
@inlinable @inline(__always)
func _fromInt64<U: ArrayElement>(_ v: Int64, as: U.Type = U.self) -> U {
    switch U.dtype {
    case .bool: return unsafeBitCast(v != 0, to: U.self)
    case .uint8: return unsafeBitCast(UInt8(truncatingIfNeeded: v), to: U.self)
    case .int8: return unsafeBitCast(Int8(truncatingIfNeeded: v), to: U.self)
    case .uint16: return unsafeBitCast(UInt16(truncatingIfNeeded: v), to: U.self)
    case .int16: return unsafeBitCast(Int16(truncatingIfNeeded: v), to: U.self)
    case .uint32: return unsafeBitCast(UInt32(truncatingIfNeeded: v), to: U.self)
    case .int32: return unsafeBitCast(Int32(truncatingIfNeeded: v), to: U.self)
    case .int64: return unsafeBitCast(v, to: U.self)
    default: return U(unchecked: Double(v))
    }
}

/// A float32 value of any real element with a single rounding (numpy's `astype(float32)`).
@inlinable @inline(__always)
func _floatValue<T: ArrayElement>(_ x: T) -> Float {
    switch T.dtype {
    case .float32: return unsafeBitCast(x, to: Float.self)
    case .int64: return Float(unsafeBitCast(x, to: Int64.self))
    case .complex64: return unsafeBitCast(x, to: Complex<Float>.self).real
    default: return Float(x.doubleValue)
    }
}

/// The imaginary part of a complex element (0 for real types).
@inlinable @inline(__always)
func _imaginaryPart<T: ArrayElement>(_ x: T) -> Float {
    T.dtype == .complex64 ? unsafeBitCast(x, to: Complex<Float>.self).imaginary : 0
}

/// A float32 or complex64 element from a float32 value.
@inlinable @inline(__always)
func _fromFloat<U: ArrayElement>(_ v: Float, as: U.Type = U.self) -> U {
    switch U.dtype {
    case .float32: return unsafeBitCast(v, to: U.self)
    case .complex64: return unsafeBitCast(Complex<Float>(v, 0), to: U.self)
    default: return U(unchecked: Double(v))
    }
}

/// Rounds to the nearest integer, ties to even (numpy's `rint`), without a libm call for |x| < 2^51.
///
/// Adding and subtracting 1.5·2^52 leaves a value whose last bit is the units digit, so the FPU's default
/// round-to-nearest-even does the rounding; this vectorises on every x86-64 and ARM64 target.
@inlinable @inline(__always)
func _roundEven(_ x: Double) -> Double {
    let magic = 6_755_399_441_055_744.0  // 1.5 · 2^52
    return abs(x) < 2_251_799_813_685_248.0 ? (x + magic) - magic : x.rounded(.toNearestOrEven)
}

/// `_roundEven` for values known to lie in ±2^51 (clamped to an integer range of ≤ 32 bits).
@inlinable @inline(__always)
func _roundEvenSmall(_ x: Double) -> Double {
    let magic = 6_755_399_441_055_744.0
    return (x + magic) - magic
}

/// Float32 round-half-even for |x| < 2^22.
@inlinable @inline(__always)
func _roundEvenSmall(_ x: Float) -> Float {
    let magic: Float = 12_582_912  // 1.5 · 2^23
    return (x + magic) - magic
}

extension DType {
    /// The integer range as exact `Int64` bounds (bool: 0…1); `nil` for float and complex.
    @usableFromInline
    var _int64Range: (lo: Int64, hi: Int64)? {
        switch self {
        case .bool: (0, 1)
        case .uint8: (0, 255)
        case .int8: (-128, 127)
        case .uint16: (0, 65535)
        case .int16: (-32768, 32767)
        case .uint32: (0, 4_294_967_295)
        case .int32: (-2_147_483_648, 2_147_483_647)
        case .int64: (Int64.min, Int64.max)
        default: nil
        }
    }

    /// The number of value bits scikit-image uses for bit scaling (8 · itemsize).
    @usableFromInline var _bitCount: Int { byteCount * 8 }

    /// A short description of the representable range for error messages.
    @usableFromInline
    var _rangeDescription: String {
        if let r = _int64Range { return "\(self) \(r.lo)...\(r.hi)" }
        if self == .float32 || self == .complex64 { return "\(self) ±\(Float.greatestFiniteMagnitude)" }
        return "\(self)"
    }
}

/// Renders a flat index as a multi-index `[i, j, k]` of `shape`.
@usableFromInline
func _multiIndexDescription(_ flat: Int, shape: [Int]) -> String {
    var rest = flat
    var parts = [Int](repeating: 0, count: shape.count)
    for axis in stride(from: shape.count - 1, through: 0, by: -1) where shape[axis] > 0 {
        parts[axis] = rest % shape[axis]
        rest /= shape[axis]
    }
    return "[" + parts.map(String.init).joined(separator: ", ") + "]"
}
