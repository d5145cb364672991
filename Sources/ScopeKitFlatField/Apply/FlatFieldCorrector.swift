import Foundation
import ScopeKitCore
import ScopeKitIO

/// How profiles are applied.
public struct FlatFieldApplyOptions: Sendable, Equatable {
    /// Remove the per-image baseline B_n as BaSiCPy `transform(timelapse=…)` does: multiplicative
    /// `(I − D)/S − B_n`, additive `I − D − S·B_n`. `nil` (default): `(I − D)/S`. Image n is the n-th plane of
    /// the channel in tile order (tile 1 z 0, tile 1 z 1, …); a scalar baseline is used for every image.
    public var timelapse: BaSiC.TimelapseMode? = nil
    /// Subtract the stored baseline as the mesoSPIM task does: `y > b ? y − b : 0` after the correction, with b
    /// the scalar baseline or the median of a per-image one. Off by default: a BaSiC baseline is about the
    /// typical image mean, so subtracting it wipes out everything dimmer than that.
    public var subtractBaseline = false
    /// Write float32 instead of the input dtype (no rounding or clipping).
    public var float32Output = false

    public init(timelapse: BaSiC.TimelapseMode? = nil, subtractBaseline: Bool = false, float32Output: Bool = false) {
        self.timelapse = timelapse
        self.subtractBaseline = subtractBaseline
        self.float32Output = float32Output
    }
}

/// Applies profiles to planes of one shape: `(I − D)/S` (plus the time-lapse and baseline options), output in the
/// input dtype rounded to nearest and clipped to its range (NaN → 0), or float32.
///
/// Profiles of another shape than the planes are resampled once with the linear, mirrored-edge interpolation
/// BaSiCPy uses to bring its profiles back to full size (an anti-aliasing Gaussian first when shrinking; values
/// stay within the profile's range, so a positive flat-field stays positive — the task's cubic
/// `scipy.ndimage.zoom` can overshoot, and crashes on its float input). Follows BaSiCPy 1.2.0 `transform` and
/// the mesoSPIM task's `correct` (which truncates instead of rounding).
///
/// ```swift
/// let c = try FlatFieldCorrector(profiles: p, planeShape: [2048, 2048])
/// let out = try c.correct(plane, image: 0)      // AnyArray, same dtype as plane
/// ```
///
/// - Complexity: O(pixels) per plane, SIMD over pixels, parallel over rows.
public struct FlatFieldCorrector: Sendable {
    /// The profiles at ``planeShape``.
    public let flatfield: NDArray<Float>
    public let darkfield: NDArray<Float>
    /// The baseline, if stored.
    public let baseline: FlatFieldProfiles.Baseline?
    /// `[rows, columns]` of the planes corrected.
    public let planeShape: [Int]
    public let options: FlatFieldApplyOptions

    /// Prepares the profiles for planes of `planeShape`.
    ///
    /// - Throws: ``ScopeKitError/usage(_:)`` when a time-lapse mode or baseline subtraction is asked for but the
    ///   profiles have no baseline.
    public init(profiles: FlatFieldProfiles, planeShape: [Int], options: FlatFieldApplyOptions = FlatFieldApplyOptions()) throws {
        try profiles.validate()
        guard planeShape.count == 2, planeShape.allSatisfy({ $0 > 0 }) else {
            throw ScopeKitError.usage("planes must be 2-D, got \(planeShape)")
        }
        if options.timelapse != nil || options.subtractBaseline, profiles.baseline == nil {
            throw ScopeKitError.usage("the profiles have no baseline; time-lapse correction and baseline "
                                      + "subtraction need one")
        }
        func resampled(_ a: NDArray<Float>) -> NDArray<Float> {
            guard a.shape != planeShape else { return a }
            let out = BaSiC.resizeProfile(a.elements.map(Double.init), from: (a.shape[0], a.shape[1]),
                                          to: (planeShape[0], planeShape[1]))
            return NDArray(out, shape: planeShape)
        }
        flatfield = resampled(profiles.flatfield)
        darkfield = profiles.darkfield.map(resampled) ?? NDArray(repeating: 0, shape: planeShape)
        baseline = profiles.baseline
        self.planeShape = planeShape
        self.options = options
    }

    /// The baseline B_n of image `n` for the time-lapse modes.
    func baselineValue(image n: Int) throws -> Float {
        switch baseline {
        case let .scalar(v)?: return Float(v)
        case let .perImage(v)?:
            guard n >= 0, n < v.count else {
                throw ScopeKitError.badInput("the baseline has \(v.count) values; image \(n + 1) has none "
                                             + "(time-lapse needs one value per plane of the channel)")
            }
            return v[n]
        case nil: return 0
        }
    }

    /// The output dtype for input `dtype`.
    public func outputType(for dtype: DType) -> DType { options.float32Output ? .float32 : dtype }

    /// Corrects one plane `[rows, columns]` (image `image` of the channel, for the time-lapse baseline).
    ///
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` for a plane of another shape or an unsupported dtype.
    public func correct(_ plane: AnyArray, image: Int = 0) throws -> AnyArray {
        guard plane.shape == planeShape else {
            throw ScopeKitError.badInput("plane has shape \(plane.shape), the profiles \(planeShape)")
        }
        return try correct(planes: plane, count: 1, firstImage: image)
    }

    /// Corrects `count` consecutive planes stored in `planes` (shape `[count] + planeShape` or one plane) into a
    /// new array of the output dtype with the same shape.
    ///
    /// When the output dtype equals the input dtype and the caller does not need the input afterwards,
    /// ``correctInPlace(planes:count:firstImage:)`` gives the same result without allocating a second array.
    public func correct(planes: AnyArray, count: Int, firstImage: Int) throws -> AnyArray {
        let job = try makeJob(planes, count: count, firstImage: firstImage)
        let f32 = options.float32Output
        switch planes {
        case let .uint16(a): return f32 ? .float32(job.run(a, Float.self)) : .uint16(job.run(a, UInt16.self))
        case let .uint8(a): return f32 ? .float32(job.run(a, Float.self)) : .uint8(job.run(a, UInt8.self))
        case let .int8(a): return f32 ? .float32(job.run(a, Float.self)) : .int8(job.run(a, Int8.self))
        case let .int16(a): return f32 ? .float32(job.run(a, Float.self)) : .int16(job.run(a, Int16.self))
        case let .uint32(a): return f32 ? .float32(job.run(a, Float.self)) : .uint32(job.run(a, UInt32.self))
        case let .int32(a): return f32 ? .float32(job.run(a, Float.self)) : .int32(job.run(a, Int32.self))
        case let .float32(a): return .float32(job.run(a, Float.self))
        case let .float64(a): return f32 ? .float32(job.run(a, Float.self)) : .float64(job.run(a, Double.self))
        default:
            throw ScopeKitError.badInput("flat-field correction does not handle \(planes.dtype) images")
        }
    }

    /// Corrects `count` consecutive planes stored in `planes` in place, when the output dtype is the input dtype.
    ///
    /// The result is bit-identical to ``correct(planes:count:firstImage:)``, but no output array is allocated and
    /// every pixel is read and written in the same cache line, so the memory traffic is that of a copy (no page
    /// faults and zeroing of a fresh array, no read-for-ownership of its lines). The storage is modified without
    /// a copy when `planes` holds the only reference to it (as an array just read from a file does); otherwise it
    /// is copied once first (copy-on-write), and other holders keep the original values.
    ///
    /// ```swift
    /// var planes = try reader.read()                    // uint16 [z, rows, columns]
    /// try c.correctInPlace(planes: &planes, count: planes.shape[0], firstImage: 0)
    /// ```
    ///
    /// - Parameters:
    ///   - planes: the planes, shape `[count] + planeShape` or one plane; on return, their corrected values.
    ///   - count: the number of planes.
    ///   - firstImage: the index of the first plane in the channel (for the time-lapse baseline).
    /// - Throws: ``ScopeKitError/usage(_:)`` when the options ask for float32 output and `planes` is not float32
    ///   (`planes` is then unchanged); ``ScopeKitError/badInput(_:file:)`` as ``correct(planes:count:firstImage:)``.
    /// - Complexity: O(pixels), SIMD over pixels, parallel over rows; results identical for any thread count.
    public func correctInPlace(planes: inout AnyArray, count: Int, firstImage: Int) throws {
        guard outputType(for: planes.dtype) == planes.dtype else {
            throw ScopeKitError.usage("in-place correction needs the output dtype of the input (\(planes.dtype)), "
                                      + "float32 output was asked for")
        }
        let job = try makeJob(planes, count: count, firstImage: firstImage)
        /// Moves the payload out of `planes` (leaving a placeholder, so the local holds the only reference and
        /// no copy is made), corrects it, and puts it back. Binding it in a `switch` pattern instead would keep a
        /// second reference alive during the call and force a copy.
        func inPlace<T: FlatFieldInput & FlatFieldOutput>(_: T.Type) {
            var a = planes.typed(as: T.self)!
            planes = .uint8(NDArray<UInt8>(zeros: [0]))
            job.runInPlace(&a)
            planes = AnyArray(a)
        }
        switch planes.dtype {
        case .uint16: inPlace(UInt16.self)
        case .uint8: inPlace(UInt8.self)
        case .int8: inPlace(Int8.self)
        case .int16: inPlace(Int16.self)
        case .uint32: inPlace(UInt32.self)
        case .int32: inPlace(Int32.self)
        case .float32: inPlace(Float.self)
        case .float64: inPlace(Double.self)
        default:
            throw ScopeKitError.badInput("flat-field correction does not handle \(planes.dtype) images")
        }
    }

    /// Checks the shape of `planes` and gathers the per-plane constants of one call.
    func makeJob(_ planes: AnyArray, count: Int, firstImage: Int) throws -> Job {
        guard count >= 1, planes.count == count * planeShape[0] * planeShape[1],
              Array(planes.shape.suffix(2)) == planeShape else {
            throw ScopeKitError.badInput("\(count) planes of \(planeShape) do not match an array of shape \(planes.shape)")
        }
        var offsets: [Float] = [], darks: [NDArray<Float>?] = []
        for k in 0..<count {
            let b = try options.timelapse == nil ? 0 : baselineValue(image: firstImage + k)
            switch options.timelapse {
            case .additive?:
                offsets.append(0)
                let d = NDArray<Float>(unsafeUninitializedShape: planeShape) { o in
                    darkfield.withUnsafeBufferPointer { dp in flatfield.withUnsafeBufferPointer { fp in
                        for i in o.indices { o[i] = dp[i] + fp[i] * b }
                    } }
                }
                darks.append(d)
            case .multiplicative?: offsets.append(b); darks.append(nil)
            case nil: offsets.append(0); darks.append(nil)
            }
        }
        let subtract = options.subtractBaseline ? Float(baseline?.subtractionValue ?? 0) : nil
        return Job(corrector: self, offsets: offsets, darks: darks, subtract: subtract, count: count)
    }

    /// One call's constants, dispatched once per dtype pair.
    struct Job {
        let corrector: FlatFieldCorrector
        let offsets: [Float]
        /// Per-plane dark-fields (additive time-lapse: D + S·B_n), else the corrector's.
        let darks: [NDArray<Float>?]
        let subtract: Float?
        let count: Int

        /// Pixels per block of the shared-profile path: the block's dark- and flat-field (32 KiB) stay in cache
        /// while every plane passes over it, so the profiles are read from memory once per call, not once per plane.
        static let block = 16384

        /// Calls `kernel(k, lo, n, dark, flat)` for pixels `lo..<lo + n` of every plane k, with that plane's
        /// profiles (already advanced to `lo`), each pixel of each plane exactly once, in parallel over rows.
        ///
        /// Shared profiles (one dark-field for every plane): row chunks, then pixel blocks, then planes. Per-plane
        /// dark-fields (additive time-lapse, whose flat-field is 1): plane by plane, row chunks in parallel.
        func forEachBlock(_ kernel: (_ k: Int, _ lo: Int, _ n: Int, _ dark: UnsafePointer<Float>,
                                     _ flat: UnsafePointer<Float>) -> Void) {
            let rows = corrector.planeShape[0], cols = corrector.planeShape[1], count = self.count
            let chunk = Swift.max(1, 16384 / cols)
            if darks.allSatisfy({ $0 == nil }) {
                corrector.flatfield.withUnsafeBufferPointer { fp in
                    corrector.darkfield.withUnsafeBufferPointer { dp in
                        let dv = UncheckedSendable(dp.baseAddress!), fv = UncheckedSendable(fp.baseAddress!)
                        Parallel.forEachChunk(0..<rows, minimumChunk: chunk) { r in
                            var lo = r.lowerBound * cols
                            let end = r.upperBound * cols
                            while lo < end {
                                let n = Swift.min(Job.block, end - lo)
                                for k in 0..<count { kernel(k, lo, n, dv.value + lo, fv.value + lo) }
                                lo += n
                            }
                        }
                    }
                }
                return
            }
            // The additive mode divides by 1: its S·B_n is in the dark-field.
            let flat = NDArray<Float>(repeating: 1, shape: corrector.planeShape)
            flat.withUnsafeBufferPointer { fp in
                for k in 0..<count {
                    (darks[k] ?? corrector.darkfield).withUnsafeBufferPointer { dp in
                        let dv = UncheckedSendable(dp.baseAddress!), fv = UncheckedSendable(fp.baseAddress!)
                        Parallel.forEachChunk(0..<rows, minimumChunk: chunk) { r in
                            let lo = r.lowerBound * cols
                            kernel(k, lo, r.count * cols, dv.value + lo, fv.value + lo)
                        }
                    }
                }
            }
        }

        /// The planes of `a` corrected into a new array of element type `O`.
        func run<I: FlatFieldInput, O: FlatFieldOutput>(_ a: NDArray<I>, _ type: O.Type) -> NDArray<O> {
            let p = corrector.planeShape[0] * corrector.planeShape[1]
            let offsets = self.offsets, subtract = self.subtract
            return a.withUnsafeBufferPointer { src in
                NDArray<O>(unsafeUninitializedShape: a.shape) { dst in
                    let s = src.baseAddress!, d = dst.baseAddress!
                    forEachBlock { k, lo, n, dark, flat in
                        flatFieldCorrect(s + k * p + lo, d + k * p + lo, dark: dark, flat: flat, count: n,
                                         offset: offsets[k], subtract: subtract)
                    }
                }
            }
        }

        /// The planes of `a` corrected in place (copied first only if its storage is shared).
        func runInPlace<T: FlatFieldInput & FlatFieldOutput>(_ a: inout NDArray<T>) {
            let p = corrector.planeShape[0] * corrector.planeShape[1]
            let offsets = self.offsets, subtract = self.subtract
            a.withUnsafeMutableBufferPointer { buf in
                let b = buf.baseAddress!
                forEachBlock { k, lo, n, dark, flat in
                    flatFieldCorrectInPlace(b + k * p + lo, dark: dark, flat: flat, count: n, offset: offsets[k],
                                            subtract: subtract)
                }
            }
        }
    }
}
