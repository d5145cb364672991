import ComplexModule
import Foundation
import ScopeKitCore
import Testing
@testable import ScopeKitFourier
import ScopeKitTestSupport

@Suite("FFT helpers, round trips, threading and errors")
struct PropertyTests {
    @Test("fftshift / ifftshift equal numpy on even and odd axes")
    func shift() throws {
        // numpy.fft.fftshift(np.arange(5)) == [3, 4, 0, 1, 2]; ifftshift == [2, 3, 4, 0, 1].
        let a = NDArray<Double>([0, 1, 2, 3, 4], shape: [5])
        #expect(try FFT.shift(a).elements == [3, 4, 0, 1, 2])
        #expect(try FFT.inverseShift(a).elements == [2, 3, 4, 0, 1])
        // numpy.fft.fftshift(np.arange(12).reshape(3, 4)) == [[10,11,8,9],[2,3,0,1],[6,7,4,5]].
        let b = NDArray<Int32>((0..<12).map { Int32($0) }, shape: [3, 4])
        #expect(try FFT.shift(b).elements == [10, 11, 8, 9, 2, 3, 0, 1, 6, 7, 4, 5])
        // axes=(1,): [[2,3,0,1],[6,7,4,5],[10,11,8,9]]; axes=(0,) of ifftshift: rows [1, 2, 0].
        #expect(try FFT.shift(b, axes: [-1]).elements == [2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9])
        #expect(try FFT.inverseShift(b, axes: [0]).elements == [4, 5, 6, 7, 8, 9, 10, 11, 0, 1, 2, 3])
        // Round trip on a 3-D array with odd extents.
        let c = randomReal(Double.self, seed: 7, shape: [3, 5, 7])
        #expect(try FFT.inverseShift(FFT.shift(c)) == c)
        #expect(try FFT.shift(c) != c)
        #expect(throws: ScopeKitError.self) { try FFT.shift(c, axes: [3]) }
    }

    @Test("nextFastLength returns the smallest 5-smooth length (scipy.fft.next_fast_len(n, real=True))")
    func nextFastLength() {
        // scipy.fft.next_fast_len(n, real=True) for these n.
        let expected: [Int: Int] = [0: 1, 1: 1, 2: 2, 7: 8, 11: 12, 13: 15, 97: 100, 1009: 1024, 1025: 1080,
                                    2017: 2025, 4097: 4320, 100_001: 101_250]
        for (n, m) in expected { #expect(FFT.nextFastLength(n) == m, "n=\(n)") }
        for n in 1...500 {
            let m = FFT.nextFastLength(n)
            var r = m
            for p in [2, 3, 5] { while r % p == 0 { r /= p } }
            #expect(r == 1 && m >= n)
            #expect((n..<m).allSatisfy { k in var r = k; for p in [2, 3, 5] { while r % p == 0 { r /= p } }; return r != 1 })
        }
    }

    @Test("inverse(forward(x)) == x for complex, real and DCT transforms, any length", arguments: [
        [1], [7], [64], [97], [210], [1013], [4, 6, 5], [9, 16], [3, 37, 8],
    ])
    func roundTrips(shape: [Int]) throws {
        let x = randomComplex(Double.self, seed: 11, shape: shape)
        let axes = Array(0..<shape.count)
        for norm in FFTNormalization.allCases {
            let back = try FFT.inverse(FFT.forward(x, axes: axes, norm: norm), axes: axes, norm: norm)
            #expect(relativeError(interleavedDoubles(back), interleavedDoubles(x)) < 1e-14)
        }
        let r = x.real
        let rb = try FFT.realInverse(FFT.realForward(r, axes: axes), length: shape.last!, axes: axes)
        #expect(relativeError(doubles(rb), doubles(r)) < 1e-14)
        let d = try DCT.inverse(DCT.forward(r))
        #expect(relativeError(doubles(d), doubles(r)) < 1e-14)
        let rf = randomReal(Float.self, seed: 12, shape: shape)
        #expect(relativeError(doubles(try DCT.inverse(DCT.forward(rf))), doubles(rf)) < 1e-6)
    }

    @Test("ortho normalisation is unitary (Parseval) and DCT is orthonormal")
    func parseval() throws {
        let x = randomComplex(Double.self, seed: 5, shape: [30, 17])
        let X = try FFT.forward2D(x, norm: .ortho)
        let e1 = interleavedDoubles(x).reduce(0) { $0 + $1 * $1 }, e2 = interleavedDoubles(X).reduce(0) { $0 + $1 * $1 }
        #expect(abs(e1 - e2) / e1 < 1e-13)
        let r = randomReal(Double.self, seed: 6, shape: [33, 20])
        let D = try DCT.forward2D(r)
        let d1 = doubles(r).reduce(0) { $0 + $1 * $1 }, d2 = doubles(D).reduce(0) { $0 + $1 * $1 }
        #expect(abs(d1 - d2) / d1 < 1e-13)
    }

    @Test("BaSiC reference vectors: DCT.forward2D equals MATLAB mirt_dct2 and inverse2D undoes it")
    func basicMirtDCT2() throws {
        guard let corpus = TestPaths.corpusRoot else {
            print("skipping BaSiC DCT vectors: shared corpus not found beside the repository")
            return
        }
        let dir = corpus.appendingPathComponent("flatfield/basicpy/dct")
        func load(_ name: String) throws -> NDArray<Double> {
            let text = try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
            let rows = text.split(whereSeparator: \.isNewline).map { $0.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces))! } }
            return NDArray(rows.flatMap { $0 }, shape: [rows.count, rows[0].count])
        }
        for i in 1...3 {
            let input = try load("dcttool_mirt_dct2_in\(i).txt"), output = try load("dcttool_mirt_dct2_out\(i).txt")
            let got = try DCT.forward2D(input)
            #expect(got.shape == output.shape)
            #expect(relativeError(doubles(got), doubles(output)) < 1e-13, "vector \(i)")
            #expect(relativeError(doubles(try DCT.inverse2D(output)), doubles(input)) < 1e-13, "vector \(i)")
            let f = try DCT.forward2D(input.map { Float($0) })
            #expect(relativeError(doubles(f), doubles(output)) < 1e-5, "vector \(i) float")
        }
    }

    @Test("results are bit-identical for 1, 2 and 8 threads")
    func threadIndependence() throws {
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        let x = randomComplex(Float.self, seed: 9, shape: [3, 40, 97])
        let r = randomReal(Float.self, seed: 10, shape: [70, 128])
        var results: [[Float]] = []
        for threads in [1, 2, 8] {
            Parallel.threadCount = threads
            let a = try FFT.forward(x, axes: [0, 1, 2])
            let b = try FFT.realForward2D(r)
            let c = try DCT.forward(r)
            let d = try Convolution.fftConvolve(r, r.reshaped([128, 70]), mode: .same)
            results.append(a.real.elements + a.imaginary.elements + b.real.elements + b.imaginary.elements
                           + c.elements + d.elements)
        }
        #expect(results[0] == results[1])
        #expect(results[0] == results[2])
    }

    @Test("plans are shared and safe to create from many threads at once")
    func planCache() {
        #expect(FFTPlan<Double>.shared(count: 360) === FFTPlan<Double>.shared(count: 360))
        let lengths = [1, 2, 360, 97, 1009, 4096, 37, 625]
        let results = UnsafeMutableBufferPointer<Double>.allocate(capacity: 64)
        defer { results.deallocate() }
        let out = UncheckedSendable(results.baseAddress!)
        DispatchQueue.concurrentPerform(iterations: 64) { i in
            let n = lengths[i % lengths.count]
            var re = [Double](repeating: 0, count: n), im = re
            re[0] = 1
            FFTPlan<Double>.shared(count: n).forward(real: &re, imaginary: &im)
            // The transform of a unit impulse is all ones.
            out.value[i] = re.reduce(0) { $0 + abs($1 - 1) } + im.reduce(0) { $0 + abs($1) }
        }
        #expect(results.allSatisfy { $0 < 1e-9 })
    }

    @Test("FFTPlan single-sequence API: forward then inverse / n is the identity")
    func planAPI() {
        let plan = FFTPlan<Float>(count: 243)
        let x = randomComplex(Float.self, seed: 3, shape: [243])
        var re = x.real.elements, im = x.imaginary.elements
        plan.forward(real: &re, imaginary: &im)
        let ref = try! FFT.forward(x)
        #expect(re == ref.real.elements && im == ref.imaginary.elements)
        plan.inverse(real: &re, imaginary: &im)
        let back = zip(re, im).flatMap { [Double($0) / 243, Double($1) / 243] }
        #expect(relativeError(back, interleavedDoubles(x)) < 1e-6)
    }

    @Test("bad input throws instead of crashing")
    func errors() {
        let empty = SplitComplexArray<Float>(zeros: [0])
        #expect(throws: ScopeKitError.self) { try FFT.forward(empty) }
        let x = SplitComplexArray<Float>(zeros: [4, 4])
        #expect(throws: ScopeKitError.self) { try FFT.forward(x, axis: 2) }
        #expect(throws: ScopeKitError.self) { try FFT.forward(x, axes: [0, -2]) }
        #expect(throws: ScopeKitError.self) { try FFT.realInverse(SplitComplexArray<Float>(zeros: [1])) }
        #expect(throws: ScopeKitError.self) { try FFT.realInverse2D(x, shape: [5, 6]) }
        #expect(throws: ScopeKitError.self) { try DCT.forward(NDArray<Double>(zeros: [3, 0]), axis: 1) }
        #expect(throws: ScopeKitError.self) {
            try Convolution.fftConvolve(NDArray<Float>(zeros: [3, 3]), NDArray<Float>(zeros: [3]))
        }
        #expect(throws: ScopeKitError.self) {
            try SplitComplexArray(real: NDArray<Float>(zeros: [2]), imaginary: NDArray<Float>(zeros: [3]))
        }
        // A zero-length non-transformed axis is fine (numpy returns an empty result).
        #expect((try? FFT.forward(SplitComplexArray<Float>(zeros: [0, 4])))?.shape == [0, 4])
    }
}
