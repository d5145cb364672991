import ComplexModule
import Foundation
import ScopeKitCore
import ScopeKitRender
import Testing

@Suite("Renderer")
struct RendererTests {
    @Test("min–max viridis render equals matplotlib Normalize + viridis, NaN black")
    func matplotlibPipeline() throws {
        let image = try Fixture.image()
        let expected = Fixture.ints(try Fixture.json("mappings.json")["viridisMinMaxRGB"])
        let rgb = try Renderer.render(image, options: RenderOptions(mapping: .minMax, colormap: .viridis))
        #expect(rgb.shape == [23, 31, 3])
        let mismatches = zip(rgb.elements, expected).filter { Int($0) != $1 }.count
        #expect(mismatches == 0)
        #expect(expected.contains { $0 != 0 })
        #expect(rgb[2, 3, 0] == 0 && rgb[2, 3, 1] == 0 && rgb[2, 3, 2] == 0)   // NaN pixel
    }

    @Test("curved mappings: the threshold table gives the same colours as the per-value levels",
          arguments: ["gamma", "log", "gammaThenLog"])
    func curvedRender(_ name: String) throws {
        let image = try Fixture.image()
        let mapping = IntensityMappingTests.cases.first { $0.0 == name }!.1
        let ref = (try Fixture.json("mappings.json")["cases"] as! [String: Any])[name] as! [String: Any]
        let v = Fixture.doubles(ref["v"])
        let levels = try mapping.levels(image)
        let rgb = try Renderer.render(image, options: RenderOptions(mapping: mapping, colormap: .gray))
        var checked = 0
        for i in 0..<image.count where !v[i].isNaN {
            if rgb[flat: 3 * i] != levels[flat: i] {
                #expect(abs(v[i] * 256 - (v[i] * 256).rounded()) < 1e-9, "pixel \(i)")
            } else {
                checked += 1
            }
        }
        #expect(checked >= image.count - 4)
        // A ramp through every level, including values on and next to the thresholds.
        let m = ResolvedIntensityMapping(low: -3, high: 5, curves: [.gamma(0.37), .log(50)])
        var ramp = (0..<4000).map { -3.5 + 9 * Double($0) / 3999 }
        for k in 1..<256 { let x = m.dataValue(atNormalized: Double(k) / 256); ramp += [x.nextDown, x, x.nextUp] }
        let rampArray = NDArray<Double>(ramp, shape: [1, ramp.count])
        let painted = Renderer.colorize(rampArray, mapping: m, colormap: .gray)
        // Differences only where the level steps within 1e-12 of the window of the value (rounding of f, f⁻¹).
        var differences = 0
        for (i, x) in ramp.enumerated() where Int(painted[0, i, 0]) != Colormap.level(of: m.normalize(x)) {
            let delta = 1e-12 * (m.high - m.low)
            #expect(Colormap.level(of: m.normalize(x - delta)) != Colormap.level(of: m.normalize(x + delta)), "x = \(x)")
            differences += 1
        }
        #expect(differences < 255)
    }

    @Test("the same bytes for any thread count")
    func threadCountInvariance() throws {
        var rng = SeededGenerator(seed: 3)
        let a = NDArray<Float>((0..<(97 * 203)).map { _ in Float.random(in: -5..<5, using: &rng) }, shape: [97, 203])
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        var results: [NDArray<UInt8>] = []
        for threads in [1, 2, 5] {
            Parallel.threadCount = threads
            let options = RenderOptions(mapping: IntensityMapping.percentile(1, 99).gamma(0.7), colormap: .inferno,
                                        colorBar: true)
            results.append(try Renderer.render(a, options: options))
        }
        #expect(results[0] == results[1] && results[0] == results[2])
        // And the image part equals the per-value levels through the inferno table.
        let levels = try IntensityMapping.percentile(1, 99).gamma(0.7).levels(a)
        var same = 0
        for r in 0..<97 { for c in 0..<203 where results[0][r, c, 1] == Colormap.inferno[Int(levels[r, c])].green { same += 1 } }
        #expect(same >= 97 * 203 - 3)
    }

    @Test("known pixels of a small gray render")
    func knownPixels() throws {
        let a = NDArray<Float>([0, 1, 2, 3], shape: [2, 2])
        let rgb = try Renderer.render(a)
        // Levels ⌊256 · v⌋ for v = 0, 1/3, 2/3, 1 → 0, 85, 170, 255.
        #expect(rgb.elements == [0, 0, 0, 85, 85, 85, 170, 170, 170, 255, 255, 255])
        let window = try Renderer.render(a, options: RenderOptions(mapping: .window(1, 2)))
        #expect(window.elements.enumerated().allSatisfy { i, v in v == [0, 0, 255, 255][i / 3] })
        let gamma = try Renderer.render(a, options: RenderOptions(mapping: IntensityMapping.minMax.gamma(2)))
        #expect(gamma[0, 1, 0] == UInt8(256.0 / 9) && gamma[1, 0, 0] == UInt8(256.0 * 4 / 9))
    }

    @Test("NaN colour: opaque gives RGB, transparent gives RGBA with alpha 0")
    func nanColour() throws {
        let a = NDArray<Double>([.nan, 1, 2, .nan], shape: [2, 2])
        let red = try Renderer.render(a, options: RenderOptions(nanColor: RGBAColor(255, 0, 0)))
        #expect(red.shape == [2, 2, 3] && Array(red.elements[0..<3]) == [255, 0, 0] && red[0, 1, 0] == 0)
        let clear = try Renderer.render(a, options: RenderOptions(colormap: .viridis, nanColor: .transparent))
        #expect(clear.shape == [2, 2, 4])
        #expect(clear[0, 0, 3] == 0 && clear[1, 1, 3] == 0 && clear[0, 1, 3] == 255 && clear[1, 0, 3] == 255)
        #expect(clear[1, 0, 0] == 253 && clear[1, 0, 1] == 231 && clear[1, 0, 2] == 37)
        // All-NaN and constant images render without trouble.
        let allNaN = try Renderer.render(NDArray<Float>(repeating: .nan, shape: [3, 3]))
        #expect(allNaN.elements.allSatisfy { $0 == 0 })
        let flat = try Renderer.render(NDArray<Float>(repeating: 5, shape: [3, 3]),
                                       options: RenderOptions(colormap: .viridis))
        #expect(flat.elements == Array([UInt8]([68, 1, 84]).repeated(9)))
    }

    @Test("frames of a stack, any dtype, complex modulus, bad shapes")
    func inputs() throws {
        let stack = NDArray<UInt16>((0..<24).map { UInt16($0) }, shape: [2, 3, 4])
        let second = try Renderer.render(AnyArray(stack), options: RenderOptions(frame: 1))
        #expect(second.shape == [3, 4, 3] && second[0, 0, 0] == 0 && second[2, 3, 0] == 255)
        #expect(second[0, 1, 0] == UInt8(256.0 / 11))
        let z = NDArray<Complex64>([Complex(3, 4), Complex(0, 0), Complex(0, 10), Complex(-6, 8)], shape: [2, 2])
        let modulus = try Renderer.render(AnyArray(z))
        #expect(modulus[0, 0, 0] == 128 && modulus[0, 1, 0] == 0 && modulus[1, 0, 0] == 255 && modulus[1, 1, 0] == 255)
        #expect(throws: ScopeKitError.self) { try Renderer.render(AnyArray(stack), options: RenderOptions(frame: 2)) }
        #expect(throws: ScopeKitError.self) { try Renderer.render(NDArray<Float>(zeros: [2, 2, 2, 2])) }
        let empty = #expect(throws: ScopeKitError.self) { try Renderer.render(NDArray<Float>(zeros: [0, 5])) }
        #expect(empty?.kind == .badInput)
    }

    @Test("colour bar: wider image, gradient from bottom to top, white panel, labels")
    func colorBar() throws {
        var a = NDArray<Float>((0..<(64 * 80)).map { Float($0 % 80) }, shape: [64, 80])
        a.calibration.intensity = IntensityCalibration(offset: 0, scale: 1, unit: "")
        let options = RenderOptions(colormap: .viridis, colorBar: true, fontScale: 1)
        let rgb = try Renderer.render(a, options: options)
        // Panel: 4 + 10 + 2 + 2 + labels ("79", "39.5", "0": widest 23) + 4 = 45.
        #expect(rgb.shape == [64, 80 + 45, 3])
        // The image part is unchanged.
        let plain = try Renderer.render(a, options: RenderOptions(colormap: .viridis))
        for r in [0, 31, 63] { for c in [0, 40, 79] { #expect(rgb[r, c, 1] == plain[r, c, 1]) } }
        // Bar column 80 + 4 + 5: top row (row 4) ≈ colour at 1, bottom row (row 59) ≈ colour at 0.
        let top = Colormap.viridis.color(at: (55.5) / 56), bottom = Colormap.viridis.color(at: 0.5 / 56)
        #expect(rgb[4, 89, 0] == top.red && rgb[4, 89, 1] == top.green && rgb[4, 89, 2] == top.blue)
        #expect(rgb[59, 89, 0] == bottom.red && rgb[59, 89, 1] == bottom.green && rgb[59, 89, 2] == bottom.blue)
        // Frame in black around the bar, background white beyond the labels.
        #expect(rgb[3, 89, 0] == 0 && rgb[60, 89, 0] == 0 && rgb[30, 83, 0] == 0 && rgb[30, 94, 0] == 0)
        #expect(rgb[1, 124, 0] == 255 && rgb[63, 81, 2] == 255)
        // Some ink in the label column next to each tick (top, middle, bottom).
        for rows in [0..<12, 28..<38, 52..<64] {
            var ink = 0
            for r in rows { for c in 98..<121 where rgb[r, c, 0] == 0 { ink += 1 } }
            #expect(ink > 5)
        }
    }

    @Test("tiny images with both bars keep their pixels and do not trap")
    func tinyImages() throws {
        for shape in [[1, 1], [3, 200], [40, 2]] {
            var a = NDArray<Float>((0..<(shape[0] * shape[1])).map(Float.init), shape: shape)
            a.calibration.axes[1] = AxisCalibration(name: "x", scale: 0.3, unit: "µm")
            let rgb = try Renderer.render(a, options: RenderOptions(colorBar: true, scaleBar: true))
            #expect(rgb.shape[0] == shape[0] && rgb.shape[1] > shape[1] && rgb.shape[2] == 3)
            // The first column of the colour-bar panel is background.
            #expect(rgb[0, shape[1], 0] == 255)
        }
    }

    @Test("scale bar: position, length and outline")
    func scaleBar() throws {
        var a = NDArray<Float>((0..<(128 * 256)).map { Float($0 % 7) }, shape: [128, 256])
        a.calibration.axes[1] = AxisCalibration(name: "x", scale: 2, unit: "nm")
        let rgb = try Renderer.render(a, options: RenderOptions(colormap: .magma, scaleBar: true, fontScale: 1))
        // Target 0.2 · 256 · 2 = 102.4 nm → 100 nm = 50 px; margin 4, thickness 2 → rows 122–123, cols 202–251.
        for c in 202..<252 { #expect(rgb[122, c, 0] == 255 && rgb[123, c, 1] == 255 && rgb[123, c, 2] == 255) }
        // Black outline one pixel around it.
        #expect(rgb[121, 210, 0] == 0 && rgb[124, 210, 0] == 0 && rgb[122, 201, 0] == 0 && rgb[122, 252, 0] == 0)
        // Label "100 nm" (35 px wide) centred above: rows 113–119, starting at col 202 + (50 − 35) / 2 = 209.
        var white = 0
        for r in 113..<120 { for c in 209..<244 where rgb[r, c, 0] == 255 && rgb[r, c, 1] == 255 { white += 1 } }
        #expect(white > 30)
        // Bottom-left variant.
        let left = try Renderer.render(a, options: RenderOptions(colormap: .magma, scaleBar: true,
                                                                 scaleBarPosition: .bottomLeft, fontScale: 1))
        for c in 4..<54 { #expect(left[122, c, 0] == 255) }
        #expect(left[122, 54, 0] == 0)
    }
}

extension Array {
    func repeated(_ n: Int) -> [Element] { (0..<n).flatMap { _ in self } }
}
