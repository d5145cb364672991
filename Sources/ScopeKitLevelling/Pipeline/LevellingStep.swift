import ScopeKitCore

/// One step of a levelling pipeline, applied to every frame. Codable, so a list of steps is a JSON recipe.
///
/// Steps that fit use the *current mask*: none (all finite pixels) until a mask step sets one; a mask step
/// replaces it (intersected with the caller's mask, if any) and it stays until the next mask step.
///
/// ```swift
/// let steps: [LevellingStep] = [.plane(xOrder: 2, yOrder: 2, method: .nanoLocz),
///                               .medianLine(direction: .rows, strength: 1)]
/// ```
public indirect enum LevellingStep: Codable, Sendable, Equatable {
    /// Subtract a polynomial background of orders `xOrder` (along columns) and `yOrder` (along rows).
    case plane(xOrder: Int, yOrder: Int, method: PlaneMethod)
    /// NanoLocz `line`: per-row polynomials of `xOrder` (> 0; ≤ xOrder + 8 used pixels → median of the
    /// fitted curves), then, if `yOrder > 0`, per-column polynomials of `yOrder`.
    case line(xOrder: Int, yOrder: Int, compatibility: NanoLoczCompatibility)
    /// NanoLocz `med_line` / `med_line_y`: lines with > 10 used pixels become
    /// `line − strength·median(line) + median(frame)`.
    case medianLine(direction: LineDirection, strength: Double)
    /// NanoLocz `smed_line`: row medians minus their moving median (`window` rows) subtracted.
    case smoothedMedianLine(window: Int, compatibility: NanoLoczCompatibility)
    /// NanoLocz `mean_plane`: subtract the mean of the used pixels.
    case meanPlane
    /// NanoLocz `level_weighted` "plane" ("MultiPlane"): separable plane fits per 8-connected region of used
    /// pixels (regions ≥ 1 % of the frame), averaged weighted by pixel count (see
    /// ``Levelling/weightedPlane(_:xOrder:yOrder:compatibility:mask:)``).
    case weightedPlane(xOrder: Int, yOrder: Int, compatibility: NanoLoczCompatibility)
    /// NanoLocz `level_weighted` "med_line": per-region row medians, averaged per row weighted by the region's
    /// pixels in the row (see ``Levelling/weightedMedianLine(_:compatibility:mask:)``).
    case weightedMedianLine(compatibility: NanoLoczCompatibility)
    /// Gwyddion "Align Rows" (or columns); `keepMean` keeps the image mean (Gwyddion) instead of zeroing rows.
    case alignRows(RowAlignment, direction: LineDirection, keepMean: Bool)
    /// Gwyddion "Mark Scars": the mask becomes the non-scar pixels (intersected with the caller's mask).
    case markScars(ScarOptions)
    /// Gwyddion "Remove Scars" (TopoStats `remove_scars` with ``ScarOptions/topoStats``): scars found on
    /// the current heights are replaced by linear interpolation between the rows above and below.
    case removeScars(ScarOptions)
    /// NanoLocz trace/retrace `LineShift`: every odd row moved by `pixels` columns, or by the shift in
    /// `−maximum…maximum` that best matches the even rows when `pixels` is nil.
    case lineShift(pixels: Int?, maximum: Int)
    /// NanoLocz `log_y` creep correction: `a·log(c·t + b)` fitted to the row-mean profile over the first half
    /// of `t = linspace(0, 10, rows)/scale` and subtracted (pnanolocz `level_log_y`).
    case creep(scale: Double, orientation: CreepOrientation)
    /// NanoLocz's anisotropy gate (unmasked median line when rows vary much more than columns).
    case anisotropyGate([AnisotropyGate])
    /// Compute a new mask from the current heights.
    case mask(MaskRule)
    /// Swap used and excluded pixels of the current mask.
    case invertMask
    /// Grow the excluded regions by `pixels` (square 3×3 steps, i.e. a (2p+1)² square).
    case growExcluded(pixels: Int)
    /// Shrink the excluded regions by `pixels` (square 3×3 steps).
    case shrinkExcluded(pixels: Int)
    /// Return 8-connected excluded regions smaller than `minimumPixels` to use (drops noise specks).
    case removeSmallExcludedRegions(minimumPixels: Int)
    /// Forget the computed mask (back to the caller's mask, or all pixels).
    case clearMask
    /// Repeat `steps` until the mask changes by at most `until.maximumChangedPixels` pixels between
    /// iterations (SPIEPy-style convergence), at most `until.maximumIterations` times. Per frame.
    case iterate(steps: [LevellingStep], until: Convergence)

    /// Whether this step needs statistics over the whole movie before it can run.
    var needsWholeMovie: Bool {
        if case .mask(.gaussian(_, _, _, .wholeMovie, _)) = self { return true }
        return false
    }

    /// Whether the step reads the edge masks' smoothed heights (an edge mask rule, or an iteration that may
    /// hold one).
    var usesEdgeSmoothing: Bool {
        switch self {
        case .mask(.autoEdges), .mask(.otsuEdges), .mask(.histogramEdges), .iterate: return true
        default: return false
        }
    }

    /// For each step of `steps`, whether a later step reads the smoothed heights: where none does, the
    /// weighted plane and median line need not keep them in step (``_Frame/keepSmoothing``).
    static func _smoothingNeededAfter(_ steps: [LevellingStep]) -> [Bool] {
        var needed = [Bool](repeating: false, count: steps.count), later = false
        for j in steps.indices.reversed() {
            needed[j] = later
            later = later || steps[j].usesEdgeSmoothing
        }
        return needed
    }
}
