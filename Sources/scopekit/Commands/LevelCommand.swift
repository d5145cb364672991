import ArgumentParser
import Foundation
import ScopeKit

/// `scopekit level IN -o OUT`: AFM/SPM background levelling of an image or movie by a NanoLocz routine, a
/// list of steps or a recipe file; frames are streamed from IN to OUT.
struct LevelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "level",
        abstract: "Level AFM/SPM images and movies (NanoLocz routines, Gwyddion row alignment, masks).",
        discussion: """
            IN is any readable file: AFM formats (.asd movies, .ibw, Bruker .spm/.00N, .gwy, JPK, WSxM; heights \
            in nm, --channel picks another channel), TIFF/NPY images and stacks. The pipeline is --routine NAME, \
            then the steps of --recipe FILE (JSON or YAML), then every --step in order.
            Routines: \(LevellingRoutine.allCases.map(\.rawValue).joined(separator: ", ")).
            Steps (NAME or NAME:ARG,...,key=value):
            \(StepSyntax.help)
            Frames are read, levelled and written one batch at a time (memory O(frame)); a whole-movie \
            Gaussian mask (scope=movie, the NanoLocz routines' default) first makes two streaming passes for \
            the movie histogram. Results are identical for any --threads.
            --mask FILE: a drawn mask (PNG, TIFF, NPY) of one frame or the whole movie; nonzero (and not NaN) \
            = used for the fits, 0 = excluded; --invert-mask when the drawing marks what to exclude. It is \
            intersected with every mask the steps compute.
            Outputs (each atomic; existing files need --force): OUT levelled heights (TIFF or NPY, \
            calibration kept, float32 unless --dtype float64); --background input − levelled; --mask-out the \
            final mask (uint8, 255 = used); --coefficients / --shifts per-frame offsets, plane coefficients \
            and row shifts (.csv or .json); --preview-before / --preview-after PNG of --preview-frame.
            """)

    @Argument(help: "The input file.")
    var input: String?

    @Option(name: [.customShort("o"), .customLong("output")], help: "The levelled output (TIFF or NPY).")
    var output: String?

    @Option(help: "The AFM channel to level (default: the height trace channel).")
    var channel: String?

    @Option(help: "A NanoLocz routine by name (see above).")
    var routine: String?

    @Option(help: "A recipe file (JSON or YAML) with steps and/or a routine.")
    var recipe: String?

    @Option(name: .customLong("step"), help: "A step in step syntax (repeatable, applied in order).")
    var steps: [String] = []

    @Option(help: "Routine compatibility: corrected (default), pnanolocz, matlab.")
    var compat: String = "corrected"

    @Option(help: "Routine Gaussian statistics: movie (NanoLocz, default) or frame.")
    var statistics: String = "movie"

    @Option(help: "The height of the 'iterative 1 nm' routines, in the data's unit (default 1).")
    var heightThreshold: Double = 1

    @Option(help: "A drawn mask (PNG, TIFF, NPY): nonzero = used for the fits.")
    var mask: String?

    @Flag(help: "The drawn mask marks the pixels to exclude.")
    var invertMask = false

    @Option(help: "Write the subtracted background (input − levelled) here.")
    var background: String?

    @Option(help: "Write the final mask here (uint8, 255 = used).")
    var maskOut: String?

    @Option(help: "Write per-frame offsets, plane coefficients and mask sizes (.csv or .json).")
    var coefficients: String?

    @Option(help: "Write per-frame row (line) shifts (.csv or .json).")
    var shifts: String?

    @Option(help: "Write a PNG preview of the input frame.")
    var previewBefore: String?

    @Option(help: "Write a PNG preview of the levelled frame.")
    var previewAfter: String?

    @Option(help: "The frame the previews show (default 0).")
    var previewFrame: Int = 0

    @Option(help: "Output type: float32 (default) or float64 (also the precision between steps).")
    var dtype: String = "float32"

    @Option(help: "TIFF compression: none (default) or deflate.")
    var compression: String = "none"

    @Option(help: ArgumentHelp("Memory for intermediate frames at whole-movie statistics steps, in MiB (default 1024).",
                               discussion: "A movie that fits is read once; a larger one (or 0) is streamed in O(frame) memory and re-read at each such step."))
    var cacheMb: Int = 1024

    @Flag(help: "Print the pipeline in step syntax and exit (no input needed).")
    var printSteps = false

    @OptionGroup var outputOptions: OutputOptions
    @OptionGroup var common: CommonOptions

    func validate() throws {
        if previewFrame < 0 { throw ValidationError("--preview-frame must be ≥ 0") }
        if cacheMb < 0 || cacheMb > 1 << 40 { throw ValidationError("--cache-mb must be 0…2^40") }
        if !printSteps && input == nil { throw ValidationError("give an input file") }
    }

    func run() throws {
        common.apply()
        let started = Date()
        let pipeline = try makePipeline()
        if printSteps {
            if common.json { print(try pipeline.jsonString()) } else { StepSyntax.text(of: pipeline.steps).forEach { print($0) } }
            return
        }
        let input = self.input!
        let outputs = [output, background, maskOut, coefficients, shifts, previewBefore, previewAfter].compactMap { $0 }
        guard !outputs.isEmpty else { throw ScopeKitError.usage("nothing to write: give -o OUT or another output") }
        let force = outputOptions.force
        if !force, let existing = outputs.first(where: { FileManager.default.fileExists(atPath: $0) }) {
            throw ScopeKitError(.usage, "output exists (use --force to overwrite)", file: existing)
        }
        for f in [coefficients, shifts].compactMap({ $0 }) where !["csv", "json"].contains(ImageIO.fileExtension(of: URL(fileURLWithPath: f))) {
            throw ScopeKitError(.usage, "--coefficients and --shifts write .csv or .json", file: f)
        }
        guard let compressionValue = WriteOptions.Compression(rawValue: compression.lowercased()) else {
            throw ScopeKitError.usage("unknown compression '\(compression)' (none, deflate)")
        }
        let writeOptions = WriteOptions(compression: compressionValue, overwrite: force)

        let image = try AFMFormats.open(URL(fileURLWithPath: input)).open(channel: channel)
        let info = image.info
        let rows = info.planeShape[0], cols = info.planeShape[1], frames = info.planeCount
        guard frames >= 1 else { throw ScopeKitError.badInput("the file holds no frame", file: input) }
        if previewBefore != nil || previewAfter != nil, previewFrame >= frames {
            throw ScopeKitError.usage("--preview-frame \(previewFrame) is out of 0..<\(frames)")
        }
        let drawn = try mask.map {
            try Mask(drawingAt: URL(fileURLWithPath: $0), invert: invertMask, frames: frames, rows: rows, cols: cols)
        }
        let shape = info.shape.count == 2 ? [rows, cols] : [frames, rows, cols]
        var calibration = info.calibration
        if calibration.axes.count != shape.count { calibration = Calibration(rank: shape.count) }
        let frameCalibration = Calibration(axes: Array(calibration.axes.suffix(2)))

        let bar = Terminal.progress(total: frames * pipeline.streamPasses, label: "level", quiet: common.quiet || common.json)
        let job = LevelJob(image: image, input: input, pipeline: pipeline, mask: drawn, frames: frames, rows: rows,
                           cols: cols, shape: shape, calibration: calibration, writeOptions: writeOptions,
                           command: self, progress: bar)
        let summary: LevellingStreamSummary
        switch dtype.lowercased() {
        case "float32": summary = try job.run(Float.self)
        case "float64": summary = try job.run(Double.self)
        default: throw ScopeKitError.usage("unknown --dtype '\(dtype)' (float32, float64)")
        }
        if let previewBefore {
            var frame = try image.readPlane(previewFrame).asFloat32().reshaped([rows, cols])
            frame.calibration = frameCalibration
            try LevellingPreview.write(frame, to: URL(fileURLWithPath: previewBefore), overwrite: force)
        }

        let seconds = Date().timeIntervalSince(started)
        let skipped = summary.skippedFits.reduce(0, +)
        if common.json {
            let report = LevelReport(input: input, channel: info.metadata["afm.channel"], format: info.formatName,
                                     frames: frames, rows: rows, cols: cols, steps: StepSyntax.text(of: pipeline.steps),
                                     passes: summary.passes, skippedFits: skipped,
                                     wholeMovieLimits: summary.wholeMovieLimits.map { [$0.lowerBound, $0.upperBound] },
                                     outputs: outputs, seconds: seconds)
            print(try JSONText.encode(report))
        } else if !common.quiet {
            let what = frames == 1 ? "\(rows)×\(cols) image" : "\(frames) frames of \(rows)×\(cols)"
            var line = "levelled \(input) (\(what)) with \(pipeline.steps.count) steps → \(outputs.joined(separator: ", "))"
            if skipped > 0 { line += "; \(skipped) fits skipped (too few used pixels)" }
            print(line + String(format: " (%.2f s)", seconds))
        }
    }

    /// The routine's steps, then the recipe's, then the --step texts.
    func makePipeline() throws -> LevellingPipeline {
        var steps: [LevellingStep] = []
        if let routine {
            guard let r = LevellingRoutine(rawValue: routine.lowercased()) else {
                throw ScopeKitError.usage("unknown routine '\(routine)' (routines: "
                    + LevellingRoutine.allCases.map(\.rawValue).joined(separator: ", ") + ")")
            }
            guard let c = NanoLoczCompatibility(rawValue: compat.lowercased()) else {
                throw ScopeKitError.usage("unknown --compat '\(compat)' (corrected, pnanolocz, matlab)")
            }
            let scope: StatisticsScope
            switch statistics.lowercased() {
            case "movie": scope = .wholeMovie
            case "frame": scope = .perFrame
            default: throw ScopeKitError.usage("unknown --statistics '\(statistics)' (movie, frame)")
            }
            guard heightThreshold > 0, heightThreshold.isFinite else {
                throw ScopeKitError.usage("--height-threshold must be a positive number")
            }
            steps += r.pipeline(compatibility: c, statistics: scope, heightThreshold: heightThreshold).steps
        }
        if let recipe { steps += try LevellingPipeline(contentsOf: URL(fileURLWithPath: recipe)).steps }
        steps += try StepSyntax.parse(self.steps)
        guard !steps.isEmpty else { throw ScopeKitError.usage("give --routine NAME, --recipe FILE or --step STEP") }
        return LevellingPipeline(steps: steps)
    }
}

/// One run of `scopekit level`: the stream from the input file through the pipeline into the writers.
private struct LevelJob {
    let image: any ImageFile
    let input: String
    let pipeline: LevellingPipeline
    let mask: Mask?
    let frames: Int, rows: Int, cols: Int
    let shape: [Int]
    let calibration: Calibration
    let writeOptions: WriteOptions
    let command: LevelCommand
    let progress: WorkProgress

    func run<T: LevellingScalar>(_: T.Type) throws -> LevellingStreamSummary {
        if frames > 1 {
            // PNG holds one frame: refuse a movie output before any work (PlaneWriter would fail at the end).
            for (flag, path) in [("-o", command.output), ("--background", command.background), ("--mask-out", command.maskOut)] {
                guard let path, (try? ImageIO.encoder(for: URL(fileURLWithPath: path))) is PNGEncoder else { continue }
                throw ScopeKitError(.usage, "\(flag): PNG holds one frame and the input has \(frames); write .tif or .npy",
                                    file: path)
            }
        }
        func writer(_ path: String?, _ dtype: DType) throws -> PlaneWriter? {
            try path.map { try PlaneWriter(url: URL(fileURLWithPath: $0), shape: shape, dtype: dtype,
                                           calibration: calibration, options: writeOptions) }
        }
        let levelled = try writer(command.output, T.dtype)
        let background = try writer(command.background, T.dtype)
        let maskOut = try writer(command.maskOut, .uint8)
        var wanted: LevellingOutputs = []
        if background != nil { wanted.insert(.background) }
        if maskOut != nil { wanted.insert(.mask) }
        if command.coefficients != nil || command.shifts != nil { wanted.insert(.records) }
        var records: [LevellingFrameRecord] = []
        var preview: NDArray<T>?
        let image = self.image, input = self.input, previewFrame = command.previewAfter != nil ? command.previewFrame : -1
        let summary: LevellingStreamSummary
        do {
            summary = try pipeline.stream(frames: frames, rows: rows, cols: cols, mask: mask, outputs: wanted,
                                          progress: progress, cacheBytes: command.cacheMb << 20, read: { k in
                do {
                    let plane = try image.readPlane(k)
                    return T.self == Float.self ? plane.asFloat32() as! NDArray<T> : plane.asFloat64() as! NDArray<T>
                } catch let e as ScopeKitError {
                    throw e.file == nil ? e.attributed(to: input) : e
                }
            }, write: { frame in
                try levelled?.append(AnyArray(frame.levelled))
                if let b = frame.background { try background?.append(AnyArray(b)) }
                if let m = frame.mask { try maskOut?.append(AnyArray(m.map { $0 ? UInt8(255) : 0 })) }
                if let r = frame.record { records.append(r) }
                if frame.index == previewFrame { preview = frame.levelled }
            })
        } catch {
            for w in [levelled, background, maskOut] { w?.discard() }
            throw error
        }
        for w in [levelled, background, maskOut] { try w?.commit() }
        let overwrite = writeOptions.overwrite
        if let path = command.coefficients {
            let text = path.lowercased().hasSuffix(".json") ? try LevellingRecordTables.json(records, shifts: false)
                                                           : LevellingRecordTables.coefficientsCSV(records)
            try OutputFile.write(Array(text.utf8), to: URL(fileURLWithPath: path), overwrite: overwrite)
        }
        if let path = command.shifts {
            let text = path.lowercased().hasSuffix(".json") ? try LevellingRecordTables.json(records, coefficients: false)
                                                           : LevellingRecordTables.shiftsCSV(records)
            try OutputFile.write(Array(text.utf8), to: URL(fileURLWithPath: path), overwrite: overwrite)
        }
        if let path = command.previewAfter, let preview {
            var frame = preview.map { Float($0) }
            frame.calibration = Calibration(axes: Array(calibration.axes.suffix(2)))
            try LevellingPreview.write(frame, to: URL(fileURLWithPath: path), overwrite: overwrite)
        }
        return summary
    }
}

/// The `--json` summary of `scopekit level`.
private struct LevelReport: Encodable {
    var input: String
    var channel: String?
    var format: String
    var frames: Int, rows: Int, cols: Int
    var steps: [String]
    var passes: Int
    var skippedFits: Int
    var wholeMovieLimits: [[Double]]
    var outputs: [String]
    var seconds: Double
}
