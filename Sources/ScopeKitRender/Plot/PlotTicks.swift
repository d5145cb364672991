import Foundation

/// Tick positions and labels for plot axes: "nice" steps of 1, 2 or 5 × 10ᵏ.
///
/// ```swift
/// PlotTicks.ticks(in: 0...29, maximumCount: 8)      // [0, 5, 10, 15, 20, 25]
/// PlotTicks.labels(for: [0, 0.2, 0.4])              // ["0.0", "0.2", "0.4"]
/// ```
///
/// Follows the idea of matplotlib's `MaxNLocator(steps=[1, 2, 5, 10])`; differs: only the steps 1, 2, 5.
public enum PlotTicks {
    /// The smallest step of the form {1, 2, 5} × 10ᵏ that puts at most `maximumCount` ticks in `range`.
    ///
    /// - Returns: the step, or 1 for an empty or non-finite span.
    public static func step(for range: ClosedRange<Double>, maximumCount: Int) -> Double {
        let span = range.upperBound - range.lowerBound
        guard span > 0, span.isFinite else { return 1 }
        let count = Double(Swift.max(maximumCount, 2))
        let raw = span / (count - 1)
        var magnitude = pow(10, (log10(raw)).rounded(.down))
        while true {
            for m in [1.0, 2.0, 5.0] {
                let step = m * magnitude
                if ticks(in: range, step: step).count <= Int(count) { return step }
            }
            magnitude *= 10
        }
    }

    /// The multiples of `step` inside `range` (a tolerance of 1e-9 step admits the ends).
    public static func ticks(in range: ClosedRange<Double>, step: Double) -> [Double] {
        guard step > 0, step.isFinite, range.lowerBound.isFinite, range.upperBound.isFinite else { return [] }
        let first = (range.lowerBound / step - 1e-9).rounded(.up)
        let last = (range.upperBound / step + 1e-9).rounded(.down)
        guard last >= first, last - first < 10_000 else { return [] }
        return stride(from: first, through: last, by: 1).map { k in
            let v = k * step
            return v == 0 ? 0 : v          // no "-0"
        }
    }

    /// Nice ticks in `range`, at most `maximumCount` of them.
    public static func ticks(in range: ClosedRange<Double>, maximumCount: Int) -> [Double] {
        ticks(in: range, step: step(for: range, maximumCount: maximumCount))
    }

    /// Labels with as many decimals as the step needs (`%g`-style for very large or small magnitudes).
    public static func labels(for ticks: [Double]) -> [String] {
        guard ticks.count > 0 else { return [] }
        let step = ticks.count > 1 ? abs(ticks[1] - ticks[0]) : Swift.max(abs(ticks[0]), 1)
        let largest = ticks.map(abs).max() ?? 0
        if largest >= 1e6 || (step < 1e-4 && step > 0) {
            return ticks.map { $0 == 0 ? "0" : String(format: "%.3g", $0) }
        }
        let decimals = step > 0 ? Swift.max(0, Int((-log10(step) + 1e-9).rounded(.up))) : 0
        return ticks.map { String(format: "%.\(decimals)f", $0) }
    }
}
