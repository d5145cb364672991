import ScopeKitCore
import ScopeKitLevellingKernels

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
        if isDense {
            guard count > 5 else { skippedFits += 1; return }
            _denseNanoLoczPlane(xOrder: xOrder, yOrder: yOrder)
            return
        }
        let sums = lineA, present = flags, curve = lineB, counts = lineC + 0
        let z = self.z, used = self.used, cols = self.cols, rows = self.rows, finite = allFinite
        let weights = _maskWeightTable
        // X: column means (branch-free: unused pixels add 0), per row block, the blocks added in order
        forEachBlock { b, blockRows in
            let s = blockBuffer(b, 0), n = blockBuffer(b, 1)
            for c in 0..<cols { s[c] = 0; n[c] = 0 }
            for r in blockRows {
                let row = z + r * cols, u = used + r * cols
                if finite {
                    // 4 columns at a time: weight 0/1 × finite value adds exactly what `k ? v : 0` adds
                    var c = 0
                    while c + 4 <= cols {
                        let w = weights[_maskIndex4(u + c)]
                        storeUnaligned(SIMD4<Double>(unaligned: s + c) + w * SIMD4<Double>(unaligned: row + c), s + c)
                        storeUnaligned(SIMD4<Double>(unaligned: n + c) + w, n + c)
                        c += 4
                    }
                    while c < cols { let k = u[c]; s[c] += k ? row[c] : 0; n[c] += k ? 1 : 0; c += 1 }
                } else {
                    for c in 0..<cols {
                        let k = u[c] && row[c].isFinite
                        s[c] += k ? row[c] : 0; n[c] += k ? 1 : 0
                    }
                }
            }
        }
        for c in 0..<cols { sums[c] = 0; counts[c] = 0 }
        for b in 0..<blockCount {
            let s = blockBuffer(b, 0), n = blockBuffer(b, 1)
            for c in 0..<cols { sums[c] += s[c]; counts[c] += n[c] }
        }
        var total = 0.0
        for c in 0..<cols { total += counts[c] }
        guard total > 5 else { skippedFits += 1; return }
        for c in 0..<cols {
            present[c] = counts[c] > 0
            if counts[c] > 0 { sums[c] /= counts[c] }
        }
        // _fitProfile uses lineC/D/E as scratch: `counts` (lineC) is dead from here on
        guard _fitProfile(sums, present, cols, degree: xOrder, into: curve) else { skippedFits += 1; return }
        // Y: subtract the x curve and take the row means of the result in the same pass
        let rowMeans = frameB
        forEachBlock { _, blockRows in
            for r in blockRows {
                let row = z + r * cols, u = used + r * cols
                var s = 0.0, n = 0, c = 0
                if finite {   // in 4 lanes
                    var s4 = SIMD4<Double>(), n4 = SIMD4<Double>()
                    while c + 4 <= cols {
                        let w = weights[_maskIndex4(u + c)], v = SIMD4<Double>(unaligned: row + c) - SIMD4<Double>(unaligned: curve + c)
                        storeUnaligned(v, row + c)
                        s4 += w * v
                        n4 += w
                        c += 4
                    }
                    s = s4.sum(); n = Int(n4.sum())
                }
                while c < cols {
                    let v = row[c] - curve[c]
                    row[c] = v
                    let k = u[c] && (finite || v.isFinite)
                    s += k ? v : 0
                    n &+= k ? 1 : 0
                    c += 1
                }
                present[r] = n > 0
                rowMeans[r] = n > 0 ? s / Double(n) : 0
            }
        }
        guard _fitProfile(rowMeans, present, rows, degree: yOrder, into: curve) else { skippedFits += 1; return }
        forEachBlock { _, blockRows in
            for r in blockRows {
                let row = z + r * cols, v = curve[r]
                for c in 0..<cols { row[c] -= v }
            }
        }
    }

    /// ``nanoLoczPlane(xOrder:yOrder:)`` when every pixel is used: one pass sums rows and columns (the row
    /// means after the x step are the row means minus the mean of the x curve), one pass subtracts both curves.
    func _denseNanoLoczPlane(xOrder: Int, yOrder: Int) {
        let colSums = lineA, rowSums = lineB, present = flags
        let z = self.z, cols = self.cols, rows = self.rows
        _denseSums(columns: colSums, rows: rowSums)
        let invRows = 1 / Double(rows)
        for c in 0..<cols { colSums[c] *= invRows; present[c] = true }
        let curveX = colSums, curveY = rowSums  // _fitProfile copies its input first, so it may write in place
        guard _fitProfile(colSums, present, cols, degree: xOrder, into: curveX) else { skippedFits += 1; return }
        var meanX = 0.0
        for c in 0..<cols { meanX += curveX[c] }
        meanX /= Double(cols)
        let invCols = 1 / Double(cols)
        for r in 0..<rows { rowSums[r] = rowSums[r] * invCols - meanX; present[r] = true }
        if !_fitProfile(rowSums, present, rows, degree: yOrder, into: curveY) {
            skippedFits += 1
            for r in 0..<rows { curveY[r] = 0 }
        }
        forEachBlock { _, blockRows in
            for r in blockRows {
                let p = z + r * cols, y = curveY[r]
                for c in 0..<cols { p[c] -= curveX[c] + y }
            }
        }
    }

    /// The sums of every pixel of each column (per row block, the blocks added in order) and of each row (in
    /// 8 lanes), in one pass.
    func _denseSums(columns colSums: UnsafeMutablePointer<Double>, rows rowSums: UnsafeMutablePointer<Double>) {
        let z = self.z, cols = self.cols
        forEachBlock { b, blockRows in
            let part = blockBuffer(b, 0)
            part.update(repeating: 0, count: cols)
            for r in blockRows {
                let p = z + r * cols
                for c in 0..<cols { part[c] += p[c] }
                rowSums[r] = _sum(p, cols)
            }
        }
        colSums.update(repeating: 0, count: cols)
        for b in 0..<blockCount {
            let part = blockBuffer(b, 0)
            for c in 0..<cols { colSums[c] += part[c] }
        }
    }

    /// Fits `degree` along line `l` over used pixels with 1-based positions; writes the curve to `curve`.
    ///
    /// `scratch` defaults to the frame's line buffers (lineC, lineD, lineE, lineA); row blocks running in
    /// parallel pass their own (``blockLineScratch(_:)``) after building the basis cache
    /// (``_lineBasis(length:degree:)``), which they then only read.
    func _fitLine(_ lines: _Lines, _ l: Int, degree: Int, minimumCount: Int,
                  curve: UnsafeMutablePointer<Double>, scratch: _LineScratch? = nil) -> Bool {
        let scratch = scratch ?? _LineScratch(xs: lineC, ys: lineD, normal: lineE, work: lineA)
        if lines.step == 1 && allFinite,
           let done = _fitFiniteRow(lines, l, degree: degree, minimumCount: minimumCount, curve: curve,
                                    scratch: scratch) {
            return done
        }
        let xs = scratch.xs, ys = scratch.ys
        var m = 0
        for k in 0..<lines.length {
            let i = lines.index(l, k)
            xs[m] = Double(k + 1); ys[m] = z[i]; m &+= _bit(isUsed(i))   // branch-free compaction
        }
        guard m >= minimumCount, m > degree else { return false }
        if m == lines.length, let q = _lineBasis(length: m, degree: degree) {
            // every pixel used: project onto the cached orthonormal basis (no fit set-up, no allocation)
            for k in 0..<m { curve[k] = 0 }
            for d in 0...degree {
                let b = q + d * m
                let c = _dot(ys, b, m)
                for k in 0..<m { curve[k] += c * b[k] }
            }
            return true
        }
        if (degree + 1) * (degree + 2) <= lineLength, let q = _lineBasis(length: lines.length, degree: degree) {
            // some pixels excluded: normal equations in the cached basis (well conditioned), then the curve
            let n = lines.length, t = degree + 1
            let g = scratch.normal, b = scratch.normal + t * t
            for k in 0..<(t * t) { g[k] = 0 }
            for k in 0..<t { b[k] = 0 }
            for i in 0..<m {
                let k = Int(xs[i]) - 1, y = ys[i]
                for a in 0..<t {
                    let qa = q[a * n + k]
                    b[a] += qa * y
                    for c in a..<t { g[a * t + c] += qa * q[c * n + k] }
                }
            }
            for a in 0..<t { for c in 0..<a { g[a * t + c] = g[c * t + a] } }
            if _choleskySolve(g, b, t) {
                for k in 0..<n { curve[k] = 0 }
                for a in 0..<t {
                    let c = b[a], qa = q + a * n
                    for k in 0..<n { curve[k] += c * qa[k] }
                }
                return true
            }
        }
        guard let p = _OrthogonalPolynomial.fit(x: xs, y: ys, count: m, degree: degree, work: scratch.work) else {
            return false
        }
        for k in 0..<lines.length { curve[k] = p.value(at: Double(k + 1)) }
        return true
    }

    /// ``_fitLine(_:_:degree:minimumCount:curve:scratch:)`` for a row of a finite frame, without compacting
    /// the used pixels. The basis is orthonormal over the whole row, so its Gram matrix there is the identity:
    /// with at least half the pixels used, the normal equations are the identity and the full-row dot
    /// products less the terms of the few unused pixels (mask words of 8 used pixels are skipped); otherwise
    /// they are summed over the used pixels. `nil`: take the general path (no basis for this degree, or a
    /// singular system).
    func _fitFiniteRow(_ lines: _Lines, _ l: Int, degree: Int, minimumCount: Int,
                       curve: UnsafeMutablePointer<Double>, scratch: _LineScratch) -> Bool? {
        let n = lines.length, t = degree + 1
        guard t * (t + 1) <= lineLength, let q = _lineBasis(length: n, degree: degree) else { return nil }
        let row = z + l * lines.lineStride, u = used + l * lines.lineStride
        let allUsed: UInt64 = 0x0101_0101_0101_0101
        var m = n
        if hasMask {   // count the used pixels, 8 mask bytes at a time (each 0 or 1: the byte sum)
            m = 0
            var k = 0
            while k + 8 <= n {
                m &+= Int((UnsafeRawPointer(u + k).loadUnaligned(as: UInt64.self) &* allUsed) >> 56)
                k += 8
            }
            while k < n { m &+= _bit(u[k]); k += 1 }
        }
        guard m >= minimumCount, m > degree else { return false }
        let g = scratch.normal, b = g + t * t
        @inline(__always) func accumulate(_ k: Int, _ sign: Double) {
            let y = sign * row[k]
            for a in 0..<t {
                let qa = q[a * n + k]
                b[a] += qa * y
                for c in a..<t { g[a * t + c] += sign * (qa * q[c * n + k]) }
            }
        }
        if 2 * m >= n {
            for a in 0..<t {
                b[a] = _dot(row, q + a * n, n)
                for c in 0..<t { g[a * t + c] = a == c ? 1 : 0 }
            }
            if m < n {   // less the unused pixels
                var k = 0
                while k < n {
                    if k + 8 <= n && UnsafeRawPointer(u + k).loadUnaligned(as: UInt64.self) == allUsed { k += 8; continue }
                    if !u[k] { accumulate(k, -1) }
                    k += 1
                }
            }
        } else {
            for i in 0..<(t * t + t) { g[i] = 0 }
            var k = 0
            while k < n {
                if k + 8 <= n && UnsafeRawPointer(u + k).loadUnaligned(as: UInt64.self) == 0 { k += 8; continue }
                if u[k] { accumulate(k, 1) }
                k += 1
            }
        }
        if m < n {
            for a in 0..<t { for c in 0..<a { g[a * t + c] = g[c * t + a] } }
            guard _choleskySolve(g, b, t) else { return nil }
        }
        // the curve: Σ b[a]·q_a (with every pixel used, b holds the projections themselves)
        for k in 0..<n { curve[k] = 0 }
        for a in 0..<t {
            let c = b[a], qa = q + a * n
            for k in 0..<n { curve[k] += c * qa[k] }
        }
        return true
    }

    /// Polynomials of degree 0…`degree` orthonormal over the positions 1…`length` (rows of `degree + 1`
    /// values, `length` each), cached per frame: the least-squares fit of a fully used line is then two dot
    /// products per degree. Built by twice-repeated Gram–Schmidt on centred, scaled positions; `nil` when the
    /// positions cannot carry the degree.
    func _lineBasis(length n: Int, degree: Int) -> UnsafeMutablePointer<Double>? {
        if basisKey != (n, degree) {
            basisKey = (n, degree)
            basis?.deallocate()
            let q = UnsafeMutablePointer<Double>.allocate(capacity: n * (degree + 1))
            basis = q
            let centre = Double(n + 1) / 2, scale = Swift.max(Double(n - 1) / 2, 1)
            for k in 0..<n { q[k] = 1 / Double(n).squareRoot() }
            for d in stride(from: 1, through: degree, by: 1) {
                let p = q + d * n, prev = q + (d - 1) * n
                for k in 0..<n { p[k] = prev[k] * ((Double(k + 1) - centre) / scale) }
                for _ in 0..<2 {
                    for e in 0..<d {
                        let b = q + e * n
                        var c = 0.0
                        for k in 0..<n { c += p[k] * b[k] }
                        for k in 0..<n { p[k] -= c * b[k] }
                    }
                }
                var norm = 0.0
                for k in 0..<n { norm += p[k] * p[k] }
                norm = norm.squareRoot()
                guard norm > 1e-9 else { basisValid = false; return nil }
                for k in 0..<n { p[k] /= norm }
            }
            basisValid = true
        }
        return basisValid ? basis : nil
    }

    /// NanoLocz `line`: per row a polynomial of order `xOrder` (> 0) over used pixels, subtracted with its
    /// constant; rows with ≤ `xOrder + 8` used pixels subtract the column-wise median of the fitted curves.
    /// Then, if `yOrder > 0`, per column a polynomial of order `yOrder` fitted to the x-levelled values.
    func nanoLoczLine(xOrder: Int, yOrder: Int, compatibility: NanoLoczCompatibility) {
        let original = frameA   // needed only to restore skipped columns
        if yOrder > 0 && compatibility != .corrected { original.update(from: z, count: count) }
        if xOrder > 0 {
            let rowsView = _Lines(self, alongColumns: false)
            let fits = frameB  // not used by _fitLine (it uses lineA/C/D)
            let fitted = flags
            _ = _lineBasis(length: cols, degree: xOrder)   // built once, read by the row blocks
            let z = self.z, cols = self.cols
            forEachBlock { b, blockRows in
                let scratch = blockLineScratch(b)
                for r in blockRows {
                    let curve = fits + r * cols
                    fitted[r] = _fitLine(rowsView, r, degree: xOrder, minimumCount: xOrder + 9, curve: curve,
                                         scratch: scratch)
                    if fitted[r] { for c in 0..<cols { z[r * cols + c] -= curve[c] } }
                }
            }
            var anyFitted = false, anyFallback = false
            for r in 0..<rows { if fitted[r] { anyFitted = true } else { anyFallback = true } }
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
        let background: Double
        if isDense {
            guard count > 0 else { skippedFits += 1; return }
            background = _countingMedian(z, count, scratch: frameA, split: splitRows)
        } else {
            let n = gatherUsed(into: frameA)
            guard n > 0 else { skippedFits += 1; return }
            background = _countingMedian(frameA, n, scratch: frameB, split: splitRows)
        }
        let lines = _Lines(self, alongColumns: alongColumns), avx2 = CPUFeatures.level == .avx2
        let buf = lineA, scratch = lineB
        let z = self.z, cols = self.cols
        if isDense && !alongColumns {
            guard cols > minimumCount else { return }
            forEachBlock { b, blockRows in
                let buf = blockBuffer(b, 0)
                for r in blockRows {
                    let p = z + r * cols
                    let shift = strength * _countingMedian(p, cols, scratch: buf, avx2: avx2) - background
                    for c in 0..<cols { p[c] -= shift }
                }
            }
            return
        }
        if !alongColumns {
            let used = self.used, finite = allFinite
            forEachBlock { b, blockRows in
                let buf = blockBuffer(b, 0), scratch = blockBuffer(b, 1)
                for r in blockRows {
                    let p = z + r * cols, u = used + r * cols
                    var m = 0
                    for c in 0..<cols { let v = p[c]; buf[m] = v; m &+= _bit(u[c] && (finite || v.isFinite)) }
                    guard m > minimumCount else { continue }
                    let shift = strength * _countingMedian(buf, m, scratch: scratch, avx2: avx2) - background
                    for c in 0..<cols { p[c] -= shift }
                }
            }
            return
        }
        for l in 0..<lines.lineCount {
            var m = 0
            for k in 0..<lines.length {
                let i = lines.index(l, k)
                buf[m] = z[i]; m &+= _bit(isUsed(i))
            }
            guard m > minimumCount else { continue }
            let shift = strength * _countingMedian(buf, m, scratch: scratch, avx2: avx2) - background
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
        // sums by row blocks (in parallel when splitRows), added in block order: the same bits at any thread count
        let sums = lineD, counts = lineE
        let z = self.z, cols = self.cols
        forEachBlock { b, block in
            var s = 0.0, n = 0
            for i in block.lowerBound * cols ..< block.upperBound * cols where isUsed(i) { s += z[i]; n += 1 }
            sums[b] = s
            counts[b] = Double(n)
        }
        var s = 0.0, n = 0.0
        for b in 0..<blockCount { s += sums[b]; n += counts[b] }
        guard n > 0 else { skippedFits += 1; return }
        let mean = s / n
        forEachBlock { _, block in
            for i in block.lowerBound * cols ..< block.upperBound * cols { z[i] -= mean }
        }
    }

    /// NanoLocz's anisotropy gate (`level_auto`): with `ratio` = std(row means)/std(column means) of all
    /// finite pixels, the first gate whose factor the ratio exceeds applies an unmasked `med_line` of that
    /// strength.
    func anisotropyGate(_ gates: [AnisotropyGate]) {
        let colMeans = lineA, rowMeans = lineB
        var nr = 0, nc = 0
        if allFinite {   // every pixel counts
            _denseSums(columns: colMeans, rows: rowMeans)
            for r in 0..<rows { rowMeans[r] /= Double(cols) }
            for c in 0..<cols { colMeans[c] /= Double(rows) }
            nr = rows; nc = cols
        } else {
            _finiteRowAndColumnMeans(&nr, &nc)
        }
        applyAnisotropyGate(gates, columnMeans: colMeans, nc, rowMeans: rowMeans, nr)
    }

    /// The means of the finite pixels of each row and column with any (into lineB / lineA, compacted).
    func _finiteRowAndColumnMeans(_ nr: inout Int, _ nc: inout Int) {
        let colMeans = lineA, rowMeans = lineB
        let colCounts = labels
        for c in 0..<cols { colMeans[c] = 0; colCounts[c] = 0 }
        nr = 0
        for r in 0..<rows {
            var s = 0.0, n = 0
            for c in 0..<cols where z[r * cols + c].isFinite {
                s += z[r * cols + c]; n += 1
                colMeans[c] += z[r * cols + c]; colCounts[c] += 1
            }
            if n > 0 { rowMeans[nr] = s / Double(n); nr += 1 }
        }
        nc = 0
        for c in 0..<cols where colCounts[c] > 0 { colMeans[nc] = colMeans[c] / Double(colCounts[c]); nc += 1 }
    }

    /// The gate's decision from the row and column means, and its median line.
    func applyAnisotropyGate(_ gates: [AnisotropyGate], columnMeans colMeans: UnsafeMutablePointer<Double>, _ nc: Int,
                             rowMeans: UnsafeMutablePointer<Double>, _ nr: Int) {
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
            // (`flags` is free here; with every pixel used, no mask is the same as an all-true mask)
            let saved = flags, hadMask = hasMask
            saved.update(from: used, count: count)
            used.update(repeating: true, count: count)
            hasMask = false
            medianLine(alongColumns: false, strength: g.strength)
            hasMask = hadMask
            used.update(from: saved, count: count)
            return
        }
    }
}
