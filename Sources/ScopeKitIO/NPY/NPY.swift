import Foundation
import ScopeKitCore

/// Reading and writing NumPy `.npy` files.
///
/// Every ScopeKit element type is supported: `bool`, `uint8`, `int8`, `uint16`, `int16`, `uint32`, `int32`,
/// `int64`, `float32`, `float64`, `complex64`, in either byte order and either memory order on read
/// (returned in host byte order and C order), written little-endian in C order exactly as `numpy.save`
/// writes them (byte-identical headers). Object, string, structured, float16, complex128 and uint64 arrays
/// are rejected with ``ScopeKitError/badInput(_:file:)``.
///
/// ```swift
/// let stack = try NPY.read(URL(fileURLWithPath: "stack.npy"))        // AnyArray
/// try NPY.write(stack, to: URL(fileURLWithPath: "copy.npy"), overwrite: true)
/// let bytes = NPY.encode(stack)                                        // the file's bytes
/// ```
///
/// Matches `numpy.load` / `numpy.save` (NumPy 2.4, `numpy.lib.format`).
public enum NPY {
    /// Opens an `.npy` file and reads its header; data are read on demand.
    ///
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` for a missing, malformed or truncated file.
    public static func open(_ url: URL) throws -> NPYFile {
        let file = try RandomAccessFile(url)
        return try NPYFile(source: NPYSource(file: file))
    }

    /// Reads a whole `.npy` file in C order and host byte order.
    ///
    /// - Complexity: one read of the data, plus a transpose for Fortran-order files.
    public static func read(_ url: URL) throws -> AnyArray {
        let file = try open(url)
        do { return try file.readAll() } catch let error as ScopeKitError { throw error.attributed(to: url.path) }
    }

    /// Decodes the bytes of an `.npy` file held in memory.
    public static func decode(_ bytes: [UInt8]) throws -> AnyArray {
        try NPYFile(source: NPYSource(bytes: bytes, path: nil)).readAll()
    }

    /// The bytes of the `.npy` file `numpy.save` writes for `array` (header v1.0, little-endian, C order).
    ///
    /// - Complexity: O(count).
    public static func encode(_ array: AnyArray) -> [UInt8] {
        var bytes = NPYHeader(dtype: array.dtype, shape: array.shape).encoded()
        withLittleEndianBytes(of: array) { bytes.append(contentsOf: $0) }
        return bytes
    }

    /// Writes `array` to `url` atomically (temporary file, then rename).
    ///
    /// - Parameter overwrite: replace an existing file; otherwise an existing `url` is a usage error.
    public static func write(_ array: AnyArray, to url: URL, overwrite: Bool = false) throws {
        let output = try OutputFile(url, overwrite: overwrite)
        do {
            try NPYEncoder().write(array, to: output, options: WriteOptions(overwrite: overwrite))
            try output.commit()
        } catch let error as ScopeKitError {
            output.discard()
            throw error.attributed(to: url.path)
        }
    }

    /// Calls `body` with the array's elements as little-endian bytes in C order (no copy on little-endian
    /// hosts).
    static func withLittleEndianBytes<R>(of array: AnyArray, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        func open<A: TypedArray>(_ a: A) throws -> R {
            try a.array.withUnsafeBytes { raw in
                if ByteOrder.hostIsLittleEndian || a.dtype.byteCount == 1 { return try body(raw) }
                var copy = [UInt8](raw)
                return try copy.withUnsafeMutableBytes { m in
                    ByteOrder.swapInPlace(m, unit: a.dtype == .complex64 ? 4 : a.dtype.byteCount)
                    return try body(UnsafeRawBufferPointer(m))
                }
            }
        }
        return try open(array.erased)
    }
}

/// The `.npy` reader registered with ``ImageIO``: recognised by the `\x93NUMPY` magic.
///
/// Planes are the last two axes, so a `[64, 512, 512]` stack has 64 planes and `readPlane(i)` reads 1 MiB.
/// Metadata: `npy.descr`, `npy.fortran_order`, `npy.version`.
///
/// ```swift
/// ImageIO.register(NPYFormat())
/// let file = try ImageIO.open(URL(fileURLWithPath: "stack.npy"))
/// ```
public struct NPYFormat: ImageFormat {
    public init() {}
    public var name: String { "NPY" }
    public var fileExtensions: [String] { ["npy"] }

    public func matches(header: [UInt8], fileExtension: String) -> Bool {
        header.count >= 6 && Array(header.prefix(6)) == NPYHeader.magic
    }

    public func open(_ file: RandomAccessFile) throws -> any ImageFile {
        try NPYFile(source: NPYSource(file: file))
    }
}

/// The `.npy` writer registered with ``ImageIO``: every dtype, little-endian, C order, numpy's header.
///
/// Calibration and metadata are not stored (NPY has no place for them).
///
/// ```swift
/// try ImageIO.write(image, to: URL(fileURLWithPath: "out.npy"))
/// ```
public struct NPYEncoder: ImageEncoder {
    public init() {}
    public var name: String { "NPY" }
    public var fileExtensions: [String] { ["npy"] }
    public var supportedTypes: Set<DType> { Set(DType.allCases) }

    /// Writes the header and the raw little-endian bytes; `options` are ignored (NPY is uncompressed).
    public func write(_ array: AnyArray, to output: OutputFile, options: WriteOptions) throws {
        try output.write(NPYHeader(dtype: array.dtype, shape: array.shape).encoded())
        try NPY.withLittleEndianBytes(of: array) { try output.write($0) }
    }
}
