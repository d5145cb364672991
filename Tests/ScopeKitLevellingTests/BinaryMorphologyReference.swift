@testable import ScopeKitLevelling

/// Binary morphology on `rows × cols` Bool images for the morphology tests: the word-packed operations of
/// `_PackedRows` behind a Bool-image interface, and a direct per-pixel reference with scipy's "reflect" boundary
/// (skimage `dilation`/`erosion`, mode "reflect") to compare them with.
struct BoolMorphology {
    let rows: Int, cols: Int

    /// Dilation or erosion by an axis-convex footprint, word-packed.
    func apply(_ a: UnsafeMutablePointer<Bool>, _ f: _BinaryMorphology.Widths, dilate: Bool) {
        packed(a) { bits in if dilate { bits.dilate(f) } else { bits.erode(f) } }
    }

    /// Closing by an axis-convex footprint, word-packed.
    func closing(_ a: UnsafeMutablePointer<Bool>, _ f: _BinaryMorphology.Widths) {
        packed(a) { $0.closing(f) }
    }

    /// Closing by offsets within one pixel, word-packed.
    func closing(_ a: UnsafeMutablePointer<Bool>, _ offsets: [(Int, Int)]) {
        packed(a) { $0.closingNear(offsets) }
    }

    private func packed(_ a: UnsafeMutablePointer<Bool>, _ body: (_PackedRows) -> Void) {
        let bits = _PackedRows(rows: rows, cols: cols)
        defer { bits.deallocate() }
        bits.pack(a, invert: false)
        body(bits)
        bits.unpack(into: a, invert: false)
    }

    /// scipy's "reflect" boundary (`d c b a | a b c d | d c b a`).
    static func reflect(_ i: Int, _ n: Int) -> Int {
        if i >= 0 && i < n { return i }
        let period = 2 * n
        var m = i % period
        if m < 0 { m += period }
        return m < n ? m : period - 1 - m
    }

    /// The reference: dilation (any neighbour set) or erosion (all neighbours set) over the symmetric footprint
    /// `offsets`, in place, pixel by pixel, outside the image mirrored.
    func apply(_ a: UnsafeMutablePointer<Bool>, _ offsets: [(Int, Int)], dilate: Bool) {
        let src = Array(UnsafeBufferPointer(start: a, count: rows * cols))
        for r in 0..<rows {
            for c in 0..<cols {
                var v = !dilate
                for (dr, dc) in offsets where src[Self.reflect(r + dr, rows) * cols + Self.reflect(c + dc, cols)] == dilate {
                    v = dilate
                    break
                }
                a[r * cols + c] = v
            }
        }
    }
}
