import ScopeKitCore
import ScopeKitRender
import Testing

@Suite("Scale bars and font")
struct ScaleBarTests {
    @Test("nice lengths 1/2/5 × 10^k nearest in ratio")
    func niceLengths() {
        let cases: [(Double, Double)] = [
            (102.4, 100), (150, 200), (141, 100), (142, 200), (3.3, 5), (3.1, 2), (7, 5), (7.1, 10),
            (0.0016, 0.002), (1, 1), (20, 20), (999, 1000), (2.5e6, 2e6),
        ]
        for (target, expected) in cases {
            let got = ScaleBar.niceLength(near: target)
            #expect(abs(got - expected) <= 1e-12 * expected, "target \(target): \(got)")
        }
    }

    @Test("length, pixels and label for several widths and calibrations")
    func scaleBars() {
        let cases: [(Int, Double, String, Double, Int, String)] = [
            // width, scale, unit → length (axis unit), pixels, label
            (512, 1, "nm", 100, 100, "100 nm"),
            (512, 2, "nm", 200, 100, "200 nm"),
            (1024, 1000.0 / 1024, "nm", 200, 205, "200 nm"),
            (256, 20, "nm", 1000, 50, "1 µm"),
            (300, 0.5, "µm", 20, 40, "20 µm"),
            (512, 0.001, "um", 0.1, 100, "100 nm"),
            (2048, 0.0025, "µm", 1, 400, "1 µm"),
            (100, 1, "px", 20, 20, "20 px"),
            (640, 0.05, "1/nm", 5, 100, "5 1/nm"),
            (4096, 3e-10, "m", 2e-7, 667, "200 nm"),
        ]
        for (width, scale, unit, length, pixels, label) in cases {
            let bar = ScaleBar(imageWidth: width, axis: AxisCalibration(name: "x", scale: scale, unit: unit))
            #expect(abs(bar.length - length) <= 1e-12 * length, "\(width) × \(scale) \(unit): \(bar.length)")
            #expect(bar.pixels == pixels, "\(width) × \(scale) \(unit): \(bar.pixels)")
            #expect(bar.label == label)
        }
        #expect(ScaleBar.label(length: 0.5, unit: "µm") == "500 nm")
        #expect(ScaleBar.label(length: 1000, unit: "nm") == "1 µm")
        #expect(ScaleBar.label(length: 0.05, unit: "1/nm") == "0.05 1/nm")
    }

    @Test("5×7 font: coverage, widths and pixels")
    func font() {
        for ch in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyzµμ.-+e %/()Å" {
            #expect(BitmapFont.glyph(for: ch)?.count == 7, "missing glyph \(ch)")
        }
        #expect(BitmapFont.width(of: "500 nm", scale: 2) == 70)
        #expect(BitmapFont.height(scale: 3) == 21)
        var image = NDArray<UInt8>(zeros: [16, 12, 3])
        BitmapFont.draw("1", into: &image, row: 1, col: 1, scale: 2, color: .white)
        // "1" row 0 is "..#..": font pixel (0, 2) covers image rows 1–2, cols 5–6.
        #expect(image[1, 5, 0] == 255 && image[2, 6, 2] == 255)
        #expect(image[1, 3, 0] == 0 && image[1, 7, 0] == 0)
        // Row 6 ".###." spans font cols 1–3 → image cols 3–8 on rows 13–14.
        #expect((3...8).allSatisfy { image[13, $0, 1] == 255 } && image[13, 2, 1] == 0 && image[13, 9, 1] == 0)
        var inked = 0
        image.withUnsafeBufferPointer { p in for v in p where v == 255 { inked += 1 } }
        #expect(inked == 10 * 4 * 3)   // "1" has 10 ink pixels, each 2×2, 3 channels
    }
}
