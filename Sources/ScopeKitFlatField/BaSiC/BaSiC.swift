import ScopeKitCore
import ScopeKitFourier
import ScopeKitFlatFieldKernels

/// Images fed to a BaSiC fit one at a time, so a dataset never has to be in memory at full resolution.
///
/// Only the working-size copy of every image is kept (T × 128² floats by default).
///
/// ```swift
/// struct Tiles: BaSiCFrameSource {
///     let urls: [URL]
///     var frameCount: Int { urls.count }
///     var frameShape: [Int] { [2048, 2048] }
///     func frame(_ i: Int) throws -> NDArray<Float> { try ImageIO.read(urls[i]).asFloat32() }
/// }
/// let profiles = try BaSiC.fit(source: Tiles(urls: urls))
/// ```
public protocol BaSiCFrameSource {
    /// The number of images T.
    var frameCount: Int { get }
    /// The shape every image must have: [rows, columns], or [planes, rows, columns] for z-stacks (a
    /// (T, Z, Y, X) fit, LADMAP only).
    var frameShape: [Int] { get }
    /// Image `index` (0 ≤ index < frameCount), shape ``frameShape``.
    func frame(_ index: Int) throws -> NDArray<Float>
    /// Image `index` in its stored number type: uint8 and uint16 images are resized to the working size
    /// without a float copy at full resolution. Default: ``frame(_:)``.
    func frameData(_ index: Int) throws -> AnyArray
    /// Whether ``frame(_:)`` / ``frameData(_:)`` may be called from several threads at once, so the fit reads
    /// and resizes images on ``BaSiC/Parameters/maxWorkers`` threads. Default: false (one image at a time).
    var allowsConcurrentReads: Bool { get }
}

extension BaSiCFrameSource {
    public func frameData(_ index: Int) throws -> AnyArray { AnyArray(try frame(index)) }
    public var allowsConcurrentReads: Bool { false }
}

/// The BaSiC shading model (Peng et al., *Nat. Commun.* 8:14836, 2017) as implemented by BaSiCPy 1.2.0.
///
/// Each image n is modelled as `I_n = B_n·S + D + E_n` with a smooth flat-field S (sparse in the DCT
/// domain), an optional dark-field D, a per-image baseline B_n and a sparse residual E_n (the sample). The
/// fit resizes the images to a working size (128² by default), alternates an inner ADMM solve (LADMAP or the
/// original "approximate" scheme) with a reweighting of the residual, and resizes the profiles back.
///
/// ```swift
/// let profiles = try BaSiC.fit(images: tiles)            // tiles: NDArray<Float> [T, Y, X]
/// let flat = profiles.flatfield                          // [Y, X], mean ≈ 1
/// let corrected = try BaSiC.transform(tiles, profiles: profiles)
/// ```
///
/// Follows BaSiCPy 1.2.0 `BaSiC.fit` / `transform` (parameters, defaults, automatic λ of the approximate
/// mode, resizing with `jax.image.resize` and `skimage.transform.resize`). Differences: sums are in double
/// precision where BaSiCPy uses float32; the spectral norm is computed by power iteration; `max_workers` is
/// honoured. 4-D (T, Z, Y, X) stacks are fitted as BaSiCPy 1.2.0 fits them: LADMAP only, the working size
/// applies to Y and X (Z is kept), the DCT is 3-D over (Z, Y, X), autosegment erodes with a 3-D ball, and the
/// profiles have shape [Z, Y, X].
///
/// - Complexity: O(T·P) per inner iteration for P working-size pixels (one or two fused passes), plus two
///   O(P log P) DCTs; resizing costs O(T·Y·X). Memory: five T·P float buffers.
public enum BaSiC {
    /// Fits flat-field, dark-field (if ``Parameters/getDarkfield``) and baseline to a stack of images.
    ///
    /// - Parameters:
    ///   - images: [T, Y, X] float32 images (T tiles or time points of one channel), or [T, Z, Y, X] z-stacks
    ///     (LADMAP only, as in BaSiCPy 1.2.0).
    ///   - fittingWeight: optional relative weight per pixel, same shape as `images` (BaSiCPy
    ///     `fitting_weight`): resized like the images and min-max normalised to [0, 1] (all-equal weights
    ///     count as 1).
    ///   - parameters: the BaSiCPy 1.2.0 parameters (defaults: ladmap, 128², flat-field only).
    /// - Returns: the profiles at the images' frame shape ([Y, X] or [Z, Y, X]) and the baseline of length T.
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` for a rank other than 3 or 4, an empty stack, NaN or
    ///   infinite values, all-zero images or a fit whose flat-field vanishes; ``ScopeKitError/usage(_:)`` for
    ///   bad parameters or a 4-D stack in the approximate mode.
    public static func fit(images: NDArray<Float>, fittingWeight: NDArray<Float>? = nil,
                           parameters: Parameters = Parameters()) throws -> BaSiCProfiles {
        try parameters.validate()
        guard images.rank == 3 || images.rank == 4 else {
            throw ScopeKitError.badInput("BaSiC: expected images of shape [T, Y, X] or [T, Z, Y, X], got \(images.shape)")
        }
        try checkDepth(images.rank == 4 ? images.shape[1] : 1, parameters)
        guard images.shape.allSatisfy({ $0 > 0 }) else {
            throw ScopeKitError.badInput("BaSiC: empty image stack \(images.shape)")
        }
        let stack = try workingStack(images, parameters: parameters, label: "images")
        var weights: FloatBuffer? = nil
        if let fw = fittingWeight {
            guard fw.shape == images.shape else {
                throw ScopeKitError.badInput("BaSiC: fitting weights have shape \(fw.shape), images \(images.shape)")
            }
            let w = try workingStack(fw, parameters: parameters, label: "fitting weights")
            let s = w.summary(workers: parameters.workers)
            let span = Float(s.maximum - s.minimum)
            for i in 0..<w.data.count {
                w.data.pointer[i] = span > 0 ? (w.data.pointer[i] - Float(s.minimum)) / span : 1
            }
            weights = w.data
        }
        return try fitWorking(stack, fitWeights: weights, frameShape: Array(images.shape.dropFirst()),
                              parameters: parameters)
    }

    /// Fits the BaSiC model to images read one at a time from `source` (see ``BaSiCFrameSource``).
    ///
    /// Same results as ``fit(images:fittingWeight:parameters:)`` on the stacked images.
    public static func fit(source: some BaSiCFrameSource, parameters: Parameters = Parameters()) throws
        -> BaSiCProfiles {
        try parameters.validate()
        let shape = source.frameShape
        guard shape.count == 2 || shape.count == 3, shape.allSatisfy({ $0 > 0 }), source.frameCount > 0 else {
            throw ScopeKitError.badInput("BaSiC: a source needs ≥ 1 image of shape [Y, X] or [Z, Y, X], got "
                                         + "\(source.frameCount) of \(shape)")
        }
        let depth = shape.count == 3 ? shape[0] : 1
        try checkDepth(depth, parameters)
        let (rows, columns) = (shape[shape.count - 2], shape[shape.count - 1])
        let (wr, wc) = parameters.workingSize.map { ($0.rows, $0.columns) } ?? (rows, columns)
        let stack = WorkingStack(frames: source.frameCount, depth: depth, rows: wr, columns: wc)
        let plan = Resampler2D.toWorkingSize(from: (rows, columns), to: (wr, wc))
        let identity = (wr, wc) == (rows, columns)
        let t = source.frameCount
        let workers = source.allowsConcurrentReads ? parameters.workers : 1
        // Images are read and resized independently (results do not depend on the worker count); the first
        // failing image (lowest index) is reported.
        var errors = [Error?](repeating: nil, count: t)
        let dst = UncheckedSendable(stack.data.pointer)
        errors.withUnsafeMutableBufferPointer { ep in
            let errs = UncheckedSendable(ep.baseAddress!)
            BaSiCParallel.run(t, workers: workers, scratchCount: identity ? 0 : plan.scratchCount) { i, scratch in
                do {
                    let frame = try source.frameData(i)
                    guard frame.shape == shape else {
                        throw ScopeKitError.badInput("BaSiC: image \(i) has shape \(frame.shape), expected \(shape)")
                    }
                    let ok = resize(frame, planes: depth, plan: plan, identity: identity,
                                    into: dst.value + i * depth * wr * wc, scratch: scratch)
                    guard ok else {
                        throw ScopeKitError.badInput("BaSiC: image \(i) contains NaN or infinite values")
                    }
                } catch {
                    errs.value[i] = error
                }
            }
        }
        if let e = errors.first(where: { $0 != nil }) { throw e! }
        return try fitWorking(stack, fitWeights: nil, frameShape: shape, parameters: parameters)
    }

    /// Re-estimates only the per-image baseline with the flat-field and dark-field fixed (BaSiCPy 1.2.0's
    /// `fit_baseline` rounds, run after a `sort_intensity` fit; 2.0 `fit_only_baseline`).
    ///
    /// The images are resized to the working size; profiles of the images' frame shape are resized to it too
    /// (profiles already at the working size are used as they are). Runs
    /// ``Parameters/maxReweightIterationsBaseline`` reweighting rounds starting from uniform weights.
    ///
    /// ```swift
    /// let b = try BaSiC.fitBaseline(images: movie, flatfield: p.flatfield, darkfield: p.darkfield)
    /// ```
    ///
    /// - Returns: the baseline, shape [T].
    public static func fitBaseline(images: NDArray<Float>, flatfield: NDArray<Float>,
                                   darkfield: NDArray<Float>? = nil,
                                   parameters: Parameters = Parameters()) throws -> NDArray<Float> {
        try parameters.validate()
        guard images.rank == 3 || images.rank == 4, images.shape.allSatisfy({ $0 > 0 }) else {
            throw ScopeKitError.badInput("BaSiC: expected images of shape [T, Y, X] or [T, Z, Y, X], got \(images.shape)")
        }
        try checkDepth(images.rank == 4 ? images.shape[1] : 1, parameters)
        let stack = try workingStack(images, parameters: parameters, label: "images")
        let working = (images.rank == 4 ? [stack.depth] : []) + [stack.rows, stack.columns]
        func profile(_ a: NDArray<Float>, _ name: String) throws -> [Double] {
            if a.shape == working { return a.elements.map(Double.init) }
            guard a.shape == Array(images.shape.dropFirst()) else {
                throw ScopeKitError.badInput("BaSiC: \(name) has shape \(a.shape); expected \(working) or "
                                             + "\(Array(images.shape.dropFirst()))")
            }
            let s = try workingStack(a.reshaped([1] + a.shape), parameters: parameters, label: name)
            return (0..<s.pixels).map { Double(s.data.pointer[$0]) }
        }
        let flat = try profile(flatfield, "flat-field")
        let dark = try darkfield.map { try profile($0, "dark-field") }
            ?? [Double](repeating: 0, count: stack.pixels)
        guard flat.allSatisfy({ $0.isFinite }), dark.allSatisfy({ $0.isFinite }),
              flat.contains(where: { $0 != 0 }) else {
            throw ScopeKitError.badInput("BaSiC: the flat-field must be finite and not all zero")
        }
        let summary = stack.summary(workers: parameters.workers)
        guard summary.maximum != 0 || summary.minimum != 0 else {
            throw ScopeKitError.badInput("BaSiC: every image is zero; there is no baseline to fit")
        }
        let solver = BaSiCSolver(stack: stack, parameters: parameters)
        try configure(solver, summary: summary)
        solver.weights.fill(1)
        var baseline = [Double](repeating: 1, count: stack.frames)
        let rule: BaSiCSolver.WeightRule = parameters.fittingMode == .ladmap ? .ladmap : .approximateBaseline
        for _ in 0..<parameters.maxReweightIterationsBaseline {
            baseline = parameters.fittingMode == .ladmap
                ? [Double](repeating: 1, count: stack.frames) : frameMeans(stack)
            _ = solver.fitBaseline(flat: flat, dark: dark, baseline: &baseline)
            solver.updateWeights(rule: rule, flat: flat, dark: dark, baseline: baseline, fitWeights: nil)
        }
        return NDArray<Float>(baseline.map { Float($0) }, shape: [stack.frames])
    }

    /// How ``transform(_:profiles:timelapse:)`` treats the baseline (BaSiCPy `timelapse`).
    public enum TimelapseMode: String, Sendable {
        /// `(I − D)/S − B_n` (BaSiCPy `timelapse=True` / `"multiplicative"`).
        case multiplicative
        /// `I − D − S·B_n` (BaSiCPy `"additive"`).
        case additive
    }

    /// Applies profiles to images: `(I − D)/S`, or with a time-lapse baseline removed.
    ///
    /// Matches BaSiCPy 1.2.0 `BaSiC.transform` (float32 result; a zero flat-field pixel gives ±∞ or NaN
    /// there, as in BaSiCPy).
    ///
    /// - Parameters:
    ///   - images: [T] + the profiles' shape ([T, Y, X], or [T, Z, Y, X] for z-stack profiles), or one image of
    ///     the profiles' shape without timelapse.
    ///   - timelapse: `nil` (default) ignores the baseline; otherwise the baseline must have length T.
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` for mismatched shapes.
    /// - Complexity: O(T·Y·X), parallel over images.
    public static func transform(_ images: NDArray<Float>, profiles: BaSiCProfiles,
                                 timelapse: TimelapseMode? = nil) throws -> NDArray<Float> {
        let frameShape = profiles.flatfield.shape
        let single = images.shape == frameShape
        guard frameShape.count == 2 || frameShape.count == 3, profiles.darkfield.shape == frameShape,
              images.shape.count == frameShape.count + 1 && Array(images.shape.dropFirst()) == frameShape
                || (single && timelapse == nil) else {
            throw ScopeKitError.badInput("BaSiC: images \(images.shape) do not match profiles "
                                         + "\(profiles.flatfield.shape) / \(profiles.darkfield.shape)")
        }
        let t = single ? 1 : images.shape[0]
        if timelapse != nil, profiles.baseline.count != t {
            throw ScopeKitError.badInput("BaSiC: baseline has \(profiles.baseline.count) values for \(t) images")
        }
        let n = frameShape.reduce(1, *)
        let flat = profiles.flatfield.elements, dark = profiles.darkfield.elements
        let base = profiles.baseline.elements
        return images.withUnsafeBufferPointer { src in
            let s = UncheckedSendable(src.baseAddress!)
            return NDArray<Float>(unsafeUninitializedShape: images.shape) { out in
                let o = UncheckedSendable(out.baseAddress!)
                Parallel.forEach(0..<t) { f in
                    let off = f * n
                    switch timelapse {
                    case nil:
                        for x in 0..<n { o.value[off + x] = (s.value[off + x] - dark[x]) / flat[x] }
                    case .multiplicative:
                        for x in 0..<n { o.value[off + x] = (s.value[off + x] - dark[x]) / flat[x] - base[f] }
                    case .additive:
                        for x in 0..<n { o.value[off + x] = s.value[off + x] - dark[x] - flat[x] * base[f] }
                    }
                }
            }
        }
    }

    // MARK: - Internals

    /// The images resized to the working size (BaSiCPy `_resize_to_working_size`), checked for NaN/∞.
    static func workingStack(_ images: NDArray<Float>, parameters: Parameters, label: String) throws
        -> WorkingStack {
        let t = images.shape[0]
        let depth = images.rank == 4 ? images.shape[1] : 1
        let (rows, columns) = (images.shape[images.rank - 2], images.shape[images.rank - 1])
        let ws = parameters.workingSize
        let (wr, wc) = ws.map { ($0.rows, $0.columns) } ?? (rows, columns)
        let stack = WorkingStack(frames: t, depth: depth, rows: wr, columns: wc)
        let plan = Resampler2D.toWorkingSize(from: (rows, columns), to: (wr, wc))
        let identity = (wr, wc) == (rows, columns)
        // NaN/∞ are looked for in the working-size image when the resize carries them there (one pass less
        // over the full-size input), else in the input.
        let checkOutput = identity || plan.propagatesNonFinite
        var bad = [Bool](repeating: false, count: t)
        images.withUnsafeBufferPointer { src in
            let s = UncheckedSendable(src.baseAddress!)
            let dst = UncheckedSendable(stack.data.pointer)
            bad.withUnsafeMutableBufferPointer { badp in
                let bp = UncheckedSendable(badp.baseAddress!)
                // One task per image plane (Z planes of a z-stack are resized independently, as jax does).
                BaSiCParallel.run(t * depth, workers: parameters.workers,
                                  scratchCount: identity ? 0 : plan.scratchCount) { plane, scratch in
                    let frame = s.value + plane * rows * columns
                    guard checkOutput || allFinite(UnsafeBufferPointer(start: frame, count: rows * columns)) else {
                        bp.value[plane / depth] = true
                        return
                    }
                    resize(frame, plan: plan, identity: identity, into: dst.value + plane * wr * wc,
                           scratch: scratch)
                    if checkOutput && !allFinite(UnsafeBufferPointer(start: dst.value + plane * wr * wc,
                                                                     count: wr * wc)) {
                        bp.value[plane / depth] = true
                    }
                }
            }
        }
        if let f = bad.firstIndex(of: true) {
            throw ScopeKitError.badInput("BaSiC: \(label) \(f) contains NaN or infinite values")
        }
        return stack
    }

    static func resize(_ src: UnsafePointer<Float>, plan: Resampler2D, identity: Bool,
                       into dst: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>?) {
        if identity {
            dst.update(from: src, count: plan.outputCount)
        } else {
            plan.apply(src, into: dst, scratch: scratch!)
        }
    }

    /// Resizes the `planes` planes of one image of any number type into `dst`; false if a float image holds
    /// NaN or ∞. uint8 and uint16 are resampled directly, other types through a float32 copy.
    static func resize(_ frame: AnyArray, planes: Int, plan: Resampler2D, identity: Bool,
                       into dst: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>?) -> Bool {
        let (inCount, outCount) = (plan.inputCount, plan.outputCount)
        func integer<T: BaSiCSample & BinaryInteger>(_ a: NDArray<T>) -> Bool {
            a.withUnsafeBufferPointer { p in
                for z in 0..<planes {
                    if identity {
                        for i in 0..<outCount { dst[z * outCount + i] = Float(p[z * inCount + i]) }
                    } else {
                        plan.apply(p.baseAddress! + z * inCount, into: dst + z * outCount, scratch: scratch!)
                    }
                }
            }
            return true
        }
        switch frame {
        case .uint8(let a): return integer(a)
        case .uint16(let a): return integer(a)
        default:
            let f = frame.asFloat32()
            let checkOutput = identity || plan.propagatesNonFinite
            return f.withUnsafeBufferPointer { p in
                guard checkOutput || allFinite(p) else { return false }
                for z in 0..<planes {
                    resize(p.baseAddress! + z * inCount, plan: plan, identity: identity, into: dst + z * outCount,
                           scratch: scratch)
                }
                return !checkOutput || allFinite(UnsafeBufferPointer(start: dst, count: planes * outCount))
            }
        }
    }

    /// BaSiCPy 1.2.0 fits z-stacks with LADMAP only ("Only 2-dimensional images are accepted for the
    /// approximate mode").
    static func checkDepth(_ depth: Int, _ p: Parameters) throws {
        if depth > 1 && p.fittingMode == .approximate {
            throw ScopeKitError.usage("BaSiC: the approximate mode accepts only 2-D images (as BaSiCPy 1.2.0); "
                                      + "fit [T, Z, Y, X] z-stacks with ladmap")
        }
    }

    /// Whether every value is finite (vectorised: x − x is 0 for finite x and NaN otherwise).
    static func allFinite(_ p: UnsafeBufferPointer<Float>) -> Bool {
        var acc = SIMD8<Float>()
        var i = 0
        let n = p.count
        if let base = p.baseAddress {
            while i + 8 <= n {
                let v = SIMD8<Float>(unaligned: base + i)
                acc += v - v
                i += 8
            }
        }
        var tail: Float = 0
        while i < n { tail += p[i] - p[i]; i += 1 }
        return acc.sum() == 0 && tail == 0
    }

    static func frameMeans(_ stack: WorkingStack) -> [Double] {
        (0..<stack.frames).map { f in
            var s = 0.0
            for x in 0..<stack.pixels { s += Double(stack.data.pointer[f * stack.pixels + x]) }
            return s / Double(stack.pixels)
        }
    }

    /// Sets μ, the norms and λ (BaSiCPy `fit` before the reweighting loop).
    static func configure(_ solver: BaSiCSolver, summary: (norm: Double, minimum: Double, maximum: Double))
        throws {
        let p = solver.parameters
        let stack = solver.stack
        let sigma = stack.spectralNorm(workers: p.workers)
        guard sigma > 0, sigma.isFinite else {
            throw ScopeKitError.badInput("BaSiC: the images have no signal (spectral norm \(sigma))")
        }
        solver.initialMu = p.fittingMode == .approximate
            ? p.muCoefficient / sigma
            : p.muCoefficient / sigma / Double(stack.frames * stack.pixels)
        solver.maxMu = solver.initialMu * p.maxMuCoefficient
        solver.darkfieldMax = summary.minimum
        solver.imageNorm = summary.norm
        if p.fittingMode == .approximate {
            // λS = Σ|DCT(mean image / mean)| / 800 · smoothness_flatfield, λD = λS·smoothness_darkfield/2.5,
            // λsparse = λD · sparse_cost_darkfield · 100.
            let means = frameMeans(stack)
            var meanImage = [Double](repeating: 0, count: stack.pixels)
            for f in 0..<stack.frames {
                for x in 0..<stack.pixels { meanImage[x] += Double(stack.data.pointer[f * stack.pixels + x]) }
            }
            let total = means.reduce(0, +) / Double(stack.frames)
            for x in 0..<stack.pixels { meanImage[x] = meanImage[x] / Double(stack.frames) / total }
            solver.lambdaFlat = try solver.dct.absoluteSum(meanImage) / 800 * p.smoothnessFlatfield
            solver.lambdaDark = solver.lambdaFlat * p.smoothnessDarkfield / 2.5
            solver.lambdaSparse = solver.lambdaDark * p.sparseCostDarkfield * 100
        } else {
            solver.lambdaFlat = p.smoothnessFlatfield
            solver.lambdaDark = p.smoothnessDarkfield
            solver.lambdaSparse = p.sparseCostDarkfield
        }
    }

    /// The reweighting loop of BaSiCPy 1.2.0 `fit` on a working stack.
    static func fitWorking(_ stack: WorkingStack, fitWeights: FloatBuffer?, frameShape: [Int],
                           parameters p: Parameters) throws -> BaSiCProfiles {
        let workers = p.workers
        let summary = stack.summary(workers: workers)
        guard summary.maximum != 0 || summary.minimum != 0 else {
            throw ScopeKitError.badInput("BaSiC: every image is zero; there is no shading to fit")
        }
        let t = stack.frames, n = stack.pixels
        var ws = fitWeights
        if p.autosegment {
            let mask = try stack.autosegmentMask(margin: p.autosegmentMargin)
            let w = ws ?? { let b = FloatBuffer(count: t * n); b.fill(1); return b }()
            for i in 0..<(t * n) where !mask[i] { w.pointer[i] = 0 }
            ws = w
        }
        var unsorted: WorkingStack? = nil
        var unsortedWeights: FloatBuffer? = nil
        if p.sortIntensity {
            unsorted = stack.copy()
            if let w = ws {
                let c = FloatBuffer(count: w.count)
                c.pointer.update(from: w.pointer, count: w.count)
                unsortedWeights = c
            }
            stack.sortPixels(weights: ws, workers: workers)
        }
        let solver = BaSiCSolver(stack: stack, parameters: p)
        // Every solve starts from Y = 0, and I_R is read only by the weight update.
        solver.keepsMultiplier = false
        solver.defersFusedFinish = true
        try configure(solver, summary: summary)
        if let w = ws {
            solver.weights.pointer.update(from: w.pointer, count: w.count)
        } else {
            solver.weights.fill(1)
            solver.uniformWeights = true
        }
        var report = BaSiCFitReport()
        report.smoothnessFlatfield = solver.lambdaFlat
        report.smoothnessDarkfield = solver.lambdaDark
        report.sparseCostDarkfield = solver.lambdaSparse
        report.workingShape = (stack.depth > 1 ? [stack.depth] : []) + [stack.rows, stack.columns]

        var darkWeights = [Double](repeating: 1, count: n)
        let median = p.fittingMode == .ladmap ? stack.pixelMedian(workers: workers) : []
        var lastFlat: [Double]? = nil, lastDark: [Double]? = nil
        var flat = [Double](), dark = [Double](), baseline = [Double]()
        for round in 0..<p.maxReweightIterations {
            var st = BaSiCState(flat: p.fittingMode == .ladmap ? median : [Double](repeating: 0, count: n),
                                darkResidual: [Double](repeating: 0, count: n), darkOffset: 0,
                                baseline: [Double](repeating: 1, count: t))
            let (k, converged, score) = p.fittingMode == .ladmap
                ? try solver.ladmap(&st, darkWeights: darkWeights) : try solver.approximate(&st)
            report.innerIterations.append(k)
            report.converged = converged
            report.score = score
            guard let maxFlat = st.flat.max(), maxFlat != 0, maxFlat.isFinite else {
                throw ScopeKitError.badInput("BaSiC: the estimated flat-field is zero; "
                                             + "try a smaller smoothness_darkfield")
            }
            dark = p.fittingMode == .ladmap
                ? st.darkResidual.map { $0 + st.darkOffset }
                : (0..<n).map { st.darkResidual[$0] + st.darkOffset * (1 + st.flat[$0]) }
            let meanS = st.flat.reduce(0, +) / Double(n)
            flat = st.flat.map { $0 / meanS }
            baseline = st.baseline.map { $0 * meanS }
            var reweighted = false
            if let lf = lastFlat, let ld = lastDark {
                var num = 0.0, den = 0.0
                for x in 0..<n { num += abs(flat[x] - lf[x]); den += abs(lf[x]) }
                var score = num / den
                if p.getDarkfield {
                    var dn = 0.0, dd = 0.0
                    for x in 0..<n { dn += abs(dark[x] - ld[x]); dd += abs(ld[x]) }
                    score = Swift.max(score, dn / Swift.max(dd, 1))
                }
                report.reweightScore = score
                reweighted = score <= p.reweightingTolerance
                report.reweightingConverged = reweighted
            }
            // The weights (and the dark-field weights) only feed the next round, and the baseline re-fit when
            // sorting: after the last round they are not computed.
            if !(reweighted || round == p.maxReweightIterations - 1) || unsorted != nil {
                solver.updateWeights(rule: p.fittingMode == .ladmap ? .ladmap : .approximate, flat: flat,
                                     dark: dark, baseline: baseline, fitWeights: ws)
                if p.fittingMode == .ladmap {
                    var w = st.darkResidual.map { 1 / (abs(Double(Float($0))) + p.epsilon) }
                    let m = w.reduce(0, +) / Double(n)
                    for x in 0..<n { w[x] /= m }
                    darkWeights = w
                }
            }
            if reweighted { break }
            lastFlat = flat
            lastDark = dark
        }

        if let original = unsorted {
            // Re-estimate B on the unsorted images with S and D fixed (the weights carry over, as in 1.2.0).
            let baseSolver = BaSiCSolver(stack: original, parameters: p)
            baseSolver.initialMu = solver.initialMu
            baseSolver.maxMu = solver.maxMu
            baseSolver.imageNorm = solver.imageNorm
            baseSolver.darkfieldMax = solver.darkfieldMax
            baseSolver.weights.pointer.update(from: solver.weights.pointer, count: solver.weights.count)
            let rule: BaSiCSolver.WeightRule = p.fittingMode == .ladmap ? .ladmap : .approximateBaseline
            for _ in 0..<p.maxReweightIterationsBaseline {
                baseline = p.fittingMode == .ladmap ? [Double](repeating: 1, count: t) : frameMeans(original)
                _ = baseSolver.fitBaseline(flat: flat, dark: dark, baseline: &baseline)
                baseSolver.updateWeights(rule: rule, flat: flat, dark: dark, baseline: baseline,
                                         fitWeights: unsortedWeights)
            }
        }

        let working = (stack.rows, stack.columns)
        // Each z-plane is resized on its own (skimage keeps an axis whose size does not change).
        let target = (frameShape[frameShape.count - 2], frameShape[frameShape.count - 1])
        let plane = stack.rows * stack.columns
        // Written straight into the profile arrays: one full-size buffer per profile.
        func resized(_ p: [Double]) -> NDArray<Float> {
            NDArray<Float>(unsafeUninitializedShape: frameShape) { out in
                for z in 0..<stack.depth {
                    resizeProfile(Array(p[(z * plane)..<((z + 1) * plane)]), from: working, to: target,
                                  into: out.baseAddress! + z * target.0 * target.1)
                }
            }
        }
        return BaSiCProfiles(flatfield: resized(flat),
                             darkfield: resized(dark),
                             baseline: NDArray(baseline.map { Float($0) }, shape: [t]),
                             report: report)
    }
}
