import Foundation
import Testing
import ScopeKitCore
import ScopeKitIO
@testable import ScopeKitZSpacing

@Suite("Banded matrix, CSV, warped matrix")
struct MatrixAndOutputTests {
    @Test("square ↔ strip round trip, symmetric access, NaN outside the band")
    func roundTrip() throws {
        let c = try unitMatrix(count: 8, range: 3)
        #expect(c[1, 3] == c[3, 1] && c[1, 3] == 1 - 0.1 * 2 && c[2, 4] == 1 - 0.1 * 2 - 0.09)
        #expect(c[0, 4].isNaN && c[-1, 0].isNaN && c[3, 3] == 1)
        let square = c.squareArray()
        #expect(square.shape == [8, 8] && square[0, 4].isNaN && square[1, 0] == Float(c[1, 0]))
        let strip = c.stripArray()
        #expect(strip.shape == [8, 7])
        let back = try BandedMatrix(strip: strip)
        let back2 = try BandedMatrix(square: square, range: 3)
        for i in 0..<8 { for j in 0..<8 { #expect(abs(back[i, j] - Double(Float(c[i, j]))) < 1e-7 || c[i, j].isNaN) } }
        #expect(back == back2)
        #expect(throws: ScopeKitError.self) { try BandedMatrix(strip: NDArray<Float>(zeros: [5, 4])) }
        #expect(throws: ScopeKitError.self) { try BandedMatrix(square: NDArray<Float>(zeros: [5, 4])) }
        #expect(throws: ScopeKitError.self) { try BandedMatrix(count: -1, range: 2) }
    }

    @Test("a similarity image is read like Fiji: square or strip, divided by its maximum")
    func similarityImage() throws {
        var square = NDArray<Float>(repeating: .nan, shape: [4, 4])
        for i in 0..<4 { square[i, i] = 2 }
        square[0, 1] = 1.5; square[1, 0] = 1.5
        let m = try BandedMatrix(similarityImage: AnyArray(square), range: 2)
        #expect(m.count == 4 && m[0, 1] == 0.75 && m[2, 2] == 1 && m[1, 2].isNaN)
        let strip = try BandedMatrix(similarityImage: AnyArray(m.stripArray()))
        #expect(strip == m)
    }

    @Test("CSV has Fiji's columns and is written atomically, refusing to overwrite")
    func csv() throws {
        let r = ZSpacingResult(positions: [0, 2.5, 1], sortedPositions: [0, 1, 2.5], forwardPermutation: [0, 2, 1],
                               backwardPermutation: [0, 2, 1], uncertainty: [.nan, 0.1, 0.2], curve: [1, 0.5],
                               localCurves: [], scalingFactors: [1, 1, 1], range: 1)
        #expect(r.csv == """
        z-index,mapping,sorted mapping,forward permutation,backward permutation
        0,0.0,0.0,0,0
        1,2.5,1.0,2,2
        2,1.0,2.5,1,1

        """)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zspacing-csv-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("positions.csv")
        try r.writeCSV(to: url)
        #expect(try String(contentsOf: url, encoding: .utf8) == r.csv)
        #expect(throws: ScopeKitError.self) { try r.writeCSV(to: url) }
        try r.writeCSV(to: url, overwrite: true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["positions.csv"])
    }

    @Test("warped matrix of a linear similarity at the true positions depends on |p − q| only")
    func warpedMatrix() throws {
        let x: [Double] = [0, 0.6, 1.9, 2.5, 3.4, 5.0, 6.2, 7.0]   // true positions; each integer in its own cell
        let n = x.count
        var c = try BandedMatrix(count: n, range: 4)
        for i in 0..<n { for j in (i + 1)..<Swift.min(n, i + 5) { c[i, j] = 1 - 0.1 * (x[j] - x[i]) } }
        let r = ZSpacingResult(positions: x, sortedPositions: x, forwardPermutation: Array(0..<n),
                               backwardPermutation: Array(0..<n), uncertainty: x.map { _ in .nan }, curve: [],
                               localCurves: [], scalingFactors: x.map { _ in 1 }, range: 4)
        let w = c.warped(by: r)
        #expect(w.shape == [n, n])
        var finite = 0
        for p in 0..<n {
            for q in 0..<n where p != q {
                let v = w[p, q]
                if v.isNaN { continue }
                finite += 1
                #expect(abs(Double(v) - (1 - 0.1 * Double(abs(p - q)))) < 1e-6, "(\(p), \(q)) = \(v)")
            }
        }
        #expect(finite >= 2 * (n - 1) + 2 * (n - 2))
    }

    @Test("end normalisation resets outlying spacings within 3R of the ends and keeps the span")
    func endNormalization() {
        var x: [Double] = [0]
        for i in 1..<40 { x.append(x.last! + (i == 1 ? 4 : 1)) }   // first spacing 4 (an end effect)
        let fixed = PositionNormalization.normalizeEnds(x, range: 2)
        let d = Metrics.differences(fixed)
        #expect(abs(fixed.first! - x.first!) < 1e-12 && abs(fixed.last! - x.last!) < 1e-12)
        #expect(d.allSatisfy { abs($0 - d[5]) < 1e-12 })                         // all equal after the reset
        var y = x
        y[20] += 0.9                                                             // interior: untouched
        #expect(PositionNormalization.normalizeEnds(y, range: 2)[20] != fixed[20])
    }
}
