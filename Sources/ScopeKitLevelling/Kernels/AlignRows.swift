import ScopeKitLevellingKernels
import Foundation

/// Gwyddion "Align Rows" methods and TopoStats' row quantile, on rows or columns.
extension _Frame {
    /// Gathers the used values of line `l` into `dst`; returns the count.
    func _gatherLine(_ lines: _Lines, _ l: Int, into dst: UnsafeMutablePointer<Double>) -> Int {
        var m = 0
        for k in 0..<lines.length {
            let i = lines.index(l, k)
            dst[m] = z[i]; m &+= _bit(isUsed(i))   // branch-free compaction
        }
        return m
    }

    /// Gwyddion's trimmed mean: drop `⌊fraction·n⌋` values at each end and average the rest; a fraction
    /// ≥ 0.5 (or nothing left) is the median. Reorders `a`.
    func _trimmedMean(_ a: UnsafeMutablePointer<Double>, _ n: Int, _ fraction: Double) -> Double {
        guard n > 0 else { return .nan }
        let k = Int((fraction * Double(n)).rounded(.down))
        if fraction >= 0.5 || 2 * k >= n { return _median(a, n) }
        if k == 0 {
            var s = 0.0
            for i in 0..<n { s += a[i] }
            return s / Double(n)
        }
        _ = _select(a, n, k)                 // a[0..<k] are the k smallest
        _ = _select(a + k, n - k, n - 2 * k) // then a[k + n−2k ..< n] are the k largest
        var s = 0.0
        for i in k..<(n - k) { s += a[i] }
        return s / Double(n - 2 * k)
    }

    /// Gwyddion's modus: the narrowest window of ⌈√n⌉ sorted values, mean of its middle third (n < 9: median).
    func _modus(_ a: UnsafeMutablePointer<Double>, _ n: Int) -> Double {
        if n < 9 { return _median(a, n) }
        var sorted = UnsafeMutableBufferPointer(start: a, count: n)
        sorted.sort()
        let w = Int(Double(n).squareRoot().rounded(.up))
        var best = 0, bestWidth = Double.infinity
        for i in 0...(n - w) where a[i + w - 1] - a[i] < bestWidth { bestWidth = a[i + w - 1] - a[i]; best = i }
        let lo = best + w / 3, hi = Swift.max(lo + 1, best + w - w / 3)
        var s = 0.0
        for i in lo..<hi { s += a[i] }
        return s / Double(hi - lo)
    }

    /// The statistic of one line's used values (`a` holds them, reordered).
    func _lineStatistic(_ method: RowAlignment, _ a: UnsafeMutablePointer<Double>, _ n: Int) -> Double {
        switch method {
        case .median: return _median(a, n)
        case .mean: return _trimmedMean(a, n, 0)
        case .quantile(let q): return _quantile(a, n, q)
        case .trimmedMean(let f): return _trimmedMean(a, n, f)
        case .modus: return _modus(a, n)
        default: return _median(a, n)
        }
    }

    /// Aligns lines (rows, or columns when `alongColumns`) by subtracting per-line offsets; returns the
    /// offsets subtracted.
    ///
    /// - Line statistics (`median`, `mean`, `quantile`, `trimmedMean`, `modus`): offset = statistic of the
    ///   line's used pixels; lines with fewer than `round(ln length + 1)` used pixels take the statistic of
    ///   all used pixels. Offsets are zero-meaned when `keepMean` (Gwyddion: the image mean is kept).
    /// - Difference methods: the statistic of `line[i] − line[i−1]` over pixel pairs both used, summed
    ///   cumulatively, with the least-squares linear trend of the cumulated offsets removed (Gwyddion; pySPM
    ///   does not detrend).
    /// - `polynomial(degree)`: per line least-squares polynomial over used pixels, the frame's used mean
    ///   re-added (Gwyddion); lines with ≤ degree used pixels are left.
    func alignRows(_ method: RowAlignment, alongColumns: Bool, keepMean: Bool) -> [Double] {
        let lines = _Lines(self, alongColumns: alongColumns)
        var offsets = [Double](repeating: 0, count: lines.lineCount)
        let buf = lineA
        switch method {
        case .polynomial(let degree):
            var s = 0.0, n = 0
            for i in 0..<count where isUsed(i) { s += z[i]; n += 1 }
            let mean = n > 0 && keepMean ? s / Double(n) : 0
            let curve = lineB
            for l in 0..<lines.lineCount {
                guard _fitLine(lines, l, degree: degree, minimumCount: degree + 1, curve: curve) else { continue }
                var o = 0.0
                for k in 0..<lines.length { z[lines.index(l, k)] -= curve[k] - mean; o += curve[k] - mean }
                offsets[l] = o / Double(lines.length)
            }
            return offsets
        case .matching:
            _matchingShifts(lines, into: &offsets)
            if keepMean { _zeroMean(&offsets) }
        case .facetTilt:
            _facetTilt(lines)
            return offsets
        case .medianOfDifferences, .trimmedMeanOfDifferences:
            let fraction: Double
            if case .trimmedMeanOfDifferences(let f) = method { fraction = f } else { fraction = 0.5 }
            var cumulative = 0.0
            for l in 1..<Swift.max(1, lines.lineCount) {
                var m = 0
                for k in 0..<lines.length {
                    let i = lines.index(l, k), j = lines.index(l - 1, k)
                    if isUsed(i) && isUsed(j) { buf[m] = z[i] - z[j]; m += 1 }
                }
                if m > 0 { cumulative += _trimmedMean(buf, m, fraction) }
                offsets[l] = cumulative
            }
            // remove the least-squares line through the cumulated offsets (keeps the y tilt, and the mean)
            let n = Double(lines.lineCount)
            if lines.lineCount > 1 {
                var sx = 0.0, sy = 0.0
                for l in 0..<lines.lineCount { sx += Double(l); sy += offsets[l] }
                let mx = sx / n, my = sy / n
                var sxx = 0.0, sxy = 0.0
                for l in 0..<lines.lineCount {
                    sxx += (Double(l) - mx) * (Double(l) - mx); sxy += (Double(l) - mx) * (offsets[l] - my)
                }
                let slope = sxy / sxx
                for l in 0..<lines.lineCount { offsets[l] -= my + slope * (Double(l) - mx) }
            }
        default:
            let minimum = Int((Foundation.log(Double(lines.length)) + 1).rounded())
            var fallback = Double.nan
            for l in 0..<lines.lineCount {
                let m = _gatherLine(lines, l, into: buf)
                if m >= Swift.max(minimum, 1) {
                    offsets[l] = _lineStatistic(method, buf, m)
                } else {
                    if fallback.isNaN {
                        let n = gatherUsed(into: frameA)
                        fallback = n > 0 ? _lineStatistic(method, frameA, n) : 0
                    }
                    offsets[l] = fallback
                }
            }
            if keepMean { _zeroMean(&offsets) }
        }
        for l in 0..<lines.lineCount {
            let o = offsets[l]
            for k in 0..<lines.length { z[lines.index(l, k)] -= o }
        }
        return offsets
    }

    /// Subtracts the mean of `offsets` from each (the image mean is then kept).
    func _zeroMean(_ offsets: inout [Double]) {
        var s = 0.0
        for o in offsets { s += o }
        let mean = s / Double(Swift.max(1, offsets.count))
        for l in offsets.indices { offsets[l] -= mean }
    }
}

