import Foundation
import ScopeKitCore

/// What a reader knows about a file before any pixel is read.
public struct ImageFileInfo: Sendable, Equatable {
    /// The format's display name (`"TIFF"`, `"OME-TIFF"`, `"NPY"`, `"PNG"`).
    public var formatName: String
    /// The full array shape, slowest first (e.g. `[t, z, c, y, x]` for an ImageJ hyperstack).
    public var shape: [Int]
    /// The element type pixels are returned as.
    public var dtype: DType
    /// The shape of one plane: `[rows, cols]`, or `[rows, cols, samples]` for RGB(A).
    public var planeShape: [Int]
    /// Calibration of all axes of ``shape`` and the intensity.
    public var calibration: Calibration
    /// Free-form metadata from the file.
    public var metadata: Metadata

    public init(formatName: String, shape: [Int], dtype: DType, planeShape: [Int],
                calibration: Calibration? = nil, metadata: Metadata = [:]) {
        self.formatName = formatName
        self.shape = shape
        self.dtype = dtype
        self.planeShape = planeShape
        self.calibration = calibration ?? Calibration(rank: shape.count)
        self.metadata = metadata
    }

    /// The number of planes: the product of the axes before ``planeShape``.
    public var planeCount: Int {
        let planeCount = planeShape.reduce(1, *)
        return planeCount == 0 ? 0 : shape.reduce(1, *) / planeCount
    }
}

/// An opened image file whose planes are read on demand.
///
/// Reading plane 5 of a 10 GB stack reads plane 5 only. Implementations must be safe to read from several
/// threads at once (``RandomAccessFile`` uses `pread`).
public protocol ImageFile: AnyObject, Sendable {
    /// Shape, dtype, calibration and metadata.
    var info: ImageFileInfo { get }
    /// Reads plane `index` (0-based, C order over the leading axes) with shape ``ImageFileInfo/planeShape``.
    func readPlane(_ index: Int) throws -> AnyArray
    /// Reads the whole array with shape ``ImageFileInfo/shape``, calibration and metadata.
    func readAll() throws -> AnyArray
}

extension ImageFile {
    /// Reads every plane (in parallel) into one array of ``ImageFileInfo/shape``.
    public func readAll() throws -> AnyArray {
        try readPlanes(0..<info.planeCount)
    }

    /// Reads a range of planes into one array `[range.count] + planeShape` (or the full shape when the range
    /// covers every plane), in parallel.
    public func readPlanes(_ range: Range<Int>) throws -> AnyArray {
        let info = self.info
        guard range.lowerBound >= 0, range.upperBound <= info.planeCount else {
            throw ScopeKitError.usage("planes \(range) out of 0..<\(info.planeCount)")
        }
        let whole = range == 0..<info.planeCount
        let shape = whole ? info.shape : [range.count] + info.planeShape
        var result = try AnyArray.assemblingPlanes(shape: shape, dtype: info.dtype,
                                                   planeCount: range.count) { k in
            try self.readPlane(range.lowerBound + k)
        }
        if whole {
            result.calibration = info.calibration
        }
        result.metadata = info.metadata
        return result
    }
}

/// A file format ScopeKit can read, registered with ``ImageIO``.
///
/// Later readers (DM3/DM4, MIB, AFM formats) conform and call ``ImageIO/register(_:)``.
public protocol ImageFormat: Sendable {
    /// Display name (`"TIFF"`).
    var name: String { get }
    /// Lower-case file extensions without the dot (`["tif", "tiff"]`).
    var fileExtensions: [String] { get }
    /// True when the first bytes of a file (up to 512) identify this format. `fileExtension` is lower-case.
    func matches(header: [UInt8], fileExtension: String) -> Bool
    /// Opens the file and reads its header (no pixels).
    func open(_ file: RandomAccessFile) throws -> any ImageFile
}

/// Options shared by all writers.
public struct WriteOptions: Sendable, Equatable {
    /// Lossless compression for formats that offer it.
    public enum Compression: String, Sendable, CaseIterable { case none, deflate }

    public var compression: Compression
    /// Deflate level 1…9.
    public var compressionLevel: Int
    /// Use the horizontal/floating-point predictor with Deflate (TIFF).
    public var predictor: Bool
    /// Write OME-XML metadata (TIFF).
    public var ome: Bool
    /// Replace an existing file.
    public var overwrite: Bool

    public init(compression: Compression = .none, compressionLevel: Int = 6, predictor: Bool = true,
                ome: Bool = false, overwrite: Bool = false) {
        self.compression = compression
        self.compressionLevel = compressionLevel
        self.predictor = predictor
        self.ome = ome
        self.overwrite = overwrite
    }
}

/// A file format ScopeKit can write, registered with ``ImageIO``.
public protocol ImageEncoder: Sendable {
    /// Display name (`"TIFF"`).
    var name: String { get }
    /// Lower-case extensions this writer is chosen for (`["tif", "tiff"]`; `"ome.tif"` counts as OME).
    var fileExtensions: [String] { get }
    /// The element types this writer stores; others must be converted first (``ConversionPolicy``).
    var supportedTypes: Set<DType> { get }
    /// Writes `array` with its calibration and metadata into `output` (the caller commits).
    func write(_ array: AnyArray, to output: OutputFile, options: WriteOptions) throws
}

extension AnyArray {
    /// Builds an array of `shape` from `planeCount` equally sized planes produced (in parallel) by `plane`.
    ///
    /// - Throws: the first error of `plane`, or ``ScopeKitError/badInput(_:file:)`` when a plane has the
    ///   wrong dtype or size.
    public static func assemblingPlanes(shape: [Int], dtype: DType, planeCount: Int,
                                        plane: @Sendable (Int) throws -> AnyArray) throws -> AnyArray {
        switch dtype {
        case .bool: .bool(try assemble(shape, planeCount, plane))
        case .uint8: .uint8(try assemble(shape, planeCount, plane))
        case .int8: .int8(try assemble(shape, planeCount, plane))
        case .uint16: .uint16(try assemble(shape, planeCount, plane))
        case .int16: .int16(try assemble(shape, planeCount, plane))
        case .uint32: .uint32(try assemble(shape, planeCount, plane))
        case .int32: .int32(try assemble(shape, planeCount, plane))
        case .int64: .int64(try assemble(shape, planeCount, plane))
        case .float32: .float32(try assemble(shape, planeCount, plane))
        case .float64: .float64(try assemble(shape, planeCount, plane))
        case .complex64: .complex64(try assemble(shape, planeCount, plane))
        }
    }

    private static func assemble<T: ArrayElement>(_ shape: [Int], _ planeCount: Int,
                                                  _ plane: @Sendable (Int) throws -> AnyArray) throws -> NDArray<T> {
        let total = NDArray<T>.elementCount(shape)
        let perPlane = planeCount > 0 ? total / planeCount : 0
        guard perPlane * planeCount == total else {
            throw ScopeKitError.badInput("\(planeCount) planes do not tile shape \(shape)")
        }
        let errors = ErrorSlot()
        let result = NDArray<T>(unsafeUninitializedShape: shape) { dst in
            let target = UncheckedSendable(dst.baseAddress)
            Parallel.forEach(0..<planeCount) { k in
                do {
                    let p = try plane(k)
                    guard let typed: NDArray<T> = p.typed(), typed.count == perPlane else {
                        throw ScopeKitError.badInput(
                            "plane \(k) is \(p.dtype) \(p.shape), expected \(T.dtype) of \(perPlane) elements")
                    }
                    typed.withUnsafeBufferPointer { src in
                        if perPlane > 0 { (target.value! + k * perPlane).update(from: src.baseAddress!, count: perPlane) }
                    }
                } catch {
                    errors.set(error, index: k)
                }
            }
        }
        if let e = errors.error { throw e }
        return result
    }
}

/// The error of the lowest-numbered failing item among parallel workers (deterministic for any thread count).
final class ErrorSlot: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: (index: Int, error: Error)?
    var isSet: Bool { lock.withLock { stored != nil } }
    var error: Error? { lock.withLock { stored?.error } }
    func set(_ e: Error, index: Int) {
        lock.withLock { if stored == nil || index < stored!.index { stored = (index, e) } }
    }
}
