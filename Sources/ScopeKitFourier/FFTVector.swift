/// The arithmetic the butterflies need, implemented by one scalar (``ScalarVector``) and by `SIMD4`,
/// so one kernel source serves the vector loop and the scalar remainder.
protocol FFTVector {
    associatedtype Scalar: FFTScalar
    /// Scalars per value.
    static var width: Int { get }
    /// Loads `width` consecutive scalars (no alignment needed).
    init(loading p: UnsafePointer<Scalar>)
    /// The scalar repeated in every lane.
    init(broadcast s: Scalar)
    /// Stores `width` consecutive scalars.
    func store(to p: UnsafeMutablePointer<Scalar>)
    static func + (a: Self, b: Self) -> Self
    static func - (a: Self, b: Self) -> Self
    static func * (a: Self, b: Self) -> Self
}

/// A single scalar as a one-lane ``FFTVector`` (the remainder path).
struct ScalarVector<Scalar: FFTScalar>: FFTVector {
    var value: Scalar
    @inline(__always) init(_ value: Scalar) { self.value = value }
    @inline(__always) static var width: Int { 1 }
    @inline(__always) init(loading p: UnsafePointer<Scalar>) { value = p.pointee }
    @inline(__always) init(broadcast s: Scalar) { value = s }
    @inline(__always) func store(to p: UnsafeMutablePointer<Scalar>) { p.pointee = value }
    @inline(__always) static func + (a: Self, b: Self) -> Self { Self(a.value + b.value) }
    @inline(__always) static func - (a: Self, b: Self) -> Self { Self(a.value - b.value) }
    @inline(__always) static func * (a: Self, b: Self) -> Self { Self(a.value * b.value) }
}

extension SIMD4: FFTVector where Scalar: FFTScalar {
    @inline(__always) static var width: Int { 4 }
    @inline(__always) init(loading p: UnsafePointer<Scalar>) {
        self = UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Scalar>.self)
    }
    @inline(__always) init(broadcast s: Scalar) { self.init(repeating: s) }
    @inline(__always) func store(to p: UnsafeMutablePointer<Scalar>) {
        UnsafeMutableRawPointer(p).storeBytes(of: self, as: SIMD4<Scalar>.self)
    }
}

extension SIMD2: FFTVector where Scalar: FFTScalar {
    @inline(__always) static var width: Int { 2 }
    @inline(__always) init(loading p: UnsafePointer<Scalar>) {
        self = UnsafeRawPointer(p).loadUnaligned(as: SIMD2<Scalar>.self)
    }
    @inline(__always) init(broadcast s: Scalar) { self.init(repeating: s) }
    @inline(__always) func store(to p: UnsafeMutablePointer<Scalar>) {
        UnsafeMutableRawPointer(p).storeBytes(of: self, as: SIMD2<Scalar>.self)
    }
}

/// True when butterflies should use `SIMD2` (8-byte scalars) rather than `SIMD4`: 128-bit vectors keep a
/// radix-4 butterfly inside the 16 SSE/NEON registers.
@inline(__always)
func prefersPairs<T: FFTScalar>(_: T.Type) -> Bool { MemoryLayout<T>.size == 8 }
