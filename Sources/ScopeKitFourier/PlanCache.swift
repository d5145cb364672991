import ScopeKitCore
import RealModule
import Foundation

/// A process-wide, lock-protected cache of immutable plans keyed by kind, length and scalar type.
///
/// Plans are built at most once per key (under the lock) and never mutated afterwards, so the returned
/// objects are safe to share between threads.
final class PlanCache: @unchecked Sendable {
    static let shared = PlanCache()

    private struct Key: Hashable {
        let kind: String
        let count: Int
        let scalar: ObjectIdentifier
    }

    private let lock = NSLock()
    private var plans: [Key: AnyObject] = [:]

    func plan<P: AnyObject, T>(kind: String, count: Int, scalar: T.Type, make: () -> P) -> P {
        let key = Key(kind: kind, count: count, scalar: ObjectIdentifier(scalar))
        lock.lock()
        if let p = plans[key] {
            lock.unlock()
            return unsafeDowncast(p, to: P.self)
        }
        lock.unlock()
        // Build outside the lock (plans may request sub-plans), then publish the first one stored.
        let made = make()
        lock.lock()
        defer { lock.unlock() }
        if let p = plans[key] { return unsafeDowncast(p, to: P.self) }
        plans[key] = made
        return made
    }
}
