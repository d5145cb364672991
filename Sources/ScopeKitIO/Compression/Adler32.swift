/// The Adler-32 checksum of RFC 1950 (the zlib stream trailer), computed 16 bytes at a time with SIMD lanes.
///
/// Per block of `n` 16-byte chunks the lanes keep the byte sums `v` and the sums of `v` before each chunk `p`;
/// then `s1 += Σv` and `s2 += 16·(n·s1 + Σp) + Σ (16 − j)·v[j]`. Blocks are at most 4096 chunks, so no lane
/// can pass 2³² before the modulo.
///
/// ```swift
/// let check = Adler32.checksum(bytes)   // 1 for an empty buffer
/// ```
/// - Complexity: O(n).
enum Adler32 {
    static let modulus: UInt64 = 65521

    /// The Adler-32 of `bytes`, continuing from `adler` (start with 1).
    static func checksum(_ bytes: UnsafeRawBufferPointer, continuing adler: UInt32 = 1) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return adler }
        var a = UInt64(adler & 0xFFFF), b = UInt64(adler >> 16)
        let n = bytes.count
        var i = 0
        let weights = SIMD16<UInt32>(16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1)
        while n - i >= 16 {
            let chunks = Swift.min((n - i) >> 4, 4096)
            var v = SIMD16<UInt32>(repeating: 0), p = SIMD16<UInt32>(repeating: 0)
            var q = base + i
            for _ in 0..<chunks {
                let x = SIMD16<UInt32>(truncatingIfNeeded: q.loadUnaligned(as: SIMD16<UInt8>.self))
                p &+= v
                v &+= x
                q += 16
            }
            // Σp may pass 2³² across lanes: add the lanes in 64 bits.
            let sumV = UInt64(v.wrappedSum())
            var sumP: UInt64 = 0
            for j in 0..<16 { sumP &+= UInt64(p[j]) }
            // Σ (16 − j)·v[j] < 16 · 255 · 4096 · 16 fits in UInt32 lanes.
            let weighted = UInt64((v &* weights).wrappedSum())
            b = (b + 16 &* (UInt64(chunks) &* a &+ sumP) &+ weighted) % modulus
            a = (a + sumV) % modulus
            i += chunks << 4
        }
        while i < n {
            a += UInt64(bytes[i])
            b += a
            i += 1
        }
        return UInt32(b % modulus) << 16 | UInt32(a % modulus)
    }
}
