/// NanoLocz's per-frame levelling methods (`level.m`), specified by behaviour; parity oracle: pnanolocz 0.1.0.
extension _Frame {
    /// Fits `degree` to the profile `values[k]` at 1-based positions `k+1` where `present[k]` and subtracts the
    /// fitted curve from every pixel of each line (`subtract(line, value)`). Returns false (nothing changed) when
    /// fewer than `degree + 1` positions or a single position (zero spread) are present.
    func _fitProfile(_ values: UnsafeMutablePointer<Double>, _ present: UnsafeMutablePointer<Bool>, _ n: Int,
                     degree: Int, into curve: UnsafeMutablePointer<Double>) -> Bool {
        let xs = lineC, ys = lineD
        var m = 0
        for k in 0..<n where present[k] { xs[m] = Double(k + 1); ys[m] = values[k]; m += 1 }
        // pnanolocz: needs more than `degree` valid positions and a non-zero spread of positions.
        guard m > degree, m > 1 else { return false }
        guard let p = _OrthogonalPolynomial.fit(x: xs, y: ys, count: m, degree: degree, work: lineE) else {
            return false
        }
        for k in 0..<n { curve[k] = p.value(at: Double(k + 1)) }
        return true
    }

    /// NanoLocz `plane`: a polynomial of order `xOrder` fitted to the masked column means and subtracted, then
    /// order `yOrder` fitted to the masked row means of the result and subtracted. Skipped with ≤ 5 used pixels.
    func nanoLoczPlane(xOrder: Int, yOrder: Int) {
        guard usedCount() > 5 else { skippedFits += 1; return }
        let sums = lineA, present = flags, curve = lineB
        // X: column means
        for c in 0..<cols { sums[c] = 0 }
        let counts = labels
        for c in 0..<cols { counts[c] = 0 }
        for r in 0..<rows {
            let base = r * cols
            for c in 0..<cols where isUsed(base + c) { sums[c] += z[base + c]; counts[c] += 1 }
        }
        for c in 0..<cols {
            present[c] = counts[c] > 0
            if counts[c] > 0 { sums[c] /= Double(counts[c]) }
        }
        guard _fitProfile(sums, present, cols, degree: xOrder, into: curve) else { skippedFits += 1; return }
        for r in 0..<rows {
            let base = r * cols
            for c in 0..<cols { z[base + c] -= curve[c] }
        }
        // Y: row means of the x-levelled frame
        for r in 0..<rows {
            let base = r * cols
            var s = 0.0, n = 0
            for c in 0..<cols where isUsed(base + c) { s += z[base + c]; n += 1 }
            present[r] = n > 0
            sums[r] = n > 0 ? s / Double(n) : 0
        }
        guard _fitProfile(sums, present, rows, degree: yOrder, into: curve) else { skippedFits += 1; return }
        for r in 0..<rows {
            let base = r * cols, v = curve[r]
            for c in 0..<cols { z[base + c] -= v }
        }
    }

    /// Fits `degree` along line `l` over used pixels with 1-based positions; writes the curve to `curve`.
    func _fitLine(_ lines: _Lines, _ l: Int, degree: Int, minimumCount: Int,
                  curve: UnsafeMutablePointer<Double>) -> Bool {
        let xs = lineC, ys = lineD
        var m = 0
        for k in 0..<lines.length {
            let i = lines.index(l, k)
            if isUsed(i) { xs[m] = Double(k + 1); ys[m] = z[i]; m += 1 }
        }
        guard m >= minimumCount, m > degree else { return false }
        guard let p = _OrthogonalPolynomial.fit(x: xs, y: ys, count: m, degree: degree, work: lineA) else {
            return false
        }
        for k in 0..<lines.length { curve[k] = p.value(at: Double(k + 1)) }
        return true
    }

    /// NanoLocz `line`: per row a polynomial of order `xOrder` (> 0) over used pixels, subtracted with its
    /// constant; rows with ≤ `xOrder + 8` used pixels subtract the column-wise median of the fitted curves.
    /// Then, if `yOrder > 0`, per column a polynomial of order `yOrder` fitted to the x-levelled values.
    func nanoLoczLine(xOrder: Int, yOrder: Int, compatibility: NanoLoczCompatibility) {
        let original = frameA
        original.update(from: z, count: count)
        if xOrder > 0 {
            let rowsView = _Lines(self, alongColumns: false)
            let fits = frameB  // not used by _fitLine (it uses lineA/C/D)
            let fitted = flags
            var anyFitted = false, anyFallback = false
            for r in 0..<rows {
                let curve = fits + r * cols
                fitted[r] = _fitLine(rowsView, r, degree: xOrder, minimumCount: xOrder + 9, curve: curve)
                if fitted[r] {
                    anyFitted = true
                    for c in 0..<cols { z[r * cols + c] -= curve[c] }
                } else {
                    anyFallback = true
                }
            }
            if anyFitted && anyFallback {
                let median = lineB, column = lineA
                for c in 0..<cols {
                    var n = 0
                    for r in 0..<rows where fitted[r] { column[n] = fits[r * cols + c]; n += 1 }
                    median[c] = _median(column, n)
                }
                for r in 0..<rows where !fitted[r] {
                    for c in 0..<cols { z[r * cols + c] -= median[c] }
                }
            }
        }
        if yOrder > 0 {
            let colsView = _Lines(self, alongColumns: true)
            let curve = lineB
            let minimum = compatibility == .pnanolocz ? yOrder + 1 : yOrder + 9
            for c in 0..<cols {
                if _fitLine(colsView, c, degree: yOrder, minimumCount: minimum, curve: curve) {
                    for r in 0..<rows { z[r * cols + c] -= curve[r] }
                } else {
                    skippedFits += 1
                    switch compatibility {
                    case .corrected: break  // keep the x-levelled column
                    case .pnanolocz:  // pnanolocz restores the whole column to the input
                        for r in 0..<rows { z[r * cols + c] = original[r * cols + c] }
                    case .matlab:  // NanoLocz level.m resets *row* c (index mix-up) to the input
                        if c < rows { for k in 0..<cols { z[c * cols + k] = original[c * cols + k] } }
                    }
                }
            }
        }
    }

    /// NanoLocz `med_line` (rows) / `med_line_y` (columns): each line with more than `minimumCount` used pixels
    /// becomes `line − strength·median(used) + median(all used)`; other lines are untouched.
    func medianLine(alongColumns: Bool, strength: Double, minimumCount: Int = 10) {
        let n = gatherUsed(into: frameA)
        guard n > 0 else { skippedFits += 1; return }
        let background = _bucketMedian(frameA, n, counts: medianCounts)
        let lines = _Lines(self, alongColumns: alongColumns)
        let buf = lineA
        for l in 0..<lines.lineCount {
            var m = 0
            for k in 0..<lines.length {
                let i = lines.index(l, k)
                if isUsed(i) { buf[m] = z[i]; m += 1 }
            }
            guard m > minimumCount else { continue }
            let shift = strength * _bucketMedian(buf, m, counts: medianCounts) - background
            for k in 0..<lines.length { z[lines.index(l, k)] -= shift }
        }
    }

    /// NanoLocz `smed_line`: subtract each row's median minus a moving median (window `window`) of the row
    /// medians, removing row jumps while keeping slow y trends. Rows with ≤ 10 used pixels take the global
    /// median. `pnanoloczWindow` uses pnanolocz's edge windows (`[0, window)` at the top) instead of MATLAB
    /// `movmedian`'s shrinking centred window.
    func smoothedMedianLine(window: Int, pnanoloczWindow: Bool) {
        let n = gatherUsed(into: frameA)
        guard n > 0, window >= 1 else { skippedFits += 1; return }
        let background = _median(frameA, n)
        let y1 = lineB, buf = lineA, smooth = lineC
        for r in 0..<rows {
            var m = 0
            for c in 0..<cols where isUsed(r * cols + c) { buf[m] = z[r * cols + c]; m += 1 }
            y1[r] = m > 10 ? _median(buf, m) + background : background
        }
        let before = window / 2, after = window - 1 - before   // MATLAB: even k → [i−k/2, i+k/2−1]
        for r in 0..<rows {
            let lo: Int, hi: Int
            if pnanoloczWindow {
                lo = Swift.max(0, r - before); hi = Swift.min(rows, lo + window)
            } else {
                lo = Swift.max(0, r - before); hi = Swift.min(rows, r + after + 1)
            }
            var m = 0
            for k in lo..<hi { buf[m] = y1[k]; m += 1 }
            smooth[r] = _median(buf, m)
        }
        for r in 0..<rows {
            let shift = y1[r] - smooth[r]
            for c in 0..<cols { z[r * cols + c] -= shift }
        }
    }

    /// NanoLocz `mean_plane`: subtract the mean of the used pixels (nothing when none is used).
    func meanPlane() {
        var s = 0.0, n = 0
        for i in 0..<count where isUsed(i) { s += z[i]; n += 1 }
        guard n > 0 else { skippedFits += 1; return }
        let mean = s / Double(n)
        for i in 0..<count { z[i] -= mean }
    }

    /// NanoLocz's anisotropy gate (`level_auto`): with `ratio` = std(row means)/std(column means) of all
    /// finite pixels, the first gate whose factor the ratio exceeds applies an unmasked `med_line` of that
    /// strength.
    func anisotropyGate(_ gates: [AnisotropyGate]) {
        let colMeans = lineA, rowMeans = lineB
        let colCounts = labels
        for c in 0..<cols { colMeans[c] = 0; colCounts[c] = 0 }
        var nr = 0
        for r in 0..<rows {
            var s = 0.0, n = 0
            for c in 0..<cols where z[r * cols + c].isFinite {
                s += z[r * cols + c]; n += 1
                colMeans[c] += z[r * cols + c]; colCounts[c] += 1
            }
            if n > 0 { rowMeans[nr] = s / Double(n); nr += 1 }
        }
        var nc = 0
        for c in 0..<cols where colCounts[c] > 0 { colMeans[nc] = colMeans[c] / Double(colCounts[c]); nc += 1 }
        func sd(_ p: UnsafeMutablePointer<Double>, _ n: Int) -> Double {
            guard n > 0 else { return .nan }
            var m = 0.0
            for i in 0..<n { m += p[i] }
            m /= Double(n)
            var v = 0.0
            for i in 0..<n { v += (p[i] - m) * (p[i] - m) }
            return (v / Double(n)).squareRoot()
        }
        let sx = sd(colMeans, nc), sy = sd(rowMeans, nr)
        let ratio = sx == 0 ? (sy == 0 ? 0 : .infinity) : sy / sx
        guard ratio.isFinite || ratio == .infinity else { return }
        for g in gates where ratio > g.factor {
            // unmasked: swap in an all-true mask for the call
            let saved = UnsafeMutablePointer<Bool>.allocate(capacity: count)
            defer { saved.deallocate() }
            saved.update(from: used, count: count)
            used.update(repeating: true, count: count)
            medianLine(alongColumns: false, strength: g.strength)
            used.update(from: saved, count: count)
            return
        }
    }
}
