import Foundation
import Testing
import ScopeKitCore
import ScopeKitIO
@testable import ScopeKitFlatField

@Suite("Flat-field profiles: measured, empty regions, BaSiC, saving")
struct FlatFieldProfileTests {
    // MARK: measured

    @Test("a BaSiCPy save_model archive loads: per-image baseline vector, dark-field")
    func loadBaSiCPyArchive() throws {
        let p = try FlatFieldProfiles.read(FlatFieldSamples.fixtures.appendingPathComponent("basicpy_profiles.npz"))
        let f: NDArray<Float> = try FlatFieldSamples.npy("apply_flat.npy")
        #expect(p.flatfield == f)
        #expect(p.darkfield != nil)
        #expect(p.baseline == .perImage([900.5, 1100.25]))
        #expect(p.baseline!.subtractionValue == (900.5 + 1100.25) / 2)
    }

    @Test("measured profiles: every error case is one clear message")
    func measuredErrors() throws {
        let models = try FlatFieldSamples.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: models) }
        let good = NDArray<Float>(repeating: 1, shape: [4, 5])
        func write(_ arrays: [(String, AnyArray)], _ channel: String) throws {
            let folder = models.appendingPathComponent(channel)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try NPZ.write(arrays, to: folder.appendingPathComponent("profiles.npz"), overwrite: true)
        }
        func reason(_ channel: String) -> String {
            do { _ = try FlatFieldProfiles.load(models: models, channel: channel); return "" }
            catch let e as ScopeKitError { return e.reason } catch { return "\(error)" }
        }
        try write([("flatfield", AnyArray(good)), ("baseline", AnyArray(NDArray<Double>([987], shape: [])))], "ok")
        let ok = try FlatFieldProfiles.load(models: models, channel: "ok")
        #expect(ok.baseline == .scalar(987))
        #expect(ok.darkfield == nil)
        #expect(reason("missing").contains("no folder for channel 'missing'"))
        #expect(reason("missing").contains("ok"))
        try write([("darkfield", AnyArray(good))], "nokey")
        #expect(reason("nokey").contains("no 'flatfield'"))
        try write([("flatfield", AnyArray(NDArray<Float>(repeating: 1, shape: [2, 2, 2])))], "rank")
        #expect(reason("rank").contains("must be 2-D"))
        try write([("flatfield", AnyArray(good)), ("darkfield", AnyArray(NDArray<Float>(repeating: 1, shape: [5, 4])))], "dark")
        #expect(reason("dark").contains("darkfield has shape"))
        var nan = good; nan.withUnsafeMutableBufferPointer { $0[3] = .nan }
        try write([("flatfield", AnyArray(nan))], "nan")
        #expect(reason("nan").contains("not finite"))
        var zero = good; zero.withUnsafeMutableBufferPointer { $0[7] = 0 }
        try write([("flatfield", AnyArray(zero))], "zero")
        #expect(reason("zero").contains("must be positive"))
        try write([("flatfield", AnyArray(good)), ("baseline", AnyArray(NDArray<Float>(repeating: 1, shape: [2, 2])))], "base")
        #expect(reason("base").contains("baseline must be a scalar or 1-D"))
        try FileManager.default.createDirectory(at: models.appendingPathComponent("empty"), withIntermediateDirectories: true)
        #expect(reason("empty").contains("no profiles.npz"))
    }

    @Test("save → load round trip; settings.json has BaSiCPy's fields; previews written; no overwrite")
    func saveRoundTrip() throws {
        let models = try FlatFieldSamples.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: models) }
        let f = NDArray(FlatFieldSamples.flat(rows: 6, cols: 7), shape: [6, 7])
        let p = try FlatFieldProfiles(flatfield: f, darkfield: NDArray(repeating: 3, shape: [6, 7]), baseline: .perImage([1, 2, 3]))
        let s = FlatFieldSettings(method: "basic", channel: "488", tiles: 3, planeShape: [6, 7])
        try FlatFieldModelStore.save(p, settings: s, models: models, overwrite: false)
        #expect(try FlatFieldProfiles.load(models: models, channel: "488") == p)
        for name in FlatFieldModelStore.fileNames {
            #expect(FileManager.default.fileExists(atPath: models.appendingPathComponent("488/\(name)").path))
        }
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: models.appendingPathComponent("488/settings.json"))) as! [String: Any]
        #expect(json["fitting_mode"] as? String == "ladmap")
        #expect(json["working_size"] as? Int == 128)
        #expect(throws: ScopeKitError.self) { try FlatFieldModelStore.save(p, settings: s, models: models, overwrite: false) }
    }

    // MARK: empty regions

    @Test("empty-region estimate matches the task's numpy/scipy recipe (median, Gaussian σ 1, mean 1, baseline)")
    func emptyMatchesFixture() throws {
        let data = try FlatFieldDataset(stack: FlatFieldSamples.fixtures.appendingPathComponent("empty_planes.npy"))
        var o = EmptyRegionOptions(tiles: Array(1...12))
        o.planes = 200
        let (p, report) = try EmptyRegionEstimate.estimate(data.channels[0], options: o)
        let ref: NDArray<Float> = try FlatFieldSamples.npy("empty_flat.npy")
        #expect(report.samples.count == 12)
        #expect(maxAbsDiff(p.flatfield.elements, ref.elements) < 2e-6)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: FlatFieldSamples.fixtures.appendingPathComponent("empty.json"))) as! [String: Double]
        #expect(report.baseline == json["baseline"])
        #expect(p.baseline == .scalar(json["baseline"]!))
        // Band processing (tiny memory budget) gives the same result.
        o.memoryBudget = 12 * 20 * 4 * 5
        let (banded, r2) = try EmptyRegionEstimate.estimate(data.channels[0], options: o)
        #expect(r2.bands > 1)
        #expect(banded.flatfield == p.flatfield)
    }

    @Test("synthetic known flat-field: empty tiles recover it up to noise; textured tiles are ignored")
    func syntheticEmptyTiles() throws {
        let root = try FlatFieldSamples.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        _ = try FlatFieldSamples.writeTiles(in: root, count: 6, z: 5, rows: 32, cols: 28, empty: [1, 6], noise: 0.01)
        let data = try FlatFieldDataset(folder: root, grid: TileGrid(rows: 2, columns: 3))
        var o = EmptyRegionOptions(tiles: [1, 6])
        o.sigma = 0
        let (p, report) = try EmptyRegionEstimate.estimate(data.channels[0], grid: data.grid, options: o)
        #expect(report.tiles == [1, 6])
        #expect(meanAbs(p.flatfield.elements, FlatFieldSamples.flat(rows: 32, cols: 28)) < 0.005)
        #expect(abs(p.flatfieldMean - 1) < 1e-6)
    }

    @Test("z-levels: planes below low or above high, from the four corners by default")
    func zLevelsCorners() throws {
        let root = try FlatFieldSamples.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        // Planes 0–1 and 8–9 are empty in every tile; 2…7 hold the sample.
        _ = try FlatFieldSamples.writeTiles(in: root, count: 6, z: 10, rows: 16, cols: 16, noise: 0.005,
                                            emptyPlanes: { $0 < 2 || $0 > 7 })
        let data = try FlatFieldDataset(folder: root, grid: TileGrid(rows: 2, columns: 3))
        var o = EmptyRegionOptions(zLevels: (2, 7))
        o.planes = 12
        o.sigma = 0
        let samples = try EmptyRegionEstimate.choosePlanes(data.channels[0], grid: data.grid, options: o)
        #expect(Set(samples.map(\.tile)) == [1, 2, 5, 6])
        #expect(samples.allSatisfy { $0.z < 2 || $0.z > 7 })
        #expect(samples.count == 12)
        #expect(Dictionary(grouping: samples, by: \.tile).values.allSatisfy { $0.count == 3 })
        let (p, _) = try EmptyRegionEstimate.estimate(data.channels[0], grid: data.grid, options: o)
        #expect(meanAbs(p.flatfield.elements, FlatFieldSamples.flat(rows: 16, cols: 16)) < 0.005)
        // Deterministic for a seed, different for another.
        #expect(try EmptyRegionEstimate.choosePlanes(data.channels[0], grid: data.grid, options: o) == samples)
        o.seed = 7
        #expect(try EmptyRegionEstimate.choosePlanes(data.channels[0], grid: data.grid, options: o) != samples)
    }

    @Test("empty-region bad input: empty FOV list, FOV outside the grid, z-levels outside or selecting nothing, corners without grid, zeros, NaN")
    func emptyErrors() throws {
        let root = try FlatFieldSamples.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        _ = try FlatFieldSamples.writeTiles(in: root, count: 4, z: 3, rows: 8, cols: 8, empty: [1, 2, 3, 4])
        let data = try FlatFieldDataset(folder: root, grid: TileGrid(rows: 2, columns: 2))
        let c = data.channels[0]
        func reason(_ o: EmptyRegionOptions, grid: TileGrid?) -> String {
            do { _ = try EmptyRegionEstimate.estimate(c, grid: grid, options: o); return "" }
            catch let e as ScopeKitError { return e.reason } catch { return "\(error)" }
        }
        #expect(reason(EmptyRegionOptions(tiles: []), grid: data.grid).contains("FOV list is empty"))
        #expect(reason(EmptyRegionOptions(tiles: [5]), grid: data.grid).contains("outside the grid"))
        #expect(reason(EmptyRegionOptions(tiles: [0]), grid: data.grid).contains("start at 1"))
        #expect(reason(EmptyRegionOptions(zLevels: (1, 3)), grid: data.grid).contains("outside the stack"))
        #expect(reason(EmptyRegionOptions(zLevels: (0, 2)), grid: data.grid).contains("select no plane"))
        #expect(reason(EmptyRegionOptions(zLevels: (1, 1)), grid: nil).contains("need a grid"))
        #expect(reason(EmptyRegionOptions(), grid: data.grid).contains("needs a tile"))

        let zeros = try FlatFieldSamples.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: zeros) }
        try NPY.write(AnyArray(NDArray<UInt16>(zeros: [8, 8])), to: zeros.appendingPathComponent("a.npy"))
        var nan = NDArray<Float>(repeating: 5, shape: [8, 8]); nan.withUnsafeMutableBufferPointer { $0[9] = .nan }
        try NPY.write(AnyArray(nan), to: zeros.appendingPathComponent("b.npy"))
        let z = try FlatFieldDataset(folder: zeros).channels[0]
        #expect(throws: ScopeKitError.self) { try EmptyRegionEstimate.estimate(z, options: EmptyRegionOptions(tiles: [1])) }
        #expect { try EmptyRegionEstimate.estimate(z, options: EmptyRegionOptions(tiles: [2])) } throws: { e in
            (e as? ScopeKitError)?.reason.contains("nan") == true
        }
    }

    @Test("round-robin sampling: every tile contributes, no repeats, exhausted tiles are skipped")
    func roundRobin() {
        let picks = PlaneSampling.roundRobin(candidates: [(1, Array(0..<100)), (2, [5]), (3, Array(0..<100))],
                                             count: 9, seed: 3)
        #expect(picks.filter { $0.tile == 2 } == [SampledPlane(tile: 2, z: 5)])
        #expect(picks.filter { $0.tile == 1 }.count == 4)
        #expect(picks.filter { $0.tile == 3 }.count == 4)
        #expect(Set(picks.map { "\($0.tile)-\($0.z)" }).count == 9)
        #expect(PlaneSampling.roundRobin(candidates: [(1, [0, 1])], count: 5, seed: 0).count == 2)
    }

    @Test("Gaussian smoothing matches scipy's reflect mode on a ramp and keeps constants")
    func gaussian() {
        let c = GaussianSmoothing.reflect(NDArray(repeating: 2, shape: [5, 6]), sigma: 1)
        #expect(c.elements.allSatisfy { abs($0 - 2) < 1e-6 })
        // scipy.ndimage.gaussian_filter(np.arange(8, dtype=np.float32)[None, :], 1) (mode 'reflect').
        let ramp = GaussianSmoothing.reflect(NDArray((0..<8).map { Float($0) }, shape: [1, 8]), sigma: 1)
        let scipy: [Float] = [0.4270409643650055, 1.0679558515548706, 2.004833459854126, 3.000133752822876,
                              3.999866247177124, 4.995166778564453, 5.93204402923584, 6.572958946228027]
        #expect(maxAbsDiff(ramp.elements, scipy) < 2e-6)
    }

    // MARK: BaSiC

    @Test("BaSiC scenario on a channel streams planes; per-image baseline in tile order")
    func basicOnChannel() throws {
        let root = try FlatFieldSamples.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        _ = try FlatFieldSamples.writeTiles(in: root, count: 8, z: 2, rows: 32, cols: 32, noise: 0.01)
        let c = try FlatFieldDataset(folder: root).channels[0]
        var p = BaSiC.Parameters()
        p.workingSize = .square(16)
        p.fittingMode = .approximate
        let (profiles, basic, planes) = try BaSiCEstimate.fit(c, parameters: p)
        #expect(planes.count == 16)
        #expect(planes[1] == SampledPlane(tile: 1, z: 1))
        #expect(profiles.flatfield.shape == [32, 32])
        #expect(basic.baseline.count == 16)
        if case let .perImage(b)? = profiles.baseline { #expect(b.count == 16) } else { Issue.record("no baseline") }
        let (_, _, few) = try BaSiCEstimate.fit(c, parameters: p, maxImages: 5)
        #expect(few.count == 5)
    }
}
