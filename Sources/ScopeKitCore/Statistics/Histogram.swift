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
/// or of the data extrema `extrema` (the used values' minimum and maximum, `nil` when no value is used) in `E`
/// itself (±0.5 when equal, [0, 1] when no value is used).
@inlinable
func _histogramEdges<E: BinaryFloatingPoint>(extrema: (min: Double, max: Double)?, bins: Int,
                                             range: ClosedRange<Double>?, edgeType: E.Type) throws -> [E] {
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
    if let (lo, hi) = extrema {
        first = E(lo)
        last = E(hi)
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

/// Throws when `edges` are not strictly increasing (too many bins for a narrow range).
@inlinable
func _checkEdges<E: BinaryFloatingPoint>(_ edges: [E]) throws {
    let bins = edges.count - 1
    for i in 0..<bins where !(edges[i] < edges[i + 1]) {
        throw ScopeKitError.usage("too many bins (\(bins)) for the range [\(edges[0]), \(edges[bins])]")
    }
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
///
/// 8- and 16-bit integers are counted once per value (one pass, no extrema pass) and the value counts are
/// then binned; other types take the extrema (`extrema`, when the caller has them, else one pass) and then
/// bin every element in one pass.
@inlinable
func _histogramCounts<T: RealArrayElement, E: BinaryFloatingPoint>(
    _ p: UnsafeBufferPointer<T>, _ m: UnsafePointer<Bool>?, bins: Int, range: ClosedRange<Double>?,
    edgeType: E.Type, extrema known: (min: T, max: T)?? = nil
) throws -> (edges: [E], counts: [Int]) {
    if T.dtype.isInteger && T.dtype.byteCount <= 2 {
        let (values, lo) = _valueCounts(p, m)
        var extrema: (min: Double, max: Double)?
        if let a = values.firstIndex(where: { $0 != 0 }), let b = values.lastIndex(where: { $0 != 0 }) {
            extrema = (Double(Int64(a) + lo), Double(Int64(b) + lo))
        }
        let edges = try _histogramEdges(extrema: extrema, bins: bins, range: range, edgeType: E.self)
        try _checkEdges(edges)
        let f = Double(edges[0]), scale = Double(bins) / (Double(edges[bins]) - Double(edges[0]))
        var counts = [Int](repeating: 0, count: bins)
        edges.withUnsafeBufferPointer { e in
            for k in values.indices where values[k] != 0 {
                if let b = _binIndex(E(Double(Int64(k) + lo)), e.baseAddress!, bins: bins, first: f, scale: scale) {
                    counts[b] += values[k]
                }
            }
        }
        return (edges, counts)
    }
    var extrema: (min: Double, max: Double)?
    if range == nil, let (lo, hi) = known ?? _extrema(p, m) { extrema = (lo.doubleValue, hi.doubleValue) }
    let edges = try _histogramEdges(extrema: extrema, bins: bins, range: range, edgeType: E.self)
    try _checkEdges(edges)
    let counts: [Int] = edges.withUnsafeBufferPointer { e in
        let ep = e.baseAddress!
        @inline(__always) func value(_ v: T) -> E { E.self == Float.self ? E(_floatValue(v)) : E(v.doubleValue) }
        let guess = _BinGuess(ep, bins: bins)
        if guess.isWithinOneBin {
            // Branch-free: the guess is at most one bin off (checked on every edge), so one step each way
            // lands on numpy's bin; values outside the edges (and NaN) go to the uncounted slot `bins`.
            return _countChunks(p.count, slots: bins + 1) { r, c in
                if let m {
                    for i in r { c[m[i] ? guess.bin(value(p[i])) : bins] &+= 1 }
                } else {
                    for i in r { c[guess.bin(value(p[i]))] &+= 1 }
                }
            }
        }
        let f = Double(edges[0]), scale = Double(bins) / (Double(edges[bins]) - Double(edges[0]))
        @inline(__always) func bin(_ v: T) -> Int { _binIndex(value(v), ep, bins: bins, first: f, scale: scale) ?? bins }
        return _countChunks(p.count, slots: bins + 1) { r, c in
            if let m {
                for i in r { c[m[i] ? bin(p[i]) : bins] &+= 1 }
            } else {
                for i in r { c[bin(p[i])] &+= 1 }
            }
        }
    }
    return (edges, Array(counts[0..<bins]))
}

/// A first guess of a value's bin from the edges' linear spacing (computed in `Double`, as ``_binIndex``).
///
/// The guess `⌊(x − e₀) · bins / (e_bins − e₀)⌋`, clamped to `0..<bins`, is monotonic in `x`; when it is
/// within one bin of `k` at every edge `e_k` (``isWithinOneBin``), it is within one bin of the right bin for
/// every value, and ``bin(_:)`` corrects it with one comparison each way.
@usableFromInline
struct _BinGuess<E: BinaryFloatingPoint> {
    @usableFromInline let edges: UnsafePointer<E>
    @usableFromInline let bins: Int
    @usableFromInline let first: E, last: E
    @usableFromInline let origin: Double, scale: Double, top: Double

    @inlinable init(_ edges: UnsafePointer<E>, bins: Int) {
        self.edges = edges
        self.bins = bins
        first = edges[0]
        last = edges[bins]
        origin = Double(first)
        scale = Double(bins) / (Double(last) - Double(first))
        top = Double(bins - 1)
    }

    /// The clamped guess (NaN → 0).
    @inlinable @inline(__always) func index(_ x: E) -> Int {
        let g = (Double(x) - origin) * scale
        return Int(g > 0 ? (g < top ? g : top) : 0)
    }

    /// True when the guess is within one bin at every edge.
    @inlinable var isWithinOneBin: Bool {
        guard scale.isFinite && scale > 0 else { return false }
        for k in 0...bins where abs(index(edges[k]) - k) > 1 { return false }
        return true
    }

    /// numpy's bin of `x` (last bin inclusive), or `bins` when `x` is outside the edges or NaN.
    @inlinable @inline(__always) func bin(_ x: E) -> Int {
        var i = index(x)
        i -= x < edges[i] ? 1 : 0
        i += x >= edges[i + 1] ? 1 : 0
        i = i < bins - 1 ? i : bins - 1
        return x >= first && x <= last ? i : bins
    }
}

/// How often each value of an 8- or 16-bit integer type occurs among the used elements: `counts[k]` is the
/// count of value `k + lo` (`lo` the type's minimum), one slot per representable value.
@inlinable
func _valueCounts<T: RealArrayElement>(_ p: UnsafeBufferPointer<T>, _ m: UnsafePointer<Bool>?)
    -> (counts: [Int], lo: Int64) {
    let lo = T.dtype._int64Range!.lo
    let size = 1 << (8 * T.dtype.byteCount)
    @inline(__always) func key(_ v: T) -> Int { Int(truncatingIfNeeded: _int64Value(v) &- lo) }
    let counts = _countChunks(p.count, slots: size) { r, c in
        if let m {
            for i in r where m[i] { c[key(p[i])] &+= 1 }
        } else {
            for i in r { c[key(p[i])] &+= 1 }
        }
    }
    return (counts, lo)
}

/// Counts over `0..<n` into `slots` counters: `body(range, counters)` adds the elements of `range` to
/// `counters` (zeroed `UInt32`s, private to the call). Chunks run in parallel and are summed at the end.
///
/// Integer counts add exactly in any order, so the chunking may depend on the thread count; a chunk holds
/// fewer than 2^31 elements, so its 32-bit counters cannot overflow.
@inlinable
func _countChunks(_ n: Int, slots: Int, _ body: (Range<Int>, UnsafeMutablePointer<UInt32>) -> Void) -> [Int] {
    let chunks = Swift.max(Swift.max(1, Swift.min(Parallel.threadCount, n / (1 << 16))), (n >> 31) + 1)
    let partial = UnsafeMutablePointer<UInt32>.allocate(capacity: chunks * slots)
    partial.initialize(repeating: 0, count: chunks * slots)
    defer { partial.deallocate() }
    let shared = UncheckedSendable(partial)
    Parallel.forEach(0..<chunks) { c in
        body(n * c / chunks..<n * (c + 1) / chunks, shared.value + c * slots)
    }
    var total = [Int](repeating: 0, count: slots)
    for c in 0..<chunks {
        for b in 0..<slots { total[b] += Int(partial[c * slots + b]) }
    }
    return total
}
