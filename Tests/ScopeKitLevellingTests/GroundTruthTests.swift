import Testing
import ScopeKitCore
@testable import ScopeKitLevelling

/// Synthetic scenes with a known background: the recovered background matches within the noise level.
@Suite struct GroundTruthTests {
    let scene = SyntheticScene()

    /// max |(data − levelled) − (background + c)| over background pixels, c fitted as the mean difference.
    func backgroundError(_ data: NDArray<Double>, _ levelled: NDArray<Double>, _ truth: NDArray<Double>,
                         _ flat: NDArray<Bool>) -> Double {
        let d = data.elements, l = levelled.elements, t = truth.elements, f = flat.elements
        var s = 0.0, n = 0
        for i in d.indices where f[i] { s += (d[i] - l[i]) - t[i]; n += 1 }
        let c = s / Double(n)
        var worst = 0.0
        for i in d.indices where f[i] { worst = max(worst, abs((d[i] - l[i]) - t[i] - c)) }
        return worst
    }

    @Test func leastSquaresTensorRecoversCrossTerms() throws {
        let (data, bg, flat) = scene.make(rowOffsets: false) { x, y in
            1 + 0.05 * x - 0.03 * y + 0.002 * x * y + 0.0004 * x * x - 0.0003 * y * y + 1e-5 * x * x * y * y
        }
        let out = try Levelling.plane(data, xOrder: 2, yOrder: 2, mask: Mask(including: flat))
        #expect(backgroundError(data, out, bg, flat) <= scene.noise)
        // NanoLocz's separable plane cannot represent the xy terms: its error is far above the noise
        let separable = try Levelling.plane(data, xOrder: 2, yOrder: 2, method: .nanoLocz, mask: Mask(including: flat))
        #expect(backgroundError(data, separable, bg, flat) > 10 * scene.noise)
        // total degree 2 lacks x²y², x²y, xy²: it misses the 1e-5·x²y² term
        let total = try Levelling.plane(data, xOrder: 2, yOrder: 2, method: .leastSquares(.totalDegree),
                                        mask: Mask(including: flat))
        #expect(backgroundError(data, total, bg, flat) > 5 * scene.noise)
    }

    @Test func totalDegreeRecoversQuadratic() throws {
        let (data, bg, flat) = scene.make(rowOffsets: false) { x, y in 3 - 0.02 * x + 0.04 * y + 0.001 * x * y - 0.0005 * x * x }
        let out = try Levelling.plane(data, xOrder: 2, yOrder: 2, method: .leastSquares(.totalDegree),
                                      mask: Mask(including: flat))
        #expect(backgroundError(data, out, bg, flat) <= scene.noise)
    }

    @Test func medianLineRemovesRowOffsets() throws {
        let (data, bg, flat) = scene.make { _, _ in 0 }
        let out = try Levelling.medianLine(data, mask: Mask(including: flat))
        #expect(backgroundError(data, out, bg, flat) <= 2 * scene.noise)
        let aligned = try Levelling.alignRows(data, method: .median, mask: Mask(including: flat))
        #expect(backgroundError(data, aligned, bg, flat) <= 2 * scene.noise)
        // Gwyddion keeps the image mean
        #expect(abs(try aligned.mean() - data.mean()) <= 1e-12)
    }

    @Test func medianOfDifferencesRecoversOffsetsUpToALine() throws {
        var s = scene
        s.noise = 0.01
        let (data, bg, _) = s.make { _, _ in 0 }
        let out = try Levelling.alignRows(data, method: .medianOfDifferences)
        // data − out = cumulated offsets with the linear trend removed: bg − (a + b·y) for some line
        let rows = s.rows, cols = s.cols
        let d = data.elements, o = out.elements, t = bg.elements
        var resid = [Double](repeating: 0, count: rows)
        for r in 0..<rows { resid[r] = (d[r * cols] - o[r * cols]) - t[r * cols] }
        // fit a line to resid, residual must be within noise
        let n = Double(rows), mx = (n - 1) / 2
        let my = resid.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0
        for r in 0..<rows { sxy += (Double(r) - mx) * (resid[r] - my); sxx += (Double(r) - mx) * (Double(r) - mx) }
        let slope = sxy / sxx
        let worst = (0..<rows).map { abs(resid[$0] - my - slope * (Double($0) - mx)) }.max()!
        #expect(worst <= 10 * s.noise)
        // the offsets removed are constant along each row
        for r in 0..<rows { #expect(abs((d[r * cols + 5] - o[r * cols + 5]) - (d[r * cols] - o[r * cols])) < 1e-12) }
    }

    @Test func rowPolynomialRemovesPerRowTilt() throws {
        var g = SeededGenerator(seed: 9)
        let rows = 16, cols = 40
        var data = [Double]()
        for _ in 0..<rows {
            let a = g.nextUniform(), b = g.nextUniform() - 0.5
            for c in 0..<cols { data.append(a + b * Double(c)) }
        }
        let img = NDArray(data, shape: [rows, cols])
        let out = try Levelling.alignRows(img, method: .polynomial(degree: 1))
        let mean = try img.mean()
        #expect(out.elements.allSatisfy { abs($0 - mean) < 1e-12 })
    }

    @Test func iterativePeaksRecoversBackground() throws {
        // Iterative Peaks excludes tall features only, so the scene has bumps and no pit
        let (data, bg, flat) = scene.make(pit: false) { x, y in 0.0004 * (x - 30) * (x - 30) - 0.02 * y + 0.0002 * y * y }
        for scope in StatisticsScope.allCases {
            let out = try Levelling.run(.iterativeFitPeaks, on: data, statistics: scope)
            #expect(backgroundError(data, out, bg, flat) <= 3 * scene.noise, "\(scope)")
        }
    }

    @Test func convergenceModeRecoversBackground() throws {
        let (data, bg, flat) = scene.make(rowOffsets: false) { x, y in 0.03 * x - 0.01 * y + 0.001 * x * y }
        let pipeline = LevellingPipeline(steps: [
            .plane(xOrder: 1, yOrder: 1, method: .leastSquares(.tensor)),
            .iterate(steps: [.mask(.gaussian(multiplier: 2.5, width: .sigma, keep: .band, scope: .perFrame, bins: 100)),
                             .plane(xOrder: 1, yOrder: 1, method: .leastSquares(.tensor))],
                     until: Convergence(maximumChangedPixels: 0, maximumIterations: 20)),
        ])
        let result = try pipeline.run(on: data, returnMask: true)
        #expect(backgroundError(data, result.levelled, bg, flat) <= scene.noise)
        // the converged mask excludes the features
        let m = result.mask!.values.elements, f = flat.elements
        #expect(zip(m, f).filter { $0 && !$1 }.count == 0)
    }
}
