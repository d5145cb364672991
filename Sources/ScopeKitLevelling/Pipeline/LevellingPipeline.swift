import Foundation
import ScopeKitCore

/// What a pipeline run returns.
public struct LevellingResult<Element: LevellingScalar>: Sendable {
    /// The levelled image or movie (same shape and calibration as the input).
    public var levelled: NDArray<Element>
    /// The mask in force after the last step (true = used), when requested.
    public var mask: Mask?
    /// Per frame, how many fits were skipped for lack of used pixels (the data were left as they were).
    public var skippedFits: [Int]
}

/// An ordered list of levelling steps applied to an image `[rows, cols]` or a movie `[frames, rows, cols]`.
///
/// Frames run in parallel (`Parallel.forEachChunk`); each frame is levelled in Float64 scratch memory. With
/// fewer frames than threads (a viewer's one-frame preview) the kernels also spread each frame's row blocks
/// over threads; the blocks and the order their partial sums are combined in are fixed, so the bytes are the
/// same either way. A
/// Gaussian mask with ``StatisticsScope/wholeMovie`` splits the run: every frame first reaches that step,
/// then one 100-bin histogram of the whole movie (per-frame counts on common edges, merged in frame order)
/// gives the band, then the frames continue. Results do not depend on the thread count. Between such
/// barriers a Float32 movie is stored as Float32.
///
/// ```swift
/// let recipe = LevellingPipeline(steps: [.plane(xOrder: 2, yOrder: 2, method: .nanoLocz),
///                                        .medianLine(direction: .rows, strength: 1)])
/// let out = try recipe.run(on: movie).levelled
/// let json = try recipe.jsonString()            // a recipe file
/// ```
///
/// - Complexity: O(pixels × steps) plus the fits; memory O(frame) per thread plus the output.
public struct LevellingPipeline: Codable, Sendable, Equatable {
    /// The steps, in order.
    public var steps: [LevellingStep]

    public init(steps: [LevellingStep]) { self.steps = steps }

    /// The recipe as pretty-printed JSON.
    public func jsonString() throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try e.encode(self), as: UTF8.self)
    }

    /// Reads a recipe from JSON.
    public init(json: String) throws {
        do {
            self = try JSONDecoder().decode(LevellingPipeline.self, from: Data(json.utf8))
        } catch {
            throw ScopeKitError.usage("levelling recipe: \(error)")
        }
    }

    /// Runs the pipeline.
    ///
    /// - Parameters:
    ///   - image: `[rows, cols]` or `[frames, rows, cols]`.
    ///   - mask: a fixed mask (true = used) of the image's or one frame's shape, intersected with every mask
    ///     the steps compute.
    ///   - returnMask: also return the final mask.
    /// - Throws: ``ScopeKitError/usage(_:)`` for invalid parameters (negative orders, orders the image size
    ///   cannot support in a least-squares fit, a mask of the wrong shape, whole-movie statistics inside
    ///   `iterate`); ``ScopeKitError/badInput(_:file:)`` for images of rank other than 2 or 3.
    public func run<T: LevellingScalar>(on image: NDArray<T>, mask: Mask? = nil,
                                        returnMask: Bool = false) throws -> LevellingResult<T> {
        guard image.rank == 2 || image.rank == 3 else {
            throw ScopeKitError.badInput("levelling needs an image [rows, cols] or a movie [frames, rows, cols], got shape \(image.shape)")
        }
        let frames = image.frameCount, rows = image.frameShape[0], cols = image.frameShape[1]
        try validate(steps, rows: rows, cols: cols, nested: false)
        let frameSize = rows * cols
        if let mask, mask.shape != image.shape && mask.shape != [rows, cols] {
            throw ScopeKitError.usage("mask shape \(mask.shape) does not match the image \(image.shape)")
        }
        // Segments between whole-movie barriers.
        var segments: [[LevellingStep]] = [[]]
        for s in steps {
            if s.needsWholeMovie && !segments[segments.count - 1].isEmpty { segments.append([]) }
            segments[segments.count - 1].append(s)
        }
        // A fresh output (zero pages from the kernel, touched once by the stores): the first segment reads the
        // input directly, so the movie is not copied first.
        var out = NDArray<T>(unsafeUninitializedShape: image.shape) { _ in }
        out.calibration = image.calibration
        out.metadata = image.metadata
        var skipped = [Int](repeating: 0, count: frames)
        var finalMask: NDArray<Bool>? = returnMask ? NDArray<Bool>(repeating: true, shape: image.shape) : nil
        var firstError: ScopeKitError?
        let errorLock = NSLock()
        // Range, sum and count per frame for the next whole-movie statistics step, taken as each frame is
        // stored (the first of its two passes, without re-reading the movie).
        var moments: [_FiniteMoments]? = nil
        // Fewer frames than threads (a viewer's preview): the kernels also spread each frame's rows.
        let splitRows = frames < Parallel.threadCount
        // A preview: the frame's many short loops find the workers polling, not parked.
        try Parallel.withWorkersAwake(splitRows) {
            for (si, segment) in segments.enumerated() {
                var limits: (Double, Double)?
                if let first = segment.first, first.needsWholeMovie, case .mask(let rule) = first {
                    limits = try wholeMovieLimits(rule, si == 0 ? image : out, frames: frames, frameSize: frameSize,
                                                  moments: moments)
                }
                let isLast = si == segments.count - 1
                var nextMoments = [_FiniteMoments](repeating: _FiniteMoments(), count: isLast ? 0 : frames)
                let limitsBox = limits
                let smoothingNeeded = LevellingStep._smoothingNeededAfter(segment)
                out.withUnsafeMutableBufferPointer { data in image.withUnsafeBufferPointer { input in
                  nextMoments.withUnsafeMutableBufferPointer { momentsOut in
                    let momentsBox = UncheckedSendable(isLast ? nil : momentsOut.baseAddress)
                    let dataBox = UncheckedSendable(data.baseAddress!)
                    let sourceBox = UncheckedSendable(si == 0 ? input.baseAddress! : UnsafePointer(data.baseAddress!))
                    skipped.withUnsafeMutableBufferPointer { sk in
                        let skBox = UncheckedSendable(sk.baseAddress!)
                        withMaskPointers(mask, finalMask: &finalMask) { userMask, userMaskPerFrame, outMask in
                            let userBox = UncheckedSendable(userMask), outBox = UncheckedSendable(outMask)
                            Parallel.forEachChunk(0..<frames) { chunk in
                                let f = _FramePool.acquire(rows: rows, cols: cols)
                                defer { _FramePool.release(f) }
                                for fi in chunk {
                                    let offset = fi * frameSize
                                    f.splitRows = splitRows
                                    f.load(sourceBox.value + offset)
                                    f.hasBaseMask = false
                                    if let um = userBox.value {
                                        f.baseMask.update(from: um + (userMaskPerFrame ? offset : 0), count: frameSize)
                                        f.hasBaseMask = true
                                    }
                                    f.resetMask()
                                    f.skippedFits = 0
                                    do {
                                        for (j, step) in segment.enumerated() {
                                            f.keepSmoothing = smoothingNeeded[j]
                                            try f.apply(step, limits: limitsBox)
                                        }
                                    } catch {
                                        errorLock.lock()
                                        if firstError == nil {
                                            firstError = (error as? ScopeKitError) ?? .processing("\(error)")
                                        }
                                        errorLock.unlock()
                                    }
                                    f.store(into: dataBox.value + offset)
                                    if let mo = momentsBox.value {   // of the stored values, as a re-read would see them
                                        T._load(dataBox.value + offset, into: f.frameA, count: frameSize)
                                        mo[fi] = _FiniteMoments(f.frameA, count: frameSize)
                                    }
                                    skBox.value[fi] += f.skippedFits
                                    if isLast, let om = outBox.value {
                                        for i in 0..<frameSize { om[offset + i] = f.isUsed(i) }
                                    }
                                }
                            }
                        }
                    }
                  }
                } }
                if let firstError { throw firstError }
                moments = isLast ? nil : nextMoments
            }
        }
        return LevellingResult(levelled: out, mask: finalMask.map { Mask(including: $0) }, skippedFits: skipped)
    }

    /// Checks parameters that do not depend on the data.
    func validate(_ steps: [LevellingStep], rows: Int, cols: Int, nested: Bool) throws {
        for s in steps {
            switch s {
            case .plane(let x, let y, let method):
                guard x >= 0, y >= 0 else { throw ScopeKitError.usage("plane orders must be ≥ 0, got (\(x), \(y))") }
                if case .leastSquares = method {
                    guard x < cols, y < rows else {
                        throw ScopeKitError.usage("a least-squares plane of orders (\(x), \(y)) needs at least \(x + 1) columns and \(y + 1) rows; the image is \(rows)×\(cols)")
                    }
                    guard x <= 20, y <= 20 else { throw ScopeKitError.usage("plane orders above 20 are not supported") }
                }
            case .line(let x, let y, _):
                guard x >= 0, y >= 0 else { throw ScopeKitError.usage("line orders must be ≥ 0, got (\(x), \(y))") }
            case .weightedPlane(let x, let y, _):
                guard (0...20).contains(x), (0...20).contains(y) else {
                    throw ScopeKitError.usage("weighted plane orders must be 0…20, got (\(x), \(y))")
                }
            case .medianLine(_, let strength):
                guard strength > 0, strength.isFinite else { throw ScopeKitError.usage("median line strength must be > 0, got \(strength)") }
            case .smoothedMedianLine(let window, _):
                guard window >= 1 else { throw ScopeKitError.usage("smoothing window must be ≥ 1, got \(window)") }
            case .alignRows(let method, let direction, _):
                let length = direction == .rows ? cols : rows
                switch method {
                case .quantile(let q): guard (0...1).contains(q) else { throw ScopeKitError.usage("quantile must be in [0, 1], got \(q)") }
                case .trimmedMean(let f), .trimmedMeanOfDifferences(let f):
                    guard (0...0.5).contains(f) else { throw ScopeKitError.usage("trim fraction must be in [0, 0.5], got \(f)") }
                case .polynomial(let d):
                    guard d >= 0, d < length else { throw ScopeKitError.usage("row polynomial degree \(d) needs more than \(d) pixels per line; lines have \(length)") }
                default: break
                }
            case .mask(let rule):
                switch rule {
                case .gaussian(let k, _, _, let scope, let bins):
                    guard k > 0, bins >= 3 else { throw ScopeKitError.usage("Gaussian mask needs multiplier > 0 and ≥ 3 bins") }
                    if nested && scope == .wholeMovie { throw ScopeKitError.usage("whole-movie statistics cannot be used inside iterate") }
                case .otsu(let bins, _), .otsuTwoLevel(let bins), .otsuEdges(let bins):
                    guard bins >= 2 else { throw ScopeKitError.usage("Otsu needs at least 2 bins") }
                case .autoEdges(let factor, let radius):
                    guard factor > 0, factor.isFinite, (0...50).contains(radius) else {
                        throw ScopeKitError.usage("auto edges need factor > 0 and radius 0…50, got \(factor), \(radius)")
                    }
                default: break
                }
            case .iterate(let inner, let until):
                guard until.maximumIterations >= 1 else { throw ScopeKitError.usage("iterate needs maximumIterations ≥ 1") }
                try validate(inner, rows: rows, cols: cols, nested: true)
            case .markScars(let o), .removeScars(let o):
                guard o.thresholdLow >= 0, o.thresholdHigh >= o.thresholdLow else {
                    throw ScopeKitError.usage("scar thresholds need 0 ≤ low ≤ high, got low \(o.thresholdLow), high \(o.thresholdHigh)")
                }
                guard (1...16).contains(o.maximumWidth), o.minimumLength >= 1, o.iterations >= 1 else {
                    throw ScopeKitError.usage("scars need width 1…16, length ≥ 1 and iterations ≥ 1")
                }
            case .lineShift(let pixels, let maximum):
                guard maximum >= 0, abs(pixels ?? 0) < Swift.max(cols, 1) else {
                    throw ScopeKitError.usage("line shift must be smaller than the row length \(cols) and the search maximum ≥ 0")
                }
            case .creep(let scale, _):
                guard scale > 0, scale.isFinite else { throw ScopeKitError.usage("creep scale must be > 0, got \(scale)") }
            case .growExcluded(let p), .shrinkExcluded(let p):
                guard p >= 0 else { throw ScopeKitError.usage("grow/shrink pixels must be ≥ 0") }
            default: break
            }
        }
    }

    /// The band of a whole-movie Gaussian rule over the frames of `data`.
    func wholeMovieLimits<T: LevellingScalar>(_ rule: MaskRule, _ data: NDArray<T>, frames: Int,
                                                frameSize: Int, moments: [_FiniteMoments]? = nil) throws -> (Double, Double) {
        try data.withUnsafeBufferPointer { p in
            let src = UncheckedSendable(p.baseAddress!)
            return try LevellingPipeline.wholeMovieLimits(rule, frames: frames, frameSize: frameSize,
                                                          moments: moments) { f, buf in
                T._load(src.value + f * frameSize, into: buf, count: frameSize)
            }
        }
    }

    /// The band of a whole-movie Gaussian rule: min/max, then per-frame counts on common edges, merged in
    /// frame order; mean and std from per-frame sums merged in frame order. `load` writes frame `f` (as
    /// Float64) into the buffer; it is called twice per frame (once when `moments`, the frames' first-pass
    /// statistics, are given), from several threads.
    static func wholeMovieLimits(_ rule: MaskRule, frames: Int, frameSize: Int, moments: [_FiniteMoments]? = nil,
                                 load: @Sendable (Int, UnsafeMutablePointer<Double>) throws -> Void) throws -> (Double, Double) {
        guard case .gaussian(let multiplier, let width, let keep, _, let bins) = rule else { return (-.infinity, .infinity) }
        let failure = _FirstError()
        var stats = moments ?? [_FiniteMoments](repeating: _FiniteMoments(), count: frames)
        if moments == nil {
            stats.withUnsafeMutableBufferPointer { st in
                let out = UncheckedSendable(st.baseAddress!)
                Parallel.forEachChunk(0..<frames) { chunk in
                    let buf = UnsafeMutablePointer<Double>.allocate(capacity: Swift.max(frameSize, 1))
                    defer { buf.deallocate() }
                    for f in chunk {
                        do { try load(f, buf) } catch { failure.set(error, index: f); continue }
                        out.value[f] = _FiniteMoments(buf, count: frameSize)
                    }
                }
            }
            try failure.rethrow()
        }
        var lo = Double.infinity, hi = -Double.infinity, s = 0.0, n = 0
        for st in stats { lo = Swift.min(lo, st.lo); hi = Swift.max(hi, st.hi); s += st.s; n += st.n }
        guard n > 0 else { return (-.infinity, .infinity) }
        let mean = s / Double(n)
        if lo == hi { lo -= 0.5; hi += 0.5 }
        var counts = [[Int]](repeating: [], count: frames)
        var squares = [Double](repeating: 0, count: frames)
        var edges: [Double] = []
        counts.withUnsafeMutableBufferPointer { cs in
            squares.withUnsafeMutableBufferPointer { sq in
                let cOut = UncheckedSendable(cs.baseAddress!), sOut = UncheckedSendable(sq.baseAddress!)
                Parallel.forEachChunk(0..<frames) { chunk in
                    let buf = UnsafeMutablePointer<Double>.allocate(capacity: Swift.max(frameSize, 1))
                    defer { buf.deallocate() }
                    for f in chunk {
                        do { try load(f, buf) } catch { failure.set(error, index: f); continue }
                        var v = 0.0
                        if stats[f].n == frameSize {
                            for i in 0..<frameSize { v += (buf[i] - mean) * (buf[i] - mean) }
                        } else {
                            for i in 0..<frameSize where buf[i].isFinite { v += (buf[i] - mean) * (buf[i] - mean) }
                        }
                        // NaN and ±∞ fall outside [lo, hi] (finite), so they are not counted
                        cOut.value[f] = _binnedHistogram(buf, frameSize, bins: bins, lo: lo, hi: hi).counts
                        sOut.value[f] = v
                    }
                }
            }
        }
        try failure.rethrow()
        var total = [Int](repeating: 0, count: bins)
        for c in counts { for b in 0..<bins { total[b] += c[b] } }
        var v = 0.0
        for q in squares { v += q }
        let std = (v / Double(n)).squareRoot()
        edges = _binnedHistogram([lo], 0, bins: bins, lo: lo, hi: hi).edges
        let h = Histogram(counts: total, edges: edges)
        let probe = _Frame(rows: 1, cols: 1)
        return _Frame._gaussianLimits(probe._gaussianPeak(h, mean: mean, std: std), multiplier: multiplier,
                                      width: width, keep: keep)
    }

    /// Exposes the caller's mask and the output mask as raw pointers.
    func withMaskPointers<R>(_ mask: Mask?, finalMask: inout NDArray<Bool>?,
                             _ body: (UnsafeMutablePointer<Bool>?, Bool, UnsafeMutablePointer<Bool>?) throws -> R) rethrows -> R {
        func withOut(_ userPtr: UnsafeMutablePointer<Bool>?, _ perFrame: Bool) throws -> R {
            if finalMask != nil {
                return try finalMask!.withUnsafeMutableBufferPointer { o in try body(userPtr, perFrame, o.baseAddress!) }
            }
            return try body(userPtr, perFrame, nil)
        }
        if let mask {
            var values = mask.values
            let perFrame = mask.shape.count == 3
            return try values.withUnsafeMutableBufferPointer { u in try withOut(u.baseAddress!, perFrame) }
        }
        return try withOut(nil, false)
    }
}

/// Range, sum and count of the finite values of one frame: the first pass of the whole-movie statistics.
struct _FiniteMoments {
    var lo = Double.infinity, hi = -Double.infinity, s = 0.0, n = 0

    init() {}

    /// The moments of `count` finite values, in 4 lanes (then the rest in index order).
    init(denseValues p: UnsafePointer<Double>, count: Int) {
        var s4 = SIMD4<Double>(), lo4 = SIMD4<Double>(repeating: .infinity), hi4 = -lo4
        var i = 0
        while i + 4 <= count {
            let v = SIMD4<Double>(unaligned: p + i)
            s4 += v
            lo4.replace(with: v, where: v .< lo4)
            hi4.replace(with: v, where: v .> hi4)
            i += 4
        }
        s = s4.sum(); lo = lo4.min(); hi = hi4.max()
        while i < count { let v = p[i]; lo = Swift.min(lo, v); hi = Swift.max(hi, v); s += v; i += 1 }
        n = count
    }

    /// The moments of `count` values, summed in index order.
    init(_ p: UnsafePointer<Double>, count: Int) {
        if _allFinite(p, count) {
            for i in 0..<count { let v = p[i]; lo = Swift.min(lo, v); hi = Swift.max(hi, v); s += v }
            n = count
            return
        }
        for i in 0..<count {
            let v = p[i]
            guard v.isFinite else { continue }
            lo = Swift.min(lo, v); hi = Swift.max(hi, v); s += v; n += 1
        }
    }
}

extension _Frame {
    /// Applies one step to this frame.
    func apply(_ step: LevellingStep, limits: (Double, Double)?) throws {
        switch step {   // steps that leave z alone, or keep the edge masks' smoothed heights in step themselves
        case .mask, .invertMask, .growExcluded, .shrinkExcluded, .removeSmallExcludedRegions, .clearMask,
             .weightedPlane, .weightedMedianLine, .iterate:
            break
        default:
            smoothedValid = false
        }
        switch step {
        case .plane(let x, let y, let method):
            switch method {
            case .nanoLocz: nanoLoczPlane(xOrder: x, yOrder: y)
            case .leastSquares(let terms): _ = leastSquaresPolynomial(xOrder: x, yOrder: y, totalDegree: terms == .totalDegree)
            }
        case .line(let x, let y, let compat): nanoLoczLine(xOrder: x, yOrder: y, compatibility: compat)
        case .medianLine(let direction, let strength):
            medianLine(alongColumns: direction == .columns, strength: strength)
        case .smoothedMedianLine(let window, let compat):
            smoothedMedianLine(window: window, pnanoloczWindow: compat == .pnanolocz)
        case .meanPlane: meanPlane()
        case .weightedPlane(let x, let y, let compat): weightedPlane(xOrder: x, yOrder: y, compatibility: compat)
        case .weightedMedianLine(let compat): weightedMedianLine(compatibility: compat)
        case .alignRows(let method, let direction, let keepMean):
            _ = alignRows(method, alongColumns: direction == .columns, keepMean: keepMean)
        case .anisotropyGate(let gates): anisotropyGate(gates)
        case .markScars(let o): markScars(o)
        case .removeScars(let o): removeScars(o)
        case .lineShift(let pixels, let maximum): lineShift(pixels: pixels, maximum: maximum)
        case .creep(let scale, let orientation): creep(scale: scale, orientation: orientation)
        case .mask(let rule): try applyMaskRule(rule, limits: limits)
        case .invertMask: invertMask()
        case .growExcluded(let p): morphExcluded(pixels: p, grow: true)
        case .shrinkExcluded(let p): morphExcluded(pixels: p, grow: false)
        case .removeSmallExcludedRegions(let m): removeSmallExcludedRegions(minimum: m)
        case .clearMask: resetMask()
        case .iterate(let inner, let until):
            let previous = UnsafeMutablePointer<Bool>.allocate(capacity: Swift.max(count, 1))
            defer { previous.deallocate() }
            for i in 0..<count { previous[i] = isUsed(i) }
            for _ in 0..<until.maximumIterations {
                for s in inner { try apply(s, limits: nil) }
                var changed = 0
                for i in 0..<count {
                    let u = isUsed(i)
                    if u != previous[i] { changed += 1 }
                    previous[i] = u
                }
                if changed <= until.maximumChangedPixels { break }
            }
        }
    }
}
