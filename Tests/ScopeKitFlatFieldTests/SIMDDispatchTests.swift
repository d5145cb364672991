import Foundation
import ScopeKitCore
import Testing
@testable import ScopeKitFlatField
import ScopeKitFlatFieldAVX2
import ScopeKitFlatFieldKernels

/// The AVX2 kernels (ScopeKitFlatFieldAVX2) give the same bits as the baseline ones, kernel by kernel on random
/// data (NaN results: any NaN) and for a whole fit. Run in release too
/// (`swift test -c release -Xswiftc -enable-testing --filter SIMDDispatch`): a debug build does not specialise the
/// LADMAP sweep, so its AVX2 entry runs the generic baseline code.
@Suite(.serialized, .enabled(if: CPUFeatures.hasAVX2FMA, "needs a CPU with AVX2 and FMA"))
struct SIMDDispatchTests {
    /// The bits of `a`, for exact comparisons (NaN payloads and signed zeros included).
    static func bits(_ a: [Float]) -> [UInt32] { a.map(\.bitPattern) }
    static func bits(_ a: [Double]) -> [UInt64] { a.map(\.bitPattern) }
    /// The bits of `a` with every NaN as the canonical quiet NaN: which NaN operand an SSE/AVX instruction passes
    /// on depends on the operand order the compiler picked, so the sign and payload of a NaN result are not
    /// reproducible across code generations (IEEE 754 does not specify them). No NaN reaches a result: a fit
    /// rejects non-finite input, and the apply kernel maps NaN to 0.
    static func bitsNaNAsOne(_ a: [Float]) -> [UInt32] { a.map { $0.isNaN ? Float.nan.bitPattern : $0.bitPattern } }

    /// A float that is sometimes special: NaN, ±∞, ±0, a denormal, or a plain value in `range`.
    static func value(_ g: inout SeededGenerator, _ range: ClosedRange<Float>) -> Float {
        switch Int.random(in: 0..<40, using: &g) {
        case 0: return .nan
        case 1: return .infinity
        case 2: return -.infinity
        case 3: return -0.0
        case 4: return Float(bitPattern: UInt32.random(in: 1..<0x0080_0000, using: &g))   // denormal
        default: return Float.random(in: range, using: &g)
        }
    }

    @Test func uint16ApplyKernel() {
        var g = SeededGenerator(seed: 11)
        let n = 4099
        let src = (0..<n).map { i in i % 97 == 0 ? UInt16.max : UInt16.random(in: 0...UInt16.max, using: &g) }
        var dark = (0..<n).map { _ in Self.value(&g, -500...3000) }
        var flat = (0..<n).map { _ in Self.value(&g, 0.01...3) }
        // Exact ties: (x − d)/1 = k + 0.5.
        for i in stride(from: 3, to: n, by: 7) {
            dark[i] = Float(src[i]) - (Float(Int.random(in: 0...60000, using: &g)) + 0.5)
            flat[i] = 1
        }
        for offset: Float in [0, 0.75, -3] {
            var a = [UInt16](repeating: 7, count: n), b = a
            let da = flatFieldUInt16Kernel(src, &a, dark: dark, flat: flat, count: n, offset: offset)
            let db = flatFieldUInt16KernelAVX2(src, &b, dark: dark, flat: flat, count: n, offset: offset)
            #expect(da == n / 8 * 8 && db == da)
            #expect(a == b)
            // In place.
            var c = src, d = src
            c.withUnsafeMutableBufferPointer { p in
                _ = flatFieldUInt16Kernel(p.baseAddress!, p.baseAddress!, dark: dark, flat: flat, count: n,
                                          offset: offset)
            }
            d.withUnsafeMutableBufferPointer { p in
                _ = flatFieldUInt16KernelAVX2(p.baseAddress!, p.baseAddress!, dark: dark, flat: flat, count: n,
                                              offset: offset)
            }
            #expect(c == d && Array(c[..<da]) == Array(a[..<da]))
        }
    }

    /// The row pass of the working-size resampling, for float (with NaN and ∞), uint16 and uint8 images.
    @Test func resampleRowPassMatches() {
        var g = SeededGenerator(seed: 12)
        for (rowsIn, rowsOut, columns) in [(300, 37, 203), (64, 64, 40), (130, 128, 17), (9, 4, 8)] {
            let axis = ResampleAxis.linearAntialiased(from: rowsIn, to: rowsOut)
            let count = rowsIn * columns
            let floats = (0..<count).map { _ in Self.value(&g, -1000...70000) }
            let words = (0..<count).map { _ in UInt16.random(in: 0...UInt16.max, using: &g) }
            let bytes = (0..<count).map { _ in UInt8.random(in: 0...UInt8.max, using: &g) }
            func run<T: BaSiCSample>(_ src: [T], avx2: Bool) -> [Float] {
                var out = [Float](repeating: .nan, count: rowsOut * columns)
                axis.weights.withUnsafeBufferPointer { w in
                axis.offsets.withUnsafeBufferPointer { o in
                axis.starts.withUnsafeBufferPointer { s in
                axis.lengths.withUnsafeBufferPointer { l in
                src.withUnsafeBufferPointer { p in
                out.withUnsafeMutableBufferPointer { d in
                    let args = (w.baseAddress!, o.baseAddress!, s.baseAddress!, l.baseAddress!)
                    if !avx2 {
                        resampleRowPass(p.baseAddress!, into: d.baseAddress!, weights: args.0, offsets: args.1,
                                        starts: args.2, lengths: args.3, outputRows: rowsOut, columns: columns)
                    } else {
                        resampleRowPassAVX2(UnsafeRawPointer(p.baseAddress!), kind: T.sampleKind,
                                            into: d.baseAddress!, weights: args.0, offsets: args.1, starts: args.2,
                                            lengths: args.3, outputRows: rowsOut, columns: columns)
                    }
                } } } } } }
                return out
            }
            #expect(Self.bitsNaNAsOne(run(floats, avx2: false)) == Self.bitsNaNAsOne(run(floats, avx2: true)))
            #expect(Self.bits(run(words, avx2: false)) == Self.bits(run(words, avx2: true)))
            #expect(Self.bits(run(bytes, avx2: false)) == Self.bits(run(bytes, avx2: true)))
        }
    }

    /// Random inputs of one fused LADMAP step (T frames of P pixels in `chunks` chunks).
    struct LadmapInputs {
        let t: Int, n: Int, chunks: Int
        var im, weights, multiplier, state: [Float]
        var flat, dark, carryFlat: [Float]
        var oldBaseline, carryStep: [Float]
        var oldBaselineD: [Double]
        var invMu, threshold, carryThreshold, carryRatio, mu, nextRatio: Float
        var flatSq, flatDark: Double

        init(t: Int, n: Int, chunks: Int, seed: UInt64) {
            var g = SeededGenerator(seed: seed)
            func floats(_ count: Int, _ r: ClosedRange<Float>) -> [Float] {
                (0..<count).map { _ in Float.random(in: r, using: &g) }
            }
            self.t = t; self.n = n; self.chunks = chunks
            im = floats(t * n, 0...2000); weights = floats(t * n, 0.1...3); multiplier = floats(t * n, -5...5)
            state = floats(t * n, -50...50)
            flat = floats(n, 0.5...1.5); dark = floats(n, 0...20); carryFlat = floats(n, 0.5...1.5)
            oldBaseline = floats(t, 500...1500); carryStep = floats(t, -3...3)
            oldBaselineD = oldBaseline.map { Double($0) + 1e-4 }
            invMu = 0.013; threshold = 0.0071; carryThreshold = 0.0093; carryRatio = 1.37; mu = 77.5
            nextRatio = 0.66
            flatSq = Double(flat.reduce(0) { $0 + $1 * $1 }); flatDark = 3.25
        }

        /// The step's outputs: state, partials, B̃, B − B̃, the chunk scalars.
        func run(avx2: Bool, fresh: Bool = false, carry: Bool, uniform: Bool, dark hasDark: Bool)
            -> ([Float], [Float], [Double], [Float], [Double]) {
            var state = self.state
            var partials = [Float](repeating: .nan, count: chunks * n)
            var newB = [Double](repeating: .nan, count: t)
            var step = [Float](repeating: .nan, count: t)
            var scalars = [Double](repeating: .nan, count: chunks * 2)
            im.withUnsafeBufferPointer { im in
            weights.withUnsafeBufferPointer { w in
            multiplier.withUnsafeBufferPointer { y in
            flat.withUnsafeBufferPointer { s in
            dark.withUnsafeBufferPointer { d in
            carryFlat.withUnsafeBufferPointer { sp in
            oldBaseline.withUnsafeBufferPointer { ob in
            carryStep.withUnsafeBufferPointer { cs in
            oldBaselineD.withUnsafeBufferPointer { obd in
            state.withUnsafeMutableBufferPointer { v in
            partials.withUnsafeMutableBufferPointer { pa in
            newB.withUnsafeMutableBufferPointer { nb in
            step.withUnsafeMutableBufferPointer { st in
            scalars.withUnsafeMutableBufferPointer { sv in
                let k = FusedLadmapStep(
                    im: im.baseAddress!, weights: w.baseAddress!, multiplier: y.baseAddress!, flat: s.baseAddress!,
                    dark: d.baseAddress!, carryFlat: sp.baseAddress!, state: v.baseAddress!,
                    partials: pa.baseAddress!, oldBaseline: ob.baseAddress!,
                    carryStep: cs.baseAddress!, newBaseline: nb.baseAddress!, baselineStep: st.baseAddress!,
                    scalars: sv.baseAddress!, oldBaselineD: obd.baseAddress!, frames: t, pixels: n, chunks: chunks,
                    invMu: invMu, threshold: threshold, carryThreshold: carryThreshold, carryRatio: carryRatio,
                    mu: mu, nextRatio: nextRatio, flatSq: flatSq, flatDark: flatDark)
                for c in 0..<chunks {
                    if avx2 {
                        fusedLadmapChunkAVX2(c, k, fresh: fresh, carry: carry, uniform: uniform, dark: hasDark)
                    } else {
                        fusedLadmapChunkBaseline(c, k, fresh: fresh, carry: carry, uniform: uniform, dark: hasDark)
                    }
                }
            } } } } } } } } } } } } } }
            return (state, partials, newB, step, scalars)
        }
    }

    /// Every flag combination of the fused LADMAP sweep, with a frame size that has a partial 2048-pixel group
    /// and a tail shorter than eight.
    @Test(arguments: [(5, 2100, 2), (3, 67, 3)])
    func fusedLadmapChunkMatches(t: Int, n: Int, chunks: Int) {
        let inputs = LadmapInputs(t: t, n: n, chunks: chunks, seed: UInt64(n))
        for (fresh, carry) in [(false, false), (false, true), (true, false)] {
            for uniform in [false, true] {
                for dark in [false, true] {
                    let a = inputs.run(avx2: false, fresh: fresh, carry: carry, uniform: uniform, dark: dark)
                    let b = inputs.run(avx2: true, fresh: fresh, carry: carry, uniform: uniform, dark: dark)
                    let flags = "\(fresh) \(carry) \(uniform) \(dark)"
                    #expect(Self.bits(a.0) == Self.bits(b.0), "state \(flags)")
                    #expect(Self.bits(a.1) == Self.bits(b.1), "gradient \(flags)")
                    #expect(Self.bits(a.2) == Self.bits(b.2), "baseline \(flags)")
                    #expect(Self.bits(a.3) == Self.bits(b.3), "step \(flags)")
                    #expect(Self.bits(a.4) == Self.bits(b.4), "sums \(flags)")
                }
            }
        }
    }

    /// A fresh step (Y = 0 and I_R = 0 not read) gives the same bits as a step from zeroed buffers, on both paths.
    @Test func freshLadmapStepMatchesZeroedBuffers() {
        var inputs = LadmapInputs(t: 5, n: 2100, chunks: 2, seed: 7)
        var zeroed = inputs
        zeroed.multiplier = [Float](repeating: 0, count: inputs.multiplier.count)
        zeroed.state = [Float](repeating: 0, count: inputs.state.count)
        inputs.multiplier = [Float](repeating: .nan, count: inputs.multiplier.count)
        inputs.state = [Float](repeating: .nan, count: inputs.state.count)
        for avx2 in [false, true] {
            for uniform in [false, true] {
                for dark in [false, true] {
                    let a = inputs.run(avx2: avx2, fresh: true, carry: false, uniform: uniform, dark: dark)
                    let b = zeroed.run(avx2: avx2, carry: false, uniform: uniform, dark: dark)
                    #expect(Self.bits(a.0) == Self.bits(b.0) && Self.bits(a.1) == Self.bits(b.1)
                            && Self.bits(a.2) == Self.bits(b.2) && Self.bits(a.3) == Self.bits(b.3)
                            && Self.bits(a.4) == Self.bits(b.4), "\(avx2) \(uniform) \(dark)")
                }
            }
        }
    }

    /// The chunk-gradient sum gives the same bits on both paths (a range with a tail shorter than eight).
    @Test func chunkPartialSumsMatch() {
        var g = SeededGenerator(seed: 11)
        let chunks = 5, n = 1003
        let partials = (0..<(chunks * n)).map { _ in Float.random(in: -1e4...1e4, using: &g) }
        var a = [Float](repeating: .nan, count: n), b = a
        partials.withUnsafeBufferPointer { p in
            a.withUnsafeMutableBufferPointer { o in
                sumChunkPartials(p.baseAddress!, chunks: chunks, pixels: n, range: 3..<1002, dividedBy: 1.7,
                                 into: o.baseAddress!)
            }
            b.withUnsafeMutableBufferPointer { o in
                sumChunkPartialsAVX2(p.baseAddress!, chunks: chunks, pixels: n, range: 3..<1002, dividedBy: 1.7,
                                     into: o.baseAddress!)
            }
        }
        #expect(Self.bitsNaNAsOne(a) == Self.bitsNaNAsOne(b))
        #expect(a[3] == Float((0..<chunks).reduce(0.0) { $0 + Double(partials[$1 * n + 3]) } / 1.7))
        // Running sums, chunk after chunk (both paths), give the same bits.
        for avx2 in [false, true] {
            var acc = [Double](repeating: .nan, count: n)
            var c = [Float](repeating: .nan, count: n)
            partials.withUnsafeBufferPointer { p in
                acc.withUnsafeMutableBufferPointer { s in
                    for k in 0..<chunks {
                        if avx2 {
                            addChunkPartialAVX2(p.baseAddress! + k * n, to: s.baseAddress!, range: 3..<1002, first: k == 0)
                        } else {
                            addChunkPartial(p.baseAddress! + k * n, to: s.baseAddress!, range: 3..<1002, first: k == 0)
                        }
                    }
                    c.withUnsafeMutableBufferPointer { o in
                        divideChunkSums(s.baseAddress!, range: 3..<1002, dividedBy: 1.7, into: o.baseAddress!)
                    }
                }
            }
            #expect(Self.bitsNaNAsOne(c) == Self.bitsNaNAsOne(a), "running sums \(avx2)")
        }
    }

    /// The spectral-norm block products give the same bits on both paths and as one pass over the whole block
    /// (the pre-session-8 loop), for a block longer than a sub-block with a length that is not a multiple of 4.
    @Test func spectralBlockProductsMatch() {
        var g = SeededGenerator(seed: 5)
        let t = 7, n = 900, range = 5..<(5 + 603)
        let im = (0..<(t * n)).map { _ in Float.random(in: 0...3000, using: &g) }
        let v = (0..<t).map { _ in Float.random(in: 0...1, using: &g) }
        var reference = [Double](repeating: 0, count: t)
        var u = [Double](repeating: 0, count: range.count)
        for f in 0..<t { for k in 0..<range.count { u[k] += Double(v[f]) * Double(im[f * n + range.lowerBound + k]) } }
        for f in 0..<t {
            var s4 = SIMD4<Double>()
            var k = 0
            while k + 4 <= range.count {
                let o = f * n + range.lowerBound + k
                s4 += SIMD4<Double>(u[k], u[k + 1], u[k + 2], u[k + 3])
                    * SIMD4<Double>(Double(im[o]), Double(im[o + 1]), Double(im[o + 2]), Double(im[o + 3]))
                k += 4
            }
            var s = s4.sum()
            while k < range.count { s += u[k] * Double(im[f * n + range.lowerBound + k]); k += 1 }
            reference[f] = s
        }
        func run(_ avx2: Bool) -> [Double] {
            var out = [Double](repeating: .nan, count: t)
            let scratch = UnsafeMutablePointer<Double>.allocate(capacity: spectralSubBlock)
            let acc = UnsafeMutablePointer<SIMD4<Double>>.allocate(capacity: t)
            defer { scratch.deallocate(); acc.deallocate() }
            im.withUnsafeBufferPointer { p in
                v.withUnsafeBufferPointer { vp in
                    out.withUnsafeMutableBufferPointer { o in
                        if avx2 {
                            spectralBlockProductsAVX2(p.baseAddress!, frames: t, pixels: n, range: range,
                                                      v: vp.baseAddress!, u: scratch, acc: acc, into: o.baseAddress!)
                        } else {
                            spectralBlockProducts(p.baseAddress!, frames: t, pixels: n, range: range,
                                                  v: vp.baseAddress!, u: scratch, acc: acc, into: o.baseAddress!)
                        }
                    }
                }
            }
            return out
        }
        #expect(Self.bits(run(false)) == Self.bits(reference))
        #expect(Self.bits(run(true)) == Self.bits(reference))
    }

    /// The eight-pixel medians give the same bits on both paths and match a sort (odd and even T, negative values).
    @Test(arguments: [7, 12])
    func medianGroupsMatch(t: Int) {
        var g = SeededGenerator(seed: UInt64(t))
        let n = 19
        let im = (0..<(t * n)).map { _ in Float(Int.random(in: -40...40, using: &g)) / 4 }
        let keys = UnsafeMutablePointer<SIMD8<Int32>>.allocate(capacity: t)
        defer { keys.deallocate() }
        im.withUnsafeBufferPointer { p in
            for x0 in [0, 11] {
                let a = medianGroup8(p.baseAddress!, frames: t, pixels: n, at: x0, keys: keys)
                let b = medianGroup8AVX2(p.baseAddress!, frames: t, pixels: n, at: x0, keys: keys)
                #expect(a.lower == b.lower && a.upper == b.upper)
                for j in 0..<8 {
                    let column = (0..<t).map { im[$0 * n + x0 + j] }.sorted()
                    #expect(a.upper[j] == column[t / 2] && a.lower[j] == column[t / 2 - 1])
                }
            }
        }
    }

    /// A whole fit (resized uint16 and float input; LADMAP with fused sweeps, approximate with and without a
    /// dark-field; working frames of 40² and 37² pixels, the latter with a scalar tail) gives the same bits on both
    /// paths.
    @Test(arguments: [(BaSiC.FittingMode.ladmap, false, 40), (.ladmap, false, 37), (.approximate, false, 37),
                      (.approximate, true, 40)])
    func wholeFitIsIdentical(mode: BaSiC.FittingMode, darkfield: Bool, size: Int) throws {
        let n = 48
        let images = BaSiCSyntheticTests.tiles(count: 12, size: n, flat: BaSiCSyntheticTests.vignette(n), seed: 9)
        /// The images as uint16, read one at a time (resized from uint16 without a float copy).
        struct Words: BaSiCFrameSource {
            let images: NDArray<Float>
            var frameCount: Int { images.shape[0] }
            var frameShape: [Int] { Array(images.shape.dropFirst()) }
            func frame(_ i: Int) throws -> NDArray<Float> { images.frame(i) }
            func frameData(_ i: Int) throws -> AnyArray {
                let f = images.frame(i)
                return AnyArray(NDArray<UInt16>(f.elements.map { UInt16(Swift.min($0.rounded(), 65535)) },
                                                shape: f.shape))
            }
        }
        var p = BaSiC.Parameters()
        p.workingSize = .square(size)
        p.maxWorkers = 2
        p.fittingMode = mode
        p.getDarkfield = darkfield
        defer { CPUFeatures.override = nil }
        func fit(_ level: SIMDLevel) throws -> [BaSiCProfiles] {
            CPUFeatures.override = level
            #expect(CPUFeatures.level == level)
            // (the uint16 source path once, with LADMAP at 40²: it is the same solver after the resize)
            let fromWords = mode == .ladmap && size == 40
            let words = fromWords ? [try BaSiC.fit(source: Words(images: images), parameters: p)] : []
            return [try BaSiC.fit(images: images, parameters: p)] + words
        }
        let base = try fit(.baseline), fast = try fit(.avx2)
        for (a, b) in zip(base, fast) {
            #expect(Self.bits(a.flatfield.elements) == Self.bits(b.flatfield.elements))
            #expect(Self.bits(a.darkfield.elements) == Self.bits(b.darkfield.elements))
            #expect(Self.bits(a.baseline.elements) == Self.bits(b.baseline.elements))
        }
    }

    @Test func environmentAndOverride() {
        defer { CPUFeatures.override = nil }
        CPUFeatures.override = .baseline
        #expect(CPUFeatures.level == .baseline)
        CPUFeatures.override = nil
        #expect(CPUFeatures.level == CPUFeatures.environmentLevel)
    }
}
