import ScopeKitCore
import Testing
@testable import ScopeKitLevelling
import ScopeKitLevellingAVX2
import ScopeKitLevellingKernels

/// The levelling AVX2 kernels (ScopeKitLevellingAVX2) give the same bits as the baseline ones, kernel by kernel on
/// random data, and a whole multi-plane routine gives the same bits on both paths.
@Suite(.serialized, .enabled(if: CPUFeatures.hasAVX2FMA, "needs a CPU with AVX2 and FMA"))
struct LevellingSIMDDispatchTests {
    @Test func gaussianBlock() {
        var g = SeededGenerator(seed: 21)
        for (rows, cols) in [(1, 1), (5, 3), (37, 70), (64, 129)] {
            let n = rows * cols
            let src = (0..<n).map { _ in g.nextUniform() * 10 - 3 }
            let half: [Double] = [0.2, 0.18, 0.12, 0.08, 0.04, 0.02, 0.01, 0.005, 0.0025]
            var a = [Double](repeating: 0, count: n), b = a, scratch = a
            let pointers = UnsafeMutablePointer<UnsafePointer<Double>>.allocate(capacity: 2 * half.count)
            let ring = UnsafeMutablePointer<Double>.allocate(capacity: (2 * half.count - 1) * 64)
            defer { pointers.deallocate(); ring.deallocate() }
            src.withUnsafeBufferPointer { s in
                gaussianNearestBlock(s.baseAddress!, into: &a, scratch: &scratch, rows: rows, cols: cols,
                                     block: 0..<rows, half: half, radius: half.count - 1, rowPointers: pointers,
                                     ring: ring)
                gaussianNearestBlockAVX2(s.baseAddress!, into: &b, scratch: &scratch, rows: rows, cols: cols,
                                         block: 0..<rows, half: half, radius: half.count - 1, rowPointers: pointers,
                                     ring: ring)
            }
            #expect(a.map(\.bitPattern) == b.map(\.bitPattern), "\(rows)×\(cols)")
            // against the plain two passes with edge values repeated, each sum in scipy's order: the same bits
            let radius = half.count - 1
            func pass(_ x: [Double], along0: Bool) -> [Double] {
                var y = x
                for r in 0..<rows {
                    for c in 0..<cols {
                        func at(_ d: Int) -> Double {
                            along0 ? x[Swift.min(Swift.max(r + d, 0), rows - 1) * cols + c]
                                   : x[r * cols + Swift.min(Swift.max(c + d, 0), cols - 1)]
                        }
                        var t = at(0) * half[0]
                        for j in stride(from: radius, through: 1, by: -1) { t += (at(-j) + at(j)) * half[j] }
                        y[r * cols + c] = t
                    }
                }
                return y
            }
            let reference = pass(pass(src, along0: true), along0: false)
            #expect(a.map(\.bitPattern) == reference.map(\.bitPattern), "\(rows)×\(cols) against the plain passes")
        }
    }

    @Test func sobelEnergy() {
        var g = SeededGenerator(seed: 27)
        for (rows, cols) in [(1, 1), (3, 2), (9, 5), (40, 13), (33, 70)] {
            let n = rows * cols
            let s = (0..<n).map { _ in g.nextUniform() * 4 - 1 }
            var a = [Double](repeating: 0, count: n), b = a
            let scratch = UnsafeMutablePointer<Double>.allocate(capacity: 5 * (cols + 8))
            defer { scratch.deallocate() }
            let buffers = (scratch, scratch + (cols + 8), scratch + 2 * (cols + 8), scratch + 3 * (cols + 8),
                           scratch + 4 * (cols + 8))
            var least = Double.infinity
            s.withUnsafeBufferPointer { p in
                for block in [0..<rows / 2, rows / 2 ..< rows] {   // two blocks, as two row blocks of a frame
                    let x = sobelEnergyRows(p.baseAddress!, into: &a, rows: rows, cols: cols, block: block,
                                            buffers: buffers,
                                            median: { _countingMedian($0, $1, scratch: $2, avx2: false) })
                    let y = sobelEnergyRowsAVX2(p.baseAddress!, into: &b, rows: rows, cols: cols, block: block,
                                                buffers: buffers)
                    #expect(x.bitPattern == y.bitPattern, "\(rows)×\(cols) least energy")
                    least = Swift.min(least, x)
                }
            }
            #expect(a.map(\.bitPattern) == b.map(\.bitPattern), "\(rows)×\(cols)")
            // against scipy's sobel written out (edge values repeated) and numpy's median: the same bits
            func at(_ r: Int, _ c: Int) -> Double {
                s[Swift.min(Swift.max(r, 0), rows - 1) * cols + Swift.min(Swift.max(c, 0), cols - 1)]
            }
            var reference = [Double](repeating: 0, count: n)
            for r in 0..<rows {
                func dRow(_ r: Int, _ c: Int) -> Double { at(r, c + 1) - at(r, c - 1) }
                func dCol(_ c: Int) -> Double { at(r + 1, c) - at(r - 1, c) }
                let gy = (0..<cols).map { c in
                    dCol(c) * 2 + (dCol(Swift.max(c - 1, 0)) + dCol(Swift.min(c + 1, cols - 1)))
                }
                let sorted = gy.sorted()
                let median = cols % 2 == 1 ? sorted[cols / 2] : (sorted[cols / 2 - 1] + sorted[cols / 2]) / 2
                for c in 0..<cols {
                    let x = dRow(r, c) * 2 + (dRow(r - 1, c) + dRow(r + 1, c)), y = gy[c] - 0.5 * median
                    reference[r * cols + c] = 2 * (x * x) + y * y
                }
            }
            #expect(a.map(\.bitPattern) == reference.map(\.bitPattern), "\(rows)×\(cols) against the plain formulas")
            #expect(least == reference.min()!)
        }
    }

    @Test func histogramBins() {
        var g = SeededGenerator(seed: 22)
        for n in [1, 6, 1001, 40_000] {
            var v = [Double](repeating: 0, count: n)
            for i in 0..<n {   // every fifth value on a bin edge
                v[i] = i % 5 == 0 ? Double(i % 257) * (2.6 / 256) - 0.7 : g.nextUniform() * 2.6 - 0.7
            }
            let lo: Double = v.min()!, hi: Double = Swift.max(v.max()!, lo + 1e-9), bins = 256
            let norm = Double(bins) / (hi - lo)
            var edges = _histogramEdges(bins: bins, lo: lo, hi: hi)
            edges[bins] = .infinity
            let margin = 64 * Double.ulpOfOne * Double(bins) * (Swift.max(abs(lo), abs(hi)) / (hi - lo) + 1)
            var a = [Int32](repeating: 0, count: 4 * bins), b = a
            countBinsInRange(v, n, bins: bins, lo: lo, norm: norm, margin: margin, edges: edges, into: &a)
            countBinsInRangeAVX2(v, n, bins: bins, lo: lo, norm: norm, margin: margin, edges: edges, into: &b)
            #expect(a == b, "n \(n)")
        }
    }

    @Test func countingMedian() {
        var g = SeededGenerator(seed: 24)
        for n in [1, 31, 32, 33, 512, 513, 5000] {
            for kind in 0..<3 {
                let v = (0..<n).map { _ -> Double in
                    kind == 1 ? Double(Int(g.nextUniform() * 4)) : kind == 2 ? 1.5 : g.nextGaussian()
                }
                let scratch = UnsafeMutablePointer<Double>.allocate(capacity: n)
                defer { scratch.deallocate() }
                let a = v.withUnsafeBufferPointer { _countingMedian($0.baseAddress!, n, scratch: scratch, avx2: false) }
                let b = v.withUnsafeBufferPointer { _countingMedian($0.baseAddress!, n, scratch: scratch, avx2: true) }
                let sorted = v.sorted()
                #expect(a.bitPattern == b.bitPattern, "n \(n) kind \(kind)")
                #expect(a == (n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2))
            }
        }
    }

    @Test func thresholdBits() {
        var g = SeededGenerator(seed: 25)
        for cols in [1, 63, 64, 65, 200, 512] {
            var v = (0..<cols).map { _ in g.nextUniform() * 4 - 2 }
            if cols > 3 { v[1] = .nan; v[2] = .infinity; v[3] = -.infinity }
            for (lo, hi, invert) in [(-0.5, 0.7, false), (-Double.infinity, 0.1, true), (0.3, 0.3, true)] {
                let words = (cols + 63) / 64
                var a = [UInt64](repeating: 0, count: words), b = a
                packInsideRow(v, cols: cols, lo: lo, hi: hi, invert: invert, into: &a)
                packInsideRowAVX2(v, cols: cols, lo: lo, hi: hi, invert: invert, into: &b)
                var expected = [UInt64](repeating: 0, count: words)
                for c in 0..<cols where (v[c] >= lo && v[c] <= hi) != invert { expected[c / 64] |= 1 << UInt64(c % 64) }
                #expect(a == expected && b == expected, "\(cols) [\(lo), \(hi)] invert \(invert)")
            }
        }
    }

    @Test func multiPlaneRoutineSameBits() throws {
        let image = terraceTestFrame(seed: 23)
        let saved = CPUFeatures.override
        defer { CPUFeatures.override = saved }
        var results: [[UInt64]] = []
        for level in [SIMDLevel.baseline, .avx2] {
            CPUFeatures.override = level
            for routine in [LevellingRoutine.multiPlaneOtsu, .multiPlaneEdges] {
                let out = try routine.pipeline(statistics: .perFrame).run(on: image).levelled
                results.append(out.elements.map(\.bitPattern))
            }
        }
        #expect(results[0] == results[2] && results[1] == results[3])
    }
}
