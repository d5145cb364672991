import Foundation
import ScopeKit
import ScopeKitIO
import ScopeKitZSpacing

/// A synthetic stack served plane by plane (16 distinct random 1024² planes, cycled), so the similarity
/// benchmark streams through `ImageFile` without holding the stack.
private final class CycledStack: ImageFile, @unchecked Sendable {
    let info: ImageFileInfo
    let planes: [NDArray<Float>]

    init(sections: Int, size: Int) {
        var rng = SplitMix64(seed: 5)
        var base = (0..<(size * size)).map { _ in Float(rng.nextGaussian()) }
        var planes: [NDArray<Float>] = []
        for _ in 0..<16 {
            for k in base.indices { base[k] = 0.9 * base[k] + 0.43 * Float(rng.nextUniform() - 0.5) }
            planes.append(NDArray<Float>(base, shape: [size, size]))
        }
        self.planes = planes
        info = ImageFileInfo(formatName: "synthetic", shape: [sections, size, size], dtype: .float32, planeShape: [size, size])
    }

    func readPlane(_ index: Int) throws -> AnyArray { AnyArray(planes[index % planes.count]) }
}

/// An exponential similarity matrix at random gaps U{1..3} with 1 % noise (N sections, band R).
private func syntheticMatrix(count n: Int, range r: Int) throws -> BandedMatrix {
    var rng = SplitMix64(seed: 9)
    var z = [0.0]
    for _ in 1..<n { z.append(z.last! + Double(1 + Int(rng.next() % 3))) }
    var c = try BandedMatrix(count: n, range: r)
    for i in 0..<n {
        for j in (i + 1)..<min(n, i + r + 1) {
            c[i, j] = Foundation.pow(0.9, z[j] - z[i]) + 0.01 * rng.nextGaussian()
        }
    }
    return c
}

/// Z-spacing benchmarks (anchors: Scripts/bench/zspacing.py).
let zspacingBenchmarks: [Benchmark] = [
    Benchmark(name: "zspacing.similarity.100x1024", anchor: "numpy: ring of centred float32 planes, np.dot per pair") {
        let file = CycledStack(sections: 100, size: 1024)
        return { _ = try SectionSimilarity.matrix(of: file, range: 10) }
    },
    Benchmark(name: "zspacing.similarity.500x1024", anchor: "numpy: ring of centred float32 planes, np.dot per pair") {
        let file = CycledStack(sections: 500, size: 1024)
        return { _ = try SectionSimilarity.matrix(of: file, range: 10) }
    },
    Benchmark(name: "zspacing.inference.2000r10.1iter", anchor: "numpy port of the spec (Scripts/fixtures/zspacing.py), 1 outer iteration") {
        let matrix = try syntheticMatrix(count: 2000, range: 10)
        var options = ZSpacingOptions.fiji
        options.outerIterations = 1
        return { _ = try ZSpacing.estimatePositions(from: matrix, options: options) }
    },
    Benchmark(name: "zspacing.inference.2000r10.100iter", anchor: "(none: the numpy port needs minutes)") {
        let matrix = try syntheticMatrix(count: 2000, range: 10)
        return { _ = try ZSpacing.estimatePositions(from: matrix, options: .fiji) }
    },
]

