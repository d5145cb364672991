import ScopeKitCore
import ScopeKitFlatFieldAVX2
import ScopeKitFlatFieldKernels

/// A pixel type the flat-field kernel reads.
public protocol FlatFieldInput: ArrayElement {
    /// One pixel as a float.
    var flatFieldFloat: Float { get }
}

/// A pixel type the flat-field kernel writes: integers are rounded to nearest (ties to even), clipped to their
/// range, NaN → 0; floats are stored as computed.
public protocol FlatFieldOutput: ArrayElement {
    /// One value rounded, clipped and converted (floats: as is).
    static func flatFieldValue(_ v: Float) -> Self
}

/// The bits of `v` clipped to `lo…hi` (NaN → 0) and rounded to an integer (ties to even) by adding `magic`:
/// 2²³ for non-negative ranges, 1.5·2²³ for signed ones. In `[2²³, 2²⁴)` a float's spacing is 1, so the addition
/// rounds in the current (nearest-even) mode and the low mantissa bits hold the integer (two's complement modulo
/// 2¹⁶ for the signed offset, since 2²² is a multiple of 2¹⁶). Branch-free and libm-free, so loops over it
/// vectorise on baseline x86-64 (no SSE4.1 `roundps`); valid for `|lo|, |hi| ≤ 2²²`.
@inlinable @inline(__always)
func roundedBits(_ v: Float, _ lo: Float, _ hi: Float, magic: Float) -> UInt32 {
    let c = v != v ? 0 : Swift.min(Swift.max(v, lo), hi)
    return (c + magic).bitPattern
}

extension UInt8: FlatFieldInput, FlatFieldOutput {
    @inlinable public var flatFieldFloat: Float { Float(self) }
    @inlinable public static func flatFieldValue(_ v: Float) -> Self {
        UInt8(truncatingIfNeeded: roundedBits(v, 0, 255, magic: 8_388_608))
    }
}

extension Int8: FlatFieldInput, FlatFieldOutput {
    @inlinable public var flatFieldFloat: Float { Float(self) }
    @inlinable public static func flatFieldValue(_ v: Float) -> Self {
        Int8(truncatingIfNeeded: roundedBits(v, -128, 127, magic: 12_582_912))
    }
}

extension UInt16: FlatFieldInput, FlatFieldOutput {
    @inlinable public var flatFieldFloat: Float { Float(self) }
    @inlinable public static func flatFieldValue(_ v: Float) -> Self {
        UInt16(truncatingIfNeeded: roundedBits(v, 0, 65535, magic: 8_388_608))
    }
}

extension Int16: FlatFieldInput, FlatFieldOutput {
    @inlinable public var flatFieldFloat: Float { Float(self) }
    @inlinable public static func flatFieldValue(_ v: Float) -> Self {
        Int16(truncatingIfNeeded: roundedBits(v, -32768, 32767, magic: 12_582_912))
    }
}

extension UInt32: FlatFieldInput, FlatFieldOutput {
    @inlinable public var flatFieldFloat: Float { Float(self) }
    /// Clipped in double precision, so 4294967295 is reachable.
    @inlinable public static func flatFieldValue(_ v: Float) -> Self {
        v != v ? 0 : UInt32(Swift.min(Swift.max(Double(v).rounded(.toNearestOrEven), 0), 4294967295))
    }
}

extension Int32: FlatFieldInput, FlatFieldOutput {
    @inlinable public var flatFieldFloat: Float { Float(self) }
    @inlinable public static func flatFieldValue(_ v: Float) -> Self {
        v != v ? 0 : Int32(Swift.min(Swift.max(Double(v).rounded(.toNearestOrEven), -2147483648), 2147483647))
    }
}

extension Float: FlatFieldInput, FlatFieldOutput {
    @inlinable public var flatFieldFloat: Float { self }
    @inlinable public static func flatFieldValue(_ v: Float) -> Self { v }
}

extension Double: FlatFieldInput, FlatFieldOutput {
    @inlinable public var flatFieldFloat: Float { Float(self) }
    @inlinable public static func flatFieldValue(_ v: Float) -> Self { Double(v) }
}

/// The flat-field kernel: `out = g((in − dark)/flat − offset)` for `count` pixels, where g subtracts the
/// baseline `b` when given (`y > b ? y − b : 0`) and then stores into the output type.
///
/// Plain loops over branch-free element conversions (see `roundedBits`), which the compiler vectorises;
/// uint16 → uint16 without baseline subtraction takes the eight-pixel
/// ``flatFieldCorrectUInt16(_:_:dark:flat:count:offset:)`` (same bits, about half the instructions).
///
/// - Parameters:
///   - dark: per-pixel dark-field (already including `S·B_n` for the additive time-lapse mode).
///   - flat: per-pixel flat-field (1 for the additive mode).
///   - offset: the multiplicative time-lapse baseline B_n, else 0.
/// - Complexity: O(count).
@inlinable
public func flatFieldCorrect<I: FlatFieldInput, O: FlatFieldOutput>(
    _ src: UnsafePointer<I>, _ dst: UnsafeMutablePointer<O>, dark: UnsafePointer<Float>,
    flat: UnsafePointer<Float>, count: Int, offset: Float, subtract b: Float?) {
    var start = 0
    if b == nil, I.self == UInt16.self, O.self == UInt16.self {
        start = flatFieldCorrectUInt16(UnsafeRawPointer(src).assumingMemoryBound(to: UInt16.self),
                                       UnsafeMutableRawPointer(dst).assumingMemoryBound(to: UInt16.self),
                                       dark: dark, flat: flat, count: count, offset: offset)
    }
    if let b {
        for i in start..<count {
            let y = (src[i].flatFieldFloat - dark[i]) / flat[i] - offset
            dst[i] = O.flatFieldValue(y > b ? y - b : 0)
        }
    } else {
        for i in start..<count {
            dst[i] = O.flatFieldValue((src[i].flatFieldFloat - dark[i]) / flat[i] - offset)
        }
    }
}

/// The flat-field kernel in place: `p[i] = g((p[i] − dark)/flat − offset)` for `count` pixels of a dtype that is
/// both read and written (the output dtype equals the input dtype).
///
/// Computes exactly what ``flatFieldCorrect(_:_:dark:flat:count:offset:subtract:)`` computes with the source and
/// destination the same buffer, but through one pointer: a separate source and destination that alias would
/// fail the vectoriser's run-time overlap check and fall back to the scalar loop. Each cache line is read once
/// and written once (the traffic of a copy), and no output array is allocated.
///
/// ```swift
/// buffer.withUnsafeMutableBufferPointer { p in
///     flatFieldCorrectInPlace(p.baseAddress!, dark: d, flat: f, count: p.count, offset: 0, subtract: nil)
/// }
/// ```
///
/// - Parameters:
///   - pixels: the pixels, overwritten with their corrected values.
///   - dark: per-pixel dark-field (already including `S·B_n` for the additive time-lapse mode).
///   - flat: per-pixel flat-field (1 for the additive mode).
///   - offset: the multiplicative time-lapse baseline B_n, else 0.
///   - b: the baseline subtracted after the correction (`y > b ? y − b : 0`), or `nil`.
/// - Complexity: O(count).
@inlinable
public func flatFieldCorrectInPlace<T: FlatFieldInput & FlatFieldOutput>(
    _ pixels: UnsafeMutablePointer<T>, dark: UnsafePointer<Float>, flat: UnsafePointer<Float>, count: Int,
    offset: Float, subtract b: Float?) {
    var start = 0
    if b == nil, T.self == UInt16.self {
        let p = UnsafeMutableRawPointer(pixels).assumingMemoryBound(to: UInt16.self)
        start = flatFieldCorrectUInt16(p, p, dark: dark, flat: flat, count: count, offset: offset)
    }
    if let b {
        for i in start..<count {
            let y = (pixels[i].flatFieldFloat - dark[i]) / flat[i] - offset
            pixels[i] = T.flatFieldValue(y > b ? y - b : 0)
        }
    } else {
        for i in start..<count {
            pixels[i] = T.flatFieldValue((pixels[i].flatFieldFloat - dark[i]) / flat[i] - offset)
        }
    }
}

/// The uint16 → uint16 flat-field kernel, eight pixels at a time: `dst = round(clip((src − dark)/flat − offset))`
/// for the first `count / 8 · 8` pixels. Returns how many pixels it did; the caller finishes the tail.
///
/// Bit-identical to ``UInt16/flatFieldValue(_:)`` applied to the scalar formula (the same float operations in the
/// same order, ties to even, NaN → 0, clipped to 0…65535), with fewer instructions on baseline x86-64 (SSE2):
/// - `max(v, −1)` is one `maxps`, and it maps NaN to −1 (the second operand wins), which clips to 0 below;
/// - `v + (1.5·2²³ − 32768)` rounds to an integer (ties to even) in its low mantissa bits, so the bits minus
///   those of 1.5·2²³ are `round(v) − 32768` as an `Int32`; any `v ≥ 2²⁴ − 12 550 144` (∞ included) gives a
///   larger integer, never a smaller one;
/// - saturating those to `Int16` (one `packssdw`) clips to −32768…32767, and flipping the sign bit maps
///   that to 0…65535.
/// `src` and `dst` may be the same buffer (each group of eight is loaded before it is stored). Runs the AVX2 build
/// of the kernel when ``CPUFeatures/level`` is ``SIMDLevel/avx2`` (the same bits).
///
/// ```swift
/// let done = flatFieldCorrectUInt16(p, p, dark: d, flat: f, count: n, offset: 0)   // in place
/// for i in done..<n { p[i] = UInt16.flatFieldValue((Float(p[i]) - d[i]) / f[i]) }   // the tail
/// ```
///
/// - Parameters:
///   - src: the input pixels.
///   - dst: the output pixels (may equal `src`).
///   - dark: per-pixel dark-field.
///   - flat: per-pixel flat-field.
///   - count: the number of pixels available.
///   - offset: the multiplicative time-lapse baseline, else 0.
/// - Returns: the number of pixels written, a multiple of 8.
/// - Complexity: O(count).
public func flatFieldCorrectUInt16(_ src: UnsafePointer<UInt16>, _ dst: UnsafeMutablePointer<UInt16>,
                                   dark: UnsafePointer<Float>, flat: UnsafePointer<Float>, count: Int,
                                   offset: Float) -> Int {
    if CPUFeatures.level == .avx2 {
        return flatFieldUInt16KernelAVX2(src, dst, dark: dark, flat: flat, count: count, offset: offset)
    }
    return flatFieldUInt16Kernel(src, dst, dark: dark, flat: flat, count: count, offset: offset)
}
