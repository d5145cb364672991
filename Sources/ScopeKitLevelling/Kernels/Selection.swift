/// In-place selection helpers on Double scratch buffers (no allocation).
/// Rearranges `a[0..<n]` so that `a[k]` is the k-th smallest value (Hoare's quickselect, median-of-three).
func _select(_ a: UnsafeMutablePointer<Double>, _ n: Int, _ k: Int) -> Double {
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

/// The smallest value of `a[from..<n]`.
func _minimum(_ a: UnsafeMutablePointer<Double>, from: Int, _ n: Int) -> Double {
    var m = a[from]
    var i = from + 1
    while i < n { if a[i] < m { m = a[i] }; i += 1 }
    return m
}

/// numpy's median of `a[0..<n]` (mean of the two middle values for even n); reorders `a`. NaN for n = 0.
func _median(_ a: UnsafeMutablePointer<Double>, _ n: Int) -> Double {
    guard n > 0 else { return .nan }
    let h = n / 2
    let upper = _select(a, n, h)
    if n % 2 == 1 { return upper }
    // after selecting h, a[0..<h] ≤ a[h]; the lower middle is their maximum
    var m = a[0]
    for i in 1..<h where a[i] > m { m = a[i] }
    return (m + upper) / 2
}

/// numpy's `quantile(a, q)` with linear interpolation; reorders `a`. NaN for n = 0.
func _quantile(_ a: UnsafeMutablePointer<Double>, _ n: Int, _ q: Double) -> Double {
    guard n > 0 else { return .nan }
    let pos = q * Double(n - 1)
    let k = Int(pos.rounded(.down))
    let lower = _select(a, n, k)
    let frac = pos - Double(k)
    if frac == 0 || k + 1 >= n { return lower }
    let upper = _minimum(a, from: k + 1, n)
    return lower + (upper - lower) * frac
}

/// numpy's median of `a[0..<n]` by bucketing: min/max, counts in ~n/4 equal-width bins (monotone in the
/// value, so ranks are preserved), then quickselect among the few values of the bins holding the middle
/// ranks. Exact (same value as ``_median``), O(n) with few branch mispredictions. `counts` holds
/// ≥ n/4 + 2 Int32. Reorders `a`.
func _bucketMedian(_ a: UnsafeMutablePointer<Double>, _ n: Int, counts: UnsafeMutablePointer<Int32>) -> Double {
    if n < 64 { return _median(a, n) }
    var lo = a[0], hi = a[0]
    for i in 1..<n { let v = a[i]; lo = v < lo ? v : lo; hi = v > hi ? v : hi }
    if lo == hi { return lo }
    let bins = n / 4
    let scale = Double(bins) / (hi - lo)
    counts.update(repeating: 0, count: bins)
    @inline(__always) func bin(_ v: Double) -> Int { Swift.min(Int((v - lo) * scale), bins - 1) }
    for i in 0..<n { counts[bin(a[i])] += 1 }
    let kHigh = n / 2, kLow = n % 2 == 1 ? kHigh : kHigh - 1
    var below = 0, b = 0
    while below + Int(counts[b]) <= kLow { below += Int(counts[b]); b += 1 }
    var lastBin = b, through = below + Int(counts[b])
    while through <= kHigh { lastBin += 1; through += Int(counts[lastBin]) }
    let first = b
    var m = 0
    for i in 0..<n {
        let k = bin(a[i])
        if k >= first && k <= lastBin { a[m] = a[i]; m += 1 }
    }
    let upper = _select(a, m, kHigh - below)
    if kLow == kHigh { return upper }
    // after the select, a[0..<(kHigh − below)] hold the smaller values; the lower middle is their maximum
    return (_maxBelow(a, kHigh - below) + upper) / 2
}

/// The largest of `a[0..<k]` (k ≥ 1).
@inline(__always)
func _maxBelow(_ a: UnsafeMutablePointer<Double>, _ k: Int) -> Double {
    var m = a[0]
    for i in 0..<k where a[i] > m { m = a[i] }
    return m
}

