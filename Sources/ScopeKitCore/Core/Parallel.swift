import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Multi-threaded loops with results that do not depend on the thread count.
///
/// Work is cut into blocks whose boundaries depend only on the problem size (never on the number of
/// threads), and reductions combine per-block results in block order. `--threads 1` and `--threads 8`
/// therefore give the same bytes. Loops run on a persistent pool of worker threads (`_WorkerPool`: a short
/// loop costs a few microseconds, not a kernel wake-up per thread), or on Dispatch when the pool is busy
/// (another caller, or a loop nested in a pool loop).
///
/// ```swift
/// Parallel.forEach(0..<rows) { r in levelRow(r) }                  // rows in parallel
/// let sum = Parallel.reduce(0..<n, blockSize: 4096, initial: 0.0,
///                           block: { range in partialSum(range) }, combine: +)
/// ```
public enum Parallel {
    /// The number of worker threads ScopeKit uses (default: all cores). Set once at start-up (`--threads N`).
    nonisolated(unsafe) public static var threadCount: Int = ProcessInfoCores.count

    /// Runs `body` for every index in `range`, spreading contiguous chunks over ``threadCount`` threads.
    ///
    /// `body` must be safe to call concurrently for different indices (write to disjoint memory).
    ///
    /// - Parameters:
    ///   - range: the indices (e.g. rows or frames).
    ///   - minimumChunk: the least number of indices worth a thread (small loops stay serial).
    /// - Complexity: O(range.count) calls of `body`.
    @inlinable
    public static func forEach(_ range: Range<Int>, minimumChunk: Int = 1, _ body: (Int) -> Void) {
        forEachChunk(range, minimumChunk: minimumChunk) { chunk in for i in chunk { body(i) } }
    }

    /// Runs `body` with the idle pool workers polling for the next loop instead of parking (when `awake`; they
    /// still yield the core between polls), so a burst of short loops — one frame levelled for a viewer,
    /// ≈ 100 loops in a few milliseconds — starts each loop without a kernel wake-up. For interactive work of
    /// milliseconds, not for long jobs (the workers keep a core busy while `body` runs). Results are the same
    /// either way.
    ///
    /// ```swift
    /// let preview = try Parallel.withWorkersAwake { try routine.pipeline().run(on: frame) }
    /// ```
    ///
    /// - Parameters:
    ///   - awake: whether to keep the workers awake (false: just run `body`).
    ///   - body: the work.
    /// - Complexity: O(1) besides `body`.
    public static func withWorkersAwake<R>(_ awake: Bool = true, _ body: () throws -> R) rethrows -> R {
        guard awake, #available(macOS 15, *) else { return try body() }
        _WorkerPool.awake.add(1, ordering: .relaxed)
        defer { _WorkerPool.awake.subtract(1, ordering: .relaxed) }
        return try body()
    }

    /// Runs `body` on contiguous sub-ranges of `range` in parallel; the sub-ranges cover `range` exactly once.
    @inlinable
    public static func forEachChunk(_ range: Range<Int>, minimumChunk: Int = 1, _ body: (Range<Int>) -> Void) {
        let n = range.count
        guard n > 0 else { return }
        let threads = Swift.max(1, Swift.min(threadCount, n / Swift.max(minimumChunk, 1)))
        if threads == 1 {
            body(range)
            return
        }
        // A few chunks per thread balances uneven work; boundaries do not affect results of forEach.
        let chunks = Swift.min(n, threads * 4)
        let runChunk = { (c: Int) in
            let lo = range.lowerBound + n * c / chunks
            let hi = range.lowerBound + n * (c + 1) / chunks
            if lo < hi { body(lo..<hi) }
        }
        // the persistent pool when it is free (not owned by another caller or an enclosing loop), else Dispatch
        if #available(macOS 15, *), _WorkerPool.run(indices: chunks, threads: threads, runChunk) { return }
        withoutActuallyEscaping(runChunk) { runChunk in
            let task = UncheckedSendable(runChunk)
            DispatchQueue.concurrentPerform(iterations: chunks) { c in task.value(c) }
        }
    }

    /// A deterministic parallel reduction: `block` maps fixed-size blocks of `range` to partial results,
    /// which `combine` folds in block order, starting from `initial`.
    ///
    /// Block boundaries are multiples of `blockSize` from `range.lowerBound`, independent of ``threadCount``.
    ///
    /// - Complexity: O(range.count / blockSize) partial results plus the work of `block`.
    @inlinable
    public static func reduce<T>(_ range: Range<Int>, blockSize: Int, initial: T,
                                 block: (Range<Int>) -> T, combine: (T, T) -> T) -> T {
        let n = range.count
        guard n > 0 else { return initial }
        let size = Swift.max(blockSize, 1)
        let blocks = (n + size - 1) / size
        if blocks == 1 { return combine(initial, block(range)) }
        let partials = UnsafeMutableBufferPointer<T?>.allocate(capacity: blocks)
        partials.initialize(repeating: nil)
        defer { partials.deinitialize(); partials.deallocate() }
        let slots = UncheckedSendable(partials)
        forEach(0..<blocks) { b in
            let lo = range.lowerBound + b * size
            let hi = Swift.min(lo + size, range.upperBound)
            slots.value[b] = block(lo..<hi)
        }
        var result = initial
        for p in partials { result = combine(result, p!) }
        return result
    }
}

/// Carries a value across a concurrency boundary the compiler cannot check (parallel loops over disjoint
/// memory). Use only where each thread touches its own part of the data.
///
/// ```swift
/// let out = UncheckedSendable(buffer)          // UnsafeMutableBufferPointer<Float>
/// Parallel.forEach(0..<rows) { r in out.value[r * cols] = 0 }
/// ```
public struct UncheckedSendable<T>: @unchecked Sendable {
    public let value: T
    @inlinable public init(_ value: T) { self.value = value }
}

/// The number of online cores, read once.
public enum ProcessInfoCores {
    public static let count: Int = {
        #if canImport(Glibc) || canImport(Darwin)
        let n = sysconf(Int32(_SC_NPROCESSORS_ONLN))
        return n > 0 ? Int(n) : 1
        #else
        return 1
        #endif
    }()
}
