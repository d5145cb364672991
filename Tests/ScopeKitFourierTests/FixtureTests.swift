import ComplexModule
import Foundation
import ScopeKitCore
import Testing
@testable import ScopeKitFourier

/// Every case of Tests/Fixtures/fourier (from Scripts/fixtures/fourier.py) recomputed in Float and Double and
/// compared with numpy/scipy by relative L2 error: ≤ 1e-5 (Float) and ≤ 1e-12 (Double).
@Suite("Fourier transforms against numpy/scipy fixtures")
struct FixtureTests {
    static let kinds = ["fft", "ifft", "fft_ortho", "ifft_forwardnorm", "rfft", "irfft", "fft2", "ifft2",
                        "fft_axis", "fftn", "rfft2", "rfft_axis", "irfft2", "dct", "dctn", "idctn", "dct_axis",
                        "conv", "corr"]
    static let precisions: [any FFTScalar.Type] = [Float.self, Double.self]

    @Test("scipy.fft / scipy.signal reference values", arguments: kinds, precisions)
    func matchesReference(kind: String, precision: any FFTScalar.Type) throws {
        let fixtures = Fixtures.shared
        let cases = fixtures.cases(kind)
        #expect(!cases.isEmpty, "no fixtures of kind \(kind)")
        for c in cases {
            let (got, shape, per) = try Self.evaluate(c, precision)
            #expect(shape == c.outShape, "\(c.name): shape \(shape) vs \(c.outShape)")
            let err = relativeError(probed(got, c, componentsPerElement: per), fixtures.values(c))
            #expect(err <= tolerance(precision), "\(c.name) [\(precision)]: relative L2 error \(err)")
        }
    }

    /// The ScopeKit result of a case, flattened to doubles (complex interleaved), with its shape.
    static func evaluate<T: FFTScalar>(_ c: Fixtures.Case, _: T.Type) throws -> ([Double], [Int], Int) {
        let seed = c.seed
        func complex(_ x: SplitComplexArray<T>) -> ([Double], [Int], Int) { (interleavedDoubles(x), x.shape, 2) }
        func real(_ x: NDArray<T>) -> ([Double], [Int], Int) { (doubles(x), x.shape, 1) }
        switch c.kind {
        case "fft": return complex(try FFT.forward(randomComplex(T.self, seed: seed, shape: c.shape)))
        case "ifft": return complex(try FFT.inverse(randomComplex(T.self, seed: seed, shape: c.shape)))
        case "fft_ortho":
            return complex(try FFT.forward(randomComplex(T.self, seed: seed, shape: c.shape), norm: .ortho))
        case "ifft_forwardnorm":
            return complex(try FFT.inverse(randomComplex(T.self, seed: seed, shape: c.shape), norm: .forward))
        case "rfft": return complex(try FFT.realForward(randomReal(T.self, seed: seed, shape: c.shape)))
        case "irfft":
            return real(try FFT.realInverse(randomComplex(T.self, seed: seed, shape: c.shape), length: c.length!))
        case "fft2": return complex(try FFT.forward2D(randomComplex(T.self, seed: seed, shape: c.shape)))
        case "ifft2": return complex(try FFT.inverse2D(randomComplex(T.self, seed: seed, shape: c.shape)))
        case "fft_axis":
            return complex(try FFT.forward(randomComplex(T.self, seed: seed, shape: c.shape), axis: c.axis!))
        case "fftn":
            return complex(try FFT.forward(randomComplex(T.self, seed: seed, shape: c.shape),
                                           axes: Array(0..<c.shape.count)))
        case "rfft2": return complex(try FFT.realForward2D(randomReal(T.self, seed: seed, shape: c.shape)))
        case "rfft_axis":
            return complex(try FFT.realForward(randomReal(T.self, seed: seed, shape: c.shape), axis: c.axis!))
        case "irfft2":
            let X = randomComplex(T.self, seed: seed, shape: c.shape)
            return real(try FFT.realInverse2D(X, shape: [c.shape[0], c.length!]))
        case "dct": return real(try DCT.forward(randomReal(T.self, seed: seed, shape: c.shape), axis: 0))
        case "dctn": return real(try DCT.forward(randomReal(T.self, seed: seed, shape: c.shape)))
        case "idctn": return real(try DCT.inverse(randomReal(T.self, seed: seed, shape: c.shape)))
        case "dct_axis": return real(try DCT.forward(randomReal(T.self, seed: seed, shape: c.shape), axis: c.axis!))
        case "conv", "corr":
            let a = randomReal(T.self, seed: seed, shape: c.shape)
            let b = randomReal(T.self, seed: seed + 1, shape: c.kernelShape!)
            let mode = ConvolutionMode(rawValue: c.mode!)!
            return real(c.kind == "conv" ? try Convolution.fftConvolve(a, b, mode: mode)
                                         : try Correlation.fftCorrelate(a, b, mode: mode))
        default:
            throw ScopeKitError.usage("unknown fixture kind \(c.kind)")
        }
    }

    @Test("interleaved complex64 transforms equal the fixtures (fft2, along-axis, inverse)",
          arguments: ["fft2", "fft_axis", "fft", "ifft2"])
    func interleavedComplex64(kind: String) throws {
        let fixtures = Fixtures.shared
        for c in fixtures.cases(kind) {
            let x = randomComplex(Float.self, seed: c.seed, shape: c.shape).interleaved
            let y: NDArray<Complex<Float>>
            switch kind {
            case "fft2": y = try FFT.forward2D(x)
            case "ifft2": y = try FFT.inverse2D(x)
            case "fft_axis": y = try FFT.forward(x, axis: c.axis!)
            default: y = try FFT.forward(x)
            }
            let got = y.elements.flatMap { [Double($0.real), Double($0.imaginary)] }
            let err = relativeError(probed(got, c, componentsPerElement: 2), fixtures.values(c))
            #expect(y.shape == c.outShape)
            #expect(err <= 1e-5, "\(c.name) complex64: relative L2 error \(err)")
        }
    }
}
