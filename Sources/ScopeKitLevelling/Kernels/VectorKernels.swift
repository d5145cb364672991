/// Small vector kernels for the levelling hot loops. Floating-point sums are not reassociated by the
/// compiler, so these accumulate in explicit SIMD lanes (a fixed order for a given length: results do not
/// depend on threads or alignment).

/// `Σ a[i]` for `i < n`, in 8 lanes.
@inline(__always)
func _sum(_ a: UnsafePointer<Double>, _ n: Int) -> Double {
    var s0 = SIMD4<Double>(), s1 = SIMD4<Double>()
    var i = 0
    let raw = UnsafeRawPointer(a)
    while i + 8 <= n {
        s0 += raw.loadUnaligned(fromByteOffset: i * 8, as: SIMD4<Double>.self)
        s1 += raw.loadUnaligned(fromByteOffset: (i + 4) * 8, as: SIMD4<Double>.self)
        i += 8
    }
    var s = ((s0 + s1).sum())
    while i < n { s += a[i]; i += 1 }
    return s
}

/// `Σ a[i]·b[i]` for `i < n`, in 8 lanes.
@inline(__always)
func _dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ n: Int) -> Double {
    var s0 = SIMD4<Double>(), s1 = SIMD4<Double>()
    var i = 0
    let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
    while i + 8 <= n {
        s0 += ra.loadUnaligned(fromByteOffset: i * 8, as: SIMD4<Double>.self)
            * rb.loadUnaligned(fromByteOffset: i * 8, as: SIMD4<Double>.self)
        s1 += ra.loadUnaligned(fromByteOffset: (i + 4) * 8, as: SIMD4<Double>.self)
            * rb.loadUnaligned(fromByteOffset: (i + 4) * 8, as: SIMD4<Double>.self)
        i += 8
    }
    var s = ((s0 + s1).sum())
    while i < n { s += a[i] * b[i]; i += 1 }
    return s
}


/// Whether every `a[i]` for `i < n` is finite: `x − x` is 0 for finite x and NaN for ±∞ and NaN, summed in
/// SIMD lanes (no branch per value).
@inline(__always)
func _allFinite(_ a: UnsafePointer<Double>, _ n: Int) -> Bool {
    var s0 = SIMD4<Double>(), s1 = SIMD4<Double>()
    var i = 0
    let raw = UnsafeRawPointer(a)
    while i + 8 <= n {
        let v0 = raw.loadUnaligned(fromByteOffset: i * 8, as: SIMD4<Double>.self)
        let v1 = raw.loadUnaligned(fromByteOffset: (i + 4) * 8, as: SIMD4<Double>.self)
        s0 += v0 - v0
        s1 += v1 - v1
        i += 8
    }
    var s = (s0 + s1).sum()
    while i < n { s += a[i] - a[i]; i += 1 }
    return s == 0
}

/// 0/1 weights of four mask bytes, indexed by ``_maskIndex4(_:)`` (bit 3 = the first byte).
nonisolated(unsafe) let _maskWeightTable: UnsafePointer<SIMD4<Double>> = {
    let t = UnsafeMutablePointer<SIMD4<Double>>.allocate(capacity: 16)
    for i in 0..<16 { t[i] = SIMD4(Double(i >> 3 & 1), Double(i >> 2 & 1), Double(i >> 1 & 1), Double(i & 1)) }
    return UnsafePointer(t)
}()

/// The pattern of four `Bool` bytes (each 0 or 1) as 4 bits, the first byte in bit 3: one multiply gathers
/// bit 0 of each byte (little-endian load) into bits 24…27 without carries.
@inline(__always)
func _maskIndex4(_ u: UnsafePointer<Bool>) -> Int {
    let w = UnsafeRawPointer(u).loadUnaligned(as: UInt32.self)
    return Int((w &* 0x0804_0201) >> 24 & 0xF)
}

