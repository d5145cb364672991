import ScopeKitCore

extension BandedMatrix {
    /// The similarity matrix in corrected coordinates (Fiji's "Warped matrix"), N × N.
    ///
    /// Entry (p, q) is the matrix in corrected order (rows and columns permuted by
    /// ``ZSpacingResult/backwardPermutation``) sampled at fractional ranks (LUT⁻¹(p), LUT⁻¹(q)), where LUT maps
    /// rank to sorted corrected position: bilinear between the four neighbours (exact at integer ranks), NaN
    /// when a neighbour that carries weight is NaN or p, q fall outside the positions' range. For well
    /// estimated positions the warped matrix depends on |p − q| only (constant along diagonals).
    ///
    /// ```swift
    /// let image = matrix.warped(by: result)        // NDArray<Float> [N, N]
    /// ```
    ///
    /// Follows saalfeldlab/z-spacing 1.1.3 `ZPositionCorrection.generateTransformed` (permutation, then LUT,
    /// n-linear interpolation, NaN extension).
    ///
    /// - Precondition: `result` was computed for this matrix (same section count).
    /// - Complexity: O(N²).
    public func warped(by result: ZSpacingResult) -> NDArray<Float> {
        let n = count
        precondition(result.count == n, "BandedMatrix.warped: \(result.count) positions for \(n) sections")
        let perm = result.backwardPermutation
        var ranks = [Double](repeating: .nan, count: n)
        result.sortedPositions.withUnsafeBufferPointer { xs in
            var hint = 0
            for p in 0..<n { ranks[p] = n == 0 ? .nan : Curve.inverseLUT(xs.baseAddress!, count: n, of: Double(p), hint: &hint) }
        }
        return NDArray<Float>(unsafeUninitializedShape: [n, n]) { out in
            for p in 0..<n {
                for q in 0..<n {
                    out[p * n + q] = Float(sample(ranks[p], ranks[q], perm))
                }
            }
        }
    }

    /// The permuted matrix at fractional ranks (a, b), bilinear, NaN if a weighted neighbour is NaN.
    private func sample(_ a: Double, _ b: Double, _ perm: [Int]) -> Double {
        guard a.isFinite, b.isFinite else { return .nan }
        let a0 = Int(a), b0 = Int(b)
        let fa = a - Double(a0), fb = b - Double(b0)
        var total = 0.0
        for (i, wa) in [(a0, 1 - fa), (a0 + 1, fa)] where wa > 0 {
            for (j, wb) in [(b0, 1 - fb), (b0 + 1, fb)] where wb > 0 {
                guard i < count, j < count else { return .nan }
                let v = i == j ? 1 : self[perm[i], perm[j]]
                if v.isNaN { return .nan }
                total += wa * wb * v
            }
        }
        return total
    }
}
