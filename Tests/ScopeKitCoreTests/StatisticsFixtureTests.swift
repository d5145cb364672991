import Foundation
import Testing
@testable import ScopeKitCore

// Parity with numpy 2.4 / scikit-image 0.26 on random arrays of every real dtype
// (Tests/Fixtures/statistics/statistics.json, written by Scripts/fixtures/statistics.py).

struct StatisticsFixture: Decodable {
    struct Summary: Decodable {
        let count: Int
        let min, max, sum, mean, var0, var1, std0, median: Double?
        let percentiles: [String: [Double]]?
    }
    struct Axis: Decodable {
        let axis: Int
        let mean, median, std1, p99, max, sum: [Double]
    }
    struct HistogramReference: Decodable {
        let counts: [Int]
        let edges: [Double]
        let lower, upper: Double?
    }
    struct Case: Decodable {
        let dtype: String
        let data, mask: EncodedArray
        let all, masked: Summary
        let axes: [Axis]
        let histogram, histogramRange: HistogramReference
        let otsu, otsuMasked, otsu32bins: Double?
        let multiotsu: [Double]?
    }
    struct OtsuCase: Decodable {
        let dtype: String
        let data: EncodedArray
        let otsu: Double
        let multiotsu: [Double]
        let histogram256: [Int]
    }
    let qs: [Double]
    let methods: [String]
    let cases: [Case]
    let otsu: [OtsuCase]
}

private let fixture: StatisticsFixture? = try? Fixtures.load(StatisticsFixture.self, "statistics", "statistics.json")

/// Checks one fixture case against the generic statistics API.
private struct CaseChecker: RealArrayVisitor {
    let c: StatisticsFixture.Case
    let qs: [Double]
    let mask: Mask

    func checkSummary<T: RealArrayElement>(_ a: NDArray<T>, _ s: StatisticsFixture.Summary, mask: Mask?) throws {
        let label = "\(c.dtype) \(mask == nil ? "all" : "masked")"
        #expect(try a.validCount(mask: mask) == s.count, "\(label) count")
        #expect(try a.minimum(mask: mask)?.doubleValue == s.min, "\(label) min")
        #expect(try a.maximum(mask: mask)?.doubleValue == s.max, "\(label) max")
        #expect(close(try a.sum(mask: mask), s.sum!, relative: 1e-13), "\(label) sum")
        #expect(close(try a.mean(mask: mask), s.mean!, relative: 1e-13), "\(label) mean")
        #expect(close(try a.variance(mask: mask), s.var0!, relative: 1e-12), "\(label) var")
        #expect(close(try a.variance(ddof: 1, mask: mask), s.var1!, relative: 1e-12), "\(label) var ddof 1")
        #expect(close(try a.standardDeviation(mask: mask), s.std0!, relative: 1e-12), "\(label) std")
        let ms = try a.meanAndStandardDeviation(mask: mask)
        #expect(close(ms.mean, s.mean!, relative: 1e-13) && close(ms.standardDeviation, s.std0!, relative: 1e-12))
        #expect(try a.median(mask: mask) == s.median, "\(label) median")
        for (name, expected) in s.percentiles! {
            let method = try #require(PercentileMethod(rawValue: name))
            let got = try a.percentiles(qs, method: method, mask: mask)
            #expect(got == expected, "\(label) percentiles \(name)")
            for (q, e) in zip(qs, expected) {
                #expect(try a.percentile(q, method: method, mask: mask) == e, "\(label) p\(q) \(name)")
            }
        }
    }

    mutating func visit<T: RealArrayElement>(_ a: NDArray<T>) throws {
        try checkSummary(a, c.all, mask: nil)
        try checkSummary(a, c.masked, mask: mask)

        for ax in c.axes {
            let mean = try a.reduced(.mean, alongAxis: ax.axis)
            var expectedShape = a.shape
            expectedShape.remove(at: ax.axis)
            #expect(mean.shape == expectedShape)
            #expect(zip(mean.elements, ax.mean).allSatisfy { close($0, $1, relative: 1e-13) }, "\(c.dtype) mean axis \(ax.axis)")
            let std = try a.reduced(.standardDeviation(ddof: 1), alongAxis: ax.axis).elements
            #expect(zip(std, ax.std1).allSatisfy { close($0, $1, relative: 1e-12) }, "\(c.dtype) std axis \(ax.axis)")
            let sum = try a.reduced(.sum, alongAxis: ax.axis).elements
            #expect(zip(sum, ax.sum).allSatisfy { close($0, $1, relative: 1e-13) }, "\(c.dtype) sum axis \(ax.axis)")
            let median = try a.reduced(.median, alongAxis: ax.axis).elements
            #expect(zip(median, ax.median).allSatisfy { same($0, $1) }, "\(c.dtype) median axis \(ax.axis)")
            let p99 = try a.reduced(.percentile(99, method: .linear), alongAxis: ax.axis).elements
            #expect(zip(p99, ax.p99).allSatisfy { same($0, $1) }, "\(c.dtype) p99 axis \(ax.axis)")
            let maximum = try a.reduced(.maximum, alongAxis: ax.axis).elements
            #expect(zip(maximum, ax.max).allSatisfy { same($0, $1) }, "\(c.dtype) max axis \(ax.axis)")
        }

        let h = try a.histogram(bins: 10)
        #expect(h.counts == c.histogram.counts, "\(c.dtype) histogram counts")
        #expect(h.edges == c.histogram.edges, "\(c.dtype) histogram edges")
        let r = c.histogramRange
        let hr = try a.histogram(bins: 7, range: r.lower!...r.upper!)
        #expect(hr.counts == r.counts, "\(c.dtype) histogram(range:) counts")
        #expect(hr.edges == r.edges, "\(c.dtype) histogram(range:) edges")

        if let otsu = c.otsu {
            #expect(try a.otsuThreshold() == otsu, "\(c.dtype) otsu")
            #expect(try a.otsuThreshold(mask: mask) == c.otsuMasked, "\(c.dtype) otsu masked")
            #expect(try a.otsuThreshold(bins: 32) == c.otsu32bins, "\(c.dtype) otsu 32 bins")
        }
        if let multi = c.multiotsu {
            #expect(try a.multiOtsuThresholds(classes: 3) == multi, "\(c.dtype) multi-otsu")
        }
    }
}

@Test("statistics match numpy/scikit-image on random arrays of every real dtype",
      arguments: ["uint8", "int8", "uint16", "int16", "uint32", "int32", "int64", "float32", "float64"])
func statisticsMatchFixtures(dtype: String) throws {
    let f = try #require(fixture, "fixture statistics.json missing: run Scripts/fixtures/statistics.py")
    let c = try #require(f.cases.first { $0.dtype == dtype })
    let array = try c.data.decoded()
    #expect(array.dtype.name == dtype)
    guard case .uint8(let maskBytes) = try c.mask.decoded() else { Issue.record("mask dtype"); return }
    var checker = CaseChecker(c: c, qs: f.qs, mask: Mask(including: maskBytes.map { $0 != 0 }))
    try array.visitReal(&checker)
}

private struct OtsuChecker: RealArrayVisitor {
    let c: StatisticsFixture.OtsuCase
    mutating func visit<T: RealArrayElement>(_ a: NDArray<T>) throws {
        #expect(try a.otsuThreshold() == c.otsu, "\(c.dtype) otsu")
        #expect(try a.multiOtsuThresholds(classes: 3) == c.multiotsu, "\(c.dtype) multi-otsu")
        #expect(try a.histogram(bins: 256).counts == c.histogram256, "\(c.dtype) histogram 256")
    }
}

@Test("Otsu and multi-Otsu match scikit-image on bimodal images", arguments: ["float32", "float64", "uint16", "uint8", "int16"])
func otsuMatchesScikitImage(dtype: String) throws {
    let f = try #require(fixture, "fixture statistics.json missing")
    let c = try #require(f.otsu.first { $0.dtype == dtype })
    var checker = OtsuChecker(c: c)
    try c.data.decoded().visitReal(&checker)
}
