import Foundation
import ScopeKitCore

/// An opened NumPy `.npz` archive: named `.npy` members, stored (`numpy.savez`) or deflated
/// (`numpy.savez_compressed`).
///
/// Only the central directory is read when the archive is opened. A stored member is read lazily, plane by
/// plane, straight from the archive; a deflated member is inflated once when opened, bounded by the size its
/// NPY header needs. Members that are not `.npy` files are ignored. Keys are member names without `.npy`,
/// in archive order, as `numpy.load(...).files` lists them.
///
/// ```swift
/// let profiles = try NPZArchive(URL(fileURLWithPath: "profiles.npz"))
/// profiles.keys                                  // ["flatfield", "darkfield", "baseline"]
/// let flat = try profiles.read("flatfield").asFloat32()
/// ```
public final class NPZArchive: @unchecked Sendable {
    /// The archive's path.
    public let path: String
    private let zip: ZipReader
    private let members: [(key: String, entry: ZipEntry)]

    /// Opens `url` and reads its central directory.
    ///
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` for a missing, truncated or corrupt archive.
    public convenience init(_ url: URL) throws {
        try self.init(file: try RandomAccessFile(url))
    }

    init(file: RandomAccessFile) throws {
        path = file.path
        zip = try ZipReader(file)
        var seen = Set<String>()
        var members: [(String, ZipEntry)] = []
        for entry in zip.entries where entry.name.hasSuffix(".npy") {
            let key = String(entry.name.dropLast(4))
            if seen.insert(key).inserted { members.append((key, entry)) }
        }
        self.members = members
    }

    /// The array names, in archive order.
    public var keys: [String] { members.map(\.key) }

    /// Opens member `key` as a lazily read array.
    ///
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` when the key is absent or the member is corrupt,
    ///   truncated, larger than Deflate allows, or not a supported NPY array (e.g. pickled objects).
    public func open(_ key: String, formatName: String = "NPZ", metadata: Metadata = [:]) throws -> NPYFile {
        guard let entry = members.first(where: { $0.key == key })?.entry else {
            throw ScopeKitError.badInput("NPZ has no array '\(key)' (keys: \(keys.joined(separator: ", ")))", file: path)
        }
        var meta = metadata
        meta["npz.key"] = key
        do {
            let start = try zip.dataOffset(of: entry)
            if entry.method == 0 {
                let source = NPYSource(file: zip.file, base: start, size: entry.uncompressedSize)
                let header = try source.readHeader()
                let exact = header.dataOffset + header.dataByteCount! == entry.uncompressedSize
                return try NPYFile(source: source, formatName: formatName, metadata: meta,
                                   expectedCRC: exact ? entry.crc32 : nil)
            }
            let total = try NPYHeader.totalHeaderLength(prefix: try zip.prefix(of: entry, count: 12))
            let head = try zip.prefix(of: entry, count: total)
            guard head.count == total else {
                throw ScopeKitError.badInput("truncated NPY header: \(total) bytes announced, \(head.count) in member")
            }
            let header = try NPYHeader(parsing: head)
            let needed = header.dataOffset + header.dataByteCount!
            guard needed <= entry.uncompressedSize else {
                throw ScopeKitError.badInput("truncated NPY data: shape \(header.shape) of \(header.dtype) needs "
                    + "\(needed) bytes, the member holds \(entry.uncompressedSize)")
            }
            let member = NPZDeflatedMember(file: zip.file, entry: entry, start: start, size: needed, head: head)
            return try NPYFile(source: NPYSource(deflated: member), formatName: formatName, metadata: meta)
        } catch let error as ScopeKitError {
            var e = error
            e.reason = "member '\(key)': \(error.reason)"
            throw e.attributed(to: path)
        }
    }

    /// Reads member `key` whole.
    public func read(_ key: String) throws -> AnyArray {
        let member = try open(key)
        do { return try member.readAll() } catch let error as ScopeKitError {
            var e = error
            if !e.reason.hasPrefix("member ") { e.reason = "member '\(key)': \(error.reason)" }
            throw e.attributed(to: path)
        }
    }

    /// Reads every member, in archive order.
    public func readAll() throws -> [(name: String, array: AnyArray)] {
        try keys.map { (name: $0, array: try read($0)) }
    }
}

/// Reading and writing NumPy `.npz` archives (named arrays, e.g. flat-field `profiles.npz` with `flatfield`,
/// `darkfield` and `baseline`).
///
/// ```swift
/// let arrays = try NPZ.read(URL(fileURLWithPath: "profiles.npz"))     // [(name, array)] in archive order
/// let flat = try NPZ.read(URL(fileURLWithPath: "profiles.npz"), key: "flatfield")
/// try NPZ.write([("flatfield", flat), ("baseline", base)], to: out, compressed: true)
/// ```
///
/// Matches `numpy.load`, `numpy.savez` and `numpy.savez_compressed` (readable by both).
public enum NPZ {
    /// The array names of an archive, in archive order.
    public static func keys(_ url: URL) throws -> [String] { try NPZArchive(url).keys }

    /// Reads every array of an archive, in archive order.
    ///
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` for a corrupt archive or an unsupported member.
    public static func read(_ url: URL) throws -> [(name: String, array: AnyArray)] {
        try NPZArchive(url).readAll()
    }

    /// Reads one array of an archive.
    ///
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` when `key` is absent (the message lists the keys).
    public static func read(_ url: URL, key: String) throws -> AnyArray {
        try NPZArchive(url).read(key)
    }

    /// Writes named arrays into an `.npz` archive atomically (temporary file, then rename).
    ///
    /// - Parameters:
    ///   - arrays: names (without `.npy`, non-empty, unique) and arrays, stored in this order.
    ///   - compressed: deflate members like `numpy.savez_compressed` (level 6); otherwise store them like
    ///     `numpy.savez`.
    ///   - overwrite: replace an existing file.
    /// - Throws: ``ScopeKitError/usage(_:)`` for empty or repeated names or an existing file.
    /// - Complexity: O(total bytes); each member is encoded (and compressed) in memory before it is written.
    public static func write(_ arrays: [(String, AnyArray)], to url: URL, compressed: Bool = false,
                             overwrite: Bool = false) throws {
        var names = Set<String>()
        for (name, _) in arrays {
            guard !name.isEmpty else { throw ScopeKitError.usage("NPZ array names must not be empty") }
            guard names.insert(name).inserted else { throw ScopeKitError.usage("NPZ array name '\(name)' repeats") }
        }
        let output = try OutputFile(url, overwrite: overwrite)
        do {
            try write(arrays, into: output, compressed: compressed)
            try output.commit()
        } catch let error as ScopeKitError {
            output.discard()
            throw error.attributed(to: url.path)
        }
    }

    static func write(_ arrays: [(String, AnyArray)], into output: OutputFile, compressed: Bool) throws {
        var zip = ZipWriter(output)
        for (name, array) in arrays {
            let bytes = NPY.encode(array)
            try bytes.withUnsafeBytes { try zip.add(name: name + ".npy", data: $0, deflate: compressed) }
        }
        try zip.finish()
    }
}

/// The `.npz` reader registered with ``ImageIO``: an archive opens as its **first** array.
///
/// Recognised by the ZIP magic `PK` together with the `.npz` extension (other ZIP-based files are not
/// claimed). The metadata list all arrays: `npz.keys` (comma-separated, archive order) and `npz.key` (the
/// array returned); use ``NPZArchive`` to reach the others.
///
/// ```swift
/// let file = try ImageIO.open(URL(fileURLWithPath: "cells.npz"))    // first array, lazily
/// file.info.metadata["npz.keys"]                                     // "images,labels"
/// ```
public struct NPZFormat: ImageFormat {
    public init() {}
    public var name: String { "NPZ" }
    public var fileExtensions: [String] { ["npz"] }

    public func matches(header: [UInt8], fileExtension: String) -> Bool {
        fileExtension == "npz" && header.count >= 4 && header[0] == 0x50 && header[1] == 0x4B
            && (header[2] == 3 || header[2] == 5) && (header[3] == 4 || header[3] == 6)
    }

    public func open(_ file: RandomAccessFile) throws -> any ImageFile {
        let archive = try NPZArchive(file: file)
        guard let first = archive.keys.first else {
            throw ScopeKitError.badInput("NPZ archive holds no arrays", file: file.path)
        }
        return try archive.open(first, formatName: "NPZ", metadata: ["npz.keys": archive.keys.joined(separator: ",")])
    }
}

/// The `.npz` writer registered with ``ImageIO``: one array stored as `arr_0` (the name `numpy.savez` gives
/// a positional array), deflated when ``WriteOptions/compression`` is `.deflate`.
public struct NPZEncoder: ImageEncoder {
    public init() {}
    public var name: String { "NPZ" }
    public var fileExtensions: [String] { ["npz"] }
    public var supportedTypes: Set<DType> { Set(DType.allCases) }

    public func write(_ array: AnyArray, to output: OutputFile, options: WriteOptions) throws {
        try NPZ.write([("arr_0", array)], into: output, compressed: options.compression == .deflate)
    }
}
