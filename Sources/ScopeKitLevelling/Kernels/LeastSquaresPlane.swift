/// The true 2-D masked least-squares polynomial background (Gwyddion "Polynomial Background").
extension _Frame {
    /// Fits `Σ a_ij P_i(u) P_j(v)` over the used pixels (Legendre polynomials in coordinates scaled to
    /// [−1, 1]; `u` along columns, `v` along rows) with `i ≤ xOrder`, `j ≤ yOrder` and, for total degree,
    /// `i + j ≤ max(xOrder, yOrder)`, and subtracts it from every pixel. The normal equations are accumulated
    /// row by row (x moments per row, then weighted by the row's y basis), so the cost is
    /// O(pixels·(xOrder+1)² + rows·terms²). Returns the coefficients, or `nil` (frame unchanged) when the used
    /// pixels do not determine the polynomial.
    func leastSquaresPolynomial(xOrder: Int, yOrder: Int, totalDegree: Bool) -> [Double]? {
        let nx = xOrder + 1, ny = yOrder + 1
        let maxDegree = Swift.max(xOrder, yOrder)
        var terms: [(Int, Int)] = []
        for j in 0..<ny { for i in 0..<nx where !totalDegree || i + j <= maxDegree { terms.append((i, j)) } }
        let m = terms.count
        // Basis tables: px[c*nx + i] = P_i(u_c), py[r*ny + j] = P_j(v_r).
        var px = [Double](repeating: 0, count: cols * nx), py = [Double](repeating: 0, count: rows * ny)
        px.withUnsafeMutableBufferPointer { b in
            for c in 0..<cols { _legendre(_unitCoordinate(c, cols), degree: xOrder, into: b.baseAddress! + c * nx) }
        }
        py.withUnsafeMutableBufferPointer { b in
            for r in 0..<rows { _legendre(_unitCoordinate(r, rows), degree: yOrder, into: b.baseAddress! + r * ny) }
        }
        var gram = [Double](repeating: 0, count: m * m), rhs = [Double](repeating: 0, count: m)
        var sxx = [Double](repeating: 0, count: nx * nx), sxz = [Double](repeating: 0, count: nx)
        var used = 0
        // The x basis by order (pxT[i*cols + c]) for vector dot products and the subtraction.
        var pxT = [Double](repeating: 0, count: cols * nx)
        for c in 0..<cols { for i in 0..<nx { pxT[i * cols + c] = px[c * nx + i] } }
        let dense = isDense
        // Every row fully used: the x moments Σ P_a P_b are the same for every row.
        var denseSxx = [Double](repeating: 0, count: nx * nx)
        if dense {
            pxT.withUnsafeBufferPointer { t in
                for a in 0..<nx { for b in a..<nx {
                    denseSxx[a * nx + b] = _dot(t.baseAddress! + a * cols, t.baseAddress! + b * cols, cols)
                } }
            }
        }
        px.withUnsafeBufferPointer { px in
            py.withUnsafeBufferPointer { py in
                pxT.withUnsafeBufferPointer { pxT in
                for r in 0..<rows {
                    let base = r * cols
                    var any = false
                    if dense {
                        for k in 0..<(nx * nx) { sxx[k] = denseSxx[k] }
                        for a in 0..<nx { sxz[a] = _dot(pxT.baseAddress! + a * cols, z + base, cols) }
                        any = cols > 0
                        used += cols
                    } else {
                    for k in 0..<(nx * nx) { sxx[k] = 0 }
                    for k in 0..<nx { sxz[k] = 0 }
                    for c in 0..<cols where isUsed(base + c) {
                        any = true
                        used += 1
                        let p = px.baseAddress! + c * nx, v = z[base + c]
                        for a in 0..<nx {
                            let pa = p[a]
                            sxz[a] += pa * v
                            for b in a..<nx { sxx[a * nx + b] += pa * p[b] }
                        }
                    }
                    }
                    guard any else { continue }
                    let q = py.baseAddress! + r * ny
                    for s in 0..<m {
                        let (i, j) = terms[s]
                        rhs[s] += q[j] * sxz[i]
                        for t in s..<m {
                            let (k, l) = terms[t]
                            gram[s * m + t] += q[j] * q[l] * (i <= k ? sxx[i * nx + k] : sxx[k * nx + i])
                        }
                    }
                }
                }
            }
        }
        guard used >= m else { skippedFits += 1; return nil }
        for s in 0..<m { for t in 0..<s { gram[s * m + t] = gram[t * m + s] } }
        let ok = gram.withUnsafeMutableBufferPointer { g in
            rhs.withUnsafeMutableBufferPointer { b in _choleskySolve(g.baseAddress!, b.baseAddress!, m) }
        }
        guard ok else { skippedFits += 1; return nil }
        // Subtract: background(r, c) = Σ_j P_j(v_r) Σ_i a_ij P_i(u_c).
        let rowPoly = lineA
        pxT.withUnsafeBufferPointer { pxT in
            py.withUnsafeBufferPointer { py in
                for r in 0..<rows {
                    for i in 0..<nx { rowPoly[i] = 0 }
                    let q = py.baseAddress! + r * ny
                    for s in 0..<m { rowPoly[terms[s].0] += rhs[s] * q[terms[s].1] }
                    let row = z + r * cols
                    for i in 0..<nx {
                        let a = rowPoly[i], p = pxT.baseAddress! + i * cols
                        for c in 0..<cols { row[c] -= a * p[c] }
                    }
                }
            }
        }
        return rhs
    }
}
