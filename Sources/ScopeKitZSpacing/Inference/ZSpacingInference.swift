import ScopeKitCore
import ScopeKitIO

/// Z-spacing correction of serial-section stacks (Hanslovsky, Bogovic & Saalfeld): estimate the true
/// z-position of every section from the similarity of neighbouring sections.
///
/// The model: a section quality factor s and one monotone similarity curve f with
/// s_i·s_j·C_ij ≈ f(|x_i − x_j|). Each outer iteration works in the current sorted order:
/// 1. FIT f from the matrix scaled by the previous factors, sampled at integer distances in the current
///    corrected coordinates (`CorrelationFit`);
/// 2. SCALE: damped Gauss–Seidel sweeps for s on the unscaled matrix (`ScalingFactors`);
/// 3. SHIFT: every section votes positions for its neighbours through f⁻¹; mean votes are applied with
///    step 1 − outer regularisation (`ShiftCoordinates`);
/// 4. without reordering, enforce increasing positions (minimum thickness); renormalise (BORDER: first → 0,
///    last → N − 1).
///
/// Sections are ordered by a stable argsort (ties keep input order). Sections that never receive a vote
/// (all their similarities NaN, e.g. constant or all-NaN sections) keep their position from the previous
/// iteration; their ``ZSpacingResult/uncertainty`` is NaN.
///
/// ```swift
/// let matrix = try ZSpacing.similarity(of: stack)                          // NCC, R = 10
/// let result = try ZSpacing.estimatePositions(from: matrix, options: .frozenQuality)
/// let corrected = try ZSpacingRenderer.render(stack, result: result)
/// ```
///
/// Follows saalfeldlab/z-spacing 1.1.3 `InferFromMatrix.estimateZCoordinates` (global or local correlation
/// fit, weighted-average mediator, unit weights); differs: the averaged curve is made monotone before it is
/// inverted and the quality-factor window is symmetric (both undone by ``ZSpacingOptions/fijiCompatible``);
/// the curve is fitted to the matrix scaled by the previous factors everywhere (the plugin rescales only the
/// band of the previous order); only finite shifts are applied; sections are sorted stably instead of through
/// a `TreeMap` that drops ties; optional end normalisation and per-section uncertainty are additions.
///
/// - Complexity: O(I·N·R·(inner iterations + log N)) for I outer iterations; memory O(N·R).
public enum ZSpacing {
    /// Estimates the corrected position of every section from a banded similarity matrix.
    ///
    /// - Parameters:
    ///   - matrix: the similarity matrix (diagonal 1, NaN where unknown).
    ///   - options: the inference parameters (``ZSpacingOptions/fiji`` by default).
    ///   - progress: advanced once per outer iteration.
    /// - Returns: positions, permutations, uncertainty, the fitted curve and the quality factors.
    /// - Throws: ``ScopeKitError/usage(_:)`` for invalid options, ``ScopeKitError/badInput(_:file:)`` for an
    ///   empty matrix.
    public static func estimatePositions(from matrix: BandedMatrix, options: ZSpacingOptions = .fiji,
                                         progress: WorkProgress? = nil) throws -> ZSpacingResult {
        try options.validate()
        let n = matrix.count
        guard n > 0 else { throw ScopeKitError.badInput("the stack has no sections") }
        let w = InferenceWorkspace(matrix: matrix, range: options.range, localEstimates: options.localEstimates)
        let monotoneCurve = !options.fijiCompatible
        for _ in 0..<options.outerIterations {
            sortByPosition(w)
            for i in 0..<n {
                w.xs[i] = w.x[w.order[i]]
                w.ss[i] = w.s[w.order[i]]
                w.sPrevious[i] = w.ss[i]
            }
            fillBand(w)
            CorrelationFit.estimate(w, forceMonotonicity: options.forceMonotonicity, monotoneCurve: monotoneCurve)
            ScalingFactors.estimate(w, iterations: options.innerIterations, regularization: options.innerRegularization,
                                    target: options.qualityTarget, fijiWindow: options.fijiCompatible)
            ShiftCoordinates.collect(w, forceMonotonicity: options.forceMonotonicity,
                                     minimumCorrelation: options.minimumCorrelation, fijiInverse: options.fijiCompatible)
            ShiftCoordinates.apply(w, proportion: options.shiftProportion)
            if !options.allowReordering {
                PositionNormalization.preventReorder(w.xs, minimumThickness: options.minimumSectionThickness)
            }
            w.lastNormalizationScale = PositionNormalization.normalize(w.xs, options.normalization)
            for i in 0..<n {
                w.x[w.order[i]] = w.xs[i]
                w.s[w.order[i]] = w.ss[i]
            }
            progress?.advance()
        }
        return makeResult(w, options: options)
    }

    /// The NCC similarity matrix of an in-memory stack with the options' range and xy scale.
    ///
    /// See ``SectionSimilarity/matrix(of:range:xyScale:progress:)-(NDArray<Float>,_,_,_)``.
    public static func similarity(of stack: NDArray<Float>, options: ZSpacingOptions = .fiji,
                                  progress: WorkProgress? = nil) throws -> BandedMatrix {
        try options.validate()
        return try SectionSimilarity.matrix(of: stack, range: options.range, xyScale: options.xyScale, progress: progress)
    }

    /// The NCC similarity matrix of a stack streamed from a file with the options' range and xy scale.
    public static func similarity(of file: any ImageFile, options: ZSpacingOptions = .fiji,
                                  progress: WorkProgress? = nil) throws -> BandedMatrix {
        try options.validate()
        return try SectionSimilarity.matrix(of: file, range: options.range, xyScale: options.xyScale, progress: progress)
    }

    // MARK: Steps

    /// Stable argsort of `x` into `order` (kept when `x` is already sorted).
    static func sortByPosition(_ w: InferenceWorkspace) {
        let n = w.n
        var sorted = true
        for i in 1..<Swift.max(n, 1) where w.x[i] < w.x[i - 1] || w.x[i].isNaN {
            sorted = false
            break
        }
        if sorted {
            for i in 0..<n { w.order[i] = i }
            return
        }
        let x = w.x
        let indices = (0..<n).sorted { a, b in
            let xa = x[a], xb = x[b]
            return xa < xb || (xa == xb && a < b) || (!xa.isNaN && xb.isNaN) || (xa.isNaN && xb.isNaN && a < b)
        }
        for i in 0..<n { w.order[i] = indices[i] }
    }

    /// The unscaled matrix in sorted order, band of R.
    static func fillBand(_ w: InferenceWorkspace) {
        let n = w.n, r = w.r, bw = w.bw
        for i in 0..<n {
            let oi = w.order[i]
            for d in -r...r {
                let k = i + d
                w.band[i * bw + r + d] = d == 0 ? 1 : (k < 0 || k >= n ? .nan : w.entry(oi, w.order[k]))
            }
        }
    }

    static func makeResult(_ w: InferenceWorkspace, options: ZSpacingOptions) -> ZSpacingResult {
        let n = w.n
        var positions = Array(w.x)
        // Uncertainty: spread of the final iteration's votes (sorted order of that iteration), in output units.
        var uncertainty = [Double](repeating: .nan, count: n)
        let scale = abs(w.lastNormalizationScale)
        if options.outerIterations > 0 {
            for i in 0..<n where w.voteCounts[i] >= 2 {
                let c = w.voteCounts[i], mean = w.votes[i] / c
                let variance = Swift.max(0, w.voteSquares[i] / c - mean * mean)
                uncertainty[w.order[i]] = variance.squareRoot() * scale
            }
        }
        var backward = Array(0..<n)
        if options.allowReordering || options.normalizeEnds {
            backward.sort { a, b in positions[a] < positions[b] || (positions[a] == positions[b] && a < b) }
        }
        if options.normalizeEnds {
            let sorted = backward.map { positions[$0] }
            let fixed = PositionNormalization.normalizeEnds(sorted, range: w.r)
            for (k, i) in backward.enumerated() { positions[i] = fixed[k] }
        }
        var sorted = positions
        var forward = Array(0..<n)
        if options.allowReordering {
            sorted = backward.map { positions[$0] }
            for (k, i) in backward.enumerated() { forward[i] = k }
        } else {
            backward = Array(0..<n)
        }
        // Curves (from the last FIT, sorted order → input order for local curves).
        let stride = w.r + 1
        let curve = options.outerIterations > 0 ? Array(UnsafeBufferPointer(start: w.curves.baseAddress!, count: stride))
                                                : [1.0] + [Double](repeating: .nan, count: w.r)
        var local: [[Double]] = []
        if w.curveStride != 0 && options.outerIterations > 0 {
            local = [[Double]](repeating: [], count: n)
            for i in 0..<n { local[w.order[i]] = Array(UnsafeBufferPointer(start: w.curve(i), count: stride)) }
        }
        return ZSpacingResult(positions: positions, sortedPositions: sorted, forwardPermutation: forward,
                              backwardPermutation: backward, uncertainty: uncertainty, curve: curve,
                              localCurves: local, scalingFactors: Array(w.s), range: w.r)
    }
}
