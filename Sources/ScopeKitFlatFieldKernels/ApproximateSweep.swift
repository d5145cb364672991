import ScopeKitCore

/// Pointers and scalars of one step of BaSiC's approximate mode, shared by the frame chunks (see
/// `BaSiCSolver.approximatePass` in ScopeKitFlatField for the algebra).
@usableFromInline package struct ApproximateStep: @unchecked Sendable {
    /// Im and W ([T, P] floats); S, D and the masks of S ≥ mean S and S < mean S ([P] floats); B ([T] floats).
    @usableFromInline package var im, weights, flat, dark, inside, outside, baseline: UnsafePointer<Float>
    /// Y and I_R ([T, P] floats), updated in place.
    @usableFromInline package var multiplier, residual: UnsafeMutablePointer<Float>
    /// Per chunk, P floats: the chunk's Σ_n (res + Y/μ') (chunk c's at `partials + c · P`).
    @usableFromInline package var partials: UnsafeMutablePointer<Float>
    /// Per frame: Σ R, Σ R over S ≥ mean S, Σ R over S < mean S (output, 3 per frame).
    @usableFromInline package var sums: UnsafeMutablePointer<Double>
    /// Per chunk: ‖res‖² (output).
    @usableFromInline package var chunkR2: UnsafeMutablePointer<Double>
    /// T, P and the number of frame chunks.
    @usableFromInline package var frames, pixels, chunks: Int
    /// 1/μ, μ and 1/μ'.
    @usableFromInline package var invMu, mu, invNext: Float

    /// The step from its pointers and scalars (see the properties).
    @inlinable
    package init(im: UnsafePointer<Float>, weights: UnsafePointer<Float>, flat: UnsafePointer<Float>,
                 dark: UnsafePointer<Float>, inside: UnsafePointer<Float>, outside: UnsafePointer<Float>,
                 baseline: UnsafePointer<Float>, multiplier: UnsafeMutablePointer<Float>,
                 residual: UnsafeMutablePointer<Float>, partials: UnsafeMutablePointer<Float>,
                 sums: UnsafeMutablePointer<Double>, chunkR2: UnsafeMutablePointer<Double>,
                 frames: Int, pixels: Int, chunks: Int, invMu: Float, mu: Float, invNext: Float) {
        self.im = im; self.weights = weights; self.flat = flat; self.dark = dark; self.inside = inside
        self.outside = outside; self.baseline = baseline; self.multiplier = multiplier; self.residual = residual
        self.partials = partials; self.sums = sums; self.chunkR2 = chunkR2; self.frames = frames
        self.pixels = pixels; self.chunks = chunks; self.invMu = invMu; self.mu = mu; self.invNext = invNext
    }
}

/// The frames of chunk `c` of one approximate-mode step: per pixel I_R = shrink(Im − I_B + Y/μ, W/μ) with
/// I_B = B_n S + D, R = Im − I_R, res = R − I_B, Y += μ·res, and the chunk's Σ_n (res + Y/μ'); per frame Σ R and
/// (with `dark`) Σ R over S ≥ mean S and over S < mean S; ‖res‖² of the chunk. Sums over a frame are made in
/// ``pixelGroupSize``-pixel groups, eight lanes each, reduced in lane order; the same bits in any build. While a
/// frame is processed, the next frame's Im, Y, I_R and W are prefetched (−8 % per fit at 200 × 256²).
///
/// Inlined into its two entry points: ``approximateChunkBaseline(_:_:uniform:dark:)`` here and
/// `approximateChunkAVX2` in ScopeKitFlatFieldAVX2.
///
/// - Parameters:
///   - c: the frame chunk (frames `c·T/chunks ..< (c+1)·T/chunks`).
///   - k: the step's pointers and scalars.
///   - uniform: every weight is 1 (W is not read).
///   - dark: D ≠ 0 (the masked sums are made).
/// - Complexity: O(frames of the chunk · P).
@inlinable @inline(__always)
package func approximateChunk(_ c: Int, _ k: ApproximateStep, uniform: Bool, dark: Bool) {
    let n = k.pixels, t = k.frames, group = pixelGroupSize
    let s = k.flat, d = k.dark, inside = k.inside, outside = k.outside
    let g = k.partials + c * n
    g.update(repeating: 0, count: n)
    var total = 0.0
    let invMu = k.invMu, muF = k.mu, invNext = k.invNext
    let inv8 = SIMD8<Float>(repeating: invMu), mu8 = SIMD8<Float>(repeating: muF)
    let next8 = SIMD8<Float>(repeating: invNext)
    for f in (c * t / k.chunks)..<((c + 1) * t / k.chunks) {
        let o = f * n
        let bf = k.baseline[f], bf8 = SIMD8<Float>(repeating: bf)
        let imo = k.im + o, yo = k.multiplier + o, ro = k.residual + o, wo = k.weights + o
        var sr = 0.0, si = 0.0, so = 0.0
        let ahead = f + 1 < t ? n : 0
        var x = 0
        while x < n {
            let end = Swift.min(n, x + group)
            var sr8 = SIMD8<Float>(), si8 = SIMD8<Float>(), so8 = SIMD8<Float>(), r28 = SIMD8<Float>()
            while x &+ 8 <= end {
                if x & 15 == 0 {   // one 64-byte line = 16 floats
                    prefetchCacheLine(imo + x + ahead)
                    prefetchCacheLineForWriting(yo + x + ahead)
                    prefetchCacheLineForWriting(ro + x + ahead)
                    if !uniform { prefetchCacheLine(wo + x + ahead) }
                }
                let ib = bf8 * SIMD8<Float>(unaligned: s + x) + SIMD8<Float>(unaligned: d + x)
                let y = SIMD8<Float>(unaligned: yo + x)
                let imv = SIMD8<Float>(unaligned: imo + x)
                let v = imv - ib + y * inv8
                let th = uniform ? inv8 : SIMD8<Float>(unaligned: wo + x) * inv8
                let ir = v - clamp8(v, th)
                storeUnaligned(ir, ro + x)
                let rr = imv - ir
                sr8 += rr
                if dark {
                    si8 += rr * SIMD8<Float>(unaligned: inside + x)
                    so8 += rr * SIMD8<Float>(unaligned: outside + x)
                }
                let res = rr - ib
                let yn = y + mu8 * res
                storeUnaligned(yn, yo + x)
                r28 += res * res
                storeUnaligned(SIMD8<Float>(unaligned: g + x) + (res + yn * next8), g + x)
                x &+= 8
            }
            var srx = sr8.sum(), six = si8.sum(), sox = so8.sum(), r2x = r28.sum()
            while x < end {
                let ib = bf * s[x] + d[x]
                let y = yo[x]
                let v = imo[x] - ib + y * invMu
                let ir = v - clamp1(v, (uniform ? 1 : wo[x]) * invMu)
                ro[x] = ir
                let rr = imo[x] - ir
                srx += rr
                if dark { six += rr * inside[x]; sox += rr * outside[x] }
                let res = rr - ib
                let yn = y + muF * res
                yo[x] = yn
                r2x += res * res
                g[x] += res + yn * invNext
                x += 1
            }
            sr += Double(srx); si += Double(six); so += Double(sox)
            total += Double(r2x)
        }
        k.sums[f * 3] = sr
        k.sums[f * 3 + 1] = si
        k.sums[f * 3 + 2] = so
    }
    k.chunkR2[c] = total
}

/// ``approximateChunk(_:_:uniform:dark:)`` with baseline code generation: the counterpart of
/// `approximateChunkAVX2`.
///
/// - Complexity: O(frames of the chunk · P).
@inline(never)
package func approximateChunkBaseline(_ c: Int, _ k: ApproximateStep, uniform: Bool, dark: Bool) {
    approximateChunk(c, k, uniform: uniform, dark: dark)
}
