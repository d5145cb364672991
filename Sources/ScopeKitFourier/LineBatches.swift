import RealModule
import ScopeKitCore

/// The lines of an N-D array along one axis, seen as `[outer, length, inner]` in C order.
///
/// Line `L` (0 ≤ L < outer·inner) starts at element `(L / inner)·length·inner + L % inner` and its points are
/// `inner` elements apart.
struct LineGeometry {
    let outer: Int
    let length: Int
    let inner: Int

    init(shape: [Int], axis: Int) {
        outer = shape[..<axis].reduce(1, *)
        length = shape[axis]
        inner = shape[(axis + 1)...].reduce(1, *)
    }

    var lineCount: Int { outer * inner }

    @inline(__always)
    func base(_ line: Int) -> Int { (line / inner) * length * inner + line % inner }
}

/// How many lines of length `n` are transformed together: enough for long contiguous inner loops, few enough
/// that the batch (data plus Stockham scratch) stays in the L2 cache. Depends only on `n` and the element
/// size, never on the thread count, so results do not depend on threading.
@inline(__always)
func lineBatchWidth(length n: Int, lines: Int, elementSize: Int) -> Int {
    let budget = (512 * 1024) / (4 * elementSize)
    return Swift.max(1, Swift.min(lines, 32, budget / Swift.max(n, 1)))
}

/// Elements left free between scratch buffers so that equal offsets in different buffers do not share their
/// low 12 address bits (4 KiB aliasing stalls loads behind unrelated stores on x86 and ARM cores).
@inline(__always)
func scratchGap<T>(_: T.Type) -> Int { 512 / MemoryLayout<T>.size }

/// An array of zeros, allocated without per-element generic calls.
@inline(__always)
func zeros<T: FFTScalar>(_ shape: [Int], of: T.Type = T.self) -> NDArray<T> {
    NDArray<T>(unsafeUninitializedShape: shape) { _ in }   // the initialiser zero-fills the bytes
}


/// Runs `body` over the line batches of `geometry` in parallel; each parallel chunk gets one scratch buffer of
/// `scratch` scalars, reused for its batches.
@inline(__always)
func forEachLineBatch<T>(_ g: LineGeometry, batchWidth nb: Int, scratch: Int, of: T.Type,
                         _ body: (Range<Int>, UnsafeMutablePointer<T>) -> Void) {
    let lines = g.lineCount
    guard lines > 0 else { return }
    let batches = (lines + nb - 1) / nb
    Parallel.forEachChunk(0..<batches) { chunk in
        let buffer = UnsafeMutablePointer<T>.allocate(capacity: Swift.max(scratch, 1))
        defer { buffer.deallocate() }
        for k in chunk {
            body(k * nb ..< Swift.min((k + 1) * nb, lines), buffer)
        }
    }
}
