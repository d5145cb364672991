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
        return try renderOpened(image.erased, options)
    }

    private static func renderOpened<A: TypedArray>(_ a: A, _ options: RenderOptions) throws -> NDArray<UInt8> {
        try renderFrame(a.array, options: options)
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
        return try renderFrame(image, options: options)
    }

    /// The whole pipeline for one 2-D frame.
    static func renderFrame<T: ArrayElement>(_ image: NDArray<T>, options: RenderOptions) throws -> NDArray<UInt8> {
        let mapping = try options.mapping.resolved(for: image)
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
        return NDArray<UInt8>(unsafeUninitializedShape: [image.shape[0], image.shape[1], channels]) { dst in
            colorize(image, mapping: mapping, colormap: colormap, nanColor: nanColor,
                     into: dst.baseAddress!, rowStride: image.shape[1] * channels, channels: channels)
        }
    }

    /// The colouring kernel: writes `rows × cols` pixels into `dst` with the given row stride (bytes).
    @inlinable
    static func colorize<T: ArrayElement>(_ image: NDArray<T>, mapping: ResolvedIntensityMapping,
                                          colormap: Colormap, nanColor: RGBAColor,
                                          into dst: UnsafeMutablePointer<UInt8>, rowStride: Int, channels: Int) {
        let rows = image.shape[0], cols = image.shape[1]
        let low = mapping.low
        let scale256 = 256 * mapping.inverseSpan
        let linear = mapping.curves.isEmpty
        let out = UncheckedPointer(dst)
        colormap.table.withUnsafeBufferPointer { lutBuffer in
            let lut = UncheckedPointer(lutBuffer.baseAddress!)
            image.withUnsafeBufferPointer { srcBuffer in
                let src = UncheckedPointer(srcBuffer.baseAddress!)
                Parallel.forEachChunk(0..<rows, minimumChunk: Swift.max(1, 16384 / Swift.max(cols, 1))) { chunk in
                    for r in chunk {
                        let s = src.value + r * cols
                        var d = out.value + r * rowStride
                        for c in 0..<cols {
                            let x = s[c].doubleValue
                            var level: Int
                            if linear {
                                let t = (x - low) * scale256
                                if t >= 0 {
                                    level = t < 256 ? Int(t) : 255
                                } else if t < 0 {
                                    level = 0
                                } else {
                                    level = mapping.isNaNOrLevel(x)
                                }
                            } else {
                                level = x.isNaN ? -1 : Colormap.level(of: mapping.normalize(x))
                            }
                            if level >= 0 {
                                let e = lut.value + 3 * level
                                d[0] = e[0]
                                d[1] = e[1]
                                d[2] = e[2]
                                if channels == 4 { d[3] = 255 }
                            } else {
                                d[0] = nanColor.red
                                d[1] = nanColor.green
                                d[2] = nanColor.blue
                                if channels == 4 { d[3] = nanColor.alpha }
                            }
                            d += channels
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

extension ResolvedIntensityMapping {
    /// The level of a value whose scaled offset is NaN: -1 for NaN, else ±∞ in an empty window.
    @usableFromInline
    func isNaNOrLevel(_ x: Double) -> Int {
        if x.isNaN { return -1 }
        return Colormap.level(of: windowed(x))
    }
}
