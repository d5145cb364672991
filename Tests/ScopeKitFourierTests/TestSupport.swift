import Foundation
import ScopeKitCore
@testable import ScopeKitFourier
import ScopeKitTestSupport

/// SplitMix64, bit-identical to `splitmix` in Scripts/fixtures/fourier.py.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [-1, 1), rounded to float32 (exact in both precisions).
    mutating func nextValue() -> Double {
        let u = Double(next() >> 11) * 0x1p-53
        return Double(Float(2 * u - 1))
    }
}

/// `count` deterministic values in [-1, 1), the same as `values(seed, count)` in the fixture script.
func randomValues(seed: UInt64, count: Int) -> [Double] {
    var g = SplitMix64(seed: seed)
    return (0..<count).map { _ in g.nextValue() }
}

/// A complex array whose real parts are `values(seed)` and imaginary parts `values(seed + 1)`.
func randomComplex<T: FFTScalar>(_ type: T.Type, seed: UInt64, shape: [Int]) -> SplitComplexArray<T> {
    let n = shape.reduce(1, *)
    let re = randomValues(seed: seed, count: n).map { T($0) }
    let im = randomValues(seed: seed + 1, count: n).map { T($0) }
    return try! SplitComplexArray(real: NDArray(re, shape: shape), imaginary: NDArray(im, shape: shape))
}

func randomReal<T: FFTScalar>(_ type: T.Type, seed: UInt64, shape: [Int]) -> NDArray<T> {
    NDArray(randomValues(seed: seed, count: shape.reduce(1, *)).map { T($0) }, shape: shape)
}

/// Relative L2 error ‖a − b‖ / ‖b‖ (or ‖a − b‖ when b is zero).
func relativeError(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count, "relativeError: \(a.count) vs \(b.count)")
    var num = 0.0, den = 0.0
    for i in a.indices { num += (a[i] - b[i]) * (a[i] - b[i]); den += b[i] * b[i] }
    return den > 0 ? (num / den).squareRoot() : num.squareRoot()
}

func doubles<T: FFTScalar>(_ x: NDArray<T>) -> [Double] { x.elements.map { Double($0) } }

/// Interleaved (re, im, re, im, …) doubles of a complex array.
func interleavedDoubles<T: FFTScalar>(_ x: SplitComplexArray<T>) -> [Double] {
    let r = x.real.elements, i = x.imaginary.elements
    var out: [Double] = []
    out.reserveCapacity(2 * r.count)
    for k in r.indices { out.append(Double(r[k])); out.append(Double(i[k])) }
    return out
}

/// The tolerance of the brief: 1e-5 for Float, 1e-12 for Double.
func tolerance<T: FFTScalar>(_ type: T.Type) -> Double { T.self == Float.self ? 1e-5 : 1e-12 }

/// Reference fixtures written by Scripts/fixtures/fourier.py: a JSON manifest plus float64 little-endian data.
struct Fixtures {
    struct Case: Decodable {
        let name: String
        let kind: String
        let shape: [Int]
        let seed: UInt64
        let axis: Int?
        let length: Int?
        let kernelShape: [Int]?
        let mode: String?
        let outShape: [Int]
        let offset: Int
        let count: Int
        let probes: [Int]?
    }
    let cases: [Case]
    let data: [Double]

    static let directory = TestPaths.fixtures("fourier")

    static let shared: Fixtures = {
        let manifest = try! Data(contentsOf: directory.appendingPathComponent("cases.json"))
        let cases = try! JSONDecoder().decode([Case].self, from: manifest)
        let raw = try! Data(contentsOf: directory.appendingPathComponent("data.bin"))
        let data = raw.withUnsafeBytes { b in
            (0..<(raw.count / 8)).map { Double(bitPattern: UInt64(littleEndian: b.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self))) }
        }
        return Fixtures(cases: cases, data: data)
    }()

    func cases(_ kind: String) -> [Case] { cases.filter { $0.kind == kind } }
    func values(_ c: Case) -> [Double] { Array(data[c.offset..<(c.offset + c.count)]) }
}

/// Picks the probed entries (flat indices into an interleaved or real result) when a case stores only probes.
func probed(_ all: [Double], _ c: Fixtures.Case, componentsPerElement k: Int) -> [Double] {
    guard let probes = c.probes else { return all }
    var out: [Double] = []
    for p in probes { for j in 0..<k { out.append(all[p * k + j]) } }
    return out
}
