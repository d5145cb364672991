import Foundation
import ScopeKitCore
@testable import ScopeKitRender
import Testing

@Suite("Intensity mappings")
struct IntensityMappingTests {
    /// The mapping of each fixture case (see Scripts/fixtures/render.py).
    static let cases: [(String, IntensityMapping)] = [
        ("minMax", .minMax),
        ("percentile", .percentile(0.5, 99.5)),
        ("window", .window(6, 13.5)),
        ("gamma", IntensityMapping.percentile(0.5, 99.5).gamma(0.5)),
        ("log", IntensityMapping.minMax.log(1000)),
        ("gammaThenLog", IntensityMapping.window(6, 13.5).gamma(2.2).log(10)),
    ]

    @Test("windows, curves and levels match numpy", arguments: cases.map(\.0))
    func matchesNumpy(_ name: String) throws {
        let mapping = Self.cases.first { $0.0 == name }!.1
        let image = try Fixture.image()
        let fixture = try Fixture.json("mappings.json")
        let ref = (fixture["cases"] as! [String: Any])[name] as! [String: Any]
        let resolved = try mapping.resolved(for: image)
        let low = (ref["low"] as! NSNumber).doubleValue, high = (ref["high"] as! NSNumber).doubleValue
        #expect(abs(resolved.low - low) <= 1e-12 * max(1, abs(low)))
        #expect(abs(resolved.high - high) <= 1e-12 * max(1, abs(high)))
        try checkValues(image, mapping: mapping, resolved: resolved, ref: ref)
    }

    @Test("a window symmetric around 0 matches numpy for a difference image")
    func symmetric() throws {
        let difference = try Fixture.image().map { $0 - 10 }
        let mapping = IntensityMapping.symmetric(percentile: 99)
        let ref = (try Fixture.json("mappings.json")["cases"] as! [String: Any])["symmetric"] as! [String: Any]
        let resolved = try mapping.resolved(for: difference)
        #expect(abs(resolved.high - (ref["high"] as! NSNumber).doubleValue) < 1e-6)
        #expect(resolved.low == -resolved.high)
        // The fixture maps x − 10 in float64, the test maps float32(x − 10): compare values loosely.
        let v = Fixture.doubles(ref["v"])
        let mine = try mapping.normalized(difference)
        for i in 0..<v.count {
            if v[i].isNaN { #expect(mine[flat: i].isNaN) } else { #expect(abs(Double(mine[flat: i]) - v[i]) < 1e-5) }
        }
    }

    func checkValues(_ image: NDArray<Float>, mapping: IntensityMapping, resolved: ResolvedIntensityMapping,
                     ref: [String: Any]) throws {
        let v = Fixture.doubles(ref["v"])
        let levels = Fixture.ints(ref["levels"])
        let normalized = try mapping.normalized(image)
        let mine = try mapping.levels(image)
        for i in 0..<image.count {
            let x = Double(image[flat: i])
            if v[i].isNaN {
                #expect(resolved.normalize(x).isNaN)
                #expect(normalized[flat: i].isNaN)
                #expect(mine[flat: i] == 0)
                continue
            }
            #expect(abs(resolved.normalize(x) - v[i]) <= 1e-12)
            #expect(abs(Double(normalized[flat: i]) - v[i]) <= 1e-6)
            // Levels agree except where numpy's value sits within rounding of a bin edge.
            if Int(mine[flat: i]) != levels[i] {
                let edge = (v[i] * 256).rounded()
                #expect(abs(v[i] * 256 - edge) < 1e-9, "level \(mine[flat: i]) vs \(levels[i]) at \(i)")
            }
        }
    }

    @Test("percentiles by selection match numpy.percentile (linear) with ties")
    func percentiles() throws {
        let fixture = try Fixture.json("percentiles.json")
        let values = Fixture.doubles(fixture["values"])
        let ps = Fixture.doubles(fixture["percentiles"])
        let expected = Fixture.doubles(fixture["expected"])
        let got = Quantiles.percentiles(of: NDArray<Double>(values, shape: [values.count]), ps)!
        for (g, e) in zip(got, expected) { #expect(abs(g - e) <= 1e-12 * max(1, abs(e)), "\(g) vs \(e)") }
        // The histogram selection on the array itself.
        let int16 = NDArray<Int16>(Fixture.doubles(fixture["values"]).map { Int16($0) }, shape: [1001])
        let direct = Quantiles.percentiles(of: int16, ps)!
        for (g, e) in zip(direct, expected) { #expect(abs(g - e) <= 1e-12 * max(1, abs(e)), "\(g) vs \(e)") }
        // The same through the public window on an int16 array.
        let array = NDArray<Int16>(Fixture.doubles(fixture["values"]).map { Int16($0) }, shape: [7, 143])
        let (low, high) = try IntensityWindow.percentile(low: 0.5, high: 99.5).resolve(array)
        #expect(abs(low - expected[1]) < 1e-12 && abs(high - expected[8]) < 1e-12)
    }

    @Test("selection handles sorted, reversed and constant inputs")
    func selectionPathological() {
        let ramp: [Double] = (0..<1000).map { Double($0) }
        let inputs: [[Double]] = [ramp, Array(ramp.reversed()), [Double](repeating: 3, count: 999),
                                  ramp.map { $0.truncatingRemainder(dividingBy: 2) }]
        for input in inputs {
            let sorted = input.sorted()
            for q: Double in [0, 10, 50, 99.9, 100] {
                let r: Double = q / 100 * Double(sorted.count - 1)
                let k = Int(r.rounded(.down))
                let t: Double = r - Double(k)
                let expected: Double = t == 0 ? sorted[k] : sorted[k] + (sorted[k + 1] - sorted[k]) * t
                #expect(abs(Quantiles.percentiles(of: NDArray(input, shape: [input.count]), [q])![0] - expected) < 1e-9)
            }
        }
    }

    @Test("the window percentiles equal sorting the finite values: skewed data, outliers, ties, NaN and ±∞")
    func histogramSelection() {
        var rng = SeededGenerator(seed: 11)
        var values = (0..<20000).map { _ in Double.random(in: 0..<1, using: &rng) }
        values = values.map { $0 * $0 * $0 * $0 }          // most values near 0
        values[17] = 1e12                                   // an outlier that squeezes the rest into bin 0
        values[18] = -5
        for i in stride(from: 100, to: 20000, by: 3) { values[i] = 0.25 }   // a third of the values tie
        var withNonFinite = values
        withNonFinite[5] = .nan
        withNonFinite[6] = .infinity
        withNonFinite[7] = -.infinity
        let array = NDArray<Double>(withNonFinite, shape: [100, 200])
        var finite = values
        finite.remove(at: 7)
        finite.remove(at: 6)
        finite.remove(at: 5)
        let sorted = finite.sorted()
        let ps: [Double] = [0, 0.5, 1, 33.3, 50, 66.7, 99, 99.5, 99.99, 100]
        let got = Quantiles.percentiles(of: array, ps)!
        for (p, g) in zip(ps, got) {
            let r = p / 100 * Double(sorted.count - 1)
            let k = Int(r.rounded(.down))
            let t = r - Double(k)
            let d = sorted[k + (t > 0 ? 1 : 0)] - sorted[k]   // numpy's _lerp
            let expected = t > 0 ? (t >= 0.5 ? sorted[k + 1] - d * (1 - t) : sorted[k] + d * t) : sorted[k]
            #expect(g == expected, "p = \(p)")
        }
        // |x| transform and the degenerate cases.
        let absolute = Quantiles.percentiles(of: NDArray<Float>([-4, 1, 2, -3, .infinity], shape: [5]), [100, 0],
                                             magnitude: true)!
        #expect(absolute == [4, 1])
        #expect(Quantiles.percentiles(of: NDArray<Int16>([-300, 1, 2], shape: [3]), [100], magnitude: true) == [300])
        #expect(Quantiles.percentiles(of: NDArray<Float>([-.infinity, 5, .infinity], shape: [3]), [0, 100]) == [5, 5])
        #expect(Quantiles.percentiles(of: NDArray<Float>([.nan, .nan], shape: [2]), [50]) == nil)
        #expect(Quantiles.percentiles(of: NDArray<Float>([2, 2, 2], shape: [3]), [10, 90]) == [2, 2])
    }

    @Test("gamma and log curves follow their formulas, and invert")
    func curves() throws {
        let m = ResolvedIntensityMapping(low: 0, high: 10, curves: [.gamma(2)])
        #expect(m.normalize(5) == 0.25)
        #expect(m.normalize(-3) == 0 && m.normalize(12) == 1)
        #expect(abs(m.dataValue(atNormalized: 0.25) - 5) < 1e-12)
        let l = ResolvedIntensityMapping(low: 0, high: 10, curves: [.log(1000)])
        #expect(abs(l.normalize(5) - Foundation.log1p(500) / Foundation.log1p(1000)) < 1e-15)
        #expect(abs(l.dataValue(atNormalized: l.normalize(2.5)) - 2.5) < 1e-12)
        let both = ResolvedIntensityMapping(low: 2, high: 4, curves: [.gamma(0.5), .log(9)])
        #expect(abs(both.normalize(3) - Foundation.log1p(9 * 0.5.squareRoot()) / Foundation.log1p(9)) < 1e-15)
        #expect(abs(both.dataValue(atNormalized: both.normalize(3.3)) - 3.3) < 1e-12)
    }

    @Test("a constant image maps to 0 without dividing by zero")
    func constantImage() throws {
        let flat = NDArray<Float>(repeating: 7, shape: [4, 5])
        for mapping in [IntensityMapping.minMax, .percentile(1, 99), IntensityMapping.minMax.gamma(0.5).log(100)] {
            let v = try mapping.normalized(flat)
            #expect(v.elements.allSatisfy { $0 == 0 })
        }
        // An all-zero difference image sits at the middle of a symmetric window.
        let zero = NDArray<Float>(zeros: [3, 3])
        let resolved = try IntensityMapping.symmetric().resolved(for: zero)
        #expect(resolved.low == -1 && resolved.high == 1 && resolved.normalize(0) == 0.5)
        // Infinities in an otherwise constant image still go to the ends.
        var withInf = flat
        withInf[0, 0] = .infinity
        withInf[0, 1] = -.infinity
        let levels = try IntensityMapping.minMax.levels(withInf)
        #expect(levels[0, 0] == 255 && levels[0, 1] == 0 && levels[1, 1] == 0)
    }

    @Test("NaN and infinities: NaN stays NaN, ±∞ clip, windows ignore non-finite values")
    func nonFinite() throws {
        let a = NDArray<Double>([0, 1, 2, 3, .nan, .infinity, -.infinity, 4], shape: [2, 4])
        let r = try IntensityMapping.minMax.resolved(for: a)
        #expect(r.low == 0 && r.high == 4)
        let v = try IntensityMapping.minMax.normalized(a).elements
        #expect(v[1] == 0.25 && v[4].isNaN && v[5] == 1 && v[6] == 0)
        let allNaN = NDArray<Float>(repeating: .nan, shape: [2, 2])
        #expect(try IntensityMapping.percentile().normalized(allNaN).elements.allSatisfy(\.isNaN))
    }

    @Test("any dtype and frames of a stack")
    func anyArrayAndFrames() throws {
        let values: [UInt16] = (0..<60).map { UInt16($0 * 1000 % 7919) }
        let stack = NDArray<UInt16>(values, shape: [3, 4, 5])
        for f in 0..<3 {
            let frame = stack.frame(f).map { Float($0) }
            let expected = try IntensityMapping.minMax.levels(frame)
            #expect(try IntensityMapping.minMax.levels(AnyArray(stack), frame: f) == expected)
            #expect(try IntensityMapping.minMax.normalized(AnyArray(stack), frame: f)
                    == IntensityMapping.minMax.normalized(frame))
        }
        // A known level: frame 0 holds 0, 1000, …; 1000 / max · 256 floored.
        let f0 = stack.frame(0).elements.map(Double.init)
        let lv = try IntensityMapping.minMax.levels(AnyArray(stack), frame: 0)
        #expect(Int(lv[0, 1]) == Int(1000 / f0.max()! * 256))
        #expect(throws: ScopeKitError.self) { try IntensityMapping.minMax.levels(AnyArray(stack), frame: 3) }
        #expect(throws: ScopeKitError.self) {
            try IntensityMapping.minMax.levels(AnyArray(NDArray<Float>(zeros: [4])), frame: 0)
        }
    }

    @Test("invalid parameters throw usage errors")
    func validation() {
        let image = NDArray<Float>(zeros: [2, 2])
        for bad in [IntensityMapping.percentile(50, 10), .percentile(-1, 50), .window(1, 1), .window(0, .nan),
                    .symmetric(percentile: 0), IntensityMapping.minMax.gamma(0), IntensityMapping.minMax.log(-1)] {
            let error = #expect(throws: ScopeKitError.self) { try bad.normalized(image) }
            #expect(error?.kind == .usage)
        }
    }
}

/// A deterministic generator (SplitMix64) for test data.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
