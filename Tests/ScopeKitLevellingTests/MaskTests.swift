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

    /// Grow/shrink (a clipped square) and min-region (8-connected) on word-packed rows equal a direct per-pixel
    /// reference on random masks across 64-pixel word boundaries and at the frame's edges.
    @Test func morphologyStepsMatchDirectReference() throws {
        var g = SeededGenerator(seed: 21)
        for (rows, cols) in [(1, 1), (5, 3), (17, 70), (33, 130)] {
            let img = image(rows, cols) { _, _ in g.nextUniform() }
            let keep = LevellingStep.mask(.range(low: nil, high: 0.8))   // ~20 % excluded, scattered
            let base = try LevellingPipeline(steps: [keep]).run(on: img, returnMask: true).mask!.values.elements
            func at(_ u: [Bool], _ r: Int, _ c: Int) -> Bool { u[r * cols + c] }
            for p in [1, 2, 3] {
                var grown = base, shrunk = base
                for r in 0..<rows {
                    for c in 0..<cols {
                        var all = true, any = false
                        for rr in max(0, r - p)...min(rows - 1, r + p) {
                            for cc in max(0, c - p)...min(cols - 1, c + p) {
                                all = all && at(base, rr, cc)
                                any = any || at(base, rr, cc)
                            }
                        }
                        grown[r * cols + c] = all
                        shrunk[r * cols + c] = any
                    }
                }
                let g1 = try LevellingPipeline(steps: [keep, .growExcluded(pixels: p)]).run(on: img, returnMask: true)
                let s1 = try LevellingPipeline(steps: [keep, .shrinkExcluded(pixels: p)]).run(on: img, returnMask: true)
                #expect(g1.mask!.values.elements == grown, "grow \(p) \(rows)×\(cols)")
                #expect(s1.mask!.values.elements == shrunk, "shrink \(p) \(rows)×\(cols)")
            }
            for minimum in [2, 3, 6] {
                var expected = base, seen = base
                for start in 0..<(rows * cols) where !seen[start] {
                    var stack = [start], region: [Int] = []
                    seen[start] = true
                    while let i = stack.popLast() {
                        region.append(i)
                        let r = i / cols, c = i % cols
                        for rr in max(0, r - 1)...min(rows - 1, r + 1) {
                            for cc in max(0, c - 1)...min(cols - 1, c + 1) where !seen[rr * cols + cc] {
                                seen[rr * cols + cc] = true
                                stack.append(rr * cols + cc)
                            }
                        }
                    }
                    if region.count < minimum { for i in region { expected[i] = true } }
                }
                let out = try LevellingPipeline(steps: [keep, .removeSmallExcludedRegions(minimumPixels: minimum)])
                    .run(on: img, returnMask: true)
                #expect(out.mask!.values.elements == expected, "min-region \(minimum) \(rows)×\(cols)")
            }
        }
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
