import Foundation
import ScopeKitCore
import ScopeKitLevellingKernels
/// One frame in Float64 with its current mask and scratch memory: what every levelling kernel works on.
///
/// `z` is row-major `rows × cols`. A pixel is *used* when `used[i]` (or no mask) and `z[i]` is finite —
/// NanoLocz's `mask .* img` with `omitnan`. Kernels never allocate per pixel or per line.
final class _Frame {
    let rows: Int
    let cols: Int
    let count: Int
    let z: UnsafeMutablePointer<Double>
    /// The current mask (true = used); `hasMask == false` means every pixel is used.
    let used: UnsafeMutablePointer<Bool>
    var hasMask = false
    /// A caller's fixed mask, intersected with every computed mask.
    let baseMask: UnsafeMutablePointer<Bool>
    var hasBaseMask = false
    /// Scratch: two frame-sized buffers and four line buffers of `4·max(rows, cols) + 8`.
    let frameA: UnsafeMutablePointer<Double>
    let frameB: UnsafeMutablePointer<Double>
    let lineLength: Int
    let lineA: UnsafeMutablePointer<Double>
    let lineB: UnsafeMutablePointer<Double>
    let lineC: UnsafeMutablePointer<Double>
    let lineD: UnsafeMutablePointer<Double>
    let lineE: UnsafeMutablePointer<Double>
    let flags: UnsafeMutablePointer<Bool>
    let labels: UnsafeMutablePointer<Int32>
    /// Frames where a fit could not be made (too few used pixels), as a count of skipped fits.
    var skippedFits = 0
    /// Whether every pixel of `z` is finite (set by ``load(_:)``; subtracting finite backgrounds keeps it).
    var allFinite = false
    /// The edge masks' smoothed heights (``_smoothedHeights()``), allocated on first use.
    var smoothed: UnsafeMutablePointer<Double>?
    /// Whether ``smoothed`` belongs to the current `z` (cleared by ``load(_:)`` and by every step that changes
    /// `z` without updating it).
    var smoothedValid = false
    /// The least and greatest of ``smoothed`` when a step that changed them computed both on the way
    /// (``_subtractSeparable(columns:rows:)``), so the next Otsu edge mask skips its extrema pass; nil otherwise.
    var smoothedRange: (low: Double, high: Double)?
    /// Whether a later step reads ``smoothed`` (set by the pipeline before each step): when not, the weighted
    /// plane and median line drop it instead of keeping it in step.
    var keepSmoothing = true
    /// The last weighted regions (``_weightedRegions()``) and the packed pixels they were found in.
    var keptRegions: _WeightedRegions?
    var regionsKey: UnsafeMutablePointer<UInt64>?
    /// The orthonormal line basis cache of ``_lineBasis(length:degree:)``: key and values.
    var basisKey = (length: 0, degree: -1)
    var basis: UnsafeMutablePointer<Double>?
    var basisValid = false
    /// Whether the kernels spread this frame's row blocks over ``Parallel/threadCount`` threads (a frame
    /// levelled alone, e.g. a viewer's preview). The blocks and the order their partial results are combined in
    /// are fixed (``blockRows``), so results are the same bytes either way.
    var splitRows = false
    /// Per-row-block scratch: ``blockBuffers`` buffers of `lineLength` per block (line fits, row medians,
    /// partial column sums).
    let blockScratch: UnsafeMutablePointer<Double>

    /// Rows per block of the in-frame loops: fixed, so reductions never depend on the thread count.
    static let blockRows = 32
    /// Scratch buffers per row block.
    static let blockBuffers = 5
    /// The number of row blocks.
    var blockCount: Int { (rows + _Frame.blockRows - 1) / _Frame.blockRows }

    init(rows: Int, cols: Int) {
        self.rows = rows
        self.cols = cols
        count = rows * cols
        z = .allocate(capacity: Swift.max(count, 1))
        used = .allocate(capacity: Swift.max(count, 1))
        baseMask = .allocate(capacity: Swift.max(count, 1))
        frameA = .allocate(capacity: Swift.max(count, 1))
        frameB = .allocate(capacity: Swift.max(count, 1))
        lineLength = 4 * Swift.max(rows, cols) + 8
        lineA = .allocate(capacity: lineLength)
        lineB = .allocate(capacity: lineLength)
        lineC = .allocate(capacity: lineLength)
        lineD = .allocate(capacity: lineLength)
        lineE = .allocate(capacity: lineLength)
        flags = .allocate(capacity: Swift.max(count, 1))
        labels = .allocate(capacity: Swift.max(count, 1))
        blockScratch = .allocate(capacity: Swift.max(1, (rows + _Frame.blockRows - 1) / _Frame.blockRows)
                                           * _Frame.blockBuffers * lineLength)
    }

    deinit {
        z.deallocate(); used.deallocate(); baseMask.deallocate(); frameA.deallocate(); frameB.deallocate()
        lineA.deallocate(); lineB.deallocate(); lineC.deallocate(); lineD.deallocate(); lineE.deallocate()
        flags.deallocate(); labels.deallocate(); basis?.deallocate(); blockScratch.deallocate()
        smoothed?.deallocate(); regionsKey?.deallocate()
    }

    /// Scratch buffer `k` (< ``blockBuffers``, `lineLength` values) of row block `b`.
    @inline(__always)
    func blockBuffer(_ b: Int, _ k: Int) -> UnsafeMutablePointer<Double> {
        blockScratch + (b * _Frame.blockBuffers + k) * lineLength
    }

    /// The rows of block `b`.
    @inline(__always)
    func blockRange(_ b: Int) -> Range<Int> {
        b * _Frame.blockRows ..< Swift.min(rows, (b + 1) * _Frame.blockRows)
    }

    /// Runs `body(block, rows)` for every row block: in parallel when ``splitRows``, else in order. `body` must
    /// write only its block's rows and scratch; combine per-block results afterwards in block order.
    func forEachBlock(_ body: (_ block: Int, _ rows: Range<Int>) -> Void) {
        _forEachRowBlock(rows: rows, split: splitRows, body)
    }

    /// Whether every pixel is used: no mask and all heights finite. Kernels take branch-free paths then.
    @inline(__always)
    var isDense: Bool { !hasMask && allFinite }

    /// Loads a frame (converting to Float64) and notes whether all its values are finite.
    func load<T: LevellingScalar>(_ src: UnsafePointer<T>) {
        smoothedValid = false
        guard splitRows && blockCount > 1 else {
            T._load(src, into: z, count: count)
            allFinite = _allFinite(z, count)
            return
        }
        let finite = UnsafeMutablePointer<Bool>.allocate(capacity: blockCount)
        defer { finite.deallocate() }
        let z = self.z, cols = self.cols
        forEachBlock { b, rows in
            let start = rows.lowerBound * cols, n = rows.count * cols
            T._load(src + start, into: z + start, count: n)
            finite[b] = _allFinite(z + start, n)
        }
        allFinite = (0..<blockCount).allSatisfy { finite[$0] }
    }

    /// Stores the frame (converting from Float64), by row blocks.
    func store<T: LevellingScalar>(into dst: UnsafeMutablePointer<T>) {
        let z = self.z, cols = self.cols
        forEachBlock { _, rows in
            let start = rows.lowerBound * cols
            T._store(z + start, into: dst + start, count: rows.count * cols)
        }
    }

    /// Whether pixel `i` takes part in fits (`used` is all true when there is no mask, so the hot loops read
    /// no mutable class property).
    @inline(__always)
    func isUsed(_ i: Int) -> Bool { used[i] && (allFinite || z[i].isFinite) }

    /// Drops the computed mask (back to the caller's base mask, if any).
    func resetMask() {
        if hasBaseMask {
            used.update(from: baseMask, count: count)
            hasMask = true
        } else {
            used.update(repeating: true, count: count)
            hasMask = false
        }
    }

    /// Sets the mask from `keep(z)` for every pixel, intersected with the base mask.
    func setMask(_ keep: (Double) -> Bool) {
        let z = self.z, used = self.used, base = self.baseMask, withBase = hasBaseMask, cols = self.cols
        forEachBlock { _, rows in
            let range = rows.lowerBound * cols ..< rows.upperBound * cols
            if withBase {
                for i in range { used[i] = keep(z[i]) && base[i] }
            } else {
                for i in range { used[i] = keep(z[i]) }
            }
        }
        hasMask = true
    }

    /// ``setMask(_:)`` keeping `lo ≤ z ≤ hi` (NaN excluded), branch-free.
    func setMask(low lo: Double, high hi: Double) {
        let z = self.z, used = self.used, base = self.baseMask, withBase = hasBaseMask, cols = self.cols
        forEachBlock { _, rows in
            let range = rows.lowerBound * cols ..< rows.upperBound * cols
            if withBase {
                for i in range { let x = z[i]; let a = x >= lo, b = x <= hi; used[i] = a && b && base[i] }
            } else {
                for i in range { let x = z[i]; let a = x >= lo, b = x <= hi; used[i] = a && b }
            }
        }
        hasMask = true
    }

    /// The number of used pixels.
    func usedCount() -> Int {
        if isDense { return count }
        var n = 0
        for i in 0..<count where isUsed(i) { n += 1 }
        return n
    }

    /// Copies the used values into `dst` and returns how many there are.
    func gatherUsed(into dst: UnsafeMutablePointer<Double>) -> Int {
        if isDense { dst.update(from: z, count: count); return count }
        guard splitRows && blockCount > 1 else {
            var n = 0
            for i in 0..<count { dst[n] = z[i]; n &+= _bit(isUsed(i)) }
            return n
        }
        // per block: compact in place at the block's own offset, then close the gaps in block order
        let starts = UnsafeMutablePointer<Int>.allocate(capacity: blockCount)
        defer { starts.deallocate() }
        let cols = self.cols
        forEachBlock { b, rows in
            var n = rows.lowerBound * cols
            for i in rows.lowerBound * cols ..< rows.upperBound * cols { dst[n] = z[i]; n &+= _bit(isUsed(i)) }
            starts[b] = n - rows.lowerBound * cols
        }
        var n = 0
        for b in 0..<blockCount {
            let from = blockRange(b).lowerBound * cols, m = starts[b]
            if n != from { UnsafeMutableRawPointer(dst + n).copyMemory(from: dst + from, byteCount: m * 8) }   // memmove
            n += m
        }
        return n
    }
}

/// Frames kept for reuse, so repeated runs (a viewer's slider, many chunks of a movie) do not allocate and
/// page-fault fresh scratch memory: at most a few per shape, handed out under a lock.
enum _FramePool {
    nonisolated(unsafe) static var free: [_Frame] = []
    static let lock = NSLock()

    /// A frame of this shape (reused when one is free).
    static func acquire(rows: Int, cols: Int) -> _Frame {
        lock.lock()
        if let i = free.lastIndex(where: { $0.rows == rows && $0.cols == cols }) {
            let f = free.remove(at: i)
            lock.unlock()
            f.skippedFits = 0
            f.keepSmoothing = true
            return f
        }
        lock.unlock()
        return _Frame(rows: rows, cols: cols)
    }

    /// Returns a frame; the pool keeps the most recent few (bounded memory).
    static func release(_ f: _Frame) {
        lock.lock()
        free.append(f)
        if free.count > 2 * Swift.max(Parallel.threadCount, 1) + 2 { free.removeFirst() }
        lock.unlock()
    }
}

/// Scratch for one line fit (``_Frame/_fitLine(_:_:degree:minimumCount:curve:scratch:)``): positions and
/// values (a line each), the normal equations and the general fit's work area (4 lines).
struct _LineScratch {
    let xs: UnsafeMutablePointer<Double>
    let ys: UnsafeMutablePointer<Double>
    let normal: UnsafeMutablePointer<Double>
    let work: UnsafeMutablePointer<Double>
}

extension _Frame {
    /// Row block `b`'s line-fit scratch (block buffers 0…3).
    func blockLineScratch(_ b: Int) -> _LineScratch {
        _LineScratch(xs: blockBuffer(b, 0), ys: blockBuffer(b, 1), normal: blockBuffer(b, 2), work: blockBuffer(b, 3))
    }
}

/// A view of a frame as lines: rows (x direction) or columns (y direction).
struct _Lines {
    let lineCount: Int
    let length: Int
    let lineStride: Int
    let step: Int
    
    init(_ f: _Frame, alongColumns: Bool) {
        if alongColumns {
            lineCount = f.cols; length = f.rows; lineStride = 1; step = f.cols
        } else {
            lineCount = f.rows; length = f.cols; lineStride = f.cols; step = 1
        }
    }

    /// The flat index of element `k` of line `l`.
    @inline(__always)
    func index(_ l: Int, _ k: Int) -> Int { l * lineStride + k * step }
}

/// Runs `body(block, rows)` for every block of ``_Frame/blockRows`` rows out of `rows`: in parallel when `split`
/// (and more than one block and thread), else in order.
func _forEachRowBlock(rows: Int, split: Bool, _ body: (_ block: Int, _ rows: Range<Int>) -> Void) {
    let size = _Frame.blockRows, n = (rows + size - 1) / size
    _forEachTask(n, split: split) { b in body(b, b * size ..< Swift.min(rows, (b + 1) * size)) }
}

/// Runs `body(k)` for every `k` in `0..<n`: in parallel when `split` (and `n` and the thread count exceed 1),
/// else in order. `body` must write only its own outputs.
func _forEachTask(_ n: Int, split: Bool, _ body: (Int) -> Void) {
    if split && n > 1 && Parallel.threadCount > 1 {
        Parallel.forEach(0..<n) { body($0) }
    } else {
        for k in 0..<n { body(k) }
    }
}
