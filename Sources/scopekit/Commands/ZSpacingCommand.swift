import ArgumentParser
import Foundation
import ScopeKit

/// `scopekit zspacing IN -o OUTDIR`: z-spacing correction of a serial-section stack (Fiji "Z-Spacing
/// Correction" parity): similarity matrix, inferred positions, warped matrix, re-rendered stack, plots.
struct ZSpacingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zspacing",
        abstract: "Estimate the true z-position of every section of a serial-section stack and re-render it.",
        discussion: """
            IN is a stack (multi-page TIFF, OME-TIFF, NPY, or a folder of 2-D images), read one section at a
            time. --matrix FILE uses a precomputed similarity matrix instead (square N×N or Fiji strip
            N×(2R+1), divided by its maximum as in Fiji); with IN as well, IN is only rendered.
            Options start from --preset (fiji: the plugin's defaults; frozen: inner regularisation 1.0, what
            production FIB-SEM pipelines use; janelia: saalfeldlab/render's FIB-SEM settings); every option
            given on the command line overrides the preset. A --range larger than N−1 is clamped to N−1
            (summary.json reports requestedRange and range).
            Outputs in OUTDIR (each written atomically; existing files are refused without --force):
              positions.csv        Fiji's columns z-index,mapping,sorted mapping,forward permutation,backward permutation
              uncertainty.csv      z-index,mapping,uncertainty,scaling factor (spread of the final neighbour votes)
              matrix.tif           the similarity matrix, float32 N×N (NaN outside the band)
              warped-matrix.tif    the matrix in corrected coordinates, float32; warped-matrix.png a preview
              positions.png        corrected position vs section index, with the identity line
              corrected.tif        the re-rendered stack ((N−1)·U+1 slices, z calibration divided by U):
                                   integer input (uint8…int32) keeps its type, rounded and clipped; other
                                   input is written as float32
              summary.json         options, N, range, timings, spacing statistics (--json prints it)
            """)

    @Argument(help: "The input stack file or folder of sections.")
    var input: String?

    @Option(name: [.customShort("o"), .customLong("output")], help: "The output folder (created if missing).")
    var output: String

    @Option(help: "A precomputed similarity matrix (square or strip; TIFF, NPY, …).")
    var matrix: String?

    @Option(help: "Starting values of the options: fiji, frozen, janelia.")
    var preset: String = "fiji"

    @Option(help: "Neighbourhood range: sections compared on each side (Fiji 10).")
    var range: Int?

    @Option(help: "Outer iterations (Fiji 100).")
    var outerIterations: Int?

    @Option(help: "Outer regularisation in [0, 1]: 1 − the share of each shift applied (Fiji 0.4).")
    var outerRegularization: Double?

    @Option(help: "Inner iterations of the quality-factor estimate; 0 keeps them at 1 (Fiji 10).")
    var innerIterations: Int?

    @Option(help: "Inner regularisation in [0, 1]; 1 freezes the quality factors (Fiji 0.1).")
    var innerRegularization: Double?

    @Option(help: "What the inner regularisation pulls towards: previous (Fiji since 2017) or one (Fiji README).")
    var qualityTarget: String?

    @Flag(inversion: .prefixedNo, help: "Allow sections to change order (Fiji: on).")
    var reorder: Bool?

    @Option(help: "Number of local similarity curves (Fiji 1 = one global curve).")
    var localEstimates: Int?

    @Flag(inversion: .prefixedNo, help: "Accept only strictly decreasing similarities along each row (Fiji: on).")
    var forceMonotone: Bool?

    @Option(help: "Minimum section spacing kept when reordering is off (Fiji 1e-9).")
    var minimumThickness: Double?

    @Option(help: "Renormalisation after every iteration: border (Fiji), none, identity.")
    var normalization: String?

    @Option(help: "Downscale rows and columns by this factor in (0, 1] before the similarity (Fiji 1.0).")
    var xyScale: Double?

    @Flag(help: "Beyond Fiji: reset outlier spacings within 3·range of the stack ends (saalfeldlab/render).")
    var normalizeEnds = false

    @Flag(help: "Reproduce Fiji's numbers: raw curve inverse and the asymmetric quality-factor window.")
    var fijiCompatible = false

    @Option(help: "Render U slices per nominal section spacing.")
    var upsample: Int = 1

    @Flag(help: "Do not write corrected.tif.")
    var noRender = false

    @OptionGroup var outputOptions: OutputOptions
    @OptionGroup var common: CommonOptions

    func validate() throws {
        if upsample < 1 { throw ValidationError("--upsample must be at least 1") }
        if input == nil && matrix == nil { throw ValidationError("give an input stack or --matrix FILE") }
    }

    func run() throws {
        common.apply()
        let options = try inferenceOptions()
        let started = Date()
        let folder = URL(fileURLWithPath: output)
        let render = input != nil && !noRender
        let names = ["positions.csv", "uncertainty.csv", "matrix.tif", "warped-matrix.tif", "warped-matrix.png",
                     "positions.png"] + (render ? ["corrected.tif"] : []) + ["summary.json"]
        try prepare(folder, names)
        func url(_ name: String) -> URL { folder.appendingPathComponent(name) }
        let force = outputOptions.force
        var seconds: [String: Double] = [:]
        func timed<T>(_ stage: String, _ body: () throws -> T) rethrows -> T {
            let t = Date()
            defer { seconds[stage] = Date().timeIntervalSince(t) }
            return try body()
        }

        // Similarity.
        let stack = try input.map { try ZSpacing.openStack(URL(fileURLWithPath: $0)) }
        let similarity: BandedMatrix
        if let matrix {
            similarity = try timed("load matrix") { try ZSpacing.loadMatrix(URL(fileURLWithPath: matrix), range: options.range) }
            if let stack, stack.info.planeCount != similarity.count {
                throw ScopeKitError.badInput("the matrix has \(similarity.count) sections, the stack \(stack.info.planeCount)",
                                             file: input)
            }
        } else {
            let file = stack!
            let bar = Terminal.progress(total: file.info.planeCount, label: "similarity", quiet: common.quiet || common.json)
            similarity = try timed("similarity") {
                do { return try ZSpacing.similarity(of: file, options: options, progress: bar) }
                catch let e as ScopeKitError { throw e.file == nil ? e.attributed(to: input!) : e }
            }
        }
        if similarity.range < options.range && !common.quiet && !common.json {
            Terminal.printError("scopekit: note: --range \(options.range) clamped to \(similarity.range) for \(similarity.count) sections")
        }

        // Inference.
        let bar = Terminal.progress(total: options.outerIterations, label: "inference", quiet: common.quiet || common.json)
        let result = try timed("inference") { try ZSpacing.estimatePositions(from: similarity, options: options, progress: bar) }

        // Outputs.
        try timed("write") {
            try result.writeCSV(to: url("positions.csv"), overwrite: force)
            try result.writeUncertaintyCSV(to: url("uncertainty.csv"), overwrite: force)
            let write = WriteOptions(overwrite: force)
            try ImageIO.write(AnyArray(similarity.squareArray()), to: url("matrix.tif"), options: write)
            let warped = similarity.warped(by: result)
            try ImageIO.write(AnyArray(warped), to: url("warped-matrix.tif"), options: write)
            try PNG.write(try ZSpacingFigures.matrixPreview(warped), to: url("warped-matrix.png"), overwrite: force)
            try PNG.write(try ZSpacingFigures.positionsPlot(result), to: url("positions.png"), overwrite: force)
        }
        if render, let stack {
            let slices = ZSpacingRenderer.sliceCount(sections: result.count, upsample: upsample)
            let bar = Terminal.progress(total: slices, label: "render", quiet: common.quiet || common.json)
            try timed("render") {
                let corrected = try ZSpacingRenderer.renderStack(stack, result: result, upsample: upsample, progress: bar)
                try ImageIO.write(corrected, to: url("corrected.tif"), options: WriteOptions(overwrite: force))
            }
        }

        var summary = ZSpacingSummary(result: result, options: options, preset: preset, input: input, matrix: matrix,
                                      sectionShape: stack?.info.planeShape ?? [], inputType: stack?.info.dtype)
        seconds["total"] = Date().timeIntervalSince(started)
        summary.seconds = seconds
        summary.outputs = names
        try summary.write(to: url("summary.json"), overwrite: force)
        if common.json {
            print(try summary.jsonText())
        } else if !common.quiet {
            let s = summary.spacing
            print("wrote \(output): \(result.count) sections, range \(result.range), spacing "
                  + "\(Format.number(s.minimum))…\(Format.number(s.maximum)) (mean \(Format.number(s.mean))), "
                  + "\(summary.reorderedSections) reordered, \(String(format: "%.2f", seconds["total"]!)) s")
        }
    }

    /// The preset with every given option applied (validated).
    func inferenceOptions() throws -> ZSpacingOptions {
        var o: ZSpacingOptions
        switch preset.lowercased() {
        case "fiji": o = .fiji
        case "frozen", "frozen-quality": o = .frozenQuality
        case "janelia": o = .janelia
        default: throw ScopeKitError.usage("unknown preset '\(preset)' (fiji, frozen, janelia)")
        }
        if let range { o.range = range }
        if let outerIterations { o.outerIterations = outerIterations }
        if let outerRegularization { o.outerRegularization = outerRegularization }
        if let innerIterations { o.innerIterations = innerIterations }
        if let innerRegularization { o.innerRegularization = innerRegularization }
        if let qualityTarget {
            guard let t = ZSpacingOptions.QualityTarget(rawValue: qualityTarget.lowercased()) else {
                throw ScopeKitError.usage("unknown quality target '\(qualityTarget)' (previous, one)")
            }
            o.qualityTarget = t
        }
        if let reorder { o.allowReordering = reorder }
        if let localEstimates { o.localEstimates = localEstimates }
        if let forceMonotone { o.forceMonotonicity = forceMonotone }
        if let minimumThickness { o.minimumSectionThickness = minimumThickness }
        if let normalization {
            guard let n = ZSpacingOptions.Normalization(rawValue: normalization.lowercased()) else {
                throw ScopeKitError.usage("unknown normalization '\(normalization)' (border, none, identity)")
            }
            o.normalization = n
        }
        if let xyScale { o.xyScale = xyScale }
        if normalizeEnds { o.normalizeEnds = true }
        if fijiCompatible { o.fijiCompatible = true }
        try o.validate()
        return o
    }

    /// Creates the output folder and refuses existing outputs without --force (before any work is done).
    func prepare(_ folder: URL, _ names: [String]) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw ScopeKitError(.usage, "output is not a folder", file: folder.path) }
        } else {
            do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
            catch { throw ScopeKitError.processing("cannot create the output folder", file: folder.path) }
        }
        guard !outputOptions.force else { return }
        for name in names where FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path) {
            throw ScopeKitError(.usage, "output exists (use --force to overwrite)", file: folder.appendingPathComponent(name).path)
        }
    }
}
