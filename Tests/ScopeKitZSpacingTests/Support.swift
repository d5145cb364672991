import Foundation
import ScopeKitCore
import ScopeKitIO
@testable import ScopeKitZSpacing
import ScopeKitTestSupport

/// Synthetic serial-section data with known spacing, built from AR(1) (exponential-decay) textures.
enum Synthetic {
    /// A volume of `slices` slices of `size × size` that are AR(1) along z with correlation ρ per slice
    /// (white in x and y), so NCC(Δz) ≈ ρ^|Δz|.
    static func ar1Volume(slices: Int, size: Int, rho: Double, seed: UInt64) -> [[Float]] {
        var rng = SeededGenerator(seed: seed)
        let innovation = (1 - rho * rho).squareRoot()
        var current = (0..<(size * size)).map { _ in Float(rng.nextGaussian()) }
        var volume = [current]
        for _ in 1..<slices {
            for k in current.indices { current[k] = Float(rho) * current[k] + Float(innovation * rng.nextGaussian()) }
            volume.append(current)
        }
        return volume
    }

    /// Cumulative positions with integer gaps uniform in `gaps`, below `limit`.
    static func randomGaps(_ gaps: ClosedRange<Int>, below limit: Int, seed: UInt64) -> [Int] {
        var rng = SeededGenerator(seed: seed)
        var z = [0]
        while true {
            let next = z.last! + Int.random(in: gaps, using: &rng)
            if next >= limit { break }
            z.append(next)
        }
        return z
    }

    /// Stacks 2-D slices into `[N, rows, cols]`.
    static func stack(_ slices: [[Float]], rows: Int, cols: Int) -> NDArray<Float> {
        NDArray<Float>(slices.flatMap { $0 }, shape: [slices.count, rows, cols])
    }

    /// Crops `[rows, width]` at column offsets from a texture that is periodic with period `width` along
    /// columns (circular AR(1) with correlation ρ per pixel, independent rows): every crop is a circular
    /// shift of the same texture, so the NCC of two crops is exactly a function of their offset difference
    /// (the texture's circular autocorrelation) and carries no position-dependent sampling error.
    static func circularMovingWindow(offsets: [Int], rows: Int, width: Int, rho: Double, seed: UInt64) -> NDArray<Float> {
        var rng = SeededGenerator(seed: seed)
        let innovation = (1 - rho * rho).squareRoot()
        var texture = [Double](repeating: 0, count: rows * width)
        for r in 0..<rows {
            let e = (0..<width).map { _ in innovation * rng.nextGaussian() }
            var v = 0.0
            for step in 0..<(width * 12) {            // ρ^(12·width) ≈ 0: the stationary circular solution
                v = rho * v + e[step % width]
                if step >= width * 11 { texture[r * width + step % width] = v }
            }
        }
        var crops: [Float] = []
        crops.reserveCapacity(offsets.count * rows * width)
        for o in offsets {
            for r in 0..<rows { for c in 0..<width { crops.append(Float(texture[r * width + (o + c) % width])) } }
        }
        return NDArray<Float>(crops, shape: [offsets.count, rows, width])
    }

    /// Ground truth mapped to [0, N − 1] like the BORDER-normalised estimate.
    static func normalized(_ z: [Int]) -> [Double] {
        let n = z.count
        return z.map { Double($0 - z[0]) * Double(n - 1) / Double(z[n - 1] - z[0]) }
    }
}

enum Metrics {
    static func rmse(_ a: [Double], _ b: [Double]) -> Double {
        (zip(a, b).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / Double(a.count)).squareRoot()
    }

    static func correlation(_ a: [Double], _ b: [Double]) -> Double {
        let n = Double(a.count)
        let ma = a.reduce(0, +) / n, mb = b.reduce(0, +) / n
        var sab = 0.0, saa = 0.0, sbb = 0.0
        for (x, y) in zip(a, b) { sab += (x - ma) * (y - mb); saa += (x - ma) * (x - ma); sbb += (y - mb) * (y - mb) }
        return sab / (saa * sbb).squareRoot()
    }

    static func differences(_ a: [Double]) -> [Double] { (1..<a.count).map { a[$0] - a[$0 - 1] } }
}

/// An in-memory `ImageFile` that logs plane reads (to check streaming).
final class MemoryImageFile: ImageFile, @unchecked Sendable {
    let info: ImageFileInfo
    let stack: NDArray<Float>
    private let lock = NSLock()
    private var reads: [Int] = []

    init(_ stack: NDArray<Float>) {
        self.stack = stack
        info = ImageFileInfo(formatName: "memory", shape: stack.shape, dtype: .float32,
                             planeShape: Array(stack.shape.dropFirst()), calibration: stack.calibration)
    }

    func readPlane(_ index: Int) throws -> AnyArray {
        lock.withLock { reads.append(index) }
        var plane = stack.frame(index)
        plane.makeUnique()
        return AnyArray(plane)
    }

    var readLog: [Int] { lock.withLock { reads } }
}

/// The committed numpy reference (Scripts/fixtures/zspacing.py).
struct Fixture: Decodable {
    struct Unit: Decodable { let positions: [Double]; let ratios: [Double] }
    struct Inference: Decodable {
        let count: Int
        let range: Int
        let strip: [Double?]
        let truth: [Double]
        let positions: [String: [Double]]
    }
    struct NCC: Decodable { let shape: [Int]; let range: Int; let stack: [Double?]; let strip: [Double?] }
    let unit: Unit
    let inference: Inference
    let ncc: NCC

    static let shared: Fixture = {
        let url = TestPaths.fixtures("zspacing").appendingPathComponent("zspacing.json")
        let data = try! Data(contentsOf: url)
        return try! JSONDecoder().decode(Fixture.self, from: data)
    }()
}

extension Array where Element == Double? {
    var nanFilled: [Double] { map { $0 ?? .nan } }
}

/// The library's unit matrix: N=20, R=5, C = 1 − 0.1|i−j|, −0.09 more across the 9|10 break.
func unitMatrix(count n: Int = 20, range r: Int = 5) throws -> BandedMatrix {
    var c = try BandedMatrix(count: n, range: r)
    for i in 0..<n {
        for j in (i + 1)..<Swift.min(i + r + 1, n) {
            let broken = i < n / 2 && j >= n / 2
            c[i, j] = 1 - 0.1 * Double(j - i) - (broken ? 0.09 : 0)
        }
    }
    return c
}
