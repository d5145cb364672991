import Foundation
import ScopeKitCore
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
    /// The orthonormal line basis cache of ``_lineBasis(length:degree:)``: key and values.
    var basisKey = (length: 0, degree: -1)
    var basis: UnsafeMutablePointer<Double>?
    var basisValid = false

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
    }

    deinit {
        z.deallocate(); used.deallocate(); baseMask.deallocate(); frameA.deallocate(); frameB.deallocate()
        lineA.deallocate(); lineB.deallocate(); lineC.deallocate(); lineD.deallocate(); lineE.deallocate()
        flags.deallocate(); labels.deallocate(); basis?.deallocate()
    }

    /// Whether every pixel is used: no mask and all heights finite. Kernels take branch-free paths then.
    @inline(__always)
    var isDense: Bool { !hasMask && allFinite }

    /// Loads a frame (converting to Float64) and notes whether all its values are finite.
    func load<T: LevellingScalar>(_ src: UnsafePointer<T>) {
        T._load(src, into: z, count: count)
        allFinite = _allFinite(z, count)
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
        if hasBaseMask {
            for i in 0..<count { used[i] = keep(z[i]) && baseMask[i] }
        } else {
            for i in 0..<count { used[i] = keep(z[i]) }
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
        var n = 0
        for i in 0..<count { dst[n] = z[i]; n &+= _bit(isUsed(i)) }
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
