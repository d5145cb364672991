import Testing
import ScopeKitCore
@testable import ScopeKitLevelling

/// Gwyddion "Align Rows" Matching and Facet-level tilt on scenes with known answers.
@Suite struct AlignRowsGwyddionTests {
    /// rows × cols: a rough common profile h(c) plus a row offset; `spikes` adds +3 at single pixels.
    func scene(rows: Int = 16, cols: Int = 30, spikes: Bool = false) -> (NDArray<Double>, [Double]) {
        var g = SeededGenerator(seed: 21)
        let h = (0..<cols).map { _ in g.nextUniform() }
        let o = (0..<rows).map { _ in 4 * g.nextUniform() - 2 }
        var z = [Double]()
        for r in 0..<rows {
            for c in 0..<cols {
                let spike = spikes && r % 3 == 1 && (c == 7 || c == 15 || c == 22) ? 3.0 : 0
                z.append(h[c] + o[r] + spike)
            }
        }
        return (NDArray(z, shape: [rows, cols]), o)
    }

    @Test func matchingRemovesOffsetsOfParallelRows() throws {
        let (data, _) = scene()
        let out = try Levelling.alignRows(data, method: .matching)
        let e = out.elements, cols = 30
        for r in 1..<16 { for c in 0..<cols { #expect(abs(e[r * cols + c] - e[c]) < 1e-12) } }
        #expect(abs(try out.mean() - data.mean()) < 1e-12)  // image mean kept
    }

    @Test func matchingIgnoresIsolatedSpikes() throws {
        let (data, o) = scene(spikes: true)
        let out = try Levelling.alignRows(data, method: .matching)
        let mean = try Levelling.alignRows(data, method: .mean)
        let d = data.elements, m = out.elements, a = mean.elements, cols = 30
        // the offsets removed, relative to row 0, against the truth
        var worstMatching = 0.0, worstMean = 0.0
        for r in 1..<16 {
            let truth = o[r] - o[0]
            worstMatching = max(worstMatching, abs((d[r * cols] - m[r * cols]) - (d[0] - m[0]) - truth))
            worstMean = max(worstMean, abs((d[r * cols] - a[r * cols]) - (d[0] - a[0]) - truth))
        }
        #expect(worstMatching < 1e-3)   // spike pairs keep weights of about e^-11
        #expect(worstMean > 0.25)   // three +3 spikes in 30 pixels bias the mean by 0.3
    }

    @Test func matchingOnColumnsAndMasks() throws {
        let (data, _) = scene()
        let src: [Double] = data.elements
        var t = [Double](repeating: 0, count: 480)
        for r in 0..<16 { for c in 0..<30 { t[c * 16 + r] = src[r * 30 + c] } }
        let transposed = NDArray<Double>(t, shape: [30, 16])
        let out = try Levelling.alignRows(transposed, method: .matching, direction: .columns)
        let e: [Double] = out.elements
        for c in 1..<16 { for r in 0..<30 { #expect(abs(e[r * 16 + c] - e[r * 16]) < 1e-12) } }
        // a fully excluded row keeps the previous shift: its pixels move with the row above
        var keep = [Bool](repeating: true, count: 480)
        for c in 0..<30 { keep[5 * 30 + c] = false }
        let masked = try Levelling.alignRows(data, method: .matching, mask: Mask(including: NDArray(keep, shape: [16, 30])))
        let d: [Double] = data.elements, m: [Double] = masked.elements
        #expect(abs((d[5 * 30] - m[5 * 30]) - (d[4 * 30] - m[4 * 30])) < 1e-12)
    }

    @Test func facetTiltRemovesRowSlopesButKeepsOffsets() throws {
        let rows = 12, cols = 40
        var g = SeededGenerator(seed: 4)
        var z = [Double](), slopes = [Double]()
        for _ in 0..<rows {
            let t = 0.1 * g.nextUniform() - 0.05, off = g.nextUniform()
            slopes.append(t)
            for c in 0..<cols { z.append(t * (Double(c) - 19.5) + off + (c == 9 || c == 30 ? 2 : 0)) }
        }
        let data = NDArray<Double>(z, shape: [rows, cols])
        let out = try Levelling.alignRows(data, method: .facetTilt)
        let e = out.elements
        for r in 0..<rows {
            // every non-spike pixel of the row now has the same height, and the row mean is unchanged
            let base = e[r * cols]
            for c in 0..<cols where c != 9 && c != 30 { #expect(abs(e[r * cols + c] - base) < 1e-9) }
            var before = 0.0, after = 0.0
            for c in 0..<cols { before += z[r * cols + c]; after += e[r * cols + c] }
            #expect(abs(before - after) < 1e-9)
        }
        // a flat row (σ = 0) stays as it is instead of becoming NaN
        let flat = try Levelling.alignRows(NDArray<Double>(repeating: 1.5, shape: [3, 20]), method: .facetTilt)
        #expect(flat.elements.allSatisfy { $0 == 1.5 })
    }

    @Test func recipesRoundTrip() throws {
        let p = LevellingPipeline(steps: [.alignRows(.matching, direction: .rows, keepMean: true),
                                          .alignRows(.facetTilt, direction: .columns, keepMean: false),
                                          .removeScars(.topoStats), .markScars(ScarOptions(polarity: .negative)),
                                          .lineShift(pixels: nil, maximum: 5), .lineShift(pixels: -2, maximum: 0),
                                          .creep(scale: 2, orientation: .reverse)])
        #expect(try LevellingPipeline(json: p.jsonString()) == p)
    }
}
