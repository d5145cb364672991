import Foundation
import Testing
import ScopeKitCore
@testable import ScopeKitIO
import ScopeKitTestSupport

/// Shared helpers for the NPY / NPZ / metadata tests.
enum NPYFixtures {
    static let folder = TestPaths.fixtures("npy")

    static func url(_ name: String) -> URL { folder.appendingPathComponent(name) }

    /// `expected.json` written by `Scripts/fixtures/npy.py`.
    nonisolated(unsafe) static let expected: [String: Any] = {
        let data = try! Data(contentsOf: folder.appendingPathComponent("expected.json"))
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }()

    static func section(_ name: String) -> [String: Any] { expected[name] as! [String: Any] }

    /// The shared corpus; nil when absent.
    static var corpus: URL? { TestPaths.corpusRoot }
}

/// The index of the first value that differs from the expected strings written by the fixture script, or
/// `nil` when all agree. Floats compare bit for bit (NaN with NaN), so -0.0 and infinities are checked too.
func firstMismatch(_ array: AnyArray, _ expected: [String]) -> Int? {
    func real(_ s: Substring) -> Double { Double(String(s))! }
    func same(_ x: Double, _ y: Double) -> Bool { (x.isNaN && y.isNaN) || x.bitPattern == y.bitPattern }
    guard array.count == expected.count else { return -1 }
    for (i, want) in expected.enumerated() {
        let ok: Bool
        switch array {
        case .bool(let a): ok = (a[flat: i] ? "1" : "0") == want
        case .uint8(let a): ok = String(a[flat: i]) == want
        case .int8(let a): ok = String(a[flat: i]) == want
        case .uint16(let a): ok = String(a[flat: i]) == want
        case .int16(let a): ok = String(a[flat: i]) == want
        case .uint32(let a): ok = String(a[flat: i]) == want
        case .int32(let a): ok = String(a[flat: i]) == want
        case .int64(let a): ok = String(a[flat: i]) == want
        case .float32(let a): ok = same(Double(a[flat: i]), real(want[...]))
        case .float64(let a): ok = same(a[flat: i], real(want[...]))
        case .complex64(let a):
            let parts = want.split(separator: ",")
            let raw = a[flat: i].rawStorage  // .real/.imaginary turn any non-finite value into NaN
            ok = same(Double(raw.x), real(parts[0])) && same(Double(raw.y), real(parts[1]))
        }
        if !ok { return i }
    }
    return nil
}

/// Checks an array against one `describe()` entry of the fixture JSON (dtype, shape, values).
func expectMatches(_ array: AnyArray, _ entry: [String: Any], _ label: String,
                   sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(array.dtype.name == entry["dtype"] as? String, "\(label) dtype", sourceLocation: sourceLocation)
    #expect(array.shape == entry["shape"] as? [Int], "\(label) shape", sourceLocation: sourceLocation)
    let mismatch = firstMismatch(array, entry["values"] as! [String])
    #expect(mismatch == nil, "\(label): first mismatch at \(mismatch ?? 0)", sourceLocation: sourceLocation)
}

/// Expects `body` to throw ``ScopeKitError`` of kind `.badInput` (and returns its reason).
@discardableResult
func expectBadInput(_ label: String, sourceLocation: SourceLocation = #_sourceLocation,
                    _ body: () throws -> Void) -> String? {
    do {
        try body()
        Issue.record("\(label): no error thrown", sourceLocation: sourceLocation)
    } catch let error as ScopeKitError {
        #expect(error.kind == .badInput, "\(label): \(error)", sourceLocation: sourceLocation)
        return error.reason
    } catch {
        Issue.record("\(label): unexpected error \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// A fresh temporary folder removed by the caller.
func temporaryFolder(_ tag: String) -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("scopekit-\(tag)-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
