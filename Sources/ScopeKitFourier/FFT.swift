import RealModule
import ComplexModule
import ScopeKitCore

/// Fast Fourier transforms of any length along one or more axes of N-D arrays, in single and double precision.
///
/// Matches `numpy.fft` / `scipy.fft`: `forward` is `fft`/`fftn`, `inverse` is `ifft`/`ifftn`, `realForward`
/// is `rfft`/`rfftn`, `realInverse` is `irfft`/`irfftn`, with the same sign (`exp(-2πi jk/n)` forward), the same
/// output layout (frequency 0 first; real transforms keep the `n/2 + 1` non-negative frequencies) and the same
/// ``FFTNormalization`` conventions (default `.backward`: the inverse divides by n).
///
/// Complex data is a ``SplitComplexArray`` (Float or Double) or an interleaved `NDArray<Complex64>`.
/// Lines along an axis are transformed in batches on ``Parallel/threadCount`` threads; the result does not
/// depend on the thread count. Plans are cached per length (``FFTPlan/shared(count:)``).
///
/// ```swift
/// let image = NDArray<Float>(zeros: [512, 512])
/// let spectrum = try FFT.realForward2D(image)                    // [512, 257] complex
/// let back = try FFT.realInverse2D(spectrum, shape: [512, 512])  // == image up to rounding
/// let centred = try FFT.shift(spectrum.real)                     // zero frequency in the middle
/// ```
///
/// - Complexity: O(N log n) for N elements and transformed length n, for every n (mixed radix 2/3/4/5, small
///   odd primes, Bluestein for primes > 31).
public enum FFT {
    // MARK: Complex, split storage

    /// The discrete Fourier transform along one axis (numpy's `fft(x, axis=axis, norm=norm)`).
    ///
    /// - Parameters:
    ///   - x: the complex input, any rank ≥ 1.
    ///   - axis: the transformed axis; negative values count from the end (default: the last axis).
    ///   - norm: the scaling convention (default `.backward`: no scaling).
    /// - Returns: the spectrum, same shape as `x`.
    /// - Throws: ``ScopeKitError/usage(_:)`` for an invalid axis, ``ScopeKitError/badInput(_:file:)`` for a
    ///   zero-length axis.
    public static func forward<T>(_ x: SplitComplexArray<T>, axis: Int = -1,
                                  norm: FFTNormalization = .backward) throws -> SplitComplexArray<T> {
        try transform(x, axes: [axis], inverse: false, norm: norm)
    }

    /// The discrete Fourier transform over several axes, applied in the order given (numpy's `fftn`).
    ///
    /// - Parameter axes: distinct axes (negative values count from the end).
    public static func forward<T>(_ x: SplitComplexArray<T>, axes: [Int],
                                  norm: FFTNormalization = .backward) throws -> SplitComplexArray<T> {
        try transform(x, axes: axes, inverse: false, norm: norm)
    }

    /// The inverse discrete Fourier transform along one axis (numpy's `ifft`; `.backward` divides by n).
    public static func inverse<T>(_ x: SplitComplexArray<T>, axis: Int = -1,
                                  norm: FFTNormalization = .backward) throws -> SplitComplexArray<T> {
        try transform(x, axes: [axis], inverse: true, norm: norm)
    }

    /// The inverse discrete Fourier transform over several axes (numpy's `ifftn`).
    public static func inverse<T>(_ x: SplitComplexArray<T>, axes: [Int],
                                  norm: FFTNormalization = .backward) throws -> SplitComplexArray<T> {
        try transform(x, axes: axes, inverse: true, norm: norm)
    }

    /// The 2-D transform over the last two axes (numpy's `fft2`); leading axes are a batch of images.
    ///
    /// - Complexity: O(N log(rows·cols)) for N elements.
    public static func forward2D<T>(_ x: SplitComplexArray<T>,
                                    norm: FFTNormalization = .backward) throws -> SplitComplexArray<T> {
        try transform(x, axes: [-1, -2], inverse: false, norm: norm)
    }

    /// The inverse 2-D transform over the last two axes (numpy's `ifft2`).
    public static func inverse2D<T>(_ x: SplitComplexArray<T>,
                                    norm: FFTNormalization = .backward) throws -> SplitComplexArray<T> {
        try transform(x, axes: [-1, -2], inverse: true, norm: norm)
    }

    // MARK: Complex, interleaved complex64

    /// The discrete Fourier transform of an interleaved `complex64` array along one axis (numpy's `fft`).
    ///
    /// Computed in single precision directly on the interleaved storage.
    public static func forward(_ x: NDArray<Complex<Float>>, axis: Int = -1,
                               norm: FFTNormalization = .backward) throws -> NDArray<Complex<Float>> {
        try transform(x, axes: [axis], inverse: false, norm: norm)
    }

    /// The transform of an interleaved `complex64` array over several axes (numpy's `fftn`).
    public static func forward(_ x: NDArray<Complex<Float>>, axes: [Int],
                               norm: FFTNormalization = .backward) throws -> NDArray<Complex<Float>> {
        try transform(x, axes: axes, inverse: false, norm: norm)
    }

    /// The inverse transform of an interleaved `complex64` array along one axis (numpy's `ifft`).
    public static func inverse(_ x: NDArray<Complex<Float>>, axis: Int = -1,
                               norm: FFTNormalization = .backward) throws -> NDArray<Complex<Float>> {
        try transform(x, axes: [axis], inverse: true, norm: norm)
    }

    /// The inverse transform of an interleaved `complex64` array over several axes (numpy's `ifftn`).
    public static func inverse(_ x: NDArray<Complex<Float>>, axes: [Int],
                               norm: FFTNormalization = .backward) throws -> NDArray<Complex<Float>> {
        try transform(x, axes: axes, inverse: true, norm: norm)
    }

    /// The 2-D transform of an interleaved `complex64` array over its last two axes (numpy's `fft2`).
    public static func forward2D(_ x: NDArray<Complex<Float>>,
                                 norm: FFTNormalization = .backward) throws -> NDArray<Complex<Float>> {
        try transform(x, axes: [-1, -2], inverse: false, norm: norm)
    }

    /// The inverse 2-D transform of an interleaved `complex64` array (numpy's `ifft2`).
    public static func inverse2D(_ x: NDArray<Complex<Float>>,
                                 norm: FFTNormalization = .backward) throws -> NDArray<Complex<Float>> {
        try transform(x, axes: [-1, -2], inverse: true, norm: norm)
    }

    // MARK: Real input and output

    /// The transform of real data along one axis, keeping the `n/2 + 1` non-negative frequencies
    /// (numpy's `rfft`).
    ///
    /// - Returns: a complex array whose extent along `axis` is `n/2 + 1`.
    /// - Complexity: about half of the complex transform for even n.
    public static func realForward<T>(_ x: NDArray<T>, axis: Int = -1,
                                      norm: FFTNormalization = .backward) throws -> SplitComplexArray<T> {
        try realForward(x, axes: [axis], norm: norm)
    }

    /// The transform of real data over several axes (numpy's `rfftn(x, axes=axes)`): a real transform along
    /// the last listed axis, then complex transforms along the others.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public static func realForward<T>(_ x: NDArray<T>, axes: [Int],
                                      norm: FFTNormalization = .backward) throws -> SplitComplexArray<T> {
        let axes = try checkedAxes(axes, shape: x.shape)
        let last = axes[axes.count - 1]
        let n = x.shape[last]
        var shape = x.shape
        shape[last] = n / 2 + 1
        var re = zeros(shape, of: T.self), im = zeros(shape, of: T.self)
        let scale = T(norm.forwardScale(count: n))
        x.withUnsafeBufferPointer { src in
            re.withUnsafeMutableBufferPointer { r in
                im.withUnsafeMutableBufferPointer { i in
                    AxisTransforms.realForward(input: src.baseAddress!, shape: x.shape, axis: last,
                                               outRe: r.baseAddress!, outIm: i.baseAddress!, scale: scale)
                    // The other axes in place on the fresh half spectrum (no copy).
                    for a in axes.dropLast() {
                        let s = T(norm.forwardScale(count: shape[a]))
                        AxisTransforms.complex(re: r.baseAddress!, im: i.baseAddress!, elementStride: 1,
                                               shape: shape, axis: a, inverse: false, scale: s)
                    }
                }
            }
        }
        return SplitComplexArray(uncheckedReal: re, imaginary: im)
    }

    /// The 2-D transform of real data over the last two axes (numpy's `rfft2`): `[rows, cols]` gives
    /// `[rows, cols/2 + 1]`.
    public static func realForward2D<T>(_ x: NDArray<T>,
                                        norm: FFTNormalization = .backward) throws -> SplitComplexArray<T> {
        try realForward(x, axes: [-2, -1], norm: norm)
    }

    /// The inverse of ``realForward(_:axis:norm:)`` (numpy's `irfft(X, n=length, axis=axis)`).
    ///
    /// - Parameters:
    ///   - X: the half spectrum; the imaginary parts of frequency 0 (and n/2 for even n) are ignored.
    ///   - length: the output length n along `axis` (default `2·(m − 1)` for an input extent m). The first
    ///     `n/2 + 1` input points are used; missing ones count as zero.
    /// - Returns: a real array with extent n along `axis`.
    public static func realInverse<T>(_ X: SplitComplexArray<T>, length: Int? = nil, axis: Int = -1,
                                      norm: FFTNormalization = .backward) throws -> NDArray<T> {
        try realInverse(X, length: length, axes: [axis], norm: norm)
    }

    /// The inverse of ``realForward(_:axes:norm:)`` (numpy's `irfftn`): complex inverses along all listed axes
    /// but the last, then a complex-to-real inverse of `length` points along the last listed axis.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public static func realInverse<T>(_ X: SplitComplexArray<T>, length: Int? = nil, axes: [Int],
                                      norm: FFTNormalization = .backward) throws -> NDArray<T> {
        let axes = try checkedAxes(axes, shape: X.shape, allowEmpty: true)
        let last = axes[axes.count - 1]
        let m = X.shape[last]
        let n = length ?? 2 * (m - 1)
        guard n >= 1 else {
            throw ScopeKitError.badInput("inverse real FFT needs an output length ≥ 1 (got \(n))")
        }
        var spectrum = X
        if axes.count > 1 {
            spectrum = try transform(X, axes: Array(axes.dropLast()), inverse: true, norm: norm)
        }
        var shape = X.shape
        shape[last] = n
        var out = zeros(shape, of: T.self)
        let scale = T(norm.inverseScale(count: n))
        spectrum.real.withUnsafeBufferPointer { r in
            spectrum.imaginary.withUnsafeBufferPointer { i in
                out.withUnsafeMutableBufferPointer { o in
                    AxisTransforms.realInverse(inRe: r.baseAddress!, inIm: i.baseAddress!, inShape: X.shape,
                                               axis: last, length: n, output: o.baseAddress!, scale: scale)
                }
            }
        }
        return out
    }

    /// The inverse of ``realForward2D(_:norm:)`` (numpy's `irfft2(X, s=shape)`).
    ///
    /// - Parameter shape: the output extents of the last two axes; default `[rows, 2·(cols − 1)]`.
    /// - Throws: ``ScopeKitError/usage(_:)`` when `shape` has not two entries or its row count differs
    ///   from the spectrum's.
    public static func realInverse2D<T>(_ X: SplitComplexArray<T>, shape: [Int]? = nil,
                                        norm: FFTNormalization = .backward) throws -> NDArray<T> {
        guard X.rank >= 2 else { throw ScopeKitError.usage("a 2-D inverse FFT needs rank ≥ 2, got \(X.rank)") }
        if let shape {
            guard shape.count == 2, shape[0] == X.shape[X.rank - 2] else {
                throw ScopeKitError.usage("output shape \(shape) does not fit spectrum shape \(X.shape)")
            }
        }
        return try realInverse(X, length: shape?[1], axes: [-2, -1], norm: norm)
    }

    // MARK: Helpers

    /// The smallest 5-smooth integer (2^a·3^b·5^c) ≥ `n`: a length the FFT handles fastest
    /// (`scipy.fft.next_fast_len(n, real=True)`).
    ///
    /// ```swift
    /// FFT.nextFastLength(1009)   // 1024
    /// FFT.nextFastLength(97)     // 100
    /// ```
    ///
    /// - Returns: 1 for `n ≤ 1`.
    /// - Complexity: O(log³ n).
    public static func nextFastLength(_ n: Int) -> Int {
        if n <= 1 { return 1 }
        var best = Int.max
        var p5 = 1
        while p5 < best {
            var p35 = p5
            while p35 < best {
                var v = p35
                while v < n { v *= 2 }
                if v < best { best = v }
                if p35 >= n { break }
                p35 *= 3
            }
            if p5 >= n { break }
            p5 *= 5
        }
        return best
    }

    /// Validated, non-negative, distinct axes.
    static func checkedAxes(_ axes: [Int], shape: [Int], allowEmpty: Bool = false,
                            allowNone: Bool = false) throws -> [Int] {
        let rank = shape.count
        guard allowNone || !axes.isEmpty else { throw ScopeKitError.usage("no axes to transform") }
        var out: [Int] = []
        for a in axes {
            let b = a < 0 ? a + rank : a
            guard b >= 0 && b < rank else {
                throw ScopeKitError.usage("axis \(a) is out of range for a \(rank)-D array")
            }
            guard !out.contains(b) else { throw ScopeKitError.usage("axis \(a) is repeated in \(axes)") }
            guard allowEmpty || shape[b] > 0 else {
                throw ScopeKitError.badInput("cannot transform an axis of length 0 (shape \(shape))")
            }
            out.append(b)
        }
        return out
    }

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func transform<T>(_ x: SplitComplexArray<T>, axes: [Int], inverse: Bool,
                             norm: FFTNormalization) throws -> SplitComplexArray<T> {
        let axes = try checkedAxes(axes, shape: x.shape)
        var re = x.real, im = x.imaginary
        let shape = x.shape
        re.withUnsafeMutableBufferPointer { r in
            im.withUnsafeMutableBufferPointer { i in
                for a in axes {
                    let n = shape[a]
                    let s = T(inverse ? norm.inverseScale(count: n) : norm.forwardScale(count: n))
                    AxisTransforms.complex(re: r.baseAddress!, im: i.baseAddress!, elementStride: 1, shape: shape,
                                           axis: a, inverse: inverse, scale: s)
                }
            }
        }
        return SplitComplexArray(uncheckedReal: re, imaginary: im)
    }

    static func transform(_ x: NDArray<Complex<Float>>, axes: [Int], inverse: Bool,
                          norm: FFTNormalization) throws -> NDArray<Complex<Float>> {
        let axes = try checkedAxes(axes, shape: x.shape)
        var out = x
        let shape = x.shape
        out.withUnsafeMutableBufferPointer { p in
            guard let base = p.baseAddress else { return }
            UnsafeMutableRawPointer(base).withMemoryRebound(to: Float.self, capacity: 2 * p.count) { f in
                for a in axes {
                    let n = shape[a]
                    let s = Float(inverse ? norm.inverseScale(count: n) : norm.forwardScale(count: n))
                    AxisTransforms.complex(re: f, im: f + 1, elementStride: 2, shape: shape, axis: a,
                                           inverse: inverse, scale: s)
                }
            }
        }
        return out
    }
}
