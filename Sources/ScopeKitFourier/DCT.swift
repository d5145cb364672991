import ScopeKitCore

/// Orthonormal discrete cosine transforms: DCT-II forward and DCT-III inverse, along one axis, over the last
/// two axes, or over all axes.
///
/// Matches `scipy.fft.dct(x, type=2, norm='ortho')` / `idct(…, norm='ortho')` and `scipy.fft.dctn` /
/// `idctn(norm='ortho')` (and MATLAB's `mirt_dct2` / `mirt_idct2` used by BaSiC): with `f_0 = √(1/N)` and
/// `f_k = √(2/N)`, `y_k = f_k Σ_j x_j cos(πk(2j + 1) / 2N)`. The transform is orthogonal, so ``inverse(_:axes:)``
/// undoes ``forward(_:axes:)`` exactly up to rounding.
///
/// ```swift
/// let image = NDArray<Double>(zeros: [128, 128])
/// let coefficients = try DCT.forward(image)      // dctn(image, norm='ortho')
/// let back = try DCT.inverse(coefficients)       // idctn(…, norm='ortho') == image
/// ```
///
/// - Complexity: O(N log n) per axis through a real FFT (Makhoul's reordering); lengths ≤ 16 use a direct
///   O(N·n) cosine-matrix product. Lines are processed in batches on ``Parallel/threadCount`` threads with
///   thread-count-independent results.
public enum DCT {
    /// The orthonormal DCT-II along one axis (`scipy.fft.dct(x, type=2, axis=axis, norm='ortho')`).
    ///
    /// - Parameters:
    ///   - x: a real array of any rank ≥ 1.
    ///   - axis: the transformed axis (negative values count from the end).
    /// - Throws: ``ScopeKitError/usage(_:)`` for an invalid axis, ``ScopeKitError/badInput(_:file:)`` for a
    ///   zero-length axis.
    public static func forward<T: FFTScalar>(_ x: NDArray<T>, axis: Int) throws -> NDArray<T> {
        try transform(x, axes: [axis], inverse: false)
    }

    /// The orthonormal DCT-III along one axis, the inverse of ``forward(_:axis:)``
    /// (`scipy.fft.idct(x, type=2, axis=axis, norm='ortho')`).
    public static func inverse<T: FFTScalar>(_ x: NDArray<T>, axis: Int) throws -> NDArray<T> {
        try transform(x, axes: [axis], inverse: true)
    }

    /// The orthonormal DCT-II over several axes (`scipy.fft.dctn(x, axes=axes, norm='ortho')`).
    ///
    /// - Parameter axes: the transformed axes; `nil` (the default) transforms every axis, as `dctn` does.
    public static func forward<T: FFTScalar>(_ x: NDArray<T>, axes: [Int]? = nil) throws -> NDArray<T> {
        try transform(x, axes: axes ?? Array(0..<x.rank), inverse: false)
    }

    /// The orthonormal DCT-III over several axes (`scipy.fft.idctn(x, axes=axes, norm='ortho')`).
    ///
    /// - Parameter axes: the transformed axes; `nil` (the default) transforms every axis.
    public static func inverse<T: FFTScalar>(_ x: NDArray<T>, axes: [Int]? = nil) throws -> NDArray<T> {
        try transform(x, axes: axes ?? Array(0..<x.rank), inverse: true)
    }

    /// The orthonormal 2-D DCT-II over the last two axes; leading axes are a batch of images
    /// (`dctn(x, axes=(-2, -1), norm='ortho')`, MATLAB `mirt_dct2`).
    public static func forward2D<T: FFTScalar>(_ x: NDArray<T>) throws -> NDArray<T> {
        try transform(x, axes: [-2, -1], inverse: false)
    }

    /// The orthonormal 2-D DCT-III over the last two axes (`idctn(x, axes=(-2, -1), norm='ortho')`).
    public static func inverse2D<T: FFTScalar>(_ x: NDArray<T>) throws -> NDArray<T> {
        try transform(x, axes: [-2, -1], inverse: true)
    }

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func transform<T: FFTScalar>(_ x: NDArray<T>, axes: [Int], inverse: Bool) throws -> NDArray<T> {
        let axes = try FFT.checkedAxes(axes, shape: x.shape)
        var out = x
        let shape = x.shape
        out.withUnsafeMutableBufferPointer { p in
            for a in axes { transformAxis(p.baseAddress!, shape: shape, axis: a, inverse: inverse) }
        }
        return out
    }

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func transformAxis<T: FFTScalar>(_ data: UnsafeMutablePointer<T>, shape: [Int], axis: Int,
                                            inverse: Bool) {
        let g = LineGeometry(shape: shape, axis: axis)
        let n = g.length
        guard n > 0, g.lineCount > 0 else { return }
        let plan = DCTPlan<T>.shared(count: n)
        let nb0 = lineBatchWidth(length: n, lines: g.lineCount, elementSize: MemoryLayout<T>.size)
        forEachLineBatch(g, batchWidth: nb0, scratch: plan.workCount(batch: nb0), of: T.self) { lines, work in
            plan.apply(data, geometry: g, lines: lines, inverse: inverse, work: work)
        }
    }
}
