/// Vector loads and stores at any alignment, shared by the SIMD kernels of every module.
///
/// ```swift
/// let v = SIMD8<Float>(unaligned: p + i)     // p[i ..< i + 8]
/// storeUnaligned(v * 2, q + i)
/// ```
///
/// - Complexity: O(1); one (or two, on SSE) unaligned vector moves.
extension SIMD {
    /// The `scalarCount` scalars at `p` (any alignment).
    @inlinable @inline(__always)
    public init(unaligned p: UnsafePointer<Scalar>) {
        self = UnsafeRawPointer(p).loadUnaligned(as: Self.self)
    }

    /// The `scalarCount` scalars at `p` (any alignment).
    @inlinable @inline(__always)
    public init(unaligned p: UnsafeMutablePointer<Scalar>) {
        self = UnsafeRawPointer(p).loadUnaligned(as: Self.self)
    }
}

/// Stores the lanes of `v` at `p` (any alignment).
@inlinable @inline(__always)
public func storeUnaligned<V: SIMD>(_ v: V, _ p: UnsafeMutablePointer<V.Scalar>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self)
}

/// LLVM's `prefetch` intrinsic (`write` 0/1, `locality` 0–3, `cache` 1 = data; each an immediate constant).
/// Declared, not defined: the compiler lowers the call to the target's prefetch instruction (x86-64:
/// `prefetcht1`, or `prefetchw` for writes where the target has it), or to nothing.
@_silgen_name("llvm.prefetch.p0")
@usableFromInline func _llvmPrefetch(_ address: UnsafeRawPointer, _ write: Int32, _ locality: Int32, _ cache: Int32)

/// Asks for the cache line holding `p` to be brought into the core's L2 cache ahead of a read — a hint: it never
/// faults (any address is allowed), changes no value, and may be ignored.
///
/// Use it for data a loop will read soon from a stream the hardware prefetcher does not see in time, e.g. the next
/// frame of a stack while the current one is processed from L2.
///
/// ```swift
/// for x in stride(from: 0, to: n, by: 16) { prefetchCacheLine(next + x) }   // 16 floats = one 64-byte line
/// ```
///
/// - Parameter p: any address in the line.
/// - Complexity: O(1), one instruction.
@inlinable @inline(__always)
public func prefetchCacheLine(_ p: UnsafeRawPointer) {
    _llvmPrefetch(p, 0, 2, 1)
}

/// ``prefetchCacheLine(_:)`` for a line that will be written too (x86-64 `prefetchw`, fetched ready for a store,
/// where the target has it; else a read prefetch).
///
/// - Parameter p: any address in the line.
/// - Complexity: O(1), one instruction.
@inlinable @inline(__always)
public func prefetchCacheLineForWriting(_ p: UnsafeRawPointer) {
    _llvmPrefetch(p, 1, 2, 1)
}
