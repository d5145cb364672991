import ScopeKitCore
import ScopeKitLevellingAVX2
import ScopeKitLevellingKernels

/// The smallest value of `a[from..<n]`.
func _minimum(_ a: UnsafeMutablePointer<Double>, from: Int, _ n: Int) -> Double {
    var m = a[from]
    var i = from + 1
    while i < n { if a[i] < m { m = a[i] }; i += 1 }
    return m
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

/// Values per block of the split counting passes (a count, a minimum and a maximum do not depend on how the
/// values are cut, so any block size gives the same answer).
let _splitBlock = 16384

/// numpy's median of `a[0..<n]` (no NaN) without reordering `a`, by counting
/// (``_countingMedian(_:_:scratch:passes:)``): split over blocks on several threads when `split` and `n` is large
/// enough, else on this thread; with AVX2 code either way when `avx2` (default: when ``CPUFeatures/level`` allows).
///
/// - Parameter scratch: room for `n` values.
/// - Complexity: O(n) per round, typically 4–6 rounds of ~0.3 operations per value.
func _countingMedian(_ a: UnsafePointer<Double>, _ n: Int, scratch: UnsafeMutablePointer<Double>,
                     split: Bool = false, avx2: Bool? = nil) -> Double {
    let avx2 = avx2 ?? (CPUFeatures.level == .avx2)
    if split && n >= 2 * _splitBlock && Parallel.threadCount > 1 {
        return _countingMedian(a, n, scratch: scratch, passes: _SplitPasses(avx2: avx2))
    }
    if avx2 { return countingMedianAVX2(a, n, scratch: scratch) }
    return _countingMedian(a, n, scratch: scratch, passes: _SerialPasses())
}

/// The counting median's passes over blocks of ``_splitBlock`` values spread over threads (each block with the
/// AVX2 kernels when `avx2`).
struct _SplitPasses: _MedianPasses {
    /// Whether the blocks run the AVX2 builds of the kernels.
    let avx2: Bool

    /// ``_countLess(_:_:_:)`` by blocks, the counts added.
    func countLess(_ a: UnsafePointer<Double>, _ n: Int, _ p: Double) -> Int {
        let avx2 = self.avx2
        return Parallel.reduce(0..<n, blockSize: _splitBlock, initial: 0, block: { r in
            avx2 ? countLessAVX2(a + r.lowerBound, r.count, p) : _countLess(a + r.lowerBound, r.count, p)
        }, combine: +)
    }

    /// ``_straddle(_:_:_:)`` by blocks, the largest below and the smallest above kept.
    func straddle(_ a: UnsafePointer<Double>, _ n: Int, _ p: Double) -> (below: Double, above: Double) {
        let avx2 = self.avx2, none = (below: -Double.infinity, above: Double.infinity)
        return Parallel.reduce(0..<n, blockSize: _splitBlock, initial: none,
                               block: { r in avx2 ? straddleAVX2(a + r.lowerBound, r.count, p)
                                                  : _straddle(a + r.lowerBound, r.count, p) },
                               combine: { (Swift.max($0.below, $1.below), Swift.min($0.above, $1.above)) })
    }

    /// ``_gather(_:_:_:_:sparse:into:)`` by blocks: each block gathers at its own offset of `dst`, then the blocks
    /// close up in order (the same values in the same order).
    func gather(_ a: UnsafePointer<Double>, _ n: Int, _ L: Double, _ U: Double, sparse: Bool,
                into dst: UnsafeMutablePointer<Double>) -> Int {
        let blocks = (n + _splitBlock - 1) / _splitBlock
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: blocks)
        defer { counts.deallocate() }
        let avx2 = self.avx2
        Parallel.forEach(0..<blocks) { b in
            let lo = b * _splitBlock, count = Swift.min(n - lo, _splitBlock)
            counts[b] = avx2 ? gatherAVX2(a + lo, count, L, U, sparse: sparse, into: dst + lo)
                             : _gather(a + lo, count, L, U, sparse: sparse, into: dst + lo)
        }
        var m = 0
        for b in 0..<blocks {
            let from = b * _splitBlock
            if m != from { UnsafeMutableRawPointer(dst + m).copyMemory(from: dst + from, byteCount: counts[b] * 8) }
            m += counts[b]
        }
        return m
    }
}
