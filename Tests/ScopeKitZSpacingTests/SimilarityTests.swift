import Foundation
import Testing
import ScopeKitCore
@testable import ScopeKitZSpacing

@Suite("Similarity")
struct SimilarityTests {
    private func fixtureStack() -> NDArray<Float> {
        let f = Fixture.shared.ncc
        return NDArray<Float>(f.stack.nanFilled.map { Float($0) }, shape: f.shape)
    }

    @Test("NaN-aware banded NCC matches numpy; constant and all-NaN sections give NaN")
    func matchesNumpy() throws {
        let f = Fixture.shared.ncc
        let c = try SectionSimilarity.matrix(of: fixtureStack(), range: f.range)
        let expected = f.strip.nanFilled
        #expect(c.range == f.range)
        for (k, (a, b)) in zip(c.values, expected).enumerated() {
            if b.isNaN { #expect(a.isNaN, "entry \(k): \(a) expected NaN") } else { #expect(abs(a - b) < 1e-6, "entry \(k): \(a) vs \(b)") }
        }
        // section 4 is constant, section 5 all NaN: no finite similarity with anything
        for i in [4, 5] { for d in 1...f.range { #expect(c[i, i + d].isNaN && c[i, i - d].isNaN) } }
        #expect(c[0, 1] > 0.5)                     // section 1 = 0.6·section 0 + 0.4·noise
    }

    @Test("streamed from a file equals in memory; every plane read once, in order")
    func streamedEqualsInMemory() throws {
        let volume = Synthetic.ar1Volume(slices: 30, size: 48, rho: 0.9, seed: 11)
        var stack = Synthetic.stack(volume, rows: 48, cols: 48)
        stack.withUnsafeMutableBufferPointer { p in for k in stride(from: 7, to: p.count, by: 97) { p[k] = .nan } }
        let file = MemoryImageFile(stack)
        let streamed = try SectionSimilarity.matrix(of: file, range: 4)
        let memory = try SectionSimilarity.matrix(of: stack, range: 4)
        #expect(streamed == memory)
        #expect(file.readLog == Array(0..<30))
        // ρ^Δ with 48² samples
        #expect(abs(memory[10, 11] - 0.9) < 0.06)
        #expect(abs(memory[10, 14] - 0.6561) < 0.08)
    }

    @Test("identical for 1 and 2 threads")
    func threadIndependent() throws {
        let volume = Synthetic.ar1Volume(slices: 12, size: 100, rho: 0.9, seed: 12)
        let stack = Synthetic.stack(volume, rows: 100, cols: 100)
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        Parallel.threadCount = 1
        let one = try SectionSimilarity.matrix(of: stack, range: 3)
        Parallel.threadCount = 2
        let two = try SectionSimilarity.matrix(of: stack, range: 3)
        #expect(one == two)
    }

    @Test("xy downscaling: σ rule, output size, and averaged-out pixel noise raises the NCC")
    func downscale() throws {
        #expect(abs(SectionDownsampling.sigma(forScale: 0.5) - 0.75.squareRoot()) < 1e-12)
        #expect(SectionDownsampling.outputShape(rows: 101, cols: 64, scale: 0.25) == [25, 16])
        // smooth shared structure + independent white noise per section
        var rng = SeededGenerator(seed: 4)
        let n = 6, size = 64
        var data: [Float] = []
        for _ in 0..<n {
            for r in 0..<size {
                for c in 0..<size {
                    let smooth = sin(Double(r) / 6) * cos(Double(c) / 7)
                    data.append(Float(smooth + 1.5 * rng.nextGaussian()))
                }
            }
        }
        let stack = NDArray<Float>(data, shape: [n, size, size])
        let full = try SectionSimilarity.matrix(of: stack, range: 2)
        let half = try SectionSimilarity.matrix(of: stack, range: 2, xyScale: 0.5)
        let quarter = try SectionSimilarity.matrix(of: stack, range: 2, xyScale: 0.25)
        #expect(full[0, 1] < 0.3)
        #expect(half[0, 1] > full[0, 1] + 0.2)
        #expect(quarter[0, 1] > half[0, 1])
        // a constant plane stays constant
        let flat = SectionDownsampling.downsample(NDArray<Float>(repeating: 3, shape: [20, 30]), scale: 0.5)
        #expect(flat.shape == [10, 15] && flat.elements.allSatisfy { abs($0 - 3) < 1e-5 })
    }

    @Test("bad input: short stacks clamp the range, mismatched or non-2-D sections throw")
    func badInput() throws {
        let stack = Synthetic.stack(Synthetic.ar1Volume(slices: 3, size: 8, rho: 0.9, seed: 1), rows: 8, cols: 8)
        let c = try SectionSimilarity.matrix(of: stack, range: 10)
        #expect(c.range == 2 && c.count == 3 && c[0, 2].isFinite)
        #expect(throws: ScopeKitError.self) { try SectionSimilarity.matrix(of: stack, range: 0) }
        #expect(throws: ScopeKitError.self) { try SectionSimilarity.matrix(of: stack, xyScale: 1.5) }
        #expect(throws: ScopeKitError.self) { try SectionSimilarity.matrix(of: NDArray<Float>(zeros: [2, 2, 2, 2])) }
        #expect(throws: ScopeKitError.self) {
            try SectionSimilarity.band(count: 2, range: 1, xyScale: 1, progress: nil) { i in
                NDArray<Float>(zeros: [4, 4 + i])
            }
        }
        let single = try SectionSimilarity.matrix(of: NDArray<Float>(zeros: [5, 5]))
        #expect(single.count == 1 && single[0, 0] == 1)
    }
}
