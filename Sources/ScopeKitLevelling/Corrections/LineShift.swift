/// Trace/retrace line shift: alternate lines displaced by a whole number of pixels (NanoLocz `LineShift`).
extension _Frame {
    /// The mean squared difference between odd rows shifted by `s` and the mean of their even neighbours,
    /// over columns where every value involved is used; `nil` when no column qualifies.
    func _lineShiftCost(_ s: Int) -> Double? {
        var sum = 0.0, n = 0
        var r = 1
        while r < rows {
            let above = (r - 1) * cols, below = r + 1 < rows ? (r + 1) * cols : -1
            for c in Swift.max(0, s)..<Swift.min(cols, cols + s) {
                let src = r * cols + c - s
                guard isUsed(src), isUsed(above + c) else { continue }
                var ref = z[above + c]
                if below >= 0 {
                    guard isUsed(below + c) else { continue }
                    ref = (ref + z[below + c]) / 2
                }
                let d = z[src] - ref
                sum += d * d; n += 1
            }
            r += 2
        }
        return n > 0 ? sum / Double(n) : nil
    }

    /// The shift in `−maximum…maximum` that best aligns odd rows with their even neighbours (smallest
    /// ``_lineShiftCost``; ties go to the smaller |s|, then the negative one). 0 when nothing can be compared.
    func _bestLineShift(maximum: Int) -> Int {
        var best = 0, bestCost = _lineShiftCost(0) ?? .infinity
        guard maximum > 0 else { return 0 }
        for m in 1...maximum {
            for s in [-m, m] {
                if let cost = _lineShiftCost(s), cost < bestCost { best = s; bestCost = cost }
            }
        }
        return best
    }

    /// Shifts every odd row (1, 3, 5, …: the retrace lines of an interleaved scan) by `pixels` columns
    /// (`new[c] = old[c − pixels]`, so positive moves features right); columns with no source take the nearest
    /// edge value of the row. With `pixels == nil` the shift is estimated per frame in `−maximum…maximum` by
    /// least squares against the mean of the neighbouring even rows. Returns the shift applied.
    ///
    /// - Complexity: O(pixels) to apply, O(pixels × maximum) to estimate.
    @discardableResult
    func lineShift(pixels: Int?, maximum: Int) -> Int {
        let s = pixels ?? _bestLineShift(maximum: Swift.min(maximum, Swift.max(0, cols - 1)))
        guard s != 0, cols > 0 else { return s }
        let tmp = lineA
        var r = 1
        while r < rows {
            let base = r * cols
            for c in 0..<cols { tmp[c] = z[base + Swift.min(cols - 1, Swift.max(0, c - s))] }
            for c in 0..<cols { z[base + c] = tmp[c] }
            r += 2
        }
        return s
    }
}
