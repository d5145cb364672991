import ScopeKitCore
import RealModule

/// One Stockham pass of radix `p` over sub-transforms of length `length` (= p · m).
///
/// Input element `(j + r·m)`, output element `(p·j + t)`, each a contiguous run of `stride` values (the
/// sequences of the batch times the sub-transforms already split off). Output `t` of butterfly `j` is
/// multiplied by the twiddle `exp(-2πi j t / length)`, stored at `j·(p−1) + t − 1`.
final class FFTStage<T: FFTScalar>: @unchecked Sendable {
    let radix: Int
    let m: Int
    let twiddleRe: [T], twiddleIm: [T]
    /// cos and sin of 2πk/p for the generic odd radix.
    let rootCos: [T], rootSin: [T]

    init(radix p: Int, length: Int) {
        radix = p
        m = length / p
        var wr: [T] = [], wi: [T] = []
        wr.reserveCapacity(m * (p - 1)); wi.reserveCapacity(m * (p - 1))
        for j in 0..<m {
            for t in 1..<p {
                let w = unitRoot(j * t, length)
                wr.append(T(w.cos)); wi.append(T(w.sin))
            }
        }
        twiddleRe = wr
        twiddleIm = wi
        if p > 5 && p != 8 {
            rootCos = (0..<p).map { T(Double.cos(2 * Double.pi * Double($0) / Double(p))) }
            rootSin = (0..<p).map { T(Double.sin(2 * Double.pi * Double($0) / Double(p))) }
        } else {
            rootCos = []
            rootSin = []
        }
    }

    @inline(__always)
    func apply(_ xr: UnsafeMutablePointer<T>, _ xi: UnsafeMutablePointer<T>,
               _ yr: UnsafeMutablePointer<T>, _ yi: UnsafeMutablePointer<T>, stride s: Int) {
        twiddleRe.withUnsafeBufferPointer { twr in
            twiddleIm.withUnsafeBufferPointer { twi in
                let wr = twr.baseAddress!, wi = twi.baseAddress!
                // Contiguous runs use 128-bit vectors (SIMD2<Double>, SIMD4<Float>); other strides (only in
                // the first pass of a single sequence) use the scalar path of the same kernel.
                if prefersPairs(T.self) && s % 2 == 0 {
                    dispatch(SIMD2<T>.self, xr, xi, yr, yi, s, wr, wi)
                } else if s % 4 == 0 {
                    dispatch(SIMD4<T>.self, xr, xi, yr, yi, s, wr, wi)
                } else {
                    dispatch(ScalarVector<T>.self, xr, xi, yr, yi, s, wr, wi)
                }
            }
        }
    }

    @inline(__always)
    private func dispatch<V: FFTVector>(_: V.Type, _ xr: UnsafeMutablePointer<T>, _ xi: UnsafeMutablePointer<T>,
                                        _ yr: UnsafeMutablePointer<T>, _ yi: UnsafeMutablePointer<T>, _ s: Int,
                                        _ wr: UnsafePointer<T>, _ wi: UnsafePointer<T>) where V.Scalar == T {
        switch radix {
        case 4: radix4(V.self, xr, xi, yr, yi, s, wr, wi)
        case 8: radix8(V.self, xr, xi, yr, yi, s, wr, wi)
        case 2: radix2(V.self, xr, xi, yr, yi, s, wr, wi)
        case 3: radix3(V.self, xr, xi, yr, yi, s, wr, wi)
        case 5: radix5(V.self, xr, xi, yr, yi, s, wr, wi)
        default: radixOdd(xr, xi, yr, yi, s, wr, wi)
        }
    }

    @inline(__always)
    private func radix2<V: FFTVector>(_: V.Type, _ xr: UnsafeMutablePointer<T>, _ xi: UnsafeMutablePointer<T>,
                        _ yr: UnsafeMutablePointer<T>, _ yi: UnsafeMutablePointer<T>, _ s: Int,
                        _ twr: UnsafePointer<T>, _ twi: UnsafePointer<T>) where V.Scalar == T {
        for j in 0..<m {
            let a0 = j * s, a1 = (j + m) * s, c0 = 2 * j * s, c1 = c0 + s
            let w1r = V(broadcast: twr[j]), w1i = V(broadcast: twi[j])
            for q in stride(from: 0, to: s, by: V.width) {
                let ar = V(loading: xr + a0 + q), ai = V(loading: xi + a0 + q), br = V(loading: xr + a1 + q), bi = V(loading: xi + a1 + q)
                (ar + br).store(to: yr + c0 + q)
                (ai + bi).store(to: yi + c0 + q)
                let dr = ar - br, di = ai - bi
                (dr * w1r - di * w1i).store(to: yr + c1 + q)
                (dr * w1i + di * w1r).store(to: yi + c1 + q)
            }
        }
    }

    @inline(__always)
    private func radix4<V: FFTVector>(_: V.Type, _ xr: UnsafeMutablePointer<T>, _ xi: UnsafeMutablePointer<T>,
                        _ yr: UnsafeMutablePointer<T>, _ yi: UnsafeMutablePointer<T>, _ s: Int,
                        _ twr: UnsafePointer<T>, _ twi: UnsafePointer<T>) where V.Scalar == T {
        for j in 0..<m {
            let a0 = j * s, a1 = (j + m) * s, a2 = (j + 2 * m) * s, a3 = (j + 3 * m) * s
            let c0 = 4 * j * s, c1 = c0 + s, c2 = c1 + s, c3 = c2 + s
            let w1r = V(broadcast: twr[3 * j]), w1i = V(broadcast: twi[3 * j])
            let w2r = V(broadcast: twr[3 * j + 1]), w2i = V(broadcast: twi[3 * j + 1])
            let w3r = V(broadcast: twr[3 * j + 2]), w3i = V(broadcast: twi[3 * j + 2])
            for q in stride(from: 0, to: s, by: V.width) {
                let x0r = V(loading: xr + a0 + q), x0i = V(loading: xi + a0 + q), x1r = V(loading: xr + a1 + q), x1i = V(loading: xi + a1 + q)
                let x2r = V(loading: xr + a2 + q), x2i = V(loading: xi + a2 + q), x3r = V(loading: xr + a3 + q), x3i = V(loading: xi + a3 + q)
                let t0r = x0r + x2r, t0i = x0i + x2i, t1r = x0r - x2r, t1i = x0i - x2i
                let t2r = x1r + x3r, t2i = x1i + x3i, t3r = x1r - x3r, t3i = x1i - x3i
                (t0r + t2r).store(to: yr + c0 + q)
                (t0i + t2i).store(to: yi + c0 + q)
                // c1 = t1 - i t3, c2 = t0 - t2, c3 = t1 + i t3
                let c1r = t1r + t3i, c1i = t1i - t3r
                let c2r = t0r - t2r, c2i = t0i - t2i
                let c3r = t1r - t3i, c3i = t1i + t3r
                (c1r * w1r - c1i * w1i).store(to: yr + c1 + q)
                (c1r * w1i + c1i * w1r).store(to: yi + c1 + q)
                (c2r * w2r - c2i * w2i).store(to: yr + c2 + q)
                (c2r * w2i + c2i * w2r).store(to: yi + c2 + q)
                (c3r * w3r - c3i * w3i).store(to: yr + c3 + q)
                (c3r * w3i + c3i * w3r).store(to: yi + c3 + q)
            }
        }
    }

    /// Radix 8 as two radix-4 butterflies (even and odd inputs) combined with the eighth roots of unity.
    @inline(__always)
    private func radix8<V: FFTVector>(_: V.Type, _ xr: UnsafeMutablePointer<T>, _ xi: UnsafeMutablePointer<T>,
                        _ yr: UnsafeMutablePointer<T>, _ yi: UnsafeMutablePointer<T>, _ s: Int,
                        _ twr: UnsafePointer<T>, _ twi: UnsafePointer<T>) where V.Scalar == T {
        let h = V(broadcast: T(0.70710678118654752440084436210484904))  // √½
        for j in 0..<m {
            let a0 = j * s, ms = m * s
            let c0 = 8 * j * s
            let tw = 7 * j
            for q in stride(from: 0, to: s, by: V.width) {
                let p0 = a0 + q
                // Even inputs 0, 2, 4, 6 → E0…E3.
                let x0r = V(loading: xr + p0), x0i = V(loading: xi + p0)
                let x2r = V(loading: xr + p0 + 2 * ms), x2i = V(loading: xi + p0 + 2 * ms)
                let x4r = V(loading: xr + p0 + 4 * ms), x4i = V(loading: xi + p0 + 4 * ms)
                let x6r = V(loading: xr + p0 + 6 * ms), x6i = V(loading: xi + p0 + 6 * ms)
                let a0r = x0r + x4r, a0i = x0i + x4i, a1r = x0r - x4r, a1i = x0i - x4i
                let a2r = x2r + x6r, a2i = x2i + x6i, a3r = x2r - x6r, a3i = x2i - x6i
                let e0r = a0r + a2r, e0i = a0i + a2i, e2r = a0r - a2r, e2i = a0i - a2i
                let e1r = a1r + a3i, e1i = a1i - a3r, e3r = a1r - a3i, e3i = a1i + a3r
                // Odd inputs 1, 3, 5, 7 → O0…O3.
                let x1r = V(loading: xr + p0 + ms), x1i = V(loading: xi + p0 + ms)
                let x3r = V(loading: xr + p0 + 3 * ms), x3i = V(loading: xi + p0 + 3 * ms)
                let x5r = V(loading: xr + p0 + 5 * ms), x5i = V(loading: xi + p0 + 5 * ms)
                let x7r = V(loading: xr + p0 + 7 * ms), x7i = V(loading: xi + p0 + 7 * ms)
                let b0r = x1r + x5r, b0i = x1i + x5i, b1r = x1r - x5r, b1i = x1i - x5i
                let b2r = x3r + x7r, b2i = x3i + x7i, b3r = x3r - x7r, b3i = x3i - x7i
                let o0r = b0r + b2r, o0i = b0i + b2i, o2r = b0r - b2r, o2i = b0i - b2i
                let o1r = b1r + b3i, o1i = b1i - b3r, o3r = b1r - b3i, o3i = b1i + b3r
                // ω¹·O1 = (O1r + O1i, O1i − O1r)·√½, ω²·O2 = −i·O2, ω³·O3 = (O3i − O3r, −O3r − O3i)·√½.
                let u1r = h * (o1r + o1i), u1i = h * (o1i - o1r)
                let u3r = h * (o3i - o3r), u3i = h * (o3r + o3i)
                let y0r = e0r + o0r, y0i = e0i + o0i, y4r = e0r - o0r, y4i = e0i - o0i
                let y1r = e1r + u1r, y1i = e1i + u1i, y5r = e1r - u1r, y5i = e1i - u1i
                let y2r = e2r + o2i, y2i = e2i - o2r, y6r = e2r - o2i, y6i = e2i + o2r
                let y3r = e3r + u3r, y3i = e3i - u3i, y7r = e3r - u3r, y7i = e3i + u3i
                let o = c0 + q
                y0r.store(to: yr + o)
                y0i.store(to: yi + o)
                twiddle(V.self, y1r, y1i, twr[tw], twi[tw], yr + o + s, yi + o + s)
                twiddle(V.self, y2r, y2i, twr[tw + 1], twi[tw + 1], yr + o + 2 * s, yi + o + 2 * s)
                twiddle(V.self, y3r, y3i, twr[tw + 2], twi[tw + 2], yr + o + 3 * s, yi + o + 3 * s)
                twiddle(V.self, y4r, y4i, twr[tw + 3], twi[tw + 3], yr + o + 4 * s, yi + o + 4 * s)
                twiddle(V.self, y5r, y5i, twr[tw + 4], twi[tw + 4], yr + o + 5 * s, yi + o + 5 * s)
                twiddle(V.self, y6r, y6i, twr[tw + 5], twi[tw + 5], yr + o + 6 * s, yi + o + 6 * s)
                twiddle(V.self, y7r, y7i, twr[tw + 6], twi[tw + 6], yr + o + 7 * s, yi + o + 7 * s)
            }
        }
    }

    /// Stores `(zr + i·zi)·(wr + i·wi)`.
    @inline(__always)
    private func twiddle<V: FFTVector>(_: V.Type, _ zr: V, _ zi: V, _ wr: T, _ wi: T, _ outR: UnsafeMutablePointer<T>,
                                       _ outI: UnsafeMutablePointer<T>) where V.Scalar == T {
        let vr = V(broadcast: wr), vi = V(broadcast: wi)
        (zr * vr - zi * vi).store(to: outR)
        (zr * vi + zi * vr).store(to: outI)
    }

    @inline(__always)
    private func radix3<V: FFTVector>(_: V.Type, _ xr: UnsafeMutablePointer<T>, _ xi: UnsafeMutablePointer<T>,
                        _ yr: UnsafeMutablePointer<T>, _ yi: UnsafeMutablePointer<T>, _ s: Int,
                        _ twr: UnsafePointer<T>, _ twi: UnsafePointer<T>) where V.Scalar == T {
        let h = V(broadcast: T(0.86602540378443864676372317075293618))  // sin(2π/3)
        let half = V(broadcast: T(0.5))
        for j in 0..<m {
            let a0 = j * s, a1 = (j + m) * s, a2 = (j + 2 * m) * s
            let c0 = 3 * j * s, c1 = c0 + s, c2 = c1 + s
            let w1r = V(broadcast: twr[2 * j]), w1i = V(broadcast: twi[2 * j]), w2r = V(broadcast: twr[2 * j + 1]), w2i = V(broadcast: twi[2 * j + 1])
            for q in stride(from: 0, to: s, by: V.width) {
                let x0r = V(loading: xr + a0 + q), x0i = V(loading: xi + a0 + q)
                let sr = V(loading: xr + a1 + q) + V(loading: xr + a2 + q), si = V(loading: xi + a1 + q) + V(loading: xi + a2 + q)
                let dr = V(loading: xr + a1 + q) - V(loading: xr + a2 + q), di = V(loading: xi + a1 + q) - V(loading: xi + a2 + q)
                (x0r + sr).store(to: yr + c0 + q)
                (x0i + si).store(to: yi + c0 + q)
                let mr = x0r - half * sr, mi = x0i - half * si
                let e1r = mr + h * di, e1i = mi - h * dr
                let e2r = mr - h * di, e2i = mi + h * dr
                (e1r * w1r - e1i * w1i).store(to: yr + c1 + q)
                (e1r * w1i + e1i * w1r).store(to: yi + c1 + q)
                (e2r * w2r - e2i * w2i).store(to: yr + c2 + q)
                (e2r * w2i + e2i * w2r).store(to: yi + c2 + q)
            }
        }
    }

    @inline(__always)
    private func radix5<V: FFTVector>(_: V.Type, _ xr: UnsafeMutablePointer<T>, _ xi: UnsafeMutablePointer<T>,
                        _ yr: UnsafeMutablePointer<T>, _ yi: UnsafeMutablePointer<T>, _ s: Int,
                        _ twr: UnsafePointer<T>, _ twi: UnsafePointer<T>) where V.Scalar == T {
        let c1 = V(broadcast: T(0.30901699437494742410229341718281906))   // cos(2π/5)
        let c2 = V(broadcast: T(-0.80901699437494742410229341718281906))  // cos(4π/5)
        let s1 = V(broadcast: T(0.95105651629515357211643933337938214))   // sin(2π/5)
        let s2 = V(broadcast: T(0.58778525229247312916870595463907277))   // sin(4π/5)
        for j in 0..<m {
            let a0 = j * s, a1 = (j + m) * s, a2 = (j + 2 * m) * s, a3 = (j + 3 * m) * s, a4 = (j + 4 * m) * s
            let o0 = 5 * j * s, o1 = o0 + s, o2 = o1 + s, o3 = o2 + s, o4 = o3 + s
            let w1r = V(broadcast: twr[4 * j]), w1i = V(broadcast: twi[4 * j]), w2r = V(broadcast: twr[4 * j + 1]), w2i = V(broadcast: twi[4 * j + 1])
            let w3r = V(broadcast: twr[4 * j + 2]), w3i = V(broadcast: twi[4 * j + 2]), w4r = V(broadcast: twr[4 * j + 3]), w4i = V(broadcast: twi[4 * j + 3])
            for q in stride(from: 0, to: s, by: V.width) {
                let x0r = V(loading: xr + a0 + q), x0i = V(loading: xi + a0 + q)
                let s1r = V(loading: xr + a1 + q) + V(loading: xr + a4 + q), s1i = V(loading: xi + a1 + q) + V(loading: xi + a4 + q)
                let d1r = V(loading: xr + a1 + q) - V(loading: xr + a4 + q), d1i = V(loading: xi + a1 + q) - V(loading: xi + a4 + q)
                let s2r = V(loading: xr + a2 + q) + V(loading: xr + a3 + q), s2i = V(loading: xi + a2 + q) + V(loading: xi + a3 + q)
                let d2r = V(loading: xr + a2 + q) - V(loading: xr + a3 + q), d2i = V(loading: xi + a2 + q) - V(loading: xi + a3 + q)
                (x0r + s1r + s2r).store(to: yr + o0 + q)
                (x0i + s1i + s2i).store(to: yi + o0 + q)
                let r1r = x0r + c1 * s1r + c2 * s2r, r1i = x0i + c1 * s1i + c2 * s2i
                let r2r = x0r + c2 * s1r + c1 * s2r, r2i = x0i + c2 * s1i + c1 * s2i
                let i1r = s1 * d1r + s2 * d2r, i1i = s1 * d1i + s2 * d2i
                let i2r = s2 * d1r - s1 * d2r, i2i = s2 * d1i - s1 * d2i
                // c1 = r1 - i·i1, c4 = r1 + i·i1, c2 = r2 - i·i2, c3 = r2 + i·i2
                let e1r = r1r + i1i, e1i = r1i - i1r, e4r = r1r - i1i, e4i = r1i + i1r
                let e2r = r2r + i2i, e2i = r2i - i2r, e3r = r2r - i2i, e3i = r2i + i2r
                (e1r * w1r - e1i * w1i).store(to: yr + o1 + q)
                (e1r * w1i + e1i * w1r).store(to: yi + o1 + q)
                (e2r * w2r - e2i * w2i).store(to: yr + o2 + q)
                (e2r * w2i + e2i * w2r).store(to: yi + o2 + q)
                (e3r * w3r - e3i * w3i).store(to: yr + o3 + q)
                (e3r * w3i + e3i * w3r).store(to: yi + o3 + q)
                (e4r * w4r - e4i * w4i).store(to: yr + o4 + q)
                (e4r * w4i + e4i * w4r).store(to: yi + o4 + q)
            }
        }
    }

    /// A generic odd-prime butterfly, O(p²) per butterfly (used for 7 ≤ p ≤ 31).
    private func radixOdd(_ xr: UnsafeMutablePointer<T>, _ xi: UnsafeMutablePointer<T>,
                          _ yr: UnsafeMutablePointer<T>, _ yi: UnsafeMutablePointer<T>, _ s: Int,
                          _ twr: UnsafePointer<T>, _ twi: UnsafePointer<T>) {
        let p = radix, h = (p - 1) / 2
        rootCos.withUnsafeBufferPointer { cosT in
            rootSin.withUnsafeBufferPointer { sinT in
                withUnsafeTemporaryAllocation(of: T.self, capacity: 4 * (h + 1)) { tmp in
                    let sr = tmp.baseAddress!, si = sr + (h + 1), dr = si + (h + 1), di = dr + (h + 1)
                    for j in 0..<m {
                        for q in 0..<s {
                            let x0r = xr[j * s + q], x0i = xi[j * s + q]
                            var y0r = x0r, y0i = x0i
                            for r in 1...h {
                                let ia = (j + r * m) * s + q, ib = (j + (p - r) * m) * s + q
                                sr[r] = xr[ia] + xr[ib]; si[r] = xi[ia] + xi[ib]
                                dr[r] = xr[ia] - xr[ib]; di[r] = xi[ia] - xi[ib]
                                y0r += sr[r]; y0i += si[r]
                            }
                            let base = p * j * s + q
                            yr[base] = y0r
                            yi[base] = y0i
                            for t in 1...h {
                                var rr = x0r, ri = x0i, ir = T.zero, ii = T.zero
                                for r in 1...h {
                                    let k = (r * t) % p
                                    let c = cosT[k], sn = sinT[k]
                                    rr += c * sr[r]; ri += c * si[r]
                                    ir += sn * dr[r]; ii += sn * di[r]
                                }
                                let ar = rr + ii, ai = ri - ir   // output t
                                let br = rr - ii, bi = ri + ir   // output p - t
                                let wa = j * (p - 1) + t - 1, wb = j * (p - 1) + (p - t) - 1
                                let oa = base + t * s, ob = base + (p - t) * s
                                yr[oa] = ar * twr[wa] - ai * twi[wa]
                                yi[oa] = ar * twi[wa] + ai * twr[wa]
                                yr[ob] = br * twr[wb] - bi * twi[wb]
                                yi[ob] = br * twi[wb] + bi * twr[wb]
                            }
                        }
                    }
                }
            }
        }
    }
}
