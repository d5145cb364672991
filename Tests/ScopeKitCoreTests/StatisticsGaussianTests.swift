import Foundation
import Testing
@testable import ScopeKitCore

// Gaussian peak fits against scipy.optimize.curve_fit (Tests/Fixtures/statistics/gaussian.json).

struct GaussianFixture: Decodable {
    struct Fit: Decodable {
        let data: EncodedArray
        let bins: Int
        let counts: [Int]
        let edges: [Double]
        let amplitude, center, sigma: Double
    }
    let fits: [Fit]
}

@Test func gaussianFitOfHistogramMatchesScipyCurveFit() throws {
    let fixture = try Fixtures.load(GaussianFixture.self, "statistics", "gaussian.json")
    #expect(fixture.fits.count == 2)
    for f in fixture.fits {
        let values = try f.data.decoded().asFloat64()
        let h = try values.histogram(bins: f.bins)
        #expect(h.counts == f.counts)
        #expect(h.edges == f.edges)
        let peak = try h.fittedGaussian()
        #expect(close(peak.center, f.center, relative: 1e-7, absolute: 1e-9 * f.sigma), "centre \(peak.center) vs \(f.center)")
        #expect(close(peak.sigma, f.sigma, relative: 1e-7), "sigma \(peak.sigma) vs \(f.sigma)")
        #expect(close(peak.amplitude, f.amplitude, relative: 1e-7), "amplitude \(peak.amplitude) vs \(f.amplitude)")
        #expect(peak.width == peak.sigma * 2.0.squareRoot())
    }
}

@Test func gaussianFitRecoversAnExactCurve() throws {
    let truth = GaussianPeak(amplitude: 812, center: -3.25, sigma: 0.4)
    let x = (0..<60).map { -5 + Double($0) * 0.06 }
    let peak = try GaussianPeak.fit(x: x, y: x.map { truth.value(at: $0) })
    #expect(close(peak.amplitude, 812, relative: 1e-10))
    #expect(close(peak.center, -3.25, relative: 1e-10))
    #expect(close(peak.sigma, 0.4, relative: 1e-10))
    // MATLAB gauss1: a1·exp(−((x − b1)/c1)²) with c1 = √2σ is the same curve.
    let c1 = peak.width
    #expect(close(peak.value(at: -3), 812 * Foundation.exp(-((-3 + 3.25) / c1) * ((-3 + 3.25) / c1)), relative: 1e-9))
    #expect(close(peak.fullWidthAtHalfMaximum, 2.354820045 * 0.4, relative: 1e-8))
    #expect(throws: ScopeKitError.self) { try GaussianPeak.fit(x: [1, 2], y: [1, 2]) }
    #expect(throws: ScopeKitError.self) { try GaussianPeak.fit(x: [1, 2, 3], y: [0, 0, 0]) }
    #expect(throws: ScopeKitError.self) { try GaussianPeak.fit(x: [1, 2, 3], y: [1, .nan, 0]) }
}
