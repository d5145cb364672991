extension NDArray where Element: RealArrayElement {
    /// The smallest used, non-NaN element, or `nil` when there is none.
    ///
    /// All statistics skip NaN (like numpy's `nan*` functions) and, when `mask` is given, the pixels whose mask
    /// value is `false`. A mask has the array's shape or the shape of one frame (then it applies to every
    /// frame of the stack).
    ///
    /// ```swift
    /// let a = NDArray<Float>([3, .nan, -1, 7], shape: [4])
    /// try a.minimum()            // -1
    /// ```
    ///
    /// - Parameter mask: `true` = use the pixel; `nil` uses every pixel.
    /// - Throws: ``ScopeKitError/usage(_:)`` when the mask's shape fits neither the array nor a frame.
    /// - Complexity: O(count), parallel, identical for any thread count. Matches `numpy.nanmin`.
    @inlinable
    public func minimum(mask: Mask? = nil) throws -> Element? {
        try extrema(mask: mask)?.minimum
    }

    /// The largest used, non-NaN element, or `nil` when there is none.
    ///
    /// ```swift
    /// try NDArray<UInt16>([3, 9, 1], shape: [3]).maximum()   // 9
    /// ```
    ///
    /// - Throws: ``ScopeKitError/usage(_:)`` for a mask of the wrong shape.
    /// - Complexity: O(count). Matches `numpy.nanmax`.
    @inlinable
    public func maximum(mask: Mask? = nil) throws -> Element? {
        try extrema(mask: mask)?.maximum
    }

    /// The smallest and largest used, non-NaN elements in one pass, or `nil` when there are none.
    ///
    /// ```swift
    /// if let (lo, hi) = try image.extrema() { print(lo, hi) }
    /// ```
    ///
    /// - Throws: ``ScopeKitError/usage(_:)`` for a mask of the wrong shape.
    /// - Complexity: O(count).
    @inlinable
    public func extrema(mask: Mask? = nil) throws -> (minimum: Element, maximum: Element)? {
        try _withElementsAndMask(mask) { p, m in
            _extrema(p, m).map { (minimum: $0.min, maximum: $0.max) }
        }
    }

    /// The number of used, non-NaN elements.
    ///
    /// ```swift
    /// try NDArray<Float>([1, .nan], shape: [2]).validCount()   // 1
    /// ```
    ///
    /// - Throws: ``ScopeKitError/usage(_:)`` for a mask of the wrong shape.
    /// - Complexity: O(count).
    @inlinable
    public func validCount(mask: Mask? = nil) throws -> Int {
        try _withElementsAndMask(mask) { p, m in _sum(p, m) { _ in 0 }.count }
    }

    /// The sum of the used, non-NaN elements in `Double` (0 when there are none).
    ///
    /// Blocks of 16 384 elements are summed with eight accumulators and combined in order with Neumaier's
    /// compensated summation, so the result is at least as accurate as numpy's pairwise sum and identical for
    /// any thread count.
    ///
    /// ```swift
    /// try NDArray<UInt8>([200, 100], shape: [2]).sum()   // 300
    /// ```
    ///
    /// - Throws: ``ScopeKitError/usage(_:)`` for a mask of the wrong shape.
    /// - Complexity: O(count). Matches `numpy.nansum(a, dtype=float64)` to rounding.
    @inlinable
    public func sum(mask: Mask? = nil) throws -> Double {
        try _withElementsAndMask(mask) { p, m in _plainSum(p, m).total }
    }

    /// The mean of the used, non-NaN elements in `Double`; NaN when there are none.
    ///
    /// ```swift
    /// try NDArray<Float>([1, 2, .nan, 6], shape: [4]).mean()   // 3
    /// ```
    ///
    /// - Throws: ``ScopeKitError/usage(_:)`` for a mask of the wrong shape.
    /// - Complexity: O(count). Matches `numpy.nanmean(a, dtype=float64)` to ≤ 1e-15 relative.
    @inlinable
    public func mean(mask: Mask? = nil) throws -> Double {
        try _withElementsAndMask(mask) { p, m in
            let s = _plainSum(p, m)
            return s.count > 0 ? s.total / Double(s.count) : .nan
        }
    }

    /// The variance `Σ(x − mean)² / (n − ddof)` of the used, non-NaN elements, computed in `Double` with two
    /// passes; NaN when `n − ddof ≤ 0`.
    ///
    /// ```swift
    /// let a = NDArray<Double>([1, 2, 3, 4], shape: [4])
    /// try a.variance()           // 1.25
    /// try a.variance(ddof: 1)    // 1.666…
    /// ```
    ///
    /// - Parameters:
    ///   - ddof: "delta degrees of freedom": 0 for the population variance, 1 for the sample variance.
    ///   - mask: `true` = use the pixel.
    /// - Throws: ``ScopeKitError/usage(_:)`` for a negative `ddof` or a mask of the wrong shape.
    /// - Complexity: O(count), two passes. Matches `numpy.nanvar(a, ddof=ddof, dtype=float64)`.
    @inlinable
    public func variance(ddof: Int = 0, mask: Mask? = nil) throws -> Double {
        guard ddof >= 0 else { throw ScopeKitError.usage("ddof must be ≥ 0, got \(ddof)") }
        return try _withElementsAndMask(mask) { p, m in
            let r = _meanAndSquaredDeviations(p, m)
            return r.count - ddof > 0 ? r.ssd / Double(r.count - ddof) : .nan
        }
    }

    /// The standard deviation `√variance(ddof:)` of the used, non-NaN elements; NaN when `n − ddof ≤ 0`.
    ///
    /// ```swift
    /// try NDArray<Double>([1, 2, 3, 4], shape: [4]).standardDeviation()   // 1.118…
    /// ```
    ///
    /// - Throws: ``ScopeKitError/usage(_:)`` for a negative `ddof` or a mask of the wrong shape.
    /// - Complexity: O(count). Matches `numpy.nanstd(a, ddof=ddof, dtype=float64)`.
    @inlinable
    public func standardDeviation(ddof: Int = 0, mask: Mask? = nil) throws -> Double {
        try variance(ddof: ddof, mask: mask).squareRoot()
    }

    /// Mean and standard deviation together (two passes instead of three).
    ///
    /// ```swift
    /// let (m, s) = try image.meanAndStandardDeviation()
    /// let outliers = Mask(including: image.map { abs(Double($0) - m) <= 3 * s })
    /// ```
    ///
    /// - Returns: NaNs when no element is used (σ is NaN when `n − ddof ≤ 0`).
    /// - Throws: ``ScopeKitError/usage(_:)`` for a negative `ddof` or a mask of the wrong shape.
    /// - Complexity: O(count).
    @inlinable
    public func meanAndStandardDeviation(ddof: Int = 0, mask: Mask? = nil) throws
        -> (mean: Double, standardDeviation: Double) {
        guard ddof >= 0 else { throw ScopeKitError.usage("ddof must be ≥ 0, got \(ddof)") }
        return try _withElementsAndMask(mask) { p, m in
            let r = _meanAndSquaredDeviations(p, m)
            return (r.mean, r.count - ddof > 0 ? (r.ssd / Double(r.count - ddof)).squareRoot() : .nan)
        }
    }
}
