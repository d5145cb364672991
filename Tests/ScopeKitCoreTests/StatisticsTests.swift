import Foundation
import Testing
@testable import ScopeKitCore

// Known-truth checks, edge cases and invariants of the statistics API.

@Test func summariesOfASmallArray() throws {
    let a = NDArray<Float>([5, 1, .nan, 3, 2], shape: [5])
    #expect(try a.minimum() == 1)
    #expect(try a.maximum() == 5)
    #expect(try a.sum() == 11)
    #expect(try a.mean() == 2.75)
    #expect(try a.median() == 2.5)
    #expect(try a.validCount() == 4)
    let b = NDArray<Double>([1, 2, 3, 4], shape: [4])
    #expect(try b.variance() == 1.25)
    #expect(try b.variance(ddof: 1) == 5.0 / 3.0)
    #expect(try b.standardDeviation() == 1.25.squareRoot())
    #expect(try b.percentile(50) == 2.5)
    #expect(try b.percentile(25, method: .lower) == 1)
    #expect(try b.percentile(25, method: .higher) == 2)
    #expect(try b.percentile(25, method: .midpoint) == 1.5)
    #expect(try b.percentile(50, method: .nearest) == 3)   // index 1.5 rounds to even 2 → v[2] = 3
}

@Test func nearestRoundsTiesToEven() throws {
    // n = 4: index (n−1)·0.5 = 1.5 → 2 (even) → value 30; q = 1/6·100: index 0.5 → 0 → 10.
    let a = NDArray<Int32>([40, 10, 30, 20], shape: [4])
    #expect(try a.percentile(50, method: .nearest) == 30)
    #expect(try a.percentile(100.0 / 6.0, method: .nearest) == 10)
}

@Test func emptyAndAllNaNInputsHaveDefinedResults() throws {
    for a in [NDArray<Float>([.nan, .nan], shape: [2]), NDArray<Float>(zeros: [0, 3])] {
        #expect(try a.minimum() == nil)
        #expect(try a.extrema() == nil)
        #expect(try a.sum() == 0)
        #expect(try a.mean().isNaN)
        #expect(try a.variance().isNaN)
        #expect(try a.median().isNaN)
        #expect(try a.percentiles([0, 50, 100]).allSatisfy(\.isNaN))
        let h = try a.histogram(bins: 4)
        #expect(h.counts == [0, 0, 0, 0])
        #expect(h.edges == [0, 0.25, 0.5, 0.75, 1])   // numpy's [0, 1] default
        #expect(throws: ScopeKitError.self) { try a.otsuThreshold() }
    }
    // A single value: variance 0 with ddof 0, NaN with ddof 1.
    let one = NDArray<Double>([4], shape: [1])
    #expect(try one.variance() == 0)
    #expect(try one.variance(ddof: 1).isNaN)
    #expect(try one.histogram(bins: 2).edges == [3.5, 4, 4.5])
    #expect(try one.otsuThreshold() == 4)
}

@Test func invalidParametersThrowUsageErrors() throws {
    let a = NDArray<Float>(zeros: [4, 5])
    #expect(throws: ScopeKitError.usage("percentile 101.0 is outside 0...100")) { try a.percentile(101) }
    #expect(throws: ScopeKitError.self) { try a.percentile(.nan) }
    #expect(throws: ScopeKitError.self) { try a.variance(ddof: -1) }
    #expect(throws: ScopeKitError.self) { try a.histogram(bins: 0) }
    #expect(throws: ScopeKitError.self) { try a.histogram(bins: 3, range: 0...Double.infinity) }
    #expect(throws: ScopeKitError.self) { try a.mean(mask: Mask(all: [5, 4])) }
    #expect(throws: ScopeKitError.self) { try a.reduced(.mean, alongAxis: 2) }
    #expect(throws: ScopeKitError.self) { try a.multiOtsuThresholds(classes: 7) }
    #expect(throws: ScopeKitError.self) { try NDArray<Float>([1, .infinity], shape: [2]).histogram() }
}

@Test func masksSelectPixelsAndBroadcastOverFrames() throws {
    var stack = NDArray<Float>(zeros: [3, 2, 2])
    stack.withUnsafeMutableBufferPointer { p in for i in p.indices { p[i] = Float(i) } }
    let frameMask = Mask(including: NDArray<Bool>([true, false, false, true], shape: [2, 2]))
    // Used values: 0, 3, 4, 7, 8, 11.
    #expect(try stack.mean(mask: frameMask) == 5.5)
    #expect(try stack.median(mask: frameMask) == 5.5)
    #expect(try stack.minimum(mask: frameMask) == 0)
    #expect(try stack.maximum(mask: frameMask) == 11)
    #expect(try stack.histogram(bins: 2, mask: frameMask).counts == [3, 3])
    let full = Mask(including: NDArray(stacking: [frameMask.values, frameMask.values, frameMask.values]))
    #expect(try stack.variance(mask: full) == stack.variance(mask: frameMask))
    let perFrame = try stack.reduced(.mean, alongAxis: 0, mask: frameMask)
    #expect(perFrame.elements[0] == 4 && perFrame.elements[1].isNaN && perFrame.elements[3] == 7)
}

@Test func resultsDoNotDependOnTheThreadCount() throws {
    var rng = SystemRandomNumberGenerator()
    let values = (0..<300_000).map { _ in Float.random(in: -1000...1000, using: &rng) }
    let a = NDArray(values, shape: [300, 1000])
    let saved = Parallel.threadCount
    defer { Parallel.threadCount = saved }
    Parallel.threadCount = 1
    let one = (try a.sum(), try a.mean(), try a.standardDeviation(), try a.histogram(bins: 50).counts,
               try a.reduced(.mean, alongAxis: 0).elements)
    Parallel.threadCount = 5
    let five = (try a.sum(), try a.mean(), try a.standardDeviation(), try a.histogram(bins: 50).counts,
                try a.reduced(.mean, alongAxis: 0).elements)
    #expect(one.0.bitPattern == five.0.bitPattern)
    #expect(one.1.bitPattern == five.1.bitPattern)
    #expect(one.2.bitPattern == five.2.bitPattern)
    #expect(one.3 == five.3)
    #expect(one.4 == five.4)
    // The compensated sum is close to the exact (sorted, Kahan) sum.
    var s = 0.0, c = 0.0
    for v in values.map(Double.init).sorted(by: { abs($0) < abs($1) }) {
        let y = v - c
        let t = s + y
        c = (t - s) - y
        s = t
    }
    #expect(close(one.0, s, relative: 1e-14, absolute: 1e-9))
}

@Test func introselectMatchesSortingOnHardInputs() throws {
    var rng = SystemRandomNumberGenerator()
    let n = 5_001
    let inputs: [[Double]] = [
        (0..<n).map(Double.init),                                   // sorted
        (0..<n).reversed().map(Double.init),                        // reversed
        [Double](repeating: 7, count: n),                           // all equal
        (0..<n).map { _ in Double(Int.random(in: 0..<4, using: &rng)) },  // heavy duplicates
        (0..<n).map { i in Double(i % 2 == 0 ? i : n - i) },        // organ pipe
        (0..<n).map { _ in Double.random(in: -1...1, using: &rng) },
    ]
    for values in inputs {
        let sorted = values.sorted()
        let a = NDArray(values, shape: [n])
        for q in [0.0, 0.1, 25, 50, 73.7, 99, 100] {
            let v = Double(n - 1) * (q / 100)
            let lo = Int(v.rounded(.down)), hi = Swift.min(lo + 1, n - 1)
            let expected = _lerp(sorted[lo], sorted[hi], v - v.rounded(.down))
            #expect(try a.percentile(q) == expected)
        }
        #expect(try a.median() == sorted[n / 2])
    }
    // The median-of-medians fallback selects correctly on its own.
    var values = (0..<997).map { _ in Double.random(in: 0...1, using: &rng) }
    let sorted = values.sorted()
    values.withUnsafeMutableBufferPointer { p in
        for k in [0, 1, 498, 996] {
            let i = _medianOfMediansIndex(p.baseAddress!, 0, 996)
            #expect(i >= 0 && i <= 996)
            _select(p.baseAddress!, 0, 996, k)
            #expect(p[k] == sorted[k])
        }
    }
}

@Test func histogramFollowsNumpyEdgeRules() throws {
    // Last bin includes its right edge; values outside the range are dropped; uint8 uses the lookup table.
    let a = NDArray<UInt8>([0, 1, 2, 3, 4, 255], shape: [6])
    let h = try a.histogram(bins: 4, range: 0...4)
    #expect(h.edges == [0, 1, 2, 3, 4])
    #expect(h.counts == [1, 1, 1, 2])
    #expect(h.centers == [0.5, 1.5, 2.5, 3.5])
    #expect(h.totalCount == 5)
    let f = NDArray<Float>([0, 0.1, 0.2, 0.3, .nan], shape: [5])
    let hf = try f.histogram(bins: 3)
    #expect(hf.edges.map { Float($0) } == [0, Float(0.3) / 3, 2 * (Float(0.3) / 3), 0.3])
    #expect(hf.counts.reduce(0, +) == 4)
}

@Test func otsuSeparatesTwoClasses() throws {
    // Two well separated populations: the threshold falls between them.
    var values: [Float] = []
    for i in 0..<500 { values.append(10 + Float(i % 7)) }
    for i in 0..<500 { values.append(100 + Float(i % 5)) }
    let t = try NDArray(values, shape: [1000]).otsuThreshold()
    #expect(t > 10 && t < 100)   // skimage: 16.058594 (a bin centre)
    let three = values + (0..<500).map { Float(200 + $0 % 7) }
    let t3 = try NDArray(three, shape: [1500]).multiOtsuThresholds()
    #expect(t3.count == 2)
    #expect(t3 == [Double(Float(15.7421875)), Double(Float(103.78906))])   // skimage 0.26 on the same data
}

@Test func float32RadixSelectionMatchesSorting() throws {
    // Large float32 inputs take the radix-selection path; compare with a full sort of the used values.
    var rng = SeededGenerator(seed: 7)
    let n = 70_001
    func uniform(_ lo: Float, _ hi: Float) -> Float { lo + (hi - lo) * Float(rng.next() >> 40) / Float(1 << 24) }
    let inputs: [[Float]] = [
        (0..<n).map { _ in uniform(0, 1) },                                          // one exponent range
        (0..<n).map { _ in uniform(-5000, 5000) },                                   // both signs
        [Float](repeating: 3.25, count: n),                                          // all equal (one bucket)
        (0..<n).map { i in Float(i % 7) - 3 },                                       // heavy duplicates
        (0..<n).map { i in i % 5 == 0 ? .nan : (i % 11 == 0 ? -0.0 : uniform(-1, 1)) },  // NaN and −0
        (0..<n).map { i in i % 3 == 0 ? .infinity : (i % 3 == 1 ? -.infinity : uniform(0, 1e-30)) },
        (0..<n).map { _ in uniform(1000, 1000.5) },                                  // thousands per bucket
    ]
    let maskValues = NDArray((0..<n).map { $0 % 4 != 1 }, shape: [n])
    for values in inputs {
        for mask in [nil, Mask(including: maskValues)] {
            let used = values.indices.filter { !values[$0].isNaN && (mask == nil || maskValues[$0]) }
                .map { Double(values[$0]) }.sorted()
            let a = NDArray(values, shape: [n])
            let m = used.count
            let median = m % 2 == 1 ? used[m / 2] : (used[m / 2 - 1] + used[m / 2]) / 2
            #expect(try a.median(mask: mask) == median)
            let qs = [0.0, 1, 25, 50, 99, 99.9, 100]
            let expected = qs.map { q -> Double in
                let v = Double(m - 1) * (q / 100)
                let lo = Int(v.rounded(.down)), hi = Swift.min(lo + 1, m - 1)
                return lo == hi ? used[lo] : _lerp(used[lo], used[hi], v - v.rounded(.down))
            }
            let got = try a.percentiles(qs, mask: mask)
            for (g, e) in zip(got, expected) { #expect(g == e || (g.isNaN && e.isNaN)) }
            #expect(try a.percentile(30, method: .nearest, mask: mask)
                    == used[Int((Double(m - 1) * 0.3).rounded(.toNearestOrEven))])
        }
    }
    // The result does not depend on the thread count (several counting blocks).
    let big = NDArray((0..<(5 << 20)).map { _ in uniform(-1, 1) }, shape: [5 << 20])
    let saved = Parallel.threadCount
    defer { Parallel.threadCount = saved }
    Parallel.threadCount = 1
    let one = try big.percentiles([0.5, 50, 99.5])
    Parallel.threadCount = 3
    #expect(try big.percentiles([0.5, 50, 99.5]) == one)
}

@Test func smallIntegerCountingSelectionMatchesSorting() throws {
    // 8- and 16-bit integer arrays of 32 768+ elements are selected by counting; compare with sorting.
    var rng = SeededGenerator(seed: 11)
    let n = 40_003
    let maskValues = NDArray((0..<n).map { $0 % 3 != 2 }, shape: [n])
    func check<T: RealArrayElement>(_ values: [T]) throws {
        let a = NDArray(values, shape: [n])
        for mask in [nil, Mask(including: maskValues)] {
            let used = values.indices.filter { mask == nil || maskValues[$0] }.map { values[$0].doubleValue }.sorted()
            let m = used.count
            #expect(try a.median(mask: mask) == (m % 2 == 1 ? used[m / 2] : (used[m / 2 - 1] + used[m / 2]) / 2))
            for q in [0.0, 0.5, 37.5, 99.9, 100] {
                let v = Double(m - 1) * (q / 100)
                let lo = Int(v.rounded(.down)), hi = Swift.min(lo + 1, m - 1)
                #expect(try a.percentile(q, mask: mask) == (lo == hi ? used[lo] : _lerp(used[lo], used[hi], v - v.rounded(.down))))
            }
        }
    }
    try check((0..<n).map { _ in UInt16(truncatingIfNeeded: rng.next()) })
    try check((0..<n).map { _ in Int16(truncatingIfNeeded: rng.next()) })
    try check((0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next() >> 7) })
    try check((0..<n).map { _ in Int8(truncatingIfNeeded: rng.next() >> 3) })
    try check([UInt16](repeating: 4095, count: n))
    let none = Mask(including: NDArray(repeating: false, shape: [n]))
    #expect(try NDArray<UInt16>(zeros: [n]).median(mask: none).isNaN)
    #expect(try NDArray<Float>(zeros: [n]).percentiles([5, 95], mask: none).allSatisfy(\.isNaN))
}
