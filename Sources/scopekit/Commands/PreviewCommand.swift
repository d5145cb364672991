import ArgumentParser
import Foundation
import ScopeKit

/// `scopekit preview IN OUT.png`: renders one frame with a mapping and a colormap, optional bars.
struct PreviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preview",
        abstract: "Render a frame to PNG with an intensity mapping, a colormap, and optional colour and scale bars.",
        discussion: """
            Mappings: min-max (default), percentile (--percentiles LOW,HIGH, default 0.5,99.5), window
            (--window LOW,HIGH in stored values), symmetric (a window centred on 0, for difference images).
            --gamma and --log then shape the windowed values. Colormaps: \(Colormap.names.joined(separator: ", ")).
            """)

    @Argument(help: "The input file or folder.")
    var input: String

    @Argument(help: "The output PNG.")
    var output: String

    @Option(help: "The frame of a stack to render (0-based).")
    var frame: Int = 0

    @Option(help: "Intensity mapping: min-max, percentile, window, symmetric.")
    var mapping: String = "min-max"

    @Option(help: "Low and high percentiles for --mapping percentile (or symmetric: one value).")
    var percentiles: String?

    @Option(help: "Low and high stored values for --mapping window.")
    var window: String?

    @Option(help: "Gamma applied after the window.")
    var gamma: Double?

    @Option(help: "Logarithmic stretch a: log1p(a·v)/log1p(a).")
    var log: Double?

    @Option(help: "Colormap name (append _r to reverse).")
    var colormap: String = "gray"

    @Flag(help: "Add a colour bar with data values.")
    var colorBar = false

    @Flag(help: "Add a scale bar from the x calibration.")
    var scaleBar = false

    @OptionGroup var outputOptions: OutputOptions
    @OptionGroup var common: CommonOptions

    func run() throws {
        common.apply()
        let file = try ImageIO.open(URL(fileURLWithPath: input))
        let info = file.info
        guard frame >= 0, frame < max(info.planeCount, 1) else {
            throw ScopeKitError.usage("--frame \(frame) is outside 0..<\(info.planeCount)")
        }
        var plane = try file.readPlane(frame)
        // The plane carries the file's in-plane calibration (the last axes).
        var calibration = plane.calibration
        calibration.axes = Array(info.calibration.axes.suffix(info.planeShape.count))
        calibration.intensity = info.calibration.intensity
        plane.calibration = calibration

        var options = RenderOptions(mapping: try parsedMapping(), colormap: try Colormap(named: colormap))
        options.colorBar = colorBar
        options.scaleBar = scaleBar
        let rgb = try Renderer.render(plane, options: options)
        try PNG.write(rgb, to: URL(fileURLWithPath: output), overwrite: outputOptions.force)
        if common.json {
            print(try JSONText.encode(["output": output, "frame": String(frame),
                                       "shape": rgb.shape.map(String.init).joined(separator: "x")]))
        } else if !common.quiet {
            print("wrote \(output): frame \(frame) of \(info.planeCount), \(rgb.shape[1])×\(rgb.shape[0]) px")
        }
    }

    /// Builds the mapping from the options.
    private func parsedMapping() throws -> IntensityMapping {
        var result: IntensityMapping
        switch mapping.lowercased() {
        case "min-max", "minmax":
            result = .minMax
        case "percentile":
            let p = try numbers(percentiles ?? "0.5,99.5", count: 2, name: "--percentiles")
            result = .percentile(p[0], p[1])
        case "window":
            guard let window else { throw ScopeKitError.usage("--mapping window needs --window LOW,HIGH") }
            let w = try numbers(window, count: 2, name: "--window")
            result = .window(w[0], w[1])
        case "symmetric":
            let p = try numbers(percentiles ?? "100", count: 1, name: "--percentiles")
            result = .symmetric(percentile: p[0])
        default:
            throw ScopeKitError.usage("unknown mapping '\(mapping)' (min-max, percentile, window, symmetric)")
        }
        if let gamma { result = result.gamma(gamma) }
        if let log { result = result.log(log) }
        try result.validate()
        return result
    }

    private func numbers(_ text: String, count: Int, name: String) throws -> [Double] {
        let values = text.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard values.count == count else {
            throw ScopeKitError.usage("\(name) needs \(count) comma-separated number(s), got '\(text)'")
        }
        return values
    }
}
