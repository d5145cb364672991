import Foundation
import ScopeKitCore
@testable import ScopeKitIO
import ScopeKitTestSupport

/// Shared helpers of the PNG tests.
enum PNGFixtures {
    /// `Tests/Fixtures/png`.
    static let folder = TestPaths.fixtures("png")

    /// The shared corpus (a path that does not exist when it is absent: see `corpusExists`).
    static let corpus: URL = TestPaths.corpusRoot
        ?? TestPaths.repository.deletingLastPathComponent().appendingPathComponent("shared/corpus")

    static var corpusExists: Bool { TestPaths.corpusRoot != nil }

    struct Values: Decodable {
        var shape: [Int]
        var dtype: String
        var values: [Int64]
    }

    struct Synthetic: Decodable {
        var name: String
        var imageio: Values
        var exact: Values?
        var dpi: [Double]?
        var text: [String: String]?
        var imageioError: String?
    }

    struct CorpusFile: Decodable {
        var path: String
        var shape: [Int]
        var dtype: String
        var sum: Int64
        var weightedSum: Int64
        var positions: [Int]
        var values: [Int64]
    }

    struct Corpus: Decodable { var files: [CorpusFile] }

    static func synthetic() throws -> [Synthetic] {
        try JSONDecoder().decode([Synthetic].self, from: Data(contentsOf: folder.appendingPathComponent("synthetic.json")))
    }

    static func corpusEntries() throws -> [CorpusFile] {
        try JSONDecoder().decode(Corpus.self, from: Data(contentsOf: folder.appendingPathComponent("corpus.json"))).files
    }

    static func bytes(of name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: folder.appendingPathComponent("synthetic/\(name).png")))
    }
}

extension AnyArray {
    /// Every element as an integer (Bool → 0/1), C order; nil for other dtypes.
    var integerValues: [Int64]? {
        switch self {
        case .bool(let a): a.elements.map { $0 ? 1 : 0 }
        case .uint8(let a): a.elements.map(Int64.init)
        case .uint16(let a): a.elements.map(Int64.init)
        default: nil
        }
    }
}

/// Builds PNG files chunk by chunk (for corrupt-input tests).
struct PNGBuilder {
    var bytes = PNGStructure.signature

    mutating func chunk(_ type: String, _ payload: [UInt8]) {
        PNGWriter.appendChunk(type, payload, to: &bytes)
    }

    static func header(width: UInt32, height: UInt32, depth: UInt8, color: UInt8, interlace: UInt8 = 0,
                       compression: UInt8 = 0, filter: UInt8 = 0) -> [UInt8] {
        var p: [UInt8] = []
        p.appendBigEndian(width)
        p.appendBigEndian(height)
        return p + [depth, color, compression, filter, interlace]
    }

    /// A complete file: IHDR, optional extra chunks, one IDAT of `filtered` deflated, IEND.
    static func file(header: [UInt8], extra: [(String, [UInt8])] = [], filtered: [UInt8]) throws -> [UInt8] {
        var b = PNGBuilder()
        b.chunk("IHDR", header)
        for (t, p) in extra { b.chunk(t, p) }
        b.chunk("IDAT", try Zlib.compress(filtered))
        b.chunk("IEND", [])
        return b.bytes
    }
}

/// The kind and reason of the error `body` throws, or nil if it succeeds.
func pngError(_ body: () throws -> Void) -> ScopeKitError? {
    do {
        try body()
        return nil
    } catch let e as ScopeKitError {
        return e
    } catch {
        return ScopeKitError(.processing, "unexpected error type: \(error)")
    }
}
