import ScopeKitCore
import RealModule
/// A real-input FFT of one length `n` on batches of sequences, built on a complex plan.
///
/// Even `n` packs the sequence as `z_k = x_2k + i·x_2k+1` (a complex FFT of n/2 points plus an O(n)
/// split step); odd `n` transforms the real sequence as complex with zero imaginary part. Both produce the
/// `n/2 + 1` non-negative frequencies, like `numpy.fft.rfft`.
///
/// Data layout is the batched split layout of ``FFTPlan``: element `i` of sequence `b` at `i * batch + b`.
final class RealFFTPlan<T: FFTScalar>: @unchecked Sendable {
    let count: Int
    /// The complex plan: n/2 points for even n, n for odd n.
    let complex: FFTPlan<T>
    /// `exp(-2πi k/n)` for k in 0...n/2 (even n only).
    let rootRe: [T], rootIm: [T]

    static func shared(count: Int) -> RealFFTPlan<T> {
        PlanCache.shared.plan(kind: "r2c", count: count, scalar: T.self) { RealFFTPlan(count: count) }
    }

    init(count n: Int) {
        precondition(n >= 1)
        count = n
        if n % 2 == 0 {
            complex = FFTPlan<T>.shared(count: n / 2)
            var wr: [T] = [], wi: [T] = []
            for k in 0...(n / 2) {
                let w = unitRoot(k, n)
                wr.append(T(w.cos)); wi.append(T(w.sin))
            }
            rootRe = wr
            rootIm = wi
        } else {
            complex = FFTPlan<T>.shared(count: n)
            rootRe = []
            rootIm = []
        }
    }

    /// Points in the packed complex sequence: n/2 (even) or n (odd).
    var packedCount: Int { count % 2 == 0 ? count / 2 : count }
    /// Points in the half spectrum: n/2 + 1.
    var spectrumCount: Int { count / 2 + 1 }

    func workCount(batch: Int) -> Int { complex.workCount(batch: batch) }

    /// Half spectrum of packed real sequences.
    ///
    /// - Parameters:
    ///   - zr, zi: packed input, ``packedCount`` × batch (even n: `x[2k]`, `x[2k+1]`; odd n: `x[k]`, 0);
    ///     overwritten.
    ///   - outRe, outIm: ``spectrumCount`` × batch outputs (not overlapping the input).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func forward(packedReal zr: UnsafeMutablePointer<T>, packedImaginary zi: UnsafeMutablePointer<T>,
                 outRe: UnsafeMutablePointer<T>, outIm: UnsafeMutablePointer<T>, batch nb: Int,
                 work: UnsafeMutablePointer<T>) {
        complex.transform(real: zr, imaginary: zi, batch: nb, work: work)
        let n = count
        if n % 2 == 1 {
            let h = n / 2 + 1
            outRe.update(from: zr, count: h * nb)
            outIm.update(from: zi, count: h * nb)
            return
        }
        if prefersPairs(T.self) && nb % 2 == 0 {
            splitSpectrum(SIMD2<T>.self, zr, zi, outRe, outIm, nb)
        } else if nb % 4 == 0 {
            splitSpectrum(SIMD4<T>.self, zr, zi, outRe, outIm, nb)
        } else {
            splitSpectrum(ScalarVector<T>.self, zr, zi, outRe, outIm, nb)
        }
    }

    /// `X_k = E_k + W^k O_k` with `E = (Z_k + conj Z_{h−k}) / 2`, `O = −i (Z_k − conj Z_{h−k}) / 2`.
    @inline(__always)
    private func splitSpectrum<V: FFTVector>(_: V.Type, _ zr: UnsafeMutablePointer<T>, _ zi: UnsafeMutablePointer<T>,
                                             _ outRe: UnsafeMutablePointer<T>, _ outIm: UnsafeMutablePointer<T>,
                                             _ nb: Int) where V.Scalar == T {
        let h = count / 2
        let half = V(broadcast: T(0.5))
        rootRe.withUnsafeBufferPointer { wrs in
            rootIm.withUnsafeBufferPointer { wis in
                for k in 0...h {
                    let a = (k == h ? 0 : k) * nb, c = (k == 0 ? 0 : h - k) * nb, o = k * nb
                    let wr = V(broadcast: wrs[k]), wi = V(broadcast: wis[k])
                    for b in stride(from: 0, to: nb, by: V.width) {
                        let zkr = V(loading: zr + a + b), zki = V(loading: zi + a + b)
                        let zmr = V(loading: zr + c + b), zmi = V(loading: zi + c + b)
                        let er = half * (zkr + zmr), ei = half * (zki - zmi)
                        let odr = half * (zki + zmi), odi = half * (zmr - zkr)
                        (er + wr * odr - wi * odi).store(to: outRe + o + b)
                        (ei + wr * odi + wi * odr).store(to: outIm + o + b)
                    }
                }
            }
        }
    }

    /// Real sequences (times n, unnormalised) from half spectra.
    ///
    /// - Parameters:
    ///   - inRe, inIm: ``spectrumCount`` × batch half spectra; the imaginary parts of frequency 0 (and n/2
    ///     for even n) are ignored, like numpy's `irfft`. Not modified.
    ///   - zr, zi: ``packedCount`` × batch outputs: even n gives `n·x[2k]` in `zr[k]` and `n·x[2k+1]` in
    ///     `zi[k]`; odd n gives `n·x[k]` in `zr[k]` (`zi` is scratch).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func inverse(inRe: UnsafePointer<T>, inIm: UnsafePointer<T>,
                 packedReal zr: UnsafeMutablePointer<T>, packedImaginary zi: UnsafeMutablePointer<T>,
                 batch nb: Int, work: UnsafeMutablePointer<T>) {
        let n = count
        if n % 2 == 1 {
            let h = n / 2
            for b in 0..<nb { zr[b] = inRe[b]; zi[b] = 0 }
            if h > 0 {
                for k in 1...h {
                    let o = k * nb, c = (n - k) * nb
                    for b in 0..<nb {
                        let xr = inRe[o + b], xi = inIm[o + b]
                        zr[o + b] = xr; zi[o + b] = xi
                        zr[c + b] = xr; zi[c + b] = -xi
                    }
                }
            }
            complex.inverseTransform(real: zr, imaginary: zi, batch: nb, work: work)
            return
        }
        if prefersPairs(T.self) && nb % 2 == 0 {
            mergeSpectrum(SIMD2<T>.self, inRe, inIm, zr, zi, nb)
        } else if nb % 4 == 0 {
            mergeSpectrum(SIMD4<T>.self, inRe, inIm, zr, zi, nb)
        } else {
            mergeSpectrum(ScalarVector<T>.self, inRe, inIm, zr, zi, nb)
        }
        complex.inverseTransform(real: zr, imaginary: zi, batch: nb, work: work)
    }

    /// `Z'_k = (X_k + conj X_{h−k}) + i W^{−k} (X_k − conj X_{h−k})` (twice the packed spectrum).
    @inline(__always)
    private func mergeSpectrum<V: FFTVector>(_: V.Type, _ inRe: UnsafePointer<T>, _ inIm: UnsafePointer<T>,
                                             _ zr: UnsafeMutablePointer<T>, _ zi: UnsafeMutablePointer<T>,
                                             _ nb: Int) where V.Scalar == T {
        let h = count / 2
        // k = 0 pairs X_0 with X_h; both imaginary parts are ignored (numpy's irfft).
        for b in 0..<nb {
            let x0 = inRe[b], xh = inRe[h * nb + b]
            zr[b] = x0 + xh
            zi[b] = x0 - xh
        }
        guard h > 1 else { return }
        rootRe.withUnsafeBufferPointer { wrs in
            rootIm.withUnsafeBufferPointer { wis in
                for k in 1..<h {
                    let o = k * nb, c = (h - k) * nb
                    let wr = V(broadcast: wrs[k]), wi = V(broadcast: wis[k])
                    for b in stride(from: 0, to: nb, by: V.width) {
                        let xkr = V(loading: inRe + o + b), xmr = V(loading: inRe + c + b)
                        let xki = V(loading: inIm + o + b), xmi = V(loading: inIm + c + b)
                        let ar = xkr + xmr, ai = xki - xmi
                        let dr = xkr - xmr, di = xki + xmi
                        let or = wr * dr + wi * di, oi = wr * di - wi * dr
                        (ar - oi).store(to: zr + o + b)
                        (ai + or).store(to: zi + o + b)
                    }
                }
            }
        }
    }
}
