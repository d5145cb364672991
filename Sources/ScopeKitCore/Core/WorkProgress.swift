import Foundation

/// WorkProgress of long work (frames, tiles, sections), reported from any thread.
///
/// Library functions that loop over many items take an optional `WorkProgress` and call ``advance(by:)`` as
/// items finish; the CLI shows it as a bar on stderr when stderr is a terminal. Reporting never changes
/// results and costs one atomic-style increment under a lock per item.
///
/// ```swift
/// let progress = WorkProgress(total: frames, label: "levelling") { done, total in … }
/// Parallel.forEach(0..<frames) { f in work(f); progress.advance() }
/// ```
public final class WorkProgress: @unchecked Sendable {
    /// Items to do.
    public let total: Int
    /// What is being done (`"reading"`, `"levelling"`).
    public let label: String
    private let lock = NSLock()
    private var done = 0
    private let handler: @Sendable (_ done: Int, _ total: Int, _ label: String) -> Void

    /// Creates a progress counter calling `handler` after each advance.
    public init(total: Int, label: String = "",
                handler: @escaping @Sendable (_ done: Int, _ total: Int, _ label: String) -> Void) {
        self.total = total
        self.label = label
        self.handler = handler
    }

    /// Items finished so far.
    public var completed: Int { lock.withLock { done } }

    /// Marks `count` more items as finished.
    public func advance(by count: Int = 1) {
        let now = lock.withLock { () -> Int in
            done = Swift.min(done + count, total)
            return done
        }
        handler(now, total, label)
    }

    /// A progress that reports nowhere.
    public static func silent(total: Int) -> WorkProgress { WorkProgress(total: total) { _, _, _ in } }
}
