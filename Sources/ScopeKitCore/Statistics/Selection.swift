// Introselect: order statistics in O(n) without sorting.
//
// Quickselect with a median-of-three pivot and Hoare partitioning; when the partitions stop shrinking fast
// enough (more than ~2·log2(n) rounds), the pivot becomes the median of medians of five, which bounds the
// worst case to O(n) like numpy's `introselect`. Elements must not contain NaN (callers gather non-NaN
// values first).

/// Reorders `a[lo...hi]` so that `a[k]` is the value a full sort would put there, everything in
/// `a[lo..<k]` is ≤ it and everything in `a[(k+1)...hi]` is ≥ it.
///
/// - Complexity: O(hi − lo) expected and worst case.
@inlinable
func _select<T: Comparable>(_ a: UnsafeMutablePointer<T>, _ lo: Int, _ hi: Int, _ k: Int) {
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
    _select(a, lo, store - 1, mid)
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
