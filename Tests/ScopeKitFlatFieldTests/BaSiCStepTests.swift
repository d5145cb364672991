import Foundation
import ScopeKitCore
import Testing
@testable import ScopeKitFlatField

/// Single ADMM steps, shrinkage, resizing and segmentation against vectors dumped from BaSiCPy 1.2.0.
@Suite struct BaSiCStepTests {
    let steps: [String: Any]
    init() throws { steps = try BaSiCFixtures.json("steps.json") }

    @Test func shrinkageMatchesBaSiCPy() {
        let c = steps["shrink"] as! [String: Any]
        let t = Float((c["t"] as! NSNumber).doubleValue)
        let got = floats(c["x"]).map { shrink($0, t) }
        #expect(maxAbsDiff(got, floats(c["y"])) <= 1e-6)
    }

    /// The eight-lane radix selection of the per-pixel median equals a sort (negative values, ties, ±0, odd and
    /// even T, a last group of fewer than eight pixels).
    @Test func pixelMedianMatchesSort() {
        var seed: UInt64 = 7
        func next() -> Float {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int(seed >> 40) % 2001 - 1000) / 8   // many ties, negative and positive
        }
        for (t, rows, cols) in [(1, 3, 5), (2, 4, 4), (7, 5, 7), (200, 4, 6), (33, 2, 8)] {
            let stack = WorkingStack(frames: t, rows: rows, columns: cols)
            let n = rows * cols
            for i in 0..<(t * n) { stack.data.pointer[i] = i % 11 == 0 ? -0.0 : (i % 13 == 0 ? 0 : next()) }
            for workers in [1, 2] {
                let got = stack.pixelMedian(workers: workers)
                for x in 0..<n {
                    let c = (0..<t).map { stack.data.pointer[$0 * n + x] + 0 }.sorted()
                    let want = t % 2 == 1 ? Double(c[t / 2]) : (Double(c[t / 2 - 1]) + Double(c[t / 2])) / 2
                    #expect(got[x].bitPattern == want.bitPattern, "T \(t) pixel \(x)")
                }
            }
        }
    }

    /// A solver over the fixture's tiny stack with Y and I_R set, as BaSiCPy's `_step` receives them.
    func solver(mode: BaSiC.FittingMode, dark: Bool) -> (BaSiCSolver, BaSiCState, [Double]) {
        let inp = steps["inputs"] as! [String: Any]
        let shape = (inp["shape"] as! [Int])
        let (t, rows, cols) = (shape[0], shape[1], shape[2])
        let pr = inp["params"] as! [String: Double]
        let stack = WorkingStack(frames: t, rows: rows, columns: cols)
        let im = floats(inp["Im"])
        for i in im.indices { stack.data.pointer[i] = im[i] }
        var p = BaSiC.Parameters()
        p.fittingMode = mode
        p.getDarkfield = dark
        p.maxIterations = 1
        p.maxWorkers = 1
        let s = BaSiCSolver(stack: stack, parameters: p)
        s.lambdaFlat = pr["smoothness_flatfield"]!
        s.lambdaDark = pr["smoothness_darkfield"]!
        s.lambdaSparse = pr["sparse_cost_darkfield"]!
        s.imageNorm = pr["image_norm"]!
        s.darkfieldMax = pr["D_Z_max"]!
        s.maxMu = 1e30
        for (buffer, key) in [(s.weights, "W"), (s.multiplier, "Y"), (s.residual, "I_R")] {
            let v = floats(inp[key])
            for i in v.indices { buffer.pointer[i] = v[i] }
        }
        let st = BaSiCState(flat: doubles(inp["S"]), darkResidual: doubles(inp["D_R"]),
                            darkOffset: (inp["D_Z"] as! NSNumber).doubleValue, baseline: doubles(inp["B"]))
        return (s, st, doubles(inp["W_D"]))
    }

    func buffer(_ b: FloatBuffer) -> [Float] { Array(UnsafeBufferPointer(start: b.pointer, count: b.count)) }

    @Test(arguments: [false, true])
    func oneLadmapStep(dark: Bool) throws {
        let ref = steps["ladmap_step_dark\(dark ? 1 : 0)"] as! [String: Any]
        var (s, st, wd) = solver(mode: .ladmap, dark: dark)
        let mu = (ref["mu"] as! NSNumber).doubleValue
        let (k, _, score) = try s.ladmap(&st, darkWeights: wd, resumeAt: mu)
        #expect(k == 1)
        let scale = floats(ref["S"]).map { abs($0) }.max()!
        #expect(maxAbsDiff(st.flat.map { Float($0) }, floats(ref["S"])) <= 2e-5 * scale)
        #expect(maxAbsDiff(st.baseline.map { Float($0) }, floats(ref["B"])) <= 1e-5)
        #expect(maxAbsDiff(buffer(s.residual), floats(ref["I_R"])) <= 2e-3)
        #expect(maxAbsDiff(buffer(s.multiplier), floats(ref["Y"])) <= 1e-6)
        #expect(maxAbsDiff(st.darkResidual.map { Float($0) }, floats(ref["D_R"])) <= 2e-3)
        #expect(abs(st.darkOffset - (ref["D_Z"] as! NSNumber).doubleValue) <= 2e-3)
        let resNorm = (ref["residual_norm"] as! NSNumber).doubleValue
        #expect(abs(score * s.imageNorm - resNorm) <= 1e-3 * max(resNorm, 1))
        let vd = (ref["value_diff"] as! NSNumber).doubleValue
        #expect(abs(s.lastValueDiff - vd) <= 1e-4 * vd)
        #expect(abs(s.lastMu - (ref["mu_next"] as! NSNumber).doubleValue) <= 1e-6 * mu)
    }

    @Test(arguments: [false, true])
    func oneApproximateStep(dark: Bool) throws {
        let ref = steps["approximate_step_dark\(dark ? 1 : 0)"] as! [String: Any]
        var (s, st, _) = solver(mode: .approximate, dark: dark)
        let mu = (ref["mu"] as! NSNumber).doubleValue
        let (k, _, score) = try s.approximate(&st, resumeAt: mu)
        #expect(k == 1)
        let scale = floats(ref["S"]).map { abs($0) }.max()!
        #expect(maxAbsDiff(st.flat.map { Float($0) }, floats(ref["S"])) <= 2e-5 * scale)
        #expect(maxAbsDiff(st.baseline.map { Float($0) }, floats(ref["B"])) <= 1e-5)
        #expect(maxAbsDiff(buffer(s.residual), floats(ref["I_R"])) <= 2e-3)
        #expect(maxAbsDiff(buffer(s.multiplier), floats(ref["Y"])) <= 1e-5)
        #expect(maxAbsDiff(st.darkResidual.map { Float($0) }, floats(ref["D_R"])) <= 2e-3)
        #expect(abs(st.darkOffset - (ref["D_Z"] as! NSNumber).doubleValue) <= 2e-3)
        let resNorm = (ref["residual_norm"] as! NSNumber).doubleValue
        #expect(abs(score * s.imageNorm - resNorm) <= 1e-3 * max(resNorm, 1))
    }

    @Test(arguments: BaSiC.FittingMode.allCases)
    func oneBaselineStep(mode: BaSiC.FittingMode) {
        let ref = steps["\(mode.rawValue)_baseline_step"] as! [String: Any]
        let (s, st, _) = solver(mode: mode, dark: false)
        let inp = steps["inputs"] as! [String: Any]
        s.initialMu = (inp["mu"] as! NSNumber).doubleValue
        // fit_baseline starts from Y = 0 in BaSiCPy; the fixture's step starts from the stored Y and I_R, so
        // run the step on copies through the same kernel by resuming: reproduce by hand.
        var baseline = st.baseline
        let dark = (0..<st.flat.count).map { st.darkResidual[$0] + st.darkOffset }
        // Reload Y and I_R (fitBaseline zeroes them), then run exactly one iteration via a resume path.
        let (k, score) = s.fitBaselineStep(flat: st.flat, dark: dark, baseline: &baseline,
                                           multiplier: floats(inp["Y"]), residual: floats(inp["I_R"]))
        #expect(k == 1)
        #expect(maxAbsDiff(baseline.map { Float($0) }, floats(ref["B"])) <= 1e-6 * max(1, floats(ref["B"]).map(abs).max()!))
        #expect(maxAbsDiff(buffer(s.residual), floats(ref["I_R"])) <= 2e-3)
        #expect(maxAbsDiff(buffer(s.multiplier), floats(ref["Y"])) <= 1e-6)
        let resNorm = (ref["residual_norm"] as! NSNumber).doubleValue
        #expect(abs(score * s.imageNorm - resNorm) <= 1e-3 * max(resNorm, 1))
    }

    @Test func downsamplingMatchesJaxResize() {
        let c = steps["resize"] as! [String: Any]
        let shape = c["shape"] as! [Int]
        let down = c["down_shape"] as! [Int]
        let input = floats(c["input"])
        let plan = Resampler2D.toWorkingSize(from: (shape[1], shape[2]), to: (down[0], down[1]))
        var out = [Float](repeating: 0, count: shape[0] * down[0] * down[1])
        var scratch = [Float](repeating: 0, count: shape[1] * down[1])
        input.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                scratch.withUnsafeMutableBufferPointer { sc in
                    for f in 0..<shape[0] {
                        plan.apply(src.baseAddress! + f * shape[1] * shape[2],
                                   into: dst.baseAddress! + f * down[0] * down[1], scratch: sc.baseAddress!)
                    }
                }
            }
        }
        #expect(maxAbsDiff(out, floats(c["down"])) <= 1e-4)
    }

    @Test func upsamplingMatchesSkimageResize() {
        let c = steps["resize"] as! [String: Any]
        let shape = c["shape"] as! [Int]
        let up = c["up_shape"] as! [Int]
        let first = floats(c["input"]).prefix(shape[1] * shape[2]).map(Double.init)
        let got = BaSiC.resizeProfile(Array(first), from: (shape[1], shape[2]), to: (up[0], up[1]))
        #expect(maxAbsDiff(got, floats(c["up"])) <= 1e-4)
    }

    @Test func autosegmentMaskMatchesBaSiCPy() throws {
        let c = steps["autosegment"] as! [String: Any]
        let shape = c["shape"] as! [Int]
        let stack = WorkingStack(frames: shape[0], rows: shape[1], columns: shape[2])
        let v = floats(c["input"])
        for i in v.indices { stack.data.pointer[i] = v[i] }
        let mask = try stack.autosegmentMask(margin: c["margin"] as! Int)
        let ref = (c["mask"] as! [Int]).map { $0 != 0 }
        #expect(mask == ref)
        #expect(ref.contains(true) && ref.contains(false))
    }
}
