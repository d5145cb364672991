import Testing
import ScopeKitCore
@testable import ScopeKitLevelling

@Suite struct MaskTests {
    func image(_ rows: Int, _ cols: Int, _ value: (Int, Int) -> Double) -> NDArray<Double> {
        var v = [Double]()
        for r in 0..<rows { for c in 0..<cols { v.append(value(r, c)) } }
        return NDArray(v, shape: [rows, cols])
    }

    func excludedCount(_ steps: [LevellingStep], _ img: NDArray<Double>) throws -> Int {
        let m = try LevellingPipeline(steps: steps).run(on: img, returnMask: true).mask!
        return m.values.count - m.usedCount
    }

    @Test func growShrinkAndSmallRegions() throws {
        let img = image(9, 9) { r, c in (r == 4 && c == 4) ? 10 : 0 }
        let high = LevellingStep.mask(.range(low: nil, high: 0.5))
        #expect(try excludedCount([high], img) == 1)
        #expect(try excludedCount([high, .growExcluded(pixels: 1)], img) == 9)
        #expect(try excludedCount([high, .growExcluded(pixels: 2)], img) == 25)
        #expect(try excludedCount([high, .growExcluded(pixels: 2), .shrinkExcluded(pixels: 1)], img) == 9)
        #expect(try excludedCount([high, .removeSmallExcludedRegions(minimumPixels: 2)], img) == 0)
        #expect(try excludedCount([high, .growExcluded(pixels: 1), .removeSmallExcludedRegions(minimumPixels: 9)], img) == 9)
        #expect(try excludedCount([high, .invertMask], img) == 80)
        #expect(try excludedCount([high, .clearMask], img) == 0)
    }

    @Test func otsuTwoLevelKeepsMiddleClass() throws {
        // plateaus 0 (and 0.48), 4.3, 10: each value lies below its 256-bin centre (thresholds are bin centres)
        let img = image(30, 30) { r, c in c < 10 ? (r < 5 ? 0.48 : 0) : (c < 20 ? 4.3 : 10) }
        let m = try Levelling.mask(img, rule: .otsuTwoLevel(bins: 256))
        let expected = (0..<900).map { ($0 % 30) / 10 == 1 }
        #expect(m.values.elements == expected)
        let below = try Levelling.mask(img, rule: .otsu(bins: 256, keepAbove: false))
        #expect(below.usedCount == 600)
    }

    @Test func gaussianWidthUnits() throws {
        var g = SeededGenerator(seed: 5)
        let img = image(200, 200) { _, _ in g.nextGaussian() }
        let oneSigma = try Levelling.mask(img, rule: .gaussian(multiplier: 1, width: .sigma, keep: .band,
                                                               scope: .perFrame, bins: 100))
        let fraction = Double(oneSigma.usedCount) / 40000
        #expect(abs(fraction - 0.6827) < 0.02)
        // NanoLocz "1.5σ" = 1.5·c1 = 1.5·√2 σ = 2.12σ: 96.6 % of a Gaussian
        let nano = try Levelling.mask(img, rule: .gaussian(multiplier: 1.5, width: .nanoLocz, keep: .band,
                                                           scope: .perFrame, bins: 100))
        #expect(abs(Double(nano.usedCount) / 40000 - 0.966) < 0.01)
        let sigma212 = try Levelling.mask(img, rule: .gaussian(multiplier: 1.5 * 2.0.squareRoot(), width: .sigma,
                                                               keep: .band, scope: .perFrame, bins: 100))
        #expect(sigma212 == nano)
    }

    @Test func outliersAndRange() throws {
        let img = image(10, 10) { r, c in (r == 0 && c == 0) ? 100 : Double((r + c) % 2) }
        #expect(try Levelling.mask(img, rule: .outliers(k: 3)).usedCount == 99)
        #expect(try Levelling.mask(img, rule: .range(low: 0.5, high: nil)).usedCount == 51)
    }
}
