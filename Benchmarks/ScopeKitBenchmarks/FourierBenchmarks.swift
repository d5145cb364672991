import ScopeKit

/// Fourier benchmarks (see Harness.swift); anchors in Scripts/bench/fourier.py (scipy.fft, workers=1 when
/// run with `--threads 1`).
let fourierBenchmarks: [Benchmark] = [
    Benchmark(name: "fourier.fft2.complex64.2048", anchor: "scipy.fft.fft2(complex64 2048²)") {
        let x = randomSplit(Float.self, shape: [2048, 2048], seed: 1).interleaved
        return { _ = try FFT.forward2D(x) }
    },
    Benchmark(name: "fourier.fft2.split32.2048", anchor: "scipy.fft.fft2(complex64 2048²)") {
        let x = randomSplit(Float.self, shape: [2048, 2048], seed: 1)
        return { _ = try FFT.forward2D(x) }
    },
    Benchmark(name: "fourier.dctn.float64.128", anchor: "scipy.fft.dctn(float64 128², norm='ortho')") {
        let x = randomSplit(Double.self, shape: [128, 128], seed: 2).real
        return { _ = try DCT.forward(x) }
    },
    Benchmark(name: "fourier.dctn.float32.128", anchor: "scipy.fft.dctn(float32 128², norm='ortho')") {
        let x = randomSplit(Float.self, shape: [128, 128], seed: 3).real
        return { _ = try DCT.forward(x) }
    },
    Benchmark(name: "fourier.idctn.float64.128", anchor: "scipy.fft.idctn(float64 128², norm='ortho')") {
        let x = randomSplit(Double.self, shape: [128, 128], seed: 2).real
        return { _ = try DCT.inverse(x) }
    },
    Benchmark(name: "fourier.rfft2.float32.1024", anchor: "scipy.fft.rfft2(float32 1024²)") {
        let x = randomSplit(Float.self, shape: [1024, 1024], seed: 4).real
        return { _ = try FFT.realForward2D(x) }
    },
    Benchmark(name: "fourier.fft.complex128.1009", anchor: "scipy.fft.fft(complex128 1009, prime)") {
        let x = randomSplit(Double.self, shape: [1009], seed: 5)
        return { _ = try FFT.forward(x) }
    },
    Benchmark(name: "fourier.fft.complex128.4096", anchor: "scipy.fft.fft(complex128 4096)") {
        let x = randomSplit(Double.self, shape: [4096], seed: 6)
        return { _ = try FFT.forward(x) }
    },
    Benchmark(name: "fourier.fftconvolve.float32.512.15", anchor: "scipy.signal.fftconvolve(512², 15², 'same')") {
        let x = randomSplit(Float.self, shape: [512, 512], seed: 7).real
        let k = randomSplit(Float.self, shape: [15, 15], seed: 8).real
        return { _ = try Convolution.fftConvolve(x, k, mode: .same) }
    },
]

/// A complex array of uniform values in [-1, 1) from SplitMix64.
private func randomSplit<T: FFTScalar>(_: T.Type, shape: [Int], seed: UInt64) -> SplitComplexArray<T> {
    var g = SplitMix64(seed: seed)
    let n = shape.reduce(1, *)
    let re = (0..<n).map { _ in T(Double(g.next() >> 11) * 0x1p-52 - 1) }
    let im = (0..<n).map { _ in T(Double(g.next() >> 11) * 0x1p-52 - 1) }
    return try! SplitComplexArray(real: NDArray(re, shape: shape), imaginary: NDArray(im, shape: shape))
}
