import RealModule

/// Deterministic synthetic microscopy data for the demo, tests and benchmarks.
///
/// Every generator takes a seed; the same seed gives the same bytes on every machine and for any thread
/// count (noise is drawn from a generator seeded per row).
public enum SampleData {
    /// A fluorescence-like image: round nuclei on a dim background, vignetting (a known flat-field) and
    /// shot-like noise, stored as uint16 with a pixel size of 0.65 µm.
    ///
    /// - Parameters:
    ///   - rows: image height in pixels.
    ///   - cols: image width in pixels.
    ///   - cells: number of nuclei.
    ///   - seed: the random seed.
    /// - Returns: a `[rows, cols]` uint16 image with calibration and metadata describing how it was made.
    /// - Complexity: O(rows · cols · cells).
    ///
    /// ```swift
    /// let image = SampleData.fluorescence(rows: 256, cols: 256)
    /// ```
    public static func fluorescence(rows: Int = 512, cols: Int = 512, cells: Int = 60,
                                    seed: UInt64 = 1) -> NDArray<UInt16> {
        var rng = SeededGenerator(seed: seed)
        struct Cell { var row, col, radius, brightness: Double }
        let nuclei = (0..<cells).map { _ in
            Cell(row: rng.nextUniform() * Double(rows), col: rng.nextUniform() * Double(cols),
                 radius: 6 + 8 * rng.nextUniform(), brightness: 800 + 1700 * rng.nextUniform())
        }
        let background = 100.0
        let centreRow = Double(rows - 1) / 2, centreCol = Double(cols - 1) / 2
        let maxRadius2 = centreRow * centreRow + centreCol * centreCol
        var image = NDArray<UInt16>(unsafeUninitializedShape: [rows, cols]) { out in
            let target = UncheckedSendable(out)
            Parallel.forEach(0..<rows) { r in
                var noise = SeededGenerator(seed: seed &* 0x9E37_79B9 &+ UInt64(r))
                let y = Double(r)
                for c in 0..<cols {
                    let x = Double(c)
                    var signal = background
                    for n in nuclei {
                        let dr = y - n.row, dc = x - n.col
                        let d = (dr * dr + dc * dc).squareRoot()
                        if d < n.radius + 8 { signal += n.brightness / (1 + Double.exp((d - n.radius) / 1.5)) }
                    }
                    let r2 = ((y - centreRow) * (y - centreRow) + (x - centreCol) * (x - centreCol)) / maxRadius2
                    let shaded = signal * (1 - 0.35 * r2)
                    let noisy = shaded + shaded.squareRoot() * noise.nextGaussian()
                    target.value[r * cols + c] = UInt16(Swift.min(Swift.max(noisy.rounded(), 0), 65535))
                }
            }
        }
        image.calibration.axes = [AxisCalibration(name: "y", scale: 0.65, unit: "µm"),
                                  AxisCalibration(name: "x", scale: 0.65, unit: "µm")]
        image.metadata["scopekit.sample"] = "fluorescence(rows: \(rows), cols: \(cols), cells: \(cells), seed: \(seed))"
        image.metadata["scopekit.flatfield"] = "1 - 0.35 * (r / r_corner)^2"
        return image
    }
}
