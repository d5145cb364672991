import ScopeKitCore

/// AFM/SPM background levelling of height images `[rows, cols]` and movies `[frames, rows, cols]`.
///
/// Every function levels each frame independently (frames in parallel) in Float64 and returns an array of
/// the input's type. Masks use ScopeKit's convention (`true` = used for fitting); NanoLocz NaN masks convert
/// with `Mask(validWhereFinite:)`. Non-finite pixels are never used and stay non-finite.
///
/// ```swift
/// var img = try Levelling.plane(raw, xOrder: 2, yOrder: 2)                        // 2-D least squares
/// img = try Levelling.plane(raw, xOrder: 1, yOrder: 1, method: .nanoLocz)         // NanoLocz plane
/// img = try Levelling.medianLine(img)                                             // NanoLocz med_line
/// let movie = try Levelling.run(.iterativeFitPeaks, on: stack)
/// ```
public enum Levelling {
    /// Subtracts a polynomial background of orders `xOrder` (along columns) and `yOrder` (along rows).
    ///
    /// - Parameters:
    ///   - method: `.leastSquares(.tensor)` (default, Gwyddion "Polynomial Background" with cross terms),
    ///     `.leastSquares(.totalDegree)`, or `.nanoLocz` (separable column-/row-mean profile fits; matches
    ///     pnanolocz `level_plane`, which leaves the frame unchanged with ≤ 5 used pixels or fewer used columns
    ///     than `xOrder + 1`).
    ///   - mask: `true` = used; image- or frame-shaped.
    /// - Throws: ``ScopeKitError/usage(_:)`` for negative orders or least-squares orders ≥ the image size.
    /// - Complexity: O(pixels·(xOrder+1)² + rows·terms²) for least squares, O(pixels) for `.nanoLocz`.
    public static func plane<T: LevellingScalar>(_ image: NDArray<T>, xOrder: Int = 1, yOrder: Int = 1,
                                                 method: PlaneMethod = .leastSquares(.tensor),
                                                 mask: Mask? = nil) throws -> NDArray<T> {
        try LevellingPipeline(steps: [.plane(xOrder: xOrder, yOrder: yOrder, method: method)])
            .run(on: image, mask: mask).levelled
    }

    /// NanoLocz `line`: per-row polynomials of `xOrder` (rows with ≤ xOrder + 8 used pixels subtract the
    /// column-wise median of the other rows' curves), then, if `yOrder > 0`, per-column polynomials.
    ///
    /// - Parameter compatibility: how a column with too few used pixels is handled in the y stage
    ///   (`.corrected`: needs yOrder + 9 pixels, else left; `.pnanolocz`: needs yOrder + 1, else restored to
    ///   the input; `.matlab`: needs yOrder + 9, else NanoLocz's bug: row j restored instead of column j).
    public static func line<T: LevellingScalar>(_ image: NDArray<T>, xOrder: Int = 1, yOrder: Int = 0,
                                                compatibility: NanoLoczCompatibility = .corrected,
                                                mask: Mask? = nil) throws -> NDArray<T> {
        try LevellingPipeline(steps: [.line(xOrder: xOrder, yOrder: yOrder, compatibility: compatibility)])
            .run(on: image, mask: mask).levelled
    }

    /// NanoLocz `med_line` (rows) or `med_line_y` (columns): each line with more than 10 used pixels becomes
    /// `line − strength·median(line) + median(frame)`; `strength` < 1 corrects partially (NanoLocz uses 0.6).
    public static func medianLine<T: LevellingScalar>(_ image: NDArray<T>, direction: LineDirection = .rows,
                                                      strength: Double = 1, mask: Mask? = nil) throws -> NDArray<T> {
        try LevellingPipeline(steps: [.medianLine(direction: direction, strength: strength)])
            .run(on: image, mask: mask).levelled
    }

    /// NanoLocz `smed_line`: removes row jumps but keeps slow y trends (row medians minus their moving median
    /// over `window` rows, MATLAB `movmedian` windows; `.pnanolocz` uses pnanolocz's edge windows).
    public static func smoothedMedianLine<T: LevellingScalar>(_ image: NDArray<T>, window: Int = 10,
                                                              compatibility: NanoLoczCompatibility = .corrected,
                                                              mask: Mask? = nil) throws -> NDArray<T> {
        try LevellingPipeline(steps: [.smoothedMedianLine(window: window, compatibility: compatibility)])
            .run(on: image, mask: mask).levelled
    }

    /// NanoLocz `mean_plane`: subtracts the mean of the used pixels.
    public static func meanPlane<T: LevellingScalar>(_ image: NDArray<T>, mask: Mask? = nil) throws -> NDArray<T> {
        try LevellingPipeline(steps: [.meanPlane]).run(on: image, mask: mask).levelled
    }

    /// Gwyddion "Align Rows" (and TopoStats' quantile) along rows or columns.
    ///
    /// - Parameter keepMean: keep the image mean (Gwyddion) rather than zeroing each line's statistic
    ///   (TopoStats `median_flatten`).
    public static func alignRows<T: LevellingScalar>(_ image: NDArray<T>, method: RowAlignment = .median,
                                                     direction: LineDirection = .rows, keepMean: Bool = true,
                                                     mask: Mask? = nil) throws -> NDArray<T> {
        try LevellingPipeline(steps: [.alignRows(method, direction: direction, keepMean: keepMean)])
            .run(on: image, mask: mask).levelled
    }

    /// Gwyddion "Remove Scars": horizontal streaks found as in ``ScarOptions`` are replaced by linear
    /// interpolation between the rows above and below (``ScarOptions/topoStats`` for TopoStats' defaults).
    ///
    /// ```swift
    /// let clean = try Levelling.removeScars(image, options: ScarOptions(polarity: .both))
    /// ```
    /// - Complexity: O(pixels × maximumWidth × iterations).
    public static func removeScars<T: LevellingScalar>(_ image: NDArray<T>, options: ScarOptions = ScarOptions())
        throws -> NDArray<T> {
        try LevellingPipeline(steps: [.removeScars(options)]).run(on: image).levelled
    }

    /// The scar mask (true = not a scar) of each frame (Gwyddion "Mark Scars", inverted to ScopeKit's
    /// true = used convention).
    public static func scarMask<T: LevellingScalar>(_ image: NDArray<T>, options: ScarOptions = ScarOptions())
        throws -> Mask {
        guard let m = try LevellingPipeline(steps: [.markScars(options)]).run(on: image, returnMask: true).mask else {
            throw ScopeKitError.processing("mask was not produced")
        }
        return m
    }

    /// NanoLocz trace/retrace line shift: odd rows moved by `pixels` columns, or by the best shift within
    /// `±maximum` per frame when `pixels` is nil.
    ///
    /// - Complexity: O(pixels) with a given shift, O(pixels × maximum) when estimated.
    public static func lineShift<T: LevellingScalar>(_ image: NDArray<T>, pixels: Int? = nil, maximum: Int = 8)
        throws -> NDArray<T> {
        try LevellingPipeline(steps: [.lineShift(pixels: pixels, maximum: maximum)]).run(on: image).levelled
    }

    /// NanoLocz `log_y` creep correction (pnanolocz `level_log_y`): a fitted `a·log(c·t + b)` row profile is
    /// subtracted; `scale` is NanoLocz's `polyy` (time-axis scale).
    ///
    /// - Complexity: O(pixels + rows × iterations).
    public static func creep<T: LevellingScalar>(_ image: NDArray<T>, scale: Double = 1,
                                                 orientation: CreepOrientation = .auto) throws -> NDArray<T> {
        try LevellingPipeline(steps: [.creep(scale: scale, orientation: orientation)]).run(on: image).levelled
    }

    /// Runs a NanoLocz automatic routine (see ``LevellingRoutine``).
    public static func run<T: LevellingScalar>(_ routine: LevellingRoutine, on image: NDArray<T>,
                                               compatibility: NanoLoczCompatibility = .corrected,
                                               statistics: StatisticsScope = .wholeMovie,
                                               mask: Mask? = nil) throws -> NDArray<T> {
        try routine.pipeline(compatibility: compatibility, statistics: statistics).run(on: image, mask: mask).levelled
    }

    /// The mask a rule computes on each frame (true = used), e.g. to save or display it.
    public static func mask<T: LevellingScalar>(_ image: NDArray<T>, rule: MaskRule) throws -> Mask {
        guard let m = try LevellingPipeline(steps: [.mask(rule)]).run(on: image, returnMask: true).mask else {
            throw ScopeKitError.processing("mask was not produced")
        }
        return m
    }
}
