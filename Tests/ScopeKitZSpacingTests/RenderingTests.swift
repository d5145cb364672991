import Foundation
import Testing
import ScopeKitCore
@testable import ScopeKitZSpacing

private func result(_ positions: [Double], reorder: Bool = false) -> ZSpacingResult {
    let n = positions.count
    var backward = Array(0..<n), forward = Array(0..<n), sorted = positions
    if reorder {
        backward.sort { positions[$0] < positions[$1] }
        for (k, i) in backward.enumerated() { forward[i] = k }
        sorted = backward.map { positions[$0] }
    }
    return ZSpacingResult(positions: positions, sortedPositions: sorted, forwardPermutation: forward,
                          backwardPermutation: backward, uncertainty: positions.map { _ in .nan }, curve: [],
                          localCurves: [], scalingFactors: positions.map { _ in 1 }, range: 1)
}

@Suite("Rendering")
struct RenderingTests {
    /// Section i is filled with the value 10·i (+ a pixel ramp).
    private func stack(_ n: Int) -> NDArray<Float> {
        var s = NDArray<Float>((0..<(n * 6)).map { Float(10 * ($0 / 6) + $0 % 6) }, shape: [n, 2, 3])
        s.calibration.axes[0].scale = 50
        s.calibration.axes[0].unit = "nm"
        return s
    }

    @Test("identity positions reproduce the stack")
    func identity() throws {
        let s = stack(5)
        let out = try ZSpacingRenderer.render(s, result: result([0, 1, 2, 3, 4]))
        #expect(out == s)
        #expect(out.calibration.axes[0].scale == 50)
    }

    @Test("linear blend between the bracketing sections")
    func blend() throws {
        let s = stack(3)
        // sorted positions 0, 0.5, 2: output z = 1 sits at rank t = 1 + 0.5/1.5 = 4/3
        let out = try ZSpacingRenderer.render(s, result: result([0, 0.5, 2]))
        #expect(out.shape == [3, 2, 3])
        for k in 0..<6 {
            let expected = Float(2.0 / 3.0) * s[1, k / 3, k % 3] + Float(1.0 / 3.0) * s[2, k / 3, k % 3]
            #expect(abs(out[1, k / 3, k % 3] - expected) < 1e-5)
            #expect(out[0, k / 3, k % 3] == s[0, k / 3, k % 3] && out[2, k / 3, k % 3] == s[2, k / 3, k % 3])
        }
    }

    @Test("z upsampling: (N−1)·u + 1 slices, z voxel / u, NaN outside the range; u = 1 clamps")
    func upsampling() throws {
        let s = stack(4)
        let narrow = result([0, 1, 1.5, 2.5])                 // does not reach N − 1 = 3
        let up = try ZSpacingRenderer.render(s, result: narrow, upsample: 2)
        #expect(up.shape == [7, 2, 3])
        #expect(up.calibration.axes[0].scale == 25)
        #expect(up[1, 0, 0] == 5)                              // z = 0.5: halfway between sections 0 and 1
        #expect(up[6, 0, 0].isNaN && !up[5, 0, 0].isNaN)       // z = 3 > 2.5
        let clamped = try ZSpacingRenderer.render(s, result: narrow)
        #expect(clamped[3, 0, 0] == s[3, 0, 0])
        #expect(throws: ScopeKitError.self) { try ZSpacingRenderer.render(s, result: narrow, upsample: 0) }
        #expect(throws: ScopeKitError.self) { try ZSpacingRenderer.render(stack(3), result: narrow) }
    }

    @Test("reordered sections are rendered in corrected order; streamed equals in memory")
    func reorderAndStream() throws {
        let s = stack(4)
        let r = result([0, 2, 1, 3], reorder: true)
        let out = try ZSpacingRenderer.render(s, result: r)
        #expect(out[1, 0, 0] == s[2, 0, 0] && out[2, 0, 0] == s[1, 0, 0])
        let file = MemoryImageFile(s)
        var slices: [NDArray<Float>] = []
        try ZSpacingRenderer.render(file, result: r, upsample: 3) { z, slice in
            #expect(z == slices.count)
            slices.append(slice)
        }
        #expect(NDArray(stacking: slices) == (try ZSpacingRenderer.render(s, result: r, upsample: 3)))
    }

    @Test("end to end: estimate then render an AR(1) stack")
    func endToEnd() throws {
        let volume = Synthetic.ar1Volume(slices: 60, size: 32, rho: 0.9, seed: 21)
        let z = Synthetic.randomGaps(1...3, below: 60, seed: 22)
        let s = Synthetic.stack(z.map { volume[$0] }, rows: 32, cols: 32)
        var options = ZSpacingOptions.frozenQuality
        options.allowReordering = false
        let r = try ZSpacing.estimatePositions(from: try ZSpacing.similarity(of: s, options: options), options: options)
        let out = try ZSpacingRenderer.render(s, result: r)
        #expect(out.shape == s.shape)
        #expect(out.elements.allSatisfy { $0.isFinite })
        #expect(Metrics.rmse(r.positions, Synthetic.normalized(z)) < Metrics.rmse((0..<z.count).map(Double.init), Synthetic.normalized(z)))
    }
}
