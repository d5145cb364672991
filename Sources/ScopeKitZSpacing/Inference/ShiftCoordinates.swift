/// SHIFT: every section votes a position for each neighbour through the inverse of the similarity curve.
///
/// For section i and each side, neighbours k = i ± 1 … i ± R (sorted order) are visited outwards; the
/// scaled similarity m = s_i·s_k·C_ik is skipped when NaN, ≤ the minimum correlation, or (forced
/// monotonicity) not below the last accepted value on that side. δ = f_i⁻¹(m) is the distance the curve
/// assigns; section k gets the vote `(x_i ± δ) − x_k`. Votes are averaged per section (all weights 1).
///
/// Follows saalfeldlab/z-spacing 1.1.3 `ShiftCoordinates.collectShiftsFromMatrix` and the weighted-average
/// mediation; the vote sums of squares are kept for the per-section uncertainty.
enum ShiftCoordinates {
    static func collect(_ w: InferenceWorkspace, forceMonotonicity: Bool, minimumCorrelation: Double,
                        fijiInverse: Bool) {
        let n = w.n, r = w.r, bw = w.bw
        let xs = w.xs, ss = w.ss, band = w.band
        let votes = w.votes, counts = w.voteCounts, squares = w.voteSquares
        for k in 0..<n { votes[k] = 0; counts[k] = 0; squares[k] = 0 }
        guard r >= 1 else { return }
        for i in 0..<n {
            let f = w.curve(i), last = w.last(i)
            for side in 0..<2 {
                let sign = side == 0 ? 1 : -1
                var lastAccepted = Double.infinity
                for d in 1...r {
                    let k = i + sign * d
                    if k < 0 || k >= n { break }
                    let m = band[i * bw + r + sign * d] * ss[i] * ss[k]
                    if m.isNaN || m <= minimumCorrelation || (forceMonotonicity && m >= lastAccepted) { continue }
                    lastAccepted = m
                    let delta = fijiInverse ? Curve.fijiInverse(f, count: r + 1, of: m)
                                            : Curve.inverse(f, last: last, of: m)
                    let vote = xs[i] + Double(sign) * delta - xs[k]
                    if !vote.isFinite { continue }
                    votes[k] += vote
                    counts[k] += 1
                    squares[k] += vote * vote
                }
            }
        }
    }

    /// Applies `proportion` of the mean vote to every section that received a vote.
    static func apply(_ w: InferenceWorkspace, proportion: Double) {
        for k in 0..<w.n where w.voteCounts[k] > 0 {
            w.xs[k] += proportion * w.votes[k] / w.voteCounts[k]
        }
    }
}
