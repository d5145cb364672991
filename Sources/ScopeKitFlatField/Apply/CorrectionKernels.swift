import ScopeKitCore

/// A pixel type the flat-field kernel reads: eight at a time as `SIMD8<Float>`.
public protocol FlatFieldInput: ArrayElement {
    /// Eight pixels from `p` (unaligned) as floats.
    static func load8(_ p: UnsafePointer<Self>) -> SIMD8<Float>
    /// One pixel as a float.
    var floatValue: Float { get }
}

/// A pixel type the flat-field kernel writes: integers are rounded to nearest (ties to even), clipped to their
/// range, NaN → 0; floats are stored as computed.
public protocol FlatFieldOutput: ArrayElement {
    static func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Self>)
    /// One value rounded, clipped and converted (floats: as is).
    static func flatFieldValue(_ v: Float) -> Self
}

extension SIMD8 where Scalar == Float {
    /// Rounded to nearest even, clipped to lo…hi, NaN → 0.
    @inlinable func roundedClipped(_ lo: Float, _ hi: Float) -> SIMD8<Float> {
        let r = self.replacing(with: 0, where: self .!= self).rounded(.toNearestOrEven)
        return r.clamped(lowerBound: SIMD8(repeating: lo), upperBound: SIMD8(repeating: hi))
    }
}

@inlinable func roundedClipped(_ v: Float, _ lo: Float, _ hi: Float) -> Float {
    v != v ? 0 : Swift.min(Swift.max(v.rounded(.toNearestOrEven), lo), hi)
}

extension UInt8: FlatFieldInput, FlatFieldOutput {
    @inlinable public static func load8(_ p: UnsafePointer<UInt8>) -> SIMD8<Float> {
        SIMD8<Float>(UnsafeRawPointer(p).loadUnaligned(as: SIMD8<UInt8>.self))
    }
    @inlinable public var floatValue: Float { Float(self) }
    @inlinable public static func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<UInt8>) {
        UnsafeMutableRawPointer(p).storeBytes(of: SIMD8<UInt8>(v.roundedClipped(0, 255)), as: SIMD8<UInt8>.self)
    }
    @inlinable public static func flatFieldValue(_ v: Float) -> Self { UInt8(roundedClipped(v, 0, 255)) }
}

extension Int8: FlatFieldInput, FlatFieldOutput {
    @inlinable public static func load8(_ p: UnsafePointer<Int8>) -> SIMD8<Float> {
        SIMD8<Float>(UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Int8>.self))
    }
    @inlinable public var floatValue: Float { Float(self) }
    @inlinable public static func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Int8>) {
        UnsafeMutableRawPointer(p).storeBytes(of: SIMD8<Int8>(v.roundedClipped(-128, 127)), as: SIMD8<Int8>.self)
    }
    @inlinable public static func flatFieldValue(_ v: Float) -> Self { Int8(roundedClipped(v, -128, 127)) }
}

extension UInt16: FlatFieldInput, FlatFieldOutput {
    @inlinable public static func load8(_ p: UnsafePointer<UInt16>) -> SIMD8<Float> {
        SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: UnsafeRawPointer(p).loadUnaligned(as: SIMD8<UInt16>.self)))
    }
    @inlinable public var floatValue: Float { Float(self) }
    @inlinable public static func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<UInt16>) {
        let i = SIMD8<Int32>(v.roundedClipped(0, 65535))
        UnsafeMutableRawPointer(p).storeBytes(of: SIMD8<UInt16>(truncatingIfNeeded: i), as: SIMD8<UInt16>.self)
    }
    @inlinable public static func flatFieldValue(_ v: Float) -> Self { UInt16(roundedClipped(v, 0, 65535)) }
}

extension Int16: FlatFieldInput, FlatFieldOutput {
    @inlinable public static func load8(_ p: UnsafePointer<Int16>) -> SIMD8<Float> {
        SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Int16>.self)))
    }
    @inlinable public var floatValue: Float { Float(self) }
    @inlinable public static func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Int16>) {
        let i = SIMD8<Int32>(v.roundedClipped(-32768, 32767))
        UnsafeMutableRawPointer(p).storeBytes(of: SIMD8<Int16>(truncatingIfNeeded: i), as: SIMD8<Int16>.self)
    }
    @inlinable public static func flatFieldValue(_ v: Float) -> Self { Int16(roundedClipped(v, -32768, 32767)) }
}

extension UInt32: FlatFieldInput, FlatFieldOutput {
    @inlinable public static func load8(_ p: UnsafePointer<UInt32>) -> SIMD8<Float> {
        SIMD8<Float>(UnsafeRawPointer(p).loadUnaligned(as: SIMD8<UInt32>.self))
    }
    @inlinable public var floatValue: Float { Float(self) }
    @inlinable public static func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<UInt32>) {
        for k in 0..<8 { p[k] = UInt32.flatFieldValue(v[k]) }
    }
    /// Clipped in double precision, so 4294967295 is reachable.
    @inlinable public static func flatFieldValue(_ v: Float) -> Self {
        v != v ? 0 : UInt32(Swift.min(Swift.max(Double(v).rounded(.toNearestOrEven), 0), 4294967295))
    }
}

extension Int32: FlatFieldInput, FlatFieldOutput {
    @inlinable public static func load8(_ p: UnsafePointer<Int32>) -> SIMD8<Float> {
        SIMD8<Float>(UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Int32>.self))
    }
    @inlinable public var floatValue: Float { Float(self) }
    @inlinable public static func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Int32>) {
        for k in 0..<8 { p[k] = Int32.flatFieldValue(v[k]) }
    }
    @inlinable public static func flatFieldValue(_ v: Float) -> Self {
        v != v ? 0 : Int32(Swift.min(Swift.max(Double(v).rounded(.toNearestOrEven), -2147483648), 2147483647))
    }
}

extension Float: FlatFieldInput, FlatFieldOutput {
    @inlinable public static func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }
    @inlinable public var floatValue: Float { self }
    @inlinable public static func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
    }
    @inlinable public static func flatFieldValue(_ v: Float) -> Self { v }
}

extension Double: FlatFieldInput, FlatFieldOutput {
    @inlinable public static func load8(_ p: UnsafePointer<Double>) -> SIMD8<Float> {
        SIMD8<Float>(UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Double>.self))
    }
    @inlinable public var floatValue: Float { Float(self) }
    @inlinable public static func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Double>) {
        UnsafeMutableRawPointer(p).storeBytes(of: SIMD8<Double>(v), as: SIMD8<Double>.self)
    }
    @inlinable public static func flatFieldValue(_ v: Float) -> Self { Double(v) }
}

/// The flat-field kernel: `out = g((in − dark)/flat − offset)` for `count` pixels, where g subtracts the
/// baseline `b` when given (`y > b ? y − b : 0`) and then stores into the output type.
///
/// - Parameters:
///   - dark: per-pixel dark-field (already including `S·B_n` for the additive time-lapse mode).
///   - flat: per-pixel flat-field (1 for the additive mode).
///   - offset: the multiplicative time-lapse baseline B_n, else 0.
/// - Complexity: O(count), eight pixels per step.
@inlinable
public func flatFieldCorrect<I: FlatFieldInput, O: FlatFieldOutput>(
    _ src: UnsafePointer<I>, _ dst: UnsafeMutablePointer<O>, dark: UnsafePointer<Float>,
    flat: UnsafePointer<Float>, count: Int, offset: Float, subtract b: Float?) {
    var i = 0
    let off = SIMD8<Float>(repeating: offset)
    if let b {
        let bv = SIMD8<Float>(repeating: b)
        while i + 8 <= count {
            let x = I.load8(src + i)
            let d = UnsafeRawPointer(dark + i).loadUnaligned(as: SIMD8<Float>.self)
            let s = UnsafeRawPointer(flat + i).loadUnaligned(as: SIMD8<Float>.self)
            let y = (x - d) / s - off
            O.store8((y - bv).replacing(with: 0, where: .!(y .> bv)), dst + i)
            i += 8
        }
        while i < count {
            let y = (src[i].floatValue - dark[i]) / flat[i] - offset
            dst[i] = O.flatFieldValue(y > b ? y - b : 0)
            i += 1
        }
    } else {
        while i + 8 <= count {
            let x = I.load8(src + i)
            let d = UnsafeRawPointer(dark + i).loadUnaligned(as: SIMD8<Float>.self)
            let s = UnsafeRawPointer(flat + i).loadUnaligned(as: SIMD8<Float>.self)
            O.store8((x - d) / s - off, dst + i)
            i += 8
        }
        while i < count {
            dst[i] = O.flatFieldValue((src[i].floatValue - dark[i]) / flat[i] - offset)
            i += 1
        }
    }
}
