import ScopeKitCore

extension FFT {
    /// Moves the zero frequency to the centre: a cyclic roll by `n / 2` along each axis (numpy's `fftshift`).
    ///
    /// - Parameters:
    ///   - x: any array (real spectra, magnitudes, `complex64`, masks…).
    ///   - axes: the axes to shift (negative values count from the end); `nil` shifts all axes.
    /// - Returns: the rolled array; for even n element 0 moves to n/2, for odd n to (n − 1)/2.
    /// - Throws: ``ScopeKitError/usage(_:)`` for an invalid or repeated axis.
    ///
    /// ```swift
    /// let f = NDArray<Double>([0, 1, 2, -2, -1], shape: [5])   // numpy.fft.fftfreq(5) * 5
    /// try FFT.shift(f).elements                                // [-2, -1, 0, 1, 2]
    /// ```
    ///
    /// - Complexity: O(count), one pass.
    public static func shift<E: ArrayElement>(_ x: NDArray<E>, axes: [Int]? = nil) throws -> NDArray<E> {
        try roll(x, axes: axes, inverse: false)
    }

    /// Undoes ``shift(_:axes:)``: a cyclic roll by `-(n / 2)` along each axis (numpy's `ifftshift`).
    ///
    /// Differs from ``shift(_:axes:)`` only for odd lengths.
    public static func inverseShift<E: ArrayElement>(_ x: NDArray<E>, axes: [Int]? = nil) throws -> NDArray<E> {
        try roll(x, axes: axes, inverse: true)
    }

    /// ``shift(_:axes:)`` applied to both parts of a complex array.
    public static func shift<T>(_ x: SplitComplexArray<T>, axes: [Int]? = nil) throws -> SplitComplexArray<T> {
        SplitComplexArray(uncheckedReal: try shift(x.real, axes: axes), imaginary: try shift(x.imaginary, axes: axes))
    }

    /// ``inverseShift(_:axes:)`` applied to both parts of a complex array.
    public static func inverseShift<T>(_ x: SplitComplexArray<T>,
                                       axes: [Int]? = nil) throws -> SplitComplexArray<T> {
        SplitComplexArray(uncheckedReal: try inverseShift(x.real, axes: axes),
                          imaginary: try inverseShift(x.imaginary, axes: axes))
    }

    static func roll<E: ArrayElement>(_ x: NDArray<E>, axes: [Int]?, inverse: Bool) throws -> NDArray<E> {
        let shape = x.shape, rank = shape.count
        var shifts = [Int](repeating: 0, count: rank)
        for a in try checkedAxes(axes ?? Array(0..<rank), shape: shape, allowEmpty: true, allowNone: true) {
            let n = shape[a]
            shifts[a] = n == 0 ? 0 : (inverse ? n - n / 2 : n / 2) % n
        }
        guard rank > 0, x.count > 0, shifts.contains(where: { $0 != 0 }) else { return x }
        var out = x
        out.makeUnique()
        let last = shape[rank - 1], k = shifts[rank - 1]
        var strides = [Int](repeating: 1, count: rank)
        for a in stride(from: rank - 2, through: 0, by: -1) { strides[a] = strides[a + 1] * shape[a + 1] }
        let rows = x.count / last
        x.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                var index = [Int](repeating: 0, count: Swift.max(rank - 1, 0))
                for row in 0..<rows {
                    // Source row: out[j] = in[(j − shift) mod n] along every leading axis.
                    var s = 0
                    for a in 0..<(rank - 1) {
                        var j = index[a] - shifts[a]
                        if j < 0 { j += shape[a] }
                        s += j * strides[a]
                    }
                    let d = row * last
                    // Last axis: dst[k..<n] = src[0..<n-k], dst[0..<k] = src[n-k..<n].
                    for j in 0..<(last - k) { dst[d + k + j] = src[s + j] }
                    for j in 0..<k { dst[d + j] = src[s + last - k + j] }
                    var a = rank - 2
                    while a >= 0 {
                        index[a] += 1
                        if index[a] < shape[a] { break }
                        index[a] = 0
                        a -= 1
                    }
                }
            }
        }
        return out
    }
}
