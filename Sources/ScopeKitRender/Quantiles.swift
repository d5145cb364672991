import ScopeKitCore

/// The percentiles behind the percentile and symmetric intensity windows: Core's exact selection
/// (``NDArray/percentiles(_:method:mask:)``) over the finite values only, so one pixel at ±∞ cannot stretch a
/// display window to infinity.
enum Quantiles {
    /// Percentiles `qs` (each in 0…100) of the finite values of `array`, or of their magnitudes, or `nil` when
    /// there is no finite value. Matches `numpy.nanpercentile(a[np.isfinite(a)], qs)` (method 'linear').
    ///
    /// ```swift
    /// Quantiles.percentiles(of: image, [1, 99])              // a robust display range
    /// Quantiles.percentiles(of: difference, [99], magnitude: true)
    /// ```
    ///
    /// - Parameters:
    ///   - array: the image (any dtype; booleans count as 0/1, complex values by their real part).
    ///   - qs: the percentiles.
    ///   - magnitude: take the percentiles of `|x|` (a symmetric window).
    /// - Complexity: O(n): radix selection for float32 and counting for 8/16-bit integers without copying the
    ///   data; other types, magnitudes and arrays holding ±∞ select in one copy.
    static func percentiles<T: ArrayElement>(of array: NDArray<T>, _ qs: [Double],
                                             magnitude: Bool = false) -> [Double]? {
        switch AnyArray(array) {
        case let .float32(a): return finite(a, qs, magnitude: magnitude)
        case let .float64(a): return finite(a, qs, magnitude: magnitude)
        case let .uint8(a): return exact(a, qs)
        case let .uint16(a): return exact(a, qs)
        case let .uint32(a): return exact(a, qs)
        case let .int8(a): return magnitude ? exact(a.map { Int16(Swift.abs(Int16($0))) }, qs) : exact(a, qs)
        case let .int16(a): return magnitude ? exact(a.map { Int32(Swift.abs(Int32($0))) }, qs) : exact(a, qs)
        case let .int32(a): return magnitude ? exact(a.map { Swift.abs(Int64($0)) }, qs) : exact(a, qs)
        default: return finite(array.map { $0.doubleValue }, qs, magnitude: magnitude)
        }
    }

    /// Percentiles of the finite values (NaN is skipped by Core; ±∞ are masked out when present).
    static func finite<F: BinaryFloatingPoint & RealArrayElement>(_ a: NDArray<F>, _ qs: [Double],
                                                                   magnitude: Bool) -> [Double]? {
        let values = magnitude ? a.map { Swift.abs($0) } : a
        let hasInfinity = values.withUnsafeBufferPointer { p in p.contains { $0.isInfinite } }
        return exact(values, qs, mask: hasInfinity ? Mask(validWhereFinite: values) : nil)
    }

    /// Core's percentiles, `nil` when no value was used.
    static func exact<R: RealArrayElement>(_ a: NDArray<R>, _ qs: [Double], mask: Mask? = nil) -> [Double]? {
        guard let p = try? a.percentiles(qs, mask: mask), !p.contains(where: \.isNaN) else { return nil }
        return p
    }
}
