import ScopeKitCore
import ScopeKitIO

/// Re-renders a section stack on a uniform z grid from corrected positions (linear blend in z).
///
/// Output slice z (0 … (N−1)·u) samples the corrected coordinate y = z / u: with t = LUT⁻¹(y) the fractional
/// rank where the sorted positions reach y, the slice is `(1 − (t − a))·S[perm[a]] + (t − a)·S[perm[b]]`,
/// a = ⌊t⌋, b = ⌈t⌉, per pixel. With u = 1, y outside the positions' range is clamped to the first/last
/// section; with u > 1 such slices are NaN. The z voxel size of the output is the input's divided by u; x and
/// y are unchanged.
///
/// ```swift
/// let result = try ZSpacing.estimatePositions(from: matrix)
/// let corrected = try ZSpacingRenderer.render(stack, result: result, upsample: 2)   // 2N − 1 slices
/// try ZSpacingRenderer.render(file, result: result) { z, slice in try writer.append(slice) }  // streamed
/// ```
///
/// Follows saalfeldlab/z-spacing 1.1.3 `ZPositionCorrection.askRenderAsImgPlus` (LUT and permutation
/// transforms, n-linear interpolation); differs: the u > 1 grid is (N−1)·u + 1 slices ending exactly on the
/// last section.
///
/// - Complexity: O(slices · pixels); the streamed form holds at most two input sections.
public enum ZSpacingRenderer {
    /// One output slice: a blend of two input sections (input indices). `weight` is the share of `upper`.
    public struct Slice: Sendable, Equatable {
        /// The input section at ⌊t⌋.
        public var lower: Int
        /// The input section at ⌈t⌉ (equal to `lower` at integer t).
        public var upper: Int
        /// t − ⌊t⌋, the weight of `upper`.
        public var weight: Double
    }

    /// The number of output slices for N sections and upsampling u: (N − 1)·u + 1.
    public static func sliceCount(sections n: Int, upsample u: Int) -> Int { n == 0 ? 0 : (n - 1) * u + 1 }

    /// The sources of every output slice; `nil` for a NaN slice (outside the range with u > 1).
    ///
    /// - Throws: ``ScopeKitError/usage(_:)`` for u < 1, ``ScopeKitError/badInput(_:file:)`` for positions
    ///   that are not finite or not sorted.
    public static func plan(for result: ZSpacingResult, upsample u: Int = 1) throws -> [Slice?] {
        guard u >= 1 else { throw ScopeKitError.usage("z upsampling must be ≥ 1, got \(u)") }
        let sorted = result.sortedPositions, perm = result.backwardPermutation
        let n = sorted.count
        guard perm.count == n, Set(perm) == Set(0..<n) else {
            throw ScopeKitError.badInput("the permutation does not match the \(n) positions")
        }
        for i in 0..<n where !sorted[i].isFinite || (i > 0 && sorted[i] < sorted[i - 1]) {
            throw ScopeKitError.badInput("corrected positions must be finite and increasing (section rank \(i))")
        }
        guard n > 0 else { return [] }
        var slices: [Slice?] = []
        slices.reserveCapacity(sliceCount(sections: n, upsample: u))
        var hint = 0
        try sorted.withUnsafeBufferPointer { xs in
            for z in 0..<sliceCount(sections: n, upsample: u) {
                let y = Double(z) / Double(u)
                var t = Curve.inverseLUT(xs.baseAddress!, count: n, of: y, hint: &hint)
                if t.isNaN {
                    guard u == 1 else { slices.append(nil); continue }
                    t = y < xs[0] ? 0 : Double(n - 1)
                }
                guard t.isFinite else { throw ScopeKitError.badInput("cannot place slice \(z)") }
                let a = Int(t.rounded(.down)), b = Swift.min(Int(t.rounded(.up)), n - 1)
                slices.append(Slice(lower: perm[a], upper: perm[b], weight: b == a ? 0 : t - Double(a)))
            }
        }
        return slices
    }

    /// The calibration of the rendered stack: the z (first) axis scale divided by u.
    public static func calibration(from input: Calibration, upsample u: Int) -> Calibration {
        var c = input
        if !c.axes.isEmpty { c.axes[0].scale /= Double(Swift.max(u, 1)) }
        return c
    }

    /// Renders an in-memory stack `[N, rows, cols]` (or any `[N, …]`).
    ///
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` when the stack has a different number of sections than
    ///   the result, plus the errors of ``plan(for:upsample:)``.
    public static func render(_ stack: NDArray<Float>, result: ZSpacingResult, upsample u: Int = 1) throws -> NDArray<Float> {
        guard stack.rank >= 2, stack.shape[0] == result.count else {
            throw ScopeKitError.badInput("the stack has shape \(stack.shape), the result \(result.count) sections")
        }
        let slices = try plan(for: result, upsample: u)
        let plane = stack.count / Swift.max(stack.shape[0], 1)
        var out = stack.withUnsafeBufferPointer { src in
            NDArray<Float>(unsafeUninitializedShape: [slices.count] + Array(stack.shape.dropFirst())) { dst in
                let s = UncheckedSendable(src), d = UncheckedSendable(dst)
                Parallel.forEach(0..<slices.count) { z in
                    blend(slices[z], plane: plane, into: d.value.baseAddress! + z * plane) { s.value.baseAddress! + $0 * plane }
                }
            }
        }
        out.calibration = calibration(from: stack.calibration, upsample: u)
        out.metadata = stack.metadata
        return out
    }

    /// Renders a stack read plane by plane from a file, handing each output slice to `body` in order.
    ///
    /// Holds at most two input planes; each output slice is a fresh `NDArray<Float>` of the plane shape.
    ///
    /// - Parameters:
    ///   - file: the opened stack (its plane count must equal the result's section count).
    ///   - body: receives (slice index, slice).
    public static func render(_ file: any ImageFile, result: ZSpacingResult, upsample u: Int = 1,
                              progress: WorkProgress? = nil,
                              _ body: (Int, NDArray<Float>) throws -> Void) throws {
        guard file.info.planeCount == result.count else {
            throw ScopeKitError.badInput("the file has \(file.info.planeCount) planes, the result \(result.count) sections")
        }
        let slices = try plan(for: result, upsample: u)
        let shape = file.info.planeShape
        let plane = shape.reduce(1, *)
        var cache: [(Int, NDArray<Float>)] = []
        func section(_ i: Int) throws -> NDArray<Float> {
            if let hit = cache.first(where: { $0.0 == i }) { return hit.1 }
            let p = try file.readPlane(i).asFloat32()
            guard p.count == plane else { throw ScopeKitError.badInput("plane \(i) has shape \(p.shape), expected \(shape)") }
            cache.append((i, p))
            if cache.count > 2 { cache.removeFirst() }
            return p
        }
        for (z, slice) in slices.enumerated() {
            var a: NDArray<Float>? = nil, b: NDArray<Float>? = nil
            if let slice {
                a = try section(slice.lower)
                b = try section(slice.upper)
            }
            let out = NDArray<Float>(unsafeUninitializedShape: shape) { dst in
                let pa = a, pb = b
                withOptionalPointers(pa, pb) { lower, upper in
                    blend(slice, plane: plane, into: dst.baseAddress!) { $0 == slice?.lower ? lower! : upper! }
                }
            }
            try body(z, out)
            progress?.advance()
        }
    }

    /// Writes one blended slice (`nil` → NaN).
    static func blend(_ slice: Slice?, plane: Int, into dst: UnsafeMutablePointer<Float>,
                      source: (Int) -> UnsafePointer<Float>) {
        guard let slice else {
            dst.update(repeating: .nan, count: plane)
            return
        }
        let a = source(slice.lower)
        if slice.weight == 0 || slice.lower == slice.upper {
            dst.update(from: a, count: plane)
            return
        }
        let b = source(slice.upper)
        let wb = Float(slice.weight), wa = Float(1 - slice.weight)
        for k in 0..<plane { dst[k] = wa * a[k] + wb * b[k] }
    }

    private static func withOptionalPointers(_ a: NDArray<Float>?, _ b: NDArray<Float>?,
                                             _ body: (UnsafePointer<Float>?, UnsafePointer<Float>?) -> Void) {
        func with(_ x: NDArray<Float>?, _ f: (UnsafePointer<Float>?) -> Void) {
            if let x { x.withUnsafeBufferPointer { f($0.baseAddress) } } else { f(nil) }
        }
        with(a) { pa in with(b) { pb in body(pa, pb) } }
    }
}
