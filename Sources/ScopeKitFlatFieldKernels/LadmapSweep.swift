import ScopeKitCore

/// Pixels per partial sum of the BaSiC sweeps (a multiple of 8): sums over a frame are made in groups of this many
/// pixels, so they do not depend on how the frame is split between threads.
@usableFromInline package let pixelGroupSize = 2048

/// `clamp(x, −t, t)` of eight lanes: `x − clamp8(x, t)` is the shrinkage and `clamp8(x, t)` what it removes.
///
/// Written lane by lane with scalar selects: the standard library's generic `pointwiseMin`/`pointwiseMax` are
/// not inlined (3–4× slower than the whole rest of the LADMAP sweep), and `replace(with:where:)` on lane masks
/// lowered to a compare and a three-instruction blend per select in some loops. Both selects compare the value
/// they replace (`t < x ? t : x`, then `−t > c ? −t : c`), the operand order of SSE `minps`/`maxps`, so each
/// lowers to one instruction (same lanes, NaN included).
///
/// - Complexity: O(1).
@inlinable @inline(__always)
package func clamp8(_ x: SIMD8<Float>, _ t: SIMD8<Float>) -> SIMD8<Float> {
    var c = SIMD8<Float>()
    for i in 0..<8 {
        let a = t[i] < x[i] ? t[i] : x[i]
        let lo = -t[i]
        c[i] = lo > a ? lo : a
    }
    return c
}

/// `clamp(x, −t, t)`, the part soft thresholding removes (`shrink(x, t) == x − clamp1(x, t)`).
///
/// - Complexity: O(1).
@inlinable @inline(__always)
package func clamp1(_ x: Float, _ t: Float) -> Float {
    Swift.min(Swift.max(x, -t), t)
}

/// Pointers and scalars of one fused LADMAP step of the BaSiC solver, shared by the frame chunks
/// (see `BaSiCSolver.fusedLadmapPass` in ScopeKitFlatField for the algebra).
@usableFromInline package struct FusedLadmapStep: @unchecked Sendable {
    /// Im, W, Y, S, D and the flat-field of the previous step ([T, P] or [P] floats).
    @usableFromInline package var im, weights, multiplier, flat, dark, carryFlat: UnsafePointer<Float>
    /// I_R on the first step of a solve (not read by a fresh one), v (`FusedLadmapCarry`) after; v of this step on
    /// return.
    @usableFromInline package var state: UnsafeMutablePointer<Float>
    /// Per chunk, P floats: the chunk's flat-field gradient (chunk c's at `partials + c · partialStride`).
    @usableFromInline package var partials: UnsafeMutablePointer<Float>
    /// Floats between the chunks' gradients: P (the default), or 0 when the chunks run one after the other and
    /// each gradient is consumed before the next chunk runs (one P-float buffer for all).
    @usableFromInline package var partialStride: Int
    /// Per frame: B_n before the step (float) and B_n − B̃_n of the previous step.
    @usableFromInline package var oldBaseline, carryStep: UnsafePointer<Float>
    /// Per frame: B̃_n (output).
    @usableFromInline package var newBaseline: UnsafeMutablePointer<Double>
    /// Per frame: B_n − B̃_n (output).
    @usableFromInline package var baselineStep: UnsafeMutablePointer<Float>
    /// Per chunk: ‖ΔI_R‖² and ‖res‖² (output).
    @usableFromInline package var scalars: UnsafeMutablePointer<Double>
    /// Per frame: B_n before the step (double).
    @usableFromInline package var oldBaselineD: UnsafePointer<Double>
    /// T, P and the number of frame chunks.
    @usableFromInline package var frames, pixels, chunks: Int
    /// 1/μ, 1/(μT), the previous step's 1/(μT), μ_prev/μ, μ and μ/μ_next.
    @usableFromInline package var invMu, threshold, carryThreshold, carryRatio, mu, nextRatio: Float
    /// Σ S² and Σ S·D.
    @usableFromInline package var flatSq, flatDark: Double

    /// The step from its pointers and scalars (see the properties).
    @inlinable
    package init(im: UnsafePointer<Float>, weights: UnsafePointer<Float>, multiplier: UnsafePointer<Float>,
                 flat: UnsafePointer<Float>, dark: UnsafePointer<Float>, carryFlat: UnsafePointer<Float>,
                 state: UnsafeMutablePointer<Float>, partials: UnsafeMutablePointer<Float>,
                 oldBaseline: UnsafePointer<Float>,
                 carryStep: UnsafePointer<Float>, newBaseline: UnsafeMutablePointer<Double>,
                 baselineStep: UnsafeMutablePointer<Float>, scalars: UnsafeMutablePointer<Double>,
                 oldBaselineD: UnsafePointer<Double>, frames: Int, pixels: Int, chunks: Int, invMu: Float,
                 threshold: Float, carryThreshold: Float, carryRatio: Float, mu: Float, nextRatio: Float,
                 flatSq: Double, flatDark: Double) {
        self.im = im; self.weights = weights; self.multiplier = multiplier; self.flat = flat; self.dark = dark
        self.carryFlat = carryFlat; self.state = state; self.partials = partials; self.partialStride = pixels
        self.oldBaseline = oldBaseline; self.carryStep = carryStep; self.newBaseline = newBaseline
        self.baselineStep = baselineStep; self.scalars = scalars; self.oldBaselineD = oldBaselineD
        self.frames = frames; self.pixels = pixels; self.chunks = chunks; self.invMu = invMu
        self.threshold = threshold; self.carryThreshold = carryThreshold; self.carryRatio = carryRatio
        self.mu = mu; self.nextRatio = nextRatio; self.flatSq = flatSq; self.flatDark = flatDark
    }
}

/// A compile-time switch of the fused LADMAP sweep (each combination is specialised, so the pixel loops carry no
/// per-pixel branches).
@usableFromInline package protocol BaSiCSweepFlag {
    /// Whether the switch is set.
    static var on: Bool { get }
}

/// The switch set, tagged by the module that instantiates the sweep: each module passes its own `Tag` type, so
/// its specialisations of ``fusedLadmapFrames(_:_:_:_:_:)`` have their own symbol names. (A generic
/// specialisation is a shared, weak symbol; with common type arguments the linker could keep the AVX2 module's
/// copy for the baseline path, or the reverse.)
@usableFromInline package enum SweepOn<Tag>: BaSiCSweepFlag {
    @inlinable package static var on: Bool { true }
}

/// The switch cleared, tagged like ``SweepOn``.
@usableFromInline package enum SweepOff<Tag>: BaSiCSweepFlag {
    @inlinable package static var on: Bool { false }
}

/// The frames of chunk `c` of a fused LADMAP step, for the run-time flags: `fresh`: the step starts a solve from
/// Y = 0 and I_R = 0 (neither the state nor the multiplier buffer is read); `carry`: the state buffer holds v of the
/// last step (else I_R, with Y in the multiplier buffer; ignored when `fresh`); `uniform`: every weight is 1 (W is
/// not read); `dark`: D ≠ 0. Each of the twelve combinations is a specialisation of
/// ``fusedLadmapFrames(_:_:_:_:_:_:)`` with the caller's `Tag` type: one function per combination in the caller's
/// module, with its code generation.
///
/// - Parameters:
///   - c: the frame chunk (frames `c·T/chunks ..< (c+1)·T/chunks`).
///   - k: the step's pointers and scalars.
/// - Complexity: O(frames of the chunk · P).
@inlinable @inline(__always)
package func fusedLadmapChunk<Tag>(_ c: Int, _ k: FusedLadmapStep, fresh: Bool, carry: Bool, uniform: Bool,
                                   dark: Bool, _: Tag.Type) {
    typealias On = SweepOn<Tag>
    typealias Off = SweepOff<Tag>
    switch (fresh, carry, uniform, dark) {
    case (true, _, true, false): fusedLadmapFrames(c, k, On.self, Off.self, On.self, Off.self)
    case (true, _, false, false): fusedLadmapFrames(c, k, On.self, Off.self, Off.self, Off.self)
    case (true, _, true, true): fusedLadmapFrames(c, k, On.self, Off.self, On.self, On.self)
    case (true, _, false, true): fusedLadmapFrames(c, k, On.self, Off.self, Off.self, On.self)
    case (false, true, true, false): fusedLadmapFrames(c, k, Off.self, On.self, On.self, Off.self)
    case (false, true, false, false): fusedLadmapFrames(c, k, Off.self, On.self, Off.self, Off.self)
    case (false, false, true, false): fusedLadmapFrames(c, k, Off.self, Off.self, On.self, Off.self)
    case (false, false, false, false): fusedLadmapFrames(c, k, Off.self, Off.self, Off.self, Off.self)
    case (false, true, true, true): fusedLadmapFrames(c, k, Off.self, On.self, On.self, On.self)
    case (false, true, false, true): fusedLadmapFrames(c, k, Off.self, On.self, Off.self, On.self)
    case (false, false, true, true): fusedLadmapFrames(c, k, Off.self, Off.self, On.self, On.self)
    case (false, false, false, true): fusedLadmapFrames(c, k, Off.self, Off.self, Off.self, On.self)
    }
}

/// The tag of the baseline instantiation (``SweepOn``).
enum BaselineSweep {}

/// ``fusedLadmapChunk(_:_:fresh:carry:uniform:dark:_:)`` with baseline code generation: the counterpart of
/// `fusedLadmapChunkAVX2`.
///
/// - Parameters:
///   - c: the frame chunk.
///   - k: the step's pointers and scalars.
///   - fresh, carry, uniform, dark: the sweep's flags.
/// - Complexity: O(frames of the chunk · P).
@inline(never)
package func fusedLadmapChunkBaseline(_ c: Int, _ k: FusedLadmapStep, fresh: Bool = false, carry: Bool,
                                      uniform: Bool, dark: Bool) {
    fusedLadmapChunk(c, k, fresh: fresh, carry: carry, uniform: uniform, dark: dark, BaselineSweep.self)
}

/// The frames of chunk `c` of a fused step (``fusedLadmapChunk(_:_:fresh:carry:uniform:dark:_:)``). Sweep 1 computes
/// v = Im − B S − D + Y/μ, I_R = v − clamp(v, ±τ), Σ_x S·clamp(v, ±τ) and B̃_n; sweep 2 accumulates ‖res‖² and the
/// chunk's flat-field gradient from the frame's Im, v and W again (still in L2: 3 frames of P floats), so nothing
/// is stored per pixel but v; meanwhile it prefetches the next frame's Im, v and W into L2. Sums over a frame are made in ``pixelGroupSize``-pixel groups, eight lanes each,
/// reduced in lane order. The chunk's first frame stores its gradient terms (0 + term, the same bits as adding
/// them to zeros) instead of adding them to a zeroed buffer.
///
/// `@inline(never)`: each specialisation is its own function (eight copies inlined into one function ran ≈ 5 %
/// more instructions).
///
/// - Complexity: O(frames of the chunk · P).
@inlinable @inline(never)
package func fusedLadmapFrames<Fresh: BaSiCSweepFlag, Carry: BaSiCSweepFlag, Uniform: BaSiCSweepFlag,
                               Dark: BaSiCSweepFlag>(
    _ c: Int, _ k: FusedLadmapStep, _: Fresh.Type, _: Carry.Type, _: Uniform.Type, _: Dark.Type) {
    let fresh = Fresh.on, carry = Carry.on, uniform = Uniform.on, dark = Dark.on
    let n = k.pixels, t = k.frames, group = pixelGroupSize
    let s = k.flat, d = k.dark, sp = k.carryFlat
    let g = k.partials + c * k.partialStride
    let firstFrame = c * t / k.chunks
    if firstFrame == (c + 1) * t / k.chunks { g.update(repeating: 0, count: n) }
    var dIR2 = 0.0, r2 = 0.0
    let inv8 = SIMD8<Float>(repeating: k.invMu), th8 = SIMD8<Float>(repeating: k.threshold)
    let thp8 = SIMD8<Float>(repeating: k.carryThreshold), ratio8 = SIMD8<Float>(repeating: k.carryRatio)
    let next8 = SIMD8<Float>(repeating: k.nextRatio)
    for f in (c * t / k.chunks)..<((c + 1) * t / k.chunks) {
        let o = f * n
        let imo = k.im + o, vo = k.state + o, yo = k.multiplier + o, wo = k.weights + o
        // Sweep 1: v = Im − B S − D + Y/μ, I_R = v − clamp(v, ±τ), Σ S·clamp(v, ±τ), ‖ΔI_R‖².
        let bf = k.oldBaseline[f], cp = k.carryStep[f]
        let bf8 = SIMD8<Float>(repeating: bf), cp8 = SIMD8<Float>(repeating: cp)
        var fs = 0.0
        var x = 0
        while x < n {
            let end = Swift.min(n, x + group)
            var fs8 = SIMD8<Float>(), d28 = SIMD8<Float>()
            while x &+ 8 <= end {
                let w8 = uniform ? SIMD8<Float>(repeating: 1) : SIMD8<Float>(unaligned: wo + x)
                let old: SIMD8<Float>, yMu: SIMD8<Float>
                if fresh {
                    // Y = 0 and I_R = 0 as the buffers would hold them (+0; y·(1/μ) = +0).
                    old = SIMD8<Float>()
                    yMu = SIMD8<Float>()
                } else if carry {
                    let vp = SIMD8<Float>(unaligned: vo + x)
                    let cl = clamp8(vp, uniform ? thp8 : w8 * thp8)
                    old = vp - cl
                    yMu = (cl + cp8 * SIMD8<Float>(unaligned: sp + x)) * ratio8
                } else {
                    old = SIMD8<Float>(unaligned: vo + x)
                    yMu = SIMD8<Float>(unaligned: yo + x) * inv8
                }
                let sv = SIMD8<Float>(unaligned: s + x)
                var v = SIMD8<Float>(unaligned: imo + x) - bf8 * sv
                if dark { v -= SIMD8<Float>(unaligned: d + x) }
                v += yMu
                let cl = clamp8(v, uniform ? th8 : w8 * th8)
                let dd = (v - cl) - old
                d28 += dd * dd
                storeUnaligned(v, vo + x)
                fs8 += sv * cl
                x &+= 8
            }
            var fsx = fs8.sum(), d2x = d28.sum()
            while x < end {
                let w = uniform ? 1 : wo[x]
                let old: Float, yMu: Float
                if fresh {
                    old = 0
                    yMu = 0
                } else if carry {
                    let vp = vo[x]
                    let cl = clamp1(vp, uniform ? k.carryThreshold : w * k.carryThreshold)
                    old = vp - cl
                    yMu = (cl + cp * sp[x]) * k.carryRatio
                } else {
                    old = vo[x]
                    yMu = yo[x] * k.invMu
                }
                var v = imo[x] - bf * s[x]
                if dark { v -= d[x] }
                v += yMu
                let cl = clamp1(v, uniform ? k.threshold : w * k.threshold)
                let dd = (v - cl) - old
                d2x += dd * dd
                vo[x] = v
                fsx += s[x] * cl
                x += 1
            }
            fs += Double(fsx)
            dIR2 += Double(d2x)
        }
        // B̃_n = max(0, Σ_x S(R_n + Y_n/μ) / Σ S²).
        let ob = k.oldBaselineD[f]
        let b = k.flatSq > 0 ? (fs + ob * k.flatSq + k.flatDark) / k.flatSq : ob
        let bn = Swift.max(b, 0)
        k.newBaseline[f] = bn
        // Sweep 2 (the frame's Im, v and W are still in cache): I_R = v − clamp(v, ±τ),
        // res = Im − I_R − (B̃ S + D) and u = Y'/μ = clamp(v, ±τ) + (B − B̃) S; gradient += B̃ (res + u·μ/μ').
        let bt = Float(bn), step = bf - bt
        k.baselineStep[f] = step
        let bt8 = SIMD8<Float>(repeating: bt), step8 = SIMD8<Float>(repeating: step)
        let first = f == firstFrame
        // While this frame is read from L2, the next frame's Im, v and W are asked for line by line (one 64-byte
        // line = 16 floats, every other step): sweep 1 of the next frame then finds them in L2, not in L3 or
        // memory (−12 to −19 % per fit; the hardware prefetcher alone does not keep three streams ahead).
        let ahead = f + 1 < t ? n : 0
        x = 0
        while x < n {
            let end = Swift.min(n, x + group)
            var r28 = SIMD8<Float>()
            while x &+ 8 <= end {
                if x & 15 == 0 {
                    prefetchCacheLine(imo + x + ahead)
                    prefetchCacheLineForWriting(vo + x + ahead)
                    if !uniform { prefetchCacheLine(wo + x + ahead) }
                }
                let v = SIMD8<Float>(unaligned: vo + x), sv = SIMD8<Float>(unaligned: s + x)
                let cl = clamp8(v, uniform ? th8 : SIMD8<Float>(unaligned: wo + x) * th8)
                var res = SIMD8<Float>(unaligned: imo + x) - (v - cl) - bt8 * sv
                if dark { res -= SIMD8<Float>(unaligned: d + x) }
                let u = cl + step8 * sv
                r28 += res * res
                let acc = first ? SIMD8<Float>() : SIMD8<Float>(unaligned: g + x)
                storeUnaligned(acc + bt8 * (res + u * next8), g + x)
                x &+= 8
            }
            var r2x = r28.sum()
            while x < end {
                let v = vo[x]
                let cl = clamp1(v, uniform ? k.threshold : wo[x] * k.threshold)
                var res = imo[x] - (v - cl) - bt * s[x]
                if dark { res -= d[x] }
                let u = cl + step * s[x]
                r2x += res * res
                g[x] = (first ? 0 : g[x]) + bt * (res + u * k.nextRatio)
                x += 1
            }
            r2 += Double(r2x)
        }
    }
    k.scalars[c * 2] = dIR2
    k.scalars[c * 2 + 1] = r2
}

/// `out[x] = Float((Σ_c partials[c·P + x]) / m)` for x in `range`: the fused LADMAP step's per-chunk gradients
/// summed in chunk order in double precision, eight pixels at a time (the same bits as one at a time).
///
/// - Parameters:
///   - partials: `chunks` rows of P floats.
///   - chunks: the number of rows.
///   - pixels: P.
///   - range: the pixels to sum.
///   - m: the divisor.
///   - out: P floats (only `range` is written).
/// - Complexity: O(chunks · range.count).
@inlinable @inline(__always)
package func sumChunkPartials(_ partials: UnsafePointer<Float>, chunks: Int, pixels n: Int, range: Range<Int>,
                              dividedBy m: Double, into out: UnsafeMutablePointer<Float>) {
    var x = range.lowerBound
    let m4 = SIMD4<Double>(repeating: m)
    while x &+ 8 <= range.upperBound {
        var lo = SIMD4<Double>(), hi = SIMD4<Double>()
        for c in 0..<chunks {
            let v = SIMD8<Float>(unaligned: partials + c * n + x)
            lo += SIMD4<Double>(v.lowHalf)
            hi += SIMD4<Double>(v.highHalf)
        }
        storeUnaligned(SIMD8<Float>(lowHalf: SIMD4<Float>(lo / m4), highHalf: SIMD4<Float>(hi / m4)), out + x)
        x &+= 8
    }
    while x < range.upperBound {
        var acc = 0.0
        for c in 0..<chunks { acc += Double(partials[c * n + x]) }
        out[x] = Float(acc / m)
        x += 1
    }
}

/// Pixels per sub-block of ``spectralBlockProducts(_:frames:pixels:range:v:u:acc:into:)`` (a multiple of 4): T rows
/// of this many floats stay in L2 between the two products.
@usableFromInline package let spectralSubBlock = 256

/// One pixel block of a power-iteration step on A·Aᵀ for the `[T, P]` stack A: `out[f] = Σ_k A[f, k] · u[k]` over
/// the block's pixels k, with `u[k] = Σ_f v[f] · A[f, k]`, in double precision.
///
/// The block is taken in ``spectralSubBlock``-pixel pieces (each piece's T rows are read twice, the second time
/// from L2); `u[k]` is summed over the frames in order, and each `out[f]` in four lanes (lane j takes the pixels
/// k ≡ j mod 4, below the largest multiple of 4) carried across the pieces, the lanes added in order and the last
/// `count mod 4` pixels one by one: the same sums, in the same order, as one pass over the whole block.
///
/// - Parameters:
///   - im: the stack, T rows of P floats.
///   - t: T.
///   - n: P.
///   - range: the block's pixels.
///   - v: T floats.
///   - u: scratch for ``spectralSubBlock`` doubles.
///   - acc: scratch for T four-lane sums.
///   - out: T doubles.
/// - Complexity: O(T · range.count), the block's rows read twice (the second time from cache).
@inlinable @inline(__always)
package func spectralBlockProducts(_ im: UnsafePointer<Float>, frames t: Int, pixels n: Int, range: Range<Int>,
                                   v: UnsafePointer<Float>, u: UnsafeMutablePointer<Double>,
                                   acc: UnsafeMutablePointer<SIMD4<Double>>, into out: UnsafeMutablePointer<Double>) {
    let len = range.count, vecLen = len & ~3, sub = spectralSubBlock
    for f in 0..<t { acc[f] = SIMD4<Double>() }
    var start = 0
    var last = 0
    while start < len {
        let m = Swift.min(sub, len &- start)
        for k in 0..<m { u[k] = 0 }
        for f in 0..<t {
            let c = Double(v[f])
            let row = im + f &* n + range.lowerBound + start
            for k in 0..<m { u[k] += c * Double(row[k]) }
        }
        let mv = Swift.min(m, Swift.max(0, vecLen &- start))
        for f in 0..<t {
            let row = im + f &* n + range.lowerBound + start
            var s4 = acc[f]
            var k = 0
            while k &+ 4 <= mv {
                s4 += SIMD4<Double>(u[k], u[k &+ 1], u[k &+ 2], u[k &+ 3]) * SIMD4<Double>(SIMD4<Float>(unaligned: row + k))
                k &+= 4
            }
            acc[f] = s4
        }
        last = start
        start &+= m
    }
    for f in 0..<t {
        var s = acc[f].sum()
        let row = im + f &* n + range.lowerBound
        for k in vecLen..<len { s += u[k &- last] * Double(row[k]) }
        out[f] = s
    }
}

/// `acc[x] = (first ? 0 : acc[x]) + Double(partial[x])` for x in `range`: one chunk gradient added to the running
/// double sum (chunks added in chunk order give the bits of ``sumChunkPartials(_:chunks:pixels:range:dividedBy:into:)``
/// before its division).
///
/// - Complexity: O(range.count).
@inlinable @inline(__always)
package func addChunkPartial(_ partial: UnsafePointer<Float>, to acc: UnsafeMutablePointer<Double>, range: Range<Int>,
                             first: Bool) {
    var x = range.lowerBound
    while x &+ 8 <= range.upperBound {
        let v = SIMD8<Float>(unaligned: partial + x)
        let lo = first ? SIMD4<Double>() : SIMD4<Double>(unaligned: acc + x)
        let hi = first ? SIMD4<Double>() : SIMD4<Double>(unaligned: acc + x + 4)
        storeUnaligned(lo + SIMD4<Double>(v.lowHalf), acc + x)
        storeUnaligned(hi + SIMD4<Double>(v.highHalf), acc + x + 4)
        x &+= 8
    }
    while x < range.upperBound {
        acc[x] = (first ? 0 : acc[x]) + Double(partial[x])
        x += 1
    }
}

/// `out[x] = Float(acc[x] / m)` for x in `range` (the end of ``addChunkPartial(_:to:range:first:)``'s sums).
///
/// - Complexity: O(range.count).
@inlinable @inline(__always)
package func divideChunkSums(_ acc: UnsafePointer<Double>, range: Range<Int>, dividedBy m: Double,
                             into out: UnsafeMutablePointer<Float>) {
    var x = range.lowerBound
    let m4 = SIMD4<Double>(repeating: m)
    while x &+ 8 <= range.upperBound {
        let lo = SIMD4<Double>(unaligned: acc + x), hi = SIMD4<Double>(unaligned: acc + x + 4)
        storeUnaligned(SIMD8<Float>(lowHalf: SIMD4<Float>(lo / m4), highHalf: SIMD4<Float>(hi / m4)), out + x)
        x &+= 8
    }
    while x < range.upperBound {
        out[x] = Float(acc[x] / m)
        x += 1
    }
}

/// Keys that order like the floats: for finite a, b: a < b ⇔ key(a) < key(b) (signed), a == b ⇔ equal keys
/// (−0 is taken as +0). Negative floats get their magnitude bits flipped.
///
/// - Complexity: O(1).
@inlinable @inline(__always)
package func orderKeys8(_ v: SIMD8<Float>) -> SIMD8<Int32> {
    let b = unsafeBitCast(v + SIMD8<Float>(), to: SIMD8<Int32>.self)
    return b ^ ((b &>> 31) & SIMD8<Int32>(repeating: 0x7FFF_FFFF))
}

/// The floats of ``orderKeys8(_:)`` keys (the map is its own inverse).
///
/// - Complexity: O(1).
@inlinable @inline(__always)
package func floatsOfKeys8(_ k: SIMD8<Int32>) -> SIMD8<Float> {
    unsafeBitCast(k ^ ((k &>> 31) & SIMD8<Int32>(repeating: 0x7FFF_FFFF)), to: SIMD8<Float>.self)
}

/// Per lane, the k-th smallest (`upper`, 0-based) and the (k−1)-th smallest (`lower`; meaningless for k = 0)
/// of `t` order keys (``orderKeys8(_:)``), as floats.
///
/// Radix selection from the top bit down: bit by bit, a candidate c is kept when at most k keys are below
/// it, so the result is exactly the k-th smallest key (32 counting passes over the t keys, eight lanes at
/// once, no branches on the data); one more pass finds the largest key below it.
///
/// - Parameters:
///   - keys: `t` vectors of eight keys (one lane per pixel).
///   - t: the number of values per lane (≥ 1).
///   - k: the order statistic, 0 ≤ k < t.
/// - Complexity: O(33 · t).
@inlinable @inline(__always)
package func medianKeys8(_ keys: UnsafePointer<SIMD8<Int32>>, _ t: Int, _ k: Int)
    -> (lower: SIMD8<Float>, upper: SIMD8<Float>) {
    let kk = SIMD8<Int32>(repeating: Int32(k))
    let signBit = SIMD8<UInt32>(repeating: 0x8000_0000)
    // The prefix in the unsigned order (key ^ sign bit), so candidates are built from the top bit down.
    var prefix = SIMD8<UInt32>()
    var bit: UInt32 = 0x8000_0000
    while bit != 0 {
        let candidate = prefix | SIMD8<UInt32>(repeating: bit)
        let c = unsafeBitCast(candidate ^ signBit, to: SIMD8<Int32>.self)
        var count = SIMD8<Int32>()
        for f in 0..<t { count &-= unsafeBitCast(keys[f] .< c, to: SIMD8<Int32>.self) }
        prefix.replace(with: candidate, where: count .<= kk)
        bit >>= 1
    }
    let upper = unsafeBitCast(prefix ^ signBit, to: SIMD8<Int32>.self)
    // The (k−1)-th smallest: the largest key below `upper` if k keys are below it, else `upper` itself.
    var below = SIMD8<Int32>(), largest = SIMD8<Int32>(repeating: .min)
    for f in 0..<t {
        let key = keys[f]
        let m = key .< upper
        below &-= unsafeBitCast(m, to: SIMD8<Int32>.self)
        largest.replace(with: key, where: m .& (key .> largest))
    }
    var lower = upper
    lower.replace(with: largest, where: below .== kk)
    return (floatsOfKeys8(lower), floatsOfKeys8(upper))
}

/// The lower and upper middle values (``medianKeys8(_:_:_:)`` with k = T/2) of pixels x0 ..< x0 + 8 over the T
/// images of a `[T, P]` stack.
///
/// - Parameters:
///   - im: the stack.
///   - t: T (≥ 1).
///   - n: P.
///   - x0: the first of the eight pixels.
///   - keys: scratch for T key vectors.
/// - Complexity: O(33 · T).
@inlinable @inline(__always)
package func medianGroup8(_ im: UnsafePointer<Float>, frames t: Int, pixels n: Int, at x0: Int,
                          keys: UnsafeMutablePointer<SIMD8<Int32>>) -> (lower: SIMD8<Float>, upper: SIMD8<Float>) {
    for f in 0..<t { keys[f] = orderKeys8(SIMD8<Float>(unaligned: im + f * n + x0)) }
    return medianKeys8(keys, t, t / 2)
}
