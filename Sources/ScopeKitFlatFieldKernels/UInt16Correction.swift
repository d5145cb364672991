import ScopeKitCore

/// The uint16 → uint16 flat-field kernel, eight pixels at a time (`flatFieldCorrectUInt16` in ScopeKitFlatField
/// documents the bit tricks): `dst = round(clip((src − dark)/flat − offset))` for the first `count / 8 · 8`
/// pixels; returns how many it did. `src` and `dst` may be the same buffer.
///
/// Inlined into its callers, so the baseline module and `ScopeKitFlatFieldAVX2` each instantiate it with their
/// own code generation (same bits: one IEEE subtraction, division and subtraction per lane, then exact integer
/// steps).
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
@inlinable @inline(__always)
package func flatFieldUInt16Kernel(_ src: UnsafePointer<UInt16>, _ dst: UnsafeMutablePointer<UInt16>,
                                   dark: UnsafePointer<Float>, flat: UnsafePointer<Float>, count: Int,
                                   offset: Float) -> Int {
    let lo = SIMD8<Float>(repeating: -1), off = SIMD8<Float>(repeating: offset)
    let magic = SIMD8<Float>(repeating: 12_550_144)                      // 1.5·2²³ − 32768
    let magicBits = SIMD8<Int32>(repeating: Int32(bitPattern: (12_582_912 as Float).bitPattern))
    let int16Min = SIMD8<Int32>(repeating: -32768), int16Max = SIMD8<Int32>(repeating: 32767)
    var i = 0
    while i + 8 <= count {
        let raw = SIMD8<UInt16>(unaligned: src + i)
        let x = SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: raw))
        let d = SIMD8<Float>(unaligned: dark + i)
        let f = SIMD8<Float>(unaligned: flat + i)
        let v = (x - d) / f - off
        let c = lo.replacing(with: v, where: v .> lo)                      // maxps: NaN → −1
        let s = unsafeBitCast(c + magic, to: SIMD8<Int32>.self) &- magicBits
        let packed = SIMD8<Int16>(truncatingIfNeeded: s.clamped(lowerBound: int16Min, upperBound: int16Max))
        let out = unsafeBitCast(packed, to: SIMD8<UInt16>.self) ^ SIMD8<UInt16>(repeating: 0x8000)
        storeUnaligned(out, dst + i)
        i += 8
    }
    return i
}
