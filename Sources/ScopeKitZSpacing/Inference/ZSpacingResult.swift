/// The outcome of a z-spacing inference: one corrected position per section and what produced it.
///
/// Positions ("mapping" in Fiji's CSV) are in units of the nominal section spacing, in input order; with the
/// default BORDER normalisation the first and last sections (in sorted order) sit at 0 and N − 1.
///
/// ```swift
/// let r = try ZSpacing.estimatePositions(from: matrix)
/// r.positions[5]                  // corrected z of input section 5
/// r.backwardPermutation[0]        // the input section that comes first
/// try r.writeCSV(to: url)         // Fiji's columns
/// ```
public struct ZSpacingResult: Sendable, Equatable {
    /// Corrected position of every input section (Fiji's "mapping"), in nominal-spacing units.
    public var positions: [Double]
    /// The positions in increasing order (Fiji's "sorted mapping"); equal to ``positions`` when reordering
    /// was not allowed, as in the plugin.
    public var sortedPositions: [Double]
    /// `forwardPermutation[i]` = rank of input section i in the corrected order (identity without reordering).
    public var forwardPermutation: [Int]
    /// `backwardPermutation[k]` = the input section at rank k (identity without reordering).
    public var backwardPermutation: [Int]
    /// Beyond Fiji: spread (standard deviation) of the neighbour votes each section received in the final
    /// iteration, in output units; NaN for sections with fewer than two votes. Large values flag sections
    /// whose neighbours disagree about where they belong.
    public var uncertainty: [Double]
    /// The final similarity-versus-distance curve f[0…R] (f[0] = 1; NaN where no sample existed). With local
    /// estimates, the curve of the first window.
    public var curve: [Double]
    /// With local estimates, the curve of each section (input order); empty for a global fit.
    public var localCurves: [[Double]]
    /// Final per-section quality factors s (input order); all 1 when they were frozen.
    public var scalingFactors: [Double]
    /// The range R actually used (options.range clamped to N − 1).
    public var range: Int

    /// Creates a result from its parts (for loading saved positions or building render plans by hand).
    public init(positions: [Double], sortedPositions: [Double], forwardPermutation: [Int],
                backwardPermutation: [Int], uncertainty: [Double], curve: [Double], localCurves: [[Double]],
                scalingFactors: [Double], range: Int) {
        self.positions = positions
        self.sortedPositions = sortedPositions
        self.forwardPermutation = forwardPermutation
        self.backwardPermutation = backwardPermutation
        self.uncertainty = uncertainty
        self.curve = curve
        self.localCurves = localCurves
        self.scalingFactors = scalingFactors
        self.range = range
    }

    /// The number of sections.
    public var count: Int { positions.count }

    /// The spacing between consecutive sections in corrected order (N − 1 values).
    public var spacings: [Double] {
        guard sortedPositions.count > 1 else { return [] }
        return (1..<sortedPositions.count).map { sortedPositions[$0] - sortedPositions[$0 - 1] }
    }
}
