import ScopeKitCore

// The copies between N-D arrays and the batched split layout of the line transforms (point `i` of batch line
// `b` at `i·nb + b`), with 128/256-bit vector loads and stores and 4×4 register transposes.
//
// Point `i` of line `L` is at `base(L)·lineStride + i·pointStride` of its source (see ``LineGeometry``). Three
// cases cover every axis:
// - the batch lines are consecutive elements (`L0 % inner + nb ≤ inner`, every axis but the last): each point
//   is a contiguous run of the batch, copied with vector loads (and de-/re-interleaved for complex64);
// - the lines are rows (`inner == 1`, the last axis): 4 rows × 4 points are loaded and transposed in
//   registers;
// - anything else (a batch straddling two outer blocks): scalar copies.

/// The transpose of the 4×4 block with rows `a`, `b`, `c`, `d`.
@inline(__always)
func transpose4<T: FFTScalar>(_ a: SIMD4<T>, _ b: SIMD4<T>, _ c: SIMD4<T>, _ d: SIMD4<T>)
    -> (SIMD4<T>, SIMD4<T>, SIMD4<T>, SIMD4<T>) {
    let t0 = SIMD4(a[0], b[0], a[1], b[1]), t1 = SIMD4(a[2], b[2], a[3], b[3])
    let t2 = SIMD4(c[0], d[0], c[1], d[1]), t3 = SIMD4(c[2], d[2], c[3], d[3])
    return (SIMD4(t0[0], t0[1], t2[0], t2[1]), SIMD4(t0[2], t0[3], t2[2], t2[3]),
            SIMD4(t1[0], t1[1], t3[0], t3[1]), SIMD4(t1[2], t1[3], t3[2], t3[3]))
}

/// `(r0, i0, r1, i1), (r2, i2, r3, i3)` → `(r0, r1, r2, r3), (i0, i1, i2, i3)`.
@inline(__always)
func deinterleave4<T: FFTScalar>(_ u: SIMD4<T>, _ v: SIMD4<T>) -> (SIMD4<T>, SIMD4<T>) {
    (SIMD4(u[0], u[2], v[0], v[2]), SIMD4(u[1], u[3], v[1], v[3]))
}

/// The inverse of ``deinterleave4(_:_:)``.
@inline(__always)
func interleave4<T: FFTScalar>(_ r: SIMD4<T>, _ i: SIMD4<T>) -> (SIMD4<T>, SIMD4<T>) {
    (SIMD4(r[0], i[0], r[1], i[1]), SIMD4(r[2], i[2], r[3], i[3]))
}

/// Copies `count` points of the complex lines `lines` into `dr[i·nb + b]`, `di[i·nb + b]`.
///
/// Point `i` of line `L` is `re[base(L)·es + i·ps]` + i·`im[…]`; `im == re + 1` marks interleaved storage.
@inline(__always)
func gatherComplex<T: FFTScalar>(re: UnsafePointer<T>, im: UnsafePointer<T>, lineStride es: Int,
                                 pointStride ps: Int, geometry g: LineGeometry, lines: Range<Int>, count: Int,
                                 into dr: UnsafeMutablePointer<T>, _ di: UnsafeMutablePointer<T>) {
    let nb = lines.count, L0 = lines.lowerBound
    let adjacent = im == re + 1
    if L0 % g.inner + nb <= g.inner {
        let o0 = g.base(L0) * es, nv = nb & ~3
        for i in 0..<count {
            let sr = re + o0 + i * ps, si = im + o0 + i * ps, d = i * nb
            var b = 0
            if es == 1 {
                while b < nv {
                    storeUnaligned(SIMD4<T>(unaligned: sr + b), dr + d + b)
                    storeUnaligned(SIMD4<T>(unaligned: si + b), di + d + b)
                    b += 4
                }
            } else if es == 2 && adjacent {
                while b < nv {
                    let (r, m) = deinterleave4(SIMD4<T>(unaligned: sr + 2 * b), SIMD4<T>(unaligned: sr + 2 * b + 4))
                    storeUnaligned(r, dr + d + b)
                    storeUnaligned(m, di + d + b)
                    b += 4
                }
            }
            while b < nb {
                dr[d + b] = sr[b * es]
                di[d + b] = si[b * es]
                b += 1
            }
        }
    } else if g.inner == 1 && (ps == 1 || (ps == 2 && adjacent)) {
        let rs = g.length * es, o0 = L0 * rs, nc = count & ~3
        var b = 0
        while b + 4 <= nb {
            let r0 = re + o0 + b * rs, r1 = r0 + rs, r2 = r1 + rs, r3 = r2 + rs
            let m0 = im + o0 + b * rs, m1 = m0 + rs, m2 = m1 + rs, m3 = m2 + rs
            let d0 = dr + b, e0 = di + b
            if ps == 1 {
                var i = 0
                while i < nc {
                    let (a0, a1, a2, a3) = transpose4(SIMD4<T>(unaligned: r0 + i), SIMD4<T>(unaligned: r1 + i), SIMD4<T>(unaligned: r2 + i), SIMD4<T>(unaligned: r3 + i))
                    let (c0, c1, c2, c3) = transpose4(SIMD4<T>(unaligned: m0 + i), SIMD4<T>(unaligned: m1 + i), SIMD4<T>(unaligned: m2 + i), SIMD4<T>(unaligned: m3 + i))
                    let d = i * nb
                    storeUnaligned(a0, d0 + d); storeUnaligned(a1, d0 + d + nb); storeUnaligned(a2, d0 + d + 2 * nb); storeUnaligned(a3, d0 + d + 3 * nb)
                    storeUnaligned(c0, e0 + d); storeUnaligned(c1, e0 + d + nb); storeUnaligned(c2, e0 + d + 2 * nb); storeUnaligned(c3, e0 + d + 3 * nb)
                    i += 4
                }
            } else {
                var i = 0
                while i < nc {
                    let (x0, y0) = deinterleave4(SIMD4<T>(unaligned: r0 + 2 * i), SIMD4<T>(unaligned: r0 + 2 * i + 4))
                    let (x1, y1) = deinterleave4(SIMD4<T>(unaligned: r1 + 2 * i), SIMD4<T>(unaligned: r1 + 2 * i + 4))
                    let (x2, y2) = deinterleave4(SIMD4<T>(unaligned: r2 + 2 * i), SIMD4<T>(unaligned: r2 + 2 * i + 4))
                    let (x3, y3) = deinterleave4(SIMD4<T>(unaligned: r3 + 2 * i), SIMD4<T>(unaligned: r3 + 2 * i + 4))
                    let (a0, a1, a2, a3) = transpose4(x0, x1, x2, x3)
                    let (c0, c1, c2, c3) = transpose4(y0, y1, y2, y3)
                    let d = i * nb
                    storeUnaligned(a0, d0 + d); storeUnaligned(a1, d0 + d + nb); storeUnaligned(a2, d0 + d + 2 * nb); storeUnaligned(a3, d0 + d + 3 * nb)
                    storeUnaligned(c0, e0 + d); storeUnaligned(c1, e0 + d + nb); storeUnaligned(c2, e0 + d + 2 * nb); storeUnaligned(c3, e0 + d + 3 * nb)
                    i += 4
                }
            }
            for i in nc..<count {
                let d = i * nb, o = i * ps
                d0[d] = r0[o]; d0[d + 1] = r1[o]; d0[d + 2] = r2[o]; d0[d + 3] = r3[o]
                e0[d] = m0[o]; e0[d + 1] = m1[o]; e0[d + 2] = m2[o]; e0[d + 3] = m3[o]
            }
            b += 4
        }
        while b < nb {
            let sr = re + o0 + b * rs, si = im + o0 + b * rs
            for i in 0..<count { dr[i * nb + b] = sr[i * ps]; di[i * nb + b] = si[i * ps] }
            b += 1
        }
    } else {
        for b in 0..<nb {
            let o = g.base(L0 + b) * es
            let sr = re + o, si = im + o
            for i in 0..<count { dr[i * nb + b] = sr[i * ps]; di[i * nb + b] = si[i * ps] }
        }
    }
}

/// The inverse of ``gatherComplex(re:im:lineStride:pointStride:geometry:lines:count:into:_:)``, multiplying
/// by `scale`.
@inline(__always)
func scatterComplex<T: FFTScalar>(_ sr: UnsafePointer<T>, _ si: UnsafePointer<T>, scale: T,
                                  re: UnsafeMutablePointer<T>, im: UnsafeMutablePointer<T>, lineStride es: Int,
                                  pointStride ps: Int, geometry g: LineGeometry, lines: Range<Int>, count: Int) {
    let nb = lines.count, L0 = lines.lowerBound
    let adjacent = im == re + 1
    let f = SIMD4<T>(repeating: scale)
    if L0 % g.inner + nb <= g.inner {
        let o0 = g.base(L0) * es, nv = nb & ~3
        for i in 0..<count {
            let dr = re + o0 + i * ps, di = im + o0 + i * ps, s = i * nb
            var b = 0
            if es == 1 {
                while b < nv {
                    storeUnaligned(SIMD4<T>(unaligned: sr + s + b) * f, dr + b)
                    storeUnaligned(SIMD4<T>(unaligned: si + s + b) * f, di + b)
                    b += 4
                }
            } else if es == 2 && adjacent {
                while b < nv {
                    let (u, v) = interleave4(SIMD4<T>(unaligned: sr + s + b) * f, SIMD4<T>(unaligned: si + s + b) * f)
                    storeUnaligned(u, dr + 2 * b)
                    storeUnaligned(v, dr + 2 * b + 4)
                    b += 4
                }
            }
            while b < nb {
                dr[b * es] = sr[s + b] * scale
                di[b * es] = si[s + b] * scale
                b += 1
            }
        }
    } else if g.inner == 1 && (ps == 1 || (ps == 2 && adjacent)) {
        let rs = g.length * es, o0 = L0 * rs, nc = count & ~3
        var b = 0
        while b + 4 <= nb {
            let r0 = re + o0 + b * rs, r1 = r0 + rs, r2 = r1 + rs, r3 = r2 + rs
            let m0 = im + o0 + b * rs, m1 = m0 + rs, m2 = m1 + rs, m3 = m2 + rs
            let s0 = sr + b, t0 = si + b
            var i = 0
            while i < nc {
                let s = i * nb
                let (a0, a1, a2, a3) = transpose4(SIMD4<T>(unaligned: s0 + s) * f, SIMD4<T>(unaligned: s0 + s + nb) * f,
                                                  SIMD4<T>(unaligned: s0 + s + 2 * nb) * f, SIMD4<T>(unaligned: s0 + s + 3 * nb) * f)
                let (c0, c1, c2, c3) = transpose4(SIMD4<T>(unaligned: t0 + s) * f, SIMD4<T>(unaligned: t0 + s + nb) * f,
                                                  SIMD4<T>(unaligned: t0 + s + 2 * nb) * f, SIMD4<T>(unaligned: t0 + s + 3 * nb) * f)
                if ps == 1 {
                    storeUnaligned(a0, r0 + i); storeUnaligned(a1, r1 + i); storeUnaligned(a2, r2 + i); storeUnaligned(a3, r3 + i)
                    storeUnaligned(c0, m0 + i); storeUnaligned(c1, m1 + i); storeUnaligned(c2, m2 + i); storeUnaligned(c3, m3 + i)
                } else {
                    let (u0, v0) = interleave4(a0, c0), (u1, v1) = interleave4(a1, c1)
                    let (u2, v2) = interleave4(a2, c2), (u3, v3) = interleave4(a3, c3)
                    storeUnaligned(u0, r0 + 2 * i); storeUnaligned(v0, r0 + 2 * i + 4)
                    storeUnaligned(u1, r1 + 2 * i); storeUnaligned(v1, r1 + 2 * i + 4)
                    storeUnaligned(u2, r2 + 2 * i); storeUnaligned(v2, r2 + 2 * i + 4)
                    storeUnaligned(u3, r3 + 2 * i); storeUnaligned(v3, r3 + 2 * i + 4)
                }
                i += 4
            }
            for i in nc..<count {
                let s = i * nb, o = i * ps
                r0[o] = s0[s] * scale; r1[o] = s0[s + 1] * scale; r2[o] = s0[s + 2] * scale; r3[o] = s0[s + 3] * scale
                m0[o] = t0[s] * scale; m1[o] = t0[s + 1] * scale; m2[o] = t0[s + 2] * scale; m3[o] = t0[s + 3] * scale
            }
            b += 4
        }
        while b < nb {
            let dr = re + o0 + b * rs, di = im + o0 + b * rs
            for i in 0..<count { dr[i * ps] = sr[i * nb + b] * scale; di[i * ps] = si[i * nb + b] * scale }
            b += 1
        }
    } else {
        for b in 0..<nb {
            let o = g.base(L0 + b) * es
            let dr = re + o, di = im + o
            for i in 0..<count { dr[i * ps] = sr[i * nb + b] * scale; di[i * ps] = si[i * nb + b] * scale }
        }
    }
}

/// Copies `count` points of the real lines `lines` into `dst[i·nb + b]`; point `i` of line `L` is
/// `src[base(L) + i·ps]`.
@inline(__always)
func gatherReal<T: FFTScalar>(_ src: UnsafePointer<T>, pointStride ps: Int, geometry g: LineGeometry,
                              lines: Range<Int>, count: Int, into dst: UnsafeMutablePointer<T>) {
    let nb = lines.count, L0 = lines.lowerBound
    if L0 % g.inner + nb <= g.inner {
        let o0 = g.base(L0), nv = nb & ~3
        for i in 0..<count {
            let s = src + o0 + i * ps, d = dst + i * nb
            var b = 0
            while b < nv { storeUnaligned(SIMD4<T>(unaligned: s + b), d + b); b += 4 }
            while b < nb { d[b] = s[b]; b += 1 }
        }
    } else if g.inner == 1 && ps == 1 {
        let rs = g.length, o0 = L0 * rs, nc = count & ~3
        var b = 0
        while b + 4 <= nb {
            let r0 = src + o0 + b * rs, r1 = r0 + rs, r2 = r1 + rs, r3 = r2 + rs
            let d0 = dst + b
            var i = 0
            while i < nc {
                let (a0, a1, a2, a3) = transpose4(SIMD4<T>(unaligned: r0 + i), SIMD4<T>(unaligned: r1 + i), SIMD4<T>(unaligned: r2 + i), SIMD4<T>(unaligned: r3 + i))
                let d = i * nb
                storeUnaligned(a0, d0 + d); storeUnaligned(a1, d0 + d + nb); storeUnaligned(a2, d0 + d + 2 * nb); storeUnaligned(a3, d0 + d + 3 * nb)
                i += 4
            }
            for i in nc..<count {
                let d = i * nb
                d0[d] = r0[i]; d0[d + 1] = r1[i]; d0[d + 2] = r2[i]; d0[d + 3] = r3[i]
            }
            b += 4
        }
        while b < nb {
            let s = src + o0 + b * rs
            for i in 0..<count { dst[i * nb + b] = s[i] }
            b += 1
        }
    } else {
        for b in 0..<nb {
            let s = src + g.base(L0 + b)
            for i in 0..<count { dst[i * nb + b] = s[i * ps] }
        }
    }
}

/// The inverse of ``gatherReal(_:pointStride:geometry:lines:count:into:)``, multiplying by `scale`.
@inline(__always)
func scatterReal<T: FFTScalar>(_ src: UnsafePointer<T>, scale: T, into dst: UnsafeMutablePointer<T>,
                               pointStride ps: Int, geometry g: LineGeometry, lines: Range<Int>, count: Int) {
    let nb = lines.count, L0 = lines.lowerBound
    let f = SIMD4<T>(repeating: scale)
    if L0 % g.inner + nb <= g.inner {
        let o0 = g.base(L0), nv = nb & ~3
        for i in 0..<count {
            let d = dst + o0 + i * ps, s = src + i * nb
            var b = 0
            while b < nv { storeUnaligned(SIMD4<T>(unaligned: s + b) * f, d + b); b += 4 }
            while b < nb { d[b] = s[b] * scale; b += 1 }
        }
    } else if g.inner == 1 && ps == 1 {
        let rs = g.length, o0 = L0 * rs, nc = count & ~3
        var b = 0
        while b + 4 <= nb {
            let r0 = dst + o0 + b * rs, r1 = r0 + rs, r2 = r1 + rs, r3 = r2 + rs
            let s0 = src + b
            var i = 0
            while i < nc {
                let s = i * nb
                let (a0, a1, a2, a3) = transpose4(SIMD4<T>(unaligned: s0 + s) * f, SIMD4<T>(unaligned: s0 + s + nb) * f,
                                                  SIMD4<T>(unaligned: s0 + s + 2 * nb) * f, SIMD4<T>(unaligned: s0 + s + 3 * nb) * f)
                storeUnaligned(a0, r0 + i); storeUnaligned(a1, r1 + i); storeUnaligned(a2, r2 + i); storeUnaligned(a3, r3 + i)
                i += 4
            }
            for i in nc..<count {
                let s = i * nb
                r0[i] = s0[s] * scale; r1[i] = s0[s + 1] * scale; r2[i] = s0[s + 2] * scale; r3[i] = s0[s + 3] * scale
            }
            b += 4
        }
        while b < nb {
            let d = dst + o0 + b * rs
            for i in 0..<count { d[i] = src[i * nb + b] * scale }
            b += 1
        }
    } else {
        for b in 0..<nb {
            let d = dst + g.base(L0 + b)
            for i in 0..<count { d[i * ps] = src[i * nb + b] * scale }
        }
    }
}

/// `dst` row `k` (nb scalars) = `src` row `rows[k]`, for k < count.
@inline(__always)
func permuteRows<T: FFTScalar>(_ src: UnsafePointer<T>, rows: UnsafePointer<Int>, count: Int, width nb: Int,
                               into dst: UnsafeMutablePointer<T>) {
    let nv = nb & ~3
    for k in 0..<count {
        let s = src + rows[k] * nb, d = dst + k * nb
        var b = 0
        while b < nv { storeUnaligned(SIMD4<T>(unaligned: s + b), d + b); b += 4 }
        while b < nb { d[b] = s[b]; b += 1 }
    }
}

/// `dst` row `rows[k]` = `src` row `k` (nb scalars), for k < count.
@inline(__always)
func unpermuteRows<T: FFTScalar>(_ src: UnsafePointer<T>, rows: UnsafePointer<Int>, count: Int, width nb: Int,
                                 into dst: UnsafeMutablePointer<T>) {
    let nv = nb & ~3
    for k in 0..<count {
        let s = src + k * nb, d = dst + rows[k] * nb
        var b = 0
        while b < nv { storeUnaligned(SIMD4<T>(unaligned: s + b), d + b); b += 4 }
        while b < nb { d[b] = s[b]; b += 1 }
    }
}
