import Dispatch
import Foundation
import Testing
@testable import ScopeKitCore

// The persistent worker pool behind Parallel: every index once, nested loops, concurrent callers, many tiny
// loops in a row (no lost wake-up), thread counts 1/2/3, and reductions that do not depend on them.

/// Runs `body` with `Parallel.threadCount = threads`, restoring the old value.
private func withThreads<R>(_ threads: Int, _ body: () throws -> R) rethrows -> R {
    let saved = Parallel.threadCount
    defer { Parallel.threadCount = saved }
    Parallel.threadCount = threads
    return try body()
}

/// Counts how often each index of `0..<n` is visited by `Parallel.forEach`.
private func visitCounts(_ n: Int, minimumChunk: Int = 1) -> [Int] {
    let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: n)
    counts.initialize(repeating: 0)
    defer { counts.deallocate() }
    let c = UncheckedSendable(counts)
    Parallel.forEach(0..<n, minimumChunk: minimumChunk) { i in c.value[i] += 1 }
    return Array(counts)
}

@Test(arguments: [1, 2, 3])
func forEachVisitsEveryIndexOnce(threads: Int) {
    withThreads(threads) {
        for n in [1, 2, 3, 7, 16, 100, 1001] {
            #expect(visitCounts(n) == Array(repeating: 1, count: n))
        }
        #expect(visitCounts(50, minimumChunk: 8) == Array(repeating: 1, count: 50))
    }
}

@Test func manyTinyLoopsInARowDoNotDeadlock() {
    withThreads(2) {
        let lock = NSLock()
        nonisolated(unsafe) var total = 0
        for k in 0..<20_000 {
            Parallel.forEach(0..<(2 + k % 5)) { _ in lock.lock(); total += 1; lock.unlock() }
            if k % 1000 == 999 { usleep(200) }   // let workers park now and then: wake-ups must not be lost
        }
        var expected = 0
        for k in 0..<20_000 { expected += 2 + k % 5 }
        #expect(total == expected)
    }
}

@Test func nestedLoopsRunEveryInnerIndex() {
    withThreads(3) {
        let n = 12, m = 9
        let grid = UnsafeMutableBufferPointer<Int>.allocate(capacity: n * m)
        grid.initialize(repeating: 0)
        defer { grid.deallocate() }
        let g = UncheckedSendable(grid)
        Parallel.forEach(0..<n) { i in
            Parallel.forEach(0..<m) { j in g.value[i * m + j] += i * m + j + 1 }
        }
        #expect(Array(grid) == (0 ..< n * m).map { $0 + 1 })
    }
}

@Test func concurrentCallersFromSeveralThreads() {
    withThreads(2) {
        let callers = 4, loops = 300, n = 37
        let sums = UnsafeMutableBufferPointer<Int>.allocate(capacity: callers)
        sums.initialize(repeating: 0)
        defer { sums.deallocate() }
        let s = UncheckedSendable(sums)
        DispatchQueue.concurrentPerform(iterations: callers) { c in
            for _ in 0..<loops {
                let partial = Parallel.reduce(0..<n, blockSize: 3, initial: 0,
                                              block: { r in r.reduce(0, +) }, combine: +)
                s.value[c] += partial
            }
        }
        #expect(Array(sums) == Array(repeating: loops * (n * (n - 1) / 2), count: callers))
    }
}

@Test func reductionIsTheSameAtAnyThreadCount() {
    let values: [Double] = (0..<100_003).map { (i: Int) -> Double in
        let x = Double(i)
        return sin(x * 0.37) * 1e6 + 1 / (x + 1)
    }
    let sum = { (threads: Int) -> Double in
        withThreads(threads) {
            values.withUnsafeBufferPointer { v in
                let p = UncheckedSendable(v)
                return Parallel.reduce(0..<v.count, blockSize: 4096, initial: 0.0,
                                       block: { r in r.reduce(0.0) { $0 + p.value[$1] } }, combine: +)
            }
        }
    }
    let one = sum(1)
    #expect(sum(2).bitPattern == one.bitPattern)
    #expect(sum(3).bitPattern == one.bitPattern)
}

@Test func workersKeptAwakeRunEveryIndexAndGoBackToSleep() throws {
    try withThreads(2) {
        let value = try Parallel.withWorkersAwake {
            for n in [3, 16, 100] { #expect(visitCounts(n) == Array(repeating: 1, count: n)) }
            usleep(300)   // past the normal spin: the workers must still be polling, and still run the next loop
            #expect(visitCounts(7) == Array(repeating: 1, count: 7))
            let nested = Parallel.withWorkersAwake(false) { visitCounts(5) }
            #expect(nested == Array(repeating: 1, count: 5))
            struct Failure: Error {}
            #expect(throws: Failure.self) { try Parallel.withWorkersAwake { throw Failure() } }
            return 42
        }
        #expect(value == 42)
        if #available(macOS 15, *) { #expect(_WorkerPool.awake.load(ordering: .relaxed) == 0) }
        #expect(visitCounts(9) == Array(repeating: 1, count: 9))
    }
}
