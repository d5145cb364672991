import ScopeKitLevellingKernels

// The levelling hot kernels instantiated with AVX2 code generation: on x86-64 this module is compiled with
// `-target-cpu haswell` (Package.swift), and each entry point inlines a generic-free kernel of
// ScopeKitLevellingKernels, so its loops use 256-bit registers. Callers run them only when
// `CPUFeatures.level == .avx2`; the kernels contain no fused multiply-add and sum in a fixed lane order, so they
// give the same bits as the baseline instantiation. On other architectures the entry points exist too (with the
// baseline code generation) but are never chosen.

/// ``gaussianNearestBlock(_:into:scratch:rows:cols:block:half:radius:rowPointers:)`` with AVX2 code generation.
///
/// - Complexity: O(block rows × cols × (4·radius + 2)).
@inline(never)
package func gaussianNearestBlockAVX2(_ src: UnsafePointer<Double>, into dst: UnsafeMutablePointer<Double>,
                                      scratch: UnsafeMutablePointer<Double>, rows: Int, cols: Int,
                                      block: Range<Int>, half: UnsafePointer<Double>, radius: Int,
                                      rowPointers: UnsafeMutablePointer<UnsafePointer<Double>>,
                                      ring: UnsafeMutablePointer<Double>) {
    gaussianNearestBlock(src, into: dst, scratch: scratch, rows: rows, cols: cols, block: block, half: half,
                         radius: radius, rowPointers: rowPointers, ring: ring)
}

/// ``countBinsInRange(_:_:bins:lo:norm:margin:edges:into:)`` with AVX2 code generation.
///
/// - Complexity: O(n).
@inline(never)
package func countBinsInRangeAVX2(_ v: UnsafePointer<Double>, _ n: Int, bins: Int, lo: Double, norm: Double,
                                  margin: Double, edges: UnsafePointer<Double>, into h: UnsafeMutablePointer<Int32>) {
    countBinsInRange(v, n, bins: bins, lo: lo, norm: norm, margin: margin, edges: edges, into: h)
}

/// The counting median (``_countingMedian(_:_:scratch:passes:)`` on this thread) with AVX2 code generation.
///
/// - Complexity: O(n) per round.
@inline(never)
package func countingMedianAVX2(_ a: UnsafePointer<Double>, _ n: Int, scratch: UnsafeMutablePointer<Double>) -> Double {
    _countingMedian(a, n, scratch: scratch, passes: _SerialPasses())
}

/// ``_countLess(_:_:_:)`` with AVX2 code generation (one block of the split counting median).
///
/// - Complexity: O(n).
@inline(never)
package func countLessAVX2(_ a: UnsafePointer<Double>, _ n: Int, _ p: Double) -> Int { _countLess(a, n, p) }

/// ``_straddle(_:_:_:)`` with AVX2 code generation (one block of the split counting median).
///
/// - Complexity: O(n).
@inline(never)
package func straddleAVX2(_ a: UnsafePointer<Double>, _ n: Int, _ p: Double) -> (below: Double, above: Double) {
    _straddle(a, n, p)
}

/// ``_gather(_:_:_:_:sparse:into:)`` with AVX2 code generation (one block of the split counting median).
///
/// - Complexity: O(n).
@inline(never)
package func gatherAVX2(_ a: UnsafePointer<Double>, _ n: Int, _ L: Double, _ U: Double, sparse: Bool,
                        into dst: UnsafeMutablePointer<Double>) -> Int {
    _gather(a, n, L, U, sparse: sparse, into: dst)
}

/// ``packInsideRow(_:cols:lo:hi:invert:into:)`` with AVX2 code generation.
///
/// - Complexity: O(cols).
@inline(never)
package func packInsideRowAVX2(_ v: UnsafePointer<Double>, cols: Int, lo: Double, hi: Double, invert: Bool,
                               into words: UnsafeMutablePointer<UInt64>) {
    packInsideRow(v, cols: cols, lo: lo, hi: hi, invert: invert, into: words)
}

/// ``subtractSeparableRows(_:smooth:bx:by:gx:gy:block:cols:)`` with AVX2 code generation.
///
/// - Complexity: O(block rows × cols).
@inline(never)
package func subtractSeparableRowsAVX2(_ z: UnsafeMutablePointer<Double>, smooth: UnsafeMutablePointer<Double>?,
                                       bx: UnsafePointer<Double>?, by: UnsafePointer<Double>,
                                       gx: UnsafePointer<Double>, gy: UnsafePointer<Double>,
                                       block: Range<Int>, cols: Int) -> (low: Double, high: Double) {
    subtractSeparableRows(z, smooth: smooth, bx: bx, by: by, gx: gx, gy: gy, block: block, cols: cols)
}

/// ``sobelEnergyRows(_:into:rows:cols:block:buffers:median:)`` with AVX2 code generation (and the AVX2 counting
/// median).
///
/// - Complexity: O(block rows × cols) plus one counting median per row.
@inline(never)
package func sobelEnergyRowsAVX2(_ s: UnsafePointer<Double>, into energy: UnsafeMutablePointer<Double>,
                                 rows: Int, cols: Int, block: Range<Int>,
                                 buffers: (UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>,
                                           UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>,
                                           UnsafeMutablePointer<Double>)) -> Double {
    sobelEnergyRows(s, into: energy, rows: rows, cols: cols, block: block, buffers: buffers,
                    median: { countingMedianAVX2($0, $1, scratch: $2) })
}
