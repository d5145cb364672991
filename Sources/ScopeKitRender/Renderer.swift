import Foundation
import ScopeKitCore

/// What ``Renderer`` draws: the intensity mapping, the colour map, the annotations and the frame.
///
/// ```swift
/// var options = RenderOptions(mapping: .percentile(0.5, 99.5), colormap: .viridis)
/// options.colorBar = true
/// options.scaleBar = true
/// options.nanColor = .transparent          // NaN pixels see-through: the image becomes RGBA
/// ```
public struct RenderOptions: Sendable, Equatable {
    /// Data → [0, 1] mapping (default: min–max).
    public var mapping: IntensityMapping
    /// The colour map (default: gray).
    public var colormap: Colormap
    /// Adds a vertical colour bar at the right with the data values at its bottom, middle and top.
    public var colorBar: Bool
    /// Draws a scale bar from the x-axis calibration (see ``ScaleBar``).
    public var scaleBar: Bool
    /// Corner of the scale bar.
    public var scaleBarPosition: ScaleBarPosition
    /// The frame of a `[frames, rows, cols]` stack to render (0 for a 2-D image).
    public var frame: Int
    /// The colour of NaN pixels; a colour that is not opaque makes the output RGBA.
    public var nanColor: RGBAColor
    /// The background of the colour-bar panel.
    public var background: RGBAColor
    /// The colour of colour-bar labels, ticks and frame.
    public var textColor: RGBAColor
    /// The colour of the scale bar and its label; both get a one-font-pixel outline of the opposite
    /// brightness (black around light colours, white around dark ones) so they read on any colour map.
    public var scaleBarColor: RGBAColor
    /// Font magnification (image pixels per font pixel); `nil` = `max(1, min(rows, cols) / 256)`.
    public var fontScale: Int?

    /// Creates options; each parameter defaults to the value stated on its property.
    public init(mapping: IntensityMapping = .minMax, colormap: Colormap = .gray, colorBar: Bool = false,
                scaleBar: Bool = false, scaleBarPosition: ScaleBarPosition = .bottomRight, frame: Int = 0,
                nanColor: RGBAColor = .black, background: RGBAColor = .white, textColor: RGBAColor = .black,
                scaleBarColor: RGBAColor = .white, fontScale: Int? = nil) {
        self.mapping = mapping
        self.colormap = colormap
        self.colorBar = colorBar
        self.scaleBar = scaleBar
        self.scaleBarPosition = scaleBarPosition
        self.frame = frame
        self.nanColor = nanColor
        self.background = background
        self.textColor = textColor
        self.scaleBarColor = scaleBarColor
        self.fontScale = fontScale
    }
}

/// Turns arrays into 8-bit RGB(A) images: intensity mapping, colour map, colour bar and scale bar.
///
/// The result is an `NDArray<UInt8>` of shape `[rows, cols, 3]` (RGB) or `[rows, cols, 4]` (RGBA, when
/// ``RenderOptions/nanColor`` is not opaque), ready for the PNG writer. The image pixels occupy the top-left
/// `rows × cols` block; a colour bar widens the image to the right.
///
/// ```swift
/// let options = RenderOptions(mapping: .percentile(0.5, 99.5), colormap: .viridis, colorBar: true)
/// let rgb = try Renderer.render(image, options: options)     // [rows, cols + bar, 3]
/// ```
///
/// Pixel colours equal `np.round(cmap(norm(x))[..., :3] * 255)` with matplotlib's colormap of the same name
/// (see ``Colormap`` and ``IntensityMapping`` for the exact rules).
///
/// - Complexity: O(rows · cols), parallel over rows; no allocation per pixel.
public enum Renderer {
    /// Renders frame ``RenderOptions/frame`` of any-dtype data (complex data: the modulus `|z|`).
    ///
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` unless the data is a non-empty 2-D image or 3-D stack;
    ///   ``ScopeKitError/usage(_:)`` for a frame out of range or invalid mapping parameters.
    public static func render(_ array: AnyArray, options: RenderOptions = RenderOptions()) throws -> NDArray<UInt8> {
        let image = try RenderInput.frame(of: array, options.frame)
        return try image.applying(RenderFrame(options: options))
    }

    /// Renders a typed 2-D image or frame ``RenderOptions/frame`` of a `[frames, rows, cols]` stack.
    ///
    /// - Throws: as ``render(_:options:)``.
    public static func render<T: ArrayElement>(_ array: NDArray<T>, options: RenderOptions = RenderOptions()) throws
        -> NDArray<UInt8>
    {
        if T.self == Complex64.self { return try render(AnyArray(array), options: options) }
        guard array.rank == 2 || array.rank == 3 else {
            throw ScopeKitError.badInput("cannot render a \(array.rank)-D array of shape \(array.shape); "
                                         + "need [rows, cols] or [frames, rows, cols]")
        }
        guard options.frame >= 0 && options.frame < array.frameCount else {
            throw ScopeKitError.usage("frame \(options.frame) out of range 0..<\(array.frameCount)")
        }
        let image = array.frame(options.frame)
        guard image.shape[0] > 0 && image.shape[1] > 0 else {
            throw ScopeKitError.badInput("cannot render an empty image of shape \(image.shape)")
        }
        return try AnyArray(image).applying(RenderFrame(options: options))
    }

    /// The whole pipeline for one 2-D frame.
    static func renderFrame<T: ArrayElement>(_ image: NDArray<T>, options: RenderOptions) throws -> NDArray<UInt8> {
        let mapping = try ResolveMapping(mapping: options.mapping)(image)
        let rows = image.shape[0], cols = image.shape[1]
        let channels = options.nanColor.isOpaque ? 3 : 4
        let fontScale = Swift.max(1, options.fontScale ?? Swift.max(1, Swift.min(rows, cols) / 256))
        var bar: ColorBarLayout? = nil
        if options.colorBar {
            bar = ColorBarLayout(rows: rows, imageCols: cols, mapping: mapping,
                                 intensity: image.calibration.intensity, fontScale: fontScale)
        }
        let totalCols = cols + (bar?.width ?? 0)
        var out = NDArray<UInt8>(unsafeUninitializedShape: [rows, totalCols, channels]) { dst in
            colorize(image, mapping: mapping, colormap: options.colormap, nanColor: options.nanColor,
                     into: dst.baseAddress!, rowStride: totalCols * channels, channels: channels)
        }
        if let bar {
            bar.draw(into: &out, imageCols: cols, colormap: options.colormap, options: options)
        }
        if options.scaleBar {
            let axis = image.calibration.axes.last ?? AxisCalibration()
            drawScaleBar(ScaleBar(imageWidth: cols, axis: axis), into: &out, rows: rows, cols: cols,
                         fontScale: fontScale, options: options)
        }
        return out
    }

    /// Colours a 2-D image without annotations into a new `[rows, cols, channels]` image.
    ///
    /// - Parameters:
    ///   - image: a 2-D array `[rows, cols]`.
    ///   - mapping: the resolved data → [0, 1] mapping.
    ///   - colormap: the colour map; value *v* takes entry ``Colormap/level(of:)``.
    ///   - nanColor: the colour of NaN pixels.
    ///   - channels: 3 (RGB, alpha of `nanColor` ignored) or 4 (RGBA, mapped pixels opaque).
    public static func colorize<T: ArrayElement>(_ image: NDArray<T>, mapping: ResolvedIntensityMapping,
                                                 colormap: Colormap, nanColor: RGBAColor = .black,
                                                 channels: Int = 3) -> NDArray<UInt8> {
        precondition(image.rank == 2, "Renderer.colorize: image must be 2-D, got \(image.shape)")
        precondition(channels == 3 || channels == 4, "Renderer.colorize: channels must be 3 or 4")
        let op = Colorize(mapping: mapping, colormap: colormap, nanColor: nanColor, channels: channels)
        return AnyArray(image).applying(op)
    }

    /// The colouring kernel: writes `rows × cols` pixels into `dst` with the given row stride (bytes).
    ///
    /// A linear mapping computes the level `⌊256·(x − low)/(high − low)⌋` directly. With tone curves, the
    /// level is found among the 255 thresholds `x_k = low + (high − low)·f⁻¹(k/256)` (``LevelThresholds``), so no
    /// `pow`/`log1p` runs per pixel; it equals ``Colormap/level(of:)`` of ``ResolvedIntensityMapping/normalize(_:)``
    /// except for values within rounding of a threshold.
    static func colorize<T: ArrayElement>(_ image: NDArray<T>, mapping: ResolvedIntensityMapping,
                                          colormap: Colormap, nanColor: RGBAColor,
                                          into dst: UnsafeMutablePointer<UInt8>, rowStride: Int, channels: Int) {
        let low = mapping.low
        if mapping.curves.isEmpty {
            let scale256 = 256 * mapping.inverseSpan
            paint(image, colormap: colormap, nanColor: nanColor, into: dst, rowStride: rowStride, channels: channels) {
                x in
                let t = (x - low) * scale256
                if t >= 0 { return t < 256 ? Int(t) : 255 }
                if t < 0 { return 0 }
                return mapping.isNaNOrLevel(x)
            }
        } else if let table = LevelThresholds(mapping) {
            table.base.withUnsafeBufferPointer { baseBuffer in
                table.thresholds.withUnsafeBufferPointer { thresholdBuffer in
                    let base = UncheckedSendable(baseBuffer.baseAddress!)
                    let thresholds = UncheckedSendable(thresholdBuffer.baseAddress!)
                    let cellScale = table.cellScale, cells = Double(LevelThresholds.cells)
                    paint(image, colormap: colormap, nanColor: nanColor, into: dst, rowStride: rowStride,
                          channels: channels) { x in
                        let t = (x - low) * cellScale
                        if t >= 0 {
                            guard t < cells else { return 255 }
                            var level = Int(base.value[Int(t)])
                            while thresholds.value[level + 1] <= x { level += 1 }
                            return level
                        }
                        if t < 0 { return 0 }
                        return mapping.isNaNOrLevel(x)
                    }
                }
            }
        } else {
            paint(image, colormap: colormap, nanColor: nanColor, into: dst, rowStride: rowStride, channels: channels) {
                x in x.isNaN ? -1 : Colormap.level(of: mapping.normalize(x))
            }
        }
    }

    /// Writes the colour of `level(x)` for every pixel (level −1 = NaN colour), parallel over rows.
    ///
    /// Each pixel is one 32-bit store of a packed RGBA entry; for RGB output the fourth byte is overwritten by
    /// the next pixel, and the last pixel of a row is stored byte by byte so no store crosses into another row.
    @inline(__always)
    static func paint<T: ArrayElement>(_ image: NDArray<T>, colormap: Colormap, nanColor: RGBAColor,
                                       into dst: UnsafeMutablePointer<UInt8>, rowStride: Int, channels: Int,
                                       level: (Double) -> Int) {
        let rows = image.shape[0], cols = image.shape[1]
        let out = UncheckedSendable(UnsafeMutableRawPointer(dst))
        // Entry 0 is the NaN colour, entries 1…256 the colour map (alpha 255), all in memory byte order.
        var packed = [UInt32](repeating: 0, count: 257)
        packed[0] = UInt32(littleEndian: UInt32(nanColor.red) | UInt32(nanColor.green) << 8
            | UInt32(nanColor.blue) << 16 | UInt32(nanColor.alpha) << 24)
        for i in 0..<256 {
            let c = colormap[i]
            packed[i + 1] = UInt32(littleEndian: UInt32(c.red) | UInt32(c.green) << 8 | UInt32(c.blue) << 16
                | 0xFF00_0000)
        }
        packed.withUnsafeBufferPointer { lutBuffer in
            let lut = UncheckedSendable(lutBuffer.baseAddress!)
            image.withUnsafeBufferPointer { srcBuffer in
                let src = UncheckedSendable(srcBuffer.baseAddress!)
                Parallel.forEachChunk(0..<rows, minimumChunk: Swift.max(1, 16384 / Swift.max(cols, 1))) { chunk in
                    for r in chunk {
                        let s = src.value + r * cols
                        let d = out.value + r * rowStride
                        // Level −1 (NaN) reads entry 0.
                        for c in 0..<(cols - 1) {
                            d.storeBytes(of: lut.value[level(s[c].doubleValue) + 1], toByteOffset: c * channels,
                                         as: UInt32.self)
                        }
                        let last = lut.value[level(s[cols - 1].doubleValue) + 1]
                        withUnsafeBytes(of: last) { bytes in
                            for k in 0..<channels { d.storeBytes(of: bytes[k], toByteOffset: (cols - 1) * channels + k,
                                                                  as: UInt8.self) }
                        }
                    }
                }
            }
        }
    }

    /// Draws the scale bar (with an outline of the opposite brightness) in the image area.
    static func drawScaleBar(_ bar: ScaleBar, into out: inout NDArray<UInt8>, rows: Int, cols: Int,
                             fontScale s: Int, options: RenderOptions) {
        let ink = options.scaleBarColor
        let brightness = Int(ink.red) + Int(ink.green) + Int(ink.blue)
        let outline = brightness >= 384 ? RGBAColor.black : RGBAColor.white
        let margin = 4 * s
        let thickness = 2 * s
        let length = Swift.min(bar.pixels, Swift.max(cols - 2 * margin, 1))
        let barTop = rows - margin - thickness
        let barLeft = options.scaleBarPosition == .bottomLeft ? margin : cols - margin - length
        let textWidth = BitmapFont.width(of: bar.label, scale: s)
        let textTop = barTop - 2 * s - BitmapFont.height(scale: s)
        var textLeft = barLeft + (length - textWidth) / 2
        textLeft = Swift.max(s, Swift.min(textLeft, cols - textWidth - s))
        // Outline first (one font pixel around everything), then the ink.
        fillRectangle(in: &out, row: barTop - s, col: barLeft - s, height: thickness + 2 * s, width: length + 2 * s,
                      color: outline)
        for (dy, dx) in [(-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)] {
            drawClipped(bar.label, into: &out, row: textTop + dy * s, col: textLeft + dx * s, scale: s,
                        color: outline, maxCol: cols)
        }
        fillRectangle(in: &out, row: barTop, col: barLeft, height: thickness, width: length, color: ink)
        drawClipped(bar.label, into: &out, row: textTop, col: textLeft, scale: s, color: ink, maxCol: cols)
    }

    /// Draws text but never beyond column `maxCol` (keeps the scale-bar label off the colour-bar panel).
    private static func drawClipped(_ text: String, into out: inout NDArray<UInt8>, row: Int, col: Int, scale: Int,
                                    color: RGBAColor, maxCol: Int) {
        if out.shape[1] == maxCol {
            BitmapFont.draw(text, into: &out, row: row, col: col, scale: scale, color: color)
            return
        }
        // Draw into a scratch strip of the image area's width, then copy the inked pixels.
        let h = BitmapFont.height(scale: scale)
        var strip = NDArray<UInt8>(zeros: [h, maxCol, 4])
        BitmapFont.draw(text, into: &strip, row: 0, col: col, scale: scale, color: .white)
        let channels = out.shape[2], totalCols = out.shape[1], rows = out.shape[0]
        strip.withUnsafeBufferPointer { m in
            out.withUnsafeMutableBufferPointer { p in
                for y in 0..<h where row + y >= 0 && row + y < rows {
                    for x in 0..<maxCol where m[(y * maxCol + x) * 4 + 3] != 0 {
                        let o = ((row + y) * totalCols + x) * channels
                        p[o] = color.red
                        p[o + 1] = color.green
                        p[o + 2] = color.blue
                        if channels == 4 { p[o + 3] = color.alpha }
                    }
                }
            }
        }
    }
}

/// ``Renderer/renderFrame(_:options:)`` specialised per dtype.
struct RenderFrame: TypedArrayOperation {
    typealias Failure = any Error
    let options: RenderOptions
    func callAsFunction<T: ArrayElement>(_ array: NDArray<T>) throws -> NDArray<UInt8> {
        try Renderer.renderFrame(array, options: options)
    }
}

/// ``Renderer/colorize(_:mapping:colormap:nanColor:channels:)`` specialised per dtype.
struct Colorize: TypedArrayOperation {
    let mapping: ResolvedIntensityMapping
    let colormap: Colormap
    let nanColor: RGBAColor
    let channels: Int
    func callAsFunction<T: ArrayElement>(_ image: NDArray<T>) -> NDArray<UInt8> {
        NDArray<UInt8>(unsafeUninitializedShape: [image.shape[0], image.shape[1], channels]) { dst in
            Renderer.colorize(image, mapping: mapping, colormap: colormap, nanColor: nanColor,
                              into: dst.baseAddress!, rowStride: image.shape[1] * channels, channels: channels)
        }
    }
}

/// The 255 data values where the 8-bit level of a curved mapping steps up, with a uniform grid of cells over
/// the window that gives a starting level for each value (at most a few comparisons per pixel).
struct LevelThresholds {
    /// Cells of the grid over `[low, high]`.
    static let cells = 4096
    /// `cells / (high − low)`.
    let cellScale: Double
    /// `thresholds[k]` (k = 1…255) is the smallest data value of level k; `[0] = −∞`, `[256] = +∞`.
    let thresholds: [Double]
    /// A level ≤ that of every value in each cell (one less than at the cell's lower edge, for rounding).
    let base: [UInt8]

    /// `nil` for an empty window (`low == high`), where the direct rule applies.
    init?(_ mapping: ResolvedIntensityMapping) {
        guard mapping.high > mapping.low, mapping.inverseSpan > 0, mapping.inverseSpan.isFinite else { return nil }
        var t = [Double](repeating: 0, count: 257)
        t[0] = -.infinity
        t[256] = .infinity
        for k in 1..<256 { t[k] = mapping.dataValue(atNormalized: Double(k) / 256) }
        // Rounding in the inverse curves must not make the thresholds decrease.
        for k in 2..<256 where t[k] < t[k - 1] { t[k] = t[k - 1] }
        let scale = Double(LevelThresholds.cells) * mapping.inverseSpan
        var b = [UInt8](repeating: 0, count: LevelThresholds.cells)
        var k = 0
        for j in 0..<LevelThresholds.cells {
            let edge = mapping.low + Double(j) / scale
            while k < 255 && t[k + 1] <= edge { k += 1 }
            b[j] = UInt8(Swift.max(k - 1, 0))
        }
        cellScale = scale
        thresholds = t
        base = b
    }
}

extension ResolvedIntensityMapping {
    /// The level of a value whose scaled offset is NaN: -1 for NaN, else ±∞ in an empty window.
    @usableFromInline
    func isNaNOrLevel(_ x: Double) -> Int {
        if x.isNaN { return -1 }
        return Colormap.level(of: windowed(x))
    }
}
