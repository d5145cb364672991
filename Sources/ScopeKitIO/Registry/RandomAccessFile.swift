import Foundation
import ScopeKitCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only file read at arbitrary offsets, with every read checked against the file size.
///
/// Readers never trust a header field: a request for bytes past the end of the file throws
/// ``ScopeKitError/badInput(_:file:)`` instead of allocating, so an absurd count such as 2^31 × 2^31 fails
/// before any memory is reserved. Reads use `pread`, so one file can be read from several threads at once
/// (frames of a stack in parallel).
///
/// ```swift
/// let file = try RandomAccessFile(url)
/// let header = try file.bytes(at: 0, count: min(16, file.size))
/// ```
public final class RandomAccessFile: @unchecked Sendable {
    /// The file's path (used in error messages).
    public let path: String
    /// The file size in bytes.
    public let size: Int
    private let descriptor: Int32

    /// Opens `url` for reading.
    ///
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` when the file does not exist, is a folder or is unreadable.
    public init(_ url: URL) throws {
        path = url.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ScopeKitError.badInput("no such file", file: path)
        }
        guard !isDirectory.boolValue else { throw ScopeKitError.badInput("is a folder, not a file", file: path) }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw ScopeKitError.badInput("cannot open: \(String(cString: strerror(errno)))", file: path)
        }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            close(fd)
            throw ScopeKitError.badInput("cannot stat: \(String(cString: strerror(errno)))", file: path)
        }
        descriptor = fd
        size = Int(st.st_size)
    }

    deinit { close(descriptor) }

    /// Throws unless `[offset, offset + count)` lies inside the file.
    ///
    /// - Parameter what: names the data in the error (`"strip 3"`, `"NPY data"`).
    public func checkRange(offset: Int, count: Int, what: String = "data") throws {
        guard offset >= 0, count >= 0 else {
            throw ScopeKitError.badInput("\(what) has a negative offset or length (\(offset), \(count))", file: path)
        }
        let (end, overflow) = offset.addingReportingOverflow(count)
        guard !overflow, end <= size else {
            throw ScopeKitError.badInput(
                "truncated: \(what) ends at byte \(overflow ? "∞" : String(end)) of \(size)", file: path)
        }
    }

    /// Reads `count` bytes at `offset` into `destination` (which must hold `count` bytes).
    public func read(at offset: Int, count: Int, into destination: UnsafeMutableRawPointer,
                     what: String = "data") throws {
        try checkRange(offset: offset, count: count, what: what)
        var done = 0
        while done < count {
            let n = pread(descriptor, destination + done, count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw ScopeKitError.badInput("read error: \(String(cString: strerror(errno)))", file: path)
            }
            if n == 0 { throw ScopeKitError.badInput("truncated: \(what) ends early", file: path) }
            done += n
        }
    }

    /// Reads `count` bytes at `offset`.
    public func bytes(at offset: Int, count: Int, what: String = "data") throws -> [UInt8] {
        try checkRange(offset: offset, count: count, what: what)
        return try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 { try read(at: offset, count: count, into: buffer.baseAddress!, what: what) }
            initialized = count
        }
    }

    /// Reads the whole file (for small formats such as PNG, NPZ members, headers).
    public func readAll() throws -> [UInt8] { try bytes(at: 0, count: size, what: "file") }
}

/// A cursor over bytes in memory that decodes integers and floats in a chosen byte order.
///
/// Every read is bounds-checked and throws ``ScopeKitError/badInput(_:file:)`` past the end, so parsers of
/// hostile headers cannot crash.
///
/// ```swift
/// var r = ByteReader(bytes, bigEndian: false, file: path)
/// let magic = try r.readUInt16()
/// r.offset = 8
/// ```
public struct ByteReader: Sendable {
    public let bytes: [UInt8]
    /// The byte order of multi-byte values.
    public var bigEndian: Bool
    /// The next read position.
    public var offset: Int = 0
    /// The file named in errors.
    public let file: String?

    public init(_ bytes: [UInt8], bigEndian: Bool = false, file: String? = nil) {
        self.bytes = bytes
        self.bigEndian = bigEndian
        self.file = file
    }

    /// Bytes left after ``offset``.
    public var remaining: Int { max(bytes.count - offset, 0) }

    /// Throws unless `count` bytes are available at ``offset``.
    public func require(_ count: Int, _ what: String = "header") throws {
        guard count >= 0, offset >= 0, offset <= bytes.count, count <= bytes.count - offset else {
            throw ScopeKitError.badInput("truncated \(what): needs \(count) bytes at \(offset) of \(bytes.count)",
                                         file: file)
        }
    }

    /// Reads an unsigned integer of `T`'s width in the reader's byte order.
    public mutating func read<T: FixedWidthInteger>(_ type: T.Type, _ what: String = "header") throws -> T {
        let n = MemoryLayout<T>.size
        try require(n, what)
        var v: T = 0
        for i in 0..<n {
            let b = T(truncatingIfNeeded: bytes[offset + (bigEndian ? i : n - 1 - i)])
            v = n == 1 ? b : (v << 8) | b
        }
        offset += n
        return v
    }

    public mutating func readUInt8(_ what: String = "header") throws -> UInt8 { try read(UInt8.self, what) }
    public mutating func readUInt16(_ what: String = "header") throws -> UInt16 { try read(UInt16.self, what) }
    public mutating func readUInt32(_ what: String = "header") throws -> UInt32 { try read(UInt32.self, what) }
    public mutating func readUInt64(_ what: String = "header") throws -> UInt64 { try read(UInt64.self, what) }
    public mutating func readFloat32(_ what: String = "header") throws -> Float {
        Float(bitPattern: try read(UInt32.self, what))
    }
    public mutating func readFloat64(_ what: String = "header") throws -> Double {
        Double(bitPattern: try read(UInt64.self, what))
    }

    /// Reads `count` raw bytes.
    public mutating func readBytes(_ count: Int, _ what: String = "header") throws -> ArraySlice<UInt8> {
        try require(count, what)
        defer { offset += count }
        return bytes[offset..<offset + count]
    }
}
