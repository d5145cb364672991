import ScopeKitCore

/// The result of a BaSiC fit: the shading profiles and the per-image baseline.
///
/// The model of image n is `I_n(x) = B_n · S(x) + D(x) + E_n(x)`, with S the flat-field (mean 1), D the
/// dark-field and B_n the baseline. Profiles have the frame shape of the fitted images.
///
/// ```swift
/// let profiles = try BaSiC.fit(images: stack)       // stack: [T, Y, X]
/// let corrected = try BaSiC.transform(stack, profiles: profiles)
/// ```
public struct BaSiCProfiles: Sendable, Equatable {
    /// The flat-field S, shape [Y, X], mean 1 at the working size.
    public var flatfield: NDArray<Float>
    /// The dark-field D, shape [Y, X]; zero unless the fit estimated it.
    public var darkfield: NDArray<Float>
    /// The per-image baseline B, shape [T] (BaSiCPy `basic.baseline`).
    public var baseline: NDArray<Float>
    /// How the fit went (iteration counts and scores).
    public var report: BaSiCFitReport

    /// Profiles from known arrays (e.g. loaded from `profiles.npz`).
    public init(flatfield: NDArray<Float>, darkfield: NDArray<Float>, baseline: NDArray<Float>,
                report: BaSiCFitReport = BaSiCFitReport()) {
        self.flatfield = flatfield
        self.darkfield = darkfield
        self.baseline = baseline
        self.report = report
    }
}

/// Diagnostics of a BaSiC fit (BaSiCPy's `score`, `reweight_score` and its log messages).
public struct BaSiCFitReport: Sendable, Equatable {
    /// Inner ADMM iterations of every reweighting round.
    public var innerIterations: [Int] = []
    /// Whether the last round's inner loop met its tolerance before `max_iterations`.
    public var converged: Bool = false
    /// Whether the reweighting met `reweighting_tol` (BaSiCPy warns "Reweighting did not converge").
    public var reweightingConverged: Bool = false
    /// ‖residual‖ / ‖images‖ after the last round (BaSiCPy `score`).
    public var score: Double = 0
    /// The last relative change of the profiles (BaSiCPy `reweight_score`); 0 after a single round.
    public var reweightScore: Double = 0
    /// λ values actually used (flat-field, dark-field, dark-field sparsity).
    public var smoothnessFlatfield: Double = 0
    public var smoothnessDarkfield: Double = 0
    public var sparseCostDarkfield: Double = 0
    /// The working size the fit ran at (rows, columns), with the planes first for z-stacks.
    public var workingShape: [Int] = []

    /// An empty report.
    public init() {}
}
