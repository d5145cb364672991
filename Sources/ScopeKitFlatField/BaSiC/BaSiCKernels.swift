import Dispatch
import ScopeKitCore
import ScopeKitFourier
import ScopeKitFlatFieldKernels

/// Soft thresholding `sign(x)·max(|x| − t, 0)` (BaSiCPy `_jshrinkage`), written as `x − clamp(x, −t, t)`
/// (identical for t ≥ 0).
@inline(__always)
func shrink(_ x: Float, _ t: Float) -> Float {
    x - clamp1(x, t)
}

/// Soft thresholding in double precision.
@inline(__always)
func shrink(_ x: Double, _ t: Double) -> Double {
    x - Swift.min(Swift.max(x, -t), t)
}

/// Fixed pixel blocks and a worker pool: block boundaries depend only on the pixel count, every block writes
/// its own partial results, and partials are combined in block order, so results do not depend on `workers`.
struct PixelBlocks: Sendable {
    /// Pixels per block (a multiple of 8).
    static let size = pixelGroupSize
    let pixels: Int
    let count: Int
    let workers: Int

    init(pixels: Int, workers: Int) {
        self.pixels = pixels
        self.count = Swift.max(1, (pixels + PixelBlocks.size - 1) / PixelBlocks.size)
        self.workers = Swift.max(1, Swift.min(workers, count))
    }

    @inline(__always)
    func range(_ b: Int) -> Range<Int> {
        b * PixelBlocks.size..<Swift.min(pixels, (b + 1) * PixelBlocks.size)
    }

    /// Runs `body(block)` for every block on up to `workers` threads (blocks are dealt out round-robin).
    func run(_ body: (Int) -> Void) {
        BaSiCParallel.run(count, workers: workers, body)
    }
}

enum BaSiCParallel {
    /// Runs `body(i)` for i in 0..<count on up to `workers` threads.
    static func run(_ count: Int, workers: Int, _ body: (Int) -> Void) {
        let w = Swift.min(workers, count)
        if w <= 1 {
            for i in 0..<count { body(i) }
            return
        }
        withoutActuallyEscaping(body) { body in
            let task = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: w) { t in
                var i = t
                while i < count {
                    task.value(i)
                    i += w
                }
            }
        }
    }

    /// ``run(_:workers:_:)`` with a scratch buffer per thread: `body(i, scratch)` gets `scratchCount`
    /// uninitialised floats, allocated once per thread instead of once per item (the items are dealt out as by
    /// ``run(_:workers:_:)``).
    ///
    /// - Parameters:
    ///   - count: the number of items.
    ///   - workers: the most threads to use.
    ///   - scratchCount: floats of scratch per thread (0: a one-float dummy).
    ///   - body: the work for item i, with the thread's scratch.
    /// - Complexity: O(count) calls of `body`, one allocation per thread.
    static func run(_ count: Int, workers: Int, scratchCount: Int,
                    _ body: (Int, UnsafeMutablePointer<Float>) -> Void) {
        let w = Swift.max(1, Swift.min(workers, count))
        run(w, workers: w) { thread in
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(scratchCount, 1))
            defer { scratch.deallocate() }
            var i = thread
            while i < count {
                body(i, scratch)
                i += w
            }
        }
    }
}

/// An owned, zero-initialised float buffer (stack arrays of the fit).
final class FloatBuffer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    /// A buffer of `count` floats, zero unless `zeroed` is false (then every value must be written first).
    init(count: Int, zeroed: Bool = true) {
        self.count = count
        pointer = .allocate(capacity: Swift.max(count, 1))
        if zeroed { pointer.initialize(repeating: 0, count: Swift.max(count, 1)) }
    }

    deinit { pointer.deallocate() }

    func fill(_ v: Float) { pointer.update(repeating: v, count: count) }
}

/// The orthonormal DCT smoothing step `IDCT(shrink(DCT(x), t))` of a working-size image, 2-D, or 3-D over
/// (Z, Y, X) for z-stacks, through ScopeKitFourier's `DCT` (scipy `dctn(norm='ortho')`, which BaSiCPy's
/// `JaxDCT.dct3d` equals; a one-plane 3-D DCT is the 2-D one).
struct DCTShrinker {
    let depth: Int
    let rows: Int
    let columns: Int

    init(depth: Int = 1, rows: Int, columns: Int) {
        self.depth = depth
        self.rows = rows
        self.columns = columns
    }

    var shape: [Int] { depth > 1 ? [depth, rows, columns] : [rows, columns] }

    /// Replaces `x` by `IDCT(shrink(DCT(x), threshold))`.
    func apply(_ x: inout [Double], threshold: Double) throws {
        var a = NDArray<Double>(x, shape: shape)
        a = try DCT.forward(a)
        a.withUnsafeMutableBufferPointer { p in
            for i in p.indices { p[i] = shrink(p[i], threshold) }
        }
        a = try DCT.inverse(a)
        a.withUnsafeBufferPointer { p in
            for i in p.indices { x[i] = p[i] }
        }
    }

    /// Σ |DCT(x)| (BaSiCPy's automatic λ for the approximate mode).
    func absoluteSum(_ x: [Double]) throws -> Double {
        let a = try DCT.forward(NDArray<Double>(x, shape: shape))
        return a.withUnsafeBufferPointer { p in p.reduce(0) { $0 + abs($1) } }
    }
}

/// Soft thresholding of eight lanes, `x − clamp(x, −t, t)` (identical to ``shrink(_:_:)`` lane by lane).
@inline(__always)
func shrink8(_ x: SIMD8<Float>, _ t: SIMD8<Float>) -> SIMD8<Float> {
    x - clamp8(x, t)
}
