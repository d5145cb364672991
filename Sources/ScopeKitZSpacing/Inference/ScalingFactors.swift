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
        for _ in 0..<iterations {
            for i in 0..<n {
                let f = w.curve(i), last = w.last(i)
                var numerator = 0.0, denominator = 0.0
                let lo = Swift.max(0, i - r), hi = Swift.min(n, i + upper)
                let row = i * bw + r - i
                let xi = xs[i]
                for k in lo..<hi where k != i {
                    let cik = band[row + k]
                    if !(cik > 0) { continue }
                    let fv = Curve.value(f, last: last, at: abs(xs[k] - xi))
                    if fv.isNaN { continue }
                    let p = ss[k] * cik
                    numerator += p * fv
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
