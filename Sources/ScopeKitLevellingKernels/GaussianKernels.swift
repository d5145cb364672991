import ScopeKitCore

/// scipy `gaussian_filter(src, sigma, mode="nearest")` for the rows `block` of a `rows × cols` image: the pass
/// along columns (src → scratch, the block's rows; reading up to `radius` halo rows of `src`), then the pass along
/// rows (scratch → dst) while the block is in cache.
///
/// Each output is summed as scipy's symmetric `correlate1d` does (centre, then pairs from the outside in);
/// sixteen outputs at a time are accumulated in registers over the whole kernel, lane by lane in that
/// order, so any vector width gives the same bits. The column pass runs in strips of 64 columns whose
/// `2·radius + 1` rows are kept in a small ring, so they stay in L1 from row to row.
///
/// Inlined into its callers: `ScopeKitLevelling` (baseline code) and `ScopeKitLevellingAVX2` (AVX2) each
/// instantiate it.
///
/// - Parameters:
///   - src: the image, row-major.
///   - dst: the filtered image (the block's rows are written).
///   - scratch: an image-sized buffer (the block's rows are written).
///   - rows, cols: the image shape.
///   - block: the rows to filter.
///   - half: the normalised weights from the centre out (`half[0]` the centre, `half[j]` at distance `j`).
///   - radius: the kernel radius (`half` has `radius + 1` weights).
///   - rowPointers: room for `2·radius + 2` row pointers.
///   - ring: room for `(2·radius + 1)·64` values.
/// - Complexity: O(block rows × cols × (4·radius + 2)).
@inlinable @inline(__always)
package func gaussianNearestBlock(_ src: UnsafePointer<Double>, into dst: UnsafeMutablePointer<Double>,
                                  scratch: UnsafeMutablePointer<Double>, rows: Int, cols: Int, block: Range<Int>,
                                  half: UnsafePointer<Double>, radius: Int,
                                  rowPointers: UnsafeMutablePointer<UnsafePointer<Double>>,
                                  ring: UnsafeMutablePointer<Double>) {
    guard !block.isEmpty else { return }
    let up = rowPointers, down = rowPointers + radius + 1
    // along axis 0 (down each column): src → scratch, strip by strip of 64 columns; the rows an output row reads
    // are copied into a ring of 2·radius + 1 short rows first (image rows a power-of-two bytes apart would all
    // fall in the same L1 sets), edge rows repeated
    let ringRows = 2 * radius + 1, first = block.lowerBound - radius
    @inline(__always) func slot(_ row: Int) -> UnsafeMutablePointer<Double> { ring + ((row - first) % ringRows) * 64 }
    var strip = 0
    while strip < cols {
        let width = Swift.min(64, cols - strip)
        @inline(__always) func load(_ row: Int) {
            slot(row).update(from: src + Swift.min(Swift.max(row, 0), rows - 1) * cols + strip, count: width)
        }
        for row in first ..< block.lowerBound + radius { load(row) }
        for r in block {
            load(r + radius)
            var j = 1
            while j <= radius {
                up[j] = UnsafePointer(slot(r - j))
                down[j] = UnsafePointer(slot(r + j))
                j += 1
            }
            let out = scratch + r * cols + strip, centre = UnsafePointer(slot(r))
            var c = 0
            while c + 16 <= width {
                symmetricSixteen(centre + c, half, radius, into: out + c) { (up[$0] + c, down[$0] + c) }
                c += 16
            }
            while c < width {
                var s = centre[c] * half[0]
                j = radius
                while j > 0 { s += (up[j][c] + down[j][c]) * half[j]; j -= 1 }
                out[c] = s
                c += 1
            }
        }
        strip += width
    }
    // along axis 1 (each row): scratch → dst; interior columns sixteen at a time, the ends clamped
    let lo = Swift.min(radius, cols), hi = Swift.max(cols - radius, lo)
    for r in block {
        let p = UnsafePointer(scratch + r * cols), out = dst + r * cols
        for c in 0..<lo { out[c] = gaussianNearestAt(p, c, cols, half, radius) }
        var c = lo
        while c + 16 <= hi {
            symmetricSixteen(p + c, half, radius, into: out + c) { (p + c - $0, p + c + $0) }
            c += 16
        }
        while c < hi {
            var s = p[c] * half[0]
            var j = radius
            while j > 0 { s += (p[c - j] + p[c + j]) * half[j]; j -= 1 }
            out[c] = s
            c += 1
        }
        for c in hi..<cols { out[c] = gaussianNearestAt(p, c, cols, half, radius) }
    }
}

/// Sixteen outputs of a symmetric kernel, `centre·half[0] + Σ_{j = radius…1} (lower_j + upper_j)·half[j]` lane
/// by lane in that order (scipy's `correlate1d` order), accumulated in four independent registers (the adder
/// stays busy); `pair(j)` gives the sixteen values at distance `j` on each side.
///
/// - Complexity: O(radius).
@inlinable @inline(__always)
package func symmetricSixteen(_ centre: UnsafePointer<Double>, _ half: UnsafePointer<Double>, _ radius: Int,
                              into out: UnsafeMutablePointer<Double>,
                              _ pair: (Int) -> (UnsafePointer<Double>, UnsafePointer<Double>)) {
    let h0 = SIMD4<Double>(repeating: half[0])
    var s0 = SIMD4<Double>(unaligned: centre) * h0
    var s1 = SIMD4<Double>(unaligned: centre + 4) * h0
    var s2 = SIMD4<Double>(unaligned: centre + 8) * h0
    var s3 = SIMD4<Double>(unaligned: centre + 12) * h0
    var j = radius
    while j > 0 {
        let hj = SIMD4<Double>(repeating: half[j]), (l, u) = pair(j)
        s0 += (SIMD4<Double>(unaligned: l) + SIMD4<Double>(unaligned: u)) * hj
        s1 += (SIMD4<Double>(unaligned: l + 4) + SIMD4<Double>(unaligned: u + 4)) * hj
        s2 += (SIMD4<Double>(unaligned: l + 8) + SIMD4<Double>(unaligned: u + 8)) * hj
        s3 += (SIMD4<Double>(unaligned: l + 12) + SIMD4<Double>(unaligned: u + 12)) * hj
        j -= 1
    }
    storeUnaligned(s0, out)
    storeUnaligned(s1, out + 4)
    storeUnaligned(s2, out + 8)
    storeUnaligned(s3, out + 12)
}

/// One output of a 1-D symmetric pass with the line's end values repeated (`p` has `n` values).
///
/// - Complexity: O(radius).
@inlinable @inline(__always)
package func gaussianNearestAt(_ p: UnsafePointer<Double>, _ c: Int, _ n: Int,
                               _ half: UnsafePointer<Double>, _ radius: Int) -> Double {
    var s = p[c] * half[0]
    var j = radius
    while j > 0 {
        s += (p[Swift.max(c - j, 0)] + p[Swift.min(c + j, n - 1)]) * half[j]
        j -= 1
    }
    return s
}
