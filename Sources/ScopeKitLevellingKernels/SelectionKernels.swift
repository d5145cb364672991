import ScopeKitCore

// Exact selection on Double buffers (no allocation): quickselect, numpy's median, and the counting median the
// levelling kernels use for rows and regions. Inlined into their callers, so ScopeKitLevelling (baseline) and
// ScopeKitLevellingAVX2 each instantiate them with their own code generation (integer counts, comparisons and
// copies only: the same answers).

/// 1 for true, 0 for false, without a branch (`setcc`), for data-dependent counts and compactions.
@inlinable @inline(__always)
package func _bit(_ b: Bool) -> Int { Int(unsafeBitCast(b, to: UInt8.self)) }

/// The passes over the values that ``_countingMedian(_:_:scratch:passes:)`` makes.
@usableFromInline
package protocol _MedianPasses {
    /// #(a[i] < p) for i < n.
    func countLess(_ a: UnsafePointer<Double>, _ n: Int, _ p: Double) -> Int
    /// The largest value below `p` and the smallest at or above it (−∞/+∞ when there is none).
    func straddle(_ a: UnsafePointer<Double>, _ n: Int, _ p: Double) -> (below: Double, above: Double)
    /// Copies the values in [L, U) to `dst` in order; returns how many.
    func gather(_ a: UnsafePointer<Double>, _ n: Int, _ L: Double, _ U: Double, sparse: Bool,
                into dst: UnsafeMutablePointer<Double>) -> Int
}

/// The counting median's passes on the calling thread.
@usableFromInline
package struct _SerialPasses: _MedianPasses {
    @inlinable @inline(__always) package init() {}

    @inlinable @inline(__always)
    package func countLess(_ a: UnsafePointer<Double>, _ n: Int, _ p: Double) -> Int { _countLess(a, n, p) }

    @inlinable @inline(__always)
    package func straddle(_ a: UnsafePointer<Double>, _ n: Int, _ p: Double) -> (below: Double, above: Double) {
        _straddle(a, n, p)
    }

    @inlinable @inline(__always)
    package func gather(_ a: UnsafePointer<Double>, _ n: Int, _ L: Double, _ U: Double, sparse: Bool,
                        into dst: UnsafeMutablePointer<Double>) -> Int {
        _gather(a, n, L, U, sparse: sparse, into: dst)
    }
}

/// In-place selection helpers on Double scratch buffers (no allocation).
/// Rearranges `a[0..<n]` so that `a[k]` is the k-th smallest value (Hoare's quickselect, median-of-three).
@inlinable @inline(__always)
package func _select(_ a: UnsafeMutablePointer<Double>, _ n: Int, _ k: Int) -> Double {
    var lo = 0, hi = n - 1
    while hi > lo {
        let mid = lo + (hi - lo) / 2
        // median of three as pivot
        if a[mid] < a[lo] { swap(&a[mid], &a[lo]) }
        if a[hi] < a[lo] { swap(&a[hi], &a[lo]) }
        if a[hi] < a[mid] { swap(&a[hi], &a[mid]) }
        let pivot = a[mid]
        var i = lo, j = hi
        while i <= j {
            while a[i] < pivot { i += 1 }
            while a[j] > pivot { j -= 1 }
            if i <= j {
                let t = a[i]; a[i] = a[j]; a[j] = t
                i += 1; j -= 1
            }
        }
        if k <= j { hi = j } else if k >= i { lo = i } else { return a[k] }
    }
    return a[k]
}

/// numpy's median of `a[0..<n]` (mean of the two middle values for even n); reorders `a`. NaN for n = 0.
@inlinable @inline(__always)
package func _median(_ a: UnsafeMutablePointer<Double>, _ n: Int) -> Double {
    guard n > 0 else { return .nan }
    let h = n / 2
    let upper = _select(a, n, h)
    if n % 2 == 1 { return upper }
    // after selecting h, a[0..<h] ≤ a[h]; the lower middle is their maximum
    var m = a[0]
    for i in 1..<h where a[i] > m { m = a[i] }
    return (m + upper) / 2
}

/// The largest of `a[0..<k]` (k ≥ 1).
@inlinable @inline(__always)
package func _maxBelow(_ a: UnsafeMutablePointer<Double>, _ k: Int) -> Double {
    var m = a[0]
    for i in 0..<k where a[i] > m { m = a[i] }
    return m
}

/// #(a[i] < p) for i < n, in SIMD lanes (sixteen values per step).
@inlinable @inline(__always)
package func _countLess(_ a: UnsafePointer<Double>, _ n: Int, _ p: Double) -> Int {
    typealias V = SIMD4<Double>
    var acc0 = SIMD4<Int64>(), acc1 = SIMD4<Int64>()
    let pv = V(repeating: p)
    let raw = UnsafeRawPointer(a)
    @inline(__always) func lanes(_ offset: Int) -> SIMD4<Int64> {   // −1 per lane where a[offset + lane] < p
        unsafeBitCast(raw.loadUnaligned(fromByteOffset: offset * 8, as: V.self) .< pv, to: SIMD4<Int64>.self)
    }
    var i = 0
    var acc2 = SIMD4<Int64>(), acc3 = SIMD4<Int64>()
    while i + 16 <= n {
        acc0 &+= lanes(i)
        acc1 &+= lanes(i + 4)
        acc2 &+= lanes(i + 8)
        acc3 &+= lanes(i + 12)
        i += 16
    }
    if i + 8 <= n {
        acc0 &+= lanes(i)
        acc1 &+= lanes(i + 4)
        i += 8
    }
    var c = -Int(((acc0 &+ acc2) &+ (acc1 &+ acc3)).wrappedSum())
    while i < n { c &+= _bit(a[i] < p); i += 1 }
    return c
}

/// The largest value below `p` and the smallest value at or above `p` (−∞/+∞ when there is none).
@inlinable @inline(__always)
package func _straddle(_ a: UnsafePointer<Double>, _ n: Int, _ p: Double) -> (below: Double, above: Double) {
    typealias V = SIMD4<Double>
    let pv = V(repeating: p), ninf = V(repeating: -.infinity), pinf = V(repeating: .infinity)
    var mx = ninf, mn = pinf
    let raw = UnsafeRawPointer(a)
    var i = 0
    while i + 4 <= n {
        let v = raw.loadUnaligned(fromByteOffset: i * 8, as: V.self)
        let lt = v .< pv
        let b = ninf.replacing(with: v, where: lt), t = v.replacing(with: .infinity, where: lt)
        mx = mx.replacing(with: b, where: b .> mx)
        mn = mn.replacing(with: t, where: t .< mn)
        i += 4
    }
    var below = Swift.max(Swift.max(mx[0], mx[1]), Swift.max(mx[2], mx[3]))
    var above = Swift.min(Swift.min(mn[0], mn[1]), Swift.min(mn[2], mn[3]))
    while i < n {
        let x = a[i]
        if x < p { below = Swift.max(below, x) } else { above = Swift.min(above, x) }
        i += 1
    }
    return (below, above)
}

/// numpy's median of `a[0..<n]` (no NaN) without reordering `a`, by counting.
///
/// A sorted sample of 15 values (63 for n ≥ 4096) at a fixed stride gives the first pivots (15 sorted by a
/// network, without branches); each round counts the values below the pivot in SIMD lanes (no branch per value,
/// no writes) and narrows a bracket [L, U) around the middle ranks, the next pivot interpolated between L and U.
/// When a count lands on the middle rank, one more pass takes the largest value below and the smallest at or
/// above the pivot: the middle values themselves. Exact (the same value as ``_median``); once the bracket holds
/// at most max(``_gatherWindow``, n/64) values, or when it does not close within 16 rounds (ties, odd
/// distributions; then after a constant-window check), the values in [L, U) are gathered and the middle ones
/// selected (``_selectPartitioning(_:_:_:)``).
///
/// The passes over the values (count, straddle, gather) are `passes`' (``_SerialPasses`` on one thread; the
/// levelling module has a split version over threads): the same answer either way.
///
/// - Parameters:
///   - a: the values (not reordered).
///   - n: how many.
///   - scratch: room for `n` values.
///   - passes: how the passes over the values run.
/// - Complexity: O(n) per round, typically 4–6 rounds of ~0.3 operations per value.
@inlinable @inline(__always)
package func _countingMedian<P: _MedianPasses>(_ a: UnsafePointer<Double>, _ n: Int,
                                               scratch: UnsafeMutablePointer<Double>, passes: P) -> Double {
    @inline(__always) func countLess(_ p: Double) -> Int { passes.countLess(a, n, p) }
    @inline(__always) func straddle(_ p: Double) -> (below: Double, above: Double) { passes.straddle(a, n, p) }
    guard n >= 32 else { scratch.update(from: a, count: n); return _median(scratch, n) }
    let kHigh = n / 2, kLow = n % 2 == 1 ? kHigh : kHigh - 1
    let s = n >= 4096 ? 63 : 15, stride = n / s
    let sample = scratch
    for j in 0..<s { sample[j] = a[j * stride + stride / 2] }
    if s == 15 { _sortFifteen(sample) } else { _insertionSort(sample, s) }
    // #(x < L) = nL ≤ kLow and #(x < U) = nU > kHigh: both middle values lie in [L, U).
    var L = -Double.infinity, nL = 0, U = Double.infinity, nU = n
    var p = sample[s / 2]
    var narrow = false
    for _ in 0..<16 {
        let c = countLess(p)
        if c == kHigh {
            // the values from rank kHigh on are ≥ p, those before it < p
            let (below, above) = straddle(p)
            return kLow == kHigh ? above : (below + above) / 2
        }
        if c == kHigh + 1 && kLow == kHigh { return straddle(p).below }
        if c <= kLow { L = p; nL = c } else { U = p; nU = c }
        // a narrow bracket: one gathering pass and a small select beat more counting rounds and a straddle
        if nU - nL <= Swift.max(_gatherWindow, n >> 6) && L.isFinite && U.isFinite { narrow = true; break }
        if L.isFinite && U.isFinite {
            p = L + (U - L) * ((Double(kHigh - nL) + 0.5) / Double(nU - nL))
            if !(p > L && p < U) { p = L + (U - L) / 2; if !(p > L && p < U) { break } }
        } else if !U.isFinite {
            var j = 0
            while j < s && sample[j] <= L { j += 1 }
            if j == s { break }
            p = sample[Swift.min(j + s / 8, s - 1)]
        } else {
            var j = s - 1
            while j >= 0 && sample[j] >= U { j -= 1 }
            if j < 0 { break }
            p = sample[Swift.max(j - s / 8, 0)]
        }
    }
    // A narrow bracket, or few rounds did not isolate the middle: a constant window, or select among the
    // values in [L, U).
    if !narrow && L.isFinite {
        let (_, first) = straddle(L)
        if U.isFinite, straddle(U).below == first { return first }
    }
    let sparse = (nU - nL) &* 16 < n
    let m = passes.gather(a, n, L, U, sparse: sparse, into: scratch)
    let upper = _selectPartitioning(scratch, m, kHigh - nL)
    if kLow == kHigh { return upper }
    return (_maxBelow(scratch, kHigh - nL) + upper) / 2
}

/// Rearranges `a[0..<n]` so that `a[k]` is the k-th smallest value and `a[0..<k]` the k smallest (n ≥ 1) and
/// returns it: a three-way quickselect (median-of-three pivot) whose partitions move every value and step an
/// index by the comparison, without a branch on the data — a window of a few dozen values costs a few
/// mispredicted branches instead of one per value or two (Hoare's scan, ``_select(_:_:_:)``).
///
/// - Complexity: O(n) expected; the partition passes are serial through memory (≈ 3n moves).
@inlinable @inline(__always)
package func _selectPartitioning(_ a: UnsafeMutablePointer<Double>, _ n: Int, _ k: Int) -> Double {
    var lo = 0, hi = n
    while hi - lo > 1 {
        let x = a[lo], y = a[lo + (hi - lo) / 2], z = a[hi - 1]
        let pivot = Swift.max(Swift.min(x, y), Swift.min(Swift.max(x, y), z))   // median of three
        var less = lo   // [lo, less) < pivot
        for i in lo..<hi {
            let v = a[i]
            a[i] = a[less]; a[less] = v
            less &+= _bit(v < pivot)
        }
        var equal = less   // [less, equal) == pivot
        for i in less..<hi {
            let v = a[i]
            a[i] = a[equal]; a[equal] = v
            equal &+= _bit(v == pivot)
        }
        if k < less { hi = less } else if k < equal { return pivot } else { lo = equal }
    }
    return a[k]
}

/// The bracket size (values; at least n/64) at which ``_countingMedian(_:_:scratch:split:)`` stops counting
/// and gathers.
@usableFromInline
package let _gatherWindow = 48

/// Copies the values of `a[0..<n]` in [L, U) to `dst` (in order) and returns how many.
///
/// Four values are tested at once in vector lanes; every value is stored, the index stepping past it only when it
/// is inside (no branch per value). `sparse` (few values in the bracket, e.g. under 1/16): only groups with a
/// value inside are stored (otherwise that group test would mispredict).
@inlinable @inline(__always)
package func _gather(_ a: UnsafePointer<Double>, _ n: Int, _ L: Double, _ U: Double, sparse: Bool = false,
             into dst: UnsafeMutablePointer<Double>) -> Int {
    typealias V = SIMD4<Double>
    let lv = V(repeating: L), uv = V(repeating: U)
    var m = 0, i = 0
    while i + 4 <= n {
        let v = V(unaligned: a + i)
        let inside = (v .>= lv) .& (v .< uv)
        if !sparse || any(inside) {   // (`sparse` is the same for the whole loop: predicted)
            dst[m] = v[0]; m &+= _bit(inside[0])
            dst[m] = v[1]; m &+= _bit(inside[1])
            dst[m] = v[2]; m &+= _bit(inside[2])
            dst[m] = v[3]; m &+= _bit(inside[3])
        }
        i += 4
    }
    while i < n { let x = a[i]; dst[m] = x; m &+= _bit(x >= L) & _bit(x < U); i += 1 }
    return m
}

/// Sorts `a[0..<15]` (no NaN) without branches: Batcher's odd–even merge network for 16 inputs with the
/// comparators of the 16th dropped (59 compare–exchanges in 10 layers, each a `min` and a `max`), the values in
/// registers.
///
/// - Complexity: O(1): 59 compare–exchanges.
@inlinable @inline(__always)
package func _sortFifteen(_ a: UnsafeMutablePointer<Double>) {
    @inline(__always) func ce(_ x: inout Double, _ y: inout Double) { (x, y) = (Swift.min(x, y), Swift.max(x, y)) }
    var x0 = a[0], x1 = a[1], x2 = a[2], x3 = a[3], x4 = a[4], x5 = a[5], x6 = a[6], x7 = a[7]
    var x8 = a[8], x9 = a[9], x10 = a[10], x11 = a[11], x12 = a[12], x13 = a[13], x14 = a[14]
    ce(&x0, &x1); ce(&x2, &x3); ce(&x4, &x5); ce(&x6, &x7); ce(&x8, &x9); ce(&x10, &x11); ce(&x12, &x13)
    ce(&x0, &x2); ce(&x1, &x3); ce(&x4, &x6); ce(&x5, &x7); ce(&x8, &x10); ce(&x9, &x11); ce(&x12, &x14)
    ce(&x1, &x2); ce(&x5, &x6); ce(&x0, &x4); ce(&x3, &x7); ce(&x9, &x10); ce(&x13, &x14); ce(&x8, &x12)
    ce(&x2, &x6); ce(&x1, &x5); ce(&x10, &x14); ce(&x9, &x13); ce(&x0, &x8)
    ce(&x2, &x4); ce(&x3, &x5); ce(&x10, &x12); ce(&x11, &x13)
    ce(&x1, &x2); ce(&x3, &x4); ce(&x5, &x6); ce(&x9, &x10); ce(&x11, &x12); ce(&x13, &x14)
    ce(&x4, &x12); ce(&x2, &x10); ce(&x6, &x14); ce(&x1, &x9); ce(&x5, &x13); ce(&x3, &x11)
    ce(&x4, &x8); ce(&x6, &x10); ce(&x5, &x9); ce(&x7, &x11)
    ce(&x2, &x4); ce(&x6, &x8); ce(&x10, &x12); ce(&x3, &x5); ce(&x7, &x9); ce(&x11, &x13)
    ce(&x1, &x2); ce(&x3, &x4); ce(&x5, &x6); ce(&x7, &x8); ce(&x9, &x10); ce(&x11, &x12); ce(&x13, &x14)
    (a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]) = (x0, x1, x2, x3, x4, x5, x6, x7)
    (a[8], a[9], a[10], a[11], a[12], a[13], a[14]) = (x8, x9, x10, x11, x12, x13, x14)
}

/// Sorts `a[0..<n]` by insertion (small n only).
@inlinable @inline(__always)
package func _insertionSort(_ a: UnsafeMutablePointer<Double>, _ n: Int) {
    for i in 1..<n {
        let v = a[i]
        var j = i - 1
        while j >= 0 && a[j] > v { a[j + 1] = a[j]; j -= 1 }
        a[j + 1] = v
    }
}
