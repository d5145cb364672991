import Foundation
import ScopeKitCore

/// The three ways to obtain a channel's profiles (the mesoSPIM task's scenarios).
public enum FlatFieldMethod: Sendable {
    /// Load `<models>/<channel>/profiles.npz` (used as stored, not re-normalised).
    case measured(models: URL)
    /// Median of planes from empty tiles and/or empty z-ranges (``EmptyRegionEstimate``).
    case emptyRegions(EmptyRegionOptions)
    /// Fit the BaSiC model to the channel's planes (``BaSiCEstimate``).
    case basic(BaSiC.Parameters, maxImages: Int, seed: UInt64)
}

/// A channel's profiles with the settings that produced them.
public struct FlatFieldEstimate: Sendable {
    public var profiles: FlatFieldProfiles
    public var settings: FlatFieldSettings
    /// The BaSiC parameters (BaSiCPy defaults for other methods), for `settings.json`.
    public var basicParameters: BaSiC.Parameters
    /// The BaSiC fit report, for the BaSiC method.
    public var basicReport: BaSiCFitReport?
}

/// Obtains profiles for one channel by any ``FlatFieldMethod``.
///
/// ```swift
/// let e = try FlatFieldEstimation.estimate(channel, grid: data.grid, method: .emptyRegions(o))
/// try FlatFieldModelStore.save(e.profiles, settings: e.settings, models: url, overwrite: false)
/// ```
///
/// - Complexity: that of the chosen method.
public enum FlatFieldEstimation {
    public static func estimate(_ channel: FlatFieldChannel, grid: TileGrid?, method: FlatFieldMethod,
                                progress: WorkProgress? = nil) throws -> FlatFieldEstimate {
        var settings = FlatFieldSettings(method: "", channel: channel.label, tiles: channel.tiles.count,
                                         planeShape: channel.planeShape)
        let result: FlatFieldEstimate
        switch method {
        case let .measured(models):
            let p = try FlatFieldProfiles.load(models: models, channel: channel.label)
            settings.method = "measured"
            result = FlatFieldEstimate(profiles: p, settings: settings, basicParameters: BaSiC.Parameters())
        case let .emptyRegions(o):
            let (p, report) = try EmptyRegionEstimate.estimate(channel, grid: grid, options: o, progress: progress)
            settings.method = "empty-regions"
            settings.emptyTiles = report.tiles
            settings.zLevels = o.zLevels.map { [$0.low, $0.high] }
            settings.planes = o.planes
            settings.sigma = o.sigma
            settings.seed = o.seed
            settings.planesUsed = report.samples.count
            result = FlatFieldEstimate(profiles: p, settings: settings, basicParameters: BaSiC.Parameters())
        case let .basic(parameters, maxImages, seed):
            let (p, basic, planes) = try BaSiCEstimate.fit(channel, parameters: parameters, maxImages: maxImages,
                                                           seed: seed, progress: progress)
            settings.method = "basic"
            settings.planesUsed = planes.count
            settings.seed = seed
            let r = basic.report
            settings.basic = [
                "fitting_mode": parameters.fittingMode.rawValue, "get_darkfield": "\(parameters.getDarkfield)",
                "working_size": parameters.workingSize.map { "\($0)" } ?? "none",
                "lambda_flatfield": "\(r.smoothnessFlatfield)", "lambda_darkfield": "\(r.smoothnessDarkfield)",
                "lambda_sparse": "\(r.sparseCostDarkfield)", "inner_iterations": r.innerIterations.map(String.init).joined(separator: ","),
                "converged": "\(r.converged)", "reweighting_converged": "\(r.reweightingConverged)",
            ]
            result = FlatFieldEstimate(profiles: p, settings: settings, basicParameters: parameters, basicReport: r)
        }
        var out = result
        switch out.profiles.baseline {
        case let .scalar(v)?: out.settings.baseline = "scalar"; out.settings.baselineValue = v
        case let b?: out.settings.baseline = "per-image"; out.settings.baselineValue = b.subtractionValue
        case nil: out.settings.baseline = "none"
        }
        return out
    }
}
