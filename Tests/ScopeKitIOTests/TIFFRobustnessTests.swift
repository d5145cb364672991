import Foundation
import Testing
@testable import ScopeKitIO
import ScopeKitCore

/// Truncated and corrupted TIFFs throw `badInput` (never crash, hang or over-allocate); pages are read lazily.
@Suite struct TIFFRobustnessTests {
    /// Opens and reads `bytes` as a TIFF: the result, or the error (which must be a `badInput`).
    static func attempt(_ bytes: [UInt8], folder: URL, name: String = "case.tif") -> Result<AnyArray, ScopeKitError> {
        let url = folder.appendingPathComponent(name)
        try! Data(bytes).write(to: url)
        do {
            return .success(try TIFFTestSupport.open(url).readAll())
        } catch let e as ScopeKitError {
            return .failure(e)
        } catch {
            Issue.record("non-ScopeKit error \(error)")
            return .failure(ScopeKitError.processing("\(error)"))
        }
    }

    /// A small written TIFF as bytes.
    static func written(_ array: AnyArray, options: WriteOptions = WriteOptions(), bigTIFF: TIFFEncoder.BigTIFFPolicy = .automatic,
                        folder: URL) throws -> [UInt8] {
        let url = folder.appendingPathComponent("source-\(UUID().uuidString).tif")
        let out = try OutputFile(url, overwrite: true)
        try TIFFEncoder(bigTIFF: bigTIFF).write(array, to: out, options: options)
        try out.commit()
        return [UInt8](try Data(contentsOf: url))
    }

    /// Sets the inline value of `tag` in IFD 0 of a little-endian classic TIFF.
    static func patch(_ bytes: inout [UInt8], tag: UInt16, value: UInt32) {
        let ifd = Int(bytes[4]) | Int(bytes[5]) << 8 | Int(bytes[6]) << 16 | Int(bytes[7]) << 24
        let count = Int(bytes[ifd]) | Int(bytes[ifd + 1]) << 8
        for k in 0..<count {
            let e = ifd + 2 + 12 * k
            guard UInt16(bytes[e]) | UInt16(bytes[e + 1]) << 8 == tag else { continue }
            if value > 0xFFFF { bytes[e + 2] = 4; bytes[e + 3] = 0 }  // SHORT → LONG (still inline)
            let type = Int(bytes[e + 2])
            if type == 3 {
                bytes[e + 8] = UInt8(value & 0xFF); bytes[e + 9] = UInt8(value >> 8 & 0xFF)
            } else {
                for b in 0..<4 { bytes[e + 8 + b] = UInt8(value >> (8 * UInt32(b)) & 0xFF) }
            }
            return
        }
        Issue.record("tag \(tag) not found")
    }

    static func sources(_ folder: URL) throws -> [(String, [UInt8])] {
        let u16 = AnyArray(TIFFWriterTests.pattern(UInt16.self, shape: [2, 20, 9]))
        let f32 = AnyArray(TIFFWriterTests.pattern(Float.self, shape: [16, 11]))
        var result = [
            ("uncompressed", try written(u16, folder: folder)),
            ("deflate", try written(f32, options: WriteOptions(compression: .deflate), folder: folder)),
            ("bigtiff", try written(u16, options: WriteOptions(compression: .deflate), bigTIFF: .always, folder: folder)),
        ]
        for name in ["int16_lzw_pred_be.tif", "uint32_packbits.tif", "rgba_contig_uint8_tiled.tif", "bilevel.tif"] {
            result.append((name, [UInt8](try Data(contentsOf: TIFFTestSupport.fixtures.appendingPathComponent(name)))))
        }
        return result
    }

    @Test func truncatedFilesThrowBadInput() throws {
        let folder = TIFFTestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        for (name, bytes) in try Self.sources(folder) {
            guard case .success(let full) = Self.attempt(bytes, folder: folder) else {
                Issue.record("\(name) does not read"); continue
            }
            let step = max(1, bytes.count / 150)
            var failures = 0
            for cut in stride(from: 0, to: bytes.count, by: step) {
                switch Self.attempt(Array(bytes[..<cut]), folder: folder) {
                case .failure(let e):
                    #expect(e.kind == .badInput, "\(name) cut at \(cut): \(e)")
                    #expect(!e.reason.contains("\n"))
                    failures += 1
                case .success(let a):
                    // Only a cut that removes no referenced byte may succeed, with identical pixels.
                    #expect(a == full, "\(name) cut at \(cut) read different pixels")
                }
            }
            #expect(failures > 0)
        }
    }

    @Test func corruptedHeaderBytesNeverCrash() throws {
        let folder = TIFFTestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        for (name, bytes) in try Self.sources(folder).prefix(3) {
            // The header and the first IFD with its values: every byte set to extreme values.
            let region = min(bytes.count, 320)
            var errors = 0
            for position in stride(from: 0, to: region, by: 2) {
                for value: UInt8 in [0x00, 0xFF, 0x80] where bytes[position] != value {
                    var corrupt = bytes
                    corrupt[position] = value
                    if case .failure(let e) = Self.attempt(corrupt, folder: folder) {
                        #expect(e.kind == .badInput, "\(name) byte \(position) = \(value): \(e)")
                        errors += 1
                    }
                }
            }
            #expect(errors > 0, "\(name)")
        }
    }

    @Test func absurdFieldsThrowWithAReason() throws {
        let folder = TIFFTestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let base = try Self.written(AnyArray(TIFFWriterTests.pattern(UInt16.self, shape: [20, 9])), folder: folder)
        let cases: [([(UInt16, UInt32)], String)] = [
            ([(TIFFTag.imageWidth, 1 << 31), (TIFFTag.imageLength, 1 << 31)], "too large"),      // 2^31 × 2^31
            ([(TIFFTag.imageWidth, 1 << 31), (TIFFTag.rowsPerStrip, 0xFFFF_FFFF)], "bytes of pixels"),
            ([(TIFFTag.imageWidth, 1 << 20)], "bytes of pixels"),       // 40 MB of pixels in a tiny file
            ([(TIFFTag.imageLength, 0xFFFF_FFFF)], "data segments"),   // 2^32 rows in strips of 20
            ([(TIFFTag.stripByteCounts, 0xFFFF_FFF0)], "truncated"),   // larger than the file
            ([(TIFFTag.stripOffsets, 0xFFFF_FF00)], "truncated"),      // beyond the end
            ([(TIFFTag.rowsPerStrip, 0)], "RowsPerStrip"),
            ([(TIFFTag.compression, 7)], "unsupported compression: JPEG"),
            ([(TIFFTag.compression, 34712)], "unsupported compression: JPEG 2000"),
            ([(TIFFTag.bitsPerSample, 12)], "unsupported sample type"),
            ([(TIFFTag.samplesPerPixel, 60000)], "samples per pixel"),
        ]
        for (patches, reason) in cases {
            var bytes = base
            for (tag, value) in patches { Self.patch(&bytes, tag: tag, value: value) }
            switch Self.attempt(bytes, folder: folder) {
            case .success: Issue.record("\(patches) read without error")
            case .failure(let e):
                #expect(e.kind == .badInput)
                #expect(e.reason.contains(reason), "\(patches): \(e.reason)")
            }
        }
        // A byte count beyond the file for a compressed strip.
        var deflated = try Self.written(AnyArray(TIFFWriterTests.pattern(UInt16.self, shape: [20, 9])),
                                        options: WriteOptions(compression: .deflate), folder: folder)
        Self.patch(&deflated, tag: TIFFTag.stripByteCounts, value: 1 << 30)
        if case .failure(let e) = Self.attempt(deflated, folder: folder) {
            #expect(e.reason.contains("truncated"), "\(e.reason)")
        } else { Issue.record("oversized strip byte count accepted") }
    }

    @Test func ifdLoopsAndBadHeadersAreHandled() throws {
        let folder = TIFFTestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var bytes = try Self.written(AnyArray(TIFFWriterTests.pattern(UInt8.self, shape: [3, 5, 4])), folder: folder)
        // Make the last IFD point back to the first: the chain stops there, three pages remain.
        let first = Int(bytes[4]) | Int(bytes[5]) << 8
        var offset = first
        var last = first
        while offset != 0 {
            last = offset
            let n = Int(bytes[offset]) | Int(bytes[offset + 1]) << 8
            let p = offset + 2 + 12 * n
            offset = Int(bytes[p]) | Int(bytes[p + 1]) << 8 | Int(bytes[p + 2]) << 16 | Int(bytes[p + 3]) << 24
        }
        let n = Int(bytes[last]) | Int(bytes[last + 1]) << 8
        bytes[last + 2 + 12 * n] = UInt8(first & 0xFF)
        bytes[last + 2 + 12 * n + 1] = UInt8(first >> 8)
        switch Self.attempt(bytes, folder: folder) {
        case .success(let a):
            #expect(a.shape == [3, 5, 4])
            #expect(a.metadata["tiff.Warning"]?.contains("loops") == true)
        case .failure(let e): Issue.record("loop: \(e)")
        }
        for header: [UInt8] in [[], [0x49, 0x49], [0x49, 0x49, 42, 0, 0, 0, 0, 0], [0x49, 0x49, 42, 0, 0xFF, 0xFF, 0xFF, 0x7F],
                                [0x4D, 0x4D, 0, 43, 0, 8, 0, 0], [0x49, 0x49, 43, 0, 4, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0]] {
            if case .success = Self.attempt(header, folder: folder) { Issue.record("header \(header) accepted") }
        }
    }

    @Test func pagesAreReadLazily() throws {
        let folder = TIFFTestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let a = AnyArray(TIFFWriterTests.pattern(UInt16.self, shape: [3, 20, 9]))
        var bytes = try Self.written(a, folder: folder)
        // Point page 0's strip past the end of the file: only reading page 0 notices.
        Self.patch(&bytes, tag: TIFFTag.stripOffsets, value: 0x7FFF_0000)
        let url = folder.appendingPathComponent("lazy.tif")
        try Data(bytes).write(to: url)
        let file = try TIFFTestSupport.open(url)
        #expect(file.info.shape == [3, 20, 9])
        #expect(file.info.planeShape == [20, 9])
        let plane2 = try file.readPlane(2)
        #expect(TIFFTestSupport.bytes(plane2) == TIFFTestSupport.bytes(a, plane: 2, of: 3))
        #expect(throws: ScopeKitError.self) { try file.readPlane(0) }
        #expect(throws: ScopeKitError.self) { try file.readPlane(3) }
    }
}
