/// The Adler-32 checksum of RFC 1950 (the zlib stream trailer), computed 16 bytes at a time with SIMD lanes.
///
/// Per block of `n` 16-byte chunks the lanes keep the byte sums `v` and the sums of `v` before each chunk `p`;
/// then `s1 += Σv` and `s2 += 16·(n·s1 + Σp) + Σ (16 − j)·v[j]`. Blocks are at most 4096 chunks, so no lane
/// can pass 2³² before the modulo. Within a block, runs of 16 chunks accumulate in 16-bit lanes (half the
/// widening and adds of 32-bit lanes) and are folded into `v` and `p` once per run.
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
            /// `k` ≤ 16 chunks in 16-bit lanes (s ≤ 16·255, t ≤ 120·255): s = Σx, t = Σ s before each chunk.
            @inline(__always) func run(_ k: Int) -> (s: SIMD16<UInt32>, t: SIMD16<UInt32>) {
                var s = SIMD16<UInt16>(repeating: 0), t = SIMD16<UInt16>(repeating: 0)
                for _ in 0..<k {
                    t &+= s
                    s &+= SIMD16<UInt16>(truncatingIfNeeded: q.loadUnaligned(as: SIMD16<UInt8>.self))
                    q += 16
                }
                return (SIMD16<UInt32>(truncatingIfNeeded: s), SIMD16<UInt32>(truncatingIfNeeded: t))
            }
            // Fold each run into the 32-bit lanes: p gains k·v (v before each of the k chunks) plus t.
            for _ in 0..<chunks >> 4 {
                let (s, t) = run(16)
                p &+= v &<< 4 &+ t
                v &+= s
            }
            if chunks & 15 != 0 {
                let (s, t) = run(chunks & 15)
                p &+= v &* UInt32(chunks & 15) &+ t
                v &+= s
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
