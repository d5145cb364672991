import ScopeKitCore
import ScopeKitLevellingKernels

// NanoLocz `level_weighted` ("MultiPlane", derived from SPIW's FindSteps/PolyfitLineMasked), specified by
// behaviour; parity oracle: pnanolocz 0.1.0 `level_weighted.py`.

extension Levelling {
    /// NanoLocz `level_weighted(…, 'plane')` ("MultiPlane"): a separable plane fitted per terrace.
    ///
    /// The used pixels (mask and finite) split into 8-connected regions; regions smaller than
    /// `⌊0.01·rows·cols⌋` pixels are ignored. In each region a polynomial of `xOrder` is fitted to the region's
    /// column means and one of `yOrder` to its row means (NanoLocz `polyfit` with `mu`: positions centred on
    /// their mean and scaled by their sample standard deviation). Region weights are pixel count / total,
    /// set to 0 when ≤ 0.02. The background `bx(col) + by(row)` is subtracted from every pixel:
    ///
    /// - `.pnanolocz`: pnanolocz 0.1.0 — the *coefficients* and the centring/scaling values are averaged with
    ///   the (not renormalised) weights, positions 0-based.
    /// - `.matlab`: the same with MATLAB's 1-based positions (the two differ only when a region's weight is cut
    ///   at 2 %, since the averaged centre then no longer moves with the origin).
    /// - `.corrected` (default): the regions' fitted curves are averaged with the weights renormalised over
    ///   the kept regions (averaging coefficients fitted about different centres is not a fit of anything).
    ///
    /// A frame without a region (all excluded, all NaN, or only small specks) is left as it is and counted in
    /// ``LevellingResult/skippedFits``.
    ///
    /// ```swift
    /// let edges = try Levelling.edgeMask(image, rule: .autoEdges(factor: 1.5, radius: 4))
    /// let flat = try Levelling.weightedPlane(image, xOrder: 2, yOrder: 2, mask: edges)
    /// ```
    ///
    /// - Complexity: O(pixels + regions·(rows + cols)·(order + 1)²).
    public static func weightedPlane<T: LevellingScalar>(_ image: NDArray<T>, xOrder: Int = 2, yOrder: Int = 2,
                                                         compatibility: NanoLoczCompatibility = .corrected,
                                                         mask: Mask? = nil) throws -> NDArray<T> {
        try LevellingPipeline(steps: [.weightedPlane(xOrder: xOrder, yOrder: yOrder, compatibility: compatibility)])
            .run(on: image, mask: mask).levelled
    }

    /// NanoLocz `level_weighted(…, 'med_line')`: row offsets from per-region row medians.
    ///
    /// Regions as in ``weightedPlane(_:xOrder:yOrder:compatibility:mask:)``. For region `i` with median `bᵢ`
    /// and `wᵢ` pixels in row `r`, the row's offset is `yᵢ = median(row r ∩ region i) − bᵢ` (NanoLocz and
    /// pnanolocz: `−bᵢ` when `wᵢ ≤ 2`; `.corrected`: such rows of the region get weight 0); the row subtracts
    /// `Σ wᵢ·yᵢ / Σ wᵢ`. Rows no region reaches are left as they are, so are frames without a region.
    ///
    /// ```swift
    /// let flat = try Levelling.weightedMedianLine(image, compatibility: .pnanolocz, mask: edges)
    /// ```
    ///
    /// - Complexity: O(pixels) expected (quickselect medians).
    public static func weightedMedianLine<T: LevellingScalar>(_ image: NDArray<T>,
                                                              compatibility: NanoLoczCompatibility = .corrected,
                                                              mask: Mask? = nil) throws -> NDArray<T> {
        try LevellingPipeline(steps: [.weightedMedianLine(compatibility: compatibility)])
            .run(on: image, mask: mask).levelled
    }
}

/// The regions `level_weighted` fits: the 8-connected components of the used pixels with at least
/// `max(1, ⌊0.01·rows·cols⌋)` pixels, numbered in raster order of their first pixel, as runs.
struct _WeightedRegions {
    /// The components of the used pixels.
    var parts: _RunComponents
    /// Each component's region index, −1 for a component below the minimum size.
    var slot: [Int32]
    /// Each region's pixel count.
    var sizes: [Int]
    /// The number of regions.
    var count: Int { sizes.count }

    /// Calls `body(region, row, start, end)` for every run of a region in `rows` (default: all), in raster order.
    @inline(__always)
    func forEachRun(rows: Range<Int>? = nil, _ body: (_ region: Int, _ row: Int, _ start: Int, _ end: Int) -> Void) {
        parts.forEachRun(rows: rows) { k, r, s, e in
            let region = Int(slot[Int(parts.component[k])])
            if region >= 0 { body(region, r, s, e) }
        }
    }
}

extension _Frame {
    /// The regions of the used pixels (see ``_WeightedRegions``).
    ///
    /// The last result is kept with its packed pixels (``regionsKey``): a weighted median line after a weighted
    /// plane on the same mask finds the same pixels and reuses it instead of labelling again.
    ///
    /// - Complexity: O(pixels / 8 + runs): the used pixels are packed into 64-pixel words.
    func _weightedRegions() -> _WeightedRegions {
        let bits = _PackedRows(rows: rows, cols: cols, split: splitRows)
        defer { bits.deallocate() }
        if allFinite {
            bits.pack(used, invert: false)
        } else {
            let valid = flags
            for i in 0..<count { valid[i] = isUsed(i) }
            bits.pack(valid, invert: false)
        }
        let words = rows * bits.words
        if regionsKey == nil { regionsKey = .allocate(capacity: Swift.max(words, 1)) }
        let key = regionsKey!
        if let kept = keptRegions, (0..<words).allSatisfy({ key[$0] == bits.bits[$0] }) { return kept }
        key.update(from: bits.bits, count: words)
        let parts = _RunComponents(bits, value: true, eight: true)
        let minimum = Swift.max(1, Int((0.01 * Double(rows) * Double(cols)).rounded(.down)))
        var slot = [Int32](repeating: -1, count: parts.count), kept: [Int] = []
        for l in 0..<parts.count where parts.sizes[l] >= minimum {
            slot[l] = Int32(kept.count)
            kept.append(parts.sizes[l])
        }
        let regions = _WeightedRegions(parts: parts, slot: slot, sizes: kept)
        keptRegions = regions
        return regions
    }

    /// NanoLocz `level_weighted` "plane" (see ``Levelling/weightedPlane(_:xOrder:yOrder:compatibility:mask:)``).
    func weightedPlane(xOrder: Int, yOrder: Int, compatibility: NanoLoczCompatibility) {
        let regions = _weightedRegions()
        let sizes = regions.sizes
        let m = sizes.count
        guard m > 0 else { skippedFits += 1; return }
        let total = Double(sizes.reduce(0, +))
        var weights = sizes.map { Double($0) / total }
        for k in weights.indices where !(weights[k] > 0.02) { weights[k] = 0 }
        let origin = compatibility == .pnanolocz ? 0.0 : 1.0
        let corrected = compatibility == .corrected
        let kept = weights.reduce(0, +)
        if corrected {
            guard kept > 0 else { skippedFits += 1; return }
            for k in weights.indices { weights[k] /= kept }
        }
        // each region's sums and counts along every column and every row, run by run in raster order, in a fixed
        // number of row chunks (by the row count alone) whose column sums are added in chunk order
        let rows = self.rows, cols = self.cols, z = self.z
        let chunks = Swift.min(4, Swift.max(1, rows / 64))
        let perChunk = 2 * m * cols
        // (the column counts as differences, +1 at a run's start and −1 after its end, summed up at the end)
        let perDiff = m * (cols + 1)
        let length = chunks * perChunk + 2 * m * rows + chunks * perDiff
        let sums = UnsafeMutablePointer<Double>.allocate(capacity: length)
        defer { sums.deallocate() }
        sums.initialize(repeating: 0, count: length)
        let sumsY = sums + chunks * perChunk, countsY = sumsY + m * rows, diffs = countsY + m * rows
        _forEachTask(chunks, split: splitRows) { chunk in
            let part = sums + chunk * perChunk, partCounts = part + m * cols, diff = diffs + chunk * perDiff
            regions.forEachRun(rows: rows * chunk / chunks ..< rows * (chunk + 1) / chunks) { k, r, s, e in
                let p = z + r * cols, sx = part + k * cols, d = diff + k * (cols + 1)
                for c in s..<e { sx[c] += p[c] }
                d[s] += 1
                d[e] -= 1
                sumsY[k * rows + r] += _sum(p + s, e - s)
                countsY[k * rows + r] += Double(e - s)
            }
            for k in 0..<m {
                var n = 0.0
                for c in 0..<cols { n += diff[k * (cols + 1) + c]; partCounts[k * cols + c] = n }
            }
        }
        for chunk in 1..<chunks {
            let part = sums + chunk * perChunk
            for i in 0..<perChunk { sums[i] += part[i] }
        }
        let countsX = sums + m * cols
        let bx = lineA, by = lineB
        for c in 0..<cols { bx[c] = 0 }
        for r in 0..<rows { by[r] = 0 }
        // averaged coefficients (ascending powers) and centring, for the NanoLocz variants
        var ax = [Double](repeating: 0, count: xOrder + 1), ay = [Double](repeating: 0, count: yOrder + 1)
        var mx = (0.0, 0.0), my = (0.0, 0.0)
        for k in 0..<m {
            for axis in 0..<2 {
                let alongColumns = axis == 0   // x: the column means
                let length = alongColumns ? cols : rows, order = alongColumns ? xOrder : yOrder
                let sum = alongColumns ? sums + k * cols : sumsY + k * rows
                let count = alongColumns ? countsX + k * cols : countsY + k * rows
                var positions: [Double] = [], means: [Double] = []
                for j in 0..<length where count[j] > 0 {
                    positions.append(Double(j) + origin); means.append(sum[j] / count[j])
                }
                let fit = _CenteredPolynomial(positions: positions, values: means, degree: order)
                if corrected {
                    guard weights[k] > 0 else { continue }
                    let curve = alongColumns ? bx : by
                    for j in 0..<length { curve[j] += weights[k] * fit.value(at: Double(j) + origin) }
                } else {
                    for d in 0...order {
                        if alongColumns { ax[d] += fit.coefficients[d] * weights[k] } else { ay[d] += fit.coefficients[d] * weights[k] }
                    }
                    if alongColumns { mx.0 += fit.center * weights[k]; mx.1 += fit.scale * weights[k] } else { my.0 += fit.center * weights[k]; my.1 += fit.scale * weights[k] }
                }
            }
        }
        if !corrected {
            let fx = _CenteredPolynomial(coefficients: ax, center: mx.0, scale: mx.1)
            let fy = _CenteredPolynomial(coefficients: ay, center: my.0, scale: my.1)
            for c in 0..<cols { bx[c] = fx.value(at: Double(c) + origin) }
            for r in 0..<rows { by[r] = fy.value(at: Double(r) + origin) }
        }
        _subtractSeparable(columns: bx, rows: by)
    }

    /// NanoLocz `level_weighted` "med_line" (see ``Levelling/weightedMedianLine(_:compatibility:mask:)``).
    ///
    /// Each region's pixels are gathered row by row into one buffer (region after region, rows in order), so a
    /// row's pixels of a region are contiguous: the row medians run by row blocks (in parallel when
    /// ``splitRows``), then each region's median of all its pixels. Every median is exact, so the result does not
    /// depend on the blocks.
    ///
    /// - Complexity: O(pixels) gathers and counting medians, O(rows · regions) for the shifts.
    func weightedMedianLine(compatibility: NanoLoczCompatibility) {
        let regions = _weightedRegions()
        guard regions.count > 0 else { skippedFits += 1; return }
        let m = regions.count, rows = self.rows, cols = self.cols, z = self.z
        // region k's pixels of row r: `counts[r·m + k]` of them from `offsets[r·m + k]` in `values`
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: 2 * rows * m)
        defer { counts.deallocate() }
        let offsets = counts + rows * m
        counts.initialize(repeating: 0, count: rows * m)
        regions.forEachRun { k, r, s, e in counts[r * m + k] += e - s }
        var base = [Int](repeating: 0, count: m + 1)
        for k in 0..<m {
            var o = base[k]
            for r in 0..<rows { offsets[r * m + k] = o; o += counts[r * m + k] }
            base[k + 1] = o
        }
        var w = [Double](repeating: 0, count: rows * m), y = [Double](repeating: 0, count: rows * m)
        let values = frameA, corrected = compatibility == .corrected, avx2 = CPUFeatures.level == .avx2
        w.withUnsafeMutableBufferPointer { wb in
            y.withUnsafeMutableBufferPointer { yb in
                let w = wb.baseAddress!, y = yb.baseAddress!
                forEachBlock { b, block in
                    let scratch = blockBuffer(b, 0)
                    for r in block {
                        // gather the row's runs (a region's runs of one row are in column order), then its medians
                        let cursor = offsets + r * m
                        regions.forEachRun(rows: r ..< r + 1) { k, _, s, e in
                            (values + cursor[k]).update(from: z + r * cols + s, count: e - s)
                            cursor[k] += e - s
                        }
                        for k in 0..<m {
                            let count = counts[r * m + k]
                            cursor[k] -= count
                            if count > 2 {
                                y[r * m + k] = _countingMedian(values + cursor[k], count, scratch: scratch, avx2: avx2)
                                w[r * m + k] = Double(count)
                            } else {
                                w[r * m + k] = corrected ? 0 : Double(count)
                            }
                        }
                    }
                }
                for k in 0..<m {
                    let n = base[k + 1] - base[k]
                    let background = _countingMedian(values + base[k], n, scratch: frameB, split: splitRows)
                    for r in 0..<rows {   // rows with a median: median − background; the others −background
                        y[r * m + k] = counts[r * m + k] > 2 ? y[r * m + k] - background : -background
                    }
                }
            }
        }
        let shifts = lineA
        for r in 0..<rows {
            shifts[r] = 0
            var total = 0.0
            for k in 0..<m { total += w[r * m + k] }
            guard total != 0 else { continue }
            var shift = 0.0
            for k in 0..<m { shift += (w[r * m + k] / total) * y[r * m + k] }
            shifts[r] = shift
        }
        _subtractSeparable(columns: nil, rows: shifts)
    }
}

/// A polynomial in `t = (x − center)/scale` with ascending `coefficients` (MATLAB `polyfit(x, y, n)` with
/// `mu`, i.e. numpy `polyfit` on the standardised positions), evaluated by Horner's rule as `polyval` does.
struct _CenteredPolynomial {
    var coefficients: [Double]
    var center: Double
    var scale: Double

    init(coefficients: [Double], center: Double, scale: Double) {
        self.coefficients = coefficients
        self.center = center
        self.scale = scale
    }

    /// The least-squares fit of `degree` (pnanolocz `_polyfit_centered`): zero coefficients and
    /// `(center, scale) = (0, 1)` with `degree + 1` positions or fewer; scale = sample standard deviation
    /// (1 for a single position or no spread).
    init(positions x: [Double], values y: [Double], degree: Int) {
        let n = x.count
        coefficients = [Double](repeating: 0, count: degree + 1)
        center = 0
        scale = 1
        guard n > degree else { return }
        center = x.reduce(0, +) / Double(n)
        if n > 1 {
            var v = 0.0
            for p in x { v += (p - center) * (p - center) }
            scale = (v / Double(n - 1)).squareRoot()
            if scale == 0 { scale = 1 }
        }
        let t = x.map { ($0 - center) / scale }
        if let c = _leastSquaresMonomials(t, y, degree: degree) { coefficients = c }
    }

    /// The polynomial at `x` (scale 0 counts as 1, as pnanolocz's `polyval` wrapper does).
    func value(at x: Double) -> Double {
        let t = (x - center) / (scale == 0 ? 1 : scale)
        var s = 0.0
        for c in coefficients.reversed() { s = s * t + c }
        return s
    }
}

/// Least squares `Σ cⱼ tʲ ≈ y` (ascending powers) by Householder QR of the column-scaled Vandermonde matrix
/// (as numpy `polyfit` scales it before its SVD solve); `nil` when the columns are dependent.
func _leastSquaresMonomials(_ t: [Double], _ y: [Double], degree: Int) -> [Double]? {
    let m = t.count, k = degree + 1
    guard m >= k else { return nil }
    var a = [Double](repeating: 0, count: m * k)   // column-major
    var norms = [Double](repeating: 0, count: k)
    for j in 0..<k {
        var s = 0.0
        for i in 0..<m {
            var p = 1.0
            for _ in 0..<j { p *= t[i] }
            a[j * m + i] = p
            s += p * p
        }
        norms[j] = s.squareRoot()
        guard norms[j] > 0 else { return nil }
        for i in 0..<m { a[j * m + i] /= norms[j] }
    }
    var b = y
    for j in 0..<k {
        var s = 0.0
        for i in j..<m { s += a[j * m + i] * a[j * m + i] }
        let alpha = (a[j * m + j] > 0 ? -1.0 : 1.0) * s.squareRoot()
        guard alpha != 0 else { return nil }
        a[j * m + j] -= alpha
        var vv = 0.0
        for i in j..<m { vv += a[j * m + i] * a[j * m + i] }
        guard vv > 0 else { return nil }
        for col in (j + 1)..<Swift.max(j + 1, k) {
            var d = 0.0
            for i in j..<m { d += a[j * m + i] * a[col * m + i] }
            let f = 2 * d / vv
            for i in j..<m { a[col * m + i] -= f * a[j * m + i] }
        }
        var d = 0.0
        for i in j..<m { d += a[j * m + i] * b[i] }
        let f = 2 * d / vv
        for i in j..<m { b[i] -= f * a[j * m + i] }
        a[j * m + j] = alpha   // R's diagonal
    }
    var c = [Double](repeating: 0, count: k)
    var maxDiag = 0.0
    for j in 0..<k { maxDiag = Swift.max(maxDiag, abs(a[j * m + j])) }
    for j in stride(from: k - 1, through: 0, by: -1) {
        guard abs(a[j * m + j]) > 1e-13 * maxDiag else { return nil }
        var s = b[j]
        for col in (j + 1)..<Swift.max(j + 1, k) { s -= a[col * m + j] * c[col] }
        c[j] = s / a[j * m + j]
    }
    for j in 0..<k { c[j] /= norms[j] }
    return c
}
