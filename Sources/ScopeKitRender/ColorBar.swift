import Foundation
import ScopeKitCore

/// The layout of the colour-bar panel to the right of a rendered image.
///
/// The panel (``RenderOptions/background``) holds, from left to right: a gap of 4 font pixels, the bar
/// (10 font pixels wide, framed in ``RenderOptions/textColor``), ticks of 2 font pixels, a gap of 2, the
/// labels and a margin of 4 (font pixels of `fontScale` image pixels). The bar spans the image height minus
/// 4 font pixels at the top and bottom; its bottom row shows normalised value ~0 and its top row ~1 (row *y*
/// from the bottom shows `(y + 0.5) / height`). Ticks mark the bottom (0), middle (0.5) and top (1) and are
/// labelled with the data value shown there, in physical units (`intensity.physical(value)`, unit appended
/// when set), formatted with 4 significant digits (`%.4g`). With tone curves the middle label is the value
/// mapped to 0.5, e.g. `low + (high − low) · 0.5^(1/γ)` for a gamma curve.
struct ColorBarLayout {
    let fontScale: Int
    let top: Int
    let height: Int
    let barWidth: Int
    let labels: [(t: Double, text: String)]
    let labelWidth: Int

    /// The panel width in pixels.
    var width: Int { (4 + 2 + 2 + 4) * fontScale + barWidth + labelWidth }

    init(rows: Int, imageCols: Int, mapping: ResolvedIntensityMapping, intensity: IntensityCalibration,
         fontScale s: Int) {
        fontScale = s
        barWidth = 10 * s
        let margin = rows >= 8 * s + 2 ? 4 * s : 0
        top = margin
        height = rows - 2 * margin
        let unit = intensity.unit.isEmpty ? "" : " " + intensity.unit
        labels = [1.0, 0.5, 0.0].map { t in
            let value = intensity.physical(mapping.dataValue(atNormalized: t))
            return (t, ColorBarLayout.format(value) + unit)
        }
        labelWidth = labels.map { BitmapFont.width(of: $0.text, scale: s) }.max() ?? 0
    }

    /// `%.4g` with `-0` shown as `0`.
    static func format(_ v: Double) -> String {
        if v == 0 { return "0" }
        if v.isNaN { return "nan" }
        if v.isInfinite { return v > 0 ? "inf" : "-inf" }
        return String(format: "%.4g", v)
    }

    /// Draws the panel into columns `imageCols…` of `out`.
    func draw(into out: inout NDArray<UInt8>, imageCols: Int, colormap: Colormap, options: RenderOptions) {
        let s = fontScale
        let rows = out.shape[0]
        fillRectangle(in: &out, row: 0, col: imageCols, height: rows, width: width, color: options.background)
        let barLeft = imageCols + 4 * s
        // The gradient, one colour per row.
        for y in 0..<height {
            let t = (Double(height - 1 - y) + 0.5) / Double(height)
            var c = colormap.color(at: t)
            c.alpha = 255
            fillRectangle(in: &out, row: top + y, col: barLeft, height: 1, width: barWidth, color: c)
        }
        // A one-pixel frame.
        let ink = options.textColor
        fillRectangle(in: &out, row: top - 1, col: barLeft - 1, height: 1, width: barWidth + 2, color: ink)
        fillRectangle(in: &out, row: top + height, col: barLeft - 1, height: 1, width: barWidth + 2, color: ink)
        fillRectangle(in: &out, row: top, col: barLeft - 1, height: height, width: 1, color: ink)
        fillRectangle(in: &out, row: top, col: barLeft + barWidth, height: height, width: 1, color: ink)
        // Ticks and labels.
        let textHeight = BitmapFont.height(scale: s)
        for (t, text) in labels {
            let y = top + Int(((1 - t) * Double(height - 1)).rounded())
            fillRectangle(in: &out, row: y - s / 2, col: barLeft + barWidth, height: s, width: 2 * s, color: ink)
            let textTop = Swift.max(0, Swift.min(y - textHeight / 2, rows - textHeight))
            BitmapFont.draw(text, into: &out, row: textTop, col: barLeft + barWidth + 4 * s, scale: s, color: ink)
        }
    }
}
