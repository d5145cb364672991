import ScopeKitCore

/// An RGB pixel buffer with the drawing primitives of ``Plot`` (rectangles, clipped lines, text).
struct PlotCanvas {
    let width: Int
    let height: Int
    var pixels: [UInt8]

    init(width: Int, height: Int, background: RGBAColor) {
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
        for k in 0..<(width * height) {
            pixels[3 * k] = background.red
            pixels[3 * k + 1] = background.green
            pixels[3 * k + 2] = background.blue
        }
    }

    /// Fills the rectangle, clipped to the image and to `clip` (rows, cols half-open) when given.
    mutating func fill(row: Int, col: Int, height h: Int, width w: Int, color: RGBAColor,
                       clip: (rows: Range<Int>, cols: Range<Int>)? = nil) {
        var r0 = Swift.max(row, 0), r1 = Swift.min(row + h, height)
        var c0 = Swift.max(col, 0), c1 = Swift.min(col + w, width)
        if let clip {
            r0 = Swift.max(r0, clip.rows.lowerBound); r1 = Swift.min(r1, clip.rows.upperBound)
            c0 = Swift.max(c0, clip.cols.lowerBound); c1 = Swift.min(c1, clip.cols.upperBound)
        }
        guard r0 < r1, c0 < c1 else { return }
        pixels.withUnsafeMutableBufferPointer { p in
            for r in r0..<r1 {
                for c in c0..<c1 {
                    let o = 3 * (r * width + c)
                    p[o] = color.red; p[o + 1] = color.green; p[o + 2] = color.blue
                }
            }
        }
    }

    /// A line from (r0, c0) to (r1, c1) in fractional pixel coordinates, `thickness` pixels wide, clipped to
    /// `clip` (Liang–Barsky on the segment, then Bresenham on the rounded end points).
    mutating func line(_ r0: Double, _ c0: Double, _ r1: Double, _ c1: Double, thickness: Int, color: RGBAColor,
                       clip: (rows: Range<Int>, cols: Range<Int>)) {
        guard r0.isFinite, c0.isFinite, r1.isFinite, c1.isFinite else { return }
        // Liang–Barsky against the clip box (pixel centres from lower − 0.5 to upper − 0.5).
        let lo = (Double(clip.rows.lowerBound) - 0.5, Double(clip.cols.lowerBound) - 0.5)
        let hi = (Double(clip.rows.upperBound) - 0.5, Double(clip.cols.upperBound) - 0.5)
        let dr = r1 - r0, dc = c1 - c0
        var t0 = 0.0, t1 = 1.0
        for (p, q) in [(-dc, c0 - lo.1), (dc, hi.1 - c0), (-dr, r0 - lo.0), (dr, hi.0 - r0)] {
            if p == 0 {
                if q < 0 { return }
            } else {
                let t = q / p
                if p < 0 { if t > t1 { return }; t0 = Swift.max(t0, t) } else { if t < t0 { return }; t1 = Swift.min(t1, t) }
            }
        }
        var y = Int((r0 + t0 * dr).rounded()), x = Int((c0 + t0 * dc).rounded())
        let y1 = Int((r0 + t1 * dr).rounded()), x1 = Int((c0 + t1 * dc).rounded())
        let sx = x < x1 ? 1 : -1, sy = y < y1 ? 1 : -1
        let ax = abs(x1 - x), ay = -abs(y1 - y)
        var err = ax + ay
        let t = Swift.max(thickness, 1), offset = (t - 1) / 2
        while true {
            fill(row: y - offset, col: x - offset, height: t, width: t, color: color, clip: clip)
            if x == x1 && y == y1 { break }
            let e2 = 2 * err
            if e2 >= ay { err += ay; x += sx }
            if e2 <= ax { err += ax; y += sy }
        }
    }

    /// Draws `text` left to right with its top-left corner at (row, col).
    mutating func text(_ text: String, row: Int, col: Int, scale s: Int, color: RGBAColor) {
        var x = col
        for ch in text {
            let rows = BitmapFont.glyph(for: ch) ?? BitmapFont.glyph(for: "?")!
            for (gy, bits) in rows.enumerated() {
                for gx in 0..<BitmapFont.glyphWidth where bits & (1 << (BitmapFont.glyphWidth - 1 - gx)) != 0 {
                    fill(row: row + gy * s, col: x + gx * s, height: s, width: s, color: color)
                }
            }
            x += BitmapFont.advance * s
        }
    }

    /// Draws `text` rotated a quarter turn counter-clockwise (reading bottom to top) with the top-left of its
    /// bounding box at (row, col); the box is `height(scale:)` wide and `width(of:scale:)` high.
    mutating func verticalText(_ text: String, row: Int, col: Int, scale s: Int, color: RGBAColor) {
        let length = BitmapFont.width(of: text, scale: s)
        var x = 0
        for ch in text {
            let rows = BitmapFont.glyph(for: ch) ?? BitmapFont.glyph(for: "?")!
            for (gy, bits) in rows.enumerated() {
                for gx in 0..<BitmapFont.glyphWidth where bits & (1 << (BitmapFont.glyphWidth - 1 - gx)) != 0 {
                    let hx = x + gx * s
                    fill(row: row + length - hx - s, col: col + gy * s, height: s, width: s, color: color)
                }
            }
            x += BitmapFont.advance * s
        }
    }

    /// The buffer as an `[height, width, 3]` array.
    func array() -> NDArray<UInt8> { NDArray<UInt8>(pixels, shape: [height, width, 3]) }
}
