import RealModule
import ScopeKitCore

/// A real floating-point type the Fourier transforms compute in: `Float` or `Double`.
///
/// Every transform in ScopeKitFourier is generic over `FFTScalar` and specialised for both conforming types,
/// so `NDArray<Float>` stays in single precision end to end and `NDArray<Double>` in double precision.
/// Twiddle factors are always computed in `Double` and rounded once to `Self`.
///
/// ```swift
/// func spectrum<T: FFTScalar>(_ x: NDArray<T>) throws -> SplitComplexArray<T> { try FFT.realForward(x) }
/// ```
public protocol FFTScalar: RealArrayElement, BinaryFloatingPoint, Real, SIMDScalar {}

extension Float: FFTScalar {}
extension Double: FFTScalar {}

/// The scaling convention of a transform pair, as the `norm` argument of `numpy.fft` and `scipy.fft`.
///
/// | convention | forward scale | inverse scale |
/// |---|---|---|
/// | ``backward`` (default) | 1 | 1/n |
/// | ``ortho`` | 1/√n | 1/√n |
/// | ``forward`` | 1/n | 1 |
///
/// For transforms over several axes `n` is the product of the transformed lengths.
///
/// ```swift
/// let X = try FFT.forward(x, norm: .ortho)   // unitary: sum |x|² == sum |X|²
/// ```
public enum FFTNormalization: String, Sendable, CaseIterable {
    /// No scaling forward, 1/n on the inverse (numpy's default, `norm="backward"`).
    case backward
    /// 1/√n both ways: the transform is unitary (`norm="ortho"`).
    case ortho
    /// 1/n forward, no scaling on the inverse (`norm="forward"`).
    case forward

    /// The factor applied by a forward transform of length `n`.
    @inlinable
    public func forwardScale(count n: Int) -> Double {
        switch self {
        case .backward: 1
        case .ortho: 1 / Double(n).squareRoot()
        case .forward: 1 / Double(n)
        }
    }

    /// The factor applied by an inverse transform of length `n`.
    @inlinable
    public func inverseScale(count n: Int) -> Double {
        switch self {
        case .backward: 1 / Double(n)
        case .ortho: 1 / Double(n).squareRoot()
        case .forward: 1
        }
    }
}
