import ScopeKitCore

/// Which reference's numbers a NanoLocz-style operation reproduces where the references disagree.
///
/// - `corrected`: ScopeKit's behaviour (default): documented fixes of NanoLocz quirks.
/// - `pnanolocz`: pnanolocz 0.1.0's numbers (the parity oracle of the tests).
/// - `matlab`: NanoLocz's MATLAB `level.m` where it differs from pnanolocz (e.g. the `line` y-stage bug that
///   resets *row* j instead of column j when a column has too few points).
public enum NanoLoczCompatibility: String, Codable, Sendable, CaseIterable {
    case corrected, pnanolocz, matlab
}

/// The 2-D polynomial terms of a least-squares background.
public enum PolynomialTerms: String, Codable, Sendable, CaseIterable {
    /// `xⁱyʲ` with `i ≤ xOrder`, `j ≤ yOrder` (Gwyddion "independent degrees", with cross terms).
    case tensor
    /// `xⁱyʲ` with `i ≤ xOrder`, `j ≤ yOrder` and `i + j ≤ max(xOrder, yOrder)` (Gwyddion "limited total
    /// degree").
    case totalDegree
}

/// How a plane (polynomial background) is fitted.
public enum PlaneMethod: Codable, Sendable, Equatable {
    /// NanoLocz `plane`: separable — a polynomial fitted to the masked column means (x), subtracted, then one
    /// fitted to the masked row means (y). No cross terms; every column weighs the same whatever its mask count.
    /// Matches pnanolocz 0.1.0 `level_plane` to rounding.
    case nanoLocz
    /// A true 2-D masked least-squares polynomial (Legendre basis on scaled coordinates, normal equations solved
    /// by Cholesky), subtracted in full. Follows Gwyddion "Polynomial Background".
    case leastSquares(PolynomialTerms)
}

/// The direction of line operations: `rows` = along x (each row is a line), `columns` = along y.
public enum LineDirection: String, Codable, Sendable, CaseIterable {
    case rows, columns
}

/// Row (line) alignment methods: Gwyddion "Align Rows" plus TopoStats' quantile.
public enum RowAlignment: Codable, Sendable, Equatable {
    /// Offset = median of the line's used pixels (Gwyddion "Median").
    case median
    /// Offset = mean (Gwyddion trimmed mean with fraction 0, pySPM `correct_lines`).
    case mean
    /// Offset = quantile `q` in [0, 1] (TopoStats `row_alignment_quantile`, numpy linear interpolation).
    case quantile(Double)
    /// Offset = mean after dropping `⌊fraction·n⌋` values at each end (Gwyddion "Trimmed mean"; 0.5 = median).
    case trimmedMean(Double)
    /// Offset = Gwyddion "Modus": mean of the middle third of the narrowest window of ⌈√n⌉ sorted values.
    case modus
    /// Median of differences between neighbouring lines, cumulated, linear trend removed (Gwyddion).
    case medianOfDifferences
    /// Trimmed mean of differences between neighbouring lines, cumulated, linear trend removed (Gwyddion).
    case trimmedMeanOfDifferences(Double)
    /// Per-line polynomial of `degree`, the frame's used mean re-added (Gwyddion "Polynomial").
    case polynomial(degree: Int)
    /// Gwyddion "Matching": each line's shift against the previous one is the mean of their differences
    /// weighted by `exp(−d²/2q)` of the mixed second difference `d` (flat areas count most), cumulated.
    case matching
    /// Gwyddion "Facet-level tilt": per line, up to 30 times, subtract the weighted mean slope (weights
    /// `exp(−200·v²/mean v²)` of the pixel-to-pixel slopes `v`) about the line centre. Removes tilt, not offsets.
    case facetTilt
}

/// Where a mask's statistics come from in a movie.
public enum StatisticsScope: String, Codable, Sendable, CaseIterable {
    /// Each frame's own statistics (pnanolocz `level_auto`).
    case perFrame
    /// One histogram over the whole movie (NanoLocz MATLAB `level_auto` Gaussian routines).
    case wholeMovie
}

/// The unit of the half-width of a Gaussian mask band.
public enum GaussianWidth: String, Codable, Sendable, CaseIterable {
    /// `multiplier × σ` (the standard deviation of the fitted Gaussian).
    case sigma
    /// `multiplier × c1` with MATLAB `gauss1`'s `c1 = √2·σ`: NanoLocz's "1.5σ" band is 1.5·c1 = 2.12σ.
    case nanoLocz
}

/// Which side(s) of a Gaussian band a mask keeps.
public enum GaussianKeep: String, Codable, Sendable, CaseIterable {
    /// `center − w ≤ z ≤ center + w` (NanoLocz "high-low (fit)").
    case band
    /// `z ≥ center − w` (NanoLocz "holes": deep pits excluded).
    case aboveLower
    /// `z ≤ center + w` (NanoLocz "peaks": tall features excluded).
    case belowUpper
}

/// A rule that computes a mask (true = used) from a frame's heights.
public enum MaskRule: Codable, Sendable, Equatable {
    /// Keep `low ≤ z ≤ high` (NanoLocz "histogram" and "mask with z-scale"); `nil` = unbounded.
    case range(low: Double?, high: Double?)
    /// Fit a Gaussian to the `bins`-bin histogram of the finite heights (started like pnanolocz: the highest
    /// count, the mean and the standard deviation) and keep a band of `multiplier` widths.
    case gaussian(multiplier: Double, width: GaussianWidth, keep: GaussianKeep, scope: StatisticsScope, bins: Int)
    /// Otsu's threshold (scikit-image `threshold_otsu`, as pnanolocz uses): keep `z ≤ t` (background below
    /// the features), or `z > t` when `keepAbove`.
    case otsu(bins: Int, keepAbove: Bool)
    /// Two-level Otsu (scikit-image `threshold_multiotsu`, 3 classes): keep the middle class `t0 < z ≤ t1`
    /// (NanoLocz "2 level otsu").
    case otsuTwoLevel(bins: Int)
    /// Keep `|z − mean| ≤ k·rms` (Gwyddion "Mark Outliers" with k = 3, inverted to the used pixels).
    case outliers(k: Double)
    /// NanoLocz `thresholder` "auto edges" (SPIW-derived, as pnanolocz 0.1.0): Sobel gradient energy
    /// `2·gx² + gy²` of the σ = 2 Gaussian-smoothed heights above `min + factor·(mean − min)`, cleaned and
    /// thickened with diamonds of `radius`; the edges are excluded. See ``Levelling/edgeMask(_:rule:)``.
    case autoEdges(factor: Double, radius: Int)
    /// NanoLocz "otsu edges": the perimeter of the smoothed heights above Otsu's threshold (`bins` bins),
    /// cleaned and dilated by a disk of radius 2; the edges are excluded.
    case otsuEdges(bins: Int)
    /// NanoLocz "hist edges": the perimeter of the smoothed heights outside `[low, high]`, dilated by a disk of
    /// radius 3; the edges are excluded.
    case histogramEdges(low: Double, high: Double)
}

/// NanoLocz's anisotropy gate: after the first plane(1,1) of the "iterative 1 nm" routines, if
/// std(row means) > `factor`·std(column means), apply an unmasked median line of `strength`.
public struct AnisotropyGate: Codable, Sendable, Equatable {
    public var factor: Double
    public var strength: Double
    public init(factor: Double, strength: Double) {
        self.factor = factor
        self.strength = strength
    }
    /// NanoLocz MATLAB: ratio > 7 → full median line; > 5 → strength 0.6.
    public static let matlab = [AnisotropyGate(factor: 7, strength: 1), AnisotropyGate(factor: 5, strength: 0.6)]
    /// pnanolocz 0.1.0 returns after testing the first gate, so only "> 7 → full median line" acts.
    public static let pnanolocz = [AnisotropyGate(factor: 7, strength: 1)]
}

/// When an iterated block of steps stops.
public struct Convergence: Codable, Sendable, Equatable {
    /// Stop when fewer than or exactly this many mask pixels changed since the previous iteration.
    public var maximumChangedPixels: Int
    /// Stop after this many iterations at most.
    public var maximumIterations: Int
    public init(maximumChangedPixels: Int = 0, maximumIterations: Int = 10) {
        self.maximumChangedPixels = maximumChangedPixels
        self.maximumIterations = maximumIterations
    }
}
