/// The position constraints applied after the shifts of every outer iteration, and the end-effect fix.
enum PositionNormalization {
    /// Without reordering: any section below its predecessor is put at predecessor + `minimumThickness`
    /// (saalfeldlab/z-spacing `preventReorder`).
    static func preventReorder(_ xs: UnsafeMutableBufferPointer<Double>, minimumThickness: Double) {
        guard xs.count > 1 else { return }
        for i in 1..<xs.count where xs[i - 1] > xs[i] {
            xs[i] = xs[i - 1] + minimumThickness
        }
    }

    /// Renormalises the positions (sorted order of the iteration) and returns the scale applied.
    ///
    /// - `border`: affine map sending xs[0] to 0 and xs[N−1] to N − 1 (first and last in the iteration's
    ///   order, as the plugin's `BorderRegularization`); skipped when they coincide.
    /// - `identity`: least-squares affine fit a·xs + b ≈ 0…N−1 (`IdentityRegularization`).
    /// - `none`: unchanged.
    static func normalize(_ xs: UnsafeMutableBufferPointer<Double>, _ kind: ZSpacingOptions.Normalization) -> Double {
        let n = xs.count
        guard n > 1 else {
            if n == 1 && kind != .none { xs[0] = 0 }
            return 1
        }
        var a = 1.0, b = 0.0
        switch kind {
        case .none:
            return 1
        case .border:
            let span = xs[n - 1] - xs[0]
            guard span != 0, span.isFinite else { return 1 }
            a = Double(n - 1) / span
            b = -xs[0] * a
        case .identity:
            var mx = 0.0, mi = 0.0
            for i in 0..<n { mx += xs[i]; mi += Double(i) }
            mx /= Double(n); mi /= Double(n)
            var sxy = 0.0, sxx = 0.0
            for i in 0..<n {
                let dx = xs[i] - mx
                sxy += dx * (Double(i) - mi)
                sxx += dx * dx
            }
            guard sxx > 0 else { return 1 }
            a = sxy / sxx
            b = mi - a * mx
        }
        for i in 0..<n { xs[i] = a * xs[i] + b }
        return a
    }

    /// render's `normalizeEndDelta`: within 3R sections of either end (sorted order), spacings outside
    /// median ± 20 % are reset to 1; the positions are rebuilt from the spacings and mapped back onto the
    /// original first…last span.
    static func normalizeEnds(_ sorted: [Double], range: Int) -> [Double] {
        let n = sorted.count
        guard n > 2 else { return sorted }
        var delta = (0..<(n - 1)).map { sorted[$0 + 1] - sorted[$0] }
        let ordered = delta.sorted()
        let median = ordered.count % 2 == 1 ? ordered[ordered.count / 2]
                                            : (ordered[ordered.count / 2 - 1] + ordered[ordered.count / 2]) / 2
        let zone = 3 * range
        for i in delta.indices where i < zone || i >= delta.count - zone {
            if abs(delta[i] - median) > 0.2 * abs(median) { delta[i] = 1 }
        }
        var rebuilt = [sorted[0]]
        for d in delta { rebuilt.append(rebuilt.last! + d) }
        let oldSpan = sorted[n - 1] - sorted[0], newSpan = rebuilt[n - 1] - rebuilt[0]
        guard newSpan != 0, newSpan.isFinite, oldSpan.isFinite else { return sorted }
        let a = oldSpan / newSpan
        return rebuilt.map { sorted[0] + ($0 - sorted[0]) * a }
    }
}
