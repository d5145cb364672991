import Foundation

/// Which end of the frame the creep correction is anchored to.
public enum CreepOrientation: String, Codable, Sendable, CaseIterable {
    /// The curve as fitted (row 0 = t = 0).
    case normal
    /// The curve reversed (the last row = t = 0).
    case reverse
    /// Whichever of the two leaves the smaller peak-to-peak range of row means (pnanolocz's default).
    case auto
}

/// NanoLocz `log_y` creep correction (pnanolocz 0.1.0 `level_log_y`, described by behaviour).
extension _Frame {
    /// Fits `a·log(c·x + b)` to the row-mean profile (minus its minimum) over `x < 5`, where
    /// `x = linspace(0, 10, rows) / scale`, by bounded least squares (Levenberg–Marquardt projected onto
    /// pnanolocz's bounds a ∈ [0.1, 1000], b ∈ [0.01, 20], c ∈ [0.1, 100], start (5, 1, 2)), and subtracts the
    /// curve (or its reverse) from each row. Row means use every finite pixel (NanoLocz ignores masks here);
    /// rows with none are left out of the fit. A failed fit subtracts nothing. Returns `(a, b, c)` or `nil`.
    ///
    /// - Complexity: O(pixels + rows × iterations).
    @discardableResult
    func creep(scale: Double, orientation: CreepOrientation) -> (Double, Double, Double)? {
        guard rows > 1, scale > 0 else { return nil }
        let y = lineB, x = lineC
        var ymin = Double.infinity
        for r in 0..<rows {
            var s = 0.0, n = 0
            for c in 0..<cols where z[r * cols + c].isFinite { s += z[r * cols + c]; n += 1 }
            y[r] = n > 0 ? s / Double(n) : .nan
            if n > 0 { ymin = Swift.min(ymin, y[r]) }
            x[r] = 10 * Double(r) / Double(rows - 1) / scale
        }
        guard ymin.isFinite else { return nil }
        let fx = lineD, fy = lineE
        var m = 0
        for r in 0..<rows where x[r] < 5 && y[r].isFinite { fx[m] = x[r]; fy[m] = y[r] - ymin; m += 1 }
        guard m >= 3, let p = _fitLogModel(fx, fy, m) else { skippedFits += 1; return nil }
        let curve = lineA
        for r in 0..<rows { curve[r] = p.0 * Foundation.log(p.2 * x[r] + p.1) }
        // choose the orientation by the peak-to-peak range of the corrected row means
        func range(reversed: Bool) -> Double {
            var lo = Double.infinity, hi = -Double.infinity
            for r in 0..<rows where y[r].isFinite {
                let v = y[r] - curve[reversed ? rows - 1 - r : r]
                lo = Swift.min(lo, v); hi = Swift.max(hi, v)
            }
            return hi - lo
        }
        let reversed: Bool
        switch orientation {
        case .normal: reversed = false
        case .reverse: reversed = true
        case .auto: reversed = range(reversed: true) < range(reversed: false)
        }
        for r in 0..<rows {
            let v = curve[reversed ? rows - 1 - r : r]
            for c in 0..<cols { z[r * cols + c] -= v }
        }
        return p
    }

    /// Bounded least squares of `a·log(c·x + b)` (see ``creep(scale:orientation:)``).
    func _fitLogModel(_ x: UnsafeMutablePointer<Double>, _ y: UnsafeMutablePointer<Double>,
                      _ n: Int) -> (Double, Double, Double)? {
        let lower = [0.1, 0.01, 0.1], upper = [1000.0, 20, 100]
        var p = [5.0, 1, 2]
        func sse(_ q: [Double]) -> Double {
            var s = 0.0
            for i in 0..<n { let r = y[i] - q[0] * Foundation.log(q[2] * x[i] + q[1]); s += r * r }
            return s
        }
        var cost = sse(p)
        var lambda = 1e-3
        var a = [Double](repeating: 0, count: 9), g = [Double](repeating: 0, count: 3)
        for _ in 0..<1000 {
            var jtj = [Double](repeating: 0, count: 9), jtr = [Double](repeating: 0, count: 3)
            for i in 0..<n {
                let u = p[2] * x[i] + p[1]
                let j = [Foundation.log(u), p[0] / u, p[0] * x[i] / u]
                let r = y[i] - p[0] * Foundation.log(u)
                for s in 0..<3 {
                    jtr[s] += j[s] * r
                    for t in 0..<3 { jtj[s * 3 + t] += j[s] * j[t] }
                }
            }
            var improved = false
            while lambda < 1e16 {
                for k in 0..<9 { a[k] = jtj[k] }
                for s in 0..<3 { a[s * 3 + s] += lambda * Swift.max(jtj[s * 3 + s], 1e-12); g[s] = jtr[s] }
                let ok = a.withUnsafeMutableBufferPointer { ab in
                    g.withUnsafeMutableBufferPointer { gb in _choleskySolve(ab.baseAddress!, gb.baseAddress!, 3) }
                }
                if ok {
                    var trial = p
                    for s in 0..<3 { trial[s] = Swift.min(upper[s], Swift.max(lower[s], p[s] + g[s])) }
                    let c = sse(trial)
                    if c.isFinite && c < cost {
                        let relative = (cost - c) / Swift.max(cost, 1e-300)
                        var moved = 0.0
                        for s in 0..<3 { moved = Swift.max(moved, abs(trial[s] - p[s]) / Swift.max(abs(p[s]), 1e-12)) }
                        p = trial; cost = c
                        lambda = Swift.max(lambda / 3, 1e-12)
                        improved = true
                        if relative < 1e-15 || moved < 1e-13 { return (p[0], p[1], p[2]) }
                        break
                    }
                }
                lambda *= 4
            }
            if !improved { break }
        }
        return cost.isFinite ? (p[0], p[1], p[2]) : nil
    }
}
