import Foundation
import ScopeKitCore
import ScopeKitIO
import ScopeKitRender

/// How a channel's profiles were obtained, with every setting (written as `scopekit-flatfield.json`).
public struct FlatFieldSettings: Sendable, Equatable, Codable {
    /// `"measured"`, `"empty-regions"` or `"basic"`.
    public var method: String
    /// The channel label.
    public var channel: String
    /// Tiles in the channel and `[rows, columns]` of a plane.
    public var tiles: Int
    public var planeShape: [Int]
    /// Empty-region settings: 1-based tiles sampled, z-levels `[low, high]`, planes asked for, σ, seed.
    public var emptyTiles: [Int]?
    public var zLevels: [Int]?
    public var planes: Int?
    public var sigma: Double?
    public var seed: UInt64?
    /// The planes actually used (empty regions or BaSiC).
    public var planesUsed: Int?
    /// BaSiC parameters (BaSiCPy names) and the λ values it used.
    public var basic: [String: String]?
    /// The stored baseline: `"scalar"`, `"per-image"` or `"none"`, and the scalar used for subtraction.
    public var baseline: String
    public var baselineValue: Double?

    public init(method: String, channel: String, tiles: Int, planeShape: [Int], baseline: String = "none") {
        self.method = method
        self.channel = channel
        self.tiles = tiles
        self.planeShape = planeShape
        self.baseline = baseline
    }
}

/// Writes a channel's profiles into a models folder: `<models>/<channel>/` with `profiles.npz`, BaSiCPy's
/// `settings.json`, `scopekit-flatfield.json` and PNG previews `flatfield.png`, `darkfield.png`.
///
/// The folder is what BaSiCPy 1.2.0 `BaSiC.load_model(folder)` reads (its settings hold the fit parameters,
/// or BaSiCPy's defaults for non-BaSiC profiles) and what the mesoSPIM task loads as a models folder.
///
/// ```swift
/// try FlatFieldModelStore.save(profiles, settings: s, models: url, overwrite: false)
/// ```
///
/// - Complexity: O(pixels); each file is written atomically.
public enum FlatFieldModelStore {
    /// The file names written into the channel folder.
    public static let fileNames = ["profiles.npz", "settings.json", "scopekit-flatfield.json", "flatfield.png",
                                   "darkfield.png"]

    /// Saves the profiles; refuses existing files unless `overwrite` (checked before anything is written).
    ///
    /// - Returns: the channel folder.
    @discardableResult
    public static func save(_ profiles: FlatFieldProfiles, settings: FlatFieldSettings,
                            basicParameters: BaSiC.Parameters = BaSiC.Parameters(), models: URL,
                            overwrite: Bool) throws -> URL {
        try profiles.validate()
        let folder = models.appendingPathComponent(settings.channel)
        do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
            throw ScopeKitError.processing("cannot create the models folder", file: folder.path)
        }
        let urls = fileNames.map { folder.appendingPathComponent($0) }
        if !overwrite {
            for u in urls where FileManager.default.fileExists(atPath: u.path) {
                throw ScopeKitError(.usage, "output exists (use --force to overwrite)", file: u.path)
            }
        }
        try NPZ.write(profiles.npzArrays, to: urls[0], overwrite: overwrite)
        try OutputFile.write(Array(basicSettingsJSON(basicParameters, darkfield: profiles.darkfield != nil).utf8),
                             to: urls[1], overwrite: overwrite)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try OutputFile.write(Array(try encoder.encode(settings)), to: urls[2], overwrite: overwrite)
        try PNG.write(try preview(profiles.flatfield), to: urls[3], overwrite: overwrite)
        let dark = profiles.darkfield ?? NDArray<Float>(repeating: 0, shape: profiles.flatfield.shape)
        try PNG.write(try preview(dark), to: urls[4], overwrite: overwrite)
        return folder
    }

    /// A profile as a viridis image with a colour bar (min–max).
    public static func preview(_ profile: NDArray<Float>) throws -> NDArray<UInt8> {
        try Renderer.render(AnyArray(profile), options: RenderOptions(mapping: .minMax, colormap: .viridis,
                                                                       colorBar: true))
    }

    /// BaSiCPy 1.2.0's `settings.json` (the pydantic fields of `BaSiC`, profiles excluded).
    static func basicSettingsJSON(_ p: BaSiC.Parameters, darkfield: Bool) -> String {
        func d(_ v: Double) -> String { v.isFinite ? "\(v)" : "null" }
        let ws = p.workingSize.map { $0.rows == $0.columns ? "\($0.rows)" : "[\($0.rows), \($0.columns)]" } ?? "null"
        let fields: [(String, String)] = [
            ("autosegment", "\(p.autosegment)"), ("autosegment_margin", "\(p.autosegmentMargin)"),
            ("epsilon", d(p.epsilon)), ("fitting_mode", "\"\(p.fittingMode.rawValue)\""),
            ("get_darkfield", "\(p.getDarkfield || darkfield)"), ("max_iterations", "\(p.maxIterations)"),
            ("max_mu_coef", d(p.maxMuCoefficient)), ("max_reweight_iterations", "\(p.maxReweightIterations)"),
            ("max_reweight_iterations_baseline", "\(p.maxReweightIterationsBaseline)"),
            ("max_workers", "\(p.maxWorkers ?? Parallel.threadCount)"), ("mu_coef", d(p.muCoefficient)),
            ("optimization_tol", d(p.optimizationTolerance)), ("optimization_tol_diff", d(p.optimizationToleranceDiff)),
            ("resize_mode", "\"jax\""), ("resize_params", "{}"), ("reweighting_tol", d(p.reweightingTolerance)),
            ("rho", d(p.rho)), ("smoothness_darkfield", d(p.smoothnessDarkfield)),
            ("smoothness_flatfield", d(p.smoothnessFlatfield)), ("sort_intensity", "\(p.sortIntensity)"),
            ("sparse_cost_darkfield", d(p.sparseCostDarkfield)), ("working_size", ws),
        ]
        return "{\n" + fields.map { "  \"\($0.0)\": \($0.1)" }.joined(separator: ",\n") + "\n}\n"
    }
}
