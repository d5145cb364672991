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
        if m == n {
            smooth.update(from: z, count: n)
        } else {
            let fill = m > 0 ? _median(scratch, m) : 0
            for i in 0..<n { smooth[i] = z[i].isFinite ? z[i] : fill }
        }
        _gaussianNearest(smooth, scratch: scratch, sigma: 2)
        let morph = _BinaryMorphology(rows: rows, cols: cols, split: splitRows)
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

    /// The "auto edges" threshold of the Sobel energy of the smoothed heights `s` (true = edge).
    func _autoEdges(_ s: UnsafeMutablePointer<Double>, factor: Double, into edge: UnsafeMutablePointer<Bool>) {
        let n = count, rows = self.rows, cols = self.cols
        let energy = frameB
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
        let threshold = lo + (sum / Double(Swift.max(n, 1)) - lo) * factor
        for i in 0..<n { edge[i] = energy[i] > threshold }
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
    /// Whether word-packed dilations and erosions split rows over threads (same result either way).
    var split = false

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

    /// Dilation or erosion by an axis-convex footprint on 64-pixel words: each row is dilated along itself by
    /// every half-width (one shift pair per step), then the footprint's rows are ORed; an erosion is the
    /// dilation of the complement (outside the frame counts as background for a dilation and as foreground for
    /// an erosion, which equals scipy's "reflect" for these footprints). O(pixels × rows of the footprint / 64)
    /// plus packing.
    func apply(_ a: UnsafeMutablePointer<Bool>, _ f: Widths, dilate: Bool) {
        let bits = _PackedRows(rows: rows, cols: cols, split: split)
        defer { bits.deallocate() }
        bits.pack(a, invert: !dilate)
        bits.dilate(f)
        bits.unpack(into: a, invert: !dilate)
    }

    /// Closing by an axis-convex footprint.
    func closing(_ a: UnsafeMutablePointer<Bool>, _ f: Widths) {
        let bits = _PackedRows(rows: rows, cols: cols, split: split)
        defer { bits.deallocate() }
        bits.pack(a, invert: false)
        bits.dilate(f)
        bits.invert()
        bits.dilate(f)
        bits.unpack(into: a, invert: true)
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
    /// Offsets within one pixel go word-packed (``_PackedRows/applyNear(_:dilate:)``).
    func closing(_ a: UnsafeMutablePointer<Bool>, _ offsets: [(Int, Int)]) {
        guard offsets.allSatisfy({ abs($0.0) <= 1 && abs($0.1) <= 1 }) else {
            apply(a, offsets, dilate: true)
            apply(a, offsets, dilate: false)
            return
        }
        let bits = _PackedRows(rows: rows, cols: cols, split: split)
        defer { bits.deallocate() }
        bits.pack(a, invert: false)
        bits.applyNear(offsets, dilate: true)
        bits.applyNear(offsets, dilate: false)
        bits.unpack(into: a, invert: false)
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
        defer { labels.deallocate() }
        let sizes = _labelComponents(a, rows: rows, cols: cols, value: value, eight: eight, labels: labels)
        for i in 0..<n where labels[i] > 0 && sizes[Int(labels[i])] <= maximumSize { a[i] = !value }
    }
}

/// A binary image as rows of 64-pixel words (bit `c % 64` of word `c / 64` = column `c`; bits past the last
/// column stay clear), with dilation by an axis-convex footprint, outside the image clear.
struct _PackedRows {
    let rows: Int, cols: Int, words: Int
    let bits: UnsafeMutablePointer<UInt64>
    let scratch: UnsafeMutablePointer<UInt64>
    /// Whether row blocks run on several threads.
    let split: Bool

    init(rows: Int, cols: Int, split: Bool = false) {
        self.rows = rows
        self.cols = cols
        self.split = split
        words = (cols + 63) / 64
        bits = .allocate(capacity: Swift.max(rows * words, 1))
        scratch = .allocate(capacity: Swift.max(rows * words, 1))
    }

    func deallocate() { bits.deallocate(); scratch.deallocate() }

    /// Calls `body(r, w, c0, m)` for word `w` of row `r` (columns `c0 ..< c0 + m`), every word of every row,
    /// row blocks on several threads when ``split``.
    private func forEachWord(_ body: (_ r: Int, _ w: Int, _ c0: Int, _ m: Int) -> Void) {
        let (cols, words) = (self.cols, self.words)
        _forEachRowBlock(rows: rows, split: split) { _, block in
            for r in block {
                for w in 0..<words { body(r, w, w * 64, Swift.min(64, cols - w * 64)) }
            }
        }
    }

    /// Packs `a` (or its complement).
    func pack(_ a: UnsafePointer<Bool>, invert: Bool) {
        let (bits, cols, words) = (self.bits, self.cols, self.words)
        let flip: UInt64 = invert ? 0x0101_0101_0101_0101 : 0
        forEachWord { r, w, c0, m in
            let row = a + r * cols + c0
            var x: UInt64 = 0
            if m == 64 {   // eight Bools (bytes 0/1) at a time, gathered by one multiplication
                for k in 0..<8 {
                    let bytes = UnsafeRawPointer(row + 8 * k).loadUnaligned(as: UInt64.self) ^ flip
                    x |= ((bytes &* 0x0102_0408_1020_4080) >> 56) << UInt64(8 * k)
                }
            } else {
                for b in 0..<m where row[b] != invert { x |= 1 << UInt64(b) }
            }
            bits[r * words + w] = x
        }
    }

    /// Writes the bits (or their complement) to `a`.
    func unpack(into a: UnsafeMutablePointer<Bool>, invert: Bool) {
        let (bits, cols, words) = (self.bits, self.cols, self.words)
        let flip: UInt64 = invert ? 0x0101_0101_0101_0101 : 0
        forEachWord { r, w, c0, m in
            let row = a + r * cols + c0, x = bits[r * words + w]
            if m == 64 {   // eight bits at a time spread to eight bytes 0/1
                for k in 0..<8 {
                    let byte = (x >> UInt64(8 * k)) & 0xFF
                    let spread = (((byte &* 0x0101_0101_0101_0101) & 0x8040_2010_0804_0201)
                                  &+ 0x7F7F_7F7F_7F7F_7F7F) >> 7 & 0x0101_0101_0101_0101
                    UnsafeMutableRawPointer(row + 8 * k).storeBytes(of: spread ^ flip, as: UInt64.self)
                }
            } else {
                for b in 0..<m { row[b] = ((x >> UInt64(b)) & 1 != 0) != invert }
            }
        }
    }

    /// Dilation (any offset set) or erosion (all set) over `offsets` within one pixel (`|dr|, |dc| ≤ 1`),
    /// outside the image mirrored: at that reach scipy's "reflect" repeats the edge rows and columns.
    func applyNear(_ offsets: [(Int, Int)], dilate: Bool) {
        precondition(offsets.allSatisfy { abs($0.0) <= 1 && abs($0.1) <= 1 })
        let (bits, out, rows, cols, words) = (self.bits, self.scratch, self.rows, self.cols, self.words)
        let tail = cols % 64 == 0 ? ~UInt64(0) : (UInt64(1) << UInt64(cols % 64)) - 1
        let lastBit = UInt64(1) << UInt64((cols - 1) % 64)
        _forEachRowBlock(rows: rows, split: split) { _, block in
            for r in block {
                let d = out + r * words
                for w in 0..<words { d[w] = dilate ? 0 : ~0 }
                for (dr, dc) in offsets {
                    let s = bits + Swift.min(Swift.max(r + dr, 0), rows - 1) * words
                    for w in 0..<words {
                        var x = s[w]
                        if dc == 1 {   // column c takes c + 1; the last column itself
                            x = (x >> 1) | (w + 1 < words ? s[w + 1] << 63 : 0)
                            if w == words - 1 { x = (x & ~lastBit) | (s[w] & lastBit) }
                        } else if dc == -1 {   // column c takes c − 1; the first column itself
                            x = (x << 1) | (w > 0 ? s[w - 1] >> 63 : 0)
                            if w == 0 { x = (x & ~1) | (s[0] & 1) }
                        }
                        d[w] = dilate ? d[w] | x : d[w] & x
                    }
                }
                d[words - 1] &= tail
            }
        }
        bits.update(from: out, count: rows * words)
    }

    /// Complements the pixels (bits past the last column stay clear).
    func invert() {
        let tail = cols % 64 == 0 ? ~UInt64(0) : (UInt64(1) << UInt64(cols % 64)) - 1
        for r in 0..<rows {
            let p = bits + r * words
            for w in 0..<words { p[w] = ~p[w] }
            p[words - 1] &= tail
        }
    }

    /// Dilation by `f` (rows outside the image contribute nothing).
    func dilate(_ f: _BinaryMorphology.Widths) {
        let reach = f.reach, widest = f.widths.max() ?? 0
        let n = rows * words
        // level[h] = each row dilated along itself by half-width h
        let levels = UnsafeMutablePointer<UInt64>.allocate(capacity: Swift.max((widest + 1) * n, 1))
        defer { levels.deallocate() }
        levels.update(from: bits, count: n)
        let (rows, words) = (self.rows, self.words)
        for h in 0..<widest {
            let src = levels + h * n, dst = levels + (h + 1) * n
            _forEachRowBlock(rows: rows, split: split) { _, block in for r in block {
                let s = src + r * words, d = dst + r * words
                for w in 0..<words {
                    let x = s[w]
                    let fromLeft = w > 0 ? s[w - 1] >> 63 : 0        // column c − 1 into c
                    let fromRight = w + 1 < words ? s[w + 1] << 63 : 0   // column c + 1 into c
                    d[w] = x | (x << 1) | fromLeft | (x >> 1) | fromRight
                }
            } }
        }
        let out = scratch, widths = f.widths
        _forEachRowBlock(rows: rows, split: split) { _, block in
            for r in block {
                let d = out + r * words
                for w in 0..<words { d[w] = 0 }
                for dr in -reach...reach {
                    let rr = r + dr
                    guard rr >= 0 && rr < rows else { continue }
                    let s = levels + widths[dr + reach] * n + rr * words
                    for w in 0..<words { d[w] |= s[w] }
                }
            }
        }
        // bits past the last column may have been set by the shifts
        let tail = cols % 64 == 0 ? ~UInt64(0) : (UInt64(1) << UInt64(cols % 64)) - 1
        for r in 0..<rows { out[r * words + words - 1] &= tail }
        bits.update(from: out, count: n)
    }
}

/// Labels the 4- or 8-connected components of the pixels equal to `value` in raster order of their first pixel
/// (as scipy `ndimage.label` numbers them): `labels[i]` = 0 for other pixels, else 1…; returns the sizes
/// (index 0 unused).
///
/// Runs of equal pixels per row are joined to the touching runs of the row above (union–find, each set rooted
/// at its earliest run), so a component's label is that of its first run: O(pixels + runs).
func _labelComponents(_ a: UnsafePointer<Bool>, rows: Int, cols: Int, value: Bool, eight: Bool,
                      labels: UnsafeMutablePointer<Int32>) -> [Int] {
    let n = rows * cols
    labels.update(repeating: 0, count: n)
    guard n > 0 else { return [0] }
    let capacity = rows * ((cols + 1) / 2)
    let runStart = UnsafeMutablePointer<Int32>.allocate(capacity: capacity)
    let runEnd = UnsafeMutablePointer<Int32>.allocate(capacity: capacity)
    let parent = UnsafeMutablePointer<Int32>.allocate(capacity: capacity)
    defer { runStart.deallocate(); runEnd.deallocate(); parent.deallocate() }
    @inline(__always) func root(_ x: Int32) -> Int32 {
        var x = x
        while parent[Int(x)] != x { parent[Int(x)] = parent[Int(parent[Int(x)])]; x = parent[Int(x)] }
        return x
    }
    let reach: Int32 = eight ? 1 : 0
    var runs = 0, previous = 0   // runs of the row above: previous..<rowFirst
    for r in 0..<rows {
        let row = a + r * cols
        let rowFirst = runs
        var j = previous
        var c = 0
        while c < cols {
            guard row[c] == value else { c += 1; continue }
            let s = c
            while c < cols && row[c] == value { c += 1 }
            let k = Int32(runs)
            runStart[runs] = Int32(s); runEnd[runs] = Int32(c); parent[runs] = k
            runs += 1
            // runs above touching [s, c): start < c + reach and end > s − reach
            while j < rowFirst && runEnd[j] + reach <= Int32(s) { j += 1 }
            var q = j
            while q < rowFirst && runStart[q] < Int32(c) + reach {
                let x = root(Int32(q)), y = root(k)
                if x < y { parent[Int(y)] = x } else if y < x { parent[Int(x)] = y }
                q += 1
            }
            if q > j { j = q - 1 }   // the last touching run may touch the next run too
        }
        previous = rowFirst
    }
    var sizes = [0]
    let runLabel = runEnd   // reuse: a run's label replaces its end once its length is counted
    for k in 0..<runs {
        let x = Int(root(Int32(k)))
        let s = Int(runStart[k]), e = Int(runEnd[k])
        let label: Int32
        if x == k { label = Int32(sizes.count); sizes.append(0) } else { label = runLabel[x] }
        sizes[Int(label)] += e - s
        runLabel[k] = label
    }
    // paint the runs, found again in the same order
    var k = 0
    for r in 0..<rows {
        let row = a + r * cols, out = labels + r * cols
        var c = 0
        while c < cols {
            guard row[c] == value else { c += 1; continue }
            let label = runLabel[k]
            while c < cols && row[c] == value { out[c] = label; c += 1 }
            k += 1
        }
    }
    return sizes
}
