import ArgumentParser
import Foundation
import ScopeKit

/// `scopekit convert IN OUT`: any readable format to TIFF, OME-TIFF, NPY or PNG, with an explicit dtype policy.
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert an image file (or a folder of 2-D images) to TIFF, OME-TIFF, NPY or PNG.",
        discussion: """
            The output format follows OUT's extension (.tif, .ome.tif, .npy, .png) or --format.
            Calibration and metadata are kept where the format can store them.
            --dtype converts the pixels first; --policy says what happens to values the new type cannot hold:
              clip           saturate at the type's limits (float → integer rounds to nearest, ties to even)
              reject         fail at the first value that does not fit
              rescale-range  map the source type's range onto the target's (scikit-image img_as_*)
              rescale-data   map the data's min…max onto the target type's range
            """)

    @Argument(help: "The input file or folder.")
    var input: String

    @Argument(help: "The output file.")
    var output: String

    @Option(help: "Convert pixels to this dtype first (bool, uint8, int8, uint16, int16, uint32, int32, int64, float32, float64, complex64).")
    var dtype: String?

    @Option(help: "What happens to values the new dtype cannot hold: clip, reject, rescale-range, rescale-data.")
    var policy: String = "clip"

    @Option(help: "Output format (tiff, ome-tiff, npy, png) instead of the extension's.")
    var format: String?

    @Option(help: "Compression for TIFF: none or deflate.")
    var compression: WriteOptions.Compression = .none

    @Option(help: "Deflate level 1…9.")
    var level: Int = 6

    @Flag(help: "Do not use a predictor with Deflate.")
    var noPredictor = false

    @OptionGroup var outputOptions: OutputOptions
    @OptionGroup var common: CommonOptions

    func validate() throws {
        if !(1...9).contains(level) { throw ValidationError("--level must be 1…9") }
    }

    func run() throws {
        common.apply()
        var array = try ImageIO.read(URL(fileURLWithPath: input))
        if let dtype {
            guard let target = DType(name: dtype) else { throw ScopeKitError.usage("unknown dtype '\(dtype)'") }
            guard let rule = ConversionPolicy(commandLineName: policy) else {
                throw ScopeKitError.usage("unknown policy '\(policy)' (clip, reject, rescale-range, rescale-data)")
            }
            array = try array.converted(to: target, policy: rule)
        }
        var writeFormat = format
        if writeFormat == "ome-tiff" { writeFormat = "tiff" }
        let options = WriteOptions(compression: compression, compressionLevel: level, predictor: !noPredictor,
                                   ome: format == "ome-tiff", overwrite: outputOptions.force)
        try ImageIO.write(array, to: URL(fileURLWithPath: output), format: writeFormat, options: options)
        if common.json {
            print(try JSONText.encode(["output": output, "dtype": array.dtype.name,
                                       "shape": array.shape.map(String.init).joined(separator: "x")]))
        } else if !common.quiet {
            print("wrote \(output): \(array.dtype) \(array.shape)")
        }
    }
}

extension WriteOptions.Compression: ExpressibleByArgument {}

extension ConversionPolicy {
    /// Accepts the command-line spelling (`rescale-range`) as well as the Swift name (`rescaleRange`).
    init?(commandLineName name: String) {
        let key = name.replacingOccurrences(of: "-", with: "").lowercased()
        guard let match = ConversionPolicy.allCases.first(where: { $0.rawValue.lowercased() == key }) else { return nil }
        self = match
    }
}
