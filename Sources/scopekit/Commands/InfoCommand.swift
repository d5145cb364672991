import ArgumentParser
import Foundation
import ScopeKit

/// `scopekit info FILE`: format, shape, dtype, calibration and metadata, without reading pixels.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Show a file's format, shape, dtype, calibration and metadata.")

    @Argument(help: "An image file, or a folder of 2-D images (read as a stack).")
    var file: String

    @OptionGroup var common: CommonOptions

    /// The JSON form of the report.
    struct Report: Encodable {
        let file: String
        let format: String
        let shape: [Int]
        let dtype: String
        let planes: Int
        let planeShape: [Int]
        let calibration: Calibration
        let metadata: Metadata
    }

    func run() throws {
        common.apply()
        let info = try ImageIO.open(URL(fileURLWithPath: file)).info
        let report = Report(file: file, format: info.formatName, shape: info.shape, dtype: info.dtype.name,
                            planes: info.planeCount, planeShape: info.planeShape,
                            calibration: info.calibration, metadata: info.metadata)
        if common.json {
            print(try JSONText.encode(report))
            return
        }
        if common.quiet { return }
        print("file:     \(file)")
        print("format:   \(info.formatName)")
        print("shape:    \(info.shape.map(String.init).joined(separator: " × "))  (\(info.planeCount) plane(s) of \(info.planeShape))")
        print("dtype:    \(info.dtype)")
        for (axis, extent) in zip(info.calibration.axes, info.shape) {
            let name = axis.name.isEmpty ? "axis" : axis.name
            print("axis \(name): \(extent) × \(Format.number(axis.scale)) \(axis.unit), origin \(Format.number(axis.origin))")
        }
        let intensity = info.calibration.intensity
        if !intensity.isIdentity || !intensity.unit.isEmpty {
            print("intensity: offset \(Format.number(intensity.offset)), scale \(Format.number(intensity.scale)) \(intensity.unit)")
        }
        for (key, value) in info.metadata {
            let shown = value.count > 100 ? String(value.prefix(97)) + "…" : value
            print("\(key): \(shown.replacingOccurrences(of: "\n", with: " "))")
        }
    }
}
