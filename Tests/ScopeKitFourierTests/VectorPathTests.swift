import ComplexModule
import Foundation
import ScopeKitCore
import Testing
@testable import ScopeKitFourier

/// The direct O(n²) DFT along one axis in double precision: the ground truth for the fast paths.
func naiveDFT(_ re: [Double], _ im: [Double], shape: [Int], axis: Int) -> ([Double], [Double]) {
    let n = shape[axis]
    let inner = shape[(axis + 1)...].reduce(1, *), outer = shape[..<axis].reduce(1, *)
    var outRe = re, outIm = im
    for o in 0..<outer {
        for c in 0..<inner {
            let base = o * n * inner + c
            for k in 0..<n {
                var sr = 0.0, si = 0.0
                for j in 0..<n {
                    let a = -2 * Double.pi * Double((j * k) % n) / Double(n)
                    let xr = re[base + j * inner], xi = im[base + j * inner]
                    sr += xr * cos(a) - xi * sin(a)
                    si += xr * sin(a) + xi * cos(a)
                }
                outRe[base + k * inner] = sr
                outIm[base + k * inner] = si
            }
        }
    }
    return (outRe, outIm)
}

/// Shapes chosen to hit every copy path (4×4 transposes with and without remainders, contiguous batches,
/// batches straddling outer blocks) and the radix-8 / 4 / 2 passes.
@Suite("Vectorised batch copies and radix-8 passes against a direct DFT")
struct VectorPathTests {
    static let shapes: [[Int]] = [[6, 24], [13, 32], [9, 16], [4, 64], [5, 7], [3, 5, 8], [17, 512]]

    @Test("complex transforms along each axis, split Float/Double and interleaved complex64", arguments: shapes)
    func complexAlongAxes(shape: [Int]) throws {
        let x = randomComplex(Double.self, seed: 21, shape: shape)
        for axis in 0..<shape.count {
            let (er, ei) = naiveDFT(x.real.elements, x.imaginary.elements, shape: shape, axis: axis)
            let expected = zip(er, ei).flatMap { [$0, $1] }
            let d = try FFT.forward(x, axis: axis)
            #expect(relativeError(interleavedDoubles(d), expected) < 1e-12, "\(shape) axis \(axis) double")
            let xf = randomComplex(Float.self, seed: 21, shape: shape)
            let f = try FFT.forward(xf, axis: axis)
            #expect(relativeError(interleavedDoubles(f), expected) < 1e-5, "\(shape) axis \(axis) float")
            let c = try FFT.forward(xf.interleaved, axis: axis)
            let got = c.elements.flatMap { [Double($0.real), Double($0.imaginary)] }
            #expect(relativeError(got, expected) < 1e-5, "\(shape) axis \(axis) complex64")
            // The inverse undoes it through the same copy paths (with the 1/n scale on the way out).
            let back = try FFT.inverse(c, axis: axis).elements.flatMap { [Double($0.real), Double($0.imaginary)] }
            #expect(relativeError(back, interleavedDoubles(xf)) < 1e-5, "\(shape) axis \(axis) round trip")
        }
    }

    @Test("real transforms along the last axis equal the first n/2 + 1 DFT points", arguments: shapes)
    func realLastAxis(shape: [Int]) throws {
        let x = randomReal(Double.self, seed: 23, shape: shape)
        let axis = shape.count - 1, n = shape[axis]
        let zerosIm = [Double](repeating: 0, count: x.count)
        let (er, ei) = naiveDFT(x.elements, zerosIm, shape: shape, axis: axis)
        var expected: [Double] = []
        let outer = x.count / n
        for o in 0..<outer { for k in 0...(n / 2) { expected += [er[o * n + k], ei[o * n + k]] } }
        let got = try FFT.realForward(x)
        #expect(relativeError(interleavedDoubles(got), expected) < 1e-12, "\(shape)")
        let back = try FFT.realInverse(got, length: n)
        #expect(relativeError(doubles(back), x.elements) < 1e-12, "\(shape) inverse")
        let gf = try FFT.realForward(x.map { Float($0) })
        #expect(relativeError(interleavedDoubles(gf), expected) < 1e-5, "\(shape) float")
    }

    @Test("radix-8 lengths: single sequences equal the direct DFT", arguments: [8, 16, 32, 64, 128, 256, 512, 1024])
    func radix8Lengths(n: Int) throws {
        let x = randomComplex(Double.self, seed: UInt64(n), shape: [n])
        let (er, ei) = naiveDFT(x.real.elements, x.imaginary.elements, shape: [n], axis: 0)
        let expected = zip(er, ei).flatMap { [$0, $1] }
        #expect(relativeError(interleavedDoubles(try FFT.forward(x)), expected) < 1e-13)
        let xf = randomComplex(Float.self, seed: UInt64(n), shape: [n])
        #expect(relativeError(interleavedDoubles(try FFT.forward(xf)), expected) < 2e-6)
    }

    @Test("2-D DCT of many rows equals the separable cosine sums", arguments: [[20, 24], [36, 40], [7, 33]])
    func dct2D(shape: [Int]) throws {
        let x = randomReal(Double.self, seed: 25, shape: shape)
        // Direct orthonormal DCT-II along both axes.
        func dct(_ v: [Double], _ shape: [Int], axis: Int) -> [Double] {
            let n = shape[axis], inner = shape[(axis + 1)...].reduce(1, *), outer = v.count / (n * inner)
            var out = v
            for o in 0..<outer {
                for c in 0..<inner {
                    let base = o * n * inner + c
                    for k in 0..<n {
                        var s = 0.0
                        for j in 0..<n { s += v[base + j * inner] * cos(Double.pi * Double(k * (2 * j + 1)) / Double(2 * n)) }
                        out[base + k * inner] = s * (k == 0 ? (1 / Double(n)).squareRoot() : (2 / Double(n)).squareRoot())
                    }
                }
            }
            return out
        }
        let expected = dct(dct(x.elements, shape, axis: 0), shape, axis: 1)
        #expect(relativeError(doubles(try DCT.forward2D(x)), expected) < 1e-12)
        #expect(relativeError(doubles(try DCT.forward2D(x.map { Float($0) })), expected) < 1e-5)
        #expect(relativeError(doubles(try DCT.inverse2D(DCT.forward2D(x))), x.elements) < 1e-13)
    }
}
