import RealModule
import Foundation

/// The foundation's demo job: a calibrated sample image through the formats, statistics, Fourier and rendering.
///
/// Writes `sample.tif` (Deflate, calibrated) and `sample.npy`, reads both back and checks every pixel and the
/// calibration, computes statistics and an Otsu mask, a log power spectrum, and PNG previews.
public enum FoundationDemo {
    /// The job as registered in ``Demo/jobs``.
    public static let job = DemoJob(
        name: "foundation",
        summary: "formats round trip, statistics, Otsu mask, power spectrum, previews") { folder, overwrite in
            try run(in: folder, overwrite: overwrite)
        }

    /// Runs the job in `folder`.
    public static func run(in folder: URL, overwrite: Bool, sample: NDArray<UInt16>? = nil) throws -> [String] {
        let image = sample ?? SampleData.fluorescence(rows: 512, cols: 512)
        func url(_ name: String) -> URL { folder.appendingPathComponent(name) }
        var lines: [String] = []

        // Formats: write TIFF (Deflate + predictor) and NPY, read back, compare.
        let tiffOptions = WriteOptions(compression: .deflate, overwrite: overwrite)
        try ImageIO.write(AnyArray(image), to: url("sample.tif"), options: tiffOptions)
        try ImageIO.write(AnyArray(image), to: url("sample.npy"), options: WriteOptions(overwrite: overwrite))
        for name in ["sample.tif", "sample.npy"] {
            let back = try ImageIO.read(url(name))
            guard back.typed(as: UInt16.self) == image else {
                throw ScopeKitError.processing("read-back of \(name) differs from what was written")
            }
            if name.hasSuffix(".tif") {
                let x = back.calibration.axes.last
                guard x?.unit == "µm", abs((x?.scale ?? 0) - 0.65) < 1e-9 else {
                    throw ScopeKitError.processing("calibration lost in \(name): \(String(describing: x))")
                }
            }
        }
        let tiffBytes = (try? FileManager.default.attributesOfItem(atPath: url("sample.tif").path)[.size] as? Int) ?? 0
        lines.append("sample \(image.shape[0])×\(image.shape[1]) uint16, 0.65 µm/px: TIFF (Deflate, \(tiffBytes / 1024) KiB) and NPY read back identical")

        // Statistics and an Otsu mask (true = foreground here, for display).
        let (low, high) = try image.extrema()!
        let mean = try image.mean()
        let median = try image.median()
        let p99 = try image.percentile(99)
        let threshold = try image.otsuThreshold()
        let mask = image.map { Double($0) > threshold }
        let foreground = Double(Mask(including: mask).usedCount) / Double(image.count)
        lines.append(String(format: "min %d, max %d, mean %.1f, median %.1f, p99 %.1f, Otsu threshold %.1f (%.1f %% foreground)",
                            Int(low), Int(high), mean, median, p99, threshold, 100 * foreground))

        // Previews.
        var options = RenderOptions(mapping: .percentile(0.5, 99.5), colormap: .viridis)
        options.colorBar = true
        options.scaleBar = true
        try PNG.write(try Renderer.render(AnyArray(image), options: options), to: url("sample.png"), overwrite: overwrite)
        try PNG.write(try Renderer.render(AnyArray(mask.map { UInt8($0 ? 255 : 0) }), options: RenderOptions()),
                      to: url("otsu-mask.png"), overwrite: overwrite)

        // Log power spectrum, centred.
        let work = AnyArray(image).asFloat32()
        let spectrum = try FFT.shift(try FFT.forward2D(SplitComplexArray(real: work)).magnitude)
        let logPower = spectrum.map { Float.log(1 + $0) }
        try PNG.write(try Renderer.render(AnyArray(logPower), options: RenderOptions(mapping: .percentile(1, 99.9),
                                                                                      colormap: .magma)),
                      to: url("spectrum.png"), overwrite: overwrite)
        lines.append("previews: sample.png (viridis, colour and scale bar), otsu-mask.png, spectrum.png (log power)")
        return lines
    }
}
