import Foundation

/// Gwyddion "Align Rows" methods that compare neighbouring lines or fit each line's slope:
/// *Matching* and *Facet-level tilt* (Gwyddion `modules/process/linematch.c`, described by behaviour).
extension _Frame {
    /// Gwyddion "Matching": cumulative line shifts from weighted mean differences of neighbouring lines.
    ///
    /// For lines `a` (previous) and `b` (current) and each pixel pair `k, k+1` whose four pixels are used,
    /// the mixed second difference is `d_k = (a[k+1] − a[k]) − (b[k+1] − b[k])`; with `q` = mean `|d|` the pair
    /// weight is `w_k = exp(−d_k² / 2q)` (flat, parallel stretches count most). Each pixel gets the mean weight
    /// of its two pairs, and the line's shift is the previous shift plus `Σ (b − a)·(w_{k−1} + w_k) / 2Σw`.
    /// Differences from Gwyddion 2.x: lines that are exactly parallel (`q = 0`) get equal weights (Gwyddion
    /// leaves such a line unshifted) and a pair is used only when all four pixels are used (Gwyddion tests two).
    /// A line with no usable pair keeps the previous shift.
    ///
    /// - Complexity: O(pixels).
    func _matchingShifts(_ lines: _Lines, into shifts: inout [Double]) {
        guard lines.lineCount > 1, lines.length > 1 else { return }
        let w = lineA, n = lines.length
        for l in 1..<lines.lineCount {
            var sumAbs = 0.0, pairs = 0
            for k in 0..<(n - 1) {
                let a0 = lines.index(l - 1, k), a1 = lines.index(l - 1, k + 1)
                let b0 = lines.index(l, k), b1 = lines.index(l, k + 1)
                if isUsed(a0) && isUsed(a1) && isUsed(b0) && isUsed(b1) {
                    let d = (z[a1] - z[a0]) - (z[b1] - z[b0])
                    w[k] = d
                    sumAbs += abs(d)
                    pairs += 1
                } else {
                    w[k] = .nan
                }
            }
            guard pairs > 0 else { shifts[l] = shifts[l - 1]; continue }
            let q = sumAbs / Double(pairs)
            var wsum = 0.0
            for k in 0..<(n - 1) {
                let d = w[k]
                if d.isNaN { w[k] = 0; continue }
                w[k] = q > 0 ? Foundation.exp(-(d * d) / (2 * q)) : 1
                wsum += w[k]
            }
            var lambda = 0.0
            for k in 0..<n {
                let left = k > 0 ? w[k - 1] : 0, right = k < n - 1 ? w[k] : 0
                let weight = left + right
                if weight > 0 { lambda += (z[lines.index(l, k)] - z[lines.index(l - 1, k)]) * weight }
            }
            shifts[l] = shifts[l - 1] + lambda / (2 * wsum)
        }
    }

    /// Gwyddion "Facet-level tilt" per line: up to 30 times, the slopes `v_k = z[k+1] − z[k]` of used pixel
    /// pairs give `σ² = Σv² / (200·n)` and the weighted mean slope `t = Σ v·e^{−v²/σ²} / Σ e^{−v²/σ²}`, and
    /// `t·(k − (length−1)/2)` is subtracted from the whole line (its mean stays). Stops when `|t|` is below
    /// 10⁻⁶ of the rms slope (Gwyddion: 10⁻⁶ in physical slope units). Lines with fewer than
    /// `round(ln length + 1)` pairs are left; a flat line (σ = 0) stops (Gwyddion would produce NaN).
    ///
    /// - Complexity: O(pixels × iterations), at most 30 iterations.
    func _facetTilt(_ lines: _Lines) {
        let n = lines.length
        guard n > 1 else { return }
        let minimum = Int((Foundation.log(Double(n)) + 1).rounded())
        let v = lineA
        let centre = Double(n - 1) / 2
        for l in 0..<lines.lineCount {
            for _ in 0..<30 {
                var m = 0, sumSquares = 0.0
                for k in 0..<(n - 1) {
                    let i = lines.index(l, k), j = lines.index(l, k + 1)
                    if isUsed(i) && isUsed(j) {
                        let s = z[j] - z[i]
                        v[m] = s; m += 1
                        sumSquares += s * s
                    }
                }
                guard m >= Swift.max(minimum, 1) else { break }
                let sigma2 = sumSquares / 200 / Double(m)
                guard sigma2 > 0 else { break }
                var sv = 0.0, sw = 0.0
                for k in 0..<m {
                    let weight = Foundation.exp(-(v[k] * v[k]) / sigma2)
                    sv += v[k] * weight
                    sw += weight
                }
                guard sw > 0 else { break }
                let tilt = sv / sw
                if tilt == 0 { break }
                for k in 0..<n { z[lines.index(l, k)] -= tilt * (Double(k) - centre) }
                if abs(tilt) < 1e-6 * (sumSquares / Double(m)).squareRoot() { break }
            }
        }
    }
}
