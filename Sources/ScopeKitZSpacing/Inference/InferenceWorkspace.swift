/// The buffers of one inference run, allocated once (no allocation inside the outer loop).
///
/// "Sorted" arrays (`xs`, `ss`, `band`, curves, votes) are in the current iteration's sorted order; `x` and
/// `s` are in input order.
final class InferenceWorkspace {
    let n: Int
    /// The effective range R (options.range clamped to N − 1).
    let r: Int
    /// Band width of `band`: 2R + 1.
    let bw: Int
    /// The input matrix strip and its own range / width (may differ from R).
    let c: UnsafeMutableBufferPointer<Double>
    let mr: Int
    let mw: Int

    let x: UnsafeMutableBufferPointer<Double>
    let s: UnsafeMutableBufferPointer<Double>
    let order: UnsafeMutableBufferPointer<Int>
    let xs: UnsafeMutableBufferPointer<Double>
    let ss: UnsafeMutableBufferPointer<Double>
    /// Quality factors at the start of the iteration (they scale the matrix the curve is fitted to).
    let sPrevious: UnsafeMutableBufferPointer<Double>
    /// The unscaled matrix in sorted order, band of R: `band[i·bw + R + d] = C(o[i], o[i+d])`.
    let band: UnsafeMutableBufferPointer<Double>

    /// Local-fit windows: radius, count, and per-window sums / counts / curves.
    let windowRadius: Int
    let windowCount: Int
    let windowSums: UnsafeMutableBufferPointer<Double>
    let windowCounts: UnsafeMutableBufferPointer<Double>
    /// Per-section curves (row stride R + 1; one shared row when there is one window) and their last
    /// finite index.
    let curves: UnsafeMutableBufferPointer<Double>
    let curveLast: UnsafeMutableBufferPointer<Int>
    let curveStride: Int

    /// SCALE terms per band entry (fixed within an outer iteration): C_ik and C_ik·f_i(d_ik), 0 if unusable.
    let scaleC: UnsafeMutableBufferPointer<Double>
    let scaleCF: UnsafeMutableBufferPointer<Double>

    let votes: UnsafeMutableBufferPointer<Double>
    let voteCounts: UnsafeMutableBufferPointer<Double>
    let voteSquares: UnsafeMutableBufferPointer<Double>
    /// Scale applied by the last normalisation (to express vote spreads in output units).
    var lastNormalizationScale = 1.0

    init(matrix: BandedMatrix, range: Int, localEstimates: Int) {
        n = matrix.count
        r = Swift.max(0, Swift.min(range, n - 1))
        bw = 2 * r + 1
        mr = matrix.range
        mw = matrix.width
        c = .allocate(capacity: Swift.max(matrix.values.count, 1))
        _ = c.initialize(from: matrix.values)
        func doubles(_ count: Int, _ value: Double = 0) -> UnsafeMutableBufferPointer<Double> {
            let p = UnsafeMutableBufferPointer<Double>.allocate(capacity: Swift.max(count, 1))
            p.initialize(repeating: value)
            return p
        }
        x = doubles(n)
        for i in 0..<n { x[i] = Double(i) }
        s = doubles(n, 1)
        order = .allocate(capacity: Swift.max(n, 1))
        order.initialize(repeating: 0)
        xs = doubles(n)
        ss = doubles(n, 1)
        sPrevious = doubles(n, 1)
        band = doubles(n * bw, .nan)
        // Local fits: radius N / k (at least 1, at most N), max(N / radius, 1) windows (LocalCorrelationFitAverage).
        let k = Swift.max(localEstimates, 1)
        windowRadius = k < 2 ? Swift.max(n, 1) : Swift.max(1, Swift.min(n / k, n))
        windowCount = k < 2 ? 1 : Swift.max(n / windowRadius, 1)
        windowSums = doubles(windowCount * (r + 1))
        windowCounts = doubles(windowCount * (r + 1))
        curveStride = windowCount == 1 ? 0 : r + 1
        curves = doubles(windowCount == 1 ? r + 1 : n * (r + 1), .nan)
        curveLast = .allocate(capacity: Swift.max(n, 1))
        curveLast.initialize(repeating: 0)
        scaleC = doubles(n * bw)
        scaleCF = doubles(n * bw)
        votes = doubles(n)
        voteCounts = doubles(n)
        voteSquares = doubles(n)
    }

    deinit {
        for p in [c, x, s, xs, ss, sPrevious, band, windowSums, windowCounts, curves, scaleC, scaleCF, votes, voteCounts, voteSquares] {
            p.deallocate()
        }
        order.deallocate()
        curveLast.deallocate()
    }

    /// C(a, b) of the input matrix (input indices); NaN outside its band.
    @inline(__always)
    func entry(_ a: Int, _ b: Int) -> Double {
        let d = b - a
        if d < -mr || d > mr { return .nan }
        return c[a * mw + mr + d]
    }

    /// The curve row of sorted section i.
    @inline(__always)
    func curve(_ i: Int) -> UnsafeMutablePointer<Double> { curves.baseAddress! + i * curveStride }

    /// The last finite index of the curve of sorted section i.
    @inline(__always)
    func last(_ i: Int) -> Int { curveLast[curveStride == 0 ? 0 : i] }
}
