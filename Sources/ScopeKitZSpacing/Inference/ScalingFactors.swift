/// SCALE: per-section quality factors s with s_n·s_i·C_ni ≈ f(|x_n − x_i|), by damped Gauss–Seidel sweeps.
///
/// Each sweep visits n = 0…N−1 in sorted order and sets `s_n = (1−λ)·Σ s_i·C_ni·f(d_ni) / Σ (s_i·C_ni)²
/// + λ·target`, the closed-form least-squares factor of section n given the others, damped towards the
/// previous value of s_n (``ZSpacingOptions/QualityTarget/previous``) or towards 1
/// (``ZSpacingOptions/QualityTarget/one``). The sums run over i ≠ n with |i − n| ≤ R in sorted order
/// (i < n + R with `fijiCompatible`), skipping NaN or non-positive C and distances beyond the curve. The
/// unscaled matrix is used; a section without usable terms keeps its factor.
///
/// Follows saalfeldlab/z-spacing 1.1.3 `EstimateScalingFactors.estimateQuadraticFromMatrix`.
enum ScalingFactors {
    static func estimate(_ w: InferenceWorkspace, iterations: Int, regularization lambda: Double,
                         target: ZSpacingOptions.QualityTarget, fijiWindow: Bool) {
        let n = w.n, r = w.r, bw = w.bw
        let xs = w.xs, ss = w.ss, band = w.band
        let upper = fijiWindow ? r : r + 1
        guard iterations > 0 else { return }
        // Positions and curves are fixed during the sweeps: tabulate C and C·f once per outer iteration.
        let cTerm = w.scaleC, cfTerm = w.scaleCF
        for i in 0..<n {
            let f = w.curve(i), last = w.last(i)
            let row = i * bw + r - i
            for k in Swift.max(0, i - r)..<Swift.min(n, i + r + 1) {
                var c = 0.0, cf = 0.0
                let cik = band[row + k]
                if k != i && k < i + upper && cik > 0 {
                    let fv = Curve.value(f, last: last, at: abs(xs[k] - xs[i]))
                    if !fv.isNaN { c = cik; cf = cik * fv }
                }
                cTerm[row + k] = c
                cfTerm[row + k] = cf
            }
        }
        for _ in 0..<iterations {
            for i in 0..<n {
                var numerator = 0.0, denominator = 0.0
                let lo = Swift.max(0, i - r), hi = Swift.min(n, i + r + 1)
                let row = i * bw + r - i
                for k in lo..<hi {
                    let sk = ss[k]
                    let p = sk * cTerm[row + k]
                    numerator += sk * cfTerm[row + k]
                    denominator += p * p
                }
                guard denominator > 0 else { continue }
                let anchor = target == .one ? 1 : ss[i]
                let value = (1 - lambda) * numerator / denominator + lambda * anchor
                if value.isFinite { ss[i] = value }
            }
        }
    }
}
