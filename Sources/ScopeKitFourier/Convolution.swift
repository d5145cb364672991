import ScopeKitCore

/// The output extent of an FFT convolution or correlation, as the `mode` of `scipy.signal.fftconvolve`.
public enum ConvolutionMode: String, Sendable, CaseIterable {
    /// The full linear convolution: extent `n1 + n2 − 1` along each axis.
    case full
    /// The central part of the full result with the first input's shape: it starts at `(n2 − 1) / 2`
    /// (rounded down, after scipy's `_centered`: `((n1 + n2 − 1) − n1) / 2`).
    case same
}

/// Linear convolution of real arrays through the FFT.
///
/// ```swift
/// let image = NDArray<Float>(zeros: [512, 512]), kernel = NDArray<Float>(repeating: 1 / 25, shape: [5, 5])
/// let blurred = try Convolution.fftConvolve(image, kernel, mode: .same)   // [512, 512]
/// ```
public enum Convolution {
    /// The linear convolution of two real arrays of equal rank (`scipy.signal.fftconvolve(a, b, mode)`).
    ///
    /// Both inputs are zero-padded to 5-smooth lengths ≥ `n1 + n2 − 1` (``FFT/nextFastLength(_:)``), multiplied
    /// in the real-FFT domain over all axes and transformed back; results agree with scipy up to rounding.
    ///
    /// - Parameters:
    ///   - a: the first input (e.g. an image), any rank ≥ 1.
    ///   - b: the second input (e.g. a kernel), same rank as `a`.
    ///   - mode: ``ConvolutionMode/full`` (default) or ``ConvolutionMode/same`` (the shape of `a`).
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` for empty inputs or different ranks.
    /// - Complexity: O(M log M) for the padded size M, whatever the kernel size.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public static func fftConvolve<T: FFTScalar>(_ a: NDArray<T>, _ b: NDArray<T>,
                                                 mode: ConvolutionMode = .full) throws -> NDArray<T> {
        guard a.rank >= 1, a.rank == b.rank else {
            throw ScopeKitError.badInput("convolution needs inputs of equal rank ≥ 1, got \(a.shape) and \(b.shape)")
        }
        guard a.count > 0, b.count > 0 else {
            throw ScopeKitError.badInput("convolution of an empty array (\(a.shape) and \(b.shape))")
        }
        let rank = a.rank
        let full = (0..<rank).map { a.shape[$0] + b.shape[$0] - 1 }
        let padded = full.map { FFT.nextFastLength($0) }
        let axes = Array(0..<rank)
        var fa = try FFT.realForward(padding(a, to: padded), axes: axes)
        let fb = try FFT.realForward(padding(b, to: padded), axes: axes)
        // fa *= fb (complex, element-wise).
        fa.real.withUnsafeMutableBufferPointer { ar in
            fa.imaginary.withUnsafeMutableBufferPointer { ai in
                fb.real.withUnsafeBufferPointer { br in
                    fb.imaginary.withUnsafeBufferPointer { bi in
                        let ar = UncheckedSendable(ar.baseAddress!), ai = UncheckedSendable(ai.baseAddress!)
                        Parallel.forEachChunk(0..<br.count, minimumChunk: 1 << 16) { range in
                            for k in range {
                                let xr = ar.value[k], xi = ai.value[k], yr = br[k], yi = bi[k]
                                ar.value[k] = xr * yr - xi * yi
                                ai.value[k] = xr * yi + xi * yr
                            }
                        }
                    }
                }
            }
        }
        let product = try FFT.realInverse(fa, length: padded[rank - 1], axes: axes)
        switch mode {
        case .full:
            return cropping(product, origin: [Int](repeating: 0, count: rank), shape: full)
        case .same:
            return cropping(product, origin: (0..<rank).map { (full[$0] - a.shape[$0]) / 2 }, shape: a.shape)
        }
    }

    /// `x` in the corner of a zero array of `shape` (each extent ≥ x's).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func padding<T: FFTScalar>(_ x: NDArray<T>, to shape: [Int]) -> NDArray<T> {
        var out = zeros(shape, of: T.self)
        copyBlock(from: x, origin: [Int](repeating: 0, count: x.rank), into: &out, extent: x.shape)
        return out
    }

    /// The block of `x` starting at `origin` with extent `shape`.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func cropping<T: FFTScalar>(_ x: NDArray<T>, origin: [Int], shape: [Int]) -> NDArray<T> {
        var out = zeros(shape, of: T.self)
        copyBlock(from: x, origin: origin, into: &out, extent: shape)
        return out
    }

    /// Copies `src[origin + i]` to `dst[i]` for every multi-index `i` in `extent` (row by row).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func copyBlock<T: FFTScalar>(from src: NDArray<T>, origin: [Int], into dst: inout NDArray<T>,
                                        extent: [Int]) {
        let rank = extent.count
        let rows = extent.dropLast().reduce(1, *), width = extent[rank - 1]
        guard rows > 0, width > 0 else { return }
        let srcShape = src.shape, dstShape = dst.shape
        src.withUnsafeBufferPointer { s in
            dst.withUnsafeMutableBufferPointer { d in
                var index = [Int](repeating: 0, count: rank)
                for _ in 0..<rows {
                    var so = 0, dof = 0
                    for a in 0..<rank {
                        so = so * srcShape[a] + index[a] + origin[a]
                        dof = dof * dstShape[a] + index[a]
                    }
                    (d.baseAddress! + dof).update(from: s.baseAddress! + so, count: width)
                    var a = rank - 2
                    while a >= 0 {
                        index[a] += 1
                        if index[a] < extent[a] { break }
                        index[a] = 0
                        a -= 1
                    }
                }
            }
        }
    }
}

/// Cross-correlation of real arrays through the FFT.
///
/// ```swift
/// let c = try Correlation.fftCorrelate(image, template, mode: .same)
/// ```
public enum Correlation {
    /// The cross-correlation of two real arrays of equal rank
    /// (`scipy.signal.correlate(a, b, mode, method='fft')`): the convolution of `a` with `b` reversed along
    /// every axis, so `full` output index `k` holds `Σ_j a[j]·b[j − k + n2 − 1]`.
    ///
    /// - Parameters:
    ///   - a: the first input (e.g. an image).
    ///   - b: the second input (e.g. a template), same rank as `a`.
    ///   - mode: ``ConvolutionMode/full`` (default) or ``ConvolutionMode/same`` (centred, shape of `a`).
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` for empty inputs or different ranks.
    /// - Complexity: O(M log M) for the padded size M.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public static func fftCorrelate<T: FFTScalar>(_ a: NDArray<T>, _ b: NDArray<T>,
                                                  mode: ConvolutionMode = .full) throws -> NDArray<T> {
        guard a.rank >= 1, a.rank == b.rank else {
            throw ScopeKitError.badInput("correlation needs inputs of equal rank ≥ 1, got \(a.shape) and \(b.shape)")
        }
        var flipped = b
        let n = b.count
        b.withUnsafeBufferPointer { s in
            flipped.withUnsafeMutableBufferPointer { d in
                // Reversing every axis of a C-order array reverses its flat order.
                for k in 0..<n { d[k] = s[n - 1 - k] }
            }
        }
        return try Convolution.fftConvolve(a, flipped, mode: mode)
    }
}
