import ScopeKitCore

/// Every parameter of the z-spacing inference (the Fiji "Z-Spacing Correction" dialog plus hidden ones).
///
/// Field names are ScopeKit's; the Fiji label and the `Options` field of saalfeldlab/z-spacing are given for
/// each. Three presets:
/// - ``fiji``: the plugin's defaults (range 10, 100 outer iterations, outer regularisation 0.4, 10 inner
///   iterations, inner regularisation 0.1 towards the previous value, reordering allowed, one global curve,
///   forced monotone similarity, minimum thickness 1e-9, BORDER normalisation).
/// - ``frozenQuality``: ``fiji`` with inner regularisation 1.0, so the per-section quality factors stay 1.
///   Free factors absorb real spacing signal (spec quirk 1); production FIB-SEM pipelines freeze them.
/// - ``janelia``: the headless FIB-SEM wrapper of saalfeldlab/render (reordering off, no forced
///   monotonicity, frozen quality factors, minimum thickness 1e-4).
///
/// ```swift
/// var options = ZSpacingOptions.fiji
/// options.range = 15
/// options.allowReordering = false
/// let result = try ZSpacing.estimatePositions(from: matrix, options: options)
/// ```
///
/// Follows saalfeldlab/z-spacing 1.1.3 `Options` and the plugin dialog; differs: ``fijiCompatible`` is
/// `false` by default, so the averaged similarity curve is made monotone before it is inverted (spec quirk 4)
/// and the quality-factor window is symmetric (quirk 3).
public struct ZSpacingOptions: Sendable, Equatable, Codable {
    /// What the damped quality-factor update blends towards (inner regularisation).
    public enum QualityTarget: String, Sendable, Equatable, Codable, CaseIterable {
        /// `s ← (1−λ)·LS + λ·s_previous`: the current plugin (since Feb 2017).
        case previous
        /// `s ← (1−λ)·LS + λ·1`: the README's "Tikhonov towards 1.0" (ISBI 2015 code).
        case one
    }

    /// How positions are renormalised after every outer iteration.
    public enum Normalization: String, Sendable, Equatable, Codable, CaseIterable {
        /// First and last section (in the iteration's sorted order) are mapped to 0 and N − 1 (`BORDER`).
        case border
        /// Least-squares affine fit of the positions to 0…N−1 (`IDENTITY`).
        case identity
        /// Positions are left as the shifts make them (`NONE`).
        case none
    }

    /// Neighbourhood range R ("test_maximally", `comparisonRange`): sections compared on each side. Also the
    /// band of the NCC matrix. Clamped to N − 1 for short stacks.
    public var range: Int = 10
    /// Outer iterations ("outer_iterations", `nIterations`).
    public var outerIterations: Int = 100
    /// Outer regularisation ("outer_regularization" = 1 − `shiftProportion`): each iteration applies
    /// `1 − outerRegularization` of the mediated shift.
    public var outerRegularization: Double = 0.4
    /// Inner iterations ("inner_iterations", `scalingFactorEstimationIterations`); 0 keeps the factors at 1.
    public var innerIterations: Int = 10
    /// Inner regularisation λ ("inner_regularization", `scalingFactorRegularizerWeight`); 1 freezes the factors.
    public var innerRegularization: Double = 0.1
    /// What the inner regularisation pulls towards.
    public var qualityTarget: QualityTarget = .previous
    /// Allow the sections to change order ("allow_reordering", `withReorder`).
    public var allowReordering: Bool = true
    /// Number of local similarity curves ("number of local estimates"; window radius N / k). 1 = global.
    public var localEstimates: Int = 1
    /// Accept only strictly decreasing similarities along each row (`forceMonotonicity`, hidden; on in Fiji).
    public var forceMonotonicity: Bool = true
    /// Minimum spacing enforced when reordering is off (`minimumSectionThickness`; Fiji 1e-9).
    public var minimumSectionThickness: Double = 1e-9
    /// Renormalisation after each iteration (`regularizationType`; Fiji BORDER).
    public var normalization: Normalization = .border
    /// Similarities at or below this are ignored (`minimumCorrelationValue`, 0).
    public var minimumCorrelation: Double = 0
    /// Downscale factor of rows and columns before the NCC ("Scale xy before similarity calculation", 1).
    public var xyScale: Double = 1
    /// Beyond Fiji: after the inference, within 3R of either end of the stack, reset any spacing outside
    /// median ± 20 % to 1 and rescale to the same span (saalfeldlab/render `--normalizeEndDelta`).
    public var normalizeEnds: Bool = false
    /// Reproduce Fiji's numbers where it deviates from the method: invert the raw averaged curve with the
    /// plugin's binary search (no monotone fix, spec quirk 4) and sum the quality-factor window over
    /// [n − R, n + R) instead of [n − R, n + R] (quirk 3). Default `false`.
    public var fijiCompatible: Bool = false

    /// The Fiji plugin's defaults.
    public init() {}

    /// The Fiji plugin's defaults (same as `init()`).
    public static var fiji: ZSpacingOptions { ZSpacingOptions() }

    /// Fiji's defaults with frozen quality factors (inner regularisation 1.0).
    public static var frozenQuality: ZSpacingOptions {
        var o = ZSpacingOptions()
        o.innerRegularization = 1
        return o
    }

    /// The FIB-SEM defaults of saalfeldlab/render's `HeadlessZPositionCorrection` (later version).
    public static var janelia: ZSpacingOptions {
        var o = ZSpacingOptions()
        o.allowReordering = false
        o.forceMonotonicity = false
        o.innerRegularization = 1
        o.minimumSectionThickness = 1e-4
        return o
    }

    /// The fraction of the mediated shift applied per iteration (`shiftProportion` = 1 − outer regularisation).
    public var shiftProportion: Double { 1 - outerRegularization }

    /// Checks every field.
    ///
    /// - Throws: ``ScopeKitError/usage(_:)`` naming the first invalid field.
    public func validate() throws {
        func check(_ ok: Bool, _ message: @autoclosure () -> String) throws {
            if !ok { throw ScopeKitError.usage(message()) }
        }
        try check(range >= 1, "range must be ≥ 1, got \(range)")
        try check(outerIterations >= 0, "outer iterations must be ≥ 0, got \(outerIterations)")
        try check(outerRegularization >= 0 && outerRegularization <= 1,
                  "outer regularisation must be in [0, 1], got \(outerRegularization)")
        try check(innerIterations >= 0, "inner iterations must be ≥ 0, got \(innerIterations)")
        try check(innerRegularization >= 0 && innerRegularization <= 1,
                  "inner regularisation must be in [0, 1], got \(innerRegularization)")
        try check(localEstimates >= 1, "number of local estimates must be ≥ 1, got \(localEstimates)")
        try check(minimumSectionThickness >= 0 && minimumSectionThickness.isFinite,
                  "minimum section thickness must be ≥ 0, got \(minimumSectionThickness)")
        try check(minimumCorrelation.isFinite && minimumCorrelation < 1,
                  "minimum correlation must be < 1, got \(minimumCorrelation)")
        try check(xyScale > 0 && xyScale <= 1, "xy scale must be in (0, 1], got \(xyScale)")
    }
}
