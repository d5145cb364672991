import Testing
import ScopeKitCore
@testable import ScopeKitLevelling

@Suite struct SelectionTests {
    /// The bucketed median equals the sorted-array median (numpy's definition) for odd/even sizes, ties and
    /// outliers.
    @Test func bucketMedianIsExact() {
        var g = SeededGenerator(seed: 8)
        for n in [64, 65, 100, 257, 1000, 4096] {
            for kind in 0..<3 {
                var v = (0..<n).map { _ in kind == 1 ? Double(Int(g.nextUniform() * 5)) : g.nextGaussian() }
                if kind == 2 { v[0] = 1e9; v[1] = -1e9 }
                let s = v.sorted()
                let expected = n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2
                let counts = UnsafeMutablePointer<Int32>.allocate(capacity: n / 4 + 16)
                defer { counts.deallocate() }
                let got = v.withUnsafeMutableBufferPointer { _bucketMedian($0.baseAddress!, n, counts: counts) }
                #expect(got == expected, "n=\(n) kind=\(kind)")
            }
        }
    }
}
