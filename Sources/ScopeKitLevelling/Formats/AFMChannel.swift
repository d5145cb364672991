import Foundation
import ScopeKitCore
import ScopeKitIO

/// The direction of the fast scan a channel was recorded in.
public enum AFMScanDirection: String, Sendable, Equatable, Codable {
    /// Forward (trace) lines.
    case trace
    /// Backward (retrace) lines.
    case retrace
}

/// One channel (signal) stored in an AFM file: what it is and how big it is.
///
/// ```swift
/// let file = try AFMFormats.open(url)
/// for c in file.channels { print(c.name, c.unit, c.shape) }   // "HeightTrace nm [256, 256]"
/// ```
public struct AFMChannel: Sendable, Equatable {
    /// The name that selects the channel, unique within the file (`"TP"`, `"HeightTrace"`, `"Height Sensor"`,
    /// `"height_trace"`, `"Topography"`).
    public var name: String
    /// The file's own label when it differs from ``name`` (`"Topography"` for `.asd` `TP`), else ``name``.
    public var label: String
    /// Trace or retrace, when the file says.
    public var direction: AFMScanDirection?
    /// The unit of the values ScopeKit returns (`"nm"` for heights, `"V"`, `"deg"`, or `""` when unknown).
    public var unit: String
    /// True for topography (height) channels, the default choice.
    public var isHeight: Bool
    /// The array shape: `[frames, rows, cols]` for movies (`.asd`), `[rows, cols]` for images.
    public var shape: [Int]
    /// Other names that also select this channel, e.g. AFMReader's spelling (`"HeightTracee"` for an `.ibw`).
    public var aliases: [String]

    /// Creates a channel description (readers fill these in; `label` defaults to `name`).
    public init(name: String, label: String? = nil, direction: AFMScanDirection? = nil, unit: String,
                isHeight: Bool, shape: [Int], aliases: [String] = []) {
        self.name = name
        self.label = label ?? name
        self.direction = direction
        self.unit = unit
        self.isHeight = isHeight
        self.shape = shape
        self.aliases = aliases
    }

    /// True when `query` names this channel (case-insensitive, also through ``aliases``).
    public func isNamed(_ query: String) -> Bool {
        let q = query.lowercased()
        return ([name, label] + aliases).contains { $0.lowercased() == q }
    }
}

/// How one channel's frames are produced: shape, calibration and a frame decoder (internal).
struct AFMChannelSource: Sendable {
    var channel: AFMChannel
    /// Calibration of `channel.shape`.
    var calibration: Calibration
    /// Channel-specific metadata (merged over the file's).
    var metadata: Metadata
    /// Writes frame `k` (rows × cols doubles, C order, physical units) into the buffer.
    var readFrame: @Sendable (Int, UnsafeMutableBufferPointer<Double>) throws -> Void

    var frameCount: Int { channel.shape.count == 3 ? channel.shape[0] : 1 }
    var frameShape: [Int] { Array(channel.shape.suffix(2)) }
}

/// An opened AFM file: its channels, file-level metadata, and readers for each channel.
///
/// Values are returned as `Float64` in physical units (heights in nm, as AFMReader returns them) with a
/// ``Calibration`` of nm per pixel on the row and column axes (and the frame time in seconds on the frame axis
/// of a movie). Opening reads only the header; pixels are read by ``read(channel:)`` or per frame through
/// ``open(channel:)``.
///
/// ```swift
/// let file = try AFMFormats.open(URL(fileURLWithPath: "movie.asd"))
/// file.channels.map(\.name)                    // ["TP", "PH"]
/// let heights = try file.read()                // default channel: topography, [frames, rows, cols] in nm
/// let frame7 = try file.open(channel: "PH").readPlane(7)
/// ```
public final class AFMFile: Sendable {
    /// The path the file was opened from.
    public let path: String
    /// The format's display name (`"HS-AFM ASD"`, `"Igor IBW"`, `"Bruker Nanoscope"`, …).
    public let formatName: String
    /// Metadata of the whole file (scan size, frame time, instrument settings), keys prefixed by format.
    public let metadata: Metadata
    let sources: [AFMChannelSource]

    init(path: String, formatName: String, metadata: Metadata, sources: [AFMChannelSource]) throws {
        guard !sources.isEmpty else { throw ScopeKitError.badInput("no image channel in the file", file: path) }
        self.path = path
        self.formatName = formatName
        self.metadata = metadata
        self.sources = sources
    }

    /// The channels, in file order.
    public var channels: [AFMChannel] { sources.map(\.channel) }

    /// The index of the default channel: the first height (topography) trace channel, else the first height
    /// channel, else channel 0.
    public var defaultChannelIndex: Int {
        let heights = sources.indices.filter { sources[$0].channel.isHeight }
        return heights.first { sources[$0].channel.direction != .retrace } ?? heights.first ?? 0
    }

    /// The index of the channel called `name` (`nil` = the default channel).
    ///
    /// - Throws: ``ScopeKitError/usage(_:)`` listing the available channels when none matches.
    public func channelIndex(named name: String?) throws -> Int {
        guard let name else { return defaultChannelIndex }
        if let i = sources.firstIndex(where: { $0.channel.name.lowercased() == name.lowercased() }) { return i }
        if let i = sources.firstIndex(where: { $0.channel.isNamed(name) }) { return i }
        throw ScopeKitError.usage("\(path): no channel '\(name)'; channels: "
            + channels.map(\.name).joined(separator: ", "))
    }

    /// Opens one channel as an ``ImageFile`` (frames of a movie are read on demand, in parallel by `readAll`).
    ///
    /// - Parameter channel: a channel name or alias; `nil` selects ``defaultChannelIndex``.
    public func open(channel: String? = nil) throws -> any ImageFile {
        AFMChannelImage(file: self, source: sources[try channelIndex(named: channel)])
    }

    /// Reads one whole channel as `Float64` in physical units, with calibration and metadata.
    ///
    /// - Parameter channel: a channel name or alias; `nil` selects ``defaultChannelIndex``.
    /// - Complexity: O(pixels); one pass over the channel's bytes.
    public func read(channel: String? = nil) throws -> NDArray<Double> {
        let image = try open(channel: channel)
        do {
            guard case .float64(let a) = try image.readAll() else {
                throw ScopeKitError.processing("AFM channel did not decode to float64")
            }
            return a
        } catch let error as ScopeKitError {
            throw error.attributed(to: path)
        }
    }
}

/// One channel of an ``AFMFile`` seen through the ``ImageFile`` protocol (internal).
final class AFMChannelImage: ImageFile, Sendable {
    let info: ImageFileInfo
    let source: AFMChannelSource
    let path: String

    init(file: AFMFile, source: AFMChannelSource) {
        var metadata = file.metadata
        metadata.merge(source.metadata)
        metadata["afm.channel"] = source.channel.name
        metadata["afm.channels"] = file.channels.map(\.name).joined(separator: ",")
        info = ImageFileInfo(formatName: file.formatName, shape: source.channel.shape, dtype: .float64,
                             planeShape: source.frameShape, calibration: source.calibration, metadata: metadata)
        self.source = source
        path = file.path
    }

    func readPlane(_ index: Int) throws -> AnyArray {
        guard index >= 0, index < source.frameCount else {
            throw ScopeKitError.usage("plane \(index) out of 0..<\(source.frameCount)")
        }
        var frame = try NDArray<Double>(unsafeUninitializedShape: source.frameShape) { buffer in
            try source.readFrame(index, buffer)
        }
        var calibration = source.calibration
        if calibration.axes.count == 3 { calibration = calibration.droppingFirstAxis() }
        frame.calibration = calibration
        frame.metadata = info.metadata
        return .float64(frame)
    }
}

/// An ``ImageFormat`` adapter: opens an AFM format's default (height) channel through ``ImageIO``.
struct AFMImageFormat: ImageFormat {
    let name: String
    let fileExtensions: [String]
    let detect: @Sendable ([UInt8], String) -> Bool
    let parse: @Sendable (RandomAccessFile) throws -> AFMFile

    func matches(header: [UInt8], fileExtension: String) -> Bool { detect(header, fileExtension) }

    func open(_ file: RandomAccessFile) throws -> any ImageFile {
        try parse(file).open(channel: nil)
    }
}
