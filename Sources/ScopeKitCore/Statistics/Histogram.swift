/// Counts of values in equal-width bins: what ``NDArray/histogram(bins:range:mask:)`` returns.
///
/// Bin `i` holds values `v` with `edges[i] ≤ v < edges[i + 1]`; the last bin also holds `v == edges[bins]`
/// (numpy's last-bin-inclusive rule). Values outside the range are not counted.
///
/// ```swift
/// let h = try image.histogram(bins: 256)
/// h.counts.count      // 256
/// h.edges.count       // 257
/// h.centers[0]        // (edges[0] + edges[1]) / 2
/// ```
public struct Histogram: Sendable, Equatable {
    /// The number of values in each bin.
    public var counts: [Int]
    /// The `bins + 1` bin edges, ascending.
    public var edges: [Double]

    /// Creates a histogram from counts and edges (`edges.count == counts.count + 1`).
    public init(counts: [Int], edges: [Double]) {
        precondition(edges.count == counts.count + 1, "Histogram: \(counts.count) counts need \(counts.count + 1) edges")
        self.counts = counts
        self.edges = edges
    }

    /// The number of bins.
    public var binCount: Int { counts.count }

    /// The midpoint of each bin, `(edges[i] + edges[i + 1]) / 2` in `Double`.
    public var centers: [Double] { (0..<counts.count).map { (edges[$0] + edges[$0 + 1]) / 2 } }

    /// The number of values counted (inside the range).
    public var totalCount: Int { counts.reduce(0, +) }
}

extension NDArray where Element: RealArrayElement {
    /// A histogram of the used, non-NaN elements with `bins` equal-width bins.
    ///
    /// The edges are numpy's: `linspace(lower, upper, bins + 1)` computed in float32 for float32 data and in
    /// float64 otherwise; without `range`, `lower`/`upper` are the data's minimum and maximum (widened by ±0.5
    /// when they are equal, [0, 1] when no value is used). Every value lands in the bin whose edges enclose it,
    /// the last bin including its right edge.
    ///
    /// ```swift
    /// let h = try frame.histogram(bins: 100)                        // NanoLocz's hist(T(:), 100)
    /// let g = try frame.histogram(bins: 256, range: 0...65535)
    /// ```
    ///
    /// - Parameters:
    ///   - bins: the number of bins, ≥ 1.
    ///   - range: the outer edges; values outside are not counted. `nil` = the data's extrema.
    ///   - mask: `true` = use the pixel.
    /// - Throws: ``ScopeKitError/usage(_:)`` for `bins < 1`, a non-finite range, a range too narrow for
    ///   `bins` distinct edges, or a mask of the wrong shape; ``ScopeKitError/badInput(_:file:)`` when the data
    ///   contain ±∞ and no range is given.
    /// - Complexity: O(count + bins), parallel; 8- and 16-bit integer data use a lookup table.
    ///   Matches `numpy.histogram(a[~isnan(a)], bins, range)` exactly (edges and counts).
    @inlinable
    public func histogram(bins: Int = 10, range: ClosedRange<Double>? = nil, mask: Mask? = nil) throws -> Histogram {
        guard bins >= 1 else { throw ScopeKitError.usage("histogram needs at least 1 bin, got \(bins)") }
        return try _withElementsAndMask(mask) { p, m in
            if Element.dtype == .float32 {
                let (edges, counts) = try _histogramCounts(p, m, bins: bins, range: range, edgeType: Float.self)
                return Histogram(counts: counts, edges: edges.map(Double.init))
            }
            let (edges, counts) = try _histogramCounts(p, m, bins: bins, range: range, edgeType: Double.self)
            return Histogram(counts: counts, edges: edges)
        }
    }
}

/// numpy's `linspace(first, last, bins + 1)` in the edge type `E` (same operations, same rounding).
@inlinable
func _linspaceEdges<E: BinaryFloatingPoint>(_ first: E, _ last: E, bins: Int) -> [E] {
    let delta = last - first
    let step = delta / E(bins)
    var edges = [E](repeating: 0, count: bins + 1)
    for i in 0...bins {
        edges[i] = step == 0 ? (E(i) / E(bins)) * delta + first : E(i) * step + first
    }
    edges[bins] = last
    return edges
}

/// The edges numpy uses: `linspace` of the range in float64, rounded to `E` (numpy's Python-float range),
/// or of the data extrema in `E` itself (±0.5 when equal, [0, 1] when no value is used).
@inlinable
func _histogramEdges<T: RealArrayElement, E: BinaryFloatingPoint>(
    _ p: UnsafeBufferPointer<T>, _ m: UnsafePointer<Bool>?, bins: Int, range: ClosedRange<Double>?, edgeType: E.Type
) throws -> [E] {
    if let range {
        guard range.lowerBound.isFinite && range.upperBound.isFinite else {
            throw ScopeKitError.usage("histogram range \(range) is not finite")
        }
        var first = range.lowerBound, last = range.upperBound
        if first == last {
            first -= 0.5
            last += 0.5
        }
        return _linspaceEdges(first, last, bins: bins).map { E($0) }
    }
    var first: E, last: E
    if let (lo, hi) = _extrema(p, m) {
        first = E(lo.doubleValue)
        last = E(hi.doubleValue)
        guard first.isFinite && last.isFinite else {
            throw ScopeKitError.badInput("histogram range from the data [\(first), \(last)] is not finite")
        }
    } else {
        first = 0
        last = 1
    }
    if first == last {
        first -= 0.5
        last += 0.5
    }
    return _linspaceEdges(first, last, bins: bins)
}

/// The bin of `x` among `edges` (numpy's rule), or `nil` when `x` is outside or NaN.
@inlinable @inline(__always)
func _binIndex<E: BinaryFloatingPoint>(_ x: E, _ edges: UnsafePointer<E>, bins: Int,
                                       first: Double, scale: Double) -> Int? {
    guard x >= edges[0] && x <= edges[bins] else { return nil }
    let guess = (Double(x) - first) * scale
    var i = guess < Double(bins - 1) ? Int(guess) : bins - 1
    if i < 0 { i = 0 }
    while i > 0 && x < edges[i] { i -= 1 }
    while i < bins - 1 && x >= edges[i + 1] { i += 1 }
    return i
}

/// The edges and counts of a histogram of the used, non-NaN elements, with edges of type `E`.
@inlinable
func _histogramCounts<T: RealArrayElement, E: BinaryFloatingPoint>(
    _ p: UnsafeBufferPointer<T>, _ m: UnsafePointer<Bool>?, bins: Int, range: ClosedRange<Double>?,
    edgeType: E.Type
) throws -> (edges: [E], counts: [Int]) {
    let edges = try _histogramEdges(p, m, bins: bins, range: range, edgeType: E.self)
    let first = edges[0], last = edges[bins]
    for i in 0..<bins where !(edges[i] < edges[i + 1]) {
        throw ScopeKitError.usage("too many bins (\(bins)) for the range [\(first), \(last)]")
    }
    let f = Double(first), scale = Double(bins) / (Double(last) - Double(first))
    let counts: [Int] = edges.withUnsafeBufferPointer { e in
        let ep = e.baseAddress!
        let bits = T.dtype.byteCount
        if T.dtype.isInteger && bits <= 2 {
            // Lookup table over every representable value; slot `bins` collects the values not counted.
            let lo = T.dtype._int64Range!.lo
            let size = 1 << (8 * bits)
            var lut = [Int32](repeating: Int32(bins), count: size)
            for k in 0..<size {
                if let b = _binIndex(E(Double(Int64(k) + lo)), ep, bins: bins, first: f, scale: scale) {
                    lut[k] = Int32(b)
                }
            }
            return lut.withUnsafeBufferPointer { l in
                _countBins(p.count, bins: bins + 1) { i in
                    let v = p[i]
                    let k = Int(truncatingIfNeeded: _int64Value(v) - lo)
                    return (m?[i] ?? true) ? Int(l[k]) : bins
                }
            }
        }
        return _countBins(p.count, bins: bins + 1) { i in
            let v = p[i]
            guard m?[i] ?? true else { return bins }
            let x: E = E.self == Float.self ? E(_floatValue(v)) : E(v.doubleValue)
            return _binIndex(x, ep, bins: bins, first: f, scale: scale) ?? bins
        }
    }
    return (edges, Array(counts[0..<bins]))
}

/// Counts `bin(i)` over `0..<n` into `bins` slots, in parallel chunks with private counters.
///
/// Integer counts add exactly in any order, so the chunking may depend on the thread count.
@inlinable
func _countBins(_ n: Int, bins: Int, _ bin: (Int) -> Int) -> [Int] {
    let chunks = Swift.max(1, Swift.min(Parallel.threadCount, n / (1 << 16)))
    let partial = UnsafeMutablePointer<Int>.allocate(capacity: chunks * bins)
    partial.initialize(repeating: 0, count: chunks * bins)
    defer { partial.deallocate() }
    Parallel.forEach(0..<chunks) { c in
        let counts = partial + c * bins
        let lo = n * c / chunks, hi = n * (c + 1) / chunks
        for i in lo..<hi { counts[bin(i)] += 1 }
    }
    var total = [Int](repeating: 0, count: bins)
    for c in 0..<chunks {
        for b in 0..<bins { total[b] += partial[c * bins + b] }
    }
    return total
}
