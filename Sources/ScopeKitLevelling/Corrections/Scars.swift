/// Which scars (horizontal streaks of shifted values) to find.
public enum ScarPolarity: String, Codable, Sendable, CaseIterable {
    /// Streaks above both neighbouring rows (Gwyddion default).
    case positive
    /// Streaks below both neighbouring rows (Gwyddion "Negative").
    case negative
    /// Both kinds, marked on the same data (TopoStats marks positive and negative scars each iteration).
    case both
}

/// Parameters of scar marking and removal (Gwyddion "Mark Scars" / "Remove Scars"; TopoStats `scars.py`).
///
/// Thresholds are in units of the *vertical rms* (rms of row-to-row differences). A run of 1…`maximumWidth`
/// rows standing at least `thresholdLow`·rms above (or below) the rows just outside it on both sides is a
/// candidate; candidates whose step reaches `thresholdHigh`·rms seed a scar, which grows along the row over
/// neighbouring candidates of at least `thresholdLow`; scars shorter than `minimumLength` pixels are dropped.
///
/// ```swift
/// let gwyddion = ScarOptions()                       // 0.666 / 0.25, width 4, length 16, positive, 1 pass
/// let topostats = ScarOptions.topoStats              // both polarities, 2 passes
/// ```
public struct ScarOptions: Codable, Sendable, Equatable {
    /// The hard threshold (seed), × vertical rms. Gwyddion/TopoStats default 0.666.
    public var thresholdHigh: Double
    /// The soft threshold (candidate and growth), × vertical rms. Default 0.25; ≤ `thresholdHigh`.
    public var thresholdLow: Double
    /// The widest scar in rows, 1…16. Default 4.
    public var maximumWidth: Int
    /// The shortest scar in pixels along the row. Default 16.
    public var minimumLength: Int
    /// Which scars. Default `.positive` (Gwyddion).
    public var polarity: ScarPolarity
    /// How many mark-and-remove passes `removeScars` makes (TopoStats `removal_iterations`, default 2;
    /// Gwyddion 1).
    public var iterations: Int

    public init(thresholdHigh: Double = 0.666, thresholdLow: Double = 0.25, maximumWidth: Int = 4,
                minimumLength: Int = 16, polarity: ScarPolarity = .positive, iterations: Int = 1) {
        self.thresholdHigh = thresholdHigh
        self.thresholdLow = thresholdLow
        self.maximumWidth = maximumWidth
        self.minimumLength = minimumLength
        self.polarity = polarity
        self.iterations = iterations
    }

    /// TopoStats' defaults (`scars:` config): 0.666/0.25, width 4, length 16, both polarities, 2 iterations.
    public static let topoStats = ScarOptions(polarity: .both, iterations: 2)
}

/// Gwyddion's scar marking and removal (`modules/process/scars.c`), described by behaviour.
extension _Frame {
    /// Marks scars of one polarity into `marks` (1 = scar, 0 = not), following Gwyddion
    /// `gwy_data_field_mark_scars`: vertical rms = √(Σ(z[r][c] − z[r+1][c])² / (rows·cols)) over finite pairs;
    /// for each top row `i` and column, the narrowest run of `k ≤ width` rows below it whose lowest value exceeds
    /// the higher of row `i` and row `i+k+1` by ≥ `low`·rms gets per-pixel steps (z − that bound)/rms; a forward
    /// then a backward pass along each row lifts steps ≥ `low` next to steps ≥ `high` to `high`; runs of steps
    /// ≥ `high` shorter than `minimumLength` are cleared. The current mask is not used (Gwyddion ignores it).
    ///
    /// - Complexity: O(pixels × maximumWidth).
    func _markScars(_ o: ScarOptions, negative: Bool, into marks: UnsafeMutablePointer<Double>) {
        marks.update(repeating: 0, count: count)
        guard o.minimumLength <= cols, rows >= 3 else { return }
        let width = Swift.min(o.maximumWidth, rows - 2)
        var sum = 0.0
        for i in 0..<(count - cols) {
            let d = z[i] - z[i + cols]
            if d.isFinite { sum += d * d }
        }
        let rms = (sum / Double(count)).squareRoot()
        guard rms > 0 else { return }
        let low = o.thresholdLow * rms
        for i in 0..<Swift.max(0, rows - (width + 1)) {
            for j in 0..<cols {
                let p = i * cols + j
                var found = 0, bound = 0.0
                if negative {
                    var top = z[p], bottom = z[p + cols]
                    for k in 1...width {
                        top = Swift.min(z[p], z[p + (k + 1) * cols])
                        bottom = Swift.max(bottom, z[p + k * cols])
                        if top - bottom >= low { found = k; bound = top; break }
                    }
                    for k in stride(from: found, to: 0, by: -1) { marks[p + k * cols] = (bound - z[p + k * cols]) / rms }
                } else {
                    var bottom = z[p], top = z[p + cols]
                    for k in 1...width {
                        bottom = Swift.max(z[p], z[p + (k + 1) * cols])
                        top = Swift.min(top, z[p + k * cols])
                        if top - bottom >= low { found = k; bound = bottom; break }
                    }
                    for k in stride(from: found, to: 0, by: -1) { marks[p + k * cols] = (z[p + k * cols] - bound) / rms }
                }
            }
        }
        let hi = o.thresholdHigh, lo = o.thresholdLow
        for r in 0..<rows {
            let m = marks + r * cols
            for j in 1..<Swift.max(1, cols) where m[j] >= lo && m[j - 1] >= hi { m[j] = hi }
            for j in stride(from: cols - 1, to: 0, by: -1) where m[j - 1] >= lo && m[j] >= hi { m[j - 1] = hi }
            var run = 0
            for j in 0...cols {
                if j < cols && m[j] >= hi { m[j] = 1; run += 1; continue }
                if run > 0 && run < o.minimumLength { for k in (j - run)..<j { m[k] = 0 } }
                if j < cols { m[j] = 0 }
                run = 0
            }
        }
    }

    /// Marks scars of the polarity in `o` into `flags` (true = scar); returns how many pixels.
    func _scarFlags(_ o: ScarOptions) -> Int {
        let marks = frameB
        for i in 0..<count { flags[i] = false }
        if o.polarity != .negative {
            _markScars(o, negative: false, into: marks)
            for i in 0..<count where marks[i] > 0 { flags[i] = true }
        }
        if o.polarity != .positive {
            _markScars(o, negative: true, into: marks)
            for i in 0..<count where marks[i] > 0 { flags[i] = true }
        }
        var n = 0
        for i in 0..<count where flags[i] { n += 1 }
        return n
    }

    /// Gwyddion "Mark Scars" as a mask step: scar pixels are excluded (intersected with the caller's mask).
    func markScars(_ o: ScarOptions) {
        _ = _scarFlags(o)
        for i in 0..<count { used[i] = !flags[i] && (!hasBaseMask || baseMask[i]) }
        hasMask = true
    }

    /// Gwyddion "Remove Scars", `o.iterations` times: mark, then replace each vertical run of scar pixels
    /// (rows 1…rows−2) by linear interpolation between the pixel above and the pixel below it. Returns the
    /// number of pixels replaced.
    ///
    /// - Complexity: O(pixels × maximumWidth × iterations).
    @discardableResult
    func removeScars(_ o: ScarOptions) -> Int {
        var replaced = 0
        for _ in 0..<Swift.max(1, o.iterations) {
            guard _scarFlags(o) > 0 else { break }
            for r in 1..<Swift.max(1, rows - 1) {
                for c in 0..<cols where flags[r * cols + c] {
                    let first = z[(r - 1) * cols + c]
                    var k = 1
                    while r + k < rows - 1 && flags[(r + k) * cols + c] { k += 1 }
                    let last = z[(r + k) * cols + c]
                    let width = Double(k + 1)
                    for t in stride(from: k, to: 0, by: -1) {
                        let x = Double(t) / width
                        z[(r + t - 1) * cols + c] = x * last + (1 - x) * first
                        flags[(r + t - 1) * cols + c] = false
                    }
                    replaced += k
                }
            }
        }
        return replaced
    }
}
