import ScopeKitCore

/// The state of one inner ADMM solve (BaSiCPy's `vals`): flat-field S, dark-field D_R + D_Z, baseline B.
struct BaSiCState {
    var flat: [Double]
    var darkResidual: [Double]
    var darkOffset: Double
    var baseline: [Double]
}

/// The inner solvers of BaSiCPy 1.2.0 (`LadmapFit`, `ApproximateFit`) over a working stack.
///
/// The multiplier Y and the sparse residual I_R live in two `[T, P]` float buffers that are reused by every
/// round; each inner iteration makes one (approximate) or two (LADMAP) fused passes over the stack, parallel
/// over fixed pixel blocks with per-block partial sums combined in block order. The one-sweep LADMAP step
/// (``usesFusedLadmap``) keeps a single float per pixel between steps (``FusedLadmapCarry``) and writes Y and
/// I_R back when the solve ends.
final class BaSiCSolver {
    let stack: WorkingStack
    let parameters: BaSiC.Parameters
    let frames: Int
    let pixels: Int
    let blocks: PixelBlocks
    let dct: DCTShrinker
    /// The weights W used by the residual shrinkage.
    let weights: FloatBuffer
    let multiplier: FloatBuffer
    let residual: FloatBuffer
    /// Per-pixel accumulators (float: terms are residual-sized).
    var pixelSum: [Float]
    var pixelSum2: [Float]
    /// Per-block, per-frame partial sums (3 slots per frame) and per-block scalar partials (4 slots).
    var framePartials: [Double]
    var blockPartials: [Double]

    var imageNorm: Double = 0
    var initialMu: Double = 0
    var maxMu: Double = 0
    var darkfieldMax: Double = 0
    var lambdaFlat: Double = 0
    var lambdaDark: Double = 0
    var lambdaSparse: Double = 0
    /// The last LADMAP update size (BaSiCPy `value_diff`), for tests.
    var lastValueDiff: Double = 0
    /// μ after the last inner iteration, for tests.
    var lastMu: Double = 0
    /// Y and I_R to start the baseline-only fit from (tests), instead of zeros.
    var resumeBuffers: ([Float], [Float])? = nil
    /// Whether LADMAP may use the one-sweep step (``usesFusedLadmap``); tests switch it off to compare.
    var frameFusion = true
    /// Whether every weight is 1 (set by the fit before the first round when there are no fitting weights,
    /// cleared by ``updateWeights(rule:flat:dark:baseline:fitWeights:)``): the sweeps then skip reading W.
    var uniformWeights = false
    /// Per-chunk flat-field gradients of the fused LADMAP step.
    var chunkGradients: FloatBuffer? = nil
    /// Per pixel, the running double sum of the chunk gradients (fused steps on one thread going forward).
    var chunkSums: [Double] = []
    /// Whether the next fused LADMAP step runs its frame chunks last to first (it alternates every step).
    var fusedBackwards = false
    /// Set by a fused LADMAP step: the residual buffer then holds v instead of I_R, and the multiplier buffer
    /// is stale until ``finishFusedLadmap()``.
    var fusedCarry: FusedLadmapCarry? = nil
    /// Set by ``ladmap(_:darkWeights:resumeAt:)`` for a fused solve from Y = 0, I_R = 0: the next fused step reads
    /// neither buffer (they are not cleared), and clears the flag.
    var fusedFresh = false
    /// Whether ``finishFusedLadmap()`` writes Y back (tests read it; the fit does not: every solve starts from
    /// Y = 0).
    var keepsMultiplier = true
    /// Whether a fused LADMAP solve leaves v and ``fusedCarry`` for the next
    /// ``updateWeights(rule:flat:dark:baseline:fitWeights:)`` (which derives I_R from them) instead of writing I_R
    /// and Y back when it ends. Set by the fit, whose only reader of I_R after a solve is the weight update.
    var defersFusedFinish = false

    init(stack: WorkingStack, parameters: BaSiC.Parameters) {
        self.stack = stack
        self.parameters = parameters
        frames = stack.frames
        pixels = stack.pixels
        blocks = PixelBlocks(pixels: stack.pixels, workers: parameters.workers)
        dct = DCTShrinker(depth: stack.depth, rows: stack.rows, columns: stack.columns)
        // Filled at the start of every round.
        weights = FloatBuffer(count: stack.data.count, zeroed: false)
        multiplier = FloatBuffer(count: stack.data.count, zeroed: false)
        residual = FloatBuffer(count: stack.data.count, zeroed: false)
        pixelSum = [Float](repeating: 0, count: stack.pixels)
        pixelSum2 = [Float](repeating: 0, count: stack.pixels)
        framePartials = [Double](repeating: 0, count: blocks.count * stack.frames * 3)
        blockPartials = [Double](repeating: 0, count: blocks.count * 4)
    }

    /// Sums the per-block frame partials (slot `slot` of 3) in block order.
    func frameSums(slot: Int) -> [Double] {
        var s = [Double](repeating: 0, count: frames)
        for b in 0..<blocks.count {
            let base = b * frames * 3
            for f in 0..<frames { s[f] += framePartials[base + f * 3 + slot] }
        }
        return s
    }

    /// Sums the per-block scalar partials (slot `slot` of 4) in block order.
    func blockSum(slot: Int) -> Double {
        var s = 0.0
        for b in 0..<blocks.count { s += blockPartials[b * 4 + slot] }
        return s
    }

    // MARK: LADMAP

    /// BaSiCPy 1.2.0 `LadmapFit.fit`: iterates until ‖res‖/‖Im‖ ≤ tol and the update size ≤ tol_diff, or
    /// `max_iterations`. Starts from Y = 0, I_R = 0, μ = init_mu. Returns (iterations, converged, score).
    ///
    /// `resumeAt` (tests) keeps the current Y and I_R buffers and starts from that μ instead.
    func ladmap(_ st: inout BaSiCState, darkWeights: [Double], resumeAt: Double? = nil) throws -> (Int, Bool, Double) {
        let p = parameters
        let t = frames, n = pixels
        let dark = p.getDarkfield
        // A fused solve from Y = 0 and I_R = 0 reads neither buffer (``fusedFresh``): nothing to clear.
        let fresh = resumeAt == nil && usesFusedLadmap
        if resumeAt == nil && !fresh {
            multiplier.fill(0)
            residual.fill(0)
        }
        // Fused steps keep v in the residual buffer; Y and I_R are written back when the solve ends (or, with
        // ``defersFusedFinish``, I_R is derived by the next weight update).
        fusedCarry = nil
        fusedFresh = fresh
        defer { if !defersFusedFinish { finishFusedLadmap() } }
        var mu = resumeAt ?? initialMu
        // G = Σ_n B_n (Im − B_n S − D − I_R + Y/μ), kept in pixelSum.
        initialGradient(st, weighted: true, mu: mu, fresh: fresh)
        var k = 0
        var converged = false
        var score = Double.infinity
        let im = UncheckedSendable(stack.data.pointer)
        let wp = UncheckedSendable(weights.pointer)
        let yp = UncheckedSendable(multiplier.pointer)
        let rp = UncheckedSendable(residual.pointer)
        var sF = [Float](repeating: 0, count: n)
        var dF = [Float](repeating: 0, count: n)
        var newFlat = [Double](repeating: 0, count: n)
        var oldDark = [Double](repeating: 0, count: n)
        while true {
            // Flat-field step.
            let sumB2 = st.baseline.reduce(0) { $0 + $1 * $1 }
            let etaS = sumB2 * 1.02 + 0.01
            newFlat.withUnsafeMutableBufferPointer { nf in
                st.flat.withUnsafeBufferPointer { of in
                    pixelSum.withUnsafeBufferPointer { g in
                        for x in 0..<n { nf[x] = of[x] + Double(g[x]) / etaS }
                    }
                }
            }
            try dct.apply(&newFlat, threshold: lambdaFlat / (etaS * mu))
            let minimum = newFlat.min() ?? 0
            // One pass for the shift, ‖ΔS‖², Σ S², Σ S·D and the float copies (each sum in pixel order).
            var dS2 = 0.0, flatSq = 0.0, flatDark = 0.0
            let shift = minimum < 0 ? minimum : 0
            let darkOffset = st.darkOffset
            newFlat.withUnsafeMutableBufferPointer { nf in
            st.flat.withUnsafeBufferPointer { of in
            st.darkResidual.withUnsafeBufferPointer { dr in
            oldDark.withUnsafeMutableBufferPointer { od in
            sF.withUnsafeMutableBufferPointer { sf in
            dF.withUnsafeMutableBufferPointer { df in
                for x in 0..<n {
                    if minimum < 0 { nf[x] -= shift }
                    let s = nf[x]
                    let d = s - of[x]
                    dS2 += d * d
                    let dk = dr[x] + darkOffset
                    od[x] = dk
                    sf[x] = Float(s)
                    df[x] = Float(dk)
                    flatSq += s * s
                    flatDark += s * dk
                }
            } } } } } }
            let oldBaseline = st.baseline
            swap(&st.flat, &newFlat)

            let nextMu = Swift.min(mu * p.rho, maxMu)
            if usesFusedLadmap {
                let r = fusedLadmapPass(&st, mu: mu, nextMu: nextMu, sF: sF, dF: dF, flatSq: flatSq,
                                        flatDark: flatDark)
                lastValueDiff = Swift.max(dS2.squareRoot() * etaS.squareRoot(), r.dIR2.squareRoot(),
                                          r.dB2.squareRoot()) / imageNorm
                score = r.score
            } else {
                // Residual step (pass 1): I_R, Σ_x S(R + Y/μ) per frame, Σ_n (Im − I_B − I_R + Y/μ) per pixel.
                let invMu = Float(1 / mu)
                let threshold = Float(1 / (mu * Double(t)))
                let bF = st.baseline.map { Float($0) }
                for x in 0..<n { pixelSum2[x] = 0 }
                framePartials.withUnsafeMutableBufferPointer { fp in
                    blockPartials.withUnsafeMutableBufferPointer { bp in
                        pixelSum2.withUnsafeMutableBufferPointer { hp in
                            let fpp = UncheckedSendable(fp.baseAddress!), bpp = UncheckedSendable(bp.baseAddress!)
                            let hpp = UncheckedSendable(hp.baseAddress!)
                            sF.withUnsafeBufferPointer { sp in
                                dF.withUnsafeBufferPointer { dp in
                                    let spp = UncheckedSendable(sp.baseAddress!), dpp = UncheckedSendable(dp.baseAddress!)
                                    blocks.run { b in
                                        let r = blocks.range(b)
                                        var dIR2 = 0.0, sumY = 0.0
                                        for f in 0..<t {
                                            let o = f * n
                                            let bf = bF[f]
                                            var fs8 = SIMD8<Float>(), d28 = SIMD8<Float>(), ys8 = SIMD8<Float>()
                                            let bf8 = SIMD8<Float>(repeating: bf), inv8 = SIMD8<Float>(repeating: invMu)
                                            let th8 = SIMD8<Float>(repeating: threshold)
                                            var x = r.lowerBound
                                            let imo = im.value + o, yo = yp.value + o, ro = rp.value + o
                                            let wo = wp.value + o
                                            while x + 8 <= r.upperBound {
                                                let y = SIMD8<Float>(unaligned: yo + x)
                                                let s = SIMD8<Float>(unaligned: spp.value + x)
                                                let v = SIMD8<Float>(unaligned: imo + x) - bf8 * s - SIMD8<Float>(unaligned: dpp.value + x) + y * inv8
                                                let ir = shrink8(v, SIMD8<Float>(unaligned: wo + x) * th8)
                                                let d = ir - SIMD8<Float>(unaligned: ro + x)
                                                d28 += d * d
                                                storeUnaligned(ir, ro + x)
                                                let e = v - ir
                                                fs8 += s * e
                                                if dark { storeUnaligned(SIMD8<Float>(unaligned: hpp.value + x) + e, hpp.value + x); ys8 += y }
                                                x += 8
                                            }
                                            var fs = fs8.sum(), d2 = d28.sum(), ys = ys8.sum()
                                            for x in x..<r.upperBound {
                                                let y = yp.value[o + x]
                                                let s = spp.value[x]
                                                let v = im.value[o + x] - bf * s - dpp.value[x] + y * invMu
                                                let ir = shrink(v, wp.value[o + x] * threshold)
                                                let d = ir - rp.value[o + x]
                                                d2 += d * d
                                                rp.value[o + x] = ir
                                                let e = v - ir
                                                fs += s * e
                                                if dark { hpp.value[x] += e; ys += y }
                                            }
                                            fpp.value[(b * t + f) * 3] = Double(fs)
                                            dIR2 += Double(d2)
                                            sumY += Double(ys)
                                        }
                                        bpp.value[b * 4] = dIR2
                                        bpp.value[b * 4 + 1] = sumY
                                    }
                                }
                            }
                        }
                    }
                }
                let dIR2 = blockSum(slot: 0)
                let sumY = blockSum(slot: 1)
                // Baseline step: B_n = max(0, Σ S(R_n + Y_n/μ) / Σ S²), then mean(B) = 1.
                let fs = frameSums(slot: 0)
                var newB = [Double](repeating: 0, count: t)
                for f in 0..<t {
                    let b = flatSq > 0 ? (fs[f] + st.baseline[f] * flatSq + flatDark) / flatSq : st.baseline[f]
                    newB[f] = Swift.max(b, 0)
                }
                let meanB = newB.reduce(0, +) / Double(t)
                if meanB > 0 {
                    for f in 0..<t { newB[f] /= meanB }
                    for x in 0..<n { st.flat[x] *= meanB }
                }
                var dB2 = 0.0
                for f in 0..<t { let d = newB[f] - st.baseline[f]; dB2 += d * d }
                st.baseline = newB
                var valueDiff = Swift.max(dS2.squareRoot() * etaS.squareRoot(), dIR2.squareRoot(), dB2.squareRoot())
                if dark {
                    // Σ_n (Im − I_R + Y/μ) per pixel, from the pass's Σ_n (Im − I_B,old − I_R + Y/μ).
                    let sumOldB = oldBaseline.reduce(0, +), sumB = st.baseline.reduce(0, +)
                    var total = 0.0
                    var raw = [Double](repeating: 0, count: n)
                    for x in 0..<n {
                        // The pass summed Im − B_old·S − D_old + Y/μ − I_R with S before the mean-B rescale.
                        raw[x] = Double(pixelSum2[x]) + Double(sF[x]) * sumOldB + Double(t) * oldDark[x]
                        total += raw[x]
                    }
                    let sumDR = st.darkResidual.reduce(0, +)
                    let sumS = st.flat.reduce(0, +)
                    let meanValue = (total - sumY / (2 * mu) - sumS * sumB - Double(t) * sumDR) / Double(t * n)
                    let newOffset = Swift.min(Swift.max(meanValue, 0), darkfieldMax)
                    let dDZ = newOffset - st.darkOffset
                    st.darkOffset = newOffset
                    let etaD = Double(t) * 1.02
                    var newDR = [Double](repeating: 0, count: n)
                    for x in 0..<n {
                        newDR[x] = st.darkResidual[x]
                            + (raw[x] - st.flat[x] * sumB - Double(t) * (st.darkResidual[x] + newOffset)) / etaD
                    }
                    try dct.apply(&newDR, threshold: lambdaDark / etaD / mu)
                    var dDR2 = 0.0
                    for x in 0..<n {
                        newDR[x] = shrink(newDR[x], lambdaSparse * darkWeights[x] / etaD / mu)
                        let d = newDR[x] - st.darkResidual[x]
                        dDR2 += d * d
                    }
                    st.darkResidual = newDR
                    valueDiff = Swift.max(valueDiff, dDR2.squareRoot() * etaD.squareRoot(), dDZ * dDZ)
                }
                valueDiff /= imageNorm
                lastValueDiff = valueDiff

                // Multiplier step (pass 2): Y += μ·(Im − I_R − I_B); ‖res‖; next G.
                score = residualPass(st, mu: mu, nextMu: nextMu, gradientWeighted: true, sF: &sF, dF: &dF)
            }
            let valueDiff = lastValueDiff
            mu = nextMu
            lastMu = mu
            k += 1
            if !((score > p.optimizationTolerance || valueDiff > p.optimizationToleranceDiff)
                 && k < p.maxIterations) {
                converged = k < p.maxIterations
                break
            }
        }
        _ = (im, wp, yp, rp)
        return (k, converged, score)
    }

    /// pixelSum = Σ_n c_n (Im − B_n S − D − I_R + Y/μ) with c_n = B_n (LADMAP) or 1 (approximate).
    ///
    /// - Parameters:
    ///   - fresh: Y = 0 and I_R = 0 (a fused solve's start): only Im is read, with the same bits
    ///     (x − 0 + 0·(1/μ) = x + 0).
    /// - Complexity: O(T·P), one read of Im (and of I_R and Y unless `fresh`).
    func initialGradient(_ st: BaSiCState, weighted: Bool, mu: Double, fresh: Bool = false) {
        let t = frames, n = pixels
        let sF = st.flat.map { Float($0) }
        let dF = (0..<n).map { Float(st.darkResidual[$0] + st.darkOffset) }
        let bF = st.baseline.map { Float($0) }
        let im = UncheckedSendable(stack.data.pointer)
        let yp = UncheckedSendable(multiplier.pointer)
        let rp = UncheckedSendable(residual.pointer)
        let invMu = Float(1 / mu)
        pixelSum.withUnsafeMutableBufferPointer { gp in
            let g = UncheckedSendable(gp.baseAddress!)
            blocks.run { b in
                for x in blocks.range(b) { g.value[x] = 0 }
                for f in 0..<t {
                    let c = weighted ? bF[f] : 1
                    let o = f * n
                    if fresh {
                        for x in blocks.range(b) {
                            g.value[x] += c * ((im.value[o + x] - bF[f] * sF[x] - dF[x]) + 0)
                        }
                    } else {
                        for x in blocks.range(b) {
                            g.value[x] += c * (im.value[o + x] - bF[f] * sF[x] - dF[x] - rp.value[o + x]
                                               + yp.value[o + x] * invMu)
                        }
                    }
                }
            }
        }
    }

    /// Y += μ·res with res = Im − I_R − (B_n S + D); returns ‖res‖/‖Im‖ and fills pixelSum with
    /// Σ_n c_n (res + Y/μ_next) (c_n = B_n or 1), the next flat-field step's input.
    func residualPass(_ st: BaSiCState, mu: Double, nextMu: Double, gradientWeighted: Bool,
                      sF: inout [Float], dF: inout [Float]) -> Double {
        let t = frames, n = pixels
        for x in 0..<n { sF[x] = Float(st.flat[x]); dF[x] = Float(st.darkResidual[x] + st.darkOffset) }
        let bF = st.baseline.map { Float($0) }
        let muF = Float(mu), invNext = Float(1 / nextMu)
        let im = UncheckedSendable(stack.data.pointer)
        let yp = UncheckedSendable(multiplier.pointer)
        let rp = UncheckedSendable(residual.pointer)
        pixelSum.withUnsafeMutableBufferPointer { gp in
            blockPartials.withUnsafeMutableBufferPointer { bp in
                let g = UncheckedSendable(gp.baseAddress!), bpp = UncheckedSendable(bp.baseAddress!)
                sF.withUnsafeBufferPointer { sp in
                    dF.withUnsafeBufferPointer { dp in
                        let spp = UncheckedSendable(sp.baseAddress!), dpp = UncheckedSendable(dp.baseAddress!)
                        blocks.run { b in
                            let r = blocks.range(b)
                            for x in r { g.value[x] = 0 }
                            var total = 0.0
                            for f in 0..<t {
                                let o = f * n
                                let bf = bF[f]
                                let c: Float = gradientWeighted ? bf : 1
                                var r28 = SIMD8<Float>()
                                let bf8 = SIMD8<Float>(repeating: bf), c8 = SIMD8<Float>(repeating: c)
                                let mu8 = SIMD8<Float>(repeating: muF), next8 = SIMD8<Float>(repeating: invNext)
                                let imo = im.value + o, yo = yp.value + o, ro = rp.value + o
                                var x = r.lowerBound
                                while x + 8 <= r.upperBound {
                                    let res = SIMD8<Float>(unaligned: imo + x) - SIMD8<Float>(unaligned: ro + x)
                                        - (bf8 * SIMD8<Float>(unaligned: spp.value + x) + SIMD8<Float>(unaligned: dpp.value + x))
                                    let y = SIMD8<Float>(unaligned: yo + x) + mu8 * res
                                    storeUnaligned(y, yo + x)
                                    r28 += res * res
                                    storeUnaligned(SIMD8<Float>(unaligned: g.value + x) + c8 * (res + y * next8), g.value + x)
                                    x += 8
                                }
                                var r2 = r28.sum()
                                for x in x..<r.upperBound {
                                    let res = im.value[o + x] - rp.value[o + x] - (bf * spp.value[x] + dpp.value[x])
                                    let y = yp.value[o + x] + muF * res
                                    yp.value[o + x] = y
                                    r2 += res * res
                                    g.value[x] += c * (res + y * invNext)
                                }
                                total += Double(r2)
                            }
                            bpp.value[b * 4 + 2] = total
                        }
                    }
                }
            }
        }
        return blockSum(slot: 2).squareRoot() / imageNorm
    }
}
