import ScopeKitCore
import ScopeKitFlatFieldAVX2
import ScopeKitFlatFieldKernels

extension BaSiCSolver {
    /// BaSiCPy 1.2.0 `ApproximateFit.fit` (MATLAB `inexact_alm_rspca_l1`, ent1 = 1, ent2 = 10): iterates until
    /// ‖res‖/‖Im‖ ≤ tol or `max_iterations`. Returns (iterations, converged, score).
    func approximate(_ st: inout BaSiCState, resumeAt: Double? = nil) throws -> (Int, Bool, Double) {
        let p = parameters
        let t = frames, n = pixels
        let dark = p.getDarkfield
        if resumeAt == nil {
            multiplier.fill(0)
            residual.fill(0)
        }
        var mu = resumeAt ?? initialMu
        initialGradient(st, weighted: false, mu: mu)
        // pixelSum holds Σ_n (Im − I_B − I_R + Y/μ) for the baseline/dark-field `refBaseline`/`refDark`.
        var refBaseline = st.baseline
        var refDark = (0..<n).map { st.darkResidual[$0] + st.darkOffset }
        var k = 0
        var score = Double.infinity
        var converged = false
        var sF = [Float](repeating: 0, count: n)
        var dF = [Float](repeating: 0, count: n)
        var inMask = [Float](repeating: 0, count: n)
        var outMask = [Float](repeating: 0, count: n)
        while true {
            // Flat-field: Ŝ = DCT(S) + DCT(mean_n(Im − I_B − I_R + Y/μ)), shrunk by λS/μ.
            let sumRef = refBaseline.reduce(0, +), sumB = st.baseline.reduce(0, +)
            var newFlat = [Double](repeating: 0, count: n)
            for x in 0..<n {
                let dCur = st.darkResidual[x] + st.darkOffset
                let temp = (Double(pixelSum[x]) + st.flat[x] * (sumRef - sumB) + Double(t) * (refDark[x] - dCur))
                    / Double(t)
                newFlat[x] = st.flat[x] + temp
            }
            try dct.apply(&newFlat, threshold: lambdaFlat / mu)
            st.flat = newFlat
            let meanS = newFlat.reduce(0, +) / Double(n)
            var countIn = 0.0, countOut = 0.0
            for x in 0..<n {
                sF[x] = Float(newFlat[x])
                dF[x] = Float(st.darkResidual[x] + st.darkOffset)
                let s = Float(newFlat[x])
                inMask[x] = s > Float(meanS * (1 - 1e-6)) ? 1 : 0
                outMask[x] = s < Float(meanS * (1 + 1e-6)) ? 1 : 0
                countIn += Double(inMask[x]); countOut += Double(outMask[x])
            }
            let nextMu = Swift.min(mu * p.rho, maxMu)
            let bF = st.baseline.map { Float($0) }
            // One fused pass: I_R, R = Im − I_R, per-frame sums, Y += μ(R − I_B), next Σ_n(res + Y/μ').
            let (sums, r2) = approximatePass(mu: mu, nextMu: nextMu, sF: sF, dF: dF, bF: bF, inMask: inMask,
                                             outMask: outMask)
            score = r2.squareRoot() / imageNorm
            refBaseline = st.baseline
            refDark = dF.map { Double($0) }
            // Baseline: B_n = max(0, mean(R_n) / mean(R)).
            let sumR = (0..<t).map { sums[$0 * 3] }
            let meanR = sumR.reduce(0, +) / Double(t * n)
            for f in 0..<t { st.baseline[f] = Swift.max(0, (sumR[f] / Double(n)) / meanR) }
            if dark { try approximateDarkfield(&st, frameSums: sums, meanR: meanR, meanS: meanS, countIn: countIn,
                                               countOut: countOut, mu: mu) }
            mu = nextMu
            lastMu = mu
            k += 1
            if !(score > p.optimizationTolerance && k < p.maxIterations) {
                converged = k < p.maxIterations
                break
            }
        }
        return (k, converged, score)
    }

    /// One step of the approximate mode over the stack, frame by frame (as ``fusedLadmapPass``): I_R =
    /// shrink(Im − I_B + Y/μ, W/μ), R = Im − I_R, Y += μ(R − I_B), the next Σ_n (res + Y/μ') per frame chunk
    /// (combined in chunk order into `pixelSum`), and per frame Σ R, Σ R over S ≥ mean S, Σ R over S < mean S
    /// (2048-pixel groups, as the pixel-block passes). Frames are visited whole, so every stack array is read
    /// as one contiguous run per frame; the frame chunks depend only on T, so results do not depend on the
    /// thread count.
    ///
    /// - Returns: the per-frame sums (3 per frame) and ‖res‖².
    /// - Complexity: O(T·P), one read of Im, W (skipped while ``uniformWeights``), Y, I_R and one write of Y, I_R.
    func approximatePass(mu: Double, nextMu: Double, sF: [Float], dF: [Float], bF: [Float], inMask: [Float],
                         outMask: [Float]) -> (sums: [Double], r2: Double) {
        let t = frames, n = pixels
        let dark = parameters.getDarkfield, uniform = uniformWeights
        let chunks = frameChunkCount
        if chunkGradients == nil || chunkGradients!.count < chunks * n {
            chunkGradients = FloatBuffer(count: chunks * n)
        }
        var sums = [Double](repeating: 0, count: t * 3)
        var chunkR2 = [Double](repeating: 0, count: chunks)
        let avx2 = CPUFeatures.level == .avx2
        sums.withUnsafeMutableBufferPointer { sumsp in
        chunkR2.withUnsafeMutableBufferPointer { c2p in
        sF.withUnsafeBufferPointer { sp in
        dF.withUnsafeBufferPointer { dp in
        bF.withUnsafeBufferPointer { bp in
        inMask.withUnsafeBufferPointer { ip in
        outMask.withUnsafeBufferPointer { op in
            let step = ApproximateStep(
                im: UnsafePointer(stack.data.pointer), weights: UnsafePointer(weights.pointer), flat: sp.baseAddress!,
                dark: dp.baseAddress!, inside: ip.baseAddress!, outside: op.baseAddress!, baseline: bp.baseAddress!,
                multiplier: multiplier.pointer, residual: residual.pointer, partials: chunkGradients!.pointer,
                sums: sumsp.baseAddress!, chunkR2: c2p.baseAddress!, frames: t, pixels: n, chunks: chunks,
                invMu: Float(1 / mu), mu: Float(mu), invNext: Float(1 / nextMu))
            BaSiCParallel.run(chunks, workers: parameters.workers) { c in
                if avx2 {
                    approximateChunkAVX2(c, step, uniform: uniform, dark: dark)
                } else {
                    approximateChunkBaseline(c, step, uniform: uniform, dark: dark)
                }
            }
        } } } } } } }
        sumChunkGradients(chunks, dividedBy: 1)
        return (sums, chunkR2.reduce(0, +))
    }

    /// The dark-field update of the approximate mode (MATLAB BaSiC's recipe as BaSiCPy 1.2.0 writes it).
    /// When no image has B_n < 1 (all baselines equal) the dark-field is left unchanged (BaSiCPy divides by 0).
    private func approximateDarkfield(_ st: inout BaSiCState, frameSums sums: [Double], meanR: Double,
                                      meanS: Double, countIn: Double, countOut: Double, mu: Double) throws {
        let t = frames, n = pixels
        let sumIn = (0..<t).map { sums[$0 * 3 + 1] }, sumOut = (0..<t).map { sums[$0 * 3 + 2] }
        let valid = st.baseline.map { $0 < 1 }
        let validCount = valid.filter { $0 }.count
        guard validCount > 0 else { return }
        var a = [Double](repeating: 0, count: t)
        for f in 0..<t {
            let v = (sumIn[f] / (countIn * Double(t)) - sumOut[f] / (countOut * Double(t))) / meanR
            a[f] = v.isNaN ? 0 : v
        }
        var bSq = 0.0, bSum = 0.0, aSum = 0.0, baSum = 0.0
        for f in 0..<t where valid[f] {
            bSq += st.baseline[f] * st.baseline[f]; bSum += st.baseline[f]; aSum += a[f]
            baSum += st.baseline[f] * a[f]
        }
        let denominator = bSum * aSum - baSum * Double(validCount)
        let offset = Swift.min(Swift.max((bSq * aSum - bSum * baSum) / (denominator + 1e-6), 0),
                               darkfieldMax / meanS)
        st.darkOffset = offset
        // Σ over valid frames of R = Im − I_R, per pixel (double).
        var rValid = [Double](repeating: 0, count: n)
        let im = UncheckedSendable(stack.data.pointer)
        let rp = UncheckedSendable(residual.pointer)
        rValid.withUnsafeMutableBufferPointer { vp in
            let out = UncheckedSendable(vp.baseAddress!)
            blocks.run { b in
                for f in 0..<t where valid[f] {
                    let o = f * n
                    for x in blocks.range(b) { out.value[x] += Double(im.value[o + x] - rp.value[o + x]) }
                }
            }
        }
        let meanBValid = bSum / Double(validCount)
        var z = [Double](repeating: 0, count: n)
        var dr = [Double](repeating: 0, count: n)
        var mean = 0.0
        for x in 0..<n {
            z[x] = offset * (meanS - st.flat[x])
            dr[x] = rValid[x] / Double(validCount) - meanBValid * st.flat[x]
            mean += dr[x]
        }
        mean /= Double(n)
        for x in 0..<n { dr[x] = dr[x] - mean - z[x] }
        try dct.apply(&dr, threshold: lambdaDark / (10 * mu))
        for x in 0..<n { dr[x] = shrink(dr[x], lambdaSparse / (10 * mu)) + z[x] }
        st.darkResidual = dr
    }
}
