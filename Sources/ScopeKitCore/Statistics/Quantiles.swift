/// How a percentile between two data points is chosen: numpy's `method` argument of `numpy.percentile`.
///
/// With the `n` sorted values `v[0] ≤ … ≤ v[n−1]` and the virtual index `i = (n − 1) · q / 100`:
///
/// | method | result |
/// |---|---|
/// | ``linear`` | `v[⌊i⌋] + (v[⌊i⌋+1] − v[⌊i⌋]) · frac(i)` (numpy's default, "type 7") |
/// | ``lower`` | `v[⌊i⌋]` |
/// | ``higher`` | `v[⌈i⌉]` |
/// | ``nearest`` | `v[round(i)]`, ties to even |
/// | ``midpoint`` | `(v[⌊i⌋] + v[⌈i⌉]) / 2` |
public enum PercentileMethod: String, Sendable, CaseIterable, Codable {
    case linear, lower, higher, nearest, midpoint
}

extension NDArray where Element: RealArrayElement {
    /// The exact median of the used, non-NaN elements; NaN when there are none.
    ///
    /// For an even count it is the mean of the two middle values, `(a + b) / 2` in `Double`.
    ///
    /// ```swift
    /// try NDArray<Float>([5, 1, .nan, 3, 2], shape: [5]).median()   // 2.5
    /// ```
    ///
    /// - Parameter mask: `true` = use the pixel.
    /// - Throws: ``ScopeKitError/usage(_:)`` for a mask of the wrong shape.
    /// - Complexity: O(count) time, no sort. Arrays of 32 768 elements or more of float32 use radix selection
    ///   on the bit patterns and 8/16-bit integers one counting pass — no copy of the data, two (one) reads;
    ///   other types and small arrays use introselect on a copy (O(count) scratch memory of `Element`).
    ///   Matches `numpy.nanmedian` (exactly for integer and float64 input; float32 input is interpolated in
    ///   `Double`, numpy interpolates in float32).
    @inlinable
    public func median(mask: Mask? = nil) throws -> Double {
        if count >= _radixSelectMinimum, let v = try _orderStatisticsWithoutCopy(mask, ranks: { n in
            n % 2 == 1 ? [n / 2] : [n / 2 - 1, n / 2]
        }) {
            if v.count == 0 { return .nan }
            return v.count == 1 ? v[0] : (v[0] + v[1]) / 2
        }
        return try _withGatheredValues(mask) { buffer, n in _median(buffer, count: n) }
    }

    /// The `q`-th percentile (0…100) of the used, non-NaN elements; NaN when there are none.
    ///
    /// ```swift
    /// let a = NDArray<Double>(Array(stride(from: 0.0, through: 10, by: 1)), shape: [11])
    /// try a.percentile(99)                       // 9.9
    /// try a.percentile(99, method: .lower)       // 9
    /// ```
    ///
    /// - Parameters:
    ///   - q: the percentile, 0 through 100.
    ///   - method: how to pick between neighbouring data points (numpy's `method`, default `linear`).
    ///   - mask: `true` = use the pixel.
    /// - Throws: ``ScopeKitError/usage(_:)`` when `q` is outside 0…100 or the mask has the wrong shape.
    /// - Complexity: O(count) (radix or counting selection as for ``median(mask:)``, else introselect). Matches `numpy.nanpercentile(a, q, method=…)`; see ``median(mask:)``
    ///   for the float32 caveat.
    @inlinable
    public func percentile(_ q: Double, method: PercentileMethod = .linear, mask: Mask? = nil) throws -> Double {
        try percentiles([q], method: method, mask: mask)[0]
    }

    /// Several percentiles of the used, non-NaN elements from one copy of the data.
    ///
    /// ```swift
    /// let limits = try image.percentiles([1, 99])    // robust display range
    /// ```
    ///
    /// - Throws: ``ScopeKitError/usage(_:)`` when a `q` is outside 0…100 or the mask has the wrong shape.
    /// - Complexity: O(count · k) for k well-separated percentiles, O(count) for close ones.
    @inlinable
    public func percentiles(_ qs: [Double], method: PercentileMethod = .linear, mask: Mask? = nil) throws -> [Double] {
        try _validatePercentiles(qs)
        var plans: [_PercentilePlan] = []
        if count >= _radixSelectMinimum, let v = try _orderStatisticsWithoutCopy(mask, ranks: { n in
            plans = _percentilePlans(count: n, qs, method: method)
            return _planRanks(plans)
        }) {
            if v.isEmpty { return qs.map { _ in .nan } }
            return _interpolate(plans, ranks: _planRanks(plans), values: v)
        }
        return try _withGatheredValues(mask) { buffer, n in _percentiles(buffer, count: n, qs, method: method) }
    }

    /// The values at `ranks(n)` among the `n` used, non-NaN elements, found without copying the data:
    /// radix selection for float32, one counting pass for 8- and 16-bit integers. Empty when `n` is 0;
    /// `nil` for other element types (the caller selects in a copy).
    @inlinable
    func _orderStatisticsWithoutCopy(_ mask: Mask?, ranks: (Int) -> [Int]) throws -> [Double]? {
        func rebound<U>(_ p: UnsafeBufferPointer<Element>, _: U.Type) -> UnsafeBufferPointer<U> {
            UnsafeBufferPointer(start: UnsafeRawPointer(p.baseAddress).map { $0.assumingMemoryBound(to: U.self) },
                                count: p.count)
        }
        switch Element.dtype {
        case .float32:
            return try _withElementsAndMask(mask) { p, m in
                _floatOrderStatistics(rebound(p, Float.self), m, ranks: ranks).values.map(Double.init)
            }
        case .uint16:
            return try _withElementsAndMask(mask) { p, m in
                _countingOrderStatistics(rebound(p, UInt16.self), m, bins: 1 << 16, key: { Int($0) }, ranks: ranks)
                    .keys.map(Double.init)
            }
        case .int16:
            return try _withElementsAndMask(mask) { p, m in
                _countingOrderStatistics(rebound(p, Int16.self), m, bins: 1 << 16, key: { Int($0) + 32768 },
                                         ranks: ranks).keys.map { Double($0 - 32768) }
            }
        case .uint8:
            return try _withElementsAndMask(mask) { p, m in
                _countingOrderStatistics(rebound(p, UInt8.self), m, bins: 256, key: { Int($0) }, ranks: ranks)
                    .keys.map(Double.init)
            }
        case .int8:
            return try _withElementsAndMask(mask) { p, m in
                _countingOrderStatistics(rebound(p, Int8.self), m, bins: 256, key: { Int($0) + 128 }, ranks: ranks)
                    .keys.map { Double($0 - 128) }
            }
        default:
            return nil
        }
    }

    /// Calls `body` with a scratch copy of the used, non-NaN elements and their count.
    @inlinable
    func _withGatheredValues<R>(_ mask: Mask?, _ body: (UnsafeMutablePointer<Element>, Int) -> R) throws -> R {
        try _withElementsAndMask(mask) { p, m in
            let scratch = UnsafeMutablePointer<Element>.allocate(capacity: Swift.max(p.count, 1))
            defer { scratch.deallocate() }
            let n = _gatherUsed(p, m, into: scratch)
            return body(scratch, n)
        }
    }
}

/// Throws unless every percentile is in 0…100.
@usableFromInline
func _validatePercentiles(_ qs: [Double]) throws {
    for q in qs where !(q >= 0 && q <= 100) {
        throw ScopeKitError.usage("percentile \(q) is outside 0...100")
    }
}

/// The median of `a[0..<n]` (reordered); NaN for n = 0.
@inlinable
func _median<T: RealArrayElement>(_ a: UnsafeMutablePointer<T>, count n: Int) -> Double {
    guard n > 0 else { return .nan }
    if n % 2 == 1 { return _orderStatistics(a, count: n, ranks: [n / 2])[0].doubleValue }
    let v = _orderStatistics(a, count: n, ranks: [n / 2 - 1, n / 2])
    return (v[0].doubleValue + v[1].doubleValue) / 2
}

/// numpy's `_lerp`: `a + (b − a)·t`, or `b − (b − a)·(1 − t)` for `t ≥ ½` (exact at both ends).
@inlinable @inline(__always)
func _lerp(_ a: Double, _ b: Double, _ t: Double) -> Double {
    let d = b - a
    return t >= 0.5 ? b - d * (1 - t) : a + d * t
}

/// The ranks to select and the interpolation weight of one percentile.
@usableFromInline typealias _PercentilePlan = (lo: Int, hi: Int, t: Double)

/// numpy's index and interpolation rules for the percentiles `qs` of `n` values (n > 0).
@inlinable
func _percentilePlans(count n: Int, _ qs: [Double], method: PercentileMethod) -> [_PercentilePlan] {
    // Each percentile needs the values at ranks lo and hi, interpolated with weight t.
    var plans: [_PercentilePlan] = []
    for q in qs {
        let v = Double(n - 1) * (q / 100)
        let f = v.rounded(.down)
        var lo = Int(f), hi = lo + 1
        var t = v - f
        switch method {
        case .linear: break
        case .lower: hi = lo; t = 0
        case .higher: lo = Int(v.rounded(.up)); hi = lo; t = 0
        case .nearest: lo = Int(v.rounded(.toNearestOrEven)); hi = lo; t = 0
        case .midpoint: t = v == f ? 0 : 0.5
        }
        lo = Swift.min(Swift.max(lo, 0), n - 1)
        hi = Swift.min(Swift.max(hi, 0), n - 1)
        if hi == lo { t = 0 }
        plans.append((lo, hi, t))
    }
    return plans
}

/// The distinct ranks the plans need, ascending.
@inlinable
func _planRanks(_ plans: [_PercentilePlan]) -> [Int] {
    Array(Set(plans.flatMap { [$0.lo, $0.hi] })).sorted()
}

/// The percentiles from the values at `ranks`.
@inlinable
func _interpolate(_ plans: [_PercentilePlan], ranks: [Int], values: [Double]) -> [Double] {
    var byRank: [Int: Double] = [:]
    for (k, v) in zip(ranks, values) { byRank[k] = v }
    return plans.map { p in
        let x = byRank[p.lo]!
        return p.hi == p.lo ? x : _lerp(x, byRank[p.hi]!, p.t)
    }
}

/// The percentiles `qs` of `a[0..<n]` (reordered) with numpy's index and interpolation rules.
@inlinable
func _percentiles<T: RealArrayElement>(_ a: UnsafeMutablePointer<T>, count n: Int, _ qs: [Double],
                                       method: PercentileMethod) -> [Double] {
    guard n > 0 else { return qs.map { _ in .nan } }
    let plans = _percentilePlans(count: n, qs, method: method)
    let ranks = _planRanks(plans)
    let values = _orderStatistics(a, count: n, ranks: ranks)
    return _interpolate(plans, ranks: ranks, values: values.map { $0.doubleValue })
}
