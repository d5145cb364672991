/// The size, ranges, labels and colours of a ``Plot``.
///
/// ```swift
/// var options = PlotOptions(width: 640, height: 480)
/// options.title = "Corrected positions"
/// options.xLabel = "section"
/// options.yRange = 0...100          // nil = from the data, padded by `padding`
/// ```
public struct PlotOptions: Sendable, Equatable {
    /// Where the legend box sits inside the plot area.
    public enum LegendPosition: String, Sendable, Equatable, CaseIterable {
        case topLeft, topRight, bottomLeft, bottomRight
    }

    /// Image width in pixels.
    public var width: Int
    /// Image height in pixels.
    public var height: Int
    /// Title above the plot area (empty: none).
    public var title: String
    /// Label below the x axis (empty: none).
    public var xLabel: String
    /// Label left of the y axis, written bottom to top (empty: none).
    public var yLabel: String
    /// The x range shown; `nil` = the finite data range widened by ``padding`` on each side.
    public var xRange: ClosedRange<Double>?
    /// The y range shown; `nil` = the finite data range widened by ``padding`` on each side.
    public var yRange: ClosedRange<Double>?
    /// Fraction of the data span added on each side of automatic ranges (matplotlib's margins, 0.05).
    public var padding: Double
    /// At most this many ticks per axis (1-2-5 steps, see ``PlotTicks``).
    public var maximumTicks: Int
    /// Light grid lines at the ticks.
    public var grid: Bool
    /// Draw a legend for the series with a label.
    public var legend: Bool
    /// Corner of the legend.
    public var legendPosition: LegendPosition
    /// Font magnification (image pixels per font pixel); `nil` = `max(1, height / 240)`.
    public var fontScale: Int?
    /// Background colour.
    public var background: RGBAColor
    /// Axes, ticks and text.
    public var foreground: RGBAColor
    /// Grid colour.
    public var gridColor: RGBAColor

    /// Creates options; each parameter defaults to the value stated on its property (640 × 480, no labels).
    public init(width: Int = 640, height: Int = 480, title: String = "", xLabel: String = "", yLabel: String = "",
                xRange: ClosedRange<Double>? = nil, yRange: ClosedRange<Double>? = nil, padding: Double = 0.05,
                maximumTicks: Int = 8, grid: Bool = true, legend: Bool = true,
                legendPosition: LegendPosition = .topLeft, fontScale: Int? = nil,
                background: RGBAColor = .white, foreground: RGBAColor = .black, gridColor: RGBAColor = .plotGrid) {
        self.width = width
        self.height = height
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.xRange = xRange
        self.yRange = yRange
        self.padding = padding
        self.maximumTicks = maximumTicks
        self.grid = grid
        self.legend = legend
        self.legendPosition = legendPosition
        self.fontScale = fontScale
        self.background = background
        self.foreground = foreground
        self.gridColor = gridColor
    }

    /// The font scale in effect.
    public var resolvedFontScale: Int { Swift.max(1, fontScale ?? height / 240) }
}
