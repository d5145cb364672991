import ArgumentParser
import Foundation
import ScopeKit

/// `scopekit flatfield fit|apply|correct`: flat-field (shading) correction of tiled and time-lapse datasets.
struct FlatFieldCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flatfield",
        abstract: "Flat-field correction: estimate profiles (empty regions or BaSiC), apply them to tiles.",
        discussion: """
            INPUT is a folder of tile files (2-D images, z-stack TIFFs or NPYs; natural name order = tile 1, 2, …
            in mesoSPIM's inverted-N order: down the first column, then the next), a folder of channel
            sub-folders, or one stack file holding every tile (multi-page TIFF, ImageJ hyperstack, NPY).
            Profiles live in MODELS/<channel>/profiles.npz (flatfield, darkfield, baseline), with BaSiCPy's
            settings.json, scopekit-flatfield.json and PNG previews.
              fit      estimate profiles and save them (--fov / --z-levels: empty regions; otherwise BaSiC)
              apply    load measured profiles from --models and correct every tile into --output
              correct  fit (or load with --models and no estimate option) and apply in one go
            """,
        subcommands: [Fit.self, Apply.self, Correct.self])

    /// Dataset options shared by the subcommands.
    struct DatasetOptions: ParsableArguments {
        @Argument(help: "The dataset folder or stack file.")
        var input: String

        @Option(help: "Tile grid ROWSxCOLUMNS (inverted-N numbering; needed for the corner default).")
        var grid: String?

        @Option(help: "A Fiji TileConfiguration.txt giving the grid and the tile numbers from positions.")
        var tileConfig: String?

        @Option(help: "A regular expression over file names whose first group is the channel label, e.g. '^(C[0-9]+)-'.")
        var channelPattern: String?

        @Option(help: "Use only these channels (comma-separated); names the channel of a single-channel dataset.")
        var channel: String?

        @Option(help: "Cut a stack file without a z axis into tiles of N planes.")
        var planesPerTile: Int?

        func open() throws -> FlatFieldDataset {
            let url = URL(fileURLWithPath: input)
            let g = try grid.map { try TileGrid(parsing: $0) }
            let only = channel.map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } } ?? []
            let selection: FlatFieldDataset.ChannelSelection = channelPattern.map { .pattern($0) } ?? .automatic
            return try FlatFieldDataset.open(url, grid: g, channels: selection,
                                             tileConfiguration: tileConfig.map { URL(fileURLWithPath: $0) },
                                             planesPerTile: planesPerTile, only: only)
        }
    }

    /// How profiles are estimated (empty regions or BaSiC).
    struct EstimateOptions: ParsableArguments {
        @Option(help: "Empty tiles, 1-based, comma-separated (e.g. 1,4,9).")
        var fov: String?

        @Option(help: "Empty z-range LOW,HIGH: planes with z < LOW or z > HIGH are sampled (0-based).")
        var zLevels: String?

        @Option(help: "Planes sampled from empty regions (default 200).")
        var planes: Int = 200

        @Option(help: "Gaussian sigma in pixels for the empty-region flat-field (default 1).")
        var sigma: Double = 1

        @Option(help: "Seed of the plane sampling (default 0).")
        var seed: UInt64 = 0

        @Option(help: "BaSiC: fitting mode ladmap or approximate (default ladmap).")
        var fittingMode: String = "ladmap"
        @Flag(help: "BaSiC: also estimate the dark-field.")
        var darkfield = false
        @Option(help: "BaSiC: epsilon (default 0.1).") var epsilon: Double = 0.1
        @Option(help: "BaSiC: smoothness_flatfield (default 1).") var smoothnessFlatfield: Double = 1
        @Option(help: "BaSiC: smoothness_darkfield (default 1).") var smoothnessDarkfield: Double = 1
        @Option(help: "BaSiC: sparse_cost_darkfield (default 0.01).") var sparseCostDarkfield: Double = 0.01
        @Option(help: "BaSiC: max_iterations (default 500).") var maxIterations: Int = 500
        @Option(help: "BaSiC: optimization_tol (default 1e-3).") var optimizationTol: Double = 1e-3
        @Option(help: "BaSiC: optimization_tol_diff (default 1e-2).") var optimizationTolDiff: Double = 1e-2
        @Option(help: "BaSiC: max_reweight_iterations (default 10).") var maxReweightIterations: Int = 10
        @Option(help: "BaSiC: max_reweight_iterations_baseline (default 5).") var maxReweightIterationsBaseline: Int = 5
        @Option(help: "BaSiC: reweighting_tol (default 1e-2).") var reweightingTol: Double = 1e-2
        @Option(help: "BaSiC: working size N, RxC, or 'none' for full resolution (default 128).")
        var workingSize: String = "128"
        @Flag(help: "BaSiC: autosegment (fit on dim pixels only).") var autosegment = false
        @Option(help: "BaSiC: autosegment_margin (default 10).") var autosegmentMargin: Int = 10
        @Flag(help: "BaSiC: sort_intensity (then the baseline is refitted on the unsorted images).")
        var sortIntensity = false
        @Option(help: "BaSiC: at most N planes are fitted (seeded round-robin sample beyond; default 1000).")
        var maxImages: Int = 1000

        var isEmptyRegion: Bool { fov != nil || zLevels != nil }

        func method() throws -> FlatFieldMethod {
            if isEmptyRegion {
                var o = EmptyRegionOptions()
                if let fov {
                    o.tiles = fov.trimmingCharacters(in: .whitespaces).isEmpty ? [] : try fov
                        .split(separator: ",", omittingEmptySubsequences: false).map {
                            let t = $0.trimmingCharacters(in: .whitespaces)
                            guard let n = Int(t) else { throw ScopeKitError.usage("--fov: '\(t)' is not a tile number") }
                            return n
                        }
                }
                if let zLevels {
                    let parts = zLevels.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
                    guard parts.count == 2 else { throw ScopeKitError.usage("--z-levels is LOW,HIGH (two integers)") }
                    o.zLevels = (parts[0], parts[1])
                }
                o.planes = planes
                o.sigma = sigma
                o.seed = seed
                return .emptyRegions(o)
            }
            var p = BaSiC.Parameters()
            guard let mode = BaSiC.FittingMode(rawValue: fittingMode.lowercased()) else {
                throw ScopeKitError.usage("unknown fitting mode '\(fittingMode)' (ladmap, approximate)")
            }
            p.fittingMode = mode
            p.getDarkfield = darkfield
            p.epsilon = epsilon
            p.smoothnessFlatfield = smoothnessFlatfield
            p.smoothnessDarkfield = smoothnessDarkfield
            p.sparseCostDarkfield = sparseCostDarkfield
            p.maxIterations = maxIterations
            p.optimizationTolerance = optimizationTol
            p.optimizationToleranceDiff = optimizationTolDiff
            p.maxReweightIterations = maxReweightIterations
            p.maxReweightIterationsBaseline = maxReweightIterationsBaseline
            p.reweightingTolerance = reweightingTol
            p.autosegment = autosegment
            p.autosegmentMargin = autosegmentMargin
            p.sortIntensity = sortIntensity
            p.maxWorkers = Parallel.threadCount
            switch workingSize.lowercased() {
            case "none": p.workingSize = nil
            case let s where s.contains("x"):
                let g = try TileGrid(parsing: s)
                p.workingSize = BaSiC.WorkingSize(rows: g.rows, columns: g.columns)
            case let s:
                guard let n = Int(s) else { throw ScopeKitError.usage("--working-size is N, RxC or none") }
                p.workingSize = .square(n)
            }
            return .basic(p, maxImages: maxImages, seed: seed)
        }
    }

    /// How profiles are applied.
    struct ApplyOptions: ParsableArguments {
        @Option(help: "Remove the per-image baseline: multiplicative or additive (BaSiCPy timelapse).")
        var timelapse: String?
        @Flag(help: "Subtract the stored baseline after correcting, as the mesoSPIM task does (off by default).")
        var subtractBaseline = false
        @Flag(help: "Write float32 tiles instead of the input dtype.")
        var float32 = false

        func options() throws -> FlatFieldApplyOptions {
            var o = FlatFieldApplyOptions(subtractBaseline: subtractBaseline, float32Output: float32)
            if let timelapse {
                guard let m = BaSiC.TimelapseMode(rawValue: timelapse.lowercased()) else {
                    throw ScopeKitError.usage("unknown --timelapse '\(timelapse)' (multiplicative, additive)")
                }
                o.timelapse = m
            }
            return o
        }
    }

    /// One line of the JSON summary per channel.
    struct ChannelSummary: Codable {
        var channel: String
        var tiles: Int
        var planeShape: [Int]
        var method: String?
        var planesUsed: Int?
        var baseline: Double?
        var flatfieldMin: Double?
        var flatfieldMax: Double?
        var models: String?
        var written: Int?
        var output: String?
        var seconds: Double
    }

    static func estimate(_ data: FlatFieldDataset, _ channel: FlatFieldChannel, method: FlatFieldMethod,
                         common: CommonOptions) throws -> FlatFieldEstimate {
        var total = 0
        switch method {
        case let .emptyRegions(o): total = (try? EmptyRegionEstimate.choosePlanes(channel, grid: data.grid, options: o).count) ?? 0
        case let .basic(_, maxImages, _): total = Swift.min(maxImages, channel.planeCount)
        case .measured: total = 0
        }
        let bar = Terminal.progress(total: total, label: "profiles \(channel.label)", quiet: common.quiet || common.json)
        return try FlatFieldEstimation.estimate(channel, grid: data.grid, method: method, progress: bar)
    }

    static func apply(_ channel: FlatFieldChannel, _ profiles: FlatFieldProfiles, options: FlatFieldApplyOptions,
                      output: URL, multiChannel: Bool, force: Bool, common: CommonOptions) throws -> [URL] {
        let corrector = try FlatFieldCorrector(profiles: profiles, planeShape: channel.planeShape, options: options)
        let folder = multiChannel ? output.appendingPathComponent(channel.label) : output
        let bar = Terminal.progress(total: channel.tiles.count, label: "apply \(channel.label)", quiet: common.quiet || common.json)
        return try FlatFieldApply.run(channel, corrector: corrector, output: folder, overwrite: force, progress: bar)
    }

    static func summarize(_ e: FlatFieldEstimate?, _ channel: FlatFieldChannel, models: URL?, written: [URL]?,
                          output: URL?, seconds: Double) -> ChannelSummary {
        let f = e?.profiles.flatfield.elements
        return ChannelSummary(channel: channel.label, tiles: channel.tiles.count, planeShape: channel.planeShape,
                              method: e?.settings.method, planesUsed: e?.settings.planesUsed,
                              baseline: e?.settings.baselineValue, flatfieldMin: f?.min().map(Double.init),
                              flatfieldMax: f?.max().map(Double.init),
                              models: models?.appendingPathComponent(channel.label).path, written: written?.count,
                              output: output?.path, seconds: seconds)
    }

    static func report(_ lines: [ChannelSummary], common: CommonOptions) throws {
        if common.json { print(try JSONText.encode(lines)); return }
        guard !common.quiet else { return }
        for s in lines {
            var text = "\(s.channel): \(s.tiles) tiles \(s.planeShape.map(String.init).joined(separator: "x"))"
            if let m = s.method { text += ", \(m)" }
            if let n = s.planesUsed { text += " from \(n) planes" }
            if let lo = s.flatfieldMin, let hi = s.flatfieldMax { text += ", flat-field \(Format.number(lo))…\(Format.number(hi))" }
            if let m = s.models { text += ", profiles → \(m)" }
            if let w = s.written, let o = s.output { text += ", \(w) tiles → \(o)" }
            print(text + String(format: " (%.2f s)", s.seconds))
        }
    }

    struct Fit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Estimate flat-field profiles (empty regions with --fov/--z-levels, else BaSiC) and save them.")
        @OptionGroup var dataset: DatasetOptions
        @Option(name: [.customShort("m"), .customLong("models")], help: "The models folder to write.")
        var models: String
        @OptionGroup var estimate: EstimateOptions
        @OptionGroup var outputOptions: OutputOptions
        @OptionGroup var common: CommonOptions

        func run() throws {
            common.apply()
            let method = try estimate.method()
            let data = try dataset.open()
            let modelsURL = URL(fileURLWithPath: models)
            var lines: [ChannelSummary] = []
            for channel in data.channels {
                let t = Date()
                let e = try FlatFieldCommand.estimate(data, channel, method: method, common: common)
                try FlatFieldModelStore.save(e.profiles, settings: e.settings, basicParameters: e.basicParameters,
                                             models: modelsURL, overwrite: outputOptions.force)
                lines.append(summarize(e, channel, models: modelsURL, written: nil, output: nil,
                                       seconds: Date().timeIntervalSince(t)))
            }
            try report(lines, common: common)
        }
    }

    struct Apply: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Correct every tile with measured profiles from MODELS/<channel>/profiles.npz.")
        @OptionGroup var dataset: DatasetOptions
        @Option(name: [.customShort("m"), .customLong("models")], help: "The models folder to read.")
        var models: String
        @Option(name: [.customShort("o"), .customLong("output")], help: "The output folder (one file per tile).")
        var output: String
        @OptionGroup var applyOptions: ApplyOptions
        @OptionGroup var outputOptions: OutputOptions
        @OptionGroup var common: CommonOptions

        func run() throws {
            common.apply()
            let options = try applyOptions.options()
            let data = try dataset.open()
            let modelsURL = URL(fileURLWithPath: models), out = URL(fileURLWithPath: output)
            // Load and check every channel's profiles before writing anything.
            let loaded = try data.channels.map { try FlatFieldEstimation.estimate($0, grid: data.grid, method: .measured(models: modelsURL)) }
            var lines: [ChannelSummary] = []
            for (channel, e) in zip(data.channels, loaded) {
                let t = Date()
                let written = try FlatFieldCommand.apply(channel, e.profiles, options: options, output: out,
                                                         multiChannel: data.channels.count > 1,
                                                         force: outputOptions.force, common: common)
                lines.append(summarize(e, channel, models: nil, written: written, output: out,
                                       seconds: Date().timeIntervalSince(t)))
            }
            try report(lines, common: common)
        }
    }

    struct Correct: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Estimate (or load with --models) profiles and apply them in one go.",
            discussion: """
                A channel whose MODELS/<channel>/profiles.npz exists is corrected with those (measured), unless
                --fov/--z-levels or --refit ask for an estimate. Otherwise the profiles are estimated (empty
                regions or BaSiC) and, when --models is given, saved there (existing files need --force).
                """)
        @OptionGroup var dataset: DatasetOptions
        @Option(name: [.customShort("m"), .customLong("models")], help: "Models folder: loaded, or written after estimating.")
        var models: String?
        @Option(name: [.customShort("o"), .customLong("output")], help: "The output folder (one file per tile).")
        var output: String
        @Flag(help: "Estimate even when --models holds profiles (BaSiC unless --fov/--z-levels) and overwrite them with --force.")
        var refit = false
        @OptionGroup var estimate: EstimateOptions
        @OptionGroup var applyOptions: ApplyOptions
        @OptionGroup var outputOptions: OutputOptions
        @OptionGroup var common: CommonOptions

        func run() throws {
            common.apply()
            let options = try applyOptions.options()
            let data = try dataset.open()
            let out = URL(fileURLWithPath: output)
            let modelsURL = models.map { URL(fileURLWithPath: $0) }
            let estimated = try estimate.method()
            var lines: [ChannelSummary] = []
            for channel in data.channels {
                let t = Date()
                let stored = modelsURL.map {
                    FileManager.default.fileExists(atPath: $0.appendingPathComponent(channel.label)
                        .appendingPathComponent("profiles.npz").path)
                } ?? false
                let measured = stored && !estimate.isEmptyRegion && !refit
                let method = measured ? .measured(models: modelsURL!) : estimated
                let e = try FlatFieldCommand.estimate(data, channel, method: method, common: common)
                if !measured, let modelsURL {
                    try FlatFieldModelStore.save(e.profiles, settings: e.settings, basicParameters: e.basicParameters,
                                                 models: modelsURL, overwrite: outputOptions.force)
                }
                let written = try FlatFieldCommand.apply(channel, e.profiles, options: options, output: out,
                                                         multiChannel: data.channels.count > 1,
                                                         force: outputOptions.force, common: common)
                lines.append(summarize(e, channel, models: measured ? nil : modelsURL, written: written, output: out,
                                       seconds: Date().timeIntervalSince(t)))
            }
            try report(lines, common: common)
        }
    }
}
