import ScopeKitCore

/// Subtracts a separable background `bx[c] + by[r]` (`bx` nil: `by[r]` alone) from rows `block` of `z`
/// (`cols` wide), and, when `smooth` is given, the smoothed background `gx[c] + gy[r]` from the same rows of
/// `smooth`; returns the least and greatest of the new smoothed values (±∞ reversed when there is none).
///
/// Each value is one IEEE subtraction of one sum, in any vector width: the same bits everywhere. Inlined into
/// its callers: `ScopeKitLevelling` (baseline) and `ScopeKitLevellingAVX2` each instantiate it.
///
/// - Parameters:
///   - z: the heights, row-major.
///   - smooth: the smoothed heights kept in step, or nil.
///   - bx, by: the background along columns (or nil) and along rows.
///   - gx, gy: the smoothed background along columns (zeros when `bx` is nil) and along rows (read with `smooth`).
///   - block: the rows.
///   - cols: the row length.
/// - Returns: the extrema of the block's new smoothed values.
/// - Complexity: O(block rows × cols).
@inlinable @inline(__always)
package func subtractSeparableRows(_ z: UnsafeMutablePointer<Double>, smooth: UnsafeMutablePointer<Double>?,
                                   bx: UnsafePointer<Double>?, by: UnsafePointer<Double>,
                                   gx: UnsafePointer<Double>, gy: UnsafePointer<Double>,
                                   block: Range<Int>, cols: Int) -> (low: Double, high: Double) {
    var lo4 = SIMD4<Double>(repeating: .infinity), hi4 = -lo4
    var lo = Double.infinity, hi = -Double.infinity
    for r in block {
        let p = z + r * cols, y = SIMD4<Double>(repeating: by[r])
        var c = 0
        if let bx {
            while c + 4 <= cols {
                storeUnaligned(SIMD4<Double>(unaligned: p + c) - (SIMD4<Double>(unaligned: bx + c) + y), p + c)
                c += 4
            }
            while c < cols { p[c] -= bx[c] + y[0]; c += 1 }
        } else {
            while c + 4 <= cols { storeUnaligned(SIMD4<Double>(unaligned: p + c) - y, p + c); c += 4 }
            while c < cols { p[c] -= y[0]; c += 1 }
        }
        if let smooth {
            let q = smooth + r * cols, g = SIMD4<Double>(repeating: gy[r])
            c = 0
            while c + 4 <= cols {
                let x = SIMD4<Double>(unaligned: q + c) - (SIMD4<Double>(unaligned: gx + c) + g)
                storeUnaligned(x, q + c)
                lo4 = lo4.replacing(with: x, where: x .< lo4)
                hi4 = hi4.replacing(with: x, where: x .> hi4)
                c += 4
            }
            while c < cols {
                q[c] -= gx[c] + g[0]
                lo = Swift.min(lo, q[c]); hi = Swift.max(hi, q[c])
                c += 1
            }
        }
    }
    return (Swift.min(lo, Swift.min(Swift.min(lo4[0], lo4[1]), Swift.min(lo4[2], lo4[3]))),
            Swift.max(hi, Swift.max(Swift.max(hi4[0], hi4[1]), Swift.max(hi4[2], hi4[3]))))
}
