import Foundation
import ScopeKitCore
import ScopeKitTestSupport

/// Locates and decodes the reference files written by `Scripts/fixtures/<domain>.py`.
enum Fixtures {
    /// `Tests/Fixtures/<domain>/<name>`.
    static func url(_ domain: String, _ name: String) -> URL {
        TestPaths.fixtures(domain).appendingPathComponent(name)
    }

    /// Decodes a JSON fixture; the numbers NaN and ±∞ are written as the strings "nan", "inf", "-inf".
    static func load<T: Decodable>(_ type: T.Type, _ domain: String, _ name: String) throws -> T {
        let data = try Data(contentsOf: url(domain, name))
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try decoder.decode(T.self, from: data)
    }
}

/// An array stored as base64 of little-endian C-order bytes.
struct EncodedArray: Decodable {
    let dtype: String
    let shape: [Int]
    let base64: String

    /// The array, read through `AnyArray(rawBytes:shape:dtype:bigEndian:)`.
    func decoded() throws -> AnyArray {
        guard let data = Data(base64Encoded: base64), let type = DType(name: dtype) else {
            throw ScopeKitError.badInput("bad fixture array of dtype \(dtype)")
        }
        return try data.withUnsafeBytes { try AnyArray(rawBytes: $0, shape: shape, dtype: type, bigEndian: false) }
    }
}

/// Calls a generic function on the typed array inside an `AnyArray` of a real dtype.
protocol RealArrayVisitor {
    mutating func visit<T: RealArrayElement>(_ a: NDArray<T>) throws
}

extension AnyArray {
    func visitReal<V: RealArrayVisitor>(_ visitor: inout V) throws {
        switch self {
        case .uint8(let a): try visitor.visit(a)
        case .int8(let a): try visitor.visit(a)
        case .uint16(let a): try visitor.visit(a)
        case .int16(let a): try visitor.visit(a)
        case .uint32(let a): try visitor.visit(a)
        case .int32(let a): try visitor.visit(a)
        case .int64(let a): try visitor.visit(a)
        case .float32(let a): try visitor.visit(a)
        case .float64(let a): try visitor.visit(a)
        case .bool, .complex64: throw ScopeKitError.usage("not a real dtype: \(dtype)")
        }
    }

    /// The elements' bytes (for exact comparisons that treat equal NaNs as equal).
    var rawBytes: [UInt8] {
        func bytes<A: TypedArray>(_ a: A) -> [UInt8] { a.array.withUnsafeBytes { Array($0) } }
        return bytes(erased)
    }
}

/// `a` and `b` agree to `relative` (both NaN counts as agreement).
func close(_ a: Double, _ b: Double, relative: Double, absolute: Double = 0) -> Bool {
    if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
    if a == b { return true }
    return abs(a - b) <= Swift.max(relative * Swift.max(abs(a), abs(b)), absolute)
}

/// Exact equality with NaN == NaN.
func same(_ a: Double, _ b: Double) -> Bool { a == b || (a.isNaN && b.isNaN) }
