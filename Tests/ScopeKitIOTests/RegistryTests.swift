import Foundation
import Testing
@testable import ScopeKitIO
import ScopeKitCore

/// A toy format for registry tests: "RAW8" magic, then UInt16 rows, UInt16 cols, then uint8 pixels.
private struct Raw8Format: ImageFormat {
    var name: String { "RAW8" }
    var fileExtensions: [String] { ["raw8"] }
    func matches(header: [UInt8], fileExtension: String) -> Bool { header.starts(with: Array("RAW8".utf8)) }
    func open(_ file: RandomAccessFile) throws -> any ImageFile { try Raw8File(file) }
}

private final class Raw8File: ImageFile, @unchecked Sendable {
    let file: RandomAccessFile
    let info: ImageFileInfo
    init(_ file: RandomAccessFile) throws {
        self.file = file
        var r = ByteReader(try file.bytes(at: 0, count: 8, what: "RAW8 header"), file: file.path)
        r.offset = 4
        let rows = Int(try r.readUInt16()), cols = Int(try r.readUInt16())
        try file.checkRange(offset: 8, count: rows * cols, what: "RAW8 pixels")
        info = ImageFileInfo(formatName: "RAW8", shape: [rows, cols], dtype: .uint8, planeShape: [rows, cols])
    }
    func readPlane(_ index: Int) throws -> AnyArray {
        let bytes = try file.bytes(at: 8, count: info.shape.reduce(1, *))
        return .uint8(NDArray(bytes, shape: info.shape))
    }
}

private func raw8(rows: Int, cols: Int, fill: (Int) -> UInt8) -> Data {
    var d = Data("RAW8".utf8)
    d.append(contentsOf: [UInt8(rows & 0xFF), UInt8(rows >> 8), UInt8(cols & 0xFF), UInt8(cols >> 8)])
    d.append(contentsOf: (0..<rows * cols).map(fill))
    return d
}

@Suite("Format registry, folder stacks, bounded reads, atomic output", .serialized)
struct RegistryTests {
    init() { ImageIO.register(Raw8Format()) }

    @Test("content detection ignores the extension")
    func detectByContent() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("image.dat")
        try raw8(rows: 2, cols: 3) { UInt8($0) }.write(to: url)
        let image = try ImageIO.read(url)
        #expect(image.shape == [2, 3])
        #expect(image.typed(as: UInt8.self)?.elements == [0, 1, 2, 3, 4, 5])
    }

    @Test("a folder reads as a stack in natural name order")
    func folderStack() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        for k in [0, 1, 2, 10] {
            try raw8(rows: 2, cols: 2) { _ in UInt8(k) }.write(to: folder.appendingPathComponent("\(k).raw8"))
        }
        try Data("ignored".utf8).write(to: folder.appendingPathComponent("notes.txt"))
        let file = try ImageIO.open(folder)
        #expect(file.info.shape == [4, 2, 2])
        #expect(try file.readPlane(3).typed(as: UInt8.self)?.elements == [10, 10, 10, 10])
        let all = try file.readAll().typed(as: UInt8.self)!
        #expect(all.frame(2).elements == [2, 2, 2, 2])
        #expect(all.calibration.axes.map(\.name) == ["z", "y", "x"])
    }

    @Test("a stack of files with different shapes is rejected")
    func mismatchedStack() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try raw8(rows: 2, cols: 2) { _ in 0 }.write(to: folder.appendingPathComponent("a.raw8"))
        try raw8(rows: 3, cols: 2) { _ in 0 }.write(to: folder.appendingPathComponent("b.raw8"))
        #expect(throws: ScopeKitError.self) { try ImageIO.read(folder) }
    }

    @Test("a header claiming more pixels than the file holds fails before allocating")
    func truncated() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("big.raw8")
        var d = raw8(rows: 1, cols: 1) { _ in 0 }
        d[4] = 0xFF; d[5] = 0xFF; d[6] = 0xFF; d[7] = 0xFF   // 65535 × 65535 claimed, 1 byte present
        try d.write(to: url)
        let error = try #require(throws: ScopeKitError.self) { try ImageIO.open(url) }
        #expect(error.kind == .badInput)
        #expect(error.reason.contains("truncated"))
        #expect(error.file == url.path)
    }

    @Test("ByteReader refuses to read past the end")
    func byteReader() throws {
        var r = ByteReader([1, 2, 3], bigEndian: true)
        #expect(try r.readUInt16() == 0x0102)
        #expect(throws: ScopeKitError.self) { try r.readUInt16() }
        var le = ByteReader([1, 2, 3, 4], bigEndian: false)
        #expect(try le.readUInt32() == 0x0403_0201)
    }

    @Test("RandomAccessFile range checks reject overflowing and negative ranges")
    func rangeChecks() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("f.bin")
        try Data([1, 2, 3, 4]).write(to: url)
        let f = try RandomAccessFile(url)
        #expect(f.size == 4)
        #expect(try f.bytes(at: 1, count: 3) == [2, 3, 4])
        #expect(throws: ScopeKitError.self) { try f.bytes(at: 2, count: 3) }
        #expect(throws: ScopeKitError.self) { try f.checkRange(offset: Int.max, count: Int.max) }
        #expect(throws: ScopeKitError.self) { try f.checkRange(offset: -1, count: 1) }
    }

    @Test("OutputFile renames on commit, leaves the target untouched on failure, refuses to overwrite")
    func atomicOutput() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("out.bin")
        try OutputFile.write([1, 2, 3], to: url, overwrite: false)
        #expect(try Data(contentsOf: url) == Data([1, 2, 3]))
        // Refuses to replace without overwrite.
        let e = try #require(throws: ScopeKitError.self) { try OutputFile(url, overwrite: false) }
        #expect(e.kind == .usage)
        // A writer dropped before commit leaves the old file and no temporary behind.
        do {
            let out = try OutputFile(url, overwrite: true)
            try out.write([9, 9, 9, 9])
        }
        #expect(try Data(contentsOf: url) == Data([1, 2, 3]))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["out.bin"])
        // Patching an earlier position works across the internal buffer.
        let out = try OutputFile(url, overwrite: true)
        try out.write([0, 0, 0, 0])
        try out.write([5, 6])
        try out.write(at: 1, bytes: [7])
        try out.commit()
        #expect(try Data(contentsOf: url) == Data([0, 7, 0, 0, 5, 6]))
    }

    @Test("OutputFile.reserve: size and bytes as written, blocks reserved past the end released on commit")
    func reservedOutput() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("out.bin")
        let out = try OutputFile(url, overwrite: false)
        out.reserve(4 << 20)
        let bytes = (0..<(3 << 20) + 5).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try out.write(bytes)
        try out.commit()
        #expect(try Data(contentsOf: url) == Data(bytes))
        var info = stat()
        #expect(stat(url.path, &info) == 0)
        #expect(Int(info.st_size) == bytes.count)
        // At most the written size rounded to 64 KiB is allocated (the extra MiB is released).
        #expect(Int(info.st_blocks) * 512 <= (bytes.count + 0xFFFF) & ~0xFFFF)
    }

    @Test("writing with an unknown extension is a usage error")
    func unknownWriter() throws {
        let e = try #require(throws: ScopeKitError.self) {
            try ImageIO.write(.uint8(NDArray(zeros: [2, 2])), to: URL(fileURLWithPath: "/tmp/x.unknownext"))
        }
        #expect(e.kind == .usage)
    }
}

@Suite("zlib")
struct ZlibTests {
    @Test("round trip and exact-size decompression")
    func roundTrip() throws {
        let input = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 * 7 / 3) }
        let packed = try Zlib.compress(input, level: 6)
        #expect(packed.count < input.count)
        #expect(try Zlib.decompress(packed, expectedCount: input.count) == input)
        let raw = try Zlib.compress(input, format: .raw)
        #expect(try Zlib.decompress(raw, expectedCount: input.count, format: .raw) == input)
    }

    @Test("decompression stops at the expected size (no zip bomb) and rejects short or corrupt streams")
    func bounded() throws {
        let bomb = try Zlib.compress([UInt8](repeating: 0, count: 1 << 20))
        #expect(try Zlib.decompress(bomb, expectedCount: 100).count == 100)
        #expect(throws: ScopeKitError.self) { try Zlib.decompress(bomb, expectedCount: (1 << 20) + 1) }
        var corrupt = bomb
        corrupt[corrupt.count / 2] ^= 0xFF
        corrupt[2] ^= 0x55
        #expect(throws: ScopeKitError.self) { try Zlib.decompress(corrupt, expectedCount: 1 << 20) }
        #expect(throws: ScopeKitError.self) { try Zlib.decompress(Array(bomb.prefix(10)), expectedCount: 1 << 20) }
    }

    @Test("CRC-32 of a known string")
    func crc() {
        let v = Array("123456789".utf8).withUnsafeBytes { Zlib.crc32($0) }
        #expect(v == 0xCBF4_3926)
    }
}

func makeScratchFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("scopekit-io-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
