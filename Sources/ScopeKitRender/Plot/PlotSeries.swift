/// One data series of a ``Plot``: points (x, y), how they are drawn, and a legend label.
///
/// Points with a non-finite coordinate are skipped; a line is broken at them (like matplotlib's NaN gaps).
///
/// ```swift
/// let measured = PlotSeries(label: "measured", x: [0, 1, 2], y: [0, 1.4, 2], color: .plotBlue, style: .markers)
/// let identity = PlotSeries(label: "identity", x: [0, 2], y: [0, 2], color: .plotGray)
/// ```
public struct PlotSeries: Sendable, Equatable {
    /// How the points are drawn.
    public enum Style: String, Sendable, Equatable, CaseIterable {
        /// Straight segments between consecutive finite points.
        case line
        /// A filled square at every point.
        case markers
        /// Both.
        case lineAndMarkers
    }

    /// The legend text (an empty label keeps the series out of the legend).
    public var label: String
    /// The x coordinates.
    public var x: [Double]
    /// The y coordinates (same count as ``x``).
    public var y: [Double]
    /// The ink colour.
    public var color: RGBAColor
    /// Lines, markers or both.
    public var style: Style
    /// Line thickness in pixels (≥ 1).
    public var lineWidth: Int
    /// Side of the square marker in pixels (≥ 1; odd sizes centre exactly on the point).
    public var markerSize: Int

    /// Creates a series; `x` and `y` must have the same count (checked by ``Plot/render(_:options:)``).
    public init(label: String = "", x: [Double], y: [Double], color: RGBAColor = .plotBlue, style: Style = .line,
                lineWidth: Int = 1, markerSize: Int = 3) {
        self.label = label
        self.x = x
        self.y = y
        self.color = color
        self.style = style
        self.lineWidth = lineWidth
        self.markerSize = markerSize
    }

    /// Creates a series over x = 0, 1, …, y.count − 1.
    public init(label: String = "", y: [Double], color: RGBAColor = .plotBlue, style: Style = .line,
                lineWidth: Int = 1, markerSize: Int = 3) {
        self.init(label: label, x: y.indices.map(Double.init), y: y, color: color, style: style,
                  lineWidth: lineWidth, markerSize: markerSize)
    }
}

extension RGBAColor {
    /// matplotlib's first default colour, `tab:blue` (#1f77b4).
    public static let plotBlue = RGBAColor(31, 119, 180)
    /// `tab:orange` (#ff7f0e).
    public static let plotOrange = RGBAColor(255, 127, 14)
    /// `tab:green` (#2ca02c).
    public static let plotGreen = RGBAColor(44, 160, 44)
    /// `tab:red` (#d62728).
    public static let plotRed = RGBAColor(214, 39, 40)
    /// `tab:gray` (#7f7f7f).
    public static let plotGray = RGBAColor(127, 127, 127)
    /// The light grey of the plot grid (#e5e5e5).
    public static let plotGrid = RGBAColor(229, 229, 229)
}
