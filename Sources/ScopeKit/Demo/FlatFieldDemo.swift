import Foundation

/// The flat-field demo job: a mosaic of vignetted tiles with a known flat-field, corrected by profiles from
/// the empty corner tiles and by the BaSiC model.
///
/// ```swift
/// let report = try FlatFieldDemo.generateAndCorrect(in: folder, overwrite: true)
/// report.basicMAE        // mean |Ŝ − S| of the BaSiC flat-field, ≈ 0.003
/// ```
public enum FlatFieldDemo {
    public static let job = DemoJob(
        name: "flatfield",
        summary: "vignetted mosaic with a known flat-field: empty-corner and BaSiC profiles, corrected tiles") {
            folder, overwrite in try run(in: folder, overwrite: overwrite)
        }

    /// How well the flat-field was recovered.
    public struct Report: Sendable, Equatable {
        /// Mean |Ŝ − S| of the empty-corner estimate and of the BaSiC fit (both normalised to mean 1).
        public var emptyMAE: Double
        public var basicMAE: Double
        /// Coefficient of variation of the mosaic's background before and after correction (BaSiC).
        public var backgroundCVBefore: Double
        public var backgroundCVAfter: Double
        /// The files written (relative to the folder).
        public var files: [String]
    }

    /// The true flat-field: an off-centre quadratic vignette, edge ≈ 0.55 of the centre, mean 1.
    public static func trueFlatfield(rows: Int, cols: Int) -> NDArray<Float> {
        var s = [Double](repeating: 0, count: rows * cols)
        for r in 0..<rows {
            for c in 0..<cols {
                let y = (Double(r) + 0.5) / Double(rows) * 2 - 1.1, x = (Double(c) + 0.5) / Double(cols) * 2 - 0.9
                s[r * cols + c] = 1 - 0.25 * (x * x + y * y)
            }
        }
        let m = s.reduce(0, +) / Double(s.count)
        return NDArray(s.map { Float($0 / m) }, shape: [rows, cols])
    }

    /// Tile `t` (1-based) of the mosaic: round nuclei (30 per 128²) on a background of 200, times the flat-field, with 1 %
    /// noise; empty tiles hold background only.
    static func tile(_ t: Int, rows: Int, cols: Int, flat: NDArray<Float>, empty: Bool, seed: UInt64) -> NDArray<UInt16> {
        var rng = SeededGenerator(seed: seed &* 31 &+ UInt64(t))
        let count = empty ? 0 : Swift.max(2, 30 * rows * cols / (128 * 128))
        let nuclei = (0..<count).map { _ in
            (rng.nextUniform() * Double(rows), rng.nextUniform() * Double(cols), 4 + 6 * rng.nextUniform(),
             600 + 1500 * rng.nextUniform())
        }
        let f = flat.elements
        return NDArray<UInt16>(unsafeUninitializedShape: [rows, cols]) { out in
            for r in 0..<rows {
                for c in 0..<cols {
                    var signal = 200.0
                    for (nr, nc, radius, brightness) in nuclei {
                        let d = ((Double(r) - nr) * (Double(r) - nr) + (Double(c) - nc) * (Double(c) - nc)).squareRoot()
                        if d < radius + 6 { signal += brightness / (1 + Foundation.exp((d - radius) / 1.2)) }
                    }
                    let v = signal * Double(f[r * cols + c]) * (1 + 0.01 * rng.nextGaussian())
                    out[r * cols + c] = UInt16(max(0, min(65535, v.rounded())))
                }
            }
        }
    }

    /// Generates the mosaic in `folder/tiles`, estimates profiles both ways into `folder/models`, applies the
    /// BaSiC profiles into `folder/corrected`, and writes previews.
    public static func generateAndCorrect(in folder: URL, overwrite: Bool, grid: (rows: Int, columns: Int) = (4, 6),
                                          size: Int = 128, workingSize: Int = 128,
                                          seed: UInt64 = 11) throws -> Report {
        let fm = FileManager.default
        let tiles = folder.appendingPathComponent("tiles")
        try fm.createDirectory(at: tiles, withIntermediateDirectories: true)
        let g = try TileGrid(rows: grid.rows, columns: grid.columns)
        let truth = trueFlatfield(rows: size, cols: size)
        var files: [String] = []
        for t in 1...g.count {
            let name = String(format: "tile_%03d.tif", t)
            let image = tile(t, rows: size, cols: size, flat: truth, empty: g.corners.contains(t), seed: seed)
            try ImageIO.write(AnyArray(image), to: tiles.appendingPathComponent(name), options: WriteOptions(overwrite: overwrite))
            files.append("tiles/" + name)
        }
        let data = try FlatFieldDataset(folder: tiles, grid: g, only: ["demo"])
        let channel = data.channels[0]
        let models = folder.appendingPathComponent("models")
        // Empty corners (z-levels are not needed for 2-D tiles: the FOV list is the corners).
        let empty = try FlatFieldEstimation.estimate(channel, grid: g, method: .emptyRegions(EmptyRegionOptions(tiles: g.corners)))
        var emptySettings = empty.settings
        emptySettings.channel = "demo-empty"
        try FlatFieldModelStore.save(empty.profiles, settings: emptySettings, models: models, overwrite: overwrite)
        var p = BaSiC.Parameters()
        p.fittingMode = .approximate
        p.workingSize = .square(workingSize)
        let basic = try FlatFieldEstimation.estimate(channel, grid: g, method: .basic(p, maxImages: 1000, seed: 0))
        try FlatFieldModelStore.save(basic.profiles, settings: basic.settings, basicParameters: p, models: models,
                                     overwrite: overwrite)
        for c in ["demo-empty", "demo"] {
            files += FlatFieldModelStore.fileNames.map { "models/\(c)/\($0)" }
        }
        let corrector = try FlatFieldCorrector(profiles: basic.profiles, planeShape: [size, size])
        let written = try FlatFieldApply.run(channel, corrector: corrector, output: folder.appendingPathComponent("corrected"),
                                             overwrite: overwrite)
        files += written.map { "corrected/" + $0.lastPathComponent }

        // Mosaics before/after (tile k at its inverted-N position) and the flat-fields side by side.
        func mosaic(_ read: (Int) throws -> NDArray<Float>) throws -> NDArray<Float> {
            var m = [Float](repeating: 0, count: g.count * size * size)
            let width = g.columns * size
            for t in 1...g.count {
                let (r, c) = g.position(of: t)
                let img = try read(t).elements
                for y in 0..<size { for x in 0..<size { m[(r * size + y) * width + c * size + x] = img[y * size + x] } }
            }
            return NDArray(m, shape: [g.rows * size, width])
        }
        let before = try mosaic { try ImageIO.read(channel.tiles[$0 - 1].url).asFloat32() }
        let after = try mosaic { try ImageIO.read(written[$0 - 1]).asFloat32() }
        let previews: [(String, NDArray<Float>)] = [("mosaic-before.png", before), ("mosaic-after.png", after)]
        for (name, image) in previews {
            let rgb = try Renderer.render(AnyArray(image), options: RenderOptions(mapping: .percentile(0.5, 99.5)))
            try PNG.write(rgb, to: folder.appendingPathComponent(name), overwrite: overwrite)
            files.append(name)
        }
        var side = [Float](repeating: 0, count: size * size * 3)
        let panels = [truth.elements, empty.profiles.flatfield.elements, basic.profiles.flatfield.elements]
        for y in 0..<size {
            for (k, panel) in panels.enumerated() {
                for x in 0..<size { side[y * 3 * size + k * size + x] = panel[y * size + x] }
            }
        }
        let flats = try Renderer.render(AnyArray(NDArray(side, shape: [size, 3 * size])),
                                        options: RenderOptions(mapping: .minMax, colormap: .viridis, colorBar: true))
        try PNG.write(flats, to: folder.appendingPathComponent("flatfields-truth-empty-basic.png"), overwrite: overwrite)
        files.append("flatfields-truth-empty-basic.png")

        func mae(_ a: NDArray<Float>) -> Double {
            zip(a.elements, truth.elements).reduce(0.0) { $0 + Double(abs($1.0 - $1.1)) } / Double(truth.count)
        }
        // Background CV over the corner (empty) tiles of the mosaic.
        func cv(_ m: NDArray<Float>) -> Double {
            var v: [Double] = []
            let pixels = m.elements
            for t in g.corners {
                let (r, c) = g.position(of: t)
                for y in 0..<size { for x in 0..<size { v.append(Double(pixels[(r * size + y) * g.columns * size + c * size + x])) } }
            }
            let mean = v.reduce(0, +) / Double(v.count)
            return (v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(v.count)).squareRoot() / mean
        }
        return Report(emptyMAE: mae(empty.profiles.flatfield), basicMAE: mae(basic.profiles.flatfield),
                      backgroundCVBefore: cv(before), backgroundCVAfter: cv(after), files: files)
    }

    /// Runs the demo and returns summary lines.
    public static func run(in folder: URL, overwrite: Bool) throws -> [String] {
        let r = try generateAndCorrect(in: folder, overwrite: overwrite)
        return [
            "24 tiles 128² (4×6 grid, inverted-N), known off-centre vignette (edge ≈ 0.55 of centre), 4 empty corners",
            String(format: "flat-field MAE: empty corners %.4f, BaSiC (approximate) %.4f", r.emptyMAE, r.basicMAE),
            String(format: "background variation (CV) of the empty tiles: %.3f before, %.3f after", r.backgroundCVBefore,
                   r.backgroundCVAfter),
            "wrote tiles/, models/{demo,demo-empty}/ (profiles.npz, settings, previews), corrected/, mosaic-before.png, "
                + "mosaic-after.png, flatfields-truth-empty-basic.png",
        ]
    }
}
