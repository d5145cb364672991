import RealModule

// Order statistics in O(n) without sorting.
//
// Large ranges use Floyd and Rivest's SELECT (1975): the pivot is chosen by recursively selecting in a
// small sample around the expected position, so about n + min(k, n − k) comparisons suffice on average.
// Below that, and whenever the range stops shrinking fast enough, an introselect takes over: quickselect
// with a median-of-three pivot and Hoare partitioning, falling back to a median-of-medians-of-five pivot
// after ~2·log2(n) rounds, which bounds the worst case to O(n) like numpy's `introselect`. Elements must not
// contain NaN (callers gather non-NaN values first).

/// Reorders `a[lo...hi]` so that `a[k]` is the value a full sort would put there, everything in
/// `a[lo..<k]` is ≤ it and everything in `a[(k+1)...hi]` is ≥ it.
///
/// - Complexity: O(hi − lo) expected (Floyd–Rivest) and worst case (introselect fallback).
@inlinable
func _select<T: Comparable>(_ a: UnsafeMutablePointer<T>, _ lo: Int, _ hi: Int, _ k: Int) {
    var budget = 2 * (Int.bitWidth - (hi - lo + 1).leadingZeroBitCount) + 4
    _floydRivestSelect(a, lo, hi, k, &budget)
}

/// Floyd–Rivest SELECT on `a[left...right]`; hands over to introselect for small ranges or when `budget`
/// (rounds that may fail to shrink the range) runs out.
@inlinable
func _floydRivestSelect<T: Comparable>(_ a: UnsafeMutablePointer<T>, _ left: Int, _ right: Int, _ k: Int,
                                       _ budget: inout Int) {
    var left = left, right = right
    while right - left > 600 {
        if budget <= 0 {
            _introselect(a, left, right, k)
            return
        }
        budget -= 1
        // Select in a sample around k's expected position so that a[k] is a pivot close to the target.
        let n = Double(right - left + 1)
        let i = Double(k - left + 1)
        let z = Double.log(n)
        let s = 0.5 * Double.exp(2 * z / 3)
        let sd = 0.5 * (z * s * (n - s) / n).squareRoot() * (i - n / 2 < 0 ? -1 : 1)
        let newLeft = Swift.max(left, Int(Double(k) - i * s / n + sd))
        let newRight = Swift.min(right, Int(Double(k) + (n - i) * s / n + sd))
        _floydRivestSelect(a, newLeft, newRight, k, &budget)
        // Partition a[left...right] around t = a[k].
        let t = a[k]
        var p = left, q = right
        _exchange(a, left, k)
        if t < a[right] { _exchange(a, right, left) }
        while p < q {
            _exchange(a, p, q)
            p += 1
            q -= 1
            while a[p] < t { p += 1 }
            while t < a[q] { q -= 1 }
        }
        if a[left] == t {
            _exchange(a, left, q)
        } else {
            q += 1
            _exchange(a, q, right)
        }
        // Now a[left..<q] ≤ t = a[q] ≤ a[(q+1)...right].
        if q <= k { left = q + 1 }
        if k <= q { right = q - 1 }
        if left > right { return }
    }
    _introselect(a, left, right, k)
}

/// Introselect on `a[lo...hi]` (see ``_select``).
@inlinable
func _introselect<T: Comparable>(_ a: UnsafeMutablePointer<T>, _ lo: Int, _ hi: Int, _ k: Int) {
    var lo = lo, hi = hi
    var budget = 2 * (Int.bitWidth - (hi - lo + 1).leadingZeroBitCount) + 4
    while hi - lo > 16 {
        if budget > 0 {
            budget -= 1
            // Median of three moved to `lo`, the pivot position of the Hoare partition.
            let mid = lo + (hi - lo) / 2
            if a[mid] < a[lo] { _exchange(a, mid, lo) }
            if a[hi] < a[lo] { _exchange(a, hi, lo) }
            if a[hi] < a[mid] { _exchange(a, hi, mid) }
            _exchange(a, lo, mid)
        } else {
            let p = _medianOfMediansIndex(a, lo, hi)
            _exchange(a, lo, p)
        }
        let j = _hoarePartition(a, lo, hi)
        if k <= j { hi = j } else { lo = j + 1 }
    }
    _insertionSort(a, lo, hi)
}

/// Hoare partition around the pivot value `a[lo]`: returns `j` in `lo..<hi` with `a[lo...j]` ≤ pivot ≤
/// `a[(j+1)...hi]`.
@inlinable @inline(__always)
func _hoarePartition<T: Comparable>(_ a: UnsafeMutablePointer<T>, _ lo: Int, _ hi: Int) -> Int {
    let pivot = a[lo]
    var i = lo - 1, j = hi + 1
    while true {
        repeat { i += 1 } while a[i] < pivot
        repeat { j -= 1 } while pivot < a[j]
        if i >= j { return j }
        _exchange(a, i, j)
    }
}

/// Sorts `a[lo...hi]` by insertion (small ranges only).
@inlinable
func _insertionSort<T: Comparable>(_ a: UnsafeMutablePointer<T>, _ lo: Int, _ hi: Int) {
    guard hi > lo else { return }
    for i in (lo + 1)...hi {
        let v = a[i]
        var j = i - 1
        while j >= lo && v < a[j] {
            a[j + 1] = a[j]
            j -= 1
        }
        a[j + 1] = v
    }
}

/// The index of a median-of-medians-of-five pivot of `a[lo...hi]` (the medians are moved to the front).
@inlinable
func _medianOfMediansIndex<T: Comparable>(_ a: UnsafeMutablePointer<T>, _ lo: Int, _ hi: Int) -> Int {
    let n = hi - lo + 1
    if n <= 5 {
        _insertionSort(a, lo, hi)
        return lo + (n - 1) / 2
    }
    var store = lo
    var g = lo
    while g <= hi {
        let gh = Swift.min(g + 4, hi)
        _insertionSort(a, g, gh)
        _exchange(a, g + (gh - g) / 2, store)
        store += 1
        g += 5
    }
    let mid = lo + (store - 1 - lo) / 2
    _introselect(a, lo, store - 1, mid)
    return mid
}

/// The values of rank `ranks` (ascending, each in `0..<n`) among `a[0..<n]`, reordering `a`.
///
/// Each rank is selected in the part right of the previous one, so k ranks cost O(k·n) at worst and
/// O(n) for ranks that are close together; a rank right after the previous one is a minimum scan.
@inlinable
func _orderStatistics<T: Comparable>(_ a: UnsafeMutablePointer<T>, count n: Int, ranks: [Int]) -> [T] {
    var result: [T] = []
    result.reserveCapacity(ranks.count)
    var lo = 0
    var lastSelected = -1
    for k in ranks {
        if k == lastSelected {
            result.append(a[k])
            continue
        }
        if k == lastSelected + 1 && lastSelected >= 0 {
            // a[k...] are all ≥ a[lastSelected]: the next order statistic is their minimum.
            var m = k
            for i in (k + 1)..<n where a[i] < a[m] { m = i }
            _exchange(a, k, m)
        } else {
            _select(a, lo, n - 1, k)
        }
        result.append(a[k])
        lastSelected = k
        lo = k + 1
        if lo >= n { lo = n - 1 }
    }
    return result
}

/// Exchanges `a[i]` and `a[j]` (which may be the same element).
@inlinable @inline(__always)
func _exchange<T>(_ a: UnsafeMutablePointer<T>, _ i: Int, _ j: Int) {
    let t = a[i]
    a[i] = a[j]
    a[j] = t
}
