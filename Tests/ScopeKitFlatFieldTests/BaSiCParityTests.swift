import Foundation
import ScopeKitCore
import ScopeKitIO
import Testing
@testable import ScopeKitFlatField

/// Whole fits on the corpus sets against BaSiCPy 1.2.0 (Tests/Fixtures/basic/parity.json): flat-field and
/// dark-field within 1 % mean relative difference, baselines correlated ≥ 0.999.
@Suite(.serialized, .enabled(if: slowTestsEnabled, "corpus fits: release builds or SCOPEKIT_SLOW_TESTS=1"))
struct BaSiCParityTests {
    nonisolated(unsafe) static let cases: [String: [String: Any]] = {
        (try? BaSiCFixtures.json("parity.json") as? [String: [String: Any]]) ?? [:]
    }()

    /// Loads a corpus stack as float32 [T, Y, X].
    static func load(_ dataset: String) throws -> NDArray<Float>? {
        guard let corpus = BaSiCFixtures.corpus else {
            print("skipping BaSiC parity: shared corpus not found")
            return nil
        }
        if dataset == "timelapse_pu1_4d" {
            // 200 frames regrouped as 50 z-stacks of 4 planes, as Scripts/fixtures/basic.py does.
            let im = try NPZ.read(corpus.appendingPathComponent("npz/timelapse_pu1.npz"), key: "images").asFloat32()
            return im.reshaped([50, 4, im.shape[1], im.shape[2]])
        }
        if dataset == "wsi_brain_4d" {
            // 63 tiles regrouped as 21 z-stacks of 3 planes, as Scripts/fixtures/basic.py does.
            let im = try NPZ.read(corpus.appendingPathComponent("npz/wsi_brain.npz"), key: "images").asFloat32()
            return im.reshaped([21, 3, im.shape[1], im.shape[2]])
        }
        if dataset == "WSI_brain_tiles" {
            let dir = corpus.appendingPathComponent("WSI_brain")
            let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".tif") }
                .sorted()
            return NDArray(stacking: try files.map { try ImageIO.read(dir.appendingPathComponent($0)).asFloat32() })
        }
        return try NPZ.read(corpus.appendingPathComponent("npz/\(dataset).npz"), key: "images").asFloat32()
    }

    static func parameters(_ json: [String: Any]) -> BaSiC.Parameters {
        var p = BaSiC.Parameters()
        for (key, value) in json {
            switch key {
            case "fitting_mode": p.fittingMode = BaSiC.FittingMode(rawValue: value as! String)!
            case "get_darkfield": p.getDarkfield = value as! Bool
            case "sort_intensity": p.sortIntensity = value as! Bool
            case "autosegment": p.autosegment = value as! Bool
            case "autosegment_margin": p.autosegmentMargin = value as! Int
            case "working_size": p.workingSize = (value as? Int).map { .square($0) }
            default: Issue.record("unknown parameter \(key)")
            }
        }
        return p
    }

    /// Subsamples a [Y, X] or [Z, Y, X] profile [..., ::4, ::4] like the fixture.
    static func subsampled(_ a: NDArray<Float>) -> [Float] {
        let rows = a.shape[a.rank - 2], columns = a.shape[a.rank - 1]
        let e = a.elements
        var out: [Float] = []
        for z in 0..<(a.count / (rows * columns)) {
            for r in stride(from: 0, to: rows, by: 4) {
                for c in stride(from: 0, to: columns, by: 4) { out.append(e[(z * rows + r) * columns + c]) }
            }
        }
        return out
    }

    static func check(_ name: String) throws {
        guard let entry = cases[name] else {
            Issue.record("no fixture for \(name)")
            return
        }
        guard let images = try load(entry["dataset"] as! String) else { return }
        let p = parameters(entry["parameters"] as! [String: Any])
        let profiles = try BaSiC.fit(images: images, parameters: p)
        let flatRef = try NPY.read(BaSiCFixtures.directory.appendingPathComponent(entry["flat"] as! String))
            .asFloat32().elements
        let flat = subsampled(profiles.flatfield)
        let flatDiff = meanRelativeDifference(flat, flatRef)
        let baseRef = floats(entry["baseline"])
        let baseCorr = correlation(profiles.baseline.elements, baseRef)
        let baseRel = meanRelativeDifference(profiles.baseline.elements, baseRef)
        var line = "parity \(name): flat \(flatDiff) baseline r \(baseCorr) rel \(baseRel) "
            + "iterations \(profiles.report.innerIterations)"
        #expect(flatDiff <= 0.01, "\(name) flat-field")
        #expect(baseCorr >= 0.999, "\(name) baseline")
        if let darkName = entry["dark"] as? String {
            let darkRef = try NPY.read(BaSiCFixtures.directory.appendingPathComponent(darkName)).asFloat32().elements
            let dark = subsampled(profiles.darkfield)
            // Relative to the larger of the reference dark-field and 1 % of the mean image intensity (a
            // dark-field near 0 has no meaningful relative error).
            let meanImage = images.elements.reduce(0.0) { $0 + Double($1) } / Double(images.count)
            let scale = max(darkRef.reduce(0.0) { $0 + abs(Double($1)) } / Double(darkRef.count), 0.01 * meanImage)
            let mad = zip(dark, darkRef).reduce(0.0) { $0 + abs(Double($1.0) - Double($1.1)) } / Double(dark.count)
            line += " dark \(mad / scale) (mean |D_ref| \(darkRef.reduce(0.0) { $0 + abs(Double($1)) } / Double(darkRef.count)))"
            #expect(mad / scale <= 0.01, "\(name) dark-field")
        }
        print(line)
    }

    @Test(arguments: ["cell_culture", "wsi_brain", "timelapse_brightfield", "timelapse_nanog", "timelapse_pu1",
                      "WSI_brain_tiles"])
    func defaultParameters(dataset: String) throws {
        try Self.check("\(dataset)_ladmap")
        try Self.check("\(dataset)_approximate")
    }

    @Test(arguments: ["cell_culture", "timelapse_brightfield"])
    func withDarkfield(dataset: String) throws {
        try Self.check("\(dataset)_ladmap_dark")
        try Self.check("\(dataset)_approximate_dark")
    }

    @Test(arguments: ["wsi_brain_ladmap_sorted", "wsi_brain_approximate_sorted", "wsi_brain_ladmap_autosegment",
                      "timelapse_brightfield_ladmap_full", "cell_culture_ladmap_ws64"])
    func options(name: String) throws {
        try Self.check(name)
    }

    /// (T, Z, Y, X) stacks: BaSiCPy 1.2.0 fits them with LADMAP only (a 3-D DCT; Z stays at its size).
    /// (The `timelapse_pu1_4d_*` fixtures are not tested: BaSiCPy does not converge on that regrouping — 500
    /// iterations in every reweighting round — and neither do we, so both stop at arbitrary iterates.)
    @Test(arguments: ["wsi_brain_4d_ladmap", "wsi_brain_4d_ladmap_dark"])
    func fourDimensional(name: String) throws {
        try Self.check(name)
    }
}
