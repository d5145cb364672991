import Foundation
import ScopeKitCore

/// Where the scale bar sits on the image.
public enum ScaleBarPosition: String, Sendable, Equatable, CaseIterable {
    case bottomLeft, bottomRight
}

/// A scale bar: a "nice" physical length, its length in pixels, and its label.
///
/// ```swift
/// let bar = ScaleBar(imageWidth: 512, axis: AxisCalibration(name: "x", scale: 2, unit: "nm"))
/// bar.length        // 200  (target 0.2 · 512 · 2 nm = 204.8 nm)
/// bar.pixels        // 100
/// bar.label         // "200 nm"
/// ```
public struct ScaleBar: Sendable, Equatable {
    /// The physical length in the axis unit.
    public let length: Double
    /// The bar length in pixels: `round(length / |scale|)`.
    public let pixels: Int
    /// The label, e.g. `"500 nm"` or `"2 µm"` (length units are re-prefixed to give a number ≥ 1).
    public let label: String

    /// Chooses a scale bar for an image `imageWidth` pixels wide whose x axis has calibration `axis`.
    ///
    /// The length is the value `m · 10^k` (m ∈ {1, 2, 5}) nearest in ratio (|log(L / target)| smallest; ties
    /// go to the shorter bar) to `target = fraction · imageWidth · |axis.scale|`. An uncalibrated axis gives a bar
    /// in pixels (`"50 px"`). See ``niceLength(near:)``.
    ///
    /// - Parameters:
    ///   - imageWidth: the image width in pixels (≥ 1).
    ///   - axis: the x-axis calibration; a zero or non-finite scale is treated as 1.
    ///   - fraction: the target share of the width, default 0.2.
    public init(imageWidth: Int, axis: AxisCalibration, fraction: Double = 0.2) {
        var scale = Swift.abs(axis.scale)
        if !(scale > 0) || !scale.isFinite { scale = 1 }
        let target = fraction * Double(Swift.max(imageWidth, 1)) * scale
        length = ScaleBar.niceLength(near: target)
        pixels = Swift.max(1, Int((length / scale).rounded()))
        label = ScaleBar.label(length: length, unit: axis.unit)
    }

    /// The value `m · 10^k` with m ∈ {1, 2, 5} nearest to `target` in ratio (ties: the smaller).
    ///
    /// ```swift
    /// ScaleBar.niceLength(near: 102.4)   // 100
    /// ScaleBar.niceLength(near: 3.3)     // 5  (|log(5/3.3)| = 0.416 < |log(2/3.3)| = 0.501)
    /// ScaleBar.niceLength(near: 0.0016)  // 0.002
    /// ```
    public static func niceLength(near target: Double) -> Double {
        guard target > 0, target.isFinite else { return 1 }
        let k = floor(log10(target))
        var best = 0.0, bestError = Double.infinity
        for e in [k - 1, k, k + 1] {
            for m in [1.0, 2.0, 5.0] {
                let candidate = m * pow(10, e)
                let error = Swift.abs(Foundation.log(candidate / target))
                // Candidates rise in size, so the strict comparison keeps the shorter bar on ties.
                if error < bestError - 1e-12 {
                    best = candidate
                    bestError = error
                }
            }
        }
        return best
    }

    /// The label of a length: SI length units (`pm`, `nm`, `µm`/`um`/`μm`, `mm`, `m`) are re-prefixed so the
    /// number is ≥ 1 where possible (`1000 nm` → `"1 µm"`, `0.5 µm` → `"500 nm"`); other units are kept.
    public static func label(length: Double, unit: String) -> String {
        let ladder: [(String, Double)] = [("pm", 1e-12), ("nm", 1e-9), ("µm", 1e-6), ("mm", 1e-3), ("m", 1)]
        let canonical = unit == "um" || unit == "μm" || unit == "micron" ? "µm" : unit
        guard let factor = ladder.first(where: { $0.0 == canonical })?.1 else {
            return "\(formatNumber(length)) \(unit)"
        }
        let meters = length * factor
        var chosen = ladder[0]
        for step in ladder where meters >= step.1 * (1 - 1e-9) { chosen = step }
        return "\(formatNumber(meters / chosen.1)) \(chosen.0)"
    }

    /// A short number: integers without decimals, else up to 3 significant digits.
    static func formatNumber(_ v: Double) -> String {
        let r = v.rounded()
        if Swift.abs(v - r) <= 1e-9 * Swift.max(1, Swift.abs(v)) && Swift.abs(r) < 1e15 {
            return String(Int64(r))
        }
        return String(format: "%.3g", v)
    }
}
