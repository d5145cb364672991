import ScopeKitCore

extension BaSiC {
    /// How the inner ADMM problem is solved.
    public enum FittingMode: String, Sendable, CaseIterable {
        /// Linearised ADMM with adaptive penalty (BaSiCPy's default in 1.2.0): user λ values are used as given.
        case ladmap
        /// The original BaSiC `inexact_alm_rspca_l1` scheme: λ values are derived from the mean image.
        case approximate
    }

    /// The fit resolution (rows × columns). Images are resized to it before fitting and the profiles back.
    public struct WorkingSize: Sendable, Equatable, CustomStringConvertible {
        /// Rows of the working image.
        public var rows: Int
        /// Columns of the working image.
        public var columns: Int

        /// A working size of `rows` × `columns` pixels.
        public init(rows: Int, columns: Int) {
            self.rows = rows
            self.columns = columns
        }

        /// A square working size (BaSiCPy `working_size=n`).
        public static func square(_ n: Int) -> WorkingSize { WorkingSize(rows: n, columns: n) }

        public var description: String { "\(rows)x\(columns)" }
    }

    /// Parameters of the BaSiC fit, named and defaulted as in BaSiCPy 1.2.0.
    ///
    /// ```swift
    /// var p = BaSiC.Parameters()                 // BaSiC() in BaSiCPy 1.2.0: ladmap, 128², flat-field only
    /// p.fittingMode = .approximate
    /// p.getDarkfield = true
    /// let profiles = try BaSiC.fit(images: stack, parameters: p)
    /// ```
    public struct Parameters: Sendable, Equatable {
        /// `fitting_mode` (default ``FittingMode/ladmap``).
        public var fittingMode: FittingMode = .ladmap
        /// `get_darkfield`: also estimate the additive dark-field (default false).
        public var getDarkfield: Bool = false
        /// `epsilon`: floor of the reweighting (default 0.1).
        public var epsilon: Double = 0.1
        /// `smoothness_flatfield`: DCT-L1 weight of the flat-field (default 1).
        public var smoothnessFlatfield: Double = 1
        /// `smoothness_darkfield`: DCT-L1 weight of the dark-field (default 1).
        public var smoothnessDarkfield: Double = 1
        /// `sparse_cost_darkfield`: spatial L1 weight of the dark-field (default 0.01).
        public var sparseCostDarkfield: Double = 0.01
        /// `max_iterations`: inner ADMM iterations per reweighting (default 500).
        public var maxIterations: Int = 500
        /// `optimization_tol`: inner stop on ‖residual‖ / ‖images‖ (default 1e-3).
        public var optimizationTolerance: Double = 1e-3
        /// `optimization_tol_diff`: inner stop on the relative update size, ladmap only (default 1e-2).
        public var optimizationToleranceDiff: Double = 1e-2
        /// `max_reweight_iterations` (default 10).
        public var maxReweightIterations: Int = 10
        /// `max_reweight_iterations_baseline`: rounds of the baseline-only refit (default 5).
        public var maxReweightIterationsBaseline: Int = 5
        /// `reweighting_tol`: outer stop on the relative change of the profiles (default 1e-2).
        public var reweightingTolerance: Double = 1e-2
        /// `working_size` (default 128²); `nil` fits at the original resolution.
        public var workingSize: WorkingSize? = .square(128)
        /// `autosegment`: fit only on pixels darker than the Otsu threshold of the stack, eroded by
        /// ``autosegmentMargin`` (default false).
        public var autosegment: Bool = false
        /// `autosegment_margin`: erosion radius in working-size pixels (default 10).
        public var autosegmentMargin: Int = 10
        /// `sort_intensity`: sort every pixel's values over the images before fitting, then refit the baseline
        /// on the unsorted images (default false).
        public var sortIntensity: Bool = false
        /// `max_workers`: threads used by the fit; `nil` uses ``Parallel/threadCount``. Results do not depend on it.
        public var maxWorkers: Int? = nil
        /// `rho`: growth factor of the ADMM penalty μ (default 1.5).
        public var rho: Double = 1.5
        /// `mu_coef`: initial μ coefficient (default 12.5).
        public var muCoefficient: Double = 12.5
        /// `max_mu_coef`: μ is capped at its initial value times this (default 1e7).
        public var maxMuCoefficient: Double = 1e7

        /// The BaSiCPy 1.2.0 defaults.
        public init() {}

        /// Throws ``ScopeKitError/usage(_:)`` for out-of-range values.
        func validate() throws {
            func check(_ ok: Bool, _ message: @autoclosure () -> String) throws {
                if !ok { throw ScopeKitError.usage(message()) }
            }
            try check(epsilon > 0 && epsilon.isFinite, "BaSiC: epsilon must be positive, got \(epsilon)")
            try check(smoothnessFlatfield >= 0 && smoothnessFlatfield.isFinite,
                      "BaSiC: smoothness_flatfield must be ≥ 0, got \(smoothnessFlatfield)")
            try check(smoothnessDarkfield >= 0 && smoothnessDarkfield.isFinite,
                      "BaSiC: smoothness_darkfield must be ≥ 0, got \(smoothnessDarkfield)")
            try check(sparseCostDarkfield >= 0 && sparseCostDarkfield.isFinite,
                      "BaSiC: sparse_cost_darkfield must be ≥ 0, got \(sparseCostDarkfield)")
            try check(maxIterations >= 1, "BaSiC: max_iterations must be ≥ 1, got \(maxIterations)")
            try check(maxReweightIterations >= 1,
                      "BaSiC: max_reweight_iterations must be ≥ 1, got \(maxReweightIterations)")
            try check(maxReweightIterationsBaseline >= 1,
                      "BaSiC: max_reweight_iterations_baseline must be ≥ 1, got \(maxReweightIterationsBaseline)")
            try check(optimizationTolerance >= 0 && optimizationToleranceDiff >= 0 && reweightingTolerance >= 0,
                      "BaSiC: tolerances must be ≥ 0")
            if let w = workingSize {
                try check(w.rows >= 1 && w.columns >= 1, "BaSiC: working size must be ≥ 1, got \(w)")
            }
            try check(autosegmentMargin >= 0, "BaSiC: autosegment_margin must be ≥ 0, got \(autosegmentMargin)")
            try check((maxWorkers ?? 1) >= 1, "BaSiC: max_workers must be ≥ 1")
            try check(rho >= 1 && muCoefficient > 0 && maxMuCoefficient >= 1,
                      "BaSiC: rho ≥ 1, mu_coef > 0 and max_mu_coef ≥ 1 are required")
        }

        /// The thread count the fit uses.
        var workers: Int { Swift.max(1, maxWorkers ?? Parallel.threadCount) }
    }
}
