/// FIT: the similarity-versus-distance curve f[0…R], averaged over sections (or over local windows).
///
/// For every section z and every integer distance k ≤ R on both sides, the (scaled) matrix row z is read at
/// the fractional section number t = LUT⁻¹(x_z ± k), i.e. at distance k in the *current corrected*
/// coordinates (exact at integer t, else linear between the two neighbours, NaN if either is NaN or t is
/// outside the stack). Samples that are NaN, ≤ 0 or (with forced monotonicity) not below the last accepted
/// sample on that side are skipped. f[k] is the mean of the accepted samples, f[0] = 1.
///
/// With k ≥ 2 local estimates, window radius ρ = N / k, each sample goes to windows ⌊z/ρ − 1⌋ and the next
/// (clamped to the first/last), and section n's curve is the window curves interpolated at (n − ρ)/ρ.
///
/// Follows saalfeldlab/z-spacing 1.1.3 `AbstractCorrelationFit`, `GlobalCorrelationFitAverage`,
/// `LocalCorrelationFitAverage`; differs: unless `fijiCompatible`, every curve is made non-increasing
/// (cumulative minimum) and cut at its first NaN (spec quirk 4).
enum CorrelationFit {
    static func estimate(_ w: InferenceWorkspace, forceMonotonicity: Bool, monotoneCurve: Bool) {
        let n = w.n, r = w.r, stride = r + 1
        let xs = w.xs.baseAddress!, order = w.order, sp = w.sPrevious
        let sums = w.windowSums, counts = w.windowCounts
        for k in 0..<sums.count { sums[k] = 0; counts[k] = 0 }
        let radius = Double(w.windowRadius), nFits = w.windowCount
        for z in 0..<n {
            // windows that receive this section's samples
            var w0 = 0, w1 = -1
            if nFits > 1 {
                let p = Double(z) / radius - 1
                if p <= 0 { w0 = 0 } else if p >= Double(nFits - 1) { w0 = nFits - 1 } else {
                    w0 = Int(p.rounded(.down)); w1 = w0 + 1
                }
            }
            let oz = order[z], sz = sp[z]
            for side in 0..<2 {
                let sign = side == 0 ? 1.0 : -1.0
                var lastAccepted = Double.infinity
                var hint = z
                for k in 0...r {
                    let t = Curve.inverseLUT(xs, count: n, of: xs[z] + sign * Double(k), hint: &hint)
                    if t.isNaN { break }        // outside the stack; further k are outside too
                    let j = Int(t), fraction = t - Double(j)
                    var a = j == z ? 1 : w.entry(oz, order[j]) * sz * sp[j]
                    if fraction > 0 {
                        guard j + 1 < n else { continue }
                        let b = j + 1 == z ? 1 : w.entry(oz, order[j + 1]) * sz * sp[j + 1]
                        a += fraction * (b - a)
                    }
                    if a.isNaN || a <= 0 || (forceMonotonicity && a >= lastAccepted) { continue }
                    lastAccepted = a
                    sums[w0 * stride + k] += a
                    counts[w0 * stride + k] += 1
                    if w1 >= 0 {
                        sums[w1 * stride + k] += a
                        counts[w1 * stride + k] += 1
                    }
                }
            }
        }
        // Window curves (in place in the sums), monotone unless compat.
        for win in 0..<nFits {
            let f = sums.baseAddress! + win * stride
            f[0] = 1
            for k in 1..<Swift.max(stride, 1) where k < stride {
                f[k] = counts[win * stride + k] > 0 ? f[k] / counts[win * stride + k] : .nan
            }
            if monotoneCurve { _ = Curve.makeMonotone(f, count: stride) }
        }
        // Per-section curves.
        if nFits == 1 {
            let f = w.curves.baseAddress!
            for k in 0..<stride { f[k] = sums[k] }
            w.curveLast[0] = monotoneCurve ? Curve.lastFinite(f, count: stride) : r
        } else {
            for i in 0..<n {
                let p = (Double(i) - radius) / radius
                let f = w.curve(i)
                if p <= 0 || p >= Double(nFits - 1) {
                    let win = p <= 0 ? 0 : nFits - 1
                    for k in 0..<stride { f[k] = sums[win * stride + k] }
                } else {
                    let a = Int(p.rounded(.down)), fr = p - Double(a)
                    for k in 0..<stride {
                        let u = sums[a * stride + k], v = sums[(a + 1) * stride + k]
                        f[k] = u + fr * (v - u)
                    }
                }
                w.curveLast[i] = monotoneCurve ? Curve.makeMonotone(f, count: stride) : r
            }
        }
    }
}
