/// The geometry of a rendered ``Plot``: the plot area in pixels and the data ranges it shows.
///
/// The plot area is the block of `areaWidth × areaHeight` pixels with its top-left at (`areaTop`, `areaLeft`);
/// the axes box is drawn on the pixels just outside it. x grows to the right, y upwards:
/// `x = xRange.lowerBound` maps to column `areaLeft`, `xRange.upperBound` to `areaLeft + areaWidth − 1`,
/// `y = yRange.upperBound` to row `areaTop`, and `yRange.lowerBound` to `areaTop + areaHeight − 1`.
///
/// ```swift
/// let frame = try Plot.frame(for: series, options: options)
/// let (row, col) = frame.pixel(x: 3, y: 1.5)       // where the point (3, 1.5) is drawn
/// ```
public struct PlotFrame: Sendable, Equatable {
    /// Image width in pixels.
    public let width: Int
    /// Image height in pixels.
    public let height: Int
    /// First column of the plot area.
    public let areaLeft: Int
    /// First row of the plot area.
    public let areaTop: Int
    /// Plot-area width in pixels.
    public let areaWidth: Int
    /// Plot-area height in pixels.
    public let areaHeight: Int
    /// The x range shown.
    public let xRange: ClosedRange<Double>
    /// The y range shown.
    public let yRange: ClosedRange<Double>
    /// Tick positions on the x axis.
    public let xTicks: [Double]
    /// Tick positions on the y axis.
    public let yTicks: [Double]

    /// The fractional column of data coordinate x.
    public func column(x: Double) -> Double {
        Double(areaLeft) + (x - xRange.lowerBound) / (xRange.upperBound - xRange.lowerBound) * Double(areaWidth - 1)
    }

    /// The fractional row of data coordinate y.
    public func row(y: Double) -> Double {
        Double(areaTop) + (yRange.upperBound - y) / (yRange.upperBound - yRange.lowerBound) * Double(areaHeight - 1)
    }

    /// The pixel (rounded to nearest) where the data point (x, y) is drawn.
    public func pixel(x: Double, y: Double) -> (row: Int, col: Int) {
        (Int(row(y: y).rounded()), Int(column(x: x).rounded()))
    }

    /// True when the pixel lies inside the plot area.
    public func contains(row: Int, col: Int) -> Bool {
        row >= areaTop && row < areaTop + areaHeight && col >= areaLeft && col < areaLeft + areaWidth
    }
}
