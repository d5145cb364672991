import Foundation
import ScopeKitCore

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
        let smooth = frameA, scratch = frameB
        var m = n
        if !allFinite {
            m = 0
            for i in 0..<n where z[i].isFinite { scratch[m] = z[i]; m += 1 }
        }
        if m == n {
            smooth.update(from: z, count: n)
        } else {
            let fill = m > 0 ? _median(scratch, m) : 0
            for i in 0..<n { smooth[i] = z[i].isFinite ? z[i] : fill }
        }
        _gaussianNearest(smooth, scratch: scratch, sigma: 2)
        switch rule {
        case .autoEdges(let factor, let radius):
            let threshold = _autoEdgeEnergy(smooth, factor: factor, into: scratch)
            bits.pack(scratch) { $0 > threshold }
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
            let t = try _otsuThreshold(smooth, n, bins: bins)
            bits.pack(smooth) { !($0 <= t) }
            bits.perimeter()
            bits.removeSmall(value: true, maximumSize: 99, eight: true)
            bits.removeSmall(value: false, maximumSize: 49, eight: true)
            bits.dilate(_BinaryMorphology.diskWidths(2))
            bits.removeSmall(value: true, maximumSize: 99, eight: true)
            bits.removeSmall(value: false, maximumSize: 49, eight: true)
        case .histogramEdges(let low, let high):
            bits.pack(smooth) { !($0 >= low && $0 <= high) }
            bits.perimeter()
            bits.dilate(_BinaryMorphology.diskWidths(3))
        default:
            throw ScopeKitError.usage("not an edge mask rule: \(rule)")
        }
    }

    /// scipy `gaussian_filter(a, sigma, mode="nearest")` (truncate 4) in place: along columns, then rows,
    /// each output summed as scipy's symmetric `correlate1d` does (centre, then pairs from the outside in).
    func _gaussianNearest(_ a: UnsafeMutablePointer<Double>, scratch: UnsafeMutablePointer<Double>, sigma: Double) {
        let radius = Int(4 * sigma + 0.5)
        let k = -0.5 / (sigma * sigma)
        var w = (-radius...radius).map { exp(k * Double($0 * $0)) }
        let total = _numpySum(w)
        for i in w.indices { w[i] /= total }
        let half = UnsafeMutablePointer<Double>.allocate(capacity: radius + 1)   // half[0] = centre
        defer { half.deallocate() }
        for j in 0...radius { half[j] = w[radius + j] }
        let rows = self.rows, cols = self.cols
        // along axis 0 (down each column): a → scratch, a whole row at a time (same sum order per pixel)
        forEachBlock { _, block in
            for r in block {
                let out = scratch + r * cols, centre = a + r * cols, h0 = half[0]
                for c in 0..<cols { out[c] = centre[c] * h0 }
                var j = radius
                while j > 0 {
                    let up = a + Swift.max(r - j, 0) * cols, down = a + Swift.min(r + j, rows - 1) * cols, hj = half[j]
                    for c in 0..<cols { out[c] += (up[c] + down[c]) * hj }
                    j -= 1
                }
            }
        }
        // along axis 1 (each row): scratch → a; interior columns as whole-row passes, the ends clamped
        let lo = Swift.min(radius, cols), hi = Swift.max(cols - radius, lo)
        forEachBlock { _, block in
            for r in block {
                let p = scratch + r * cols, out = a + r * cols, h0 = half[0]
                for c in 0..<lo { out[c] = _gaussianAt(p, c, cols, half, radius) }
                for c in lo..<hi { out[c] = p[c] * h0 }
                var j = radius
                while j > 0 {
                    let hj = half[j]
                    for c in lo..<hi { out[c] += (p[c - j] + p[c + j]) * hj }
                    j -= 1
                }
                for c in hi..<cols { out[c] = _gaussianAt(p, c, cols, half, radius) }
            }
        }
    }

    /// One output of the row pass with the row's end values repeated.
    @inline(__always)
    private func _gaussianAt(_ p: UnsafeMutablePointer<Double>, _ c: Int, _ cols: Int,
                             _ half: UnsafeMutablePointer<Double>, _ radius: Int) -> Double {
        var s = p[c] * half[0]
        var j = radius
        while j > 0 {
            s += (p[Swift.max(c - j, 0)] + p[Swift.min(c + j, cols - 1)]) * half[j]
            j -= 1
        }
        return s
    }

    /// The Sobel energy of the smoothed heights `s` into `energy`, and the "auto edges" threshold above which a
    /// pixel is an edge.
    func _autoEdgeEnergy(_ s: UnsafeMutablePointer<Double>, factor: Double,
                         into energy: UnsafeMutablePointer<Double>) -> Double {
        let n = count, rows = self.rows, cols = self.cols
        // scipy sobel(axis=1): derivative [-1, 0, 1] along rows (ends repeated), then smoothing [1, 2, 1] along
        // columns; sobel(axis=0): derivative along columns, smoothing along rows. Row by row (in row blocks),
        // keeping the row derivatives of rows r − 1, r, r + 1.
        @inline(__always) func rowDerivative(_ r: Int, _ d: UnsafeMutablePointer<Double>) {
            let p = s + Swift.min(Swift.max(r, 0), rows - 1) * cols
            if cols == 1 { d[0] = 0; return }
            d[0] = p[1] - p[0]
            for c in 1..<(cols - 1) { d[c] = p[c + 1] - p[c - 1] }
            d[cols - 1] = p[cols - 1] - p[cols - 2]
        }
        forEachBlock { b, block in
            var dUp = blockBuffer(b, 0), dMid = blockBuffer(b, 1), dDown = blockBuffer(b, 2)
            let gy = blockBuffer(b, 3), line = blockBuffer(b, 4)
            rowDerivative(block.lowerBound - 1, dUp)
            rowDerivative(block.lowerBound, dMid)
            for r in block {
                rowDerivative(r + 1, dDown)
                // column derivative of row r → line, smoothed along the row → gy
                let above = s + Swift.max(r - 1, 0) * cols, below = s + Swift.min(r + 1, rows - 1) * cols
                for c in 0..<cols { line[c] = below[c] - above[c] }
                if cols == 1 {
                    gy[0] = line[0] * 2 + (line[0] + line[0])
                } else {
                    gy[0] = line[0] * 2 + (line[0] + line[1])
                    for c in 1..<(cols - 1) { gy[c] = line[c] * 2 + (line[c - 1] + line[c + 1]) }
                    gy[cols - 1] = line[cols - 1] * 2 + (line[cols - 2] + line[cols - 1])
                }
                line.update(from: gy, count: cols)
                let m = 0.5 * _median(line, cols)
                let e = energy + r * cols
                for c in 0..<cols {
                    let x = dMid[c] * 2 + (dUp[c] + dDown[c]), y = gy[c] - m
                    e[c] = 2 * (x * x) + y * y
                }
                (dUp, dMid, dDown) = (dMid, dDown, dUp)
            }
        }
        var lo = Double.infinity, sum = 0.0
        for i in 0..<n {   // in raster order, as numpy's min and (sequential) mean
            lo = Swift.min(lo, energy[i])
            sum += energy[i]
        }
        return lo + (sum / Double(Swift.max(n, 1)) - lo) * factor
    }
}

/// numpy's `sum` of a short vector (its 8-accumulator pairwise block), for scipy's kernel normalisation.
func _numpySum(_ v: [Double]) -> Double {
    guard v.count >= 8 else { return v.reduce(0, +) }
    var r = Array(v[0..<8])
    var i = 8
    while i + 8 <= v.count {
        for j in 0..<8 { r[j] += v[i + j] }
        i += 8
    }
    var s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    while i < v.count { s += v[i]; i += 1 }
    return s
}

