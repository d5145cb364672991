import ScopeKitCore
import ScopeKitLevellingAVX2
import ScopeKitLevellingKernels

// Binary morphology (scikit-image 0.26 semantics) on rows packed into 64-pixel words.

/// Binary morphology on `rows × cols` Bool images (true = foreground), scikit-image 0.26 semantics.
/// Footprints of scikit-image 0.26 binary morphology, for the word-packed operations of ``_PackedRows``.
enum _BinaryMorphology {
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

    /// Erosion by `f` (outside the image counts as foreground: the dilation of the complement).
    func erode(_ f: _BinaryMorphology.Widths) {
        invert()
        dilate(f)
        invert()
    }

    /// Closing by `f`: dilation, then erosion.
    func closing(_ f: _BinaryMorphology.Widths) {
        dilate(f)
        erode(f)
    }

    /// Closing by offsets within one pixel (``applyNear(_:dilate:)``).
    func closingNear(_ offsets: [(Int, Int)]) {
        applyNear(offsets, dilate: true)
        applyNear(offsets, dilate: false)
    }

    /// `a & ~erosion(a, 3×3)`: the foreground pixels with a background 8-neighbour (NanoLocz `bwmorph remove`
    /// as pnanolocz computes it; outside the image counts as foreground).
    func perimeter() {
        let n = rows * words
        let saved = UnsafeMutablePointer<UInt64>.allocate(capacity: Swift.max(n, 1))
        defer { saved.deallocate() }
        saved.update(from: bits, count: n)
        erode(_BinaryMorphology.Widths(widths: [1, 1, 1]))
        for i in 0..<n { bits[i] = saved[i] & ~bits[i] }
    }

    /// Sets each pixel's bit to whether `lo ≤ v[pixel] ≤ hi` (NaN: false), or to its negation when `invert`
    /// (`v` row-major `rows × cols`), by row blocks (``packInsideRow(_:cols:lo:hi:invert:into:)``, AVX2 code when
    /// ``CPUFeatures/level`` allows).
    ///
    /// - Complexity: O(pixels).
    func pack(_ v: UnsafePointer<Double>, inside lo: Double, _ hi: Double, invert: Bool) {
        let (bits, cols, words) = (self.bits, self.cols, self.words)
        let avx2 = CPUFeatures.level == .avx2
        _forEachRowBlock(rows: rows, split: split) { _, block in
            for r in block {
                if avx2 {
                    packInsideRowAVX2(v + r * cols, cols: cols, lo: lo, hi: hi, invert: invert, into: bits + r * words)
                } else {
                    packInsideRow(v + r * cols, cols: cols, lo: lo, hi: hi, invert: invert, into: bits + r * words)
                }
            }
        }
    }
}
