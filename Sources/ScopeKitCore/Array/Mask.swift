/// A boolean image saying which pixels an algorithm may use: **`true` means used (valid, included)**.
///
/// This is the one mask convention in ScopeKit. References that use the opposite conventions are converted
/// at the edge: scikit-ued's `mask_from_collection` and many detector masks mark *invalid* pixels with `true`
/// (``init(excluding:)``), NanoLocz marks excluded pixels by setting them to NaN (``init(validWhereFinite:)``).
///
/// ```swift
/// let beamBlock: NDArray<Bool> = …          // true where the beam block is
/// let mask = Mask(excluding: beamBlock)     // true where pixels may be used
/// mask.usedCount                            // how many pixels are used
/// ```
public struct Mask: Sendable, Equatable {
    /// The underlying array: `true` = used.
    public var values: NDArray<Bool>

    /// The mask's shape.
    public var shape: [Int] { values.shape }

    /// Wraps a boolean array in which `true` means "use this pixel".
    public init(including values: NDArray<Bool>) { self.values = values }

    /// Converts a boolean array in which `true` means "exclude this pixel" (scikit-ued, detector masks).
    public init(excluding invalid: NDArray<Bool>) { values = invalid.map { !$0 } }

    /// A mask that uses every pixel of the given shape.
    public init(all shape: [Int]) { values = NDArray(repeating: true, shape: shape) }

    /// A mask that uses the finite pixels of `array` (NanoLocz's NaN masks, missing data).
    public init<T: BinaryFloatingPoint & ArrayElement>(validWhereFinite array: NDArray<T>) {
        values = array.map { $0.isFinite }
    }

    /// The number of used pixels.
    public var usedCount: Int {
        values.withUnsafeBufferPointer { p in p.reduce(0) { $0 + ($1 ? 1 : 0) } }
    }

    /// The mask with used and excluded pixels swapped.
    public var inverted: Mask { Mask(including: values.map { !$0 }) }

    /// The opposite convention: `true` = excluded (for writing masks a reference expects).
    public var excludedValues: NDArray<Bool> { values.map { !$0 } }

    /// Pixels used by both masks.
    public func intersection(_ other: Mask) -> Mask { combined(other) { $0 && $1 } }

    /// Pixels used by either mask.
    public func union(_ other: Mask) -> Mask { combined(other) { $0 || $1 } }

    private func combined(_ other: Mask, _ op: (Bool, Bool) -> Bool) -> Mask {
        precondition(shape == other.shape, "Mask: shapes \(shape) and \(other.shape) differ")
        var r = values
        r.withUnsafeMutableBufferPointer { a in
            other.values.withUnsafeBufferPointer { b in
                for i in a.indices { a[i] = op(a[i], b[i]) }
            }
        }
        return Mask(including: r)
    }

    /// Sets masked-out pixels of `array` to NaN (the NanoLocz representation).
    public func applyingNaN<T: BinaryFloatingPoint & ArrayElement>(to array: NDArray<T>) -> NDArray<T> {
        precondition(array.shape == shape, "Mask: shape \(shape) does not match array \(array.shape)")
        var r = array
        r.withUnsafeMutableBufferPointer { a in
            values.withUnsafeBufferPointer { m in
                for i in a.indices where !m[i] { a[i] = .nan }
            }
        }
        return r
    }
}
