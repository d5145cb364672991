import Foundation
import ScopeKitCore
import ScopeKitIO

/// A JSON-ready summary of a z-spacing run: the options, the stack, the range actually used, timings and
/// statistics of the corrected spacing (what the CLI writes as `summary.json`).
///
/// ```swift
/// var summary = ZSpacingSummary(result: result, options: options)
/// summary.seconds["inference"] = 0.12
/// try summary.write(to: folder.appendingPathComponent("summary.json"))
/// ```
public struct ZSpacingSummary: Sendable, Equatable, Codable {
    /// Minimum, maximum, mean and standard deviation of a list of numbers (NaN-free; all NaN when empty).
    public struct Statistics: Sendable, Equatable, Codable {
        public var minimum: Double
        public var maximum: Double
        public var mean: Double
        public var standardDeviation: Double

        /// The statistics of the finite values.
        public init(_ values: [Double]) {
            let v = values.filter(\.isFinite)
            guard !v.isEmpty else {
                (minimum, maximum, mean, standardDeviation) = (.nan, .nan, .nan, .nan)
                return
            }
            minimum = v.min()!
            maximum = v.max()!
            mean = v.reduce(0, +) / Double(v.count)
            let m = mean
            standardDeviation = (v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(v.count)).squareRoot()
        }
    }

    /// The input stack or folder (nil when only a matrix was given).
    public var input: String?
    /// The precomputed similarity matrix file, if one was given.
    public var matrix: String?
    /// The preset the options started from (`fiji`, `frozen`, `janelia`).
    public var preset: String?
    /// Every inference option.
    public var options: ZSpacingOptions
    /// Number of sections N.
    public var sections: Int
    /// Shape of one section (empty for matrix-only runs).
    public var sectionShape: [Int]
    /// Element type of the input stack (nil for matrix-only runs).
    public var inputType: String?
    /// The range requested (options.range).
    public var requestedRange: Int
    /// The range used: the requested one clamped to N − 1 (and to a strip matrix's own range).
    public var range: Int
    /// Spacing between consecutive sections in corrected order (nominal spacing = 1).
    public var spacing: Statistics
    /// Per-section uncertainty (spread of the final neighbour votes).
    public var uncertainty: Statistics
    /// Number of sections whose rank changed (0 without reordering).
    public var reorderedSections: Int
    /// Sections whose similarities were all NaN (constant or NaN sections): they got no information.
    public var sectionsWithoutVotes: Int
    /// Wall-clock seconds per stage (`similarity`, `inference`, `render`, `total`, …).
    public var seconds: [String: Double]
    /// The files written, relative to the output folder.
    public var outputs: [String]

    /// Builds the summary of `result`; timings and outputs start empty.
    public init(result: ZSpacingResult, options: ZSpacingOptions, preset: String? = nil, input: String? = nil,
                matrix: String? = nil, sectionShape: [Int] = [], inputType: DType? = nil) {
        self.input = input
        self.matrix = matrix
        self.preset = preset
        self.options = options
        sections = result.count
        self.sectionShape = sectionShape
        self.inputType = inputType?.name
        requestedRange = options.range
        range = result.range
        spacing = Statistics(result.spacings)
        uncertainty = Statistics(result.uncertainty)
        reorderedSections = result.forwardPermutation.enumerated().filter { $0.offset != $0.element }.count
        sectionsWithoutVotes = options.outerIterations == 0 ? 0 : result.uncertainty.filter(\.isNaN).count
        seconds = [:]
        outputs = []
    }

    /// Pretty, key-sorted JSON (NaN and ±∞ as the strings `"nan"`, `"inf"`, `"-inf"`).
    public func jsonText() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf",
                                                                      nan: "nan")
        do {
            return String(decoding: try encoder.encode(self), as: UTF8.self)
        } catch {
            throw ScopeKitError.processing("cannot encode the summary: \(error)")
        }
    }

    /// Writes ``jsonText()`` (plus a final newline) atomically.
    public func write(to url: URL, overwrite: Bool = false) throws {
        try OutputFile.write(Array((try jsonText() + "\n").utf8), to: url, overwrite: overwrite)
    }
}
