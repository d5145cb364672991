import ScopeKitCore
import ScopeKitIO

/// The banded similarity matrix of a serial-section stack: whole-section Pearson NCC for |i − j| ≤ range.
///
/// For each pair of sections at most `range` apart, the Pearson correlation over all pixels that are finite
/// in both sections, `(n·Σab − Σa·Σb) / √(n·Σa² − (Σa)²) / √(n·Σb² − (Σb)²)`. Sections are read one at a
/// time and kept in a ring of `range + 1`, so a file-backed stack never has more than `range + 1` sections
/// in memory; the pixel loop of every new section against its predecessors runs in parallel over fixed
/// 4096-pixel chunks, and partial sums are combined in chunk order (identical results for any thread count).
///
/// - Sections without NaN take a fast path: each is shifted by its mean once, its Σ and Σ² are kept, and
///   a pair costs one single-precision SIMD dot product summed in `Double` (relative error ~1e-7).
///   Sections with NaN pixels take a masked path (six joint sums in `Double` per pair).
/// - A constant section (zero variance) or one with fewer than two finite pixels has NaN similarity to
///   every other section; the inference then gets no information about it (see ``ZSpacing``).
/// - `xyScale < 1` first downsamples every section with a Gaussian-smoothed resampling (σ rule in
///   `SectionDownsampling`: blur `√((0.5/scale)² − 0.25)` px, then bilinear sampling), like the plugin's
///   "Scale xy before similarity calculation".
/// - `range` larger than N − 1 is clamped to N − 1.
///
/// ```swift
/// let file = try ImageIO.open(URL(fileURLWithPath: "sections/"))
/// let c = try SectionSimilarity.matrix(of: file, range: 10, xyScale: 0.5)
/// let c2 = try SectionSimilarity.matrix(of: stack)        // NDArray<Float> [N, rows, cols]
/// ```
///
/// Follows saalfeldlab/z-spacing 1.1.3 `ZPositionCorrection.invokeNCC` / `RealSumFloatNCC`; differs: NaN
/// pixels are skipped per pair (the plugin would propagate them), sections are mean-shifted before the
/// products instead of using compensated sums, and the result is clamped to [−1, 1].
///
/// - Complexity: O(N·R·P) for N sections of P pixels; memory O((R+1)·P).
public enum SectionSimilarity {
    /// The similarity matrix of an in-memory stack `[N, rows, cols]` (a 2-D image is one section).
    ///
    /// - Parameters:
    ///   - stack: the sections, slowest axis first.
    ///   - range: the band half-width R (≥ 1; clamped to N − 1).
    ///   - xyScale: downsampling factor in (0, 1] applied to rows and columns before comparing.
    ///   - progress: advanced once per section.
    /// - Throws: ``ScopeKitError/usage(_:)`` for a bad range or scale, ``ScopeKitError/badInput(_:file:)``
    ///   for an array that is not 2-D or 3-D.
    public static func matrix(of stack: NDArray<Float>, range: Int = 10, xyScale: Double = 1,
                              progress: WorkProgress? = nil) throws -> BandedMatrix {
        guard stack.rank == 2 || stack.rank == 3 else {
            throw ScopeKitError.badInput("a section stack must be 2-D or 3-D [sections, rows, cols], got shape \(stack.shape)")
        }
        let n = stack.frameCount
        return try band(count: n, range: range, xyScale: xyScale, progress: progress) { stack.frame($0) }
    }

    /// The similarity matrix of a stack read plane by plane from an opened file (never more than
    /// `range + 1` sections in memory).
    ///
    /// Planes are converted to `Float`; planes with samples (`[rows, cols, samples]`, RGB) are averaged over
    /// the samples. Every plane is read exactly once, in order.
    ///
    /// - Throws: the file's read errors, ``ScopeKitError/usage(_:)`` for a bad range or scale.
    public static func matrix(of file: any ImageFile, range: Int = 10, xyScale: Double = 1,
                              progress: WorkProgress? = nil) throws -> BandedMatrix {
        let n = file.info.planeCount
        return try band(count: n, range: range, xyScale: xyScale, progress: progress) { i in
            try grey(file.readPlane(i))
        }
    }

    /// A plane as a 2-D `Float` image (samples averaged).
    static func grey(_ plane: AnyArray) throws -> NDArray<Float> {
        let f = plane.asFloat32()
        switch f.rank {
        case 2: return f
        case 3:
            let rows = f.shape[0], cols = f.shape[1], samples = f.shape[2]
            return f.withUnsafeBufferPointer { p in
                NDArray<Float>(unsafeUninitializedShape: [rows, cols]) { out in
                    for k in 0..<(rows * cols) {
                        var s: Float = 0
                        for c in 0..<samples { s += p[k * samples + c] }
                        out[k] = s / Float(Swift.max(samples, 1))
                    }
                }
            }
        default:
            throw ScopeKitError.badInput("a section must be a 2-D image, got plane shape \(plane.shape)")
        }
    }

    /// Pixels per chunk of the parallel pair loop (fixed: results do not depend on the thread count).
    static let chunkSize = 4096

    /// The streaming engine: reads sections in order via `plane` and fills the band.
    static func band(count n: Int, range: Int, xyScale: Double, progress: WorkProgress?,
                     plane: (Int) throws -> NDArray<Float>) throws -> BandedMatrix {
        guard range >= 1 else { throw ScopeKitError.usage("similarity range must be ≥ 1, got \(range)") }
        guard xyScale > 0, xyScale <= 1, xyScale.isFinite else {
            throw ScopeKitError.usage("xy scale must be in (0, 1], got \(xyScale)")
        }
        var matrix = try BandedMatrix(count: n, range: range)
        let r = matrix.range
        guard n > 0 else { return matrix }
        var ring = [PreparedSection?](repeating: nil, count: r + 1)
        defer { for s in ring { s?.deallocate() } }
        var firstShape: [Int]? = nil
        for j in 0..<n {
            var section = try plane(j)
            guard section.rank == 2 else {
                throw ScopeKitError.badInput("section \(j) is not 2-D: shape \(section.shape)")
            }
            if let s = firstShape, s != section.shape {
                throw ScopeKitError.badInput("section \(j) has shape \(section.shape), section 0 has \(s)")
            }
            firstShape = section.shape
            if xyScale < 1 { section = SectionDownsampling.downsample(section, scale: xyScale) }
            let prepared = PreparedSection(section)
            ring[j % (r + 1)]?.deallocate()
            ring[j % (r + 1)] = prepared
            let previous = (1...Swift.max(r, 1)).compactMap { d -> (Int, PreparedSection)? in
                guard d <= r, j - d >= 0 else { return nil }
                return (d, ring[(j - d) % (r + 1)]!)
            }
            for (d, value) in pairSimilarities(prepared, previous, reversed: j % 2 == 1) {
                matrix[j - d, j] = value
            }
            progress?.advance()
        }
        return matrix
    }

    /// The NCC of `current` with each earlier section in `previous` (distance, section).
    ///
    /// Chunks are visited forwards or backwards (`reversed`, alternating per section) so that the pixels
    /// touched last by the previous section are still in cache; partial sums are stored per chunk and
    /// combined in chunk order, so the visiting order never changes the result.
    static func pairSimilarities(_ current: PreparedSection, _ previous: [(Int, PreparedSection)],
                                 reversed: Bool = false) -> [(Int, Double)] {
        let live = previous.filter { !$0.1.isDegenerate && !current.isDegenerate }
        var result = previous.map { ($0.0, Double.nan) }
        guard !live.isEmpty else { return result }
        let pixels = current.centred.count
        let chunks = (pixels + chunkSize - 1) / chunkSize
        let pairs = live.count
        // partial[c][p] = six sums (fast pairs use slot 5 only)
        let partial = UnsafeMutableBufferPointer<SIMD8<Double>>.allocate(capacity: Swift.max(chunks * pairs, 1))
        partial.initialize(repeating: SIMD8<Double>())
        defer { partial.deallocate() }
        let out = UncheckedSendable(partial)
        let a = UncheckedSendable(current.centred.baseAddress!)
        let others = UncheckedSendable(live.map { ($0.1.centred.baseAddress!, $0.1.isComplete && current.isComplete) })
        Parallel.forEach(0..<chunks) { visit in
            let c = reversed ? chunks - 1 - visit : visit
            let lo = c * chunkSize, hi = Swift.min(lo + chunkSize, pixels)
            for (p, (b, fast)) in others.value.enumerated() {
                if fast {
                    var v = SIMD8<Double>()
                    v[5] = DotKernels.dot(a.value, b, lo..<hi)
                    out.value[c * pairs + p] = v
                } else {
                    out.value[c * pairs + p] = DotKernels.maskedSums(a.value, b, lo..<hi)
                }
            }
        }
        for (p, (d, b)) in live.enumerated() {
            var total = SIMD8<Double>()
            for c in 0..<chunks { total += partial[c * pairs + p] }
            let value: Double
            if b.isComplete && current.isComplete {
                value = pearson(count: Double(pixels), sumA: b.sum, sumB: current.sum, sumAA: b.sumOfSquares,
                                sumBB: current.sumOfSquares, sumAB: total[5])
            } else {
                value = pearson(count: total[0], sumA: total[2], sumB: total[1], sumAA: total[4],
                                sumBB: total[3], sumAB: total[5])
            }
            if let k = result.firstIndex(where: { $0.0 == d }) { result[k].1 = value }
        }
        return result
    }
}
