import ScopeKitCore
import ScopeKitFlatFieldKernels

extension BaSiCSolver {
    /// How the residual weights are recomputed after a round.
    enum WeightRule {
        /// LADMAP `calc_weights`: 1 / (|I_R / (I_B + ε)| + ε).
        case ladmap
        /// Approximate `calc_weights`: 1 / (|I_R / (mean_x I_B,n + 1e-6)| + ε).
        case approximate
        /// Approximate `calc_weights_baseline`: 1 / (|mean_x I_B,n / (I_R + 1e-6)| + ε).
        case approximateBaseline
    }

    /// W = rule(I_B, I_R) / mean(W) · Ws with I_B = B_n S + D (`fitWeights` nil = Ws of ones).
    ///
    /// After a fused LADMAP solve that left its carry (``defersFusedFinish``), I_R = v − clamp(v, ±W·τ) is derived
    /// from v in the residual buffer and the weights it used, as ``finishFusedLadmap()`` would write it, and
    /// nothing is written back: the residual buffer is stale afterwards (the next solve starts from I_R = 0).
    ///
    /// - Complexity: O(T·P), two passes over W (one read of I_R or v).
    func updateWeights(rule: WeightRule, flat: [Double], dark: [Double], baseline: [Double],
                       fitWeights: FloatBuffer?) {
        let t = frames, n = pixels
        let carry = fusedCarry
        fusedCarry = nil
        let fromV = carry != nil, usedUniform = uniformWeights, th = carry?.threshold ?? 0
        uniformWeights = false
        let eps = Float(parameters.epsilon)
        let sF = flat.map { Float($0) }, dF = dark.map { Float($0) }
        let meanS = flat.reduce(0, +) / Double(n), meanD = dark.reduce(0, +) / Double(n)
        let frameMean = baseline.map { Float($0 * meanS + meanD) }
        let bF = baseline.map { Float($0) }
        let wp = UncheckedSendable(weights.pointer)
        let rp = UncheckedSendable(residual.pointer)
        sF.withUnsafeBufferPointer { sfb in
        dF.withUnsafeBufferPointer { dfb in
        blockPartials.withUnsafeMutableBufferPointer { bp in
            let bpp = UncheckedSendable(bp.baseAddress!)
            let sfp = UncheckedSendable(sfb.baseAddress!), dfp = UncheckedSendable(dfb.baseAddress!)
            blocks.run { b in
                let r = blocks.range(b)
                var total = 0.0
                for f in 0..<t {
                    let o = f * n
                    var s: Float = 0
                    var x0 = r.lowerBound
                    if rule == .ladmap {
                        // Eight weights at a time (correctly rounded divisions: the same bits as one at a time),
                        // added to the sum one by one in pixel order.
                        let b8 = SIMD8<Float>(repeating: bF[f]), eps8 = SIMD8<Float>(repeating: eps)
                        let th8 = SIMD8<Float>(repeating: th), one8 = SIMD8<Float>(repeating: 1)
                        let sp = sfp.value, dp = dfp.value
                        while x0 + 8 <= r.upperBound {
                            var ir = SIMD8<Float>(unaligned: rp.value + o + x0)
                            if fromV {
                                ir = ir - clamp8(ir, usedUniform ? th8 : SIMD8<Float>(unaligned: wp.value + o + x0) * th8)
                            }
                            let den = b8 * SIMD8<Float>(unaligned: sp + x0) + SIMD8<Float>(unaligned: dp + x0) + eps8
                            let q = ir / den
                            let w = one8 / (unsafeBitCast(unsafeBitCast(q, to: SIMD8<UInt32>.self) & 0x7fff_ffff,
                                                                  to: SIMD8<Float>.self) + eps8)
                            storeUnaligned(w, wp.value + o + x0)
                            for i in 0..<8 { s += w[i] }
                            x0 += 8
                        }
                    }
                    for x in x0..<r.upperBound {
                        let ir: Float
                        if fromV {
                            let v = rp.value[o + x]
                            ir = v - clamp1(v, usedUniform ? th : wp.value[o + x] * th)
                        } else {
                            ir = rp.value[o + x]
                        }
                        let w: Float
                        switch rule {
                        case .ladmap: w = 1 / (abs(ir / (bF[f] * sF[x] + dF[x] + eps)) + eps)
                        case .approximate: w = 1 / (abs(ir / (frameMean[f] + 1e-6)) + eps)
                        case .approximateBaseline: w = 1 / (abs(frameMean[f] / (ir + 1e-6)) + eps)
                        }
                        wp.value[o + x] = w
                        s += w
                    }
                    total += Double(s)
                }
                bpp.value[b * 4 + 3] = total
            }
        } } }
        let scale = Float(Double(t * n) / blockSum(slot: 3))
        let ws = UncheckedSendable(fitWeights?.pointer)
        blocks.run { b in
            for f in 0..<t {
                let o = f * n
                if let m = ws.value {
                    for x in blocks.range(b) { wp.value[o + x] = wp.value[o + x] * scale * m[o + x] }
                } else {
                    for x in blocks.range(b) { wp.value[o + x] *= scale }
                }
            }
        }
    }

    /// BaSiCPy 1.2.0 `fit_baseline`: with S and D fixed, re-estimates B (and I_R) from Y = 0, μ = init_mu,
    /// starting from the given B, until the inner tolerances or `max_iterations`. Returns (iterations, score).
    func fitBaseline(flat: [Double], dark: [Double], baseline: inout [Double], iterations: Int? = nil)
        -> (Int, Double) {
        let p = parameters
        let t = frames, n = pixels
        let ladmap = p.fittingMode == .ladmap
        let maxIterations = iterations ?? p.maxIterations
        if let (y, r) = resumeBuffers {
            for i in 0..<multiplier.count { multiplier.pointer[i] = y[i]; residual.pointer[i] = r[i] }
        } else {
            multiplier.fill(0)
            residual.fill(0)
        }
        var mu = initialMu
        var k = 0
        var score = Double.infinity
        let sF = flat.map { Float($0) }, dF = dark.map { Float($0) }
        let flatSq = flat.reduce(0) { $0 + $1 * $1 }
        var flatDark = 0.0
        for x in 0..<n { flatDark += flat[x] * Double(dF[x]) }
        let meanD = dark.reduce(0, +) / Double(n)
        let im = UncheckedSendable(stack.data.pointer)
        let wp = UncheckedSendable(weights.pointer)
        let yp = UncheckedSendable(multiplier.pointer)
        let rp = UncheckedSendable(residual.pointer)
        while true {
            let invMu = Float(1 / mu), muF = Float(mu)
            let threshold = ladmap ? Float(1 / (mu * Double(t))) : invMu
            let bF = baseline.map { Float($0) }
            framePartials.withUnsafeMutableBufferPointer { fp in
                blockPartials.withUnsafeMutableBufferPointer { bp in
                    let fpp = UncheckedSendable(fp.baseAddress!), bpp = UncheckedSendable(bp.baseAddress!)
                    blocks.run { b in
                        let r = blocks.range(b)
                        var dIR2 = 0.0, total = 0.0
                        for f in 0..<t {
                            let o = f * n
                            let bf = bF[f]
                            var fs: Float = 0, d2: Float = 0, r2: Float = 0
                            for x in r {
                                let ib = bf * sF[x] + dF[x]
                                let y = yp.value[o + x]
                                let v = im.value[o + x] - ib + y * invMu
                                let ir = shrink(v, wp.value[o + x] * threshold)
                                let d = ir - rp.value[o + x]
                                d2 += d * d
                                rp.value[o + x] = ir
                                if ladmap {
                                    fs += sF[x] * (v - ir)
                                } else {
                                    fs += im.value[o + x] - ir
                                    let res = im.value[o + x] - ib - ir
                                    yp.value[o + x] = y + muF * res
                                    r2 += res * res
                                }
                            }
                            fpp.value[(b * t + f) * 3] = Double(fs)
                            dIR2 += Double(d2)
                            total += Double(r2)
                        }
                        bpp.value[b * 4] = dIR2
                        bpp.value[b * 4 + 2] = total
                    }
                }
            }
            let fs = frameSums(slot: 0)
            var valueDiff = 0.0
            if ladmap {
                var dB2 = 0.0
                for f in 0..<t {
                    let nb = Swift.max(0, (fs[f] + baseline[f] * flatSq + flatDark) / flatSq)
                    dB2 += (nb - baseline[f]) * (nb - baseline[f])
                    baseline[f] = nb
                }
                valueDiff = Swift.max(blockSum(slot: 0).squareRoot(), dB2.squareRoot()) / imageNorm
                let nb = baseline.map { Float($0) }
                score = multiplierStep(baseline: nb, sF: sF, dF: dF, mu: muF) / imageNorm
            } else {
                for f in 0..<t { baseline[f] = Swift.max(0, fs[f] / Double(n) - meanD) }
                score = blockSum(slot: 2).squareRoot() / imageNorm
            }
            mu = Swift.min(mu * p.rho, maxMu)
            k += 1
            let keepGoing = ladmap
                ? (score > p.optimizationTolerance || valueDiff > p.optimizationToleranceDiff)
                : score > p.optimizationTolerance
            if !(keepGoing && k < maxIterations) { break }
        }
        _ = (im, wp, yp, rp)
        return (k, score)
    }

    /// Y += μ·res with res = Im − I_R − (B_n S + D); returns ‖res‖ (the LADMAP baseline step).
    private func multiplierStep(baseline: [Float], sF: [Float], dF: [Float], mu: Float) -> Double {
        let yp = UncheckedSendable(multiplier.pointer)
        let t = frames, n = pixels
        let im = UncheckedSendable(stack.data.pointer)
        let rp = UncheckedSendable(residual.pointer)
        blockPartials.withUnsafeMutableBufferPointer { bp in
            let bpp = UncheckedSendable(bp.baseAddress!)
            blocks.run { b in
                var total = 0.0
                for f in 0..<t {
                    let o = f * n
                    var r2: Float = 0
                    for x in blocks.range(b) {
                        let res = im.value[o + x] - rp.value[o + x] - (baseline[f] * sF[x] + dF[x])
                        yp.value[o + x] += mu * res
                        r2 += res * res
                    }
                    total += Double(r2)
                }
                bpp.value[b * 4 + 2] = total
            }
        }
        return blockSum(slot: 2).squareRoot()
    }
}

extension BaSiCSolver {
    /// One baseline-only iteration from given Y and I_R (tests against BaSiCPy's `_step_only_baseline`).
    func fitBaselineStep(flat: [Double], dark: [Double], baseline: inout [Double], multiplier y: [Float],
                         residual r: [Float]) -> (Int, Double) {
        resumeBuffers = (y, r)
        defer { resumeBuffers = nil }
        return fitBaseline(flat: flat, dark: dark, baseline: &baseline, iterations: 1)
    }
}
