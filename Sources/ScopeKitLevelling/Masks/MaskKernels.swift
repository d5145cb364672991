import ScopeKitCore
import ScopeKitLevellingAVX2
import ScopeKitLevellingKernels

extension _Frame {
    /// The Gaussian peak of a histogram (pnanolocz's start: highest count, data mean, data std); falls back
    /// to the data mean and std when the fit fails.
    func _gaussianPeak(_ h: Histogram, mean: Double, std: Double) -> GaussianPeak {
        let top = Double(h.counts.max() ?? 0)
        if top > 0, std > 0,
           let p = try? GaussianPeak.fit(x: h.centers, y: h.counts.map(Double.init),
                                         initial: GaussianPeak(amplitude: top, center: mean, sigma: std)) {
            return p
        }
        return GaussianPeak(amplitude: top, center: mean, sigma: std > 0 ? std : 1)
    }

    /// The band limits for a Gaussian rule.
    static func _gaussianLimits(_ p: GaussianPeak, multiplier: Double, width: GaussianWidth,
                                keep: GaussianKeep) -> (Double, Double) {
        let w = multiplier * (width == .nanoLocz ? p.width : p.sigma)
        switch keep {
        case .band: return (p.center - w, p.center + w)
        case .aboveLower: return (p.center - w, .infinity)
        case .belowUpper: return (-.infinity, p.center + w)
        }
    }

    /// Mean and population standard deviation of the finite pixels; count.
    func _finiteMoments() -> (mean: Double, std: Double, n: Int) {
        var s = 0.0, n = 0
        for i in 0..<count where z[i].isFinite { s += z[i]; n += 1 }
        guard n > 0 else { return (.nan, .nan, 0) }
        let m = s / Double(n)
        var v = 0.0
        for i in 0..<count where z[i].isFinite { v += (z[i] - m) * (z[i] - m) }
        return (m, (v / Double(n)).squareRoot(), n)
    }

    /// Mean, population standard deviation and `bins`-bin histogram (numpy's rule over the finite range,
    /// widened by ±0.5 when constant) of the finite pixels; `nil` when there are none. Two passes over row
    /// blocks (sum and range; squares and counts), the blocks' partial sums added in block order.
    func _finiteMomentsAndHistogram(bins: Int) -> (mean: Double, std: Double, histogram: Histogram)? {
        let nb = blockCount, z = self.z, cols = self.cols, finite = allFinite
        let parts = UnsafeMutablePointer<_FiniteMoments>.allocate(capacity: nb)
        let squares = UnsafeMutablePointer<Double>.allocate(capacity: nb)
        let blockCounts = UnsafeMutablePointer<Int>.allocate(capacity: nb * bins)
        defer { parts.deallocate(); squares.deallocate(); blockCounts.deallocate() }
        forEachBlock { b, rows in
            let start = rows.lowerBound * cols, n = rows.count * cols
            (parts + b).initialize(to: finite ? _FiniteMoments(denseValues: z + start, count: n)
                                              : _FiniteMoments(z + start, count: n))
        }
        var lo = Double.infinity, hi = -Double.infinity, s = 0.0, n = 0
        for b in 0..<nb { let p = parts[b]; lo = Swift.min(lo, p.lo); hi = Swift.max(hi, p.hi); s += p.s; n += p.n }
        guard n > 0 else { return nil }
        let mean = s / Double(n)
        if lo == hi { lo -= 0.5; hi += 0.5 }
        let edges = _histogramEdges(bins: bins, lo: lo, hi: hi)
        edges.withUnsafeBufferPointer { e in
            let e = e.baseAddress!
            forEachBlock { b, rows in
                let start = rows.lowerBound * cols, count = rows.count * cols, p = z + start
                var v = 0.0
                if finite {
                    var v4 = SIMD4<Double>(), i = 0
                    while i + 4 <= count { let d = SIMD4<Double>(unaligned: p + i) - mean; v4 += d * d; i += 4 }
                    v = v4.sum()
                    while i < count { v += (p[i] - mean) * (p[i] - mean); i += 1 }
                } else {
                    for i in 0..<count where p[i].isFinite { v += (p[i] - mean) * (p[i] - mean) }
                }
                squares[b] = v
                // NaN and ±∞ fall outside the finite range, so they are not counted
                _countBins(p, count, bins: bins, lo: lo, hi: hi, edges: e, allInRange: finite,
                           into: blockCounts + b * bins)
            }
        }
        var v = 0.0
        var counts = [Int](repeating: 0, count: bins)
        for b in 0..<nb {
            v += squares[b]
            for k in 0..<bins { counts[k] += blockCounts[b * bins + k] }
        }
        return (mean, (v / Double(n)).squareRoot(), Histogram(counts: counts, edges: edges))
    }

    /// Copies the finite heights into `dst` (raster order) and returns how many there are.
    func _gatherFinite(into dst: UnsafeMutablePointer<Double>) -> Int {
        var n = 0
        for i in 0..<count { dst[n] = z[i]; n &+= _bit(z[i].isFinite) }
        return n
    }

    /// Otsu's threshold of `n` finite values: ``NDArray/otsuThreshold(bins:mask:)`` for float64 (scikit-image
    /// `threshold_otsu(values, nbins=bins)`), with the extrema and the bin counts made by chunks on several
    /// threads when ``splitRows`` (integer counts, so the same threshold at any thread count).
    ///
    /// - Parameter range: the values' least and greatest, when already known (e.g. ``smoothedRange``).
    /// - Throws: ``ScopeKitError/usage(_:)`` for `bins < 2`; ``ScopeKitError/badInput(_:file:)`` for infinite
    ///   values.
    /// - Complexity: O(n + bins × chunks).
    func _otsuThreshold(_ v: UnsafePointer<Double>, _ n: Int, bins: Int,
                        range: (low: Double, high: Double)? = nil) throws -> Double {
        guard bins >= 2 else { throw ScopeKitError.usage("Otsu's threshold needs at least 2 bins, got \(bins)") }
        precondition(n > 0)
        let chunks = Swift.min(blockCount, Swift.max(1, n / 4096))
        let chunk = { (b: Int) in n * b / chunks ..< n * (b + 1) / chunks }
        let (lo, hi) = range ?? _extrema(v, chunks: chunks, chunk)
        guard lo.isFinite && hi.isFinite else {
            throw ScopeKitError.badInput("cannot threshold data with infinite values")
        }
        if lo == hi { return lo }
        let edges = _histogramEdges(bins: bins, lo: lo, hi: hi)
        let partial = UnsafeMutablePointer<Int>.allocate(capacity: chunks * bins)
        defer { partial.deallocate() }
        edges.withUnsafeBufferPointer { e in
            _forEachTask(chunks, split: splitRows) { b in
                let r = chunk(b)
                _countBins(v + r.lowerBound, r.count, bins: bins, lo: lo, hi: hi, edges: e.baseAddress!,
                           allInRange: true, into: partial + b * bins)
            }
        }
        var counts = [Int](repeating: 0, count: bins)
        for b in 0..<chunks { for k in 0..<bins { counts[k] += partial[b * bins + k] } }
        return ScopeKitCore._otsuThreshold(counts: counts, edges: edges)
    }

    /// The least and greatest of `v` over `chunks` chunks (`chunk(b)` the indices of chunk `b`), on several threads
    /// when ``splitRows``.
    ///
    /// - Complexity: O(n).
    func _extrema(_ v: UnsafePointer<Double>, chunks: Int,
                  _ chunk: (Int) -> Range<Int>) -> (low: Double, high: Double) {
        let lows = UnsafeMutablePointer<Double>.allocate(capacity: 2 * chunks)
        defer { lows.deallocate() }
        let highs = lows + chunks
        _forEachTask(chunks, split: splitRows) { b in
            let r = chunk(b)
            var lo4 = SIMD4<Double>(repeating: .infinity), hi4 = -lo4
            var i = r.lowerBound
            while i + 4 <= r.upperBound {
                let x = SIMD4<Double>(unaligned: v + i)
                lo4 = lo4.replacing(with: x, where: x .< lo4)
                hi4 = hi4.replacing(with: x, where: x .> hi4)
                i += 4
            }
            var lo = Swift.min(Swift.min(lo4[0], lo4[1]), Swift.min(lo4[2], lo4[3]))
            var hi = Swift.max(Swift.max(hi4[0], hi4[1]), Swift.max(hi4[2], hi4[3]))
            while i < r.upperBound { lo = Swift.min(lo, v[i]); hi = Swift.max(hi, v[i]); i += 1 }
            lows[b] = lo
            highs[b] = hi
        }
        var lo = Double.infinity, hi = -Double.infinity
        for b in 0..<chunks { lo = Swift.min(lo, lows[b]); hi = Swift.max(hi, highs[b]) }
        return (lo, hi)
    }

    /// The finite pixels as a Double array (for Core's threshold functions).
    func _finiteArray() -> NDArray<Double> {
        let n = _gatherFinite(into: frameA)
        return NDArray<Double>(unsafeUninitializedShape: [n]) { b in b.baseAddress!.update(from: frameA, count: n) }
    }

    /// Applies a mask rule; `limits` are precomputed whole-movie limits for a Gaussian rule.
    func applyMaskRule(_ rule: MaskRule, limits: (Double, Double)?) throws {
        switch rule {
        case .range(let low, let high):
            setMask(low: low ?? -.infinity, high: high ?? .infinity)
        case .gaussian(let multiplier, let width, let keep, _, let bins):
            let (lo, hi): (Double, Double)
            if let limits {
                (lo, hi) = limits
            } else {
                guard let (mean, std, h) = _finiteMomentsAndHistogram(bins: bins) else {
                    setMask { _ in false }; return
                }
                (lo, hi) = _Frame._gaussianLimits(_gaussianPeak(h, mean: mean, std: std),
                                                  multiplier: multiplier, width: width, keep: keep)
            }
            setMask(low: lo, high: hi)
        case .otsu(let bins, let keepAbove):
            let values = allFinite ? UnsafePointer(z) : UnsafePointer(frameA)
            let n = allFinite ? count : _gatherFinite(into: frameA)
            guard n > 0 else { setMask { _ in false }; return }
            let t = try _otsuThreshold(values, n, bins: bins)
            if keepAbove { setMask(low: t.nextUp, high: .infinity) } else { setMask(low: -.infinity, high: t) }   // t finite
        case .otsuTwoLevel(let bins):
            let values = _finiteArray()
            guard values.count > 0 else { setMask { _ in false }; return }
            let t = try values.multiOtsuThresholds(classes: 3, bins: bins)
            setMask(low: t[0].nextUp, high: t[1])   // t[0] < x ≤ t[1]; thresholds finite
        case .outliers(let k):
            let (mean, std, _) = _finiteMoments()
            setMask { abs($0 - mean) <= k * std }
        case .autoEdges, .otsuEdges, .histogramEdges:
            try applyEdgeMask(rule)
        }
    }

    /// Inverts the current mask (no mask → nothing is used).
    func invertMask() {
        for i in 0..<count { used[i] = !used[i] }
        hasMask = true
    }

    /// Grows (`grow`) or shrinks the excluded set by a (2p+1)² square (pixels outside the frame are ignored).
    ///
    /// Growing the excluded set erodes the used set (a pixel stays used only if its whole square is), shrinking
    /// it dilates the used set; on 64-pixel words (``_PackedRows``).
    ///
    /// - Complexity: O(pixels × (2p + 1) / 64) plus packing.
    func morphExcluded(pixels p: Int, grow: Bool) {
        guard hasMask, p > 0 else { return }
        let bits = _PackedRows(rows: rows, cols: cols, split: splitRows)
        defer { bits.deallocate() }
        bits.pack(used, invert: false)
        let square = _BinaryMorphology.Widths(widths: [Int](repeating: p, count: 2 * p + 1))
        if grow { bits.erode(square) } else { bits.dilate(square) }
        bits.unpack(into: used, invert: false)
    }

    /// Returns excluded 8-connected regions smaller than `minimum` pixels to use.
    ///
    /// - Complexity: O(pixels / 8 + runs) (``_PackedRows/removeSmall(value:maximumSize:eight:)``).
    func removeSmallExcludedRegions(minimum: Int) {
        guard hasMask, minimum > 1 else { return }
        let bits = _PackedRows(rows: rows, cols: cols, split: splitRows)
        defer { bits.deallocate() }
        bits.pack(used, invert: false)
        bits.removeSmall(value: false, maximumSize: minimum - 1, eight: true)
        bits.unpack(into: used, invert: false)
    }
}

/// numpy's uniform-bin histogram rule: edges `linspace(lo, hi, bins + 1)`, index from the scaled value,
/// corrected against the edges, the last bin closed; values outside [lo, hi] are not counted.
func _binnedHistogram(_ v: UnsafePointer<Double>, _ n: Int, bins: Int, lo: Double, hi: Double) -> Histogram {
    let edges = _histogramEdges(bins: bins, lo: lo, hi: hi)
    var counts = [Int](repeating: 0, count: bins)
    edges.withUnsafeBufferPointer { e in
        counts.withUnsafeMutableBufferPointer { c in
            _countBins(v, n, bins: bins, lo: lo, hi: hi, edges: e.baseAddress!, into: c.baseAddress!)
        }
    }
    return Histogram(counts: counts, edges: edges)
}

/// numpy's histogram edges `linspace(lo, hi, bins + 1)` (the last exactly `hi`).
func _histogramEdges(bins: Int, lo: Double, hi: Double) -> [Double] {
    var edges = [Double](repeating: 0, count: bins + 1)
    let step = (hi - lo) / Double(bins)
    for i in 0...bins { edges[i] = Double(i) * step + lo }
    edges[bins] = hi
    return edges
}

/// Sets `counts[0..<bins]` to the counts of `v[0..<n]` on `edges` (``_binnedHistogram(_:_:bins:lo:hi:)``).
///
/// With `allInRange` (every value finite and in [lo, hi], e.g. lo/hi are the values' own minimum and
/// maximum) the range test is skipped and ``countBinsInRange(_:_:bins:lo:norm:margin:edges:into:)`` counts four
/// values at a time into four sub-histograms (summed at the end: the same counts), with AVX2 code when
/// ``CPUFeatures/level`` allows.
///
/// - Complexity: O(n + bins).
func _countBins(_ v: UnsafePointer<Double>, _ n: Int, bins: Int, lo: Double, hi: Double,
                edges: UnsafePointer<Double>, allInRange: Bool = false, into counts: UnsafeMutablePointer<Int>) {
    let norm = Double(bins) / (hi - lo)
    // the edges with +∞ after the last bin, so the corrections need no bounds tests: edges[0] = lo ≤ x, and
    // x ≥ +∞ is false
    withUnsafeTemporaryAllocation(of: Double.self, capacity: bins + 1) { padded in
        let e = padded.baseAddress!
        e.update(from: edges, count: bins)
        e[bins] = .infinity
        guard allInRange && n < Int(Int32.max) && bins < 1 << 40 else {
            counts.update(repeating: 0, count: bins)
            for i in 0..<n {
                let x = v[i]
                guard x >= lo && x <= hi else { continue }   // also drops NaN
                counts[numpyBin(x, (x - lo) * norm, bins: bins, edges: e)] += 1
            }
            return
        }
        // The scaled position is within `margin` of the exact (x − lo)/(hi − lo)·bins, and so is each edge's (a
        // few ulps of the largest magnitude involved, in bins, with room to spare; a margin ≥ ½ sends every value
        // through the corrected path).
        let margin = 64 * Double.ulpOfOne * Double(bins) * (Swift.max(abs(lo), abs(hi)) / (hi - lo) + 1)
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: 4 * bins) { sub in
            let h = sub.baseAddress!
            h.initialize(repeating: 0, count: 4 * bins)
            if CPUFeatures.level == .avx2 {
                countBinsInRangeAVX2(v, n, bins: bins, lo: lo, norm: norm, margin: margin, edges: e, into: h)
            } else {
                countBinsInRange(v, n, bins: bins, lo: lo, norm: norm, margin: margin, edges: e, into: h)
            }
            for k in 0..<bins {
                counts[k] = Int(h[k]) &+ Int(h[bins + k]) &+ Int(h[2 * bins + k]) &+ Int(h[3 * bins + k])
            }
        }
    }
}
