import Foundation
import ScopeKitCore
import ScopeKitFlatFieldAVX2
import ScopeKitFlatFieldKernels

/// One-axis resampling as a sparse weight matrix: output `j` = Σ_k weights[offsets[j] + k] · input[starts[j] + k].
struct ResampleAxis: Sendable {
    let inputCount: Int
    let outputCount: Int
    var starts: [Int] = []
    var lengths: [Int] = []
    var offsets: [Int] = []
    var weights: [Float] = []

    /// `jax.image.resize(method='linear', antialias=True)` along one axis (BaSiCPy 1.2.0 downsampling to the
    /// working size): a triangle kernel at half-pixel-aligned sample positions, widened by the scale factor
    /// when shrinking, each output's weights normalised to sum 1, outputs whose sample lies outside the
    /// input get 0.
    static func linearAntialiased(from n: Int, to m: Int) -> ResampleAxis {
        var axis = ResampleAxis(inputCount: n, outputCount: m)
        let inverseScale = Double(n) / Double(m)
        let kernelScale = Swift.max(inverseScale, 1)
        for j in 0..<m {
            let sample = (Double(j) + 0.5) * inverseScale - 0.5
            let lo = Swift.max(0, Int((sample - kernelScale).rounded(.down)))
            let hi = Swift.min(n - 1, Int((sample + kernelScale).rounded(.up)))
            var w: [Double] = []
            var total = 0.0
            if lo <= hi {
                for i in lo...hi {
                    let v = Swift.max(0, 1 - abs(sample - Double(i)) / kernelScale)
                    w.append(v)
                    total += v
                }
            }
            let inside = sample >= -0.5 && sample <= Double(n) - 0.5
            let usable = inside && abs(total) > 1000 * Double(Float.ulpOfOne)
            axis.starts.append(lo)
            axis.offsets.append(axis.weights.count)
            axis.lengths.append(usable ? w.count : 0)
            if usable { axis.weights.append(contentsOf: w.map { Float($0 / total) }) }
        }
        return axis
    }

    /// `skimage.transform.resize(order=1, mode='reflect')` along one axis when enlarging (BaSiCPy 1.2.0
    /// upsampling of the profiles): linear interpolation at half-pixel-aligned positions, mirrored about the
    /// edge pixel centres (`scipy.ndimage.zoom(grid_mode=True, mode='mirror')`).
    static func linearMirror(from n: Int, to m: Int) -> ResampleAxis {
        var axis = ResampleAxis(inputCount: n, outputCount: m)
        let scale = Double(n) / Double(m)
        for j in 0..<m {
            axis.offsets.append(axis.weights.count)
            if n == 1 {
                axis.starts.append(0); axis.lengths.append(1); axis.weights.append(1)
                continue
            }
            var c = (Double(j) + 0.5) * scale - 0.5
            let period = 2.0 * Double(n - 1)
            c = c.truncatingRemainder(dividingBy: period)
            if c < 0 { c = -c }
            if c > Double(n - 1) { c = period - c }
            var i0 = Int(c.rounded(.down))
            if i0 >= n - 1 { i0 = n - 2 }
            let f = c - Double(i0)
            axis.starts.append(i0); axis.lengths.append(2)
            axis.weights.append(Float(1 - f)); axis.weights.append(Float(f))
        }
        return axis
    }

    /// Whether every input sample enters some output (with a weight, possibly 0), so a NaN or ∞ anywhere in
    /// the input reaches the output (0 · ∞ and 0 · NaN are NaN).
    var coversInput: Bool {
        var covered = [Bool](repeating: false, count: inputCount)
        for j in 0..<outputCount where lengths[j] > 0 {
            for i in starts[j]..<(starts[j] + lengths[j]) { covered[i] = true }
        }
        return !covered.contains(false)
    }

    /// Resamples `lines` lines of `inputCount` samples with element stride `stride` between samples and
    /// `lineStride` between lines (both in elements), into outputs with the given strides.
    func apply(_ src: UnsafePointer<Float>, stride: Int, lineStride: Int, lines: Range<Int>,
               into dst: UnsafeMutablePointer<Float>, outStride: Int, outLineStride: Int) {
        weights.withUnsafeBufferPointer { w in
            for line in lines {
                let s = src + line * lineStride
                let d = dst + line * outLineStride
                for j in 0..<outputCount {
                    var acc: Float = 0
                    let o = offsets[j], start = starts[j]
                    for k in 0..<lengths[j] { acc += w[o + k] * s[(start + k) * stride] }
                    d[j * outStride] = acc
                }
            }
        }
    }
}

/// A 2-D resampling plan (rows, then columns) and the size of its scratch buffer.
///
/// The row pass adds whole input rows into each output row (contiguous, vectorised, and for a 2048² → 128²
/// shrink it reads every input row about twice); the column pass then works on the few output rows only.
struct Resampler2D: Sendable {
    let rows: ResampleAxis
    let columns: ResampleAxis

    /// Downsampling to the working size as BaSiCPy 1.2.0 does (`jax.image.resize`, linear, antialiased).
    static func toWorkingSize(from shape: (Int, Int), to size: (Int, Int)) -> Resampler2D {
        Resampler2D(rows: .linearAntialiased(from: shape.0, to: size.0),
                    columns: .linearAntialiased(from: shape.1, to: size.1))
    }

    var inputCount: Int { rows.inputCount * columns.inputCount }
    /// Whether a NaN or ∞ anywhere in the input shows in the output (both axes ``ResampleAxis/coversInput``),
    /// so checking the small output replaces a pass over the large input. (Finite values that overflow to ∞
    /// in the weighted sums are then reported too.)
    var propagatesNonFinite: Bool { rows.coversInput && columns.coversInput }
    var outputCount: Int { rows.outputCount * columns.outputCount }
    /// Floats of scratch ``apply(_:into:scratch:)`` needs: rowsOut × colsIn.
    var scratchCount: Int { rows.outputCount * columns.inputCount }

    /// Resamples one [rowsIn, colsIn] image into [rowsOut, colsOut]; `scratch` holds ``scratchCount`` floats.
    /// The row pass runs the AVX2 build of its kernel when ``CPUFeatures/level`` is ``SIMDLevel/avx2`` (same bits).
    ///
    /// - Complexity: O(rowsOut · taps · colsIn + rowsOut · colsOut · taps).
    func apply<T: BaSiCSample>(_ src: UnsafePointer<T>, into dst: UnsafeMutablePointer<Float>,
                               scratch: UnsafeMutablePointer<Float>) {
        let ci = columns.inputCount, ro = rows.outputCount, co = columns.outputCount
        let avx2 = CPUFeatures.level == .avx2
        rows.weights.withUnsafeBufferPointer { w in
            rows.offsets.withUnsafeBufferPointer { offsets in
                rows.starts.withUnsafeBufferPointer { starts in
                    rows.lengths.withUnsafeBufferPointer { lengths in
                        let (w, o, s, l) = (w.baseAddress!, offsets.baseAddress!, starts.baseAddress!,
                                            lengths.baseAddress!)
                        if avx2 {
                            resampleRowPassAVX2(UnsafeRawPointer(src), kind: T.sampleKind, into: scratch, weights: w,
                                                offsets: o, starts: s, lengths: l, outputRows: ro, columns: ci)
                        } else {
                            resampleRowPass(src, into: scratch, weights: w, offsets: o, starts: s, lengths: l,
                                            outputRows: ro, columns: ci)
                        }
                    }
                }
            }
        }
        columns.weights.withUnsafeBufferPointer { w in
            columns.starts.withUnsafeBufferPointer { starts in
                columns.lengths.withUnsafeBufferPointer { lengths in
                    columns.offsets.withUnsafeBufferPointer { offsets in
                        // Four rows at a time share each output column's taps: four independent sums (the
                        // latency of one float add per tap is hidden), each in tap order as one at a time.
                        var j = 0
                        while j + 4 <= ro {
                            let l0 = scratch + j * ci, l1 = l0 + ci, l2 = l1 + ci, l3 = l2 + ci
                            let d = dst + j * co
                            for c in 0..<co {
                                var a0: Float = 0, a1: Float = 0, a2: Float = 0, a3: Float = 0
                                let o = offsets[c], s = starts[c]
                                for k in 0..<lengths[c] {
                                    let wk = w[o + k]
                                    a0 += wk * l0[s + k]
                                    a1 += wk * l1[s + k]
                                    a2 += wk * l2[s + k]
                                    a3 += wk * l3[s + k]
                                }
                                d[c] = a0
                                d[co + c] = a1
                                d[2 * co + c] = a2
                                d[3 * co + c] = a3
                            }
                            j += 4
                        }
                        while j < ro {
                            let line = scratch + j * ci, d = dst + j * co
                            for c in 0..<co {
                                var a: Float = 0
                                let o = offsets[c], s = starts[c]
                                for k in 0..<lengths[c] { a += w[o + k] * line[s + k] }
                                d[c] = a
                            }
                            j += 1
                        }
                    }
                }
            }
        }
    }
}

extension BaSiC {
    /// Resizes a profile back from the working size as BaSiCPy 1.2.0 does (`skimage.transform.resize`,
    /// order 1, `mode='reflect'`, `clip=True`). Enlarging interpolates linearly; shrinking first smooths
    /// with scikit-image's anti-aliasing Gaussian (σ = (factor − 1)/2, mirrored edges).
    static func resizeProfile(_ p: [Double], from shape: (Int, Int), to target: (Int, Int)) -> [Float] {
        [Float](unsafeUninitializedCapacity: target.0 * target.1) { out, count in
            resizeProfile(p, from: shape, to: target, into: out.baseAddress!)
            count = target.0 * target.1
        }
    }

    /// ``resizeProfile(_:from:to:)`` written into `out` (`target.0 · target.1` floats), so a full-size profile
    /// is allocated once, by the caller (a 2048² profile is 16 MiB of fresh, kernel-zeroed pages per buffer).
    static func resizeProfile(_ p: [Double], from shape: (Int, Int), to target: (Int, Int),
                              into out: UnsafeMutablePointer<Float>) {
        let count = target.0 * target.1
        if shape == target {
            for i in 0..<count { out[i] = Float(p[i]) }
            return
        }
        var src = p.map { Float($0) }
        let lo = src.min() ?? 0, hi = src.max() ?? 0
        // Anti-aliasing for an axis that shrinks.
        let sigmaRows = Swift.max(0, (Double(shape.0) / Double(target.0) - 1) / 2)
        let sigmaCols = Swift.max(0, (Double(shape.1) / Double(target.1) - 1) / 2)
        if sigmaRows > 0 || sigmaCols > 0 {
            src = gaussianMirror(src, rows: shape.0, columns: shape.1, sigma: (sigmaRows, sigmaCols))
        }
        let plan = Resampler2D(rows: .linearMirror(from: shape.0, to: target.0),
                               columns: .linearMirror(from: shape.1, to: target.1))
        var scratch = [Float](repeating: 0, count: plan.scratchCount)
        src.withUnsafeBufferPointer { s in
            scratch.withUnsafeMutableBufferPointer { t in
                plan.apply(s.baseAddress!, into: out, scratch: t.baseAddress!)
            }
        }
        for i in 0..<count { out[i] = Swift.min(Swift.max(out[i], lo), hi) }
    }

    /// `scipy.ndimage.gaussian_filter(mode='mirror', truncate=4)` of a small 2-D image.
    static func gaussianMirror(_ x: [Float], rows: Int, columns: Int, sigma: (Double, Double)) -> [Float] {
        func kernel(_ s: Double) -> [Double] {
            guard s > 0 else { return [1] }
            let r = Int(4 * s + 0.5)
            var k = (-r...r).map { exp(-0.5 * Double($0 * $0) / (s * s)) }
            let total = k.reduce(0, +)
            k = k.map { $0 / total }
            return k
        }
        func mirror(_ i: Int, _ n: Int) -> Int {
            if n == 1 { return 0 }
            let period = 2 * (n - 1)
            var j = i % period
            if j < 0 { j += period }
            return j < n ? j : period - j
        }
        var a = x.map(Double.init)
        let kr = kernel(sigma.0), kc = kernel(sigma.1)
        var b = a
        let hc = kc.count / 2
        for r in 0..<rows {
            for c in 0..<columns {
                var acc = 0.0
                for (k, w) in kc.enumerated() { acc += w * a[r * columns + mirror(c + k - hc, columns)] }
                b[r * columns + c] = acc
            }
        }
        let hr = kr.count / 2
        for r in 0..<rows {
            for c in 0..<columns {
                var acc = 0.0
                for (k, w) in kr.enumerated() { acc += w * b[mirror(r + k - hr, rows) * columns + c] }
                a[r * columns + c] = acc
            }
        }
        return a.map { Float($0) }
    }
}
