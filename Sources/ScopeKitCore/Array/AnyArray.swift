import ComplexModule

/// An ``NDArray`` whose element type is decided at run time: what a file holds.
///
/// Readers return `AnyArray`; algorithms usually ask for a concrete type with ``asFloat32()`` or
/// ``asFloat64()`` (exact for every type but `int64`/`uint32` beyond 2^24 in float32), and writers accept
/// `AnyArray` and store the dtype it has.
///
/// ```swift
/// let image = try ImageIO.read(url)          // AnyArray, e.g. .uint16
/// let work = image.asFloat32()               // NDArray<Float>
/// print(image.dtype, image.shape)
/// ```
public enum AnyArray: Sendable, Equatable {
    case bool(NDArray<Bool>)
    case uint8(NDArray<UInt8>)
    case int8(NDArray<Int8>)
    case uint16(NDArray<UInt16>)
    case int16(NDArray<Int16>)
    case uint32(NDArray<UInt32>)
    case int32(NDArray<Int32>)
    case int64(NDArray<Int64>)
    case float32(NDArray<Float>)
    case float64(NDArray<Double>)
    case complex64(NDArray<Complex64>)

    /// Wraps a typed array.
    public init<T: ArrayElement>(_ array: NDArray<T>) {
        switch array {
        case let a as NDArray<Bool>: self = .bool(a)
        case let a as NDArray<UInt8>: self = .uint8(a)
        case let a as NDArray<Int8>: self = .int8(a)
        case let a as NDArray<UInt16>: self = .uint16(a)
        case let a as NDArray<Int16>: self = .int16(a)
        case let a as NDArray<UInt32>: self = .uint32(a)
        case let a as NDArray<Int32>: self = .int32(a)
        case let a as NDArray<Int64>: self = .int64(a)
        case let a as NDArray<Float>: self = .float32(a)
        case let a as NDArray<Double>: self = .float64(a)
        case let a as NDArray<Complex64>: self = .complex64(a)
        default: fatalError("AnyArray: unsupported element type \(T.self)")
        }
    }

    /// Creates a zero-filled array of a run-time dtype.
    public init(zeros shape: [Int], dtype: DType) {
        switch dtype {
        case .bool: self = .bool(.init(zeros: shape))
        case .uint8: self = .uint8(.init(zeros: shape))
        case .int8: self = .int8(.init(zeros: shape))
        case .uint16: self = .uint16(.init(zeros: shape))
        case .int16: self = .int16(.init(zeros: shape))
        case .uint32: self = .uint32(.init(zeros: shape))
        case .int32: self = .int32(.init(zeros: shape))
        case .int64: self = .int64(.init(zeros: shape))
        case .float32: self = .float32(.init(zeros: shape))
        case .float64: self = .float64(.init(zeros: shape))
        case .complex64: self = .complex64(.init(zeros: shape))
        }
    }

    /// Creates an array of a run-time dtype from raw little- or big-endian bytes in C order.
    ///
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` when `bytes` is shorter than the shape needs.
    public init(rawBytes bytes: UnsafeRawBufferPointer, shape: [Int], dtype: DType, bigEndian: Bool) throws {
        switch dtype {
        case .bool: self = .bool(try .init(rawBytes: bytes, shape: shape, bigEndian: bigEndian))
        case .uint8: self = .uint8(try .init(rawBytes: bytes, shape: shape, bigEndian: bigEndian))
        case .int8: self = .int8(try .init(rawBytes: bytes, shape: shape, bigEndian: bigEndian))
        case .uint16: self = .uint16(try .init(rawBytes: bytes, shape: shape, bigEndian: bigEndian))
        case .int16: self = .int16(try .init(rawBytes: bytes, shape: shape, bigEndian: bigEndian))
        case .uint32: self = .uint32(try .init(rawBytes: bytes, shape: shape, bigEndian: bigEndian))
        case .int32: self = .int32(try .init(rawBytes: bytes, shape: shape, bigEndian: bigEndian))
        case .int64: self = .int64(try .init(rawBytes: bytes, shape: shape, bigEndian: bigEndian))
        case .float32: self = .float32(try .init(rawBytes: bytes, shape: shape, bigEndian: bigEndian))
        case .float64: self = .float64(try .init(rawBytes: bytes, shape: shape, bigEndian: bigEndian))
        case .complex64: self = .complex64(try .init(rawBytes: bytes, shape: shape, bigEndian: bigEndian))
        }
    }

    /// The typed array inside, as an existential: pass it to a generic function to work on any dtype.
    ///
    /// ```swift
    /// func maximum<A: TypedArray>(_ a: A) -> Double { a.array.withUnsafeBufferPointer { … } }
    /// let m = maximum(image.erased)      // the existential opens to the concrete NDArray<T>
    /// ```
    public var erased: any TypedArray {
        switch self {
        case .bool(let a): a
        case .uint8(let a): a
        case .int8(let a): a
        case .uint16(let a): a
        case .int16(let a): a
        case .uint32(let a): a
        case .int32(let a): a
        case .int64(let a): a
        case .float32(let a): a
        case .float64(let a): a
        case .complex64(let a): a
        }
    }

    /// Wraps a typed array given as an existential.
    public init(erasing a: some TypedArray) { self.init(a.array) }

    /// The run-time element type.
    public var dtype: DType { erased.dtype }
    /// The shape, slowest axis first.
    public var shape: [Int] { erased.shape }
    /// The element count.
    public var count: Int { erased.count }
    /// Calibration of the wrapped array.
    public var calibration: Calibration {
        get { erased.calibration }
        set { modify { $0.calibration = newValue } }
    }
    /// Metadata of the wrapped array.
    public var metadata: Metadata {
        get { erased.metadata }
        set { modify { $0.metadata = newValue } }
    }

    /// Frame `i` along the first axis (no copy); see ``NDArray/frame(_:)``.
    public func frame(_ i: Int) -> AnyArray { AnyArray.frame(erased, i) }
    /// The number of frames (first-axis extent for rank ≥ 3, else 1).
    public var frameCount: Int { erased.frameCount }

    /// The same elements with another shape; see ``NDArray/reshaped(_:)``.
    public func reshaped(_ shape: [Int]) -> AnyArray { AnyArray.reshaped(erased, shape) }

    /// The values as `Float` (complex: real part; bool: 0/1), calibration and metadata kept.
    public func asFloat32() -> NDArray<Float> {
        if case .float32(let a) = self { return a }
        return AnyArray.mapToFloat32(erased)
    }

    /// The values as `Double` (complex: real part; bool: 0/1), calibration and metadata kept.
    public func asFloat64() -> NDArray<Double> {
        if case .float64(let a) = self { return a }
        return AnyArray.mapToFloat64(erased)
    }

    /// The typed array if the dtype is `T`, else `nil`.
    public func typed<T: ArrayElement>(as type: T.Type = T.self) -> NDArray<T>? {
        erased as? NDArray<T>
    }

    private static func frame<A: TypedArray>(_ a: A, _ i: Int) -> AnyArray { AnyArray(a.array.frame(i)) }

    private static func reshaped<A: TypedArray>(_ a: A, _ s: [Int]) -> AnyArray { AnyArray(a.array.reshaped(s)) }

    private static func mapToFloat32<A: TypedArray>(_ a: A) -> NDArray<Float> {
        a.array.map { Float($0.doubleValue) }
    }

    private static func mapToFloat64<A: TypedArray>(_ a: A) -> NDArray<Double> {
        a.array.map { $0.doubleValue }
    }

    private mutating func modify(_ body: (inout CalibrationCarrier) -> Void) {
        var carrier = CalibrationCarrier(calibration: calibration, metadata: metadata)
        body(&carrier)
        switch self {
        case .bool(var a): a.apply(carrier); self = .bool(a)
        case .uint8(var a): a.apply(carrier); self = .uint8(a)
        case .int8(var a): a.apply(carrier); self = .int8(a)
        case .uint16(var a): a.apply(carrier); self = .uint16(a)
        case .int16(var a): a.apply(carrier); self = .int16(a)
        case .uint32(var a): a.apply(carrier); self = .uint32(a)
        case .int32(var a): a.apply(carrier); self = .int32(a)
        case .int64(var a): a.apply(carrier); self = .int64(a)
        case .float32(var a): a.apply(carrier); self = .float32(a)
        case .float64(var a): a.apply(carrier); self = .float64(a)
        case .complex64(var a): a.apply(carrier); self = .complex64(a)
        }
    }
}

/// An ``NDArray`` of any element type, for code that works on ``AnyArray/erased``.
public protocol TypedArray: Sendable {
    associatedtype Element: ArrayElement
    /// The concrete array.
    var array: NDArray<Element> { get }
    var dtype: DType { get }
    var shape: [Int] { get }
    var count: Int { get }
    var frameCount: Int { get }
    var calibration: Calibration { get }
    var metadata: Metadata { get }
}

extension NDArray: TypedArray {
    /// The array itself (the ``TypedArray`` requirement).
    @inlinable public var array: NDArray { self }
}

/// The non-pixel part of an array, used to edit it through ``AnyArray``.
private struct CalibrationCarrier {
    var calibration: Calibration
    var metadata: Metadata
}

extension NDArray {
    fileprivate mutating func apply(_ c: CalibrationCarrier) {
        calibration = c.calibration
        metadata = c.metadata
    }
}

extension NDArray {
    /// Creates an array from raw bytes in C order, swapping byte order when `bigEndian` differs from the host.
    ///
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` when `bytes` is shorter than the shape needs.
    /// - Complexity: O(count).
    public init(rawBytes bytes: UnsafeRawBufferPointer, shape: [Int], bigEndian: Bool) throws {
        let n = NDArray.elementCount(shape)
        let size = MemoryLayout<Element>.size
        let needed = n.multipliedReportingOverflow(by: size)
        guard !needed.overflow, bytes.count >= needed.partialValue else {
            throw ScopeKitError.badInput("data holds \(bytes.count) bytes, shape \(shape) of \(Element.dtype) needs \(n * size)")
        }
        // Component size for byte swapping: complex64 swaps each Float, others the whole element.
        let swapUnit = Element.dtype == .complex64 ? 4 : size
        let swap = swapUnit > 1 && bigEndian != (1.bigEndian == 1)
        self.init(unsafeUninitializedShape: shape) { dst in
            let raw = UnsafeMutableRawBufferPointer(dst)
            if n > 0 { raw.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[0..<n * size])) }
            if swap { ByteOrder.swapInPlace(raw, unit: swapUnit) }
        }
    }

    /// Calls `body` with the elements as raw bytes in host byte order.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withUnsafeBufferPointer { try body(UnsafeRawBufferPointer($0)) }
    }
}

/// Byte-order helpers for readers and writers.
public enum ByteOrder {
    /// True on little-endian hosts (every platform Swift supports today).
    public static let hostIsLittleEndian = 1.littleEndian == 1

    /// Reverses the bytes of every `unit`-byte element of `buffer` (unit 2, 4 or 8).
    public static func swapInPlace(_ buffer: UnsafeMutableRawBufferPointer, unit: Int) {
        let n = buffer.count / unit
        guard let base = buffer.baseAddress else { return }
        switch unit {
        case 2: swap(base, n, as: UInt16.self)
        case 4: swap(base, n, as: UInt32.self)
        case 8: swap(base, n, as: UInt64.self)
        default:
            break
        }
    }

    @inline(__always)
    private static func swap<T: FixedWidthInteger>(_ base: UnsafeMutableRawPointer, _ n: Int, as: T.Type) {
        let size = MemoryLayout<T>.size
        for i in 0..<n {
            let v = base.loadUnaligned(fromByteOffset: i * size, as: T.self)
            base.storeBytes(of: v.byteSwapped, toByteOffset: i * size, as: T.self)
        }
    }
}
