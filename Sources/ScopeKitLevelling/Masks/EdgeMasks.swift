import Foundation
import ScopeKitCore
import ScopeKitLevellingAVX2
import ScopeKitLevellingKernels

// NanoLocz `thresholder` edge masks ("auto edges", "otsu edges", "hist edges"), specified by behaviour;
// parity oracle: pnanolocz 0.1.0 `thresholder.py` (scipy.ndimage `gaussian_filter`/`sobel` with
// mode="nearest", scikit-image 0.26 morphology with its default mode="reflect", `remove_small_objects` /
// `remove_small_holes` with inclusive `max_size`).

extension Levelling {
    /// The edge mask of each frame (true = used, i.e. *not* an edge): NanoLocz's "auto edges", "otsu edges" or
    /// "hist edges" (``MaskRule/autoEdges(factor:radius:)``, ``MaskRule/otsuEdges(bins:)``,
    /// ``MaskRule/histogramEdges(low:high:)``).
    ///
    /// Every rule first replaces non-finite heights by the median of the finite ones and smooths with a
    /// Gaussian of σ = 2 (radius 8, edge values repeated — scipy `gaussian_filter(…, mode="nearest")`):
    ///
    /// - auto edges: Sobel gradients `gx` (along rows) and `gy` (along columns) of the smoothed heights (edge
    ///   values repeated); `gy` minus half its row median; energy `2·gx² + gy²`; edges where the energy
    ///   exceeds `min + factor·(mean − min)`; 4-connected edge specks ≤ 99 px dropped and gaps ≤ 49 px filled;
    ///   closing, dilation, closing, dilation with a diamond of `radius`; a closing with the 3×3 "X"
    ///   (NanoLocz's `bwmorph bridge` as pnanolocz approximates it); three erosions with a diamond of 1.
    /// - otsu edges: the perimeter (8-neighbourhood, `bwmorph remove`) of the smoothed pixels above Otsu's
    ///   threshold; 8-connected specks ≤ 99 px dropped, holes ≤ 49 px filled; dilated by a disk of 2; the
    ///   cleaning repeated.
    /// - hist edges: the perimeter of the smoothed pixels outside `[low, high]`, dilated by a disk of 3.
    ///
    /// Morphology outside the frame mirrors it (scikit-image's default `mode="reflect"`).
    ///
    /// ```swift
    /// let mask = try Levelling.edgeMask(image, rule: .autoEdges(factor: 1.5, radius: 4))
    /// let flat = try Levelling.weightedPlane(image, xOrder: 2, yOrder: 2, mask: mask)
    /// ```
    ///
    /// - Note: ScopeKit follows pnanolocz 0.1.0, the parity oracle (masks identical pixel for pixel in the tests).
    ///   Later pnanolocz versions describe MATLAB's `thresholder` differently for "auto edges" (8-connected
    ///   `bwareaopen`, a diamond of 5, no final dilation and erosions); `radius` chooses the diamond, the rest
    ///   is 0.1.0's sequence. The "*skel" variants (thinning + skeleton pruning) are not provided.
    /// - Note: pnanolocz 0.1.0 smooths NaN as it is (a NaN spreads 8 px; "auto edges" then finds no edge and
    ///   "otsu edges" raises); ScopeKit fills non-finite pixels first (as later pnanolocz versions do), so
    ///   frames with NaN differ from pnanolocz 0.1.0 — they are never used for fits either way.
    /// - Note: Inside a routine the smoothed heights are computed once per frame: the weighted plane and weighted
    ///   median line between two edge masks subtract separable backgrounds, whose smoothing is 1-D, so they
    ///   update the smoothed heights instead (equal to re-smoothing up to rounding, ≈ 1e-16 of the heights; the
    ///   masks stay pixel-identical to pnanolocz's in the parity tests).
    /// - Complexity: O(pixels × (17 + footprint rows / 64)) per frame: a separable Gaussian, morphology on
    ///   64-pixel words, run-based component labelling; row blocks on several threads for a frame levelled alone.
    public static func edgeMask<T: LevellingScalar>(_ image: NDArray<T>, rule: MaskRule) throws -> Mask {
        switch rule {
        case .autoEdges, .otsuEdges, .histogramEdges: return try mask(image, rule: rule)
        default: throw ScopeKitError.usage("edgeMask takes an edge rule (autoEdges, otsuEdges, histogramEdges)")
        }
    }
}

extension _Frame {
    /// Sets the mask to the non-edge pixels of an edge rule (intersected with the base mask).
    func applyEdgeMask(_ rule: MaskRule) throws {
        let bits = _PackedRows(rows: rows, cols: cols, split: splitRows)
        defer { bits.deallocate() }
        try _edges(rule, into: bits)
        bits.unpack(into: used, invert: true)
        if hasBaseMask { for i in 0..<count { used[i] = used[i] && baseMask[i] } }
        hasMask = true
    }

    /// The edge pixels of `rule` (set bits = edge), computed on 64-pixel words from the threshold on.
    func _edges(_ rule: MaskRule, into bits: _PackedRows) throws {
        let n = count
        let smooth = _smoothedHeights(), scratch = frameB
        switch rule {
        case .autoEdges(let factor, let radius):
            let threshold = _autoEdgeEnergy(smooth, factor: factor, into: scratch)
            // energy > threshold, i.e. in [threshold⁺, +∞] (nothing when the threshold is +∞ or NaN)
            let above = threshold < .infinity ? threshold.nextUp : .infinity
            bits.pack(scratch, inside: above, threshold < .infinity ? .infinity : -.infinity, invert: false)
            bits.removeSmall(value: true, maximumSize: 99, eight: false)
            bits.removeSmall(value: false, maximumSize: 49, eight: false)
            let diamond = _BinaryMorphology.diamondWidths(radius)
            bits.closing(diamond)
            bits.dilate(diamond)
            bits.closing(diamond)
            bits.dilate(diamond)
            bits.closingNear([(-1, -1), (-1, 1), (0, 0), (1, -1), (1, 1)])
            for _ in 0..<3 { bits.erode(_BinaryMorphology.diamondWidths(1)) }
        case .otsuEdges(let bins):
            let t = try _otsuThreshold(smooth, n, bins: bins, range: smoothedRange)
            bits.pack(smooth, inside: -.infinity, t, invert: true)   // !(x ≤ t)
            bits.perimeter()
            bits.removeSmall(value: true, maximumSize: 99, eight: true)
            bits.removeSmall(value: false, maximumSize: 49, eight: true)
            bits.dilate(_BinaryMorphology.diskWidths(2))
            bits.removeSmall(value: true, maximumSize: 99, eight: true)
            bits.removeSmall(value: false, maximumSize: 49, eight: true)
        case .histogramEdges(let low, let high):
            bits.pack(smooth, inside: low, high, invert: true)
            bits.perimeter()
            bits.dilate(_BinaryMorphology.diskWidths(3))
        default:
            throw ScopeKitError.usage("not an edge mask rule: \(rule)")
        }
    }

    /// The σ of the edge masks' Gaussian smoothing (NanoLocz `thresholder`: `imgaussfilt(…, 2)`).
    static let edgeSmoothingSigma = 2.0

    /// The heights the edge masks threshold: non-finite heights replaced by the median of the finite ones, then
    /// smoothed by scipy `gaussian_filter(…, sigma=2, mode="nearest")` (``_gaussianNearest(_:into:scratch:sigma:)``).
    ///
    /// The result is kept in ``smoothed`` while ``smoothedValid``: the weighted plane and median line keep it in
    /// step with their backgrounds (``_subtractSeparable(columns:rows:)``), every other step that changes `z`
    /// clears it (``apply(_:limits:)``), so a routine smooths a frame once, not once per edge mask.
    func _smoothedHeights() -> UnsafeMutablePointer<Double> {
        if smoothed == nil { smoothed = .allocate(capacity: Swift.max(count, 1)) }
        let out = smoothed!
        if smoothedValid { return out }
        smoothedRange = nil
        let n = count
        var m = n
        if !allFinite {
            m = 0
            for i in 0..<n where z[i].isFinite { frameB[m] = z[i]; m += 1 }
        }
        if m == n {
            _gaussianNearest(z, into: out, scratch: frameB, sigma: _Frame.edgeSmoothingSigma)
            smoothedValid = true
        } else {
            // filled with the median of the finite heights: not linear in z, so never updated, recomputed
            let fill = m > 0 ? _median(frameB, m) : 0
            for i in 0..<n { frameA[i] = z[i].isFinite ? z[i] : fill }
            _gaussianNearest(frameA, into: out, scratch: frameB, sigma: _Frame.edgeSmoothingSigma)
        }
        return out
    }

    /// Subtracts the background `bx[c] + by[r]` (`bx` absent: `by[r]` alone) from `z`, by row blocks, and keeps
    /// ``smoothed`` (and ``smoothedRange``, its extrema) in step: Gaussian filtering is linear, and the filter of a
    /// background constant along one axis is the 1-D filter along the other, so the smoothed heights lose the 1-D
    /// filtered `bx` and `by` (equal to smoothing the new heights up to rounding, ≈ 1e-16 of the heights). The rows
    /// run through ``subtractSeparableRows(_:smooth:bx:by:gx:gy:block:cols:)`` (AVX2 code when
    /// ``CPUFeatures/level`` allows).
    ///
    /// - Complexity: O(pixels + 17·(rows + cols)).
    func _subtractSeparable(columns bx: UnsafePointer<Double>?, rows by: UnsafePointer<Double>) {
        let rows = self.rows, cols = self.cols, z = self.z
        if !keepSmoothing { smoothedValid = false }   // no later step reads it
        let smooth = smoothedValid ? smoothed : nil
        let gx = lineC, gy = lineD
        if smooth != nil {
            let (half, radius) = _gaussianHalfKernel(sigma: _Frame.edgeSmoothingSigma)
            half.withUnsafeBufferPointer { h in
                let h = h.baseAddress!
                for c in 0..<cols { gx[c] = bx.map { gaussianNearestAt($0, c, cols, h, radius) } ?? 0 }
                for r in 0..<rows { gy[r] = gaussianNearestAt(by, r, rows, h, radius) }
            }
        }
        let lows = lineE, highs = lineE + blockCount   // per block: the least and greatest smoothed height
        let avx2 = CPUFeatures.level == .avx2
        forEachBlock { b, block in
            let range = avx2
                ? subtractSeparableRowsAVX2(z, smooth: smooth, bx: bx, by: by, gx: gx, gy: gy, block: block, cols: cols)
                : subtractSeparableRows(z, smooth: smooth, bx: bx, by: by, gx: gx, gy: gy, block: block, cols: cols)
            lows[b] = range.low
            highs[b] = range.high
        }
        if smooth != nil {
            var lo = Double.infinity, hi = -Double.infinity
            for b in 0..<blockCount { lo = Swift.min(lo, lows[b]); hi = Swift.max(hi, highs[b]) }
            smoothedRange = (lo, hi)
        }
    }

    /// scipy's normalised Gaussian weights of `sigma` (truncate 4) from the centre out: `half[0]` is the centre,
    /// `half[j]` the weight at distance `j ≤ radius`.
    func _gaussianHalfKernel(sigma: Double) -> (half: [Double], radius: Int) {
        let radius = Int(4 * sigma + 0.5)
        let k = -0.5 / (sigma * sigma)
        var w = (-radius...radius).map { exp(k * Double($0 * $0)) }
        let total = w.withUnsafeBufferPointer { _numpyPairwiseSum($0.baseAddress!, $0.count) }
        for i in w.indices { w[i] /= total }
        return (Array(w[radius...]), radius)
    }

    /// scipy `gaussian_filter(src, sigma, mode="nearest")` (truncate 4) into `dst`: along columns, then rows,
    /// each output summed as scipy's symmetric `correlate1d` does, row block by row block
    /// (``gaussianNearestBlock(_:into:scratch:rows:cols:block:half:radius:rowPointers:)``; AVX2 code when
    /// ``CPUFeatures/level`` allows, the same bits).
    ///
    /// - Complexity: O(pixels × (4·radius + 2)).
    func _gaussianNearest(_ src: UnsafePointer<Double>, into dst: UnsafeMutablePointer<Double>,
                          scratch: UnsafeMutablePointer<Double>, sigma: Double) {
        let (weights, radius) = _gaussianHalfKernel(sigma: sigma)
        let rows = self.rows, cols = self.cols, avx2 = CPUFeatures.level == .avx2
        weights.withUnsafeBufferPointer { hb in
            let half = hb.baseAddress!
            forEachBlock { _, block in
                withUnsafeTemporaryAllocation(of: UnsafePointer<Double>.self, capacity: 2 * radius + 2) { rp in
                    withUnsafeTemporaryAllocation(of: Double.self, capacity: (2 * radius + 1) * 64) { ring in
                        if avx2 {
                            gaussianNearestBlockAVX2(src, into: dst, scratch: scratch, rows: rows, cols: cols,
                                                     block: block, half: half, radius: radius,
                                                     rowPointers: rp.baseAddress!, ring: ring.baseAddress!)
                        } else {
                            gaussianNearestBlock(src, into: dst, scratch: scratch, rows: rows, cols: cols,
                                                 block: block, half: half, radius: radius,
                                                 rowPointers: rp.baseAddress!, ring: ring.baseAddress!)
                        }
                    }
                }
            }
        }
    }

    /// The Sobel energy of the smoothed heights `s` into `energy`, and the "auto edges" threshold above which a
    /// pixel is an edge: `min + factor·(mean − min)` of the energy, the mean numpy's (its pairwise sum).
    ///
    /// The energy rows run by row blocks through ``sobelEnergyRows(_:into:rows:cols:block:buffers:median:)``
    /// (AVX2 code when ``CPUFeatures/level`` allows, the same bits).
    func _autoEdgeEnergy(_ s: UnsafeMutablePointer<Double>, factor: Double,
                         into energy: UnsafeMutablePointer<Double>) -> Double {
        let n = count, rows = self.rows, cols = self.cols
        let avx2 = CPUFeatures.level == .avx2
        let lows = lineE   // per block: the least energy
        forEachBlock { b, block in
            let buffers = (blockBuffer(b, 0), blockBuffer(b, 1), blockBuffer(b, 2), blockBuffer(b, 3),
                           blockBuffer(b, 4))
            lows[b] = avx2
                ? sobelEnergyRowsAVX2(s, into: energy, rows: rows, cols: cols, block: block, buffers: buffers)
                : sobelEnergyRows(s, into: energy, rows: rows, cols: cols, block: block, buffers: buffers,
                                  median: { _countingMedian($0, $1, scratch: $2, avx2: false) })
        }
        var lo = Double.infinity
        for b in 0..<blockCount { lo = Swift.min(lo, lows[b]) }
        // numpy's mean: its pairwise sum (subtrees on several threads: the same bits) over the count
        let mean = _numpyPairwiseSum(energy, n, split: splitRows) / Double(Swift.max(n, 1))
        return lo + (mean - lo) * factor
    }
}
