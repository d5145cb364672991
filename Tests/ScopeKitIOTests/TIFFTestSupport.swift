import Foundation
import Testing
@testable import ScopeKitIO
import ScopeKitCore
import ScopeKitTestSupport

/// Paths and reference data shared by the TIFF tests.
enum TIFFTestSupport {
    static let fixtures = TestPaths.fixtures("tiff")

    /// The shared corpus; nil when absent.
    static let corpus = TestPaths.corpusRoot

    /// What tifffile returned for one file (written by Scripts/fixtures/tiff.py).
    struct Reference: Decodable {
        var shape: [Int]
        var dtype: String
        var crc32: UInt32?
        var sum: Double?
        var error: String?
        var axes: String?
        var xresolution: Double?
        var resolutionUnit: Int?
        var imagej_spacing: Double?
        var imagej_unit: String?
    }

    struct References: Decodable {
        var corpus: [String: Reference]
        var synthetic: [String: Reference]
    }

    static let references: References = {
        let data = try! Data(contentsOf: fixtures.appendingPathComponent("corpus.json"))
        return try! JSONDecoder().decode(References.self, from: data)
    }()

    /// Opens a TIFF with the TIFF reader directly.
    static func open(_ url: URL) throws -> any ImageFile {
        try TIFFFormat().open(RandomAccessFile(url))
    }

    /// CRC-32 and float64 sum of an array's C-order little-endian bytes (the checksum tiff.py records).
    static func checksum(_ a: AnyArray) -> (crc: UInt32, sum: Double) {
        func typed<A: TypedArray>(_ t: A) -> (UInt32, Double) {
            t.array.withUnsafeBytes { raw in
                let sum = t.array.withUnsafeBufferPointer { p in p.reduce(0.0) { $0 + $1.doubleValue } }
                return (Zlib.crc32(raw), sum)
            }
        }
        return typed(a.erased)
    }

    /// The raw bytes of an array, or of plane `plane` of `planes` equal parts.
    static func bytes(_ a: AnyArray, plane: Int = 0, of planes: Int = 1) -> [UInt8] {
        func typed<A: TypedArray>(_ t: A) -> [UInt8] {
            t.array.withUnsafeBytes { raw in
                let n = raw.count / planes
                return Array(raw[plane * n..<(plane + 1) * n])
            }
        }
        return typed(a.erased)
    }

    /// CRC-32 of an array's C-order little-endian bytes.
    static func crc32(_ a: AnyArray) -> UInt32 {
        func typed<A: TypedArray>(_ t: A) -> UInt32 { t.array.withUnsafeBytes { Zlib.crc32($0) } }
        return typed(a.erased)
    }

    /// A temporary folder removed by the caller.
    static func temporaryFolder() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("scopekit-tiff-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
