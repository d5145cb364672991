import ScopeKitCore

/// The "auto edges" gradient energy of rows `block` of the smoothed heights `s` (NanoLocz `thresholder`, as
/// pnanolocz 0.1.0 computes it with scipy): `gx = sobel(s, axis=1)`, `gy = sobel(s, axis=0)` (edge values
/// repeated), `gy` minus half its row median, energy `2·gx² + gy²`; returns the block's least energy.
///
/// scipy's `sobel(axis=1)` is the derivative `[-1, 0, 1]` along rows, then the smoothing `[1, 2, 1]` along
/// columns, summed as `d[r]·2 + (d[r−1] + d[r+1])`; `sobel(axis=0)` the other way round. The rows run in order,
/// keeping the row derivatives of rows r − 1, r and r + 1; every value is the same sequence of IEEE operations in
/// any vector width, so the baseline and AVX2 builds give the same bits. Inlined into its callers:
/// `ScopeKitLevelling` (baseline) and `ScopeKitLevellingAVX2` each instantiate it.
///
/// - Parameters:
///   - s: the smoothed heights, `rows × cols`, row-major.
///   - energy: receives the energy of the block's rows.
///   - block: the rows.
///   - buffers: five scratch rows of `cols` values (the three row derivatives, `gy`, one more).
///   - median: numpy's median of `n` values (not reordered) with room for `n` more — the caller's build of the
///     counting median (a generic specialisation inside this kernel would be a symbol shared by both builds).
/// - Returns: the least energy of the block (+∞ for an empty block).
/// - Complexity: O(block rows × cols) plus one counting median per row.
@inlinable @inline(__always)
package func sobelEnergyRows(_ s: UnsafePointer<Double>, into energy: UnsafeMutablePointer<Double>,
                             rows: Int, cols: Int, block: Range<Int>,
                             buffers: (UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>,
                                       UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>,
                                       UnsafeMutablePointer<Double>),
                             median: (_ values: UnsafePointer<Double>, _ n: Int,
                                      _ scratch: UnsafeMutablePointer<Double>) -> Double) -> Double {
    typealias V = SIMD4<Double>
    @inline(__always) func rowDerivative(_ r: Int, _ d: UnsafeMutablePointer<Double>) {
        let p = s + Swift.min(Swift.max(r, 0), rows - 1) * cols
        if cols == 1 { d[0] = 0; return }
        d[0] = p[1] - p[0]
        var c = 1
        while c + 4 <= cols - 1 { storeUnaligned(V(unaligned: p + c + 1) - V(unaligned: p + c - 1), d + c); c += 4 }
        while c < cols - 1 { d[c] = p[c + 1] - p[c - 1]; c += 1 }
        d[cols - 1] = p[cols - 1] - p[cols - 2]
    }
    var (dUp, dMid, dDown, gy, line) = buffers
    var low4 = V(repeating: .infinity), low = Double.infinity
    rowDerivative(block.lowerBound - 1, dUp)
    rowDerivative(block.lowerBound, dMid)
    for r in block {
        rowDerivative(r + 1, dDown)
        // column derivative of row r → line, smoothed along the row → gy
        let above = s + Swift.max(r - 1, 0) * cols, below = s + Swift.min(r + 1, rows - 1) * cols
        var c = 0
        while c + 4 <= cols { storeUnaligned(V(unaligned: below + c) - V(unaligned: above + c), line + c); c += 4 }
        while c < cols { line[c] = below[c] - above[c]; c += 1 }
        if cols == 1 {
            gy[0] = line[0] * 2 + (line[0] + line[0])
        } else {
            gy[0] = line[0] * 2 + (line[0] + line[1])
            c = 1
            while c + 4 <= cols - 1 {
                let sides = V(unaligned: line + c - 1) + V(unaligned: line + c + 1)
                storeUnaligned(V(unaligned: line + c) * 2 + sides, gy + c)
                c += 4
            }
            while c < cols - 1 { gy[c] = line[c] * 2 + (line[c - 1] + line[c + 1]); c += 1 }
            gy[cols - 1] = line[cols - 1] * 2 + (line[cols - 2] + line[cols - 1])
        }
        let m = 0.5 * median(gy, cols, line)
        let e = energy + r * cols, mv = V(repeating: m)
        c = 0
        while c + 4 <= cols {
            let x = V(unaligned: dMid + c) * 2 + (V(unaligned: dUp + c) + V(unaligned: dDown + c))
            let y = V(unaligned: gy + c) - mv
            let v = 2 * (x * x) + y * y
            storeUnaligned(v, e + c)
            low4 = low4.replacing(with: v, where: v .< low4)
            c += 4
        }
        while c < cols {
            let x = dMid[c] * 2 + (dUp[c] + dDown[c]), y = gy[c] - m
            e[c] = 2 * (x * x) + y * y
            low = Swift.min(low, e[c])
            c += 1
        }
        (dUp, dMid, dDown) = (dMid, dDown, dUp)
    }
    return Swift.min(low, Swift.min(Swift.min(low4[0], low4[1]), Swift.min(low4[2], low4[3])))
}
