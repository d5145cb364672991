import Foundation
import ScopeKitCore

/// The PNG reader registered with ``ImageIO``: recognises the 8-byte signature (or a `.png` name).
///
/// Opening walks the chunk headers only (IDAT payloads are located, not read); ``ImageFile/readPlane(_:)``
/// reads and decodes the image data. See ``PNG`` for what is supported and ``PNGReadOptions`` for the
/// imageio-compatible mode.
///
/// ```swift
/// let file = try PNGFormat().open(RandomAccessFile(url))
/// file.info.shape          // [512, 512, 3]
/// let pixels = try file.readPlane(0)
/// ```
public struct PNGFormat: ImageFormat {
    /// `"PNG"`.
    public let name = "PNG"
    /// `["png"]`.
    public let fileExtensions = ["png"]
    /// How samples are returned.
    public var options: PNGReadOptions

    /// A PNG reader; `options` chooses full precision (default) or imageio's reductions.
    public init(options: PNGReadOptions = PNGReadOptions()) {
        self.options = options
    }

    /// True when `header` starts with the PNG signature `89 50 4E 47 0D 0A 1A 0A` (the extension is not used).
    public func matches(header: [UInt8], fileExtension: String) -> Bool {
        header.starts(with: PNGStructure.signature)
    }

    /// Parses the chunk structure (no pixels) and returns the lazy file.
    ///
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` for a damaged or unsupported file.
    /// - Complexity: one small read per chunk; IDAT payloads are not read.
    public func open(_ file: RandomAccessFile) throws -> any ImageFile {
        do {
            return try PNGFile(file, options: options)
        } catch let error as ScopeKitError {
            throw error.attributed(to: file.path)
        }
    }
}

/// An opened PNG: header, palette and metadata parsed; pixels decoded on ``readPlane(_:)``.
final class PNGFile: ImageFile, @unchecked Sendable {
    let info: ImageFileInfo
    private let file: RandomAccessFile
    private let structure: PNGStructure
    private let options: PNGReadOptions

    init(_ file: RandomAccessFile, options: PNGReadOptions) throws {
        self.file = file
        self.options = options
        structure = try PNGStructure.parse(size: file.size) { offset, count in
            try file.bytes(at: offset, count: count, what: "PNG chunk")
        }
        let (dtype, channels, _) = PNGDecoder.layout(of: structure, options: options)
        let header = structure.header
        let shape = channels == 1 ? [header.height, header.width] : [header.height, header.width, channels]
        info = ImageFileInfo(formatName: "PNG", shape: shape, dtype: dtype, planeShape: shape,
                             calibration: PNGDecoder.calibration(of: structure, rank: shape.count),
                             metadata: structure.metadata)
    }

    func readPlane(_ index: Int) throws -> AnyArray {
        guard index == 0 else { throw ScopeKitError.usage("plane \(index) out of 0..<1") }
        do {
            let first = structure.dataChunks.first!.offset
            let last = structure.dataChunks.last!
            let span = try file.bytes(at: first, count: last.offset + 12 + last.length - first, what: "PNG image data")
            return try PNGDecoder.decode(structure, span: span, spanOffset: first, options: options)
        } catch let error as ScopeKitError {
            throw error.attributed(to: file.path)
        }
    }

    func readAll() throws -> AnyArray { try readPlane(0) }
}

/// The PNG writer registered with ``ImageIO``: `bool` (1-bit gray), `uint8` and `uint16` images of shape
/// `[rows, cols]` or `[rows, cols, 1…4]`.
///
/// PNG is always deflate-compressed: ``WriteOptions/compressionLevel`` is used, ``WriteOptions/compression``
/// and the TIFF-only options are ignored. See ``PNG/encode(_:compressionLevel:)``.
///
/// ```swift
/// try ImageIO.write(.uint8(image), to: URL(fileURLWithPath: "out.png"))
/// ```
public struct PNGEncoder: ImageEncoder {
    /// `"PNG"`.
    public let name = "PNG"
    /// `["png"]`.
    public let fileExtensions = ["png"]
    /// `bool` (1-bit gray), `uint8` and `uint16`.
    public let supportedTypes: Set<DType> = [.bool, .uint8, .uint16]

    /// The PNG writer.
    public init() {}

    /// Encodes `array` (see ``PNG/encode(_:compressionLevel:)``) and appends it to `output`.
    ///
    /// - Throws: ``ScopeKitError/usage(_:)`` for a shape or dtype PNG cannot store.
    public func write(_ array: AnyArray, to output: OutputFile, options: WriteOptions) throws {
        try output.write(PNGWriter.encode(array, compressionLevel: options.compressionLevel))
    }
}
