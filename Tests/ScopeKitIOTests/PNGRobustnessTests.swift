import Foundation
import Testing
import ScopeKitCore
@testable import ScopeKitIO

/// Hostile and damaged files: every failure is a one-line `badInput`, never a crash, hang or huge allocation.
@Suite("PNG robustness")
struct PNGRobustnessTests {
    /// Decodes `bytes`, returning the error (nil on success). Any error that is not a one-line badInput fails.
    @discardableResult
    static func expectCleanFailure(_ bytes: [UInt8], _ label: String, mayDecode: Bool = false) -> ScopeKitError? {
        let error = pngError { _ = try PNG.decode(bytes) }
        if let error {
            #expect(error.kind == .badInput, "\(label): \(error)")
            #expect(!error.reason.contains("\n") && !error.reason.isEmpty, "\(label)")
        } else {
            #expect(mayDecode, "\(label) decoded but should fail")
        }
        return error
    }

    static let samples = ["gray1_interlaced", "gray16", "palette4_trns", "rgb8_interlaced", "rgba16", "split_idat",
                          "metadata", "pillow_rgb"]

    @Test("truncation at every offset fails cleanly")
    func truncation() throws {
        var count = 0
        for name in Self.samples {
            let bytes = try PNGFixtures.bytes(of: name)
            for length in 0..<bytes.count {
                Self.expectCleanFailure(Array(bytes[0..<length]), "\(name) cut at \(length)")
                count += 1
            }
        }
        #expect(count > 5000)
    }

    @Test("bad sizes, bit depths, colour types and methods in IHDR (CRC valid) are rejected")
    func badHeaders() throws {
        let row: [UInt8] = [0, 1, 2, 3, 4]
        func file(_ header: [UInt8]) throws -> [UInt8] { try PNGBuilder.file(header: header, filtered: row) }
        for (w, h) in [(0, 4), (4, 0), (0x8000_0000, 1), (1, 0x8000_0000), (0xFFFF_FFFF, 0xFFFF_FFFF)] as [(UInt32, UInt32)] {
            let e = Self.expectCleanFailure(try file(PNGBuilder.header(width: w, height: h, depth: 8, color: 0)), "\(w)×\(h)")
            #expect(e?.reason.contains("size") == true)
        }
        var invalidCombos = 0
        for depth: UInt8 in [0, 1, 2, 3, 4, 5, 7, 8, 9, 12, 16, 32, 255] {
            for color: UInt8 in [0, 1, 2, 3, 4, 5, 6, 7, 255] {
                let valid = (color == 0 && [1, 2, 4, 8, 16].contains(depth)) || (color == 3 && [1, 2, 4, 8].contains(depth))
                    || ([2, 4, 6].contains(color) && [8, 16].contains(depth))
                guard !valid else { continue }
                invalidCombos += 1
                let e = Self.expectCleanFailure(try file(PNGBuilder.header(width: 4, height: 1, depth: depth, color: color)),
                                                "depth \(depth) colour \(color)")
                #expect(e != nil)
            }
        }
        #expect(invalidCombos == 102)  // 13 depths × 9 types − 15 valid pairs
        for (c, f, i) in [(1, 0, 0), (0, 1, 0), (0, 0, 2)] as [(UInt8, UInt8, UInt8)] {
            Self.expectCleanFailure(try file(PNGBuilder.header(width: 4, height: 1, depth: 8, color: 0, interlace: i,
                                                               compression: c, filter: f)), "methods \(c) \(f) \(i)")
        }
        var b = PNGBuilder()
        b.chunk("IHDR", Array(PNGBuilder.header(width: 4, height: 1, depth: 8, color: 0).prefix(12)))
        Self.expectCleanFailure(b.bytes, "short IHDR")
    }

    @Test("a small file claiming a huge image is rejected before allocating")
    func decompressionBomb() throws {
        // 2^31−1 square, 8-bit RGBA: the header alone asks for ~1.8e19 bytes.
        let huge = try PNGBuilder.file(header: PNGBuilder.header(width: 0x7FFF_FFFF, height: 0x7FFF_FFFF, depth: 16, color: 6),
                                       filtered: [UInt8](repeating: 0, count: 1000))
        let e1 = Self.expectCleanFailure(huge, "2^31 square")
        #expect(e1?.reason.contains("too large") == true || e1?.reason.contains("compressed bytes") == true)
        // 100000² gray: fits in Int but 1e10 bytes cannot come from a ~60-byte stream.
        let big = try PNGBuilder.file(header: PNGBuilder.header(width: 100_000, height: 100_000, depth: 8, color: 0),
                                      filtered: [UInt8](repeating: 0, count: 50_000))
        let e2 = Self.expectCleanFailure(big, "1e10 bytes")
        #expect(e2?.reason.contains("compressed bytes") == true)
        // The lazy open rejects it too (header only).
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("scopekit-png-bomb-\(UInt32.random(in: 0...UInt32.max)).png")
        try Data(big).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(pngError { _ = try PNGFormat().open(RandomAccessFile(url)) }?.kind == .badInput)
    }

    @Test("chunk lengths beyond the file or 2^31 are rejected")
    func hugeChunkLengths() throws {
        let good = try PNGFixtures.bytes(of: "gray8")
        let idat = try PNGStructure.parse(size: good.count) { Array(good[$0..<$0 + $1]) }.dataChunks[0].offset
        for length: UInt32 in [0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, UInt32(good.count)] {
            var bytes = good
            bytes[idat..<idat + 4] = [UInt8(length >> 24), UInt8(length >> 16 & 255), UInt8(length >> 8 & 255), UInt8(length & 255)]
            let e = Self.expectCleanFailure(bytes, "IDAT length \(length)")
            #expect(e?.reason.contains("IDAT") == true)
        }
    }

    @Test("CRC mismatches: critical chunks fail, ancillary chunks are skipped")
    func crc() throws {
        let good = try PNGFixtures.bytes(of: "palette4_trns")
        let s = try PNGStructure.parse(size: good.count) { Array(good[$0..<$0 + $1]) }
        // Walk the chunks and flip one CRC bit of each in turn.
        var offset = 8
        var seen: [String: Bool] = [:]
        while offset < good.count {
            let length = Int(good[offset]) << 24 | Int(good[offset + 1]) << 16 | Int(good[offset + 2]) << 8 | Int(good[offset + 3])
            let type = String(decoding: good[offset + 4..<offset + 8], as: UTF8.self)
            var bad = good
            bad[offset + 8 + length] ^= 0x10
            let e = Self.expectCleanFailure(bad, "bad CRC in \(type)", mayDecode: type == "tRNS")
            seen[type] = e != nil
            offset += 12 + length
        }
        #expect(seen == ["IHDR": true, "PLTE": true, "tRNS": false, "IDAT": true, "IEND": true])
        #expect(s.transparency != nil)
    }

    @Test("broken chunk order and structure")
    func structure() throws {
        let header = PNGBuilder.header(width: 4, height: 1, depth: 8, color: 0)
        let data = try Zlib.compress([0, 1, 2, 3, 4])
        func build(_ chunks: [(String, [UInt8])]) -> [UInt8] {
            var b = PNGBuilder()
            for (t, p) in chunks { b.chunk(t, p) }
            return b.bytes
        }
        let palette = PNGBuilder.header(width: 4, height: 1, depth: 8, color: 3)
        let cases: [(String, [UInt8], String)] = [
            ("no IHDR first", build([("IDAT", data), ("IHDR", header), ("IEND", [])]), "IHDR"),
            ("two IHDR", build([("IHDR", header), ("IHDR", header), ("IDAT", data), ("IEND", [])]), "IHDR"),
            ("no IDAT", build([("IHDR", header), ("IEND", [])]), "IDAT"),
            ("no IEND", build([("IHDR", header), ("IDAT", data)]), "IEND"),
            ("split IDAT", build([("IHDR", header), ("IDAT", Array(data.prefix(4))), ("tEXt", [65, 0, 66]),
                                  ("IDAT", Array(data.dropFirst(4))), ("IEND", [])]), "consecutive"),
            ("unknown critical", build([("IHDR", header), ("CgBI", [0]), ("IDAT", data), ("IEND", [])]), "CgBI"),
            ("palette without PLTE", build([("IHDR", palette), ("IDAT", data), ("IEND", [])]), "PLTE"),
            ("PLTE after IDAT", build([("IHDR", palette), ("IDAT", data), ("PLTE", [1, 2, 3]), ("IEND", [])]), "PLTE"),
            ("PLTE of 4 bytes", build([("IHDR", palette), ("PLTE", [1, 2, 3, 4]), ("IDAT", data), ("IEND", [])]), "PLTE"),
            ("bad chunk type", build([("IHDR", header), ("ID1T", data), ("IEND", [])]), "chunk type"),
            ("not a PNG", Array("GIF89a and more bytes".utf8), "signature"),
        ]
        for (label, bytes, word) in cases {
            let e = Self.expectCleanFailure(bytes, label)
            #expect(e?.reason.contains(word) == true, "\(label): \(e?.reason ?? "decoded")")
        }
    }

    @Test("corrupt image data: bad filter type, short or garbage deflate stream")
    func imageData() throws {
        let header = PNGBuilder.header(width: 4, height: 2, depth: 8, color: 0)
        let e1 = Self.expectCleanFailure(try PNGBuilder.file(header: header, filtered: [0, 1, 2, 3, 4, 5, 1, 2, 3, 4]), "filter 5")
        #expect(e1?.reason.contains("filter type 5") == true)
        let e2 = Self.expectCleanFailure(try PNGBuilder.file(header: header, filtered: [0, 1, 2, 3, 4]), "short stream")
        #expect(e2?.reason.contains("image data") == true)
        var b = PNGBuilder()
        b.chunk("IHDR", header)
        b.chunk("IDAT", [0x78, 0x9C, 0xFF, 0xFF, 0xFF, 0xFF, 0x00])
        b.chunk("IEND", [])
        Self.expectCleanFailure(b.bytes, "garbage deflate")
        // Extra data after the image is tolerated (as libpng and Pillow do).
        let extra = try PNGBuilder.file(header: header, filtered: [0, 1, 2, 3, 4, 0, 5, 6, 7, 8, 9, 9])
        #expect(try PNG.decode(extra).integerValues == [1, 2, 3, 4, 5, 6, 7, 8])
    }

    @Test("seeded random corruption (with and without repaired CRCs) never crashes or hangs")
    func fuzz() throws {
        var state: UInt64 = 0x5EED
        func next(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(n))
        }
        var decoded = 0, failed = 0
        let start = Date()
        for name in Self.samples {
            let good = try PNGFixtures.bytes(of: name)
            for trial in 0..<250 {
                var bytes = good
                for _ in 0..<(1 + next(4)) {
                    bytes[8 + next(bytes.count - 8)] = UInt8(next(256))
                }
                if trial % 2 == 0 { Self.repairCRCs(&bytes) }
                if Self.expectCleanFailure(bytes, "\(name) trial \(trial)", mayDecode: true) == nil {
                    decoded += 1
                } else {
                    failed += 1
                }
            }
        }
        #expect(decoded + failed == 2000)
        #expect(failed > 500)  // most corruptions are detected
        #expect(Date().timeIntervalSince(start) < 120)
    }

    /// Recomputes every chunk CRC that lies wholly inside the file, so corruption reaches the parsers.
    static func repairCRCs(_ bytes: inout [UInt8]) {
        var offset = 8
        while offset + 12 <= bytes.count {
            let length = Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            guard length <= bytes.count - offset - 12 else { return }
            let crc = bytes.withUnsafeBytes { Zlib.crc32(UnsafeRawBufferPointer(rebasing: $0[offset + 4..<offset + 8 + length])) }
            let at = offset + 8 + length
            bytes[at..<at + 4] = [UInt8(crc >> 24), UInt8(crc >> 16 & 255), UInt8(crc >> 8 & 255), UInt8(crc & 255)]
            offset += 12 + length
        }
    }
}
