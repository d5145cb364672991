import Foundation
import ScopeKitCore

/// What a streamed run hands to its sink besides the levelled frame.
public struct LevellingOutputs: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    /// The subtracted background, `input − levelled`.
    public static let background = LevellingOutputs(rawValue: 1)
    /// The final mask (true = used by the last fits).
    public static let mask = LevellingOutputs(rawValue: 2)
    /// Per-step records: offsets, polynomial coefficients, line shifts, mask sizes.
    public static let records = LevellingOutputs(rawValue: 4)
}

/// One levelled frame, as ``LevellingPipeline/stream(frames:rows:cols:mask:outputs:progress:read:write:)``
/// delivers it (in frame order).
public struct LevelledFrame<Element: LevellingScalar>: Sendable {
    /// The frame index.
    public var index: Int
    /// The levelled frame `[rows, cols]`.
    public var levelled: NDArray<Element>
    /// `input − levelled` (with ``LevellingOutputs/background``).
    public var background: NDArray<Element>?
    /// The mask after the last step, true = used (with ``LevellingOutputs/mask``).
    public var mask: NDArray<Bool>?
    /// What each step did (with ``LevellingOutputs/records``).
    public var record: LevellingFrameRecord?
    /// Fits skipped for lack of used pixels.
    public var skippedFits: Int
}

/// What the steps of a pipeline did to one frame.
public struct LevellingFrameRecord: Codable, Sendable, Equatable {
    /// The frame index.
    public var frame: Int
    /// Fits skipped for lack of used pixels (the frame was left as it was by those fits).
    public var skippedFits: Int
    /// One record per top-level step, in order.
    public var steps: [LevellingStepRecord]
}

/// What one step did to one frame, measured on the background it subtracted (`d = before − after`).
///
/// - `offset`: the mean of `d` over the finite pixels (every step).
/// - `terms`/`coefficients` (plane steps): `d` as the polynomial `Σ c·u^i·v^j` in the step's terms, with
///   `u = 2·col/(cols − 1) − 1` and `v = 2·row/(rows − 1) − 1` (both in [−1, 1], 0 for a single pixel); term
///   `"x1y0"` is the coefficient of `u`. Obtained by a least-squares projection of `d` onto the terms (exact,
///   since `d` is such a polynomial), so it is the same for the NanoLocz separable plane and the 2-D fit.
/// - `direction`/`lineShifts` (line steps: `line`, median lines, row alignment, anisotropy gate): the mean of
///   `d` along each row (or column): the row shifts Gwyddion reports.
/// - `usedPixels` (mask steps and `iterate`): pixels used after the step.
/// - `lineCoefficients` (`line` steps): per row, the coefficients of `u⁰…u^xOrder` of the curve the row
///   subtracted (least squares over the row's finite pixels: exact for fitted rows; rows that took the median
///   of the other rows' curves report that median curve's best polynomial). With `yOrder > 0` the row stage
///   is separated by re-running it alone, and `columnCoefficients` gives per column the coefficients of
///   `v⁰…v^yOrder` of the column stage.
public struct LevellingStepRecord: Codable, Sendable, Equatable {
    /// The step's index in the pipeline.
    public var step: Int
    /// The step in ``StepSyntax`` text.
    public var operation: String
    public var offset: Double?
    public var terms: [String]?
    public var coefficients: [Double]?
    public var direction: LineDirection?
    public var lineShifts: [Double]?
    public var usedPixels: Int?
    public var lineCoefficients: [[Double]]?
    public var columnCoefficients: [[Double]]?
}

/// The totals of a streamed run.
public struct LevellingStreamSummary: Sendable {
    /// Frames levelled.
    public var frames: Int
    /// Passes over the input: one per frame for the result plus two per whole-movie statistics step (one in
    /// all when the movie fits the stream's cache).
    public var passes: Int
    /// Per frame, the fits skipped for lack of used pixels.
    public var skippedFits: [Int]
    /// The band `(low, high)` of each whole-movie Gaussian mask, in pipeline order.
    public var wholeMovieLimits: [ClosedRange<Double>]
}

extension LevellingPipeline {
    /// Levels a movie frame by frame from a source to a sink, so memory stays O(frame).
    ///
    /// Frames are read by `read` (called from several threads), levelled in parallel in batches of about
    /// 32 MB, and given to `write` in frame order. A Gaussian mask with whole-movie statistics needs the
    /// heights every frame has at that step: two streaming passes (range and mean, then the 100-bin histogram
    /// and the spread) re-read each frame and apply the steps before it, so a pipeline with `w` such steps
    /// reads the input `1 + w(w + 1)` times — unless the movie fits in `cacheBytes`: then each frame is kept
    /// as it stands at the latest barrier (one movie of `T` at most), so every frame is read once and every
    /// step runs once per frame, as in ``run(on:mask:returnMask:)``. The result is identical either way, does
    /// not depend on the thread count, and equals ``run(on:mask:returnMask:)`` on the whole movie bit for bit
    /// (the same kernels and the same rounding to `T` between statistics barriers).
    ///
    /// - Parameters:
    ///   - frames: the number of frames; `rows`, `cols`: the frame shape.
    ///   - mask: a fixed mask (true = used), frame-shaped or movie-shaped, intersected with every computed mask.
    ///   - outputs: what to return besides the levelled frame.
    ///   - progress: advanced once per frame and pass.
    ///   - cacheBytes: the most memory spent on intermediate frames at statistics barriers (0: strict
    ///     streaming, memory O(batch × frame); default 1 GiB). Used only when the whole movie of `T` fits.
    ///   - read: returns frame `index` as `[rows, cols]` (or any shape of `rows·cols` elements).
    ///   - write: receives each levelled frame, in order.
    /// - Throws: the errors of ``run(on:mask:returnMask:)``, the first error of `read` (lowest frame), or of
    ///   `write`.
    ///
    /// ```swift
    /// let file = try ImageIO.open(url)
    /// let summary = try LevellingPipeline(steps: LevellingRoutine.iterativeFitPeaks.pipeline().steps)
    ///     .stream(frames: file.info.planeCount, rows: 256, cols: 256,
    ///             read: { try file.readPlane($0).asFloat32() },
    ///             write: { try sink.append($0.levelled) })
    /// ```
    ///
    /// - Complexity: O(pixels × steps × passes); memory O(batch × frame).
    public func stream<T: LevellingScalar>(frames: Int, rows: Int, cols: Int, mask: Mask? = nil,
                                           outputs: LevellingOutputs = [], progress: WorkProgress? = nil,
                                           cacheBytes: Int = 1 << 30,
                                           read: @escaping @Sendable (Int) throws -> NDArray<T>,
                                           write: (LevelledFrame<T>) throws -> Void) throws -> LevellingStreamSummary {
        guard frames >= 0, rows >= 1, cols >= 1 else {
            throw ScopeKitError.badInput("levelling needs frames of at least 1×1 pixels, got \(rows)×\(cols)")
        }
        try validate(steps, rows: rows, cols: cols, nested: false)
        let frameSize = rows * cols
        if let mask, mask.shape != [rows, cols] && mask.shape != [frames, rows, cols] {
            throw ScopeKitError.usage("mask shape \(mask.shape) does not match the frames [\(rows), \(cols)] or the movie [\(frames), \(rows), \(cols)]")
        }
        // Segments between whole-movie barriers, with the global index of their first step.
        var segments: [(steps: [LevellingStep], first: Int)] = [([], 0)]
        for (i, s) in steps.enumerated() {
            if s.needsWholeMovie && !segments[segments.count - 1].steps.isEmpty { segments.append(([], i)) }
            segments[segments.count - 1].steps.append(s)
        }
        let movieBytes = frames.multipliedReportingOverflow(by: frameSize * MemoryLayout<T>.stride)
        let cache = segments.count > 1 && !movieBytes.overflow && movieBytes.partialValue <= cacheBytes
        let engine = _StreamEngine<T>(segments: segments, rows: rows, cols: cols, mask: mask,
                                      cachedFrames: cache ? frames : 0, records: outputs.contains(.records), read: read)
        var passes = 0
        for k in segments.indices {
            guard let first = segments[k].steps.first, first.needsWholeMovie, case .mask(let rule) = first else { continue }
            let box = UncheckedSendable(engine)
            engine.limits[k] = try LevellingPipeline.wholeMovieLimits(rule, frames: frames, frameSize: frameSize) { f, buf in
                let frame = try box.value.levelled(f, through: k)
                frame.withUnsafeBufferPointer { T._load($0.baseAddress!, into: buf, count: frameSize) }
                progress?.advance()
            }
            passes += cache ? 0 : 2
        }
        if cache && frames > 0 { passes += 1 }  // the one read that fills the cache
        // The result, in batches.
        var skipped = [Int](repeating: 0, count: frames)
        let batch = Swift.max(1, (32 << 20) / Swift.max(frameSize * MemoryLayout<Double>.stride, 1))
        var start = 0
        while start < frames {
            let range = start..<Swift.min(frames, start + batch)
            var results = [LevelledFrame<T>?](repeating: nil, count: range.count)
            let failure = _FirstError()
            results.withUnsafeMutableBufferPointer { out in
                let target = UncheckedSendable(out.baseAddress!), box = UncheckedSendable(engine)
                Parallel.forEach(0..<range.count) { k in
                    do {
                        target.value[k] = try box.value.finalFrame(range.lowerBound + k, outputs: outputs)
                    } catch {
                        failure.set(error, index: k)
                    }
                    progress?.advance()
                }
            }
            try failure.rethrow()
            for r in results {
                let frame = r!
                skipped[frame.index] = frame.skippedFits
                try write(frame)
            }
            start = range.upperBound
        }
        if !cache { passes += 1 }
        let limits = engine.limits.compactMap { $0.map { $0.0...$0.1 } }
        return LevellingStreamSummary(frames: frames, passes: frames == 0 ? 0 : passes, skippedFits: skipped,
                                      wholeMovieLimits: limits)
    }
}

/// The per-frame work of a streamed run: a pool of frames, the segment limits, the recorders.
final class _StreamEngine<T: LevellingScalar>: @unchecked Sendable {
    let segments: [(steps: [LevellingStep], first: Int)]
    let rows: Int, cols: Int, frameSize: Int
    let mask: Mask?
    let read: @Sendable (Int) throws -> NDArray<T>
    var limits: [(Double, Double)?]
    private let lock = NSLock()
    private var pool: [_Frame] = []
    /// Whether per-step records are kept (``LevellingOutputs/records``).
    let records: Bool
    /// Per frame, the frame after the segments before `segment` (when the movie is cached), with the fits
    /// skipped and the step records so far. Each slot is touched by one task at a time.
    private let checkpoints: UnsafeMutableBufferPointer<_Checkpoint>

    struct _Checkpoint {
        var segment = 0
        var data: NDArray<T>? = nil
        var skipped = 0
        var records: [LevellingStepRecord] = []
    }

    init(segments: [(steps: [LevellingStep], first: Int)], rows: Int, cols: Int, mask: Mask?, cachedFrames: Int,
         records: Bool, read: @escaping @Sendable (Int) throws -> NDArray<T>) {
        self.segments = segments
        self.rows = rows
        self.cols = cols
        frameSize = rows * cols
        self.mask = mask
        self.read = read
        self.records = records
        limits = Array(repeating: nil, count: segments.count)
        checkpoints = .allocate(capacity: cachedFrames)
        checkpoints.initialize(repeating: _Checkpoint())
    }

    deinit {
        _ = checkpoints.deinitialize()
        checkpoints.deallocate()
    }

    /// The frame after the segments before `segment`: from the cache where it holds the frame at an earlier
    /// barrier (then stored back at `segment`), else read and levelled from the start.
    private func resume(_ index: Int, through segment: Int) throws -> _Checkpoint {
        var state = _Checkpoint()
        if index < checkpoints.count, checkpoints[index].data != nil, checkpoints[index].segment <= segment {
            state = checkpoints[index]
            checkpoints[index] = _Checkpoint()   // release the slot's reference: `state.data` stays unique
        } else {
            state.data = try input(index)
        }
        guard state.segment < segment else { return state }
        var frame = state.data!
        state.data = nil
        try borrow { f in
            let recorder = records ? _StepRecorder(rows: rows, cols: cols) : nil
            for k in state.segment..<segment {
                state.skipped += try apply(k, to: &frame, frame: index, using: f, recorder: recorder)
            }
            if let recorder { state.records += recorder.records }
        }
        state.data = frame
        state.segment = segment
        return state
    }

    private func borrow<R>(_ body: (_Frame) throws -> R) rethrows -> R {
        let f = lock.withLock { pool.popLast() } ?? _Frame(rows: rows, cols: cols)
        defer { lock.withLock { pool.append(f) } }
        return try body(f)
    }

    /// Frame `index` read as `T`, checked for size.
    private func input(_ index: Int) throws -> NDArray<T> {
        var frame = try read(index)
        guard frame.count == frameSize else {
            throw ScopeKitError.badInput("frame \(index) has \(frame.count) pixels, expected \(rows)×\(cols)")
        }
        frame.makeUnique()
        return frame
    }

    /// Frame `index` after the segments before `segment` (rounded to `T` after each, as `run` stores it).
    func levelled(_ index: Int, through segment: Int) throws -> NDArray<T> {
        let state = try resume(index, through: segment)
        if index < checkpoints.count { checkpoints[index] = state }
        return state.data!
    }

    /// Loads `data` into `f`, runs segment `k`, stores back; returns the skipped fits.
    private func apply(_ k: Int, to data: inout NDArray<T>, frame index: Int, using f: _Frame,
                       recorder: _StepRecorder?) throws -> Int {
        data.withUnsafeBufferPointer { f.load($0.baseAddress!) }   // also sets `allFinite`, as in `run`
        f.hasBaseMask = false
        if let mask {
            mask.values.withUnsafeBufferPointer { m in
                f.baseMask.update(from: m.baseAddress! + (mask.shape.count == 3 ? index * frameSize : 0), count: frameSize)
            }
            f.hasBaseMask = true
        }
        f.resetMask()
        f.skippedFits = 0
        let smoothingNeeded = LevellingStep._smoothingNeededAfter(segments[k].steps)
        for (j, step) in segments[k].steps.enumerated() {
            f.keepSmoothing = smoothingNeeded[j]
            recorder?.before(f)
            try f.apply(step, limits: j == 0 ? limits[k] : nil)
            recorder?.after(f, step: step, index: segments[k].first + j)
        }
        data.withUnsafeMutableBufferPointer { T._store(f.z, into: $0.baseAddress!, count: frameSize) }
        return f.skippedFits
    }

    /// The final result of frame `index`.
    func finalFrame(_ index: Int, outputs: LevellingOutputs) throws -> LevelledFrame<T> {
        let last = segments.count - 1
        var state = index < checkpoints.count ? try resume(index, through: last) : _Checkpoint(data: try input(index))
        let original: NDArray<T>? = outputs.contains(.background)
            ? (state.segment == 0 ? state.data! : try input(index)) : nil
        var data = state.data!
        state.data = nil
        data.makeUnique()
        return try borrow { f in
            let recorder = outputs.contains(.records) ? _StepRecorder(rows: rows, cols: cols) : nil
            recorder?.records = state.records
            var skipped = state.skipped
            for k in state.segment..<segments.count {
                skipped += try apply(k, to: &data, frame: index, using: f, recorder: recorder)
            }
            var result = LevelledFrame(index: index, levelled: data.reshaped([rows, cols]), background: nil, mask: nil,
                                       record: nil, skippedFits: skipped)
            if outputs.contains(.background) {
                result.background = original!.withUnsafeBufferPointer { a in
                    data.withUnsafeBufferPointer { b in
                        NDArray<T>(unsafeUninitializedShape: [rows, cols]) { out in
                            for i in 0..<frameSize { out[i] = T(Double(a[i]) - Double(b[i])) }
                        }
                    }
                }
            }
            if outputs.contains(.mask) {
                result.mask = NDArray<Bool>(unsafeUninitializedShape: [rows, cols]) { out in
                    for i in 0..<frameSize { out[i] = f.isUsed(i) }
                }
            }
            if let recorder {
                result.record = LevellingFrameRecord(frame: index, skippedFits: skipped, steps: recorder.records)
            }
            return result
        }
    }
}

/// Measures what each step subtracted (see ``LevellingStepRecord``).
final class _StepRecorder {
    let rows: Int, cols: Int
    private let previous: UnsafeMutablePointer<Double>
    private var fitter: _Frame?
    var records: [LevellingStepRecord] = []

    init(rows: Int, cols: Int) {
        self.rows = rows
        self.cols = cols
        previous = .allocate(capacity: rows * cols)
    }

    deinit { previous.deallocate() }

    func before(_ f: _Frame) { previous.update(from: f.z, count: f.count) }

    func after(_ f: _Frame, step: LevellingStep, index: Int) {
        let n = f.count
        var rowStage: UnsafeMutablePointer<Double>?   // d of the row stage of a `line` step with yOrder > 0
        defer { rowStage?.deallocate() }
        if case .line(let x, let y, let compat) = step, x > 0, y > 0 {
            rowStage = .allocate(capacity: n)
            let fit = fitter ?? _Frame(rows: rows, cols: cols)
            fitter = fit
            fit.z.update(from: previous, count: n)
            fit.used.update(from: f.used, count: n)
            fit.hasMask = f.hasMask
            fit.hasBaseMask = false
            fit.allFinite = (0..<n).allSatisfy { previous[$0].isFinite }
            fit.nanoLoczLine(xOrder: x, yOrder: 0, compatibility: compat)
            for i in 0..<n { rowStage![i] = previous[i] - fit.z[i] }
        }
        for i in 0..<n { previous[i] -= f.z[i] }   // previous now holds d
        var record = LevellingStepRecord(step: index, operation: StepSyntax.text(of: step))
        var s = 0.0, m = 0
        for i in 0..<n where previous[i].isFinite { s += previous[i]; m += 1 }
        record.offset = m > 0 ? s / Double(m) : nil
        switch step {
        case .plane(let x, let y, let method):
            let total = method == .leastSquares(.totalDegree)
            (record.terms, record.coefficients) = project(x, y, totalDegree: total)
        case .weightedPlane(let x, let y, _):
            (record.terms, record.coefficients) = project(x, y, totalDegree: false)
        case .line(let x, let y, _):
            record.direction = .rows
            record.lineShifts = lineMeans(.rows)
            if x > 0 {
                let rowD = rowStage ?? previous
                record.lineCoefficients = lineCoefficients(rowD, alongColumns: false, degree: x)
                if let rowStage, y > 0 {
                    for i in 0..<n { rowStage[i] = previous[i] - rowStage[i] }
                    record.columnCoefficients = lineCoefficients(rowStage, alongColumns: true, degree: y)
                }
            } else if y > 0 {
                record.columnCoefficients = lineCoefficients(previous, alongColumns: true, degree: y)
            }
        case .smoothedMedianLine, .anisotropyGate, .creep, .weightedMedianLine:
            record.direction = .rows
            record.lineShifts = lineMeans(.rows)
        case .medianLine(let d, _), .alignRows(_, let d, _):
            record.direction = d
            record.lineShifts = lineMeans(d)
        case .mask, .markScars, .invertMask, .growExcluded, .shrinkExcluded, .removeSmallExcludedRegions, .clearMask,
             .iterate:
            record.usedPixels = f.usedCount()
        default:
            break
        }
        records.append(record)
    }

    /// Per row (or column) of `d`, the least-squares coefficients of `u⁰…u^degree` over its finite pixels, `u`
    /// the column (row) coordinate scaled to [−1, 1]; NaN where the line cannot carry the degree.
    private func lineCoefficients(_ d: UnsafeMutablePointer<Double>, alongColumns: Bool, degree: Int) -> [[Double]] {
        let count = alongColumns ? cols : rows, length = alongColumns ? rows : cols
        return (0..<count).map { l in
            var u: [Double] = [], v: [Double] = []
            for k in 0..<length {
                let x = alongColumns ? d[k * cols + l] : d[l * cols + k]
                if x.isFinite { u.append(_unitCoordinate(k, length)); v.append(x) }
            }
            return _leastSquaresMonomials(u, v, degree: degree) ?? [Double](repeating: .nan, count: degree + 1)
        }
    }

    /// The mean of `d` along each row or column (NaN where no pixel is finite).
    private func lineMeans(_ direction: LineDirection) -> [Double] {
        let count = direction == .rows ? rows : cols, length = direction == .rows ? cols : rows
        return (0..<count).map { l in
            var s = 0.0, m = 0
            for k in 0..<length {
                let v = direction == .rows ? previous[l * cols + k] : previous[k * cols + l]
                if v.isFinite { s += v; m += 1 }
            }
            return m > 0 ? s / Double(m) : .nan
        }
    }

    /// `d` projected onto the terms `u^i v^j` (fitted in the Legendre basis, then converted to monomials).
    private func project(_ xOrder: Int, _ yOrder: Int, totalDegree: Bool) -> ([String]?, [Double]?) {
        let fit = fitter ?? _Frame(rows: rows, cols: cols)
        fitter = fit
        fit.z.update(from: previous, count: fit.count)
        fit.hasBaseMask = false
        fit.resetMask()
        guard let legendre = fit.leastSquaresPolynomial(xOrder: xOrder, yOrder: yOrder, totalDegree: totalDegree) else {
            return (nil, nil)
        }
        let maxDegree = Swift.max(xOrder, yOrder)
        var terms: [(Int, Int)] = []
        for j in 0...yOrder { for i in 0...xOrder where !totalDegree || i + j <= maxDegree { terms.append((i, j)) } }
        let px = _StepRecorder.legendreMonomials(xOrder), py = _StepRecorder.legendreMonomials(yOrder)
        var monomial = [Double](repeating: 0, count: terms.count)
        for (s, (i, j)) in terms.enumerated() {
            for (t, (k, l)) in terms.enumerated() where k <= i && l <= j {
                monomial[t] += legendre[s] * px[i][k] * py[j][l]
            }
        }
        return (terms.map { "x\($0.0)y\($0.1)" }, monomial)
    }

    /// `table[n][k]`: the coefficient of `u^k` in the Legendre polynomial `P_n`.
    static func legendreMonomials(_ degree: Int) -> [[Double]] {
        var table: [[Double]] = [[1]]
        if degree >= 1 { table.append([0, 1]) }
        if degree >= 2 {
            for n in 1..<degree {
                var next = [Double](repeating: 0, count: n + 2)
                for k in 0...n { next[k + 1] += Double(2 * n + 1) * table[n][k] / Double(n + 1) }
                for k in 0..<n { next[k] -= Double(n) * table[n - 1][k] / Double(n + 1) }
                table.append(next)
            }
        }
        return table
    }
}

extension LevellingStepRecord {
    init(step: Int, operation: String) {
        self.step = step
        self.operation = operation
    }
}

/// The error of the lowest-numbered failing item among parallel workers (deterministic for any thread count).
final class _FirstError: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: (index: Int, error: Error)?

    func set(_ error: Error, index: Int) {
        lock.withLock { if stored == nil || index < stored!.index { stored = (index, error) } }
    }

    func rethrow() throws {
        if let e = lock.withLock({ stored?.error }) {
            throw (e as? ScopeKitError) ?? ScopeKitError.processing("\(e)")
        }
    }
}

extension LevellingPipeline {
    /// The passes a streamed run makes over the input: 1 + 2 per whole-movie statistics step (for progress).
    public var streamPasses: Int { 1 + 2 * steps.filter(\.needsWholeMovie).count }
}
