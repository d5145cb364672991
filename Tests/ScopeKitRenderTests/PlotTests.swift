import Foundation
import Testing
@testable import ScopeKitRender
import ScopeKitCore

/// The colour of pixel (row, col) of an RGB image.
private func color(_ image: NDArray<UInt8>, _ row: Int, _ col: Int) -> RGBAColor {
    RGBAColor(image[row, col, 0], image[row, col, 1], image[row, col, 2])
}

@Suite("Plot: ticks")
struct PlotTickTests {
    @Test("1-2-5 steps with at most the requested count")
    func steps() {
        #expect(PlotTicks.ticks(in: 0...29, maximumCount: 8) == [0, 5, 10, 15, 20, 25])
        #expect(PlotTicks.ticks(in: 0...1, maximumCount: 8) == [0, 0.2, 0.4, 0.6000000000000001, 0.8, 1])
        #expect(PlotTicks.step(for: -3...117, maximumCount: 8) == 20)
        #expect(PlotTicks.ticks(in: -3...117, maximumCount: 8) == [0, 20, 40, 60, 80, 100])
        #expect(PlotTicks.ticks(in: -0.5...0.5, maximumCount: 5) == [-0.4, -0.2, 0, 0.2, 0.4])
    }

    @Test("labels carry the decimals the step needs")
    func labels() {
        #expect(PlotTicks.labels(for: [0, 5, 10]) == ["0", "5", "10"])
        #expect(PlotTicks.labels(for: PlotTicks.ticks(in: 0...1, maximumCount: 8))
                == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        #expect(PlotTicks.labels(for: [-0.05, 0, 0.05]) == ["-0.05", "0.00", "0.05"])
        #expect(PlotTicks.labels(for: [0, 2e6, 4e6]) == ["0", "2e+06", "4e+06"])
    }
}

@Suite("Plot: rendering")
struct PlotRenderTests {
    /// Fixed ranges 0…10 on both axes, no grid, no legend.
    static func options(title: String = "", yLabel: String = "") -> PlotOptions {
        PlotOptions(width: 320, height: 240, title: title, yLabel: yLabel, xRange: 0...10, yRange: 0...10,
                    grid: false, legend: false, fontScale: 1)
    }

    @Test("shape, background and the axes box")
    func axes() throws {
        let o = Self.options()
        let image = try Plot.render([], options: o)
        #expect(image.shape == [240, 320, 3])
        let f = try Plot.frame(for: [], options: o)
        #expect(f.areaWidth > 200 && f.areaHeight > 150)
        let midRow = f.areaTop + f.areaHeight / 2, midCol = f.areaLeft + f.areaWidth / 2
        #expect(color(image, f.areaTop - 1, midCol) == .black)                    // top edge
        #expect(color(image, f.areaTop + f.areaHeight, midCol) == .black)        // x axis
        #expect(color(image, midRow, f.areaLeft - 1) == .black)                  // y axis
        #expect(color(image, midRow, f.areaLeft + f.areaWidth) == .black)        // right edge
        #expect(color(image, midRow, midCol) == .white)                          // empty area
        // Ticks at 0, 2, …, 10: x = 0 sits on the first area column, x = 10 on the last.
        #expect(f.xTicks == [0, 2, 4, 6, 8, 10])
        #expect(f.pixel(x: 0, y: 10) == (f.areaTop, f.areaLeft))
        #expect(f.pixel(x: 10, y: 0) == (f.areaTop + f.areaHeight - 1, f.areaLeft + f.areaWidth - 1))
        for t in f.xTicks {
            let c = f.pixel(x: t, y: 0).col
            #expect(color(image, f.areaTop + f.areaHeight + 1, c) == .black)    // outward tick mark
            #expect(color(image, f.areaTop + f.areaHeight + 1, c + 1) == .white)
        }
        // Tick labels: some ink below the x axis and left of the y axis.
        var inkBelow = 0
        for r in (f.areaTop + f.areaHeight + 4)..<image.shape[0] { for c in 0..<320 where color(image, r, c) == .black { inkBelow += 1 } }
        #expect(inkBelow > 20)
    }

    @Test("series colours at their data points; lines, markers, NaN gaps and clipping")
    func series() throws {
        let o = Self.options()
        let horizontal = PlotSeries(x: [0, 10], y: [5, 5], color: .plotBlue)
        let vertical = PlotSeries(x: [3, 3], y: [-20, 20], color: .plotGreen)                 // clipped
        let gapped = PlotSeries(x: [0, 2, 4, 6], y: [8, 8, .nan, 8], color: .plotOrange)
        let points = PlotSeries(x: [1, 7], y: [2, 9], color: .plotRed, style: .markers, markerSize: 3)
        let image = try Plot.render([horizontal, vertical, gapped, points], options: o)
        let f = try Plot.frame(for: [], options: o)
        let row5 = f.pixel(x: 0, y: 5).row
        for c in f.areaLeft..<(f.areaLeft + f.areaWidth) where c != f.pixel(x: 3, y: 0).col {
            #expect(color(image, row5, c) == .plotBlue)
        }
        let col3 = f.pixel(x: 3, y: 0).col
        for r in f.areaTop..<(f.areaTop + f.areaHeight) where r != row5 {
            #expect(color(image, r, col3) == .plotGreen)
        }
        // Clipping: nothing green on the axes box or outside it.
        #expect(color(image, f.areaTop - 1, col3) == .black)
        #expect(color(image, f.areaTop - 2, col3) == .white)
        #expect(color(image, f.areaTop + f.areaHeight, col3) == .black)
        // The NaN breaks the orange line between x = 2 and x = 6.
        let row8 = f.pixel(x: 0, y: 8).row
        #expect(color(image, row8, f.pixel(x: 1, y: 8).col) == .plotOrange)
        #expect(color(image, row8, f.pixel(x: 4, y: 8).col) == .white)
        #expect(color(image, row8, f.pixel(x: 8, y: 8).col) == .white)
        // 3 × 3 markers centred on their points.
        for (x, y) in [(1.0, 2.0), (7.0, 9.0)] {
            let p = f.pixel(x: x, y: y)
            for dr in -1...1 { for dc in -1...1 { #expect(color(image, p.row + dr, p.col + dc) == .plotRed) } }
            #expect(color(image, p.row + 2, p.col) == .white)
            #expect(color(image, p.row, p.col - 2) == .white)
        }
    }

    @Test("a diagonal line passes through the pixels of its interior data points")
    func diagonal() throws {
        let o = PlotOptions(width: 211, height: 211, xRange: 0...10, yRange: 0...10, grid: false, legend: false, fontScale: 1)
        let image = try Plot.render([PlotSeries(x: [0, 10], y: [0, 10], color: .plotRed)], options: o)
        let f = try Plot.frame(for: [], options: o)
        // Bresenham is exact at the end points and within half a pixel elsewhere.
        #expect(color(image, f.pixel(x: 0, y: 0).row, f.pixel(x: 0, y: 0).col) == .plotRed)
        #expect(color(image, f.pixel(x: 10, y: 10).row, f.pixel(x: 10, y: 10).col) == .plotRed)
        var red = 0
        for r in 0..<211 { for c in 0..<211 where color(image, r, c) == .plotRed { red += 1 } }
        #expect(red == max(f.areaWidth, f.areaHeight))          // one pixel per step along the longer axis
    }

    @Test("automatic ranges add 5 % padding; a constant series gets a non-empty range")
    func automaticRange() throws {
        let f = try Plot.frame(for: [PlotSeries(x: [0, 20], y: [10, 30])], options: PlotOptions())
        #expect(f.xRange == -1...21)
        #expect(f.yRange == 9...31)
        let g = try Plot.frame(for: [PlotSeries(y: [4, 4, 4])], options: PlotOptions())
        #expect(g.yRange == 3.8...4.2)
        let empty = try Plot.frame(for: [], options: PlotOptions())
        #expect(empty.xRange == 0...1)
    }

    @Test("title, vertical y label and legend are drawn where the layout says")
    func labels() throws {
        let plain = try Plot.frame(for: [], options: Self.options())
        let titled = try Plot.frame(for: [], options: Self.options(title: "Positions", yLabel: "z"))
        #expect(titled.areaTop == plain.areaTop + 7 + 4)
        #expect(titled.areaLeft == plain.areaLeft + 7 + 4)
        let image = try Plot.render([], options: Self.options(title: "Positions", yLabel: "position"))
        // Title ink lies in rows 4..<11, horizontally centred over the area.
        var titleCols: [Int] = []
        for r in 0..<titled.areaTop - 4 { for c in 0..<320 where color(image, r, c) == .black { titleCols.append(c) } }
        #expect(titleCols.min()! >= 4)
        let centre = Double(titleCols.min()! + titleCols.max()!) / 2
        #expect(abs(centre - (Double(titled.areaLeft) + Double(titled.areaWidth) / 2)) <= 2)
        // The vertical label occupies columns 4..<11 and is taller than wide.
        var rows: [Int] = [], cols: [Int] = []
        for r in 0..<240 { for c in 0..<12 where color(image, r, c) == .black { rows.append(r); cols.append(c) } }
        #expect(cols.min()! >= 4 && cols.max()! < 11)
        #expect(rows.max()! - rows.min()! + 1 == BitmapFont.width(of: "position", scale: 1))

        var o = Self.options()
        o.legend = true
        let legendImage = try Plot.render([PlotSeries(label: "data", x: [20], y: [20], color: .plotRed)], options: o)
        let noLegend = try Plot.render([PlotSeries(x: [20], y: [20], color: .plotRed)], options: o)
        // The legend sample line (red) starts 8 px right of the area's left edge, in the legend's first row.
        let sampleRow = plain.areaTop + 4 + 2 + 3
        #expect(color(legendImage, sampleRow, plain.areaLeft + 8) == .plotRed)
        #expect(color(noLegend, sampleRow, plain.areaLeft + 8) == .white)
    }

    @Test("bad input throws instead of crashing")
    func errors() {
        #expect(throws: ScopeKitError.self) { try Plot.render([PlotSeries(x: [1, 2], y: [1])]) }
        #expect(throws: ScopeKitError.usage("a plot of 20×20 px is too small for its labels")) {
            try Plot.render([], options: PlotOptions(width: 20, height: 20))
        }
        #expect(throws: ScopeKitError.self) { try Plot.render([], options: PlotOptions(xRange: 1...1)) }
        #expect(throws: ScopeKitError.self) { try Plot.render([PlotSeries(y: [1], lineWidth: 0)]) }
    }
}
