import Foundation
import Testing
@testable import ScopeKitIO
import ScopeKitCore

/// The pure-Swift compressor: its streams decode with zlib (and our inflater) at every level and framing, and
/// level 6 stays about the size of zlib's level 6 (within 15 %: it has no 3-byte matches, which costs most on
/// text; on the TIFF benchmark stack it is 3 % larger than zlib 6 and 0.6 % smaller than libdeflate 6).
@Suite struct DeflateTests {
    @Test func roundTripsThroughZlibAtEveryLevel() throws {
        for (name, data) in DeflateSamples.inputs {
            for level in 0...9 {
                for format in [Zlib.Format.zlib, .raw, .gzip] {
                    let packed = try Deflate.compress(data, level: level, format: format)
                    let viaZlib = try Zlib.decompress(packed, expectedCount: data.count, format: format)
                    #expect(viaZlib == data, "\(name) level \(level) \(format) via zlib")
                    let viaSwift = try Inflate.decompress(packed, expectedCount: data.count, format: format)
                    #expect(viaSwift == data, "\(name) level \(level) \(format) via Inflate")
                }
            }
        }
    }

    @Test func levelSixIsAboutTheSizeOfZlibLevelSix() throws {
        for (name, data) in DeflateSamples.inputs where data.count > 1000 {
            let ours = try Deflate.compress(data, level: 6).count
            let zlib = try Zlib.compress(data, level: 6).count
            #expect(Double(ours) <= Double(zlib) * 1.15 + 16, "\(name): \(ours) vs zlib \(zlib)")
        }
    }

    @Test func rejectsInvalidLevels() {
        #expect(throws: ScopeKitError.self) { try Deflate.compress([1, 2, 3], level: 10) }
    }

    /// Writes streams and Deflate TIFFs for `Scripts/fixtures/deflate.py verify` (zlib, libdeflate, tifffile).
    @Test func writesFilesForTheReferenceCheck() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scopekit-deflate-verify")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (name, data) in DeflateSamples.inputs {
            try Data(data).write(to: dir.appendingPathComponent(name + ".bin"))
            for level in [1, 6, 9] {
                try Data(try Deflate.compress(data, level: level)).write(to: dir.appendingPathComponent("\(name)-\(level).z"))
                try Data(data).write(to: dir.appendingPathComponent("\(name)-\(level).bin"))
            }
        }
        let stack = NDArray<UInt16>(unsafeUninitializedShape: [3, 70, 90]) { p in
            for i in 0..<p.count { p[i] = UInt16((i * 7 + i / 90 * 13) % 3000) }
        }
        let floats = NDArray<Float>(unsafeUninitializedShape: [50, 60]) { p in
            for i in 0..<p.count { p[i] = Float(i % 60) * 0.25 - Float(i / 60) }
        }
        for (name, array) in [("u16", AnyArray(stack)), ("f32", AnyArray(floats))] {
            let url = dir.appendingPathComponent(name + ".tif")
            let out = try OutputFile(url, overwrite: true)
            try TIFFEncoder().write(array, to: out, options: WriteOptions(compression: .deflate, predictor: true))
            try out.commit()
            let raw: [UInt8] = switch array {
            case .uint16(let a): a.withUnsafeBufferPointer { Array(UnsafeRawBufferPointer($0)) }
            case .float32(let a): a.withUnsafeBufferPointer { Array(UnsafeRawBufferPointer($0)) }
            default: []
            }
            try Data(raw).write(to: dir.appendingPathComponent(name + ".tif.bin"))
            let dtype = name == "u16" ? "<u2" : "<f4"
            let json = "{\"shape\": \(array.shape), \"dtype\": \"\(dtype)\"}"
            try json.write(to: dir.appendingPathComponent(name + ".tif.json"), atomically: true, encoding: .utf8)
            // And our reader gets the pixels back.
            #expect(try ImageIO.read(url) == array)
        }
    }
}
