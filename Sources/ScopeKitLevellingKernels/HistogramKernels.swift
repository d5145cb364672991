import ScopeKitCore

/// numpy's bin of `x` in `[lo, hi]` from its scaled position `t = (x − lo)·bins/(hi − lo)`, corrected against the
/// edges (numpy's rule: `edges[k] ≤ x < edges[k + 1]`, the last bin closed).
///
/// - Parameters:
///   - x: the value, in `[lo, hi]`.
///   - t: its scaled position (within a few ulps of the exact one).
///   - bins: the number of bins.
///   - edges: `bins + 1` values: the `bins` left edges, then +∞.
/// - Complexity: O(1), two edge reads.
@inlinable @inline(__always)
package func numpyBin(_ x: Double, _ t: Double, bins: Int, edges e: UnsafePointer<Double>) -> Int {
    var k = Swift.min(Int(t), bins - 1)
    k &-= _bit(x < e[k])
    k &+= _bit(x >= e[k + 1])
    return k
}

/// numpy's histogram bins of `v[0..<n]`, every value finite and in `[lo, hi]` (the caller's `lo`/`hi` are
/// typically the values' own extrema), counted into four interleaved 32-bit sub-histograms
/// `h[k·bins + bin]`, `k` = the value's lane in its group of four (the caller adds them up).
///
/// The scaled position `t = (x − lo)·norm` is within `margin` (in bins) of the exact position, and so is each
/// edge's: when `t` is farther than `margin` from an integer, `⌊t⌋` is numpy's bin and the edges are not read;
/// otherwise the bin is corrected against `edges` (numpy's rule: `edges[k] ≤ x < edges[k + 1]`, the last bin
/// closed). `⌊t⌋` comes from the 2⁵² rounding trick (`0 ≤ t ≤ bins < 2⁴⁰`), so there is no conversion per value.
///
/// Inlined into its callers: `ScopeKitLevelling` (baseline) and `ScopeKitLevellingAVX2` each instantiate it.
///
/// - Parameters:
///   - v: the values.
///   - n: how many (below 2³¹).
///   - bins: the number of bins (below 2⁴⁰).
///   - lo: the first edge.
///   - norm: `bins / (hi − lo)`.
///   - margin: the distance from an integer (in bins) under which the edges are read.
///   - edges: `bins + 1` values: the `bins` left edges, then +∞.
///   - h: `4·bins` zeroed counters.
/// - Complexity: O(n).
@inlinable @inline(__always)
package func countBinsInRange(_ v: UnsafePointer<Double>, _ n: Int, bins: Int, lo: Double, norm: Double,
                              margin: Double, edges e: UnsafePointer<Double>, into h: UnsafeMutablePointer<Int32>) {
    @inline(__always) func bin(_ x: Double, _ t: Double) -> Int { numpyBin(x, t, bins: bins, edges: e) }
    let upper = 1 - margin
    @inline(__always) func fastBin(_ x: Double, _ t: Double) -> Int {
        let k = Int(t), f = t - Double(k)
        return f > margin && f < upper && k < bins ? k : bin(x, t)
    }
    let stride = bins
    let lov = SIMD4<Double>(repeating: lo), normv = SIMD4<Double>(repeating: norm)
    let marginv = SIMD4<Double>(repeating: margin), upperv = SIMD4<Double>(repeating: upper)
    // t + 2⁵² rounds t to the nearest integer, held in the low bits of that sum; one less where it is above t
    let magic = SIMD4<Double>(repeating: 0x1p52), magicBits = SIMD4<Int64>(repeating: 0x4330_0000_0000_0000)
    let zero = SIMD4<Double>(repeating: 0), zeroBits = SIMD4<Int64>(repeating: 0)
    var i = 0
    while i + 4 <= n {
        let x = SIMD4<Double>(unaligned: v + i)
        let t = (x - lov) * normv
        let r = t + magic, nearest = r - magic
        let up = nearest .> t
        let f = t - (nearest - zero.replacing(with: 1, where: up))
        let k = unsafeBitCast(r, to: SIMD4<Int64>.self) &- magicBits &- zeroBits.replacing(with: 1, where: up)
        if all((f .> marginv) .& (f .< upperv)) {   // t ≤ bins, so k = bins has f = 0 and fails
            h[Int(k[0])] &+= 1; h[stride + Int(k[1])] &+= 1
            h[2 * stride + Int(k[2])] &+= 1; h[3 * stride + Int(k[3])] &+= 1
        } else {
            h[fastBin(x[0], t[0])] &+= 1; h[stride + fastBin(x[1], t[1])] &+= 1
            h[2 * stride + fastBin(x[2], t[2])] &+= 1; h[3 * stride + fastBin(x[3], t[3])] &+= 1
        }
        i += 4
    }
    while i < n { let x = v[i]; h[bin(x, (x - lo) * norm)] &+= 1; i += 1 }
}

/// One row of threshold bits: bit `c` of the row's 64-pixel words is whether `lo ≤ v[c] ≤ hi` (NaN: false),
/// or its negation when `invert`; four tests at a time, their masks selecting the word's bits in a vector.
///
/// Inlined into its callers: `ScopeKitLevelling` (baseline) and `ScopeKitLevellingAVX2` each instantiate it.
///
/// - Parameters:
///   - v: the row's `cols` values.
///   - cols: the row length.
///   - lo, hi: the closed range tested.
///   - invert: whether a bit is set outside the range instead.
///   - words: the row's `(cols + 63) / 64` words, written.
/// - Complexity: O(cols).
@inlinable @inline(__always)
package func packInsideRow(_ v: UnsafePointer<Double>, cols: Int, lo: Double, hi: Double, invert: Bool,
                           into words: UnsafeMutablePointer<UInt64>) {
    let flip: UInt64 = invert ? ~0 : 0
    let low = SIMD4<Double>(repeating: lo), high = SIMD4<Double>(repeating: hi)
    let zero = SIMD4<UInt64>(repeating: 0)
    var w = 0
    while (w + 1) * 64 <= cols {
        let p = v + w * 64
        // lane k of group g sets bit 4g + k: the bits gather in a vector, one reduction per word
        var bits = zero, weights = SIMD4<UInt64>(1, 2, 4, 8)
        for g in 0..<16 {
            let y = SIMD4<Double>(unaligned: p + 4 * g)
            bits |= zero.replacing(with: weights, where: (y .>= low) .& (y .<= high))
            weights &<<= 4
        }
        words[w] = (bits[0] | bits[1] | bits[2] | bits[3]) ^ flip
        w += 1
    }
    if w * 64 < cols {
        let p = v + w * 64
        var x: UInt64 = 0
        for b in 0..<(cols - w * 64) {
            let inside = p[b] >= lo && p[b] <= hi
            x |= UInt64(_bit(inside != invert)) << UInt64(b)
        }
        words[w] = x
    }
}
