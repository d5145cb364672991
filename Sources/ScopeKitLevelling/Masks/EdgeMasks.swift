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
    /// - Complexity: O(pixels × (17 + footprint sizes)) per frame.
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
        let edge = UnsafeMutablePointer<Bool>.allocate(capacity: Swift.max(count, 1))
        defer { edge.deallocate() }
        try _edges(rule, into: edge)
        for i in 0..<count { used[i] = !edge[i] && (!hasBaseMask || baseMask[i]) }
        hasMask = true
    }

    /// The edge pixels of `rule` (true = edge).
    func _edges(_ rule: MaskRule, into edge: UnsafeMutablePointer<Bool>) throws {
        let n = count
        let smooth = frameA, scratch = frameB
        var m = 0
        for i in 0..<n where z[i].isFinite { scratch[m] = z[i]; m += 1 }
        let fill = m > 0 ? _median(scratch, m) : 0
        for i in 0..<n { smooth[i] = z[i].isFinite ? z[i] : fill }
        _gaussianNearest(smooth, scratch: scratch, sigma: 2)
        let morph = _BinaryMorphology(rows: rows, cols: cols)
        switch rule {
        case .autoEdges(let factor, let radius):
            _autoEdges(smooth, factor: factor, into: edge)
            morph.removeSmall(edge, value: true, maximumSize: 99, eight: false)
            morph.removeSmall(edge, value: false, maximumSize: 49, eight: false)
            let diamond = _BinaryMorphology.diamondWidths(radius)
            morph.closing(edge, diamond)
            morph.apply(edge, diamond, dilate: true)
            morph.closing(edge, diamond)
            morph.apply(edge, diamond, dilate: true)
            morph.closing(edge, [(-1, -1), (-1, 1), (0, 0), (1, -1), (1, 1)])
            for _ in 0..<3 { morph.apply(edge, _BinaryMorphology.diamondWidths(1), dilate: false) }
        case .otsuEdges(let bins):
            let t = try NDArray<Double>(unsafeUninitializedShape: [n]) { b in
                b.baseAddress!.update(from: smooth, count: n)
            }.otsuThreshold(bins: bins)
            for i in 0..<n { edge[i] = !(smooth[i] <= t) }
            morph.perimeter(edge)
            morph.removeSmall(edge, value: true, maximumSize: 99, eight: true)
            morph.removeSmall(edge, value: false, maximumSize: 49, eight: true)
            morph.apply(edge, _BinaryMorphology.diskWidths(2), dilate: true)
            morph.removeSmall(edge, value: true, maximumSize: 99, eight: true)
            morph.removeSmall(edge, value: false, maximumSize: 49, eight: true)
        case .histogramEdges(let low, let high):
            for i in 0..<n { edge[i] = !(smooth[i] >= low && smooth[i] <= high) }
            morph.perimeter(edge)
            morph.apply(edge, _BinaryMorphology.diskWidths(3), dilate: true)
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
        let half = Array(w[radius...])   // half[0] = centre
        // along axis 0 (down each column): a → scratch
        for r in 0..<rows {
            for c in 0..<cols {
                var s = a[r * cols + c] * half[0]
                var j = radius
                while j > 0 {
                    let up = Swift.max(r - j, 0), down = Swift.min(r + j, rows - 1)
                    s += (a[up * cols + c] + a[down * cols + c]) * half[j]
                    j -= 1
                }
                scratch[r * cols + c] = s
            }
        }
        // along axis 1 (each row): scratch → a
        for r in 0..<rows {
            let p = scratch + r * cols
            for c in 0..<cols {
                var s = p[c] * half[0]
                var j = radius
                while j > 0 {
                    s += (p[Swift.max(c - j, 0)] + p[Swift.min(c + j, cols - 1)]) * half[j]
                    j -= 1
                }
                a[r * cols + c] = s
            }
        }
    }

    /// The "auto edges" threshold of the Sobel energy of the smoothed heights `s` (true = edge).
    func _autoEdges(_ s: UnsafeMutablePointer<Double>, factor: Double, into edge: UnsafeMutablePointer<Bool>) {
        let n = count
        let gx = UnsafeMutablePointer<Double>.allocate(capacity: Swift.max(n, 1))
        let gy = UnsafeMutablePointer<Double>.allocate(capacity: Swift.max(n, 1))
        let d = frameB
        defer { gx.deallocate(); gy.deallocate() }
        @inline(__always) func at(_ p: UnsafeMutablePointer<Double>, _ r: Int, _ c: Int) -> Double {
            p[Swift.min(Swift.max(r, 0), rows - 1) * cols + Swift.min(Swift.max(c, 0), cols - 1)]
        }
        // scipy sobel(axis=1): derivative [-1, 0, 1] along rows, then smoothing [1, 2, 1] along columns
        for r in 0..<rows { for c in 0..<cols { d[r * cols + c] = at(s, r, c + 1) - at(s, r, c - 1) } }
        for r in 0..<rows { for c in 0..<cols { gx[r * cols + c] = d[r * cols + c] * 2 + (at(d, r - 1, c) + at(d, r + 1, c)) } }
        // sobel(axis=0): derivative along columns, smoothing along rows
        for r in 0..<rows { for c in 0..<cols { d[r * cols + c] = at(s, r + 1, c) - at(s, r - 1, c) } }
        for r in 0..<rows { for c in 0..<cols { gy[r * cols + c] = d[r * cols + c] * 2 + (at(d, r, c - 1) + at(d, r, c + 1)) } }
        let line = lineA
        for r in 0..<rows {
            line.update(from: gy + r * cols, count: cols)
            let m = 0.5 * _median(line, cols)
            for c in 0..<cols { gy[r * cols + c] -= m }
        }
        var lo = Double.infinity, sum = 0.0
        for i in 0..<n {
            let g = 2 * (gx[i] * gx[i]) + gy[i] * gy[i]
            gx[i] = g
            lo = Swift.min(lo, g)
            sum += g
        }
        let threshold = lo + (sum / Double(Swift.max(n, 1)) - lo) * factor
        for i in 0..<n { edge[i] = gx[i] > threshold }
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

/// Binary morphology on `rows × cols` Bool images (true = foreground), scikit-image 0.26 semantics.
struct _BinaryMorphology {
    let rows: Int, cols: Int

    /// A footprint symmetric and convex along both axes, as the half-width of each row `dr = −R…R`
    /// (`widths[dr + R]`): `|dc| ≤ widths[dr + R]`. For such footprints scipy's "reflect" boundary only
    /// revisits pixels the footprint already covers, so it equals ignoring the outside.
    struct Widths {
        var widths: [Int]
        var reach: Int { widths.count / 2 }
    }

    /// `|dr| + |dc| ≤ r` (skimage `diamond`).
    static func diamondWidths(_ r: Int) -> Widths { Widths(widths: (-r...r).map { r - abs($0) }) }

    /// `dr² + dc² ≤ r²` (skimage `disk`).
    static func diskWidths(_ r: Int) -> Widths {
        Widths(widths: (-r...r).map { dr in (0...r).last { dc in dr * dr + dc * dc <= r * r }! })
    }

    /// Dilation or erosion by an axis-convex footprint from per-row prefix counts: O(pixels × rows of the
    /// footprint), whatever its width.
    func apply(_ a: UnsafeMutablePointer<Bool>, _ f: Widths, dilate: Bool) {
        let stride = cols + 1
        let prefix = UnsafeMutablePointer<Int32>.allocate(capacity: rows * stride)
        defer { prefix.deallocate() }
        for r in 0..<rows {
            let p = prefix + r * stride, row = a + r * cols
            p[0] = 0
            for c in 0..<cols { p[c + 1] = p[c] + (row[c] ? 1 : 0) }
        }
        let reach = f.reach
        for r in 0..<rows {
            for c in 0..<cols {
                var v = !dilate
                for dr in -reach...reach {
                    let rr = r + dr
                    guard rr >= 0 && rr < rows else { continue }
                    let w = f.widths[dr + reach]
                    let lo = Swift.max(c - w, 0), hi = Swift.min(c + w, cols - 1)
                    let p = prefix + rr * stride
                    let set = p[hi + 1] - p[lo]
                    if dilate ? set > 0 : set < Int32(hi - lo + 1) { v = dilate; break }
                }
                a[r * cols + c] = v
            }
        }
    }

    /// Closing by an axis-convex footprint.
    func closing(_ a: UnsafeMutablePointer<Bool>, _ f: Widths) {
        apply(a, f, dilate: true)
        apply(a, f, dilate: false)
    }

    /// scipy's "reflect" boundary (`d c b a | a b c d | d c b a`).
    @inline(__always)
    static func reflect(_ i: Int, _ n: Int) -> Int {
        if i >= 0 && i < n { return i }
        let period = 2 * n
        var m = i % period
        if m < 0 { m += period }
        return m < n ? m : period - 1 - m
    }

    /// Dilation (any neighbour set) or erosion (all neighbours set) over the symmetric footprint `offsets`,
    /// in place; outside the image mirrors it (skimage `dilation`/`erosion`, mode "reflect").
    func apply(_ a: UnsafeMutablePointer<Bool>, _ offsets: [(Int, Int)], dilate: Bool) {
        let n = rows * cols
        let src = UnsafeMutablePointer<Bool>.allocate(capacity: Swift.max(n, 1))
        defer { src.deallocate() }
        let reach = offsets.reduce(0) { Swift.max($0, abs($1.0), abs($1.1)) }
        let offsetCount = offsets.count
        let flat = UnsafeMutablePointer<Int>.allocate(capacity: Swift.max(offsetCount, 1))
        defer { flat.deallocate() }
        for (k, o) in offsets.enumerated() { flat[k] = o.0 * cols + o.1 }
        src.update(from: a, count: n)
        _apply(a, src, offsets, flat, offsetCount, reach, dilate)
    }

    private func _apply(_ a: UnsafeMutablePointer<Bool>, _ src: UnsafeMutablePointer<Bool>, _ offsets: [(Int, Int)],
                        _ flat: UnsafeMutablePointer<Int>, _ offsetCount: Int, _ reach: Int, _ dilate: Bool) {
        for r in 0..<rows {
            let interiorRow = r >= reach && r < rows - reach
            for c in 0..<cols {
                let i = r * cols + c
                var v = !dilate
                if interiorRow && c >= reach && c < cols - reach {
                    for k in 0..<offsetCount where src[i + flat[k]] == dilate { v = dilate; break }
                } else {
                    for (dr, dc) in offsets where src[Self.reflect(r + dr, rows) * cols + Self.reflect(c + dc, cols)] == dilate {
                        v = dilate; break
                    }
                }
                a[i] = v
            }
        }
    }

    /// Closing: dilation, then erosion (skimage `closing`).
    func closing(_ a: UnsafeMutablePointer<Bool>, _ offsets: [(Int, Int)]) {
        apply(a, offsets, dilate: true)
        apply(a, offsets, dilate: false)
    }

    /// `a & ~erosion(a, 3×3)` (NanoLocz `bwmorph remove` as pnanolocz computes it).
    func perimeter(_ a: UnsafeMutablePointer<Bool>) {
        let n = rows * cols
        let eroded = UnsafeMutablePointer<Bool>.allocate(capacity: Swift.max(n, 1))
        defer { eroded.deallocate() }
        eroded.update(from: a, count: n)
        apply(eroded, Widths(widths: [1, 1, 1]), dilate: false)
        for i in 0..<n { a[i] = a[i] && !eroded[i] }
    }

    /// Components of `value` pixels with at most `maximumSize` pixels become `!value` (skimage
    /// `remove_small_objects` for `value == true`, `remove_small_holes` for false; 4- or 8-connected).
    func removeSmall(_ a: UnsafeMutablePointer<Bool>, value: Bool, maximumSize: Int, eight: Bool) {
        let n = rows * cols
        let labels = UnsafeMutablePointer<Int32>.allocate(capacity: Swift.max(n, 1))
        let queue = UnsafeMutablePointer<Int32>.allocate(capacity: Swift.max(n, 1))
        defer { labels.deallocate(); queue.deallocate() }
        let sizes = _labelComponents(a, rows: rows, cols: cols, value: value, eight: eight, labels: labels, queue: queue)
        for i in 0..<n where labels[i] > 0 && sizes[Int(labels[i])] <= maximumSize { a[i] = !value }
    }
}

/// Labels the 4- or 8-connected components of the pixels equal to `value` in raster order of their first pixel
/// (as scipy `ndimage.label` numbers them): `labels[i]` = 0 for other pixels, else 1…; returns the sizes
/// (index 0 unused). `queue` holds `rows·cols` indices.
func _labelComponents(_ a: UnsafePointer<Bool>, rows: Int, cols: Int, value: Bool, eight: Bool,
                      labels: UnsafeMutablePointer<Int32>, queue: UnsafeMutablePointer<Int32>) -> [Int] {
    let n = rows * cols
    labels.update(repeating: 0, count: n)
    var sizes = [0]
    for start in 0..<n where a[start] == value && labels[start] == 0 {
        let label = Int32(sizes.count)
        var head = 0, tail = 1
        queue[0] = Int32(start)
        labels[start] = label
        while head < tail {
            let i = Int(queue[head]); head += 1
            let r = i / cols, c = i % cols
            for dr in -1...1 {
                let rr = r + dr
                guard rr >= 0 && rr < rows else { continue }
                for dc in -1...1 where (dr != 0 || dc != 0) && (eight || dr == 0 || dc == 0) {
                    let cc = c + dc
                    guard cc >= 0 && cc < cols else { continue }
                    let j = rr * cols + cc
                    if a[j] == value && labels[j] == 0 { labels[j] = label; queue[tail] = Int32(j); tail += 1 }
                }
            }
        }
        sizes.append(tail)
    }
    return sizes
}
