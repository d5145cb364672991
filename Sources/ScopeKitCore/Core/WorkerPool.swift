import Dispatch
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The persistent worker threads behind ``Parallel``: one caller at a time hands them a loop of `chunks`
/// indices; the caller and up to `threads − 1` workers claim indices until none are left.
///
/// Workers spin for a short, bounded time (``spinNanoseconds``) after each loop, so the next loop of a
/// sequence (a preview runs ≈ 40 of them in a few milliseconds) starts without a kernel wake-up; then they
/// park on their own semaphore. A loop that finds the pool owned by another caller (a concurrent caller or a
/// loop nested in a pool loop) returns `false` and the caller falls back to Dispatch. Which thread runs an
/// index never changes results: ``Parallel`` fixes block boundaries by the problem size alone.
///
/// The claim counter, the loop's generation, its index count and its thread limit share one 64-bit atomic
/// (`ticket`), so a worker that wakes late can never claim an index of a newer loop with an older loop's
/// body: a claim succeeds only while its generation is current, and the loop's body stays alive until every
/// claimed index has finished.
///
/// Reference: the spin-then-park scheme of OpenMP runtimes (`KMP_BLOCKTIME`) and Rayon's sleep module.
@available(macOS 15, *)
@usableFromInline
final class _WorkerPool: @unchecked Sendable {
    /// The process-wide pool (workers are started on first use, as many as the largest thread count asked).
    @usableFromInline static let shared = _WorkerPool()

    /// Whether loops use the pool: `SCOPEKIT_WORKER_POOL=0` in the environment turns it off (every loop then
    /// goes to Dispatch, as before the pool; for A/B timing and oversubscribed machines).
    static let enabled: Bool = ProcessInfo.processInfo.environment["SCOPEKIT_WORKER_POOL"] != "0"

    /// How long an idle worker (or the waiting caller) polls before parking, in nanoseconds: 10 µs covers the
    /// back-to-back loops of a kernel (counting-median rounds, row passes); `SCOPEKIT_WORKER_SPIN_US` overrides
    /// it. Longer spins cost more than they save on a loaded machine (the polling thread takes its own
    /// process's CPU share: 40 µs was 15–30 % slower than Dispatch at load average 4–8 on 2 cores).
    static let spinNanoseconds: UInt64 =
        UInt64(ProcessInfo.processInfo.environment["SCOPEKIT_WORKER_SPIN_US"] ?? "").map { $0 * 1000 } ?? 10_000
    /// The callers inside ``Parallel/withWorkersAwake(_:)``: while there is one, polling threads do not park
    /// after ``spinNanoseconds`` (they keep yielding the core between polls).
    static let awake = Atomic<Int>(0)
    /// After this long a polling thread yields its core between polls (a loaded machine: another runnable
    /// thread, perhaps the one the poller waits for, gets the core).
    static let yieldNanoseconds: UInt64 = 3_000

    /// Polls `ready` until it returns true (→ true) or ``spinNanoseconds`` pass (→ false), yielding the core
    /// between polls after ``yieldNanoseconds``.
    @inline(__always)
    static func poll(_ ready: () -> Bool) -> Bool {
        let start = DispatchTime.now().uptimeNanoseconds
        var spins = 0
        while true {
            if ready() { return true }
            spins &+= 1
            if spins & 63 == 0 {
                let elapsed = DispatchTime.now().uptimeNanoseconds &- start
                if elapsed > spinNanoseconds && awake.load(ordering: .relaxed) == 0 { return false }
                if elapsed > yieldNanoseconds { sched_yield() }
            }
        }
    }

    // ticket layout: next index (14 bits) | index count (14) | thread limit (12) | generation (24)
    static let indexBits: UInt64 = 14, limitBits: UInt64 = 12
    static let indexMask: UInt64 = (1 << indexBits) - 1, limitMask: UInt64 = (1 << limitBits) - 1
    static let countShift = indexBits, limitShift = 2 * indexBits, generationShift = 2 * indexBits + limitBits
    /// The largest loop (indices) and thread count the pool takes; larger ones go to Dispatch.
    static let maxIndices = Int(indexMask), maxThreads = Int(limitMask)

    /// One parked-or-spinning worker thread.
    final class Worker: @unchecked Sendable {
        let index: Int
        let sleeping = Atomic<Bool>(false)
        let semaphore = DispatchSemaphore(value: 0)
        init(index: Int) { self.index = index }
    }

    let owner = Atomic<Bool>(false)
    let ticket = Atomic<UInt64>(0)
    let done = Atomic<Int>(0)
    /// `generation + 1` of the loop whose owner is parked waiting for it, else 0. Keyed by generation so that a
    /// finisher of an older loop, delayed between its last count and this check, can never wake the owner of a
    /// newer loop early.
    let callerWaiting = Atomic<UInt64>(0)
    let callerSemaphore = DispatchSemaphore(value: 0)
    /// The body of the current loop; written by the owner only while no index is claimed.
    var job: (Int) -> Void = { _ in }
    /// Owner-only state.
    var generation: UInt64 = 0
    var workers: [Worker] = []

    @inline(__always) static func generation(_ t: UInt64) -> UInt64 { t >> generationShift }
    @inline(__always) static func next(_ t: UInt64) -> Int { Int(t & indexMask) }
    @inline(__always) static func count(_ t: UInt64) -> Int { Int((t >> countShift) & indexMask) }
    @inline(__always) static func limit(_ t: UInt64) -> Int { Int((t >> limitShift) & limitMask) }

    /// Runs `body(i)` for every `i` in `0..<indices` on the caller and up to `threads − 1` pool workers.
    ///
    /// - Parameters:
    ///   - indices: the number of indices (chunks) of the loop.
    ///   - threads: the most threads that run the loop, the caller included (≥ 2).
    ///   - body: called once per index, concurrently for different indices.
    /// - Returns: `false` (nothing ran) when the pool is owned by another loop or the loop is too large;
    ///   the caller then runs the loop another way.
    /// - Complexity: O(indices) atomic claims plus the work of `body`; wakes at most `threads − 1` parked
    ///   workers.
    @usableFromInline
    static func run(indices: Int, threads: Int, _ body: (Int) -> Void) -> Bool {
        guard indices > 0, indices <= maxIndices, threads >= 2, threads <= maxThreads, enabled else { return false }
        let pool = shared
        guard pool.owner.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            return false
        }
        pool.start(body, indices: indices, threads: threads)
        pool.owner.store(false, ordering: .releasing)
        return true
    }

    /// Publishes a loop (owner only), wakes parked workers, takes part, and returns when every index is done.
    func start(_ body: (Int) -> Void, indices: Int, threads: Int) {
        while workers.count < threads - 1 { spawnWorker() }
        withoutActuallyEscaping(body) { body in
            job = body
            done.store(0, ordering: .relaxed)
            generation = (generation + 1) & ((1 << (64 - Self.generationShift)) - 1)
            let t = generation << Self.generationShift | UInt64(threads) << Self.limitShift
                | UInt64(indices) << Self.countShift
            ticket.store(t, ordering: .sequentiallyConsistent)
            for k in 0 ..< threads - 1 where workers[k].sleeping.exchange(false, ordering: .sequentiallyConsistent) {
                workers[k].semaphore.signal()
            }
            work(generation: generation, from: t)
            waitUntilDone(indices, generation: generation)
            job = { _ in }
        }
    }

    /// Claims and runs indices of loop `generation` until none are left (`t`: a recent ticket value).
    @inline(__always)
    func work(generation: UInt64, from t: UInt64) {
        var t = t
        while Self.generation(t) == generation && Self.next(t) < Self.count(t) {
            let (claimed, seen) = ticket.compareExchange(expected: t, desired: t + 1,
                                                         ordering: .acquiringAndReleasing)
            if !claimed { t = seen; continue }
            runIndex(Self.next(t))
            let finished = done.add(1, ordering: .sequentiallyConsistent).newValue
            if finished == Self.count(t),
               callerWaiting.compareExchange(expected: generation + 1, desired: 0,
                                             ordering: .sequentiallyConsistent).exchanged {
                callerSemaphore.signal()
            }
            t = ticket.load(ordering: .acquiring)
        }
    }

    /// Calls the current body (kept out of line, so the body's context is released before the index counts
    /// as done).
    @inline(never)
    func runIndex(_ i: Int) { job(i) }

    /// The owner's wait for every claimed index to finish: polls briefly, then parks.
    func waitUntilDone(_ indices: Int, generation: UInt64) {
        if Self.poll({ done.load(ordering: .acquiring) >= indices }) { return }
        let token = generation + 1
        callerWaiting.store(token, ordering: .sequentiallyConsistent)
        if done.load(ordering: .sequentiallyConsistent) >= indices {
            // a finisher that saw the token signals: consume that signal
            if !callerWaiting.compareExchange(expected: token, desired: 0,
                                              ordering: .sequentiallyConsistent).exchanged {
                callerSemaphore.wait()
            }
        } else {
            callerSemaphore.wait()
        }
    }

    /// Starts one more worker thread (owner only; workers live for the rest of the process).
    func spawnWorker() {
        let worker = Worker(index: workers.count)
        workers.append(worker)
        let thread = Thread { [self] in self.workerLoop(worker) }
        thread.stackSize = 8 << 20
        thread.name = "ScopeKit.worker.\(worker.index)"
        thread.start()
    }

    /// A worker's life: wait for a newer loop, take part in it when its thread limit includes this worker.
    func workerLoop(_ worker: Worker) -> Never {
        var seen = Self.generation(ticket.load(ordering: .acquiring))
        while true {
            var t = ticket.load(ordering: .acquiring)
            if Self.generation(t) == seen { t = waitForLoop(worker, after: seen) }
            seen = Self.generation(t)
            if worker.index + 1 < Self.limit(t) { work(generation: seen, from: t) }
        }
    }

    /// Waits (spin, then park) until a loop newer than generation `seen` is published; returns its ticket.
    func waitForLoop(_ worker: Worker, after seen: UInt64) -> UInt64 {
        var t: UInt64 = 0
        if Self.poll({ t = ticket.load(ordering: .acquiring); return Self.generation(t) != seen }) { return t }
        worker.sleeping.store(true, ordering: .sequentiallyConsistent)
        t = ticket.load(ordering: .sequentiallyConsistent)
        if Self.generation(t) != seen {
            // the owner that clears the flag signals: consume that signal
            if !worker.sleeping.exchange(false, ordering: .sequentiallyConsistent) { worker.semaphore.wait() }
            return t
        }
        worker.semaphore.wait()
        return ticket.load(ordering: .acquiring)
    }
}
