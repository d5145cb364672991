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

/// Points per line in one block of the transposing copies. Lines are visited four at a time so that the
/// rows read together (often a power-of-two stride apart, i.e. in the same cache set) stay few.
let transposeBlock = 256

/// Lines visited together by the transposing copies.
let transposeLines = 4

/// An array of zeros, allocated without per-element generic calls.
@inline(__always)
func zeros<T: FFTScalar>(_ shape: [Int], of: T.Type = T.self) -> NDArray<T> {
    NDArray<T>(unsafeUninitializedShape: shape) { _ in }   // the initialiser zero-fills the bytes
}

/// Copies points `positions[i]` (i < count) of lines `lines` into the batched layout `dst[i·nb + b]`.
///
/// `src` is addressed in elements of `elementStride` scalars (2 for interleaved complex).
@inline(__always)
func gatherLines<T>(_ src: UnsafePointer<T>, elementStride es: Int, geometry g: LineGeometry, lines: Range<Int>,
                    positions: UnsafePointer<Int>?, count: Int, into dst: UnsafeMutablePointer<T>) {
    let nb = lines.count, L0 = lines.lowerBound, inner = g.inner
    let c0 = L0 % inner
    if c0 + nb <= inner {
        let base = g.base(L0)
        for i in 0..<count {
            let p = positions?[i] ?? i
            let s = src + (base + p * inner) * es
            let d = dst + i * nb
            if es == 1 {
                for b in 0..<nb { d[b] = s[b] }
            } else {
                for b in 0..<nb { d[b] = s[b * es] }
            }
        }
    } else {
        // A blocked transpose, four lines at a time (see transposeLines).
        let step = inner * es
        for b0 in stride(from: 0, to: nb, by: transposeLines) {
            for i0 in stride(from: 0, to: count, by: transposeBlock) {
                let i1 = Swift.min(i0 + transposeBlock, count)
                for b in b0..<Swift.min(b0 + transposeLines, nb) {
                    let s = src + g.base(L0 + b) * es
                    if let positions {
                        for i in i0..<i1 { dst[i * nb + b] = s[positions[i] * step] }
                    } else {
                        for i in i0..<i1 { dst[i * nb + b] = s[i * step] }
                    }
                }
            }
        }
    }
}

/// The inverse of ``gatherLines``: `dst[line point positions[i]] = src[i·nb + b] · scale`.
@inline(__always)
func scatterLines<T: FFTScalar>(_ src: UnsafePointer<T>, scale: T, into dst: UnsafeMutablePointer<T>,
                                elementStride es: Int, geometry g: LineGeometry, lines: Range<Int>,
                                positions: UnsafePointer<Int>?, count: Int) {
    let nb = lines.count, L0 = lines.lowerBound, inner = g.inner
    let c0 = L0 % inner
    if c0 + nb <= inner {
        let base = g.base(L0)
        for i in 0..<count {
            let p = positions?[i] ?? i
            let d = dst + (base + p * inner) * es
            let s = src + i * nb
            if es == 1 {
                for b in 0..<nb { d[b] = s[b] * scale }
            } else {
                for b in 0..<nb { d[b * es] = s[b] * scale }
            }
        }
    } else {
        let step = inner * es
        for b0 in stride(from: 0, to: nb, by: transposeLines) {
            for i0 in stride(from: 0, to: count, by: transposeBlock) {
                let i1 = Swift.min(i0 + transposeBlock, count)
                for b in b0..<Swift.min(b0 + transposeLines, nb) {
                    let d = dst + g.base(L0 + b) * es
                    if let positions {
                        for i in i0..<i1 { d[positions[i] * step] = src[i * nb + b] * scale }
                    } else {
                        for i in i0..<i1 { d[i * step] = src[i * nb + b] * scale }
                    }
                }
            }
        }
    }
}

/// Runs `body` over the line batches of `geometry` in parallel; each parallel chunk gets one scratch buffer of
/// `scratch(nb)` scalars, reused for its batches.
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

/// ``gatherLines`` for complex data: real and imaginary parts in one pass over the source (each source cache
/// line is read once even when the lines are far apart in memory).
@inline(__always)
func gatherComplexLines<T>(re: UnsafePointer<T>, im: UnsafePointer<T>, elementStride es: Int, geometry g: LineGeometry,
                           lines: Range<Int>, count: Int, into dr: UnsafeMutablePointer<T>,
                           _ di: UnsafeMutablePointer<T>) {
    let nb = lines.count, L0 = lines.lowerBound, inner = g.inner
    if L0 % inner + nb <= inner {
        let base = g.base(L0)
        for i in 0..<count {
            let o = (base + i * inner) * es, d = i * nb
            let sr = re + o, si = im + o
            if es == 1 {
                for b in 0..<nb { dr[d + b] = sr[b]; di[d + b] = si[b] }
            } else {
                for b in 0..<nb { dr[d + b] = sr[b * es]; di[d + b] = si[b * es] }
            }
        }
    } else {
        let step = inner * es
        for b0 in stride(from: 0, to: nb, by: transposeLines) {
            for i0 in stride(from: 0, to: count, by: transposeBlock) {
                let i1 = Swift.min(i0 + transposeBlock, count)
                for b in b0..<Swift.min(b0 + transposeLines, nb) {
                    let o = g.base(L0 + b) * es
                    let sr = re + o, si = im + o
                    for i in i0..<i1 { dr[i * nb + b] = sr[i * step]; di[i * nb + b] = si[i * step] }
                }
            }
        }
    }
}

/// The inverse of ``gatherComplexLines``, multiplying by `scale`.
@inline(__always)
func scatterComplexLines<T: FFTScalar>(_ sr: UnsafePointer<T>, _ si: UnsafePointer<T>, scale: T,
                                       re: UnsafeMutablePointer<T>, im: UnsafeMutablePointer<T>,
                                       elementStride es: Int, geometry g: LineGeometry, lines: Range<Int>,
                                       count: Int) {
    let nb = lines.count, L0 = lines.lowerBound, inner = g.inner
    if L0 % inner + nb <= inner {
        let base = g.base(L0)
        for i in 0..<count {
            let o = (base + i * inner) * es, s = i * nb
            let dr = re + o, di = im + o
            if es == 1 {
                for b in 0..<nb { dr[b] = sr[s + b] * scale; di[b] = si[s + b] * scale }
            } else {
                for b in 0..<nb { dr[b * es] = sr[s + b] * scale; di[b * es] = si[s + b] * scale }
            }
        }
    } else {
        let step = inner * es
        for b0 in stride(from: 0, to: nb, by: transposeLines) {
            for i0 in stride(from: 0, to: count, by: transposeBlock) {
                let i1 = Swift.min(i0 + transposeBlock, count)
                for b in b0..<Swift.min(b0 + transposeLines, nb) {
                    let o = g.base(L0 + b) * es
                    let dr = re + o, di = im + o
                    for i in i0..<i1 { dr[i * step] = sr[i * nb + b] * scale; di[i * step] = si[i * nb + b] * scale }
                }
            }
        }
    }
}
