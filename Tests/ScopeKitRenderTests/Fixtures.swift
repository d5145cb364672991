import Foundation
import ScopeKitCore
import ScopeKitTestSupport

/// Loads the reference data written by `Scripts/fixtures/render.py`.
enum Fixture {
    static let folder = TestPaths.fixtures("render")

    static func json(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: folder.appendingPathComponent(name))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    /// The 23 × 31 float32 test image (two NaN pixels).
    static func image() throws -> NDArray<Float> {
        let data = try Data(contentsOf: folder.appendingPathComponent("image.bin"))
        return try data.withUnsafeBytes { try NDArray<Float>(rawBytes: $0, shape: [23, 31], bigEndian: false) }
    }

    /// JSON numbers (null → NaN).
    static func doubles(_ any: Any?) -> [Double] {
        (any as! [Any]).map { ($0 as? NSNumber)?.doubleValue ?? .nan }
    }

    static func ints(_ any: Any?) -> [Int] { (any as! [Any]).map { ($0 as! NSNumber).intValue } }
}
