extension NDArray where Element: RealArrayElement {
    /// Otsu's threshold of the used, non-NaN elements: values above it are the foreground.
    ///
    /// Follows scikit-image 0.26 `threshold_otsu` step for step, including its precision: the histogram has
    /// `bins` bins between the data's extrema for float data (edges and bin centres in float32 for float32
    /// data), but one bin per integer between the minimum and the maximum for integer data (`bins` is then
    /// ignored); counts are float32, class weights are float32 cumulative sums, class means are cumulative sums
    /// in the bin-centre precision, and the first maximum of the between-class variance wins. The threshold is
    /// a bin centre. When every used value is equal, that value is returned.
    ///
    /// ```swift
    /// let t = try frame.otsuThreshold()                 // skimage.filters.threshold_otsu(frame)
    /// let background = Mask(including: frame.map { Double($0) <= t })
    /// ```
    ///
    /// - Parameters:
    ///   - bins: bins for float data (≥ 2); ignored for integer data whose range spans ≤ 2^24 values.
    ///   - mask: `true` = use the pixel (the threshold of `image[mask]` in scikit-image terms).
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` when no value is used or a value is ±∞;
    ///   ``ScopeKitError/usage(_:)`` for `bins < 2` or a mask of the wrong shape.
    /// - Complexity: O(count + bins). Integer data spanning more than 2^24 values use `bins` bins (where
    ///   scikit-image would allocate one bin per integer).
    @inlinable
    public func otsuThreshold(bins: Int = 256, mask: Mask? = nil) throws -> Double {
        guard bins >= 2 else { throw ScopeKitError.usage("Otsu's threshold needs at least 2 bins, got \(bins)") }
        let h = try _thresholdHistogram(bins: bins, mask: mask)
        if let single = h.single { return single }
        let counts = h.counts.map { Float($0) }
        if let centers = h.floatCenters { return Double(centers[_otsuIndex(counts, centers)]) }
        return h.centers[_otsuIndex(counts, h.centers)]
    }

    /// The two (or `classes − 1`) multi-Otsu thresholds of the used, non-NaN elements.
    ///
    /// Follows scikit-image 0.26 `threshold_multiotsu(image, classes, nbins)`: the same histogram as
    /// ``otsuThreshold(bins:mask:)``, normalised to float32 probabilities; zeroth and first moments as float32
    /// cumulative sums over bin *indices* (with scikit-image's first moment of bin 0 equal to its probability);
    /// an exhaustive search maximising the float32 sum of the between-class terms, the first maximum winning.
    /// When the histogram has exactly `classes` non-empty bins, the thresholds are the centres of all but the
    /// last of them.
    ///
    /// ```swift
    /// let t = try frame.multiOtsuThresholds()          // [t0, t1]: three classes
    /// // NanoLocz "2 level otsu" keeps the middle class: t0 < z ≤ t1
    /// ```
    ///
    /// - Parameters:
    ///   - classes: the number of classes, 2…5 (thresholds = classes − 1).
    ///   - bins: bins for float data; ignored for integer data (see ``otsuThreshold(bins:mask:)``).
    ///   - mask: `true` = use the pixel.
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` when the histogram has fewer than `classes` non-empty bins;
    ///   ``ScopeKitError/usage(_:)`` for `classes` outside 2…5, `bins < 2` or a mask of the wrong shape.
    /// - Complexity: O(count + bins^(classes−1)); integer data with wide ranges make many bins (as in skimage).
    @inlinable
    public func multiOtsuThresholds(classes: Int = 3, bins: Int = 256, mask: Mask? = nil) throws -> [Double] {
        guard (2...5).contains(classes) else {
            throw ScopeKitError.usage("multi-Otsu supports 2 to 5 classes, got \(classes)")
        }
        guard bins >= 2 else { throw ScopeKitError.usage("multi-Otsu needs at least 2 bins, got \(bins)") }
        let h = try _thresholdHistogram(bins: bins, mask: mask)
        let total = Double(h.counts.reduce(0, +))
        let prob = h.counts.map { Float(Double($0) / total) }
        let nonEmpty = prob.indices.filter { prob[$0] != 0 }
        guard nonEmpty.count >= classes else {
            throw ScopeKitError.badInput(
                "the histogram has only \(nonEmpty.count) non-empty bins, too few for \(classes) classes")
        }
        let indices = nonEmpty.count == classes ? Array(nonEmpty.dropLast()) : _multiOtsuIndices(prob, classes - 1)
        if let centers = h.floatCenters { return indices.map { Double(centers[$0]) } }
        return indices.map { h.centers[$0] }
    }

    /// The histogram scikit-image's thresholds use (see ``otsuThreshold(bins:mask:)``); `single` is set when
    /// all used values are equal.
    @inlinable
    func _thresholdHistogram(bins: Int, mask: Mask?)
        throws -> (counts: [Int], centers: [Double], floatCenters: [Float]?, single: Double?) {
        try _withElementsAndMask(mask) { p, m in
            if Element.dtype.isInteger && Element.dtype.byteCount <= 2 {
                // One counting pass over the data: every value's count, then the bins between the extrema.
                let (values, base) = _valueCounts(p, m)
                guard let a = values.firstIndex(where: { $0 != 0 }), let b = values.lastIndex(where: { $0 != 0 })
                else { throw ScopeKitError.badInput("no valid (non-NaN, unmasked) value to threshold") }
                if a == b { return ([], [], nil, Double(Int64(a) + base)) }
                return (Array(values[a...b]), (a...b).map { Double(Int64($0) + base) }, nil, nil)
            }
            guard let (lo, hi) = _extrema(p, m) else {
                throw ScopeKitError.badInput("no valid (non-NaN, unmasked) value to threshold")
            }
            let dlo = lo.doubleValue, dhi = hi.doubleValue
            guard dlo.isFinite && dhi.isFinite else {
                throw ScopeKitError.badInput("cannot threshold data with infinite values")
            }
            if lo == hi { return ([], [], nil, dlo) }
            if Element.dtype.isInteger && dhi - dlo < Double(1 << 24) {
                let ilo = _int64Value(lo), n = Int(_int64Value(hi) - ilo) + 1
                let counts = _countChunks(p.count, slots: n + 1) { r, c in
                    for i in r { c[(m?[i] ?? true) ? Int(_int64Value(p[i]) - ilo) : n] &+= 1 }
                }
                return (Array(counts[0..<n]), (0..<n).map { Double(ilo + Int64($0)) }, nil, nil)
            }
            if Element.dtype == .float32 {
                let (e, counts) = try _histogramCounts(p, m, bins: bins, range: nil, edgeType: Float.self,
                                                       extrema: (lo, hi))
                let centers = (0..<bins).map { (e[$0] + e[$0 + 1]) / 2 }
                return (counts, centers.map(Double.init), centers, nil)
            }
            let (e, counts) = try _histogramCounts(p, m, bins: bins, range: nil, edgeType: Double.self,
                                                   extrema: (lo, hi))
            return (counts, (0..<bins).map { (e[$0] + e[$0 + 1]) / 2 }, nil, nil)
        }
    }
}

/// Otsu's threshold from the counts of a histogram with float64 edges: the bin centre that
/// ``NDArray/otsuThreshold(bins:mask:)`` picks for float64 data with these counts (scikit-image 0.26
/// `threshold_otsu`), for callers that count the bins themselves.
///
/// - Parameters:
///   - counts: the `bins` counts.
///   - edges: the `bins + 1` edges (numpy `linspace` of the extrema).
/// - Complexity: O(bins).
package func _otsuThreshold(counts: [Int], edges: [Double]) -> Double {
    let centers = (0..<counts.count).map { (edges[$0] + edges[$0 + 1]) / 2 }
    return centers[_otsuIndex(counts.map { Float($0) }, centers)]
}

/// The bin of Otsu's threshold: scikit-image's arithmetic with float32 counts and weights and class means in
/// the bin-centre type `M` (float32 centres for float32 images, float64 otherwise).
@inlinable
func _otsuIndex<M: BinaryFloatingPoint>(_ counts: [Float], _ centers: [M]) -> Int {
    let n = counts.count
    var w1 = [Float](repeating: 0, count: n), w2 = [Float](repeating: 0, count: n)
    var m1 = [M](repeating: 0, count: n), m2 = [M](repeating: 0, count: n)
    var weight: Float = 0, moment: M = 0
    for i in 0..<n {
        weight += counts[i]
        moment += M(counts[i]) * centers[i]
        w1[i] = weight
        m1[i] = moment / M(weight)
    }
    weight = 0
    moment = 0
    for i in stride(from: n - 1, through: 0, by: -1) {
        weight += counts[i]
        moment += M(counts[i]) * centers[i]
        w2[i] = weight
        m2[i] = moment / M(weight)
    }
    var best = 0
    var bestValue = -M.infinity
    for i in 0..<(n - 1) {
        let d = m1[i] - m2[i + 1]
        let v = M(w1[i] * w2[i + 1]) * (d * d)
        if v > bestValue || (v.isNaN && !bestValue.isNaN) {
            best = i
            bestValue = v
            if v.isNaN { break }  // numpy's argmax stops at the first NaN
        }
    }
    return best
}

/// The threshold bin indices of scikit-image's multi-Otsu search (`_get_multiotsu_thresh_indices_lut`).
@usableFromInline
func _multiOtsuIndices(_ prob: [Float], _ thresholdCount: Int) -> [Int] {
    let n = prob.count
    var zeroth = [Float](repeating: 0, count: n), first = [Float](repeating: 0, count: n)
    zeroth[0] = prob[0]
    first[0] = prob[0]
    for i in 1..<n {
        zeroth[i] = zeroth[i - 1] + prob[i]
        first[i] = first[i - 1] + Float(i) * prob[i]
    }
    // The between-class term of bins i...j (scikit-image's LUT, whose (0, 0) entry stays 0).
    func term(_ i: Int, _ j: Int) -> Float {
        if i == 0 {
            return j > 0 && zeroth[j] > 0 ? (first[j] * first[j]) / zeroth[j] : 0
        }
        let w = zeroth[j] - zeroth[i - 1]
        guard w > 0 else { return 0 }
        let s = first[j] - first[i - 1]
        return (s * s) / w
    }
    var current = [Int](repeating: 0, count: thresholdCount)
    var best = Array(0..<thresholdCount)
    var bestSigma: Float = 0
    func search(_ start: Int, _ level: Int) {
        if level < thresholdCount {
            for t in start..<(n - thresholdCount + level) {
                current[level] = t
                search(t + 1, level + 1)
            }
            return
        }
        var sigma = term(0, current[0]) + term(current[thresholdCount - 1] + 1, n - 1)
        for k in 0..<(thresholdCount - 1) { sigma += term(current[k] + 1, current[k + 1]) }
        if sigma > bestSigma {
            bestSigma = sigma
            best = current
        }
    }
    search(0, 0)
    return best
}
