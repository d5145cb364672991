import Foundation
import ScopeKitCore
import ScopeKitIO
@testable import ScopeKitLevelling
import ScopeKitTestSupport

/// The fixtures written by Scripts/fixtures/levelling.py (pnanolocz 0.1.0 outputs, float64).
struct LevellingFixture {
    let name: String
    let arrays: [String: AnyArray]

    static let directory = TestPaths.fixtures("levelling")

    init(_ name: String) throws {
        self.name = name
        var a: [String: AnyArray] = [:]
        for (k, v) in try NPZ.read(LevellingFixture.directory.appendingPathComponent("\(name).npz")) { a[k] = v }
        arrays = a
    }

    func double(_ key: String) -> NDArray<Double> {
        guard let a = arrays[key] else { fatalError("fixture \(name) has no \(key)") }
        return a.asFloat64()
    }

    func mask(_ key: String) -> Mask {
        Mask(including: double(key).map { $0 != 0 })
    }

    var input: NDArray<Double> { double("input") }
}

/// The largest |a − b| relative to the reference's finite height range; NaN positions must agree
/// (a mismatch returns infinity).
func relativeDifference(_ a: NDArray<Double>, _ b: NDArray<Double>) -> Double {
    guard a.shape == b.shape else { return .infinity }
    var lo = Double.infinity, hi = -Double.infinity, worst = 0.0
    for (x, y) in zip(a.elements, b.elements) {
        if x.isNaN != y.isNaN { return .infinity }
        if y.isFinite { lo = min(lo, y); hi = max(hi, y); worst = max(worst, abs(x - y)) }
    }
    return worst / max(hi - lo, 1e-300)
}

/// A synthetic scene: known polynomial background + row offsets + features + noise.
struct SyntheticScene {
    var rows = 64, cols = 80
    var noise = 0.02
    var seed: UInt64 = 1

    /// Returns (data, background including row offsets, background-pixel flags).
    func make(frames: Int = 1, rowOffsets: Bool = true, pit: Bool = true, background: (Double, Double) -> Double)
        -> (NDArray<Double>, NDArray<Double>, NDArray<Bool>) {
        var g = SeededGenerator(seed: seed)
        var data = [Double](), bg = [Double](), flat = [Bool]()
        for f in 0..<frames {
            var offsets = [Double](repeating: 0, count: rows)
            if rowOffsets { for r in 0..<rows { offsets[r] = g.nextUniform() - 0.5 } }
            for r in 0..<rows {
                for c in 0..<cols {
                    let x = Double(c), y = Double(r)
                    let b = background(x, y) + offsets[r]
                    // a bump (4 high, moving with the frame) and a pit (−3)
                    let cx = 20.0 + Double(f), d1 = (x - cx) * (x - cx) + (y - 20) * (y - 20)
                    let d2 = (x - 60) * (x - 60) + (y - 45) * (y - 45)
                    var feature = 0.0
                    if d1 < 36 { feature += 4 }
                    if pit && d2 < 25 { feature -= 3 }
                    let n = noise * (g.nextUniform() + g.nextUniform() + g.nextUniform() - 1.5) * 2
                    data.append(b + feature + n)
                    bg.append(b)
                    flat.append(feature == 0)
                }
            }
        }
        let shape = frames == 1 ? [rows, cols] : [frames, rows, cols]
        return (NDArray(data, shape: shape), NDArray(bg, shape: shape), NDArray(flat, shape: shape))
    }
}

/// A 100 × 130 test frame (four row blocks, three 64-pixel words): a tilt, a step along a diagonal, rectangles of
/// +1.5 and Gaussian noise (σ 0.05) from `seed`.
func terraceTestFrame(seed: UInt64) -> NDArray<Double> {
    var g = SeededGenerator(seed: seed)
    let rows = 100, cols = 130
    return NDArray((0..<(rows * cols)).map { i -> Double in
        let r = i / cols, c = i % cols
        return 0.01 * Double(c) + (r + c / 3 >= 60 ? 2 : 0) + (r % 37 < 4 && c % 29 < 5 ? 1.5 : 0)
            + 0.05 * g.nextGaussian()
    }, shape: [rows, cols])
}
