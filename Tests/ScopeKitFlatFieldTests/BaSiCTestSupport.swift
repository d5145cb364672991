import Foundation
import ScopeKitCore
@testable import ScopeKitFlatField
import ScopeKitTestSupport

/// Fixtures of Scripts/fixtures/basic.py and the shared corpus.
enum BaSiCFixtures {
    static let directory = TestPaths.fixtures("basic")

    static func json(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: directory.appendingPathComponent(name))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    /// The corpus folder `flatfield/basicpy`; nil when absent.
    static let corpus = TestPaths.corpus("flatfield/basicpy")
}

func floats(_ any: Any?) -> [Float] { (any as! [NSNumber]).map { $0.floatValue } }
func doubles(_ any: Any?) -> [Double] { (any as! [NSNumber]).map { $0.doubleValue } }

func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
    zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

/// mean |a − b| / mean |b|.
func meanRelativeDifference(_ a: [Float], _ b: [Float]) -> Double {
    var num = 0.0, den = 0.0
    for (x, y) in zip(a, b) { num += abs(Double(x) - Double(y)); den += abs(Double(y)) }
    return num / max(den, 1e-30)
}

func correlation(_ a: [Float], _ b: [Float]) -> Double {
    let n = Double(a.count)
    let ma = a.reduce(0.0) { $0 + Double($1) } / n, mb = b.reduce(0.0) { $0 + Double($1) } / n
    var sab = 0.0, saa = 0.0, sbb = 0.0
    for (x, y) in zip(a, b) {
        sab += (Double(x) - ma) * (Double(y) - mb); saa += (Double(x) - ma) * (Double(x) - ma)
        sbb += (Double(y) - mb) * (Double(y) - mb)
    }
    return sab / (saa * sbb).squareRoot()
}

/// Whole-size fits (corpus parity, 256² synthetic stacks) take minutes in debug builds: they run in release
/// builds (`swift test -c release -Xswiftc -enable-testing --filter BaSiC`) or with SCOPEKIT_SLOW_TESTS=1.
let slowTestsEnabled: Bool = {
    #if DEBUG
    return ProcessInfo.processInfo.environment["SCOPEKIT_SLOW_TESTS"] == "1"
    #else
    return true
    #endif
}()
