import RealModule
import ScopeKitCore

/// The orthonormal DCT-II / DCT-III of one length `N` on batches of lines (see ``DCT``).
///
/// Large N use Makhoul's algorithm: reorder `v = [x0, x2, x4, …, x5, x3, x1]`, take the real FFT of `v`
/// (n/2-point complex FFT) and rotate each frequency by `exp(-iπk/2N)`; the inverse runs the same steps
/// backwards. Small N (≤ ``matrixLimit``) multiply by the N×N cosine matrix, which is faster there.
final class DCTPlan<T: FFTScalar>: @unchecked Sendable {
    /// Lengths up to this use the direct matrix product.
    static var matrixLimit: Int { 16 }

    let count: Int
    let real: RealFFTPlan<T>?
    /// Input positions of the packed real/imaginary slots (Makhoul's reordering composed with packing).
    let evenPositions: [Int], oddPositions: [Int]
    /// `f_k·cos(πk/2N)`, `f_k·sin(πk/2N)` for k in 0...N/2 (forward; f_0 = √(1/N), f_k = √(2/N)).
    let forwardCos: [T], forwardSin: [T]
    /// The same rotation for the inverse, scaled by 1/(f_k·N).
    let inverseCos: [T], inverseSin: [T]
    /// Orthonormal DCT-II matrix `C[k][j] = f_k cos(πk(2j+1)/2N)` (small N only).
    let matrix: [T]

    static func shared(count: Int) -> DCTPlan<T> {
        PlanCache.shared.plan(kind: "dct", count: count, scalar: T.self) { DCTPlan(count: count) }
    }

    init(count n: Int) {
        precondition(n >= 1)
        count = n
        let f0 = (1 / Double(n)).squareRoot(), f = (2 / Double(n)).squareRoot()
        if n <= DCTPlan.matrixLimit {
            var c: [T] = []
            for k in 0..<n {
                for j in 0..<n {
                    let a = Double.pi * Double(k * (2 * j + 1) % (4 * n)) / Double(2 * n)
                    c.append(T((k == 0 ? f0 : f) * Double.cos(a)))
                }
            }
            matrix = c
            real = nil
            evenPositions = []; oddPositions = []
            forwardCos = []; forwardSin = []; inverseCos = []; inverseSin = []
            return
        }
        matrix = []
        let plan = RealFFTPlan<T>.shared(count: n)
        real = plan
        let half = (n + 1) / 2
        let perm = (0..<n).map { j in j < half ? 2 * j : 2 * (n - 1 - j) + 1 }
        if n % 2 == 0 {
            evenPositions = (0..<(n / 2)).map { perm[2 * $0] }
            oddPositions = (0..<(n / 2)).map { perm[2 * $0 + 1] }
        } else {
            evenPositions = perm
            oddPositions = []
        }
        var fc: [T] = [], fs: [T] = [], ic: [T] = [], isn: [T] = []
        for k in 0...(n / 2) {
            let a = Double.pi * Double(k) / Double(2 * n)
            let fk = k == 0 ? f0 : f
            fc.append(T(fk * Double.cos(a))); fs.append(T(fk * Double.sin(a)))
            let g = 1 / (fk * Double(n))
            ic.append(T(g * Double.cos(a))); isn.append(T(g * Double.sin(a)))
        }
        forwardCos = fc; forwardSin = fs; inverseCos = ic; inverseSin = isn
    }

    /// Scratch scalars for a batch of `nb` lines.
    func workCount(batch nb: Int) -> Int {
        guard let real else { return 2 * count * nb }
        return 2 * count * nb + 2 * (count / 2 + 1) * nb + 2 * real.packedCount * nb + 5 * scratchGap(T.self)
            + real.workCount(batch: nb)
    }

    /// Orthonormal DCT-II (or DCT-III when `inverse`) of the lines `lines` of `data`, in place.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func apply(_ data: UnsafeMutablePointer<T>, geometry g: LineGeometry, lines: Range<Int>, inverse: Bool,
               work: UnsafeMutablePointer<T>) {
        let n = count, nb = lines.count
        guard let real else {
            let x = work, y = work + n * nb
            gatherReal(data, pointStride: g.inner, geometry: g, lines: lines, count: n, into: x)
            matrix.withUnsafeBufferPointer { c in
                for k in 0..<n {
                    let yk = y + k * nb
                    for b in 0..<nb { yk[b] = 0 }
                    for j in 0..<n {
                        let w = inverse ? c[j * n + k] : c[k * n + j]
                        let xj = x + j * nb
                        for b in 0..<nb { yk[b] += w * xj[b] }
                    }
                }
            }
            scatterReal(y, scale: 1, into: data, pointStride: g.inner, geometry: g, lines: lines, count: n)
            return
        }
        let h = n / 2, packed = real.packedCount
        // Buffers a few cache lines apart modulo 4 KiB (see scratchGap).
        let gap = scratchGap(T.self)
        let y = work, vr = y + n * nb + gap, vi = vr + (h + 1) * nb + gap, zr = vi + (h + 1) * nb + gap
        let zi = zr + packed * nb + gap, fftWork = zi + packed * nb + gap
        let even = n % 2 == 0
        evenPositions.withUnsafeBufferPointer { ep in
            oddPositions.withUnsafeBufferPointer { op in
                if !inverse {
                    // Gather whole lines (vector transposes), then reorder rows into the packed slots.
                    gatherReal(data, pointStride: g.inner, geometry: g, lines: lines, count: n, into: y)
                    permuteRows(y, rows: ep.baseAddress!, count: packed, width: nb, into: zr)
                    if even {
                        permuteRows(y, rows: op.baseAddress!, count: packed, width: nb, into: zi)
                    } else {
                        zi.update(repeating: 0, count: packed * nb)
                    }
                    real.forward(packedReal: zr, packedImaginary: zi, outRe: vr, outIm: vi, batch: nb, work: fftWork)
                    if prefersPairs(T.self) && nb % 2 == 0 {
                        rotateForward(SIMD2<T>.self, vr, vi, y, nb)
                    } else if nb % 4 == 0 {
                        rotateForward(SIMD4<T>.self, vr, vi, y, nb)
                    } else {
                        rotateForward(ScalarVector<T>.self, vr, vi, y, nb)
                    }
                    scatterReal(y, scale: 1, into: data, pointStride: g.inner, geometry: g, lines: lines,
                                count: n)
                } else {
                    gatherReal(data, pointStride: g.inner, geometry: g, lines: lines, count: n, into: y)
                    if prefersPairs(T.self) && nb % 2 == 0 {
                        rotateInverse(SIMD2<T>.self, y, vr, vi, nb)
                    } else if nb % 4 == 0 {
                        rotateInverse(SIMD4<T>.self, y, vr, vi, nb)
                    } else {
                        rotateInverse(ScalarVector<T>.self, y, vr, vi, nb)
                    }
                    real.inverse(inRe: vr, inIm: vi, packedReal: zr, packedImaginary: zi, batch: nb, work: fftWork)
                    unpermuteRows(zr, rows: ep.baseAddress!, count: packed, width: nb, into: y)
                    if even {
                        unpermuteRows(zi, rows: op.baseAddress!, count: packed, width: nb, into: y)
                    }
                    scatterReal(y, scale: 1, into: data, pointStride: g.inner, geometry: g, lines: lines,
                                count: n)
                }
            }
        }
    }

    /// `y_k = f_k Re(V_k e^{−iπk/2N})`, `y_{N−k} = −f_k Im(V_k e^{−iπk/2N})` for k in 0...N/2.
    @inline(__always)
    private func rotateForward<V: FFTVector>(_: V.Type, _ vr: UnsafeMutablePointer<T>, _ vi: UnsafeMutablePointer<T>,
                                             _ y: UnsafeMutablePointer<T>, _ nb: Int) where V.Scalar == T {
        let n = count
        forwardCos.withUnsafeBufferPointer { cs in
            forwardSin.withUnsafeBufferPointer { sn in
                for k in 0...(n / 2) {
                    let c = V(broadcast: cs[k]), s = V(broadcast: sn[k]), o = k * nb
                    let mirrored = k > 0 && n - k != k
                    let ym = y + (n - k) * nb
                    for b in stride(from: 0, to: nb, by: V.width) {
                        let r = V(loading: vr + o + b), i = V(loading: vi + o + b)
                        (r * c + i * s).store(to: y + o + b)
                        if mirrored { (r * s - i * c).store(to: ym + b) }
                    }
                }
            }
        }
    }

    /// The inverse rotation: `V_k = g_k (y_k − i y_{N−k}) e^{iπk/2N}` with `g_k = 1 / (f_k N)`, `y_N = 0`.
    @inline(__always)
    private func rotateInverse<V: FFTVector>(_: V.Type, _ y: UnsafeMutablePointer<T>, _ vr: UnsafeMutablePointer<T>,
                                             _ vi: UnsafeMutablePointer<T>, _ nb: Int) where V.Scalar == T {
        let n = count
        let c0 = inverseCos[0]
        for b in 0..<nb { vr[b] = y[b] * c0; vi[b] = 0 }
        guard n / 2 >= 1 else { return }
        inverseCos.withUnsafeBufferPointer { cs in
            inverseSin.withUnsafeBufferPointer { sn in
                for k in 1...(n / 2) {
                    let c = V(broadcast: cs[k]), s = V(broadcast: sn[k]), o = k * nb
                    let ym = y + (n - k) * nb
                    for b in stride(from: 0, to: nb, by: V.width) {
                        let yk = V(loading: y + o + b), yn = V(loading: ym + b)
                        (yk * c + yn * s).store(to: vr + o + b)
                        (yk * s - yn * c).store(to: vi + o + b)
                    }
                }
            }
        }
    }
}
