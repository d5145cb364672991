import ScopeKitCore
import Foundation
import RealModule

/// A precomputed complex FFT of one length: factorisation, twiddle factors and, for lengths with a large prime
/// factor, the Bluestein chirp. Immutable, so one plan serves any number of threads at once.
///
/// The transform works on *split-complex* data (separate real and imaginary buffers) laid out as a batch of
/// interleaved sequences: element `i` of sequence `b` is at `i * batch + b`. All butterflies run an inner loop
/// over contiguous memory, which the compiler vectorises; a single sequence is the case `batch == 1`.
///
/// Algorithm: a Stockham autosort (no bit reversal, natural order in and out) with radix-4, 2, 3 and 5
/// butterflies and a generic odd radix for small primes (≤ 31); a length with a larger prime factor uses
/// Bluestein's chirp-z algorithm over a 5-smooth convolution length ≥ 2n − 1. Forward transforms use
/// `exp(-2πi jk/n)` (numpy's sign); inverses are unnormalised.
///
/// ```swift
/// let plan = FFTPlan<Double>.shared(count: 1000)
/// var re = [Double](repeating: 0, count: 1000), im = re
/// re[1] = 1
/// plan.forward(real: &re, imaginary: &im)   // re[k] = cos(2πk/1000), im[k] = -sin(2πk/1000)
/// ```
///
/// - Complexity: O(n log n) per sequence for every length n.
public final class FFTPlan<T: FFTScalar>: @unchecked Sendable {
    /// The transform length.
    public let count: Int
    let stages: [FFTStage<T>]
    let bluestein: BluesteinData<T>?

    /// The cached plan of a length (created on first use; thread-safe).
    ///
    /// - Parameter count: the transform length, ≥ 1.
    /// - Complexity: O(n) the first time for a length, O(1) afterwards.
    public static func shared(count: Int) -> FFTPlan<T> {
        PlanCache.shared.plan(kind: "c2c", count: count, scalar: T.self) { FFTPlan(count: count) }
    }

    /// Creates an uncached plan. Prefer ``shared(count:)``.
    ///
    /// - Precondition: `count ≥ 1`.
    public init(count: Int) {
        precondition(count >= 1, "FFTPlan: length \(count) < 1")
        self.count = count
        let factors = FFTPlan.factorize(count)
        if let largest = factors.max(), largest > 31 {
            stages = []
            bluestein = BluesteinData(count: count)
        } else {
            var stages: [FFTStage<T>] = []
            var remaining = count
            for p in factors {
                stages.append(FFTStage(radix: p, length: remaining))
                remaining /= p
            }
            self.stages = stages
            bluestein = nil
        }
    }

    /// Radices in execution order: the power of two as 8s with at most two 4s or one 2 (fewest passes,
    /// no radix 2 unless n has a single factor 2), then 3, 5 and other primes ascending.
    static func factorize(_ n: Int) -> [Int] {
        var factors: [Int] = []
        var m = n
        var twos = 0
        while m % 2 == 0 { twos += 1; m /= 2 }
        switch twos % 3 {
        case 0: factors += Array(repeating: 8, count: twos / 3)
        case 1: factors += twos == 1 ? [2] : Array(repeating: 8, count: twos / 3 - 1) + [4, 4]
        default: factors += Array(repeating: 8, count: twos / 3) + [4]
        }
        var p = 3
        while p * p <= m {
            while m % p == 0 { factors.append(p); m /= p }
            p += 2
        }
        if m > 1 { factors.append(m) }
        return factors
    }

    /// The number of scratch elements ``transform(real:imaginary:batch:work:)`` needs for `batch` sequences.
    public func workCount(batch: Int) -> Int {
        if let b = bluestein { return 2 * b.convolutionLength * batch + b.plan.workCount(batch: batch) }
        return 2 * count * batch + 2 * scratchGap(T.self)
    }

    /// Forward-transforms `batch` interleaved sequences in place (unnormalised, sign −).
    ///
    /// - Parameters:
    ///   - real: real parts, `count * batch` elements, element `i` of sequence `b` at `i * batch + b`.
    ///   - imaginary: imaginary parts, same layout.
    ///   - batch: the number of sequences, ≥ 1.
    ///   - work: scratch of at least ``workCount(batch:)`` elements, not overlapping the data.
    /// - Complexity: O(batch · n log n).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func transform(real: UnsafeMutablePointer<T>, imaginary: UnsafeMutablePointer<T>, batch: Int,
                          work: UnsafeMutablePointer<T>) {
        if let b = bluestein {
            b.transform(real: real, imaginary: imaginary, batch: batch, work: work)
            return
        }
        if stages.isEmpty { return }
        let total = count * batch
        var xr = real, xi = imaginary
        // Gaps keep the four buffers off each other's 4 KiB alias (power-of-two lengths would otherwise make
        // every load wait on unrelated stores with the same low address bits).
        let gap = scratchGap(T.self)
        var yr = work + gap, yi = yr + total + gap
        var stride = batch
        for stage in stages {
            stage.apply(xr, xi, yr, yi, stride: stride)
            swap(&xr, &yr)
            swap(&xi, &yi)
            stride *= stage.radix
        }
        if xr != real {
            real.update(from: xr, count: total)
            imaginary.update(from: xi, count: total)
        }
    }

    /// Inverse-transforms `batch` interleaved sequences in place (unnormalised, sign +: no 1/n factor).
    ///
    /// Computed as the forward transform with real and imaginary parts exchanged.
    @inlinable
    public func inverseTransform(real: UnsafeMutablePointer<T>, imaginary: UnsafeMutablePointer<T>, batch: Int,
                                 work: UnsafeMutablePointer<T>) {
        transform(real: imaginary, imaginary: real, batch: batch, work: work)
    }

    /// Forward-transforms one sequence in place (unnormalised), allocating its own scratch.
    ///
    /// - Precondition: both arrays hold ``count`` elements.
    public func forward(real: inout [T], imaginary: inout [T]) {
        run(real: &real, imaginary: &imaginary, inverse: false)
    }

    /// Inverse-transforms one sequence in place (unnormalised: divide by ``count`` for numpy's `ifft`).
    ///
    /// - Precondition: both arrays hold ``count`` elements.
    public func inverse(real: inout [T], imaginary: inout [T]) {
        run(real: &real, imaginary: &imaginary, inverse: true)
    }

    private func run(real: inout [T], imaginary: inout [T], inverse: Bool) {
        precondition(real.count == count && imaginary.count == count, "FFTPlan: arrays are not of length \(count)")
        let work = UnsafeMutablePointer<T>.allocate(capacity: workCount(batch: 1))
        defer { work.deallocate() }
        real.withUnsafeMutableBufferPointer { r in
            imaginary.withUnsafeMutableBufferPointer { i in
                if inverse {
                    inverseTransform(real: r.baseAddress!, imaginary: i.baseAddress!, batch: 1, work: work)
                } else {
                    transform(real: r.baseAddress!, imaginary: i.baseAddress!, batch: 1, work: work)
                }
            }
        }
    }
}

/// `exp(-2πi k / n)` computed in double precision with the angle reduced exactly (k mod n).
@inline(__always)
func unitRoot(_ k: Int, _ n: Int) -> (cos: Double, sin: Double) {
    let r = ((k % n) + n) % n
    let a = -2 * Double.pi * Double(r) / Double(n)
    return (Double.cos(a), Double.sin(a))
}

/// Bluestein's algorithm for one length: the chirp `w_k = exp(-iπ k²/n)` and the spectrum of its conjugate
/// padded to a 5-smooth length `m ≥ 2n − 1`, prescaled by 1/m.
final class BluesteinData<T: FFTScalar>: @unchecked Sendable {
    let count: Int
    let convolutionLength: Int
    let plan: FFTPlan<T>
    let chirpRe: [T], chirpIm: [T]
    let filterRe: [T], filterIm: [T]

    init(count n: Int) {
        count = n
        let m = FFT.nextFastLength(2 * n - 1)
        convolutionLength = m
        plan = FFTPlan<T>.shared(count: m)
        var cr = [Double](repeating: 0, count: n), ci = cr
        for k in 0..<n {
            // exp(-iπ k²/n) = exp(-2πi (k² mod 2n) / 2n)
            let k2 = (k * k) % (2 * n)
            let w = unitRoot(k2, 2 * n)
            cr[k] = w.cos
            ci[k] = w.sin
        }
        chirpRe = cr.map { T($0) }
        chirpIm = ci.map { T($0) }
        // b_l = conj(w_l) at l and m - l; its FFT is computed in double precision for accuracy.
        var br = [Double](repeating: 0, count: m), bi = br
        for k in 0..<n {
            br[k] = cr[k]; bi[k] = -ci[k]
            if k > 0 { br[m - k] = cr[k]; bi[m - k] = -ci[k] }
        }
        FFTPlan<Double>.shared(count: m).forward(real: &br, imaginary: &bi)
        let s = 1 / Double(m)
        filterRe = br.map { T($0 * s) }
        filterIm = bi.map { T($0 * s) }
    }

    func transform(real: UnsafeMutablePointer<T>, imaginary: UnsafeMutablePointer<T>, batch nb: Int,
                   work: UnsafeMutablePointer<T>) {
        let n = count, m = convolutionLength
        let ar = work, ai = work + m * nb, sub = work + 2 * m * nb
        chirpRe.withUnsafeBufferPointer { cr in
            chirpIm.withUnsafeBufferPointer { ci in
                for k in 0..<n {
                    let wr = cr[k], wi = ci[k], o = k * nb
                    for b in 0..<nb {
                        let xr = real[o + b], xi = imaginary[o + b]
                        ar[o + b] = xr * wr - xi * wi
                        ai[o + b] = xr * wi + xi * wr
                    }
                }
            }
        }
        (ar + n * nb).update(repeating: 0, count: (m - n) * nb)
        (ai + n * nb).update(repeating: 0, count: (m - n) * nb)
        plan.transform(real: ar, imaginary: ai, batch: nb, work: sub)
        filterRe.withUnsafeBufferPointer { fr in
            filterIm.withUnsafeBufferPointer { fi in
                for k in 0..<m {
                    let wr = fr[k], wi = fi[k], o = k * nb
                    for b in 0..<nb {
                        let xr = ar[o + b], xi = ai[o + b]
                        ar[o + b] = xr * wr - xi * wi
                        ai[o + b] = xr * wi + xi * wr
                    }
                }
            }
        }
        plan.inverseTransform(real: ar, imaginary: ai, batch: nb, work: sub)
        chirpRe.withUnsafeBufferPointer { cr in
            chirpIm.withUnsafeBufferPointer { ci in
                for k in 0..<n {
                    let wr = cr[k], wi = ci[k], o = k * nb
                    for b in 0..<nb {
                        let xr = ar[o + b], xi = ai[o + b]
                        real[o + b] = xr * wr - xi * wi
                        imaginary[o + b] = xr * wi + xi * wr
                    }
                }
            }
        }
    }
}
