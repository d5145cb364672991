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
        let h = n / 2
        let half = T(0.5)
        rootRe.withUnsafeBufferPointer { wrs in
            rootIm.withUnsafeBufferPointer { wis in
                for k in 0...h {
                    let a = (k == h ? 0 : k) * nb, c = (k == 0 ? 0 : h - k) * nb, o = k * nb
                    let wr = wrs[k], wi = wis[k]
                    for b in 0..<nb {
                        let zkr = zr[a + b], zki = zi[a + b], zmr = zr[c + b], zmi = zi[c + b]
                        let er = half * (zkr + zmr), ei = half * (zki - zmi)
                        let odr = half * (zki + zmi), odi = half * (zmr - zkr)
                        outRe[o + b] = er + wr * odr - wi * odi
                        outIm[o + b] = ei + wr * odi + wi * odr
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
        let h = n / 2
        rootRe.withUnsafeBufferPointer { wrs in
            rootIm.withUnsafeBufferPointer { wis in
                for k in 0..<h {
                    let o = k * nb, c = (h - k) * nb
                    let wr = wrs[k], wi = wis[k]
                    let edge = k == 0
                    for b in 0..<nb {
                        let xkr = inRe[o + b], xmr = inRe[c + b]
                        let xki = edge ? 0 : inIm[o + b], xmi = edge ? 0 : inIm[c + b]
                        let ar = xkr + xmr, ai = xki - xmi
                        let dr = xkr - xmr, di = xki + xmi
                        let or = wr * dr + wi * di, oi = wr * di - wi * dr
                        zr[o + b] = ar - oi
                        zi[o + b] = ai + or
                    }
                }
            }
        }
        complex.inverseTransform(real: zr, imaginary: zi, batch: nb, work: work)
    }
}
