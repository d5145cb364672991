import RealModule
import ComplexModule
import ScopeKitCore

/// A complex N-D array stored as two real arrays of the same shape: the real and the imaginary parts.
///
/// This is how ScopeKitFourier returns complex results in both precisions (``NDArray`` has `complex64` as
/// its only complex element type). Split storage is also what the transforms compute in, so no conversion
/// is needed between chained transforms. Convert to and from interleaved `NDArray<Complex64>` with
/// ``init(_:)`` and ``interleaved``.
///
/// ```swift
/// let x = NDArray<Double>([1, 2, 3, 4], shape: [4])
/// let X = try FFT.forward(SplitComplexArray(real: x))   // X.real = [10, -2, -2, -2], X.imaginary = [0, 2, 0, -2]
/// X[flat: 1]                                             // Complex(-2.0, 2.0)
/// ```
public struct SplitComplexArray<T: FFTScalar>: Sendable, Equatable {
    /// The real parts.
    public var real: NDArray<T>
    /// The imaginary parts (same shape as ``real``).
    public var imaginary: NDArray<T>

    /// The extent of each axis, slowest first.
    public var shape: [Int] { real.shape }
    /// The number of elements.
    public var count: Int { real.count }
    /// The number of axes.
    public var rank: Int { real.rank }

    /// Creates a complex array from its real and imaginary parts.
    ///
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` when the shapes differ.
    public init(real: NDArray<T>, imaginary: NDArray<T>) throws {
        guard real.shape == imaginary.shape else {
            throw ScopeKitError.badInput("complex parts have shapes \(real.shape) and \(imaginary.shape)")
        }
        self.real = real
        self.imaginary = imaginary
    }

    /// Creates a complex array with the given real parts and zero imaginary parts.
    public init(real: NDArray<T>) {
        self.real = real
        imaginary = zeros(real.shape, of: T.self)
    }

    /// Creates a complex array of zeros.
    public init(zeros shape: [Int]) {
        real = zeros(shape, of: T.self)
        imaginary = zeros(shape, of: T.self)
    }

    /// Internal: parts known to have equal shapes.
    init(uncheckedReal real: NDArray<T>, imaginary: NDArray<T>) {
        self.real = real
        self.imaginary = imaginary
    }

    /// The element at a flat (C-order) position.
    public subscript(flat i: Int) -> Complex<T> {
        get { Complex(real[flat: i], imaginary[flat: i]) }
        set {
            real[flat: i] = newValue.real
            imaginary[flat: i] = newValue.imaginary
        }
    }

    /// The element at a multi-index.
    public subscript(_ index: Int...) -> Complex<T> {
        get { self[flat: real.flatIndex(index)] }
        set { self[flat: real.flatIndex(index)] = newValue }
    }

    /// The magnitudes `|z|` (numpy's `abs`), computed without intermediate overflow.
    public var magnitude: NDArray<T> {
        magnitudes()
    }

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func magnitudes() -> NDArray<T> {
        var out = real
        imaginary.withUnsafeBufferPointer { im in
            out.withUnsafeMutableBufferPointer { o in
                for i in o.indices { o[i] = Complex(o[i], im[i]).length }
            }
        }
        return out
    }
}

extension SplitComplexArray where T == Float {
    /// Splits an interleaved `complex64` array into real and imaginary parts.
    ///
    /// - Complexity: O(count).
    public init(_ interleaved: NDArray<Complex<Float>>) {
        let shape = interleaved.shape
        var re = zeros(shape, of: Float.self), im = zeros(shape, of: Float.self)
        interleaved.withUnsafeBufferPointer { src in
            re.withUnsafeMutableBufferPointer { r in
                im.withUnsafeMutableBufferPointer { i in
                    for k in src.indices { r[k] = src[k].real; i[k] = src[k].imaginary }
                }
            }
        }
        self.init(uncheckedReal: re, imaginary: im)
    }

    /// The same values as an interleaved `complex64` array.
    ///
    /// - Complexity: O(count).
    public var interleaved: NDArray<Complex<Float>> {
        real.withUnsafeBufferPointer { r in
            imaginary.withUnsafeBufferPointer { i in
                NDArray<Complex<Float>>(unsafeUninitializedShape: shape) { dst in
                    for k in dst.indices { dst[k] = Complex(r[k], i[k]) }
                }
            }
        }
    }
}
