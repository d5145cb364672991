import Testing
import ScopeKitCore
@testable import ScopeKitLevelling

@Suite struct NumpySumTests {
    /// numpy's pairwise sum, bit for bit: prefixes of a random vector across the 8-value, 128-value and split
    /// boundaries, and a 2-D mean (Scripts/fixtures/levelling.py, `numpy_sums`); the threaded version gives the
    /// same bits as the serial one.
    @Test func pairwiseSumMatchesNumpy() throws {
        let f = try LevellingFixture("numpy_sums")
        let values = f.double("values"), lengths = f.double("lengths"), sums = f.double("sums")
        values.withUnsafeBufferPointer { v in
            for j in 0..<lengths.count {
                let n = Int(lengths[j])
                #expect(_numpyPairwiseSum(v.baseAddress!, n) == sums[j], "n=\(n)")
            }
        }
        let image = f.double("image")
        let mean = image.withUnsafeBufferPointer { _numpyPairwiseSum($0.baseAddress!, $0.count) } / Double(image.count)
        #expect(mean == f.double("image_mean")[0])

        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        Parallel.threadCount = 2
        var g = SeededGenerator(seed: 4)
        for n in [70_000, 65_536, 262_144, 300_007] {
            let big = (0..<n).map { _ in g.nextGaussian() * 1e3 + 1e6 }
            big.withUnsafeBufferPointer { p in
                let serial = _numpyPairwiseSum(p.baseAddress!, n)
                #expect(_numpyPairwiseSum(p.baseAddress!, n, split: true) == serial, "n=\(n)")
                // and differs from a plain sequential sum (the test would notice a sequential implementation)
                if n == 300_007 { #expect(p.reduce(0, +) != serial) }
            }
        }
    }
}
