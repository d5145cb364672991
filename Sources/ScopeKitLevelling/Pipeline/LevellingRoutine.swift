import ScopeKitCore

/// NanoLocz's automatic levelling routines (`level_auto`), by name.
///
/// Each routine is a fixed ``LevellingPipeline``; ``pipeline(compatibility:statistics:heightThreshold:)``
/// shows the steps. Heights are assumed in nm for the "1 nm" routines (pass `heightThreshold` otherwise).
///
/// ```swift
/// let out = try Levelling.run(.iterativeFitPeaks, on: movie)
/// ```
public enum LevellingRoutine: String, Codable, Sendable, CaseIterable {
    /// plane(1,1) → median line.
    case planeLine = "plane-line"
    /// plane(1,1), anisotropy gate, then masks keeping z ≤ 1 nm: plane(1,1) ×2, median line + plane(1,0),
    /// median line + plane(2,0).
    case iterative1nmHigh = "iterative-1nm-high"
    /// As ``iterative1nmHigh`` keeping z ≥ −1 nm.
    case iterative1nmLow = "iterative-1nm-low"
    /// As ``iterative1nmHigh`` keeping −1 ≤ z ≤ 1 nm.
    case iterativeHighLow = "iterative-high-low"
    /// line x order 1 → Otsu mask (keep below) → line x order 2.
    case line1OtsuLine2 = "line1-otsu-line2"
    /// plane(1,1) + median line → Gaussian band b1 ± 1.5·c1 → masked plane(1,1) + median line.
    case highLowFit = "high-low-fit"
    /// plane(2,2) + median line, then twice: Gaussian mask keeping z ≥ b1 − 1.5·c1, masked plane(2,2) + median
    /// line (the second time plane(2,2) + line x order 1).
    case iterativeFitHoles = "iterative-holes"
    /// As ``iterativeFitHoles`` keeping z ≤ b1 + 1.5·c1.
    case iterativeFitPeaks = "iterative-peaks"
    /// Terraces: plane(1,1), anisotropy gate (7 → median line; MATLAB also 5 → 0.6), auto-edges mask →
    /// weighted plane(2,2), auto-edges mask → weighted plane(2,2), weighted median line, weighted plane(2,2),
    /// weighted median line, Otsu mask → mean plane.
    case multiPlaneEdges = "multi-plane-edges"
    /// Terraces: plane(1,1), anisotropy gate (5.7 → median line), then otsu-edges mask → weighted plane(2,2)
    /// three times (the third followed by a weighted median line), once more with a weighted median line,
    /// Otsu mask → mean plane.
    case multiPlaneOtsu = "multi-plane-otsu"

    /// The routine's steps.
    ///
    /// - Parameters:
    ///   - compatibility: `.pnanolocz` reproduces pnanolocz 0.1.0 (per-frame Gaussian statistics whatever
    ///     `statistics` says, only the first anisotropy gate); `.matlab`/`.corrected` use NanoLocz MATLAB's two
    ///     gates and `statistics`.
    ///   - statistics: where the Gaussian routines take their histogram (NanoLocz MATLAB: the whole movie).
    ///   - heightThreshold: the "1 nm" of the iterative routines, in the data's height unit.
    public func pipeline(compatibility: NanoLoczCompatibility = .corrected,
                         statistics: StatisticsScope = .wholeMovie,
                         heightThreshold: Double = 1) -> LevellingPipeline {
        let plane11 = LevellingStep.plane(xOrder: 1, yOrder: 1, method: .nanoLocz)
        let plane22 = LevellingStep.plane(xOrder: 2, yOrder: 2, method: .nanoLocz)
        let medLine = LevellingStep.medianLine(direction: .rows, strength: 1)
        let scope: StatisticsScope = compatibility == .pnanolocz ? .perFrame : statistics
        let gates = compatibility == .pnanolocz ? AnisotropyGate.pnanolocz : AnisotropyGate.matlab
        func gauss(_ keep: GaussianKeep) -> LevellingStep {
            .mask(.gaussian(multiplier: 1.5, width: .nanoLocz, keep: keep, scope: scope, bins: 100))
        }
        func iterative(_ low: Double?, _ high: Double?) -> [LevellingStep] {
            let m = LevellingStep.mask(.range(low: low, high: high))
            return [plane11, .anisotropyGate(gates), m, plane11, m, plane11, m, medLine,
                    .plane(xOrder: 1, yOrder: 0, method: .nanoLocz), m, medLine,
                    .plane(xOrder: 2, yOrder: 0, method: .nanoLocz)]
        }
        let t = heightThreshold
        switch self {
        case .planeLine: return LevellingPipeline(steps: [plane11, medLine])
        case .iterative1nmHigh: return LevellingPipeline(steps: iterative(nil, t))
        case .iterative1nmLow: return LevellingPipeline(steps: iterative(-t, nil))
        case .iterativeHighLow: return LevellingPipeline(steps: iterative(-t, t))
        case .line1OtsuLine2:
            return LevellingPipeline(steps: [.line(xOrder: 1, yOrder: 0, compatibility: compatibility),
                                             .mask(.otsu(bins: 256, keepAbove: false)),
                                             .line(xOrder: 2, yOrder: 0, compatibility: compatibility)])
        case .highLowFit:
            return LevellingPipeline(steps: [plane11, medLine, gauss(.band), plane11, medLine])
        case .iterativeFitHoles, .iterativeFitPeaks:
            let g = gauss(self == .iterativeFitHoles ? .aboveLower : .belowUpper)
            return LevellingPipeline(steps: [plane22, medLine, g, plane22, medLine, g, plane22,
                                             .line(xOrder: 1, yOrder: 0, compatibility: compatibility)])
        case .multiPlaneEdges, .multiPlaneOtsu:
            let wPlane = LevellingStep.weightedPlane(xOrder: 2, yOrder: 2, compatibility: compatibility)
            let wLine = LevellingStep.weightedMedianLine(compatibility: compatibility)
            let background = LevellingStep.mask(.otsu(bins: 256, keepAbove: false))
            if self == .multiPlaneEdges {
                let edges = LevellingStep.mask(.autoEdges(factor: 1.5, radius: 4))
                return LevellingPipeline(steps: [plane11, .anisotropyGate(gates), edges, wPlane, edges, wPlane, wLine,
                                                 wPlane, wLine, background, .meanPlane])
            }
            let edges = LevellingStep.mask(.otsuEdges(bins: 256))
            return LevellingPipeline(steps: [plane11, .anisotropyGate([AnisotropyGate(factor: 5.7, strength: 1)]),
                                             edges, wPlane, edges, wPlane, edges, wPlane, wLine, edges, wPlane, wLine,
                                             background, .meanPlane])
        }
    }
}
