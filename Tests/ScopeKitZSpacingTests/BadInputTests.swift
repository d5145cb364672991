import Foundation
import Testing
import ScopeKitCore
@testable import ScopeKitZSpacing

@Suite("Bad input")
struct BadInputTests {
    @Test("stacks shorter than the range: range clamped to N − 1, finite positions")
    func shortStacks() throws {
        #expect(throws: ScopeKitError.badInput("the stack has no sections")) {
            try ZSpacing.estimatePositions(from: try BandedMatrix(count: 0, range: 3))
        }
        let one = try ZSpacing.estimatePositions(from: try BandedMatrix(count: 1, range: 10))
        #expect(one.positions == [0] && one.range == 0)
        let c = try unitMatrix(count: 4, range: 3)
        let r = try ZSpacing.estimatePositions(from: c)           // options.range 10 > N − 1
        #expect(r.range == 3)
        #expect(r.positions.allSatisfy { $0.isFinite })
        #expect(abs(r.sortedPositions.first! - 0) < 1e-12 && abs(r.sortedPositions.last! - 3) < 1e-12)
    }

    @Test("constant and all-NaN sections: NaN similarity, no votes, positions stay finite")
    func degenerateSections() throws {
        let volume = Synthetic.ar1Volume(slices: 30, size: 16, rho: 0.9, seed: 9)
        var s = Synthetic.stack(volume, rows: 16, cols: 16)
        s.setFrame(10, to: NDArray<Float>(repeating: 7, shape: [16, 16]))
        s.setFrame(20, to: NDArray<Float>(repeating: .nan, shape: [16, 16]))
        let c = try ZSpacing.similarity(of: s)
        #expect(c[10, 11].isNaN && c[20, 19].isNaN && c[9, 11].isFinite)
        for options in [ZSpacingOptions.fiji, .janelia] {
            let r = try ZSpacing.estimatePositions(from: c, options: options)
            #expect(r.positions.allSatisfy { $0.isFinite })
            #expect(r.uncertainty[10].isNaN && r.uncertainty[20].isNaN)
            #expect(Set(r.backwardPermutation) == Set(0..<30))
            _ = try ZSpacingRenderer.render(s, result: r)
        }
        // an all-NaN matrix (nothing known) leaves the identity
        let unknown = try BandedMatrix(count: 6, range: 2)
        #expect(try ZSpacing.estimatePositions(from: unknown).positions == [0, 1, 2, 3, 4, 5])
    }
}
