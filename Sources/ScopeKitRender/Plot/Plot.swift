import ScopeKitCore

/// Renders line and scatter plots to RGB images: several series, axes with ticks and labels, grid, title,
/// legend; text uses the built-in ``BitmapFont``.
///
/// The output is an `NDArray<UInt8>` `[height, width, 3]`, ready for `PNG.write`. Layout: the title on top,
/// y tick labels and the (vertical) y label on the left, x tick labels and the x label below, and the plot
/// area in the remaining space (``PlotFrame`` tells where). Series are drawn in order, clipped to the plot
/// area; lines are one-pixel Bresenham segments widened to ``PlotSeries/lineWidth``, without antialiasing,
/// so every data pixel has exactly the series colour.
///
/// ```swift
/// let index = (0..<30).map(Double.init)
/// let series = [
///     PlotSeries(label: "identity", x: [0, 29], y: [0, 29], color: .plotGray),
///     PlotSeries(label: "corrected", x: index, y: positions, color: .plotBlue, style: .lineAndMarkers),
/// ]
/// var options = PlotOptions(title: "Z positions", xLabel: "section", yLabel: "position")
/// let rgb = try Plot.render(series, options: options)
/// try PNG.write(rgb, to: url, overwrite: false)
/// ```
///
/// Follows the look of matplotlib's default line plot (tab colours, 5 % margins, outward ticks), not its
/// pixels.
///
/// - Complexity: O(width · height + total points · line length).
public enum Plot {
    /// The layout of the plot of `series` with `options` (without drawing).
    ///
    /// - Throws: ``ScopeKitError/usage(_:)`` for an image too small for its labels, an empty or non-finite
    ///   range, or bad series parameters; ``ScopeKitError/badInput(_:file:)`` when a series has different
    ///   x and y counts.
    public static func frame(for series: [PlotSeries], options: PlotOptions) throws -> PlotFrame {
        for (k, s) in series.enumerated() {
            guard s.x.count == s.y.count else {
                throw ScopeKitError.badInput("plot series \(k) has \(s.x.count) x and \(s.y.count) y values")
            }
            guard s.lineWidth >= 1, s.markerSize >= 1 else {
                throw ScopeKitError.usage("plot series \(k): line width and marker size must be ≥ 1")
            }
        }
        guard options.padding >= 0, options.padding.isFinite else {
            throw ScopeKitError.usage("plot padding must be ≥ 0, got \(options.padding)")
        }
        let xRange = try resolvedRange(options.xRange, series.flatMap(\.x), padding: options.padding, axis: "x")
        let yRange = try resolvedRange(options.yRange, series.flatMap(\.y), padding: options.padding, axis: "y")
        let xTicks = PlotTicks.ticks(in: xRange, maximumCount: options.maximumTicks)
        let yTicks = PlotTicks.ticks(in: yRange, maximumCount: options.maximumTicks)
        let m = Metrics(options)
        let yLabelWidth = PlotTicks.labels(for: yTicks).map { BitmapFont.width(of: $0, scale: m.scale) }.max() ?? 0
        let lastXLabel = PlotTicks.labels(for: xTicks).last.map { BitmapFont.width(of: $0, scale: m.scale) } ?? 0
        let left = m.pad + (options.yLabel.isEmpty ? 0 : m.text + m.pad) + yLabelWidth + m.pad / 2 + m.tick + 1
        let top = m.pad + (options.title.isEmpty ? 0 : m.text + m.pad) + m.text / 2 + 1
        let bottom = 1 + m.tick + m.pad / 2 + m.text + (options.xLabel.isEmpty ? 0 : m.pad + m.text) + m.pad
        let right = Swift.max(m.pad, lastXLabel / 2 + m.pad / 2) + 1
        let areaWidth = options.width - left - right, areaHeight = options.height - top - bottom
        guard areaWidth >= 2, areaHeight >= 2 else {
            throw ScopeKitError.usage("a plot of \(options.width)×\(options.height) px is too small for its labels")
        }
        return PlotFrame(width: options.width, height: options.height, areaLeft: left, areaTop: top,
                         areaWidth: areaWidth, areaHeight: areaHeight, xRange: xRange, yRange: yRange,
                         xTicks: xTicks, yTicks: yTicks)
    }

    /// Renders the plot.
    ///
    /// - Returns: an RGB image `[options.height, options.width, 3]`.
    /// - Throws: the errors of ``frame(for:options:)``.
    public static func render(_ series: [PlotSeries], options: PlotOptions = PlotOptions()) throws -> NDArray<UInt8> {
        let frame = try frame(for: series, options: options)
        let m = Metrics(options)
        var canvas = PlotCanvas(width: options.width, height: options.height, background: options.background)
        let area = (rows: frame.areaTop..<(frame.areaTop + frame.areaHeight),
                    cols: frame.areaLeft..<(frame.areaLeft + frame.areaWidth))
        let ink = options.foreground
        // Grid.
        if options.grid {
            for t in frame.xTicks {
                let c = Int(frame.column(x: t).rounded())
                canvas.fill(row: frame.areaTop, col: c, height: frame.areaHeight, width: 1, color: options.gridColor, clip: area)
            }
            for t in frame.yTicks {
                let r = Int(frame.row(y: t).rounded())
                canvas.fill(row: r, col: frame.areaLeft, height: 1, width: frame.areaWidth, color: options.gridColor, clip: area)
            }
        }
        // Series.
        for s in series { draw(s, on: &canvas, frame: frame, clip: area) }
        // Axes box and ticks.
        let boxTop = frame.areaTop - 1, boxLeft = frame.areaLeft - 1
        let boxBottom = frame.areaTop + frame.areaHeight, boxRight = frame.areaLeft + frame.areaWidth
        canvas.fill(row: boxTop, col: boxLeft, height: 1, width: boxRight - boxLeft + 1, color: ink)
        canvas.fill(row: boxBottom, col: boxLeft, height: 1, width: boxRight - boxLeft + 1, color: ink)
        canvas.fill(row: boxTop, col: boxLeft, height: boxBottom - boxTop + 1, width: 1, color: ink)
        canvas.fill(row: boxTop, col: boxRight, height: boxBottom - boxTop + 1, width: 1, color: ink)
        for (t, label) in zip(frame.xTicks, PlotTicks.labels(for: frame.xTicks)) {
            let c = Int(frame.column(x: t).rounded())
            canvas.fill(row: boxBottom + 1, col: c, height: m.tick, width: 1, color: ink)
            let w = BitmapFont.width(of: label, scale: m.scale)
            canvas.text(label, row: boxBottom + 1 + m.tick + m.pad / 2, col: c - w / 2, scale: m.scale, color: ink)
        }
        for (t, label) in zip(frame.yTicks, PlotTicks.labels(for: frame.yTicks)) {
            let r = Int(frame.row(y: t).rounded())
            canvas.fill(row: r, col: boxLeft - m.tick, height: 1, width: m.tick, color: ink)
            let w = BitmapFont.width(of: label, scale: m.scale)
            canvas.text(label, row: r - m.text / 2, col: boxLeft - m.tick - m.pad / 2 - w, scale: m.scale, color: ink)
        }
        // Title and axis labels.
        if !options.title.isEmpty {
            let w = BitmapFont.width(of: options.title, scale: m.scale)
            // Centred over the plot area, shifted left if needed so that it stays inside the image.
            let col = Swift.max(0, Swift.min(frame.areaLeft + (frame.areaWidth - w) / 2, options.width - m.pad - w))
            canvas.text(options.title, row: m.pad, col: col, scale: m.scale, color: ink)
        }
        if !options.xLabel.isEmpty {
            let w = BitmapFont.width(of: options.xLabel, scale: m.scale)
            canvas.text(options.xLabel, row: boxBottom + 1 + m.tick + m.pad / 2 + m.text + m.pad,
                        col: frame.areaLeft + (frame.areaWidth - w) / 2, scale: m.scale, color: ink)
        }
        if !options.yLabel.isEmpty {
            let h = BitmapFont.width(of: options.yLabel, scale: m.scale)
            canvas.verticalText(options.yLabel, row: frame.areaTop + (frame.areaHeight - h) / 2, col: m.pad,
                                scale: m.scale, color: ink)
        }
        if options.legend { drawLegend(series, on: &canvas, frame: frame, options: options, metrics: m) }
        return canvas.array()
    }

    // MARK: Internals

    /// Spacing in pixels derived from the font scale.
    struct Metrics {
        let scale: Int, text: Int, pad: Int, tick: Int
        init(_ options: PlotOptions) {
            scale = options.resolvedFontScale
            text = BitmapFont.height(scale: scale)
            pad = 4 * scale
            tick = 3 * scale
        }
    }

    /// The given range (checked) or the padded finite data range.
    static func resolvedRange(_ given: ClosedRange<Double>?, _ values: [Double], padding: Double,
                              axis: String) throws -> ClosedRange<Double> {
        if let given {
            guard given.lowerBound.isFinite, given.upperBound.isFinite, given.lowerBound < given.upperBound else {
                throw ScopeKitError.usage("plot \(axis) range must be finite and non-empty, got \(given)")
            }
            return given
        }
        var lo = Double.infinity, hi = -Double.infinity
        for v in values where v.isFinite { lo = Swift.min(lo, v); hi = Swift.max(hi, v) }
        guard lo <= hi else { return 0...1 }
        if lo == hi {
            let half = lo == 0 ? 0.5 : abs(lo) * 0.05
            return (lo - half)...(hi + half)
        }
        let margin = (hi - lo) * padding
        return (lo - margin)...(hi + margin)
    }

    static func draw(_ s: PlotSeries, on canvas: inout PlotCanvas, frame: PlotFrame,
                     clip: (rows: Range<Int>, cols: Range<Int>)) {
        let n = s.x.count
        if s.style != .markers && n > 1 {
            for k in 1..<n {
                let (x0, y0, x1, y1) = (s.x[k - 1], s.y[k - 1], s.x[k], s.y[k])
                guard x0.isFinite, y0.isFinite, x1.isFinite, y1.isFinite else { continue }
                canvas.line(frame.row(y: y0), frame.column(x: x0), frame.row(y: y1), frame.column(x: x1),
                            thickness: s.lineWidth, color: s.color, clip: clip)
            }
        }
        if s.style != .line {
            let offset = (s.markerSize - 1) / 2
            for k in 0..<n where s.x[k].isFinite && s.y[k].isFinite {
                let r = frame.row(y: s.y[k]), c = frame.column(x: s.x[k])
                guard abs(r) < 1e9, abs(c) < 1e9 else { continue }
                canvas.fill(row: Int(r.rounded()) - offset, col: Int(c.rounded()) - offset, height: s.markerSize,
                            width: s.markerSize, color: s.color, clip: clip)
            }
        }
    }

    static func drawLegend(_ series: [PlotSeries], on canvas: inout PlotCanvas, frame: PlotFrame,
                           options: PlotOptions, metrics m: Metrics) {
        let entries = series.filter { !$0.label.isEmpty }
        guard !entries.isEmpty else { return }
        let sample = 6 * m.scale, rowHeight = m.text + m.pad / 2
        let textWidth = entries.map { BitmapFont.width(of: $0.label, scale: m.scale) }.max()!
        let boxWidth = m.pad + sample + m.pad + textWidth + m.pad
        let boxHeight = m.pad / 2 + entries.count * rowHeight + m.pad / 2
        let inset = m.pad
        let left: Int, top: Int
        switch options.legendPosition {
        case .topLeft: (left, top) = (frame.areaLeft + inset, frame.areaTop + inset)
        case .topRight: (left, top) = (frame.areaLeft + frame.areaWidth - inset - boxWidth, frame.areaTop + inset)
        case .bottomLeft: (left, top) = (frame.areaLeft + inset, frame.areaTop + frame.areaHeight - inset - boxHeight)
        case .bottomRight: (left, top) = (frame.areaLeft + frame.areaWidth - inset - boxWidth,
                                          frame.areaTop + frame.areaHeight - inset - boxHeight)
        }
        canvas.fill(row: top, col: left, height: boxHeight, width: boxWidth, color: options.background)
        let frameColor = RGBAColor(204, 204, 204)
        canvas.fill(row: top, col: left, height: 1, width: boxWidth, color: frameColor)
        canvas.fill(row: top + boxHeight - 1, col: left, height: 1, width: boxWidth, color: frameColor)
        canvas.fill(row: top, col: left, height: boxHeight, width: 1, color: frameColor)
        canvas.fill(row: top, col: left + boxWidth - 1, height: boxHeight, width: 1, color: frameColor)
        for (k, s) in entries.enumerated() {
            let rowTop = top + m.pad / 2 + k * rowHeight
            let mid = rowTop + m.text / 2
            if s.style != .markers {
                canvas.fill(row: mid - (s.lineWidth - 1) / 2, col: left + m.pad, height: s.lineWidth, width: sample, color: s.color)
            }
            if s.style != .line {
                canvas.fill(row: mid - (s.markerSize - 1) / 2, col: left + m.pad + sample / 2 - (s.markerSize - 1) / 2,
                            height: s.markerSize, width: s.markerSize, color: s.color)
            }
            canvas.text(s.label, row: rowTop, col: left + m.pad + sample + m.pad, scale: m.scale, color: options.foreground)
        }
    }
}
