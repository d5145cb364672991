import Testing
import ScopeKitCore
@testable import ScopeKitLevelling

/// Parity with pnanolocz 0.1.0 (Scripts/fixtures/levelling.py): max |Δ| ≤ 1e-9 of the height range, float64.
@Suite struct NanoLoczParityTests {
    static let names = ["corpus", "synthetic"]
    let tolerance = 1e-9

    func check(_ f: LevellingFixture, _ key: String, _ result: NDArray<Double>) {
        let d = relativeDifference(result, f.double(key))
        #expect(d <= tolerance, "\(f.name) \(key): relative difference \(d)")
        // the reference really changed the data (so agreement is not trivial)
        #expect(relativeDifference(f.input, f.double(key)) > 1e-3, "\(f.name) \(key) is a no-op")
    }

    @Test(arguments: names) func plane(_ name: String) throws {
        let f = try LevellingFixture(name)
        check(f, "plane_1_1", try Levelling.plane(f.input, xOrder: 1, yOrder: 1, method: .nanoLocz))
        check(f, "plane_2_3", try Levelling.plane(f.input, xOrder: 2, yOrder: 3, method: .nanoLocz))
        check(f, "plane_0_0", try Levelling.plane(f.input, xOrder: 0, yOrder: 0, method: .nanoLocz))
        check(f, "plane_2_2_masked",
              try Levelling.plane(f.input, xOrder: 2, yOrder: 2, method: .nanoLocz, mask: f.mask("mask")))
    }

    @Test(arguments: names) func line(_ name: String) throws {
        let f = try LevellingFixture(name)
        check(f, "line_1_0", try Levelling.line(f.input, xOrder: 1, yOrder: 0))
        check(f, "line_3_0", try Levelling.line(f.input, xOrder: 3, yOrder: 0))
        check(f, "line_2_1_masked", try Levelling.line(f.input, xOrder: 2, yOrder: 1, compatibility: .pnanolocz,
                                                       mask: f.mask("mask")))
    }

    @Test(arguments: names) func medianLines(_ name: String) throws {
        let f = try LevellingFixture(name)
        check(f, "med_line", try Levelling.medianLine(f.input))
        check(f, "med_line_0.6", try Levelling.medianLine(f.input, strength: 0.6))
        check(f, "med_line_masked", try Levelling.medianLine(f.input, mask: f.mask("mask")))
        check(f, "med_line_y", try Levelling.medianLine(f.input, direction: .columns))
        check(f, "smed_line", try Levelling.smoothedMedianLine(f.input, compatibility: .pnanolocz))
        check(f, "mean_plane_masked", try Levelling.meanPlane(f.input, mask: f.mask("mask")))
    }

    @Test(arguments: names) func masks(_ name: String) throws {
        let f = try LevellingFixture(name)
        let levelled = f.double("levelled")
        check(f, "levelled", try LevellingRoutine.planeLine.pipeline().run(on: f.input).levelled)
        let kinds: [(String, GaussianKeep)] = [("gauss_fit", .band), ("gauss_holes", .aboveLower),
                                               ("gauss_peaks", .belowUpper)]
        for (key, keep) in kinds {
            let rule = MaskRule.gaussian(multiplier: 1.5, width: .nanoLocz, keep: keep, scope: .perFrame, bins: 100)
            let mask = try Levelling.mask(levelled, rule: rule)
            #expect(mask.values.elements == f.mask(key + "_mask").values.elements, "\(name) \(key)")
            #expect(mask.usedCount < mask.values.count && mask.usedCount > mask.values.count / 2, "\(name) \(key)")
            // the band itself (limits) agrees with scipy's curve_fit to its tolerance
            let limits = f.double(key + "_limits").elements
            let whole = try LevellingPipeline(steps: [.mask(.gaussian(multiplier: 1.5, width: .nanoLocz, keep: keep,
                                                                      scope: .wholeMovie, bins: 100))])
                .wholeMovieLimits(rule, levelled, frames: 1, frameSize: levelled.count)
            let range = try levelled.maximum()! - levelled.minimum()!
            if limits[0].isFinite { #expect(abs(whole.0 - limits[0]) <= 1e-6 * range, "\(name) \(key) low") }
            if limits[1].isFinite { #expect(abs(whole.1 - limits[1]) <= 1e-6 * range, "\(name) \(key) high") }
        }
        let otsu = try Levelling.mask(levelled, rule: .otsu(bins: 256, keepAbove: false))
        #expect(otsu.values.elements == f.mask("otsu_mask").values.elements, "\(name) otsu")
    }

    @Test(arguments: names) func routines(_ name: String) throws {
        let f = try LevellingFixture(name)
        // the multi-plane routines have their own fixtures (MultiPlaneParityTests)
        for routine in LevellingRoutine.allCases where ![.multiPlaneEdges, .multiPlaneOtsu].contains(routine) {
            let out = try Levelling.run(routine, on: f.input, compatibility: .pnanolocz)
            check(f, "routine_" + routine.rawValue, out)
        }
    }
}
