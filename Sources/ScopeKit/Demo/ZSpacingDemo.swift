import Foundation

/// Figures for z-spacing results: the positions plot, a matrix preview and y–z reslices (used by
/// `scopekit zspacing` and the demo).
///
/// ```swift
/// let plot = try ZSpacingFigures.positionsPlot(result)              // RGB [480, 640, 3]
/// try PNG.write(plot, to: url, overwrite: false)
/// ```
public enum ZSpacingFigures {
    /// Corrected position against section index (input order), with the identity line (uniform spacing)
    /// and optionally a ground truth.
    ///
    /// - Parameters:
    ///   - result: the inference result.
    ///   - truth: ground-truth positions in the same units (input order), drawn as orange markers.
    ///   - others: further labelled position lists (e.g. another preset), drawn as lines.
    ///   - title: the plot title.
    /// - Returns: an RGB image `[480, 640, 3]`.
    public static func positionsPlot(_ result: ZSpacingResult, truth: [Double]? = nil,
                                     others: [(label: String, positions: [Double])] = [],
                                     title: String? = nil) throws -> NDArray<UInt8> {
        let n = result.count
        let last = Double(Swift.max(n - 1, 1))
        var series = [PlotSeries(label: "uniform", x: [0, last], y: [0, last], color: .plotGray)]
        if let truth { series.append(PlotSeries(label: "truth", y: truth, color: .plotOrange, style: .markers, markerSize: 5)) }
        let colors: [RGBAColor] = [.plotGreen, .plotRed]
        for (k, other) in others.enumerated() {
            series.append(PlotSeries(label: other.label, y: other.positions, color: colors[k % colors.count]))
        }
        series.append(PlotSeries(label: "corrected", y: result.positions, color: .plotBlue, style: .lineAndMarkers))
        let options = PlotOptions(title: title ?? "Corrected z positions (\(n) sections, range \(result.range))",
                                  xLabel: "section index", yLabel: "corrected position (nominal spacing)")
        return try Plot.render(series, options: options)
    }

    /// A similarity matrix as a viridis image (window 0…1, NaN black), magnified by an integer factor so
    /// that it is at least `minimumSize` pixels wide.
    public static func matrixPreview(_ matrix: NDArray<Float>, minimumSize: Int = 512) throws -> NDArray<UInt8> {
        let rgb = try Renderer.render(AnyArray(matrix),
                                      options: RenderOptions(mapping: .window(0, 1), colormap: .viridis, nanColor: .black))
        return magnified(rgb, by: Swift.max(1, minimumSize / Swift.max(matrix.shape.last ?? 1, 1)))
    }

    /// A grey preview of a 2-D float image (percentile 0.5…99.5), magnified by `factor` along rows and
    /// `factor` along columns (nearest neighbour).
    public static func greyPreview(_ image: NDArray<Float>, rowFactor: Int = 1, columnFactor: Int = 1) throws -> NDArray<UInt8> {
        let rgb = try Renderer.render(AnyArray(image), options: RenderOptions(mapping: .percentile(0.5, 99.5)))
        return magnified(rgb, rows: rowFactor, columns: columnFactor)
    }

    /// The y–z reslice of a stack `[N, rows, cols]` at column `column`: an image `[N, rows]` whose row z is
    /// column `column` of section z (z down, y across).
    public static func reslice(_ stack: NDArray<Float>, column: Int) -> NDArray<Float> {
        let n = stack.shape[0], rows = stack.shape[1], cols = stack.shape[2]
        return stack.withUnsafeBufferPointer { p in
            NDArray<Float>(unsafeUninitializedShape: [n, rows]) { out in
                for z in 0..<n { for y in 0..<rows { out[z * rows + y] = p[(z * rows + y) * cols + column] } }
            }
        }
    }

    /// Nearest-neighbour magnification of an `[rows, cols, channels]` image by the same factor on both axes.
    public static func magnified(_ image: NDArray<UInt8>, by factor: Int) -> NDArray<UInt8> {
        magnified(image, rows: factor, columns: factor)
    }

    /// Nearest-neighbour magnification by separate row and column factors (≥ 1).
    public static func magnified(_ image: NDArray<UInt8>, rows fr: Int, columns fc: Int) -> NDArray<UInt8> {
        guard fr > 1 || fc > 1 else { return image }
        let rows = image.shape[0], cols = image.shape[1], ch = image.shape[2]
        return image.withUnsafeBufferPointer { p in
            NDArray<UInt8>(unsafeUninitializedShape: [rows * fr, cols * fc, ch]) { out in
                for r in 0..<(rows * fr) {
                    for c in 0..<(cols * fc) {
                        let s = ((r / fr) * cols + c / fc) * ch, d = (r * cols * fc + c) * ch
                        for k in 0..<ch { out[d + k] = p[s + k] }
                    }
                }
            }
        }
    }
}

/// The z-spacing demo job: a synthetic serial-section stack with known random section spacing, corrected
/// with the Fiji defaults and with frozen quality factors.
///
/// The stack: an AR(1) texture along z (correlation ρ = 0.95 per fine slice, white in x and y, so
/// NCC(Δz) ≈ ρ^Δz), sampled at integer gaps drawn uniformly from 1…5 fine slices (spec §6, "AR(1) volume");
/// `sections` sections of `size × size` float32 pixels. Writes into `folder`:
/// `zspacing-input.tif` (the stack, z calibration = nominal spacing), `zspacing-corrected.tif` (frozen
/// preset), `zspacing-positions.csv` (Fiji's columns, frozen preset), `zspacing-positions.png` (positions
/// against truth), `zspacing-deviation.png` (position − index for truth and both presets), `zspacing-before.png` / `zspacing-after.png` / `zspacing-truth.png` (y–z reslices of
/// the input, the corrected stack, and the stack rendered at the true positions).
///
/// ```swift
/// for line in try ZSpacingDemo.run(in: folder, overwrite: true) { print(line) }
/// ```
public enum ZSpacingDemo {
    /// The job as registered in ``Demo/jobs``.
    public static let job = DemoJob(
        name: "zspacing",
        summary: "synthetic serial sections with random spacing: similarity, inference (Fiji and frozen), render") {
            folder, overwrite in try run(in: folder, overwrite: overwrite)
        }

    /// RMSE of positions (uniform baseline and both presets) against the normalised ground truth.
    public struct Report: Sendable, Equatable {
        /// Ground-truth positions mapped to [0, N − 1].
        public var truth: [Double]
        /// RMSE of the uniform spacing (no correction).
        public var uniformRMSE: Double
        /// RMSE with the Fiji defaults.
        public var fijiRMSE: Double
        /// RMSE with frozen quality factors.
        public var frozenRMSE: Double
        /// The files written (names in the folder).
        public var files: [String]
    }

    /// Runs the demo and returns human-readable summary lines.
    ///
    /// - Parameters:
    ///   - folder: where the files are written (created if missing).
    ///   - overwrite: replace existing files.
    ///   - sections: number of sections N (default 120).
    ///   - size: section side in pixels (default 128).
    ///   - seed: the random seed.
    /// - Throws: ``ScopeKitError`` from the writers (e.g. an existing file without `overwrite`).
    public static func run(in folder: URL, overwrite: Bool, sections: Int = 120, size: Int = 128,
                           seed: UInt64 = 5) throws -> [String] {
        let start = Date()
        let report = try generateAndCorrect(in: folder, overwrite: overwrite, sections: sections, size: size, seed: seed)
        let f = { (v: Double) in String(format: "%.2f", v) }
        return [
            "z-spacing: \(sections) sections of \(size)×\(size) px at random gaps U{1..5} (AR(1) texture, ρ = 0.95)",
            "  position RMSE (nominal spacing): uniform \(f(report.uniformRMSE)) → Fiji defaults \(f(report.fijiRMSE)) "
                + "→ frozen quality \(f(report.frozenRMSE))",
            "  wrote \(report.files.joined(separator: ", ")) in \(String(format: "%.1f", Date().timeIntervalSince(start))) s",
        ]
    }

    /// The work of ``run(in:overwrite:sections:size:seed:)``, returning the numbers.
    public static func generateAndCorrect(in folder: URL, overwrite: Bool, sections: Int = 120, size: Int = 128,
                                          seed: UInt64 = 5) throws -> Report {
        guard sections >= 3, size >= 8 else { throw ScopeKitError.usage("the z-spacing demo needs ≥ 3 sections of ≥ 8 px") }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let (stack, z) = syntheticStack(sections: sections, size: size, rho: 0.95, gaps: 1...5, seed: seed)
        let n = sections
        let truth = z.map { Double($0 - z[0]) * Double(n - 1) / Double(z[n - 1] - z[0]) }

        let matrix = try ZSpacing.similarity(of: stack, options: .fiji)
        let fiji = try ZSpacing.estimatePositions(from: matrix, options: .fiji)
        let frozen = try ZSpacing.estimatePositions(from: matrix, options: .frozenQuality)
        let uniform = (0..<n).map(Double.init)

        var files: [String] = []
        func url(_ name: String) -> URL { files.append(name); return folder.appendingPathComponent(name) }
        let options = WriteOptions(overwrite: overwrite)
        try ImageIO.write(AnyArray(stack), to: url("zspacing-input.tif"), options: options)
        let corrected = try ZSpacingRenderer.render(stack, result: frozen)
        try ImageIO.write(AnyArray(corrected), to: url("zspacing-corrected.tif"), options: options)
        try frozen.writeCSV(to: url("zspacing-positions.csv"), overwrite: overwrite)
        let plot = try ZSpacingFigures.positionsPlot(frozen, truth: truth, others: [("Fiji defaults", fiji.positions)],
                                                     title: "Synthetic stack: positions vs truth")
        try PNG.write(plot, to: url("zspacing-positions.png"), overwrite: overwrite)
        // Deviation from uniform spacing (position − index) shows the errors that the positions plot hides.
        func deviation(_ p: [Double]) -> [Double] { p.enumerated().map { $0.element - Double($0.offset) } }
        let deviations = [PlotSeries(label: "truth", y: deviation(truth), color: .plotOrange, style: .markers, markerSize: 5),
                          PlotSeries(label: "Fiji defaults", y: deviation(fiji.positions), color: .plotGreen),
                          PlotSeries(label: "frozen quality", y: deviation(frozen.positions), color: .plotBlue)]
        let deviationPlot = try Plot.render(deviations, options: PlotOptions(
            title: "Position minus section index", xLabel: "section index", yLabel: "deviation (nominal spacing)",
            legendPosition: .bottomLeft))
        try PNG.write(deviationPlot, to: url("zspacing-deviation.png"), overwrite: overwrite)

        // y–z reslices, stretched ×3 in z so that a section is as tall as a fine slice is wide on average.
        let truthResult = ZSpacingResult(positions: truth, sortedPositions: truth, forwardPermutation: Array(0..<n),
                                         backwardPermutation: Array(0..<n), uncertainty: [], curve: [], localCurves: [],
                                         scalingFactors: [], range: matrix.range)
        let reference = try ZSpacingRenderer.render(stack, result: truthResult)
        for (name, volume) in [("zspacing-before.png", stack), ("zspacing-after.png", corrected),
                               ("zspacing-truth.png", reference)] {
            let image = try ZSpacingFigures.greyPreview(ZSpacingFigures.reslice(volume, column: size / 2),
                                                        rowFactor: 3, columnFactor: 2)
            try PNG.write(image, to: url(name), overwrite: overwrite)
        }
        return Report(truth: truth, uniformRMSE: rmse(uniform, truth), fijiRMSE: rmse(fiji.positions, truth),
                      frozenRMSE: rmse(frozen.positions, truth), files: files)
    }

    /// A stack of `sections` sections of an AR(1)-along-z texture sampled at random integer gaps, and the
    /// fine-slice index of every section. Deterministic for a seed.
    public static func syntheticStack(sections: Int, size: Int, rho: Double, gaps: ClosedRange<Int>,
                                      seed: UInt64) -> (stack: NDArray<Float>, z: [Int]) {
        var rng = SeededGenerator(seed: seed)
        var z = [0]
        while z.count < sections { z.append(z.last! + Int.random(in: gaps, using: &rng)) }
        let pixels = size * size
        let innovation = Float((1 - rho * rho).squareRoot()), r = Float(rho)
        var current = (0..<pixels).map { _ in Float(rng.nextGaussian()) }
        var stack = NDArray<Float>(unsafeUninitializedShape: [sections, size, size]) { out in
            var slice = 0
            for (k, target) in z.enumerated() {
                while slice < target {
                    for i in 0..<pixels { current[i] = r * current[i] + innovation * Float(rng.nextGaussian()) }
                    slice += 1
                }
                for i in 0..<pixels { out[k * pixels + i] = current[i] }
            }
        }
        stack.calibration.axes = [AxisCalibration(name: "z", scale: 1, unit: "section"),
                                  AxisCalibration(name: "y"), AxisCalibration(name: "x")]
        stack.metadata["scopekit.sample"] = "zspacing AR(1) rho \(rho), gaps \(gaps), seed \(seed)"
        return (stack, z)
    }

    static func rmse(_ a: [Double], _ b: [Double]) -> Double {
        (zip(a, b).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / Double(Swift.max(a.count, 1))).squareRoot()
    }
}
