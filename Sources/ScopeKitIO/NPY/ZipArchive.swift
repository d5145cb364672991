import Foundation
import ScopeKitCore

/// One member of a ZIP archive, as its central directory describes it.
struct ZipEntry: Sendable {
    var name: String
    /// 0 = stored, 8 = deflated.
    var method: UInt16
    var flags: UInt16
    var crc32: UInt32
    var compressedSize: Int
    var uncompressedSize: Int
    var localHeaderOffset: Int
}

/// A minimal ZIP reader for `.npz` archives: central directory (ZIP64 included), stored and deflated members.
///
/// Every offset and size is checked against the file before it is used; a member's declared size must be
/// reachable by Deflate from its compressed size (at most 1032:1), so a forged header cannot make the reader
/// allocate more than the file justifies.
final class ZipReader: @unchecked Sendable {
    let file: RandomAccessFile
    private(set) var entries: [ZipEntry] = []

    /// The largest expansion Deflate can achieve (258-byte matches coded in 2 bits: about 1032:1).
    static let maximumDeflateRatio = 1032

    init(_ file: RandomAccessFile) throws {
        self.file = file
        do {
            try readCentralDirectory()
        } catch let error as ScopeKitError {
            throw error.attributed(to: file.path)
        }
    }

    private func fail(_ reason: String) -> ScopeKitError { ScopeKitError.badInput(reason, file: file.path) }

    private func readCentralDirectory() throws {
        // End of central directory: 22 bytes plus a comment of up to 65535 bytes at the end of the file.
        let tailCount = min(file.size, 22 + 65535)
        guard tailCount >= 22 else { throw fail("not a ZIP archive (\(file.size) bytes)") }
        let tailStart = file.size - tailCount
        let tail = try file.bytes(at: tailStart, count: tailCount, what: "ZIP end record")
        var eocd = -1
        var i = tail.count - 22
        while i >= 0 {
            if tail[i] == 0x50, tail[i + 1] == 0x4B, tail[i + 2] == 0x05, tail[i + 3] == 0x06 { eocd = i; break }
            i -= 1
        }
        guard eocd >= 0 else { throw fail("not a ZIP archive or truncated (no end-of-central-directory record)") }
        var r = ByteReader(Array(tail[eocd..<min(eocd + 22, tail.count)]), file: file.path)
        r.offset = 10
        var count = Int(try r.readUInt16("ZIP end record"))
        var directorySize = Int(try r.readUInt32("ZIP end record"))
        var directoryOffset = Int(try r.readUInt32("ZIP end record"))
        if count == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            // ZIP64: the locator sits just before the end record and points to the ZIP64 end record.
            let locatorAt = tailStart + eocd - 20
            guard locatorAt >= 0 else { throw fail("truncated ZIP64 locator") }
            var loc = ByteReader(try file.bytes(at: locatorAt, count: 20, what: "ZIP64 locator"), file: file.path)
            guard try loc.readUInt32() == 0x0706_4B50 else { throw fail("missing ZIP64 locator") }
            loc.offset = 8
            let recordAt = try Self.int(try loc.readUInt64(), "ZIP64 end record offset", file.path)
            var rec = ByteReader(try file.bytes(at: recordAt, count: 56, what: "ZIP64 end record"), file: file.path)
            guard try rec.readUInt32() == 0x0606_4B50 else { throw fail("bad ZIP64 end record") }
            rec.offset = 32
            count = try Self.int(try rec.readUInt64(), "ZIP64 entry count", file.path)
            directorySize = try Self.int(try rec.readUInt64(), "ZIP64 directory size", file.path)
            directoryOffset = try Self.int(try rec.readUInt64(), "ZIP64 directory offset", file.path)
        }
        try file.checkRange(offset: directoryOffset, count: directorySize, what: "ZIP central directory")
        guard count <= directorySize / 46 else {
            throw fail("ZIP central directory of \(directorySize) bytes cannot hold \(count) entries")
        }
        var d = ByteReader(try file.bytes(at: directoryOffset, count: directorySize, what: "ZIP central directory"),
                           file: file.path)
        for _ in 0..<count {
            guard try d.readUInt32("ZIP central directory") == 0x0201_4B50 else {
                throw fail("corrupt ZIP central directory entry")
            }
            d.offset += 4  // versions made by / needed
            let flags = try d.readUInt16()
            let method = try d.readUInt16()
            d.offset += 4  // time, date
            let crc = try d.readUInt32()
            var compressed = Int(try d.readUInt32())
            var uncompressed = Int(try d.readUInt32())
            let nameLength = Int(try d.readUInt16())
            let extraLength = Int(try d.readUInt16())
            let commentLength = Int(try d.readUInt16())
            d.offset += 8  // disk, internal and external attributes
            var offset = Int(try d.readUInt32())
            let nameBytes = try d.readBytes(nameLength, "ZIP member name")
            var extra = ByteReader(Array(try d.readBytes(extraLength, "ZIP extra field")), file: file.path)
            _ = try d.readBytes(commentLength, "ZIP comment")
            // ZIP64 extended information: 8-byte values for the fields saturated at 0xFFFFFFFF, in order.
            while extra.remaining >= 4 {
                let id = try extra.readUInt16()
                let size = Int(try extra.readUInt16())
                guard id == 0x0001 else { _ = try extra.readBytes(min(size, extra.remaining)); continue }
                var field = ByteReader(Array(try extra.readBytes(size, "ZIP64 extra field")), file: file.path)
                if uncompressed == 0xFFFF_FFFF { uncompressed = try Self.int(try field.readUInt64(), "size", file.path) }
                if compressed == 0xFFFF_FFFF { compressed = try Self.int(try field.readUInt64(), "size", file.path) }
                if offset == 0xFFFF_FFFF { offset = try Self.int(try field.readUInt64(), "offset", file.path) }
            }
            let name = String(decoding: nameBytes, as: UTF8.self)
            entries.append(ZipEntry(name: name, method: method, flags: flags, crc32: crc, compressedSize: compressed,
                                    uncompressedSize: uncompressed, localHeaderOffset: offset))
        }
    }

    private static func int(_ v: UInt64, _ what: String, _ path: String) throws -> Int {
        guard v <= UInt64(Int.max) else { throw ScopeKitError.badInput("ZIP \(what) out of range", file: path) }
        return Int(v)
    }

    /// The file offset of a member's first data byte, after checking its local header and its extent.
    func dataOffset(of entry: ZipEntry) throws -> Int {
        guard entry.flags & 1 == 0 else { throw fail("ZIP member '\(entry.name)' is encrypted") }
        guard entry.method == 0 || entry.method == 8 else {
            throw fail("ZIP member '\(entry.name)' uses compression method \(entry.method) (only stored and deflate)")
        }
        var local = ByteReader(try file.bytes(at: entry.localHeaderOffset, count: 30, what: "ZIP local header"),
                               file: file.path)
        guard try local.readUInt32() == 0x0403_4B50 else { throw fail("corrupt ZIP local header of '\(entry.name)'") }
        local.offset = 26
        let nameLength = Int(try local.readUInt16())
        let extraLength = Int(try local.readUInt16())
        let start = entry.localHeaderOffset + 30 + nameLength + extraLength
        try file.checkRange(offset: start, count: entry.compressedSize, what: "ZIP member '\(entry.name)'")
        if entry.method == 0 {
            guard entry.compressedSize == entry.uncompressedSize else {
                throw fail("stored ZIP member '\(entry.name)' has different compressed and uncompressed sizes")
            }
        } else {
            let (bound, overflow) = entry.compressedSize.multipliedReportingOverflow(by: Self.maximumDeflateRatio)
            guard overflow || entry.uncompressedSize <= bound + 64 else {
                throw fail("ZIP member '\(entry.name)' declares \(entry.uncompressedSize) bytes from "
                    + "\(entry.compressedSize) compressed (more than Deflate can produce)")
            }
        }
        return start
    }

    /// Up to `count` leading bytes of a member's uncompressed data (fewer if the member is shorter).
    func prefix(of entry: ZipEntry, count: Int) throws -> [UInt8] {
        let start = try dataOffset(of: entry)
        let n = min(count, entry.uncompressedSize)
        if entry.method == 0 { return try file.bytes(at: start, count: n, what: "ZIP member '\(entry.name)'") }
        let packed = try file.bytes(at: start, count: min(entry.compressedSize, 2 * n + 1024),
                                    what: "ZIP member '\(entry.name)'")
        return try Inflate.decompress(packed, expectedCount: n, format: .raw, allowShorter: true)
    }
}

/// A minimal ZIP writer for `.npz` archives: stored or deflated members, ZIP64 records when sizes or offsets
/// pass 4 GiB, fixed timestamps (1980-01-01) so equal inputs give equal bytes.
struct ZipWriter {
    private struct Written {
        var name: [UInt8]
        var method: UInt16
        var crc: UInt32
        var compressed: Int
        var uncompressed: Int
        var offset: Int
    }

    private let output: OutputFile
    private var written: [Written] = []

    init(_ output: OutputFile) { self.output = output }

    private static func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
    private static func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(v >> (8 * $0) & 0xFF) } }
    private static func le64(_ v: Int) -> [UInt8] { (0..<8).map { UInt8(UInt64(v) >> (8 * UInt64($0)) & 0xFF) } }
    private static func sat32(_ v: Int) -> [UInt8] { le32(v >= 0xFFFF_FFFF ? 0xFFFF_FFFF : UInt32(v)) }

    /// Appends one member whose uncompressed bytes are `data`.
    mutating func add(name: String, data: UnsafeRawBufferPointer, deflate: Bool, level: Int = 6) throws {
        let nameBytes = Array(name.utf8)
        let crc = Zlib.crc32(data)
        let packed: [UInt8]? = deflate ? try Deflate.compress(data, level: level, format: .raw) : nil
        let compressed = packed?.count ?? data.count
        let offset = output.position
        let zip64 = compressed >= 0xFFFF_FFFF || data.count >= 0xFFFF_FFFF
        var header: [UInt8] = [0x50, 0x4B, 0x03, 0x04]
        header += Self.le16(zip64 ? 45 : 20) + Self.le16(0) + Self.le16(deflate ? 8 : 0)
        header += Self.le16(0) + Self.le16(0x21)  // 00:00, 1980-01-01
        header += Self.le32(crc) + Self.sat32(compressed) + Self.sat32(data.count)
        header += Self.le16(nameBytes.count) + Self.le16(zip64 ? 20 : 0) + nameBytes
        if zip64 { header += Self.le16(1) + Self.le16(16) + Self.le64(data.count) + Self.le64(compressed) }
        try output.write(header)
        if let packed { try output.write(packed) } else { try output.write(data) }
        written.append(Written(name: nameBytes, method: deflate ? 8 : 0, crc: crc, compressed: compressed,
                               uncompressed: data.count, offset: offset))
    }

    /// Writes the central directory and the end records.
    func finish() throws {
        let directoryOffset = output.position
        var directory: [UInt8] = []
        for w in written {
            var extra: [UInt8] = []
            if w.uncompressed >= 0xFFFF_FFFF { extra += Self.le64(w.uncompressed) }
            if w.compressed >= 0xFFFF_FFFF { extra += Self.le64(w.compressed) }
            if w.offset >= 0xFFFF_FFFF { extra += Self.le64(w.offset) }
            if !extra.isEmpty { extra = Self.le16(1) + Self.le16(extra.count) + extra }
            directory += [0x50, 0x4B, 0x01, 0x02] + Self.le16(0x0300 | (extra.isEmpty ? 20 : 45))
            directory += Self.le16(extra.isEmpty ? 20 : 45) + Self.le16(0) + Self.le16(Int(w.method))
            directory += Self.le16(0) + Self.le16(0x21) + Self.le32(w.crc)
            directory += Self.sat32(w.compressed) + Self.sat32(w.uncompressed)
            directory += Self.le16(w.name.count) + Self.le16(extra.count) + Self.le16(0) + Self.le16(0) + Self.le16(0)
            directory += Self.le32(0o100644 << 16) + Self.sat32(w.offset) + w.name + extra
        }
        try output.write(directory)
        let count = written.count
        let zip64 = count >= 0xFFFF || directoryOffset >= 0xFFFF_FFFF || directory.count >= 0xFFFF_FFFF
        var end: [UInt8] = []
        if zip64 {
            let recordOffset = output.position
            end += [0x50, 0x4B, 0x06, 0x06] + Self.le64(44) + Self.le16(45) + Self.le16(45) + Self.le32(0) + Self.le32(0)
            end += Self.le64(count) + Self.le64(count) + Self.le64(directory.count) + Self.le64(directoryOffset)
            end += [0x50, 0x4B, 0x06, 0x07] + Self.le32(0) + Self.le64(recordOffset) + Self.le32(1)
        }
        end += [0x50, 0x4B, 0x05, 0x06] + Self.le16(0) + Self.le16(0)
        end += Self.le16(min(count, 0xFFFF)) + Self.le16(min(count, 0xFFFF))
        end += Self.sat32(directory.count) + Self.sat32(directoryOffset) + Self.le16(0)
        try output.write(end)
    }
}
