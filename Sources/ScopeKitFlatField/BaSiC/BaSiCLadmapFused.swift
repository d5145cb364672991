import ScopeKitCore

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
    /// so each frame is finished while it is in cache: sweep 1 computes I_R and Σ_x S(R + Y/μ), then B̃_n;
    /// sweep 2 (same frame, from cache) updates Y with I_B = B̃_n·S + D and accumulates the next
    /// flat-field gradient Σ_n B̃_n (res + Y/μ'), divided by mean(B̃) at the end. Sums over a frame are made
    /// in 2048-pixel groups (as the pixel-block passes do); the gradient is summed per frame chunk and the
    /// chunks are combined in order.
    ///
    /// - Returns: ‖ΔI_R‖², ‖ΔB‖² and ‖res‖/‖Im‖. Updates `st.baseline`, `st.flat` (× mean B̃) and the gradient.
    /// - Complexity: O(T·P), one read of Im, W (skipped while ``uniformWeights``), Y, I_R and one write of Y, I_R
    ///   from memory.
    func fusedLadmapPass(_ st: inout BaSiCState, mu: Double, nextMu: Double, sF: [Float], dF: [Float],
                         flatSq: Double, flatDark: Double) -> (dIR2: Double, dB2: Double, score: Double) {
        let t = frames, n = pixels
        let chunks = frameChunkCount
        if chunkGradients == nil || chunkGradients!.count < chunks * n {
            chunkGradients = FloatBuffer(count: chunks * n)
        }
        let partials = UncheckedSendable(chunkGradients!.pointer)
        let invMu = Float(1 / mu), threshold = Float(1 / (mu * Double(t)))
        let muF = Float(mu), invNext = Float(1 / nextMu)
        let oldB = st.baseline
        var newB = [Double](repeating: 0, count: t)
        var scalars = [Double](repeating: 0, count: chunks * 2)
        let im = UncheckedSendable(stack.data.pointer)
        let wp = UncheckedSendable(weights.pointer)
        let yp = UncheckedSendable(multiplier.pointer)
        let rp = UncheckedSendable(residual.pointer)
        let group = PixelBlocks.size
        let uniform = uniformWeights
        newB.withUnsafeMutableBufferPointer { nb in
            scalars.withUnsafeMutableBufferPointer { sc in
                sF.withUnsafeBufferPointer { sb in
                    dF.withUnsafeBufferPointer { db in
                        let nbp = UncheckedSendable(nb.baseAddress!), scp = UncheckedSendable(sc.baseAddress!)
                        let sp = UncheckedSendable(sb.baseAddress!), dp = UncheckedSendable(db.baseAddress!)
                        BaSiCParallel.run(chunks, workers: parameters.workers) { c in
                            let s = sp.value, d = dp.value
                            let g = partials.value + c * n
                            g.update(repeating: 0, count: n)
                            var dIR2 = 0.0, r2 = 0.0
                            let inv8 = SIMD8<Float>(repeating: invMu), th8 = SIMD8<Float>(repeating: threshold)
                            let mu8 = SIMD8<Float>(repeating: muF), next8 = SIMD8<Float>(repeating: invNext)
                            for f in (c * t / chunks)..<((c + 1) * t / chunks) {
                                let o = f * n
                                let imo = im.value + o, yo = yp.value + o, ro = rp.value + o, wo = wp.value + o
                                // Sweep 1: I_R = shrink(Im − B S − D + Y/μ, W/(μT)), Σ S(v − I_R), ‖ΔI_R‖².
                                let bf = Float(oldB[f])
                                let bf8 = SIMD8<Float>(repeating: bf)
                                var fs = 0.0
                                var x = 0
                                while x < n {
                                    let end = Swift.min(n, x + group)
                                    var fs8 = SIMD8<Float>(), d28 = SIMD8<Float>()
                                    while x &+ 8 <= end {
                                        let y = load8(yo + x)
                                        let sv = load8(s + x)
                                        let v = load8(imo + x) - bf8 * sv - load8(d + x) + y * inv8
                                        // Uniform weights (the first round without fitting weights) are not read.
                                        let ir = shrink8(v, uniform ? th8 : load8(wo + x) * th8)
                                        let dd = ir - load8(ro + x)
                                        d28 += dd * dd
                                        store8(ir, ro + x)
                                        fs8 += sv * (v - ir)
                                        x &+= 8
                                    }
                                    var fsx = fs8.sum(), d2x = d28.sum()
                                    while x < end {
                                        let v = imo[x] - bf * s[x] - d[x] + yo[x] * invMu
                                        let ir = shrink(v, wo[x] * threshold)
                                        let dd = ir - ro[x]
                                        d2x += dd * dd
                                        ro[x] = ir
                                        fsx += s[x] * (v - ir)
                                        x += 1
                                    }
                                    fs += Double(fsx)
                                    dIR2 += Double(d2x)
                                }
                                // B̃_n = max(0, Σ_x S(R_n + Y_n/μ) / Σ S²).
                                let b = flatSq > 0 ? (fs + oldB[f] * flatSq + flatDark) / flatSq : oldB[f]
                                let bn = Swift.max(b, 0)
                                nbp.value[f] = bn
                                // Sweep 2: res = Im − I_R − (B̃ S + D), Y += μ res, gradient += B̃ (res + Y/μ').
                                let bt = Float(bn)
                                let bt8 = SIMD8<Float>(repeating: bt)
                                x = 0
                                while x < n {
                                    let end = Swift.min(n, x + group)
                                    var r28 = SIMD8<Float>()
                                    while x &+ 8 <= end {
                                        let res = load8(imo + x) - load8(ro + x) - (bt8 * load8(s + x) + load8(d + x))
                                        let yn = load8(yo + x) + mu8 * res
                                        store8(yn, yo + x)
                                        r28 += res * res
                                        store8(load8(g + x) + bt8 * (res + yn * next8), g + x)
                                        x &+= 8
                                    }
                                    var r2x = r28.sum()
                                    while x < end {
                                        let res = imo[x] - ro[x] - (bt * s[x] + d[x])
                                        let yn = yo[x] + muF * res
                                        yo[x] = yn
                                        r2x += res * res
                                        g[x] += bt * (res + yn * invNext)
                                        x += 1
                                    }
                                    r2 += Double(r2x)
                                }
                            }
                            scp.value[c * 2] = dIR2
                            scp.value[c * 2 + 1] = r2
                        }
                    }
                }
            }
        }
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
        sumChunkGradients(chunks, dividedBy: m)
        _ = (im, wp, yp, rp)
        return (dIR2, dB2, r2.squareRoot() / imageNorm)
    }

    /// pixelSum = (Σ over frame chunks, in chunk order, of the chunk gradients) / `m`, summed in double.
    func sumChunkGradients(_ chunks: Int, dividedBy m: Double) {
        let n = pixels, blocks = self.blocks
        let partials = UncheckedSendable(chunkGradients!.pointer)
        pixelSum.withUnsafeMutableBufferPointer { gp in
            let gs = UncheckedSendable(gp.baseAddress!)
            blocks.run { b in
                for x in blocks.range(b) {
                    var acc = 0.0
                    for c in 0..<chunks { acc += Double(partials.value[c * n + x]) }
                    gs.value[x] = Float(acc / m)
                }
            }
        }
    }
}
