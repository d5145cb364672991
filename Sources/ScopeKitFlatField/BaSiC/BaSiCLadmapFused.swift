import ScopeKitCore
import ScopeKitFlatFieldAVX2
import ScopeKitFlatFieldKernels

/// What one fused LADMAP step leaves for the next one, besides v in the residual buffer.
///
/// With v = Im − B S − D + Y/μ and τ = W/(μT) the step sets I_R = v − clamp(v, ±τ) and
/// Y' = Y + μ (Im − I_R − B̃ S − D) = μ (clamp(v, ±τ) + (B − B̃) S), so I_R and Y' are functions of v and of this
/// step's S, B − B̃, 1/(μT) and μ: between fused steps one float per pixel is stored instead of two.
struct FusedLadmapCarry {
    /// The flat-field S the step used.
    var flat: [Float]
    /// Per frame, B_n − B̃_n (the baseline before and after the step, before the mean-B rescaling).
    var baselineStep: [Float]
    /// The step's 1/(μT) (τ = W · threshold).
    var threshold: Float
    /// The step's μ.
    var mu: Double
}

extension BaSiCSolver {
    /// Frame chunks of ``fusedLadmapPass(_:mu:nextMu:sF:dF:flatSq:flatDark:)`` and ``approximatePass``:
    /// boundaries depend only on T and P, so results do not depend on the thread count. Up to 16 chunks, fewer
    /// for large working images so that the per-chunk gradients stay within 64 MiB.
    var frameChunkCount: Int { Swift.min(frames, 16, Swift.max(2, (1 << 24) / Swift.max(pixels, 1))) }

    /// Whether the LADMAP step runs as one pass per frame (flat-field only, working frames that fit in L2).
    var usesFusedLadmap: Bool { frameFusion && !parameters.getDarkfield && pixels <= 32_768 }

    /// One LADMAP step after the flat-field update, without a dark-field, as a single sweep over the stack.
    ///
    /// The baseline B_n depends only on sums over frame n, and the mean-B rescaling leaves B_n·S unchanged,
    /// so each frame is finished while it is in cache: sweep 1 computes v = Im − B S − D + Y/μ, I_R and
    /// Σ_x S(R + Y/μ) = Σ_x S·clamp(v, ±τ), then B̃_n; sweep 2 (same frame, re-reading its Im, v and W from L2)
    /// accumulates ‖res‖² with res = Im − I_R − (B̃_n S + D) and the next flat-field gradient
    /// Σ_n B̃_n (res + Y'/μ') with Y'/μ = clamp(v, ±τ) + (B_n − B̃_n) S, divided by mean(B̃)
    /// at the end. Y and I_R are not stored between steps: the residual buffer holds v, and Y/μ and the previous
    /// I_R are rebuilt from it with the last step's ``FusedLadmapCarry`` (``finishFusedLadmap()`` writes Y and
    /// I_R back after the last step). Sums over a frame are made in 2048-pixel groups (as the pixel-block passes
    /// do); the gradient is summed per frame chunk and the chunks are combined in order.
    ///
    /// - Returns: ‖ΔI_R‖², ‖ΔB‖² and ‖res‖/‖Im‖. Updates `st.baseline`, `st.flat` (× mean B̃), the gradient and
    ///   ``fusedCarry``.
    /// - Complexity: O(T·P), one read of Im, W (skipped while ``uniformWeights``) and v and one write of v from
    ///   memory (the first step of a solve reads Y and I_R instead of v, or nothing while ``fusedFresh``).
    func fusedLadmapPass(_ st: inout BaSiCState, mu: Double, nextMu: Double, sF: [Float], dF: [Float],
                         flatSq: Double, flatDark: Double) -> (dIR2: Double, dB2: Double, score: Double) {
        let t = frames, n = pixels
        let chunks = frameChunkCount
        if chunkGradients == nil || chunkGradients!.count < chunks * n {
            chunkGradients = FloatBuffer(count: chunks * n)
        }
        // One thread on a forward step: the chunk gradients are summed as they are made.
        let inOrder = !fusedBackwards && Swift.min(parameters.workers, chunks) <= 1
        if inOrder && chunkSums.count != n { chunkSums = [Double](repeating: 0, count: n) }
        let carry = fusedCarry
        let fresh = fusedFresh
        fusedFresh = false
        let oldB = st.baseline
        let oldBF = oldB.map { Float($0) }
        var newB = [Double](repeating: 0, count: t)
        var step = [Float](repeating: 0, count: t)
        var scalars = [Double](repeating: 0, count: chunks * 2)
        let noCarry = [Float](repeating: 0, count: carry == nil ? Swift.max(n, t) : 0)
        let dark = dF.contains { $0 != 0 }
        let uniform = uniformWeights
        newB.withUnsafeMutableBufferPointer { nb in
        step.withUnsafeMutableBufferPointer { sb in
        scalars.withUnsafeMutableBufferPointer { sc in
        sF.withUnsafeBufferPointer { sp in
        dF.withUnsafeBufferPointer { dp in
        oldB.withUnsafeBufferPointer { ob in
        oldBF.withUnsafeBufferPointer { obf in
        noCarry.withUnsafeBufferPointer { zero in
        (carry?.flat ?? []).withUnsafeBufferPointer { cf in
        (carry?.baselineStep ?? []).withUnsafeBufferPointer { cs in
            let ctx = FusedLadmapStep(
                im: UnsafePointer(stack.data.pointer), weights: UnsafePointer(weights.pointer),
                multiplier: UnsafePointer(multiplier.pointer), flat: sp.baseAddress!, dark: dp.baseAddress!,
                carryFlat: carry == nil ? zero.baseAddress! : cf.baseAddress!, state: residual.pointer,
                partials: chunkGradients!.pointer, oldBaseline: obf.baseAddress!,
                carryStep: carry == nil ? zero.baseAddress! : cs.baseAddress!, newBaseline: nb.baseAddress!,
                baselineStep: sb.baseAddress!, scalars: sc.baseAddress!, oldBaselineD: ob.baseAddress!,
                frames: t, pixels: n, chunks: chunks,
                invMu: Float(1 / mu), threshold: Float(1 / (mu * Double(t))),
                carryThreshold: carry?.threshold ?? 0, carryRatio: Float((carry?.mu ?? mu) / mu),
                mu: Float(mu), nextRatio: Float(mu / nextMu), flatSq: flatSq, flatDark: flatDark)
            let hasCarry = carry != nil
            let avx2 = CPUFeatures.level == .avx2
            // Every other step takes the chunks last to first, so the frames the previous step touched last
            // (the part of Im, v and W still in L3) come first. Each chunk writes its own partials, combined in
            // chunk order afterwards (or, on one thread going forward, as each chunk ends): the order the chunks
            // run in changes no bit.
            let backwards = fusedBackwards
            if inOrder {
                // One thread, chunks first to last: each chunk's gradient is added to the double sums while it
                // is in cache (the chunks' order, as the sum afterwards would take them), in one P-float buffer.
                var one = ctx
                one.partialStride = 0
                chunkSums.withUnsafeMutableBufferPointer { acc in
                    for c in 0..<chunks {
                        if avx2 {
                            fusedLadmapChunkAVX2(c, one, fresh: fresh, carry: hasCarry, uniform: uniform, dark: dark)
                            addChunkPartialAVX2(one.partials, to: acc.baseAddress!, range: 0..<n, first: c == 0)
                        } else {
                            fusedLadmapChunkBaseline(c, one, fresh: fresh, carry: hasCarry, uniform: uniform,
                                                     dark: dark)
                            addChunkPartial(one.partials, to: acc.baseAddress!, range: 0..<n, first: c == 0)
                        }
                    }
                }
            } else {
                BaSiCParallel.run(chunks, workers: parameters.workers) { i in
                    let c = backwards ? chunks - 1 - i : i
                    if avx2 {
                        fusedLadmapChunkAVX2(c, ctx, fresh: fresh, carry: hasCarry, uniform: uniform, dark: dark)
                    } else {
                        fusedLadmapChunkBaseline(c, ctx, fresh: fresh, carry: hasCarry, uniform: uniform,
                                                 dark: dark)
                    }
                }
            }
        } } } } } } } } } }
        fusedBackwards.toggle()
        fusedCarry = FusedLadmapCarry(flat: sF, baselineStep: step, threshold: Float(1 / (mu * Double(t))), mu: mu)
        var dIR2 = 0.0, r2 = 0.0
        for c in 0..<chunks { dIR2 += scalars[c * 2]; r2 += scalars[c * 2 + 1] }
        let meanB = newB.reduce(0, +) / Double(t)
        let m = meanB > 0 ? meanB : 1
        if meanB > 0 {
            for f in 0..<t { newB[f] /= meanB }
            for x in 0..<n { st.flat[x] *= meanB }
        }
        var dB2 = 0.0
        for f in 0..<t { let d = newB[f] - st.baseline[f]; dB2 += d * d }
        st.baseline = newB
        // The next flat-field gradient: Σ over chunks in order, divided by mean B̃.
        if inOrder {
            chunkSums.withUnsafeBufferPointer { acc in
                pixelSum.withUnsafeMutableBufferPointer { g in
                    divideChunkSums(acc.baseAddress!, range: 0..<n, dividedBy: m, into: g.baseAddress!)
                }
            }
        } else {
            sumChunkGradients(chunks, dividedBy: m)
        }
        return (dIR2, dB2, r2.squareRoot() / imageNorm)
    }

    /// Writes I_R and Y (unless ``keepsMultiplier`` is off) of the last fused step back from v
    /// (``FusedLadmapCarry``) and clears ``fusedCarry``.
    ///
    /// - Complexity: O(T·P), per pixel independent (any thread count gives the same values).
    func finishFusedLadmap() {
        guard let carry = fusedCarry else { return }
        fusedCarry = nil
        let t = frames, n = pixels
        let vp = UncheckedSendable(residual.pointer), yp = UncheckedSendable(multiplier.pointer)
        let wp = UncheckedSendable(weights.pointer)
        let uniform = uniformWeights, mu = Float(carry.mu), th = carry.threshold
        let keepY = keepsMultiplier
        carry.flat.withUnsafeBufferPointer { sb in
            carry.baselineStep.withUnsafeBufferPointer { cb in
                let s = UncheckedSendable(sb.baseAddress!), step = UncheckedSendable(cb.baseAddress!)
                blocks.run { b in
                    for f in 0..<t {
                        let o = f * n, c = step.value[f]
                        for x in blocks.range(b) {
                            let v = vp.value[o + x]
                            let cl = clamp1(v, uniform ? th : wp.value[o + x] * th)
                            vp.value[o + x] = v - cl
                            if keepY { yp.value[o + x] = mu * (cl + c * s.value[x]) }
                        }
                    }
                }
            }
        }
    }

    /// pixelSum = (Σ over frame chunks, in chunk order, of the chunk gradients) / `m`, summed in double.
    func sumChunkGradients(_ chunks: Int, dividedBy m: Double) {
        let n = pixels, blocks = self.blocks
        let partials = UncheckedSendable(chunkGradients!.pointer)
        let avx2 = CPUFeatures.level == .avx2
        pixelSum.withUnsafeMutableBufferPointer { gp in
            let gs = UncheckedSendable(gp.baseAddress!)
            blocks.run { b in
                let r = blocks.range(b)
                if avx2 {
                    sumChunkPartialsAVX2(partials.value, chunks: chunks, pixels: n, range: r, dividedBy: m,
                                         into: gs.value)
                } else {
                    sumChunkPartials(partials.value, chunks: chunks, pixels: n, range: r, dividedBy: m,
                                     into: gs.value)
                }
            }
        }
    }
}
