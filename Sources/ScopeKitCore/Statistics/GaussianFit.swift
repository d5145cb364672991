import RealModule

/// A Gaussian peak `amplitude · exp(−(x − center)² / (2σ²))`, as fitted to a histogram.
///
/// MATLAB's `fit(x, y, 'gauss1')` (used by NanoLocz) writes the same curve as `a1·exp(−((x − b1)/c1)²)`:
/// `a1` = ``amplitude``, `b1` = ``center`` and `c1` = ``width`` = √2·σ. A NanoLocz band "b1 ± 1.5·c1" is
/// therefore ±2.12σ.
///
/// ```swift
/// let peak = try image.histogram(bins: 100).fittedGaussian()
/// let band = (peak.center - 1.5 * peak.width)...(peak.center + 1.5 * peak.width)   // NanoLocz
/// ```
public struct GaussianPeak: Sendable, Equatable {
    /// The peak height (`a1`).
    public var amplitude: Double
    /// The peak position (`b1`, the mean).
    public var center: Double
    /// The standard deviation σ (> 0).
    public var sigma: Double

    public init(amplitude: Double, center: Double, sigma: Double) {
        self.amplitude = amplitude
        self.center = center
        self.sigma = sigma
    }

    /// MATLAB `gauss1`'s `c1` = √2·σ.
    public var width: Double { sigma * 2.0.squareRoot() }

    /// The full width at half maximum, 2·√(2 ln 2)·σ.
    public var fullWidthAtHalfMaximum: Double { 2 * (2 * 0.693_147_180_559_945_3).squareRoot() * sigma }

    /// The curve's value at `x`.
    public func value(at x: Double) -> Double {
        let z = (x - center) / sigma
        return amplitude * _exp(-0.5 * z * z)
    }

    /// Least-squares fit of a Gaussian to points `(x[i], y[i])`.
    ///
    /// Levenberg–Marquardt on the unweighted residuals `y − f(x)`, started from the highest point and the
    /// moments of `y`, iterated until the sum of squares stops decreasing (relative change < 1e-15) — the same
    /// minimum as `scipy.optimize.curve_fit(f, x, y, p0)` and MATLAB `fit(x, y, 'gauss1')` reach.
    ///
    /// ```swift
    /// let p = try GaussianPeak.fit(x: h.centers, y: h.counts.map(Double.init))
    /// ```
    ///
    /// - Parameters:
    ///   - x: abscissae (e.g. bin centres).
    ///   - y: ordinates (e.g. counts), same length, at least 3 points with a positive maximum.
    ///   - initial: a starting guess; `nil` = from the data.
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` for fewer than 3 points, non-finite data, no positive value,
    ///   or a fit that does not converge to a finite peak; ``ScopeKitError/usage(_:)`` for unequal lengths.
    /// - Complexity: O(points · iterations), at most 500 iterations.
    public static func fit(x: [Double], y: [Double], initial: GaussianPeak? = nil) throws -> GaussianPeak {
        guard x.count == y.count else {
            throw ScopeKitError.usage("Gaussian fit: \(x.count) x values but \(y.count) y values")
        }
        guard x.count >= 3 else { throw ScopeKitError.badInput("Gaussian fit needs at least 3 points, got \(x.count)") }
        guard x.allSatisfy(\.isFinite), y.allSatisfy(\.isFinite) else {
            throw ScopeKitError.badInput("Gaussian fit: data contain NaN or infinite values")
        }
        guard let start = initial ?? _initialGuess(x, y) else {
            throw ScopeKitError.badInput("Gaussian fit: no positive value to fit")
        }
        // Fixed-size SIMD storage (no allocation per point or iteration): p = (a, b, σ), JᵀJ row-major in 9 lanes.
        var p = SIMD4<Double>(start.amplitude, start.center, start.sigma, 0)
        var cost = x.withUnsafeBufferPointer { xs in y.withUnsafeBufferPointer { ys in _gaussianCost(p, xs, ys) } }
        var lambda = 1e-3
        x.withUnsafeBufferPointer { xs in
            y.withUnsafeBufferPointer { ys in
                for _ in 0..<500 {
                    // Normal equations JᵀJ δ = Jᵀr for the parameters (a, b, σ).
                    var jtj = SIMD16<Double>(), jtr = SIMD4<Double>()
                    for i in 0..<xs.count {
                        let xi = xs[i], yi = ys[i]
                        let d = xi - p[1], s2 = p[2] * p[2]
                        let e = _exp(-0.5 * d * d / s2)
                        let f = p[0] * e
                        let j = SIMD4<Double>(e, f * d / s2, f * d * d / (s2 * p[2]), 0)
                        let r = yi - f
                        for a in 0..<3 {
                            jtr[a] += j[a] * r
                            for b in 0..<3 { jtj[3 * a + b] += j[a] * j[b] }
                        }
                    }
                    var improved = false
                    while lambda < 1e16 {
                        var m = jtj
                        for a in 0..<3 { m[4 * a] += lambda * Swift.max(jtj[4 * a], 1e-300) }
                        guard let delta = _solve3(m, jtr) else { lambda *= 10; continue }
                        let trial = SIMD4<Double>(p[0] + delta[0], p[1] + delta[1], p[2] + delta[2], 0)
                        let trialCost = _gaussianCost(trial, xs, ys)
                        if trialCost.isFinite && trialCost <= cost {
                            let change = cost - trialCost
                            p = trial
                            lambda = Swift.max(lambda / 10, 1e-12)
                            improved = change > 1e-15 * Swift.max(cost, 1e-300)
                            cost = trialCost
                            break
                        }
                        lambda *= 10
                    }
                    if !improved { break }
                }
            }
        }
        let peak = GaussianPeak(amplitude: p[0], center: p[1], sigma: abs(p[2]))
        guard peak.amplitude.isFinite, peak.center.isFinite, peak.sigma.isFinite, peak.sigma > 0 else {
            throw ScopeKitError.badInput("Gaussian fit did not converge to a finite peak")
        }
        return peak
    }

    /// Amplitude and centre of the highest point, σ from the y-weighted second moment (at least half the
    /// point spacing).
    static func _initialGuess(_ x: [Double], _ y: [Double]) -> GaussianPeak? {
        guard let top = y.indices.max(by: { y[$0] < y[$1] }), y[top] > 0 else { return nil }
        var w = 0.0, mx = 0.0
        for (xi, yi) in zip(x, y) where yi > 0 { w += yi; mx += yi * xi }
        mx /= w
        var v = 0.0
        for (xi, yi) in zip(x, y) where yi > 0 { v += yi * (xi - mx) * (xi - mx) }
        let spacing = (x.max()! - x.min()!) / Double(x.count - 1)
        let sigma = Swift.max((v / w).squareRoot(), spacing / 2, .leastNormalMagnitude)
        return GaussianPeak(amplitude: y[top], center: x[top], sigma: sigma)
    }
}

extension Histogram {
    /// The Gaussian fitted by least squares to the counts at the bin centres.
    ///
    /// Like NanoLocz's `hist(T(:), 100)` followed by `fit(centres, counts, 'gauss1')`, or
    /// `scipy.optimize.curve_fit` of a Gaussian to `numpy.histogram` output.
    ///
    /// ```swift
    /// let peak = try stack.histogram(bins: 100).fittedGaussian()
    /// print(peak.center, peak.sigma, peak.width)   // width = MATLAB c1 = √2 σ
    /// ```
    ///
    /// - Throws: see ``GaussianPeak/fit(x:y:initial:)``.
    /// - Complexity: O(bins · iterations).
    public func fittedGaussian() throws -> GaussianPeak {
        try GaussianPeak.fit(x: centers, y: counts.map(Double.init))
    }
}

/// The sum of squared residuals of the Gaussian `p = (a, b, σ, –)`.
func _gaussianCost(_ p: SIMD4<Double>, _ x: UnsafeBufferPointer<Double>, _ y: UnsafeBufferPointer<Double>) -> Double {
    var s = 0.0
    for i in 0..<x.count {
        let d = (x[i] - p[1]) / p[2]
        let r = y[i] - p[0] * _exp(-0.5 * d * d)
        s += r * r
    }
    return s
}

/// Solves the 3×3 system `m·x = v` (row-major in lanes 0…8; lanes 0…2 of `v`) by Gaussian elimination with
/// partial pivoting.
func _solve3(_ m: SIMD16<Double>, _ v: SIMD4<Double>) -> SIMD4<Double>? {
    var a = m, b = v
    for col in 0..<3 {
        var pivot = col
        for r in (col + 1)..<3 where abs(a[3 * r + col]) > abs(a[3 * pivot + col]) { pivot = r }
        guard a[3 * pivot + col] != 0, a[3 * pivot + col].isFinite else { return nil }
        if pivot != col {
            for c in 0..<3 { let t = a[3 * col + c]; a[3 * col + c] = a[3 * pivot + c]; a[3 * pivot + c] = t }
            let t = b[col]; b[col] = b[pivot]; b[pivot] = t
        }
        for r in (col + 1)..<3 {
            let f = a[3 * r + col] / a[3 * col + col]
            for c in col..<3 { a[3 * r + c] -= f * a[3 * col + c] }
            b[r] -= f * b[col]
        }
    }
    var x = SIMD4<Double>()
    for r in stride(from: 2, through: 0, by: -1) {
        var s = b[r]
        for c in (r + 1)..<3 { s -= a[3 * r + c] * x[c] }
        x[r] = s / a[3 * r + r]
    }
    return x[0].isFinite && x[1].isFinite && x[2].isFinite ? x : nil
}

/// e^x (RealModule's, so Core needs no Foundation).
@inline(__always)
func _exp(_ x: Double) -> Double { Double.exp(x) }
