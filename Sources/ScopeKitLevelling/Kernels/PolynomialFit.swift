/// A least-squares polynomial in one variable, stored as discrete orthogonal polynomials (Forsythe 1957).
///
/// The basis `p₀ = 1`, `p₁ = (x − α₀)`, `pₖ₊₁ = (x − αₖ)pₖ − βₖpₖ₋₁` is orthogonal over the fitted abscissae, so
/// the fit needs no matrix, costs O(n·degree) and stays accurate for high degrees. Coefficients are computed
/// from the running residual (modified Gram–Schmidt). The fitted values equal those of `numpy.polyfit` /
/// MATLAB `polyfit` (the same least-squares projection) to rounding.
struct _OrthogonalPolynomial {
    var alpha: [Double] = []
    var beta: [Double] = []
    var coefficients: [Double] = []
    /// The affine map applied to x before evaluation (centre and scale of the fitted abscissae).
    var center = 0.0
    var scale = 1.0

    /// Fits `degree` to `n` points `(x[i], y[i])`; `work` holds at least `4n` doubles.
    /// Returns `nil` when the points cannot determine the degree (fewer than `degree + 1` distinct x).
    static func fit(x: UnsafePointer<Double>, y: UnsafePointer<Double>, count n: Int, degree: Int,
                    work: UnsafeMutablePointer<Double>) -> _OrthogonalPolynomial? {
        guard n > degree, degree >= 0 else { return nil }
        var poly = _OrthogonalPolynomial()
        var mean = 0.0
        for i in 0..<n { mean += x[i] }
        mean /= Double(n)
        var v = 0.0
        for i in 0..<n { v += (x[i] - mean) * (x[i] - mean) }
        let sd = (v / Double(n)).squareRoot()
        poly.center = mean
        poly.scale = sd > 0 ? sd : 1
        let inv = 1 / poly.scale
        let u = work, pPrev = work + n, pCur = work + 2 * n
        let residual = work + 3 * n
        for i in 0..<n {
            u[i] = (x[i] - mean) * inv
            residual[i] = y[i]
        }
        poly.coefficients.reserveCapacity(degree + 1)
        var normPrev = 1.0
        for i in 0..<n { pPrev[i] = 0; pCur[i] = 1 }
        for k in 0...degree {
            var norm = 0.0, xn = 0.0, rp = 0.0
            for i in 0..<n {
                let p = pCur[i]
                norm += p * p
                xn += u[i] * p * p
                rp += residual[i] * p
            }
            // A vanishing basis polynomial: the points do not determine degree k.
            if !(norm > 1e-13 * Double(n)) { return nil }
            let c = rp / norm
            poly.coefficients.append(c)
            for i in 0..<n { residual[i] -= c * pCur[i] }
            if k == degree { break }
            let a = xn / norm
            let b = k == 0 ? 0 : norm / normPrev
            poly.alpha.append(a)
            poly.beta.append(b)
            for i in 0..<n {
                let next = (u[i] - a) * pCur[i] - b * pPrev[i]
                pPrev[i] = pCur[i]
                pCur[i] = next
            }
            normPrev = norm
        }
        return poly
    }

    /// The fitted polynomial at `x`.
    func value(at x: Double) -> Double {
        let u = (x - center) / scale
        var pPrev = 0.0, pCur = 1.0
        var s = coefficients[0]
        var k = 1
        while k < coefficients.count {
            let next = (u - alpha[k - 1]) * pCur - beta[k - 1] * pPrev
            pPrev = pCur
            pCur = next
            s += coefficients[k] * pCur
            k += 1
        }
        return s
    }
}

/// Legendre polynomials P₀…P_degree at `u` (in [−1, 1] for pixel coordinates), written to `out`.
func _legendre(_ u: Double, degree: Int, into out: UnsafeMutablePointer<Double>) {
    out[0] = 1
    if degree >= 1 { out[1] = u }
    if degree >= 2 {
        for n in 1..<degree {
            out[n + 1] = (Double(2 * n + 1) * u * out[n] - Double(n) * out[n - 1]) / Double(n + 1)
        }
    }
}

/// Pixel index → [−1, 1] (0 for a single pixel).
func _unitCoordinate(_ i: Int, _ n: Int) -> Double {
    n > 1 ? (2 * Double(i) - Double(n - 1)) / Double(n - 1) : 0
}

/// Solves the symmetric positive-definite system `a·x = b` (n×n, row-major) in place by Cholesky.
/// Returns `false` when a pivot is not clearly positive (the polynomial is not determined by the data).
func _choleskySolve(_ a: UnsafeMutablePointer<Double>, _ b: UnsafeMutablePointer<Double>, _ n: Int) -> Bool {
    var maxDiag = 0.0
    for i in 0..<n { maxDiag = Swift.max(maxDiag, a[i * n + i]) }
    guard maxDiag > 0 else { return false }
    for j in 0..<n {
        var d = a[j * n + j]
        for k in 0..<j { d -= a[j * n + k] * a[j * n + k] }
        guard d > 1e-12 * maxDiag else { return false }
        let l = d.squareRoot()
        a[j * n + j] = l
        for i in (j + 1)..<Swift.max(j + 1, n) {
            var s = a[i * n + j]
            for k in 0..<j { s -= a[i * n + k] * a[j * n + k] }
            a[i * n + j] = s / l
        }
    }
    for i in 0..<n {
        var s = b[i]
        for k in 0..<i { s -= a[i * n + k] * b[k] }
        b[i] = s / a[i * n + i]
    }
    for i in stride(from: n - 1, through: 0, by: -1) {
        var s = b[i]
        for k in (i + 1)..<Swift.max(i + 1, n) { s -= a[k * n + i] * b[k] }
        b[i] = s / a[i * n + i]
    }
    return true
}
