import ScopeKitCore

// numpy's pairwise summation (`pairwise_sum_DOUBLE` in numpy's loops), the order `np.sum` and `np.mean` add a
// contiguous float64 array in, so thresholds built from a mean match pnanolocz to the last bit.

/// numpy's block size below which a sum is not split further.
let _numpyPairwiseBlock = 128

/// Where numpy splits a sum of `n` values: `n/2` rounded down to a multiple of 8.
@inline(__always)
func _numpySplit(_ n: Int) -> Int { n / 2 - (n / 2) % 8 }

/// numpy's sum of `a[0..<n]`: under 8 values added in order; up to 128 values in eight interleaved
/// accumulators combined as `((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))`, the rest added in order; more
/// values split at `n/2` rounded down to a multiple of 8 and the two halves summed alike.
///
/// ```swift
/// let w: [Double] = [0.1, 0.2, 0.3]
/// let s = w.withUnsafeBufferPointer { _numpyPairwiseSum($0.baseAddress!, 3) }   // == numpy.sum(w)
/// ```
///
/// - Complexity: O(n).
func _numpyPairwiseSum(_ a: UnsafePointer<Double>, _ n: Int) -> Double {
    if n < 8 {
        var s = 0.0
        for i in 0..<n { s += a[i] }
        return s
    }
    if n <= _numpyPairwiseBlock {
        let raw = UnsafeRawPointer(a)
        var r = raw.loadUnaligned(as: SIMD8<Double>.self)   // r[j] = a[j], then r[j] += a[i + j]
        var i = 8
        while i < n - n % 8 {
            r += raw.loadUnaligned(fromByteOffset: i * 8, as: SIMD8<Double>.self)
            i += 8
        }
        var s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
        while i < n { s += a[i]; i += 1 }
        return s
    }
    let half = _numpySplit(n)
    return _numpyPairwiseSum(a, half) + _numpyPairwiseSum(a + half, n - half)
}

/// numpy's sum of `a[0..<n]` (``_numpyPairwiseSum(_:_:)``, the same bits), its subtrees on several threads when
/// `split` and `n` is large: the splits of the top `depth` levels are made here, the subtrees below them summed in
/// parallel, and their sums combined in the tree's order.
///
/// - Complexity: O(n).
func _numpyPairwiseSum(_ a: UnsafePointer<Double>, _ n: Int, split: Bool) -> Double {
    let depth = 4
    guard split, n >= 4096 << depth, Parallel.threadCount > 1 else { return _numpyPairwiseSum(a, n) }
    var leaves: [Range<Int>] = []
    func collect(_ lo: Int, _ n: Int, _ level: Int) {
        if level == 0 || n <= _numpyPairwiseBlock { leaves.append(lo ..< lo + n); return }
        let half = _numpySplit(n)
        collect(lo, half, level - 1)
        collect(lo + half, n - half, level - 1)
    }
    collect(0, n, depth)
    var sums = [Double](repeating: 0, count: leaves.count)
    sums.withUnsafeMutableBufferPointer { out in
        let out = UncheckedSendable(out), ranges = leaves
        Parallel.forEach(0..<ranges.count) { j in
            out.value[j] = _numpyPairwiseSum(a + ranges[j].lowerBound, ranges[j].count)
        }
    }
    var next = 0
    func combine(_ n: Int, _ level: Int) -> Double {
        if level == 0 || n <= _numpyPairwiseBlock { next += 1; return sums[next - 1] }
        let half = _numpySplit(n)
        let left = combine(half, level - 1)
        return left + combine(n - half, level - 1)
    }
    return combine(n, depth)
}
