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
