import Testing
import ScopeKitCore
@testable import ScopeKitLevelling
import ScopeKitLevellingKernels

@Suite struct SelectionTests {
    /// The counting median equals the sorted-array median (numpy's definition) for odd/even sizes, ties,
    /// plateaus at the middle, outliers, sorted and constant data and infinities, and leaves its input alone;
    /// on one thread or split over blocks and threads.
    @Test func countingMedianIsExact() {
        var g = SeededGenerator(seed: 8)
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        Parallel.threadCount = 2
        for n in [1, 2, 31, 32, 33, 35, 47, 64, 65, 100, 128, 256, 257, 511, 512, 513, 700, 1000, 2049, 4095, 4096, 4097,
                  20_000, 40_001, 70_000] + (0..<40).map({ 40 + 37 * $0 }) {
            for kind in 0..<7 {
                var v = (0..<n).map { _ -> Double in
                    switch kind {
                    case 1: return Double(Int(g.nextUniform() * 5))           // heavy ties
                    case 3: return 2.5                                          // constant
                    case 4: return g.nextUniform() < 0.5 ? 0 : 1               // two plateaus
                    default: return g.nextGaussian()
                    }
                }
                if kind == 2 && n > 2 { v[0] = 1e9; v[1] = -1e9 }              // outliers
                if kind == 5 { v.sort() }                                       // sorted
                if kind == 6 && n > 2 { v[0] = .infinity; v[n - 1] = -.infinity }
                let s = v.sorted()
                let expected = n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2
                let scratch = UnsafeMutablePointer<Double>.allocate(capacity: n)
                defer { scratch.deallocate() }
                for split in [false, true] {   // split: counts and gathers over blocks on two threads
                    for avx2 in [false, CPUFeatures.level == .avx2] {
                        let got = v.withUnsafeBufferPointer {
                            _countingMedian($0.baseAddress!, n, scratch: scratch, split: split, avx2: avx2)
                        }
                        #expect(got == expected, "n=\(n) kind=\(kind) split=\(split) avx2=\(avx2)")
                    }
                }
            }
        }
    }

    /// The fifteen-value sorting network sorts every 0/1 input (so, by the 0–1 principle, every input), and random
    /// values with ties and infinities; countLess counts exactly at every length around its 16-value steps.
    @Test func sortingNetworkAndCountLess() {
        let a = UnsafeMutablePointer<Double>.allocate(capacity: 40)
        defer { a.deallocate() }
        for bits in 0..<(1 << 15) {
            for i in 0..<15 { a[i] = Double((bits >> i) & 1) }
            _sortFifteen(a)
            #expect((0..<14).allSatisfy { a[$0] <= a[$0 + 1] }, "bits=\(bits)")
        }
        var g = SeededGenerator(seed: 15)
        for trial in 0..<200 {
            let v = (0..<15).map { j -> Double in
                if trial % 3 == 0 { return Double(Int(g.nextUniform() * 4)) }   // ties
                return j == 3 && trial % 5 == 0 ? -.infinity : g.nextGaussian()
            }
            for i in 0..<15 { a[i] = v[i] }
            _sortFifteen(a)
            #expect(Array(UnsafeBufferPointer(start: a, count: 15)) == v.sorted())
        }
        for n in 0..<40 {
            for i in 0..<n { a[i] = g.nextGaussian() }
            let p = g.nextGaussian()
            let expected = (0..<n).filter { a[$0] < p }.count
            #expect(_countLess(a, n, p) == expected, "n=\(n)")
        }
    }

    /// The partitioning select returns the k-th smallest, keeps the values, and leaves the k smallest before it
    /// (what the even-count median reads), with ties, plateaus and infinities.
    @Test func partitioningSelect() {
        var g = SeededGenerator(seed: 16)
        for n in [1, 2, 3, 5, 17, 48, 100] {
            for kind in 0..<3 {
                let v = (0..<n).map { i -> Double in
                    switch kind {
                    case 1: return Double(Int(g.nextUniform() * 3))
                    case 2: return i % 7 == 0 ? (i % 2 == 0 ? .infinity : -.infinity) : g.nextGaussian()
                    default: return g.nextGaussian()
                    }
                }
                let sorted = v.sorted()
                for k in Set([0, n / 2, n - 1, Int(g.nextUniform() * Double(n))]) {
                    var a = v
                    let got = a.withUnsafeMutableBufferPointer { _selectPartitioning($0.baseAddress!, n, k) }
                    #expect(got == sorted[k] && a[k] == sorted[k], "n=\(n) kind=\(kind) k=\(k)")
                    #expect(a.sorted() == sorted)
                    #expect(a[..<k].sorted() == Array(sorted[..<k]), "n=\(n) kind=\(kind) k=\(k): the k smallest first")
                }
            }
        }
    }
}
