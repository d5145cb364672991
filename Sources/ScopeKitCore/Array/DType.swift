import ComplexModule
import RealModule

/// The element type of an array, decided at run time (what a file holds).
///
/// The names follow numpy (`uint16`, `float32`, `complex64`) so that messages, `info --json` and NPY
/// descriptors read the same as in the Python anchors.
///
/// ```swift
/// let t = DType(name: "uint16")!   // .uint16
/// t.byteCount                      // 2
/// ```
public enum DType: String, Sendable, CaseIterable, Codable, CustomStringConvertible {
    case bool, uint8, int8, uint16, int16, uint32, int32, int64, float32, float64, complex64

    /// Creates a dtype from its numpy name (`"uint16"`), or `nil` for an unknown name.
    public init?(name: String) { self.init(rawValue: name.lowercased()) }

    /// The numpy name (`"uint16"`).
    public var name: String { rawValue }
    public var description: String { rawValue }

    /// Bytes per element.
    public var byteCount: Int {
        switch self {
        case .bool, .uint8, .int8: 1
        case .uint16, .int16: 2
        case .uint32, .int32, .float32: 4
        case .int64, .float64, .complex64: 8
        }
    }

    /// True for `float32` and `float64`.
    public var isFloatingPoint: Bool { self == .float32 || self == .float64 }
    /// True for the integer types (not `bool`).
    public var isInteger: Bool { !isFloatingPoint && self != .complex64 && self != .bool }
    /// True for the signed integer types.
    public var isSignedInteger: Bool { self == .int8 || self == .int16 || self == .int32 || self == .int64 }
    /// True for `complex64`.
    public var isComplex: Bool { self == .complex64 }

    /// The representable range of an integer or bool type as `Double`s; `nil` for floating-point and complex.
    ///
    /// `int64`'s bounds are rounded to the nearest `Double` (±9.223372036854776e18).
    public var integerRange: ClosedRange<Double>? {
        switch self {
        case .bool: 0...1
        case .uint8: 0...255
        case .int8: -128...127
        case .uint16: 0...65535
        case .int16: -32768...32767
        case .uint32: 0...4_294_967_295
        case .int32: -2_147_483_648...2_147_483_647
        case .int64: Double(Int64.min)...Double(Int64.max)
        default: nil
        }
    }
}

/// A type that can be stored in an ``NDArray``: the eleven element types ScopeKit supports.
///
/// Every conforming type is a plain value type with a fixed byte layout, so arrays of it can be read from and
/// written to files by reinterpreting memory.
public protocol ArrayElement: Sendable, Equatable {
    /// The run-time tag of this element type.
    static var dtype: DType { get }
    /// The additive identity (false for `Bool`).
    static var zero: Self { get }
    /// The value as a `Double` (the real part for complex, 0/1 for `Bool`).
    var doubleValue: Double { get }
    /// The value from a `Double`, converted the way Swift's numeric initialisers do for in-range values.
    ///
    /// Callers that need clipping, rounding or range checks use ``ConversionPolicy``; this initialiser is the
    /// raw step after those decisions (for integers it truncates, so round first).
    init(unchecked value: Double)
}

/// An element type with real numeric values (all types but `Bool` and `Complex<Float>`).
public protocol RealArrayElement: ArrayElement, Comparable, Numeric {}

extension Bool: ArrayElement {
    @inlinable public static var dtype: DType { .bool }
    @inlinable public static var zero: Bool { false }
    @inlinable public var doubleValue: Double { self ? 1 : 0 }
    @inlinable public init(unchecked value: Double) { self = value != 0 }
}

extension UInt8: RealArrayElement {
    @inlinable public static var dtype: DType { .uint8 }
    @inlinable public var doubleValue: Double { Double(self) }
    @inlinable public init(unchecked value: Double) { self.init(value) }
}
extension Int8: RealArrayElement {
    @inlinable public static var dtype: DType { .int8 }
    @inlinable public var doubleValue: Double { Double(self) }
    @inlinable public init(unchecked value: Double) { self.init(value) }
}
extension UInt16: RealArrayElement {
    @inlinable public static var dtype: DType { .uint16 }
    @inlinable public var doubleValue: Double { Double(self) }
    @inlinable public init(unchecked value: Double) { self.init(value) }
}
extension Int16: RealArrayElement {
    @inlinable public static var dtype: DType { .int16 }
    @inlinable public var doubleValue: Double { Double(self) }
    @inlinable public init(unchecked value: Double) { self.init(value) }
}
extension UInt32: RealArrayElement {
    @inlinable public static var dtype: DType { .uint32 }
    @inlinable public var doubleValue: Double { Double(self) }
    @inlinable public init(unchecked value: Double) { self.init(value) }
}
extension Int32: RealArrayElement {
    @inlinable public static var dtype: DType { .int32 }
    @inlinable public var doubleValue: Double { Double(self) }
    @inlinable public init(unchecked value: Double) { self.init(value) }
}
extension Int64: RealArrayElement {
    @inlinable public static var dtype: DType { .int64 }
    @inlinable public var doubleValue: Double { Double(self) }
    @inlinable public init(unchecked value: Double) { self.init(value) }
}
extension Float: RealArrayElement {
    @inlinable public static var dtype: DType { .float32 }
    @inlinable public var doubleValue: Double { Double(self) }
    @inlinable public init(unchecked value: Double) { self.init(value) }
}
extension Double: RealArrayElement {
    @inlinable public static var dtype: DType { .float64 }
    @inlinable public var doubleValue: Double { self }
    @inlinable public init(unchecked value: Double) { self = value }
}
extension Complex: ArrayElement where RealType == Float {
    @inlinable public static var dtype: DType { .complex64 }
    @inlinable public var doubleValue: Double { Double(real) }
    @inlinable public init(unchecked value: Double) { self.init(Float(value), 0) }
}

/// Complex single precision, numpy's `complex64`.
public typealias Complex64 = Complex<Float>
