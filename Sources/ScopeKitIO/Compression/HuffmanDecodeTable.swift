import ScopeKitCore

/// Two-level lookup tables for canonical Huffman codes as DEFLATE (RFC 1951 §3.2.2) stores them.
///
/// A table is indexed by the next `rootBits` bits of the stream (least significant bit first, so codes are
/// entered bit-reversed). Codes up to `rootBits` long fill every entry they prefix; longer codes go through a
/// pointer entry to a subtable indexed by the following bits. Each 32-bit entry packs everything the decoder
/// needs for one step:
///
/// | bits | meaning |
/// |---|---|
/// | 0–7 | bits to consume: code length + extra bits (a pointer: `rootBits`) |
/// | 8–11 | code length (where the extra bits start) / a pointer's subtable bits |
/// | 12–15 | flags: literal, end of block, subtable pointer, invalid |
/// | 16–31 | value: literal byte, length or distance base, or subtable start |
///
/// Unused entries of an incomplete code are `invalid`; an over-subscribed code is rejected.
///
/// ```swift
/// try HuffmanDecodeTable.build(lengths: lens, count: 288, templates: HuffmanDecodeTable.literalLength,
///                              table: table, rootBits: 11, capacity: HuffmanDecodeTable.literalLengthCapacity)
/// ```
/// - Complexity: O(2^rootBits + symbols + subtable entries).
enum HuffmanDecodeTable {
    static let literal: UInt32 = 0x1000
    static let endOfBlock: UInt32 = 0x2000
    static let subtable: UInt32 = 0x4000
    static let invalid: UInt32 = 0x8000

    static let literalLengthBits = 11
    static let distanceBits = 8
    static let precodeBits = 7
    /// Room for the root table and every subtable a valid (Kraft sum ≤ 1) code can need.
    static let literalLengthCapacity = 4096
    static let distanceCapacity = 1024
    static let precodeCapacity = 128

    static let lengthBase: [UInt32] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59,
                                       67, 83, 99, 115, 131, 163, 195, 227, 258]
    static let lengthExtra: [UInt32] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3,
                                        4, 4, 4, 4, 5, 5, 5, 5, 0]
    static let distanceBase: [UInt32] = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385,
                                         513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
    static let distanceExtra: [UInt32] = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7,
                                          8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]

    /// Entry templates (value, flags, extra bits) of the 288 literal/length symbols; 286 and 287 are invalid.
    static let literalLength: [UInt32] = (0..<288).map { s in
        switch s {
        case 0..<256: UInt32(s) << 16 | literal
        case 256: endOfBlock
        case 257..<286: lengthBase[s - 257] << 16 | lengthExtra[s - 257]
        default: invalid
        }
    }
    /// Entry templates of the 32 distance symbols; 30 and 31 are invalid.
    static let distance: [UInt32] = (0..<32).map { s in
        s < 30 ? distanceBase[s] << 16 | distanceExtra[s] : invalid
    }
    /// Entry templates of the 19 code-length (precode) symbols.
    static let precode: [UInt32] = (0..<19).map { UInt32($0) << 16 }

    /// Fills `table` for the code whose lengths are `lengths[0..<count]` (0 = unused symbol).
    ///
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` for an over-subscribed code or a table overflow.
    static func build(lengths: UnsafePointer<UInt8>, count: Int, templates: UnsafePointer<UInt32>,
                      table: UnsafeMutablePointer<UInt32>, rootBits: Int, capacity: Int) throws {
        try withUnsafeTemporaryAllocation(of: Int.self, capacity: 16 + 16 + 288) { scratch in
            let lengthCount = scratch.baseAddress!, offsets = lengthCount + 16, sorted = offsets + 16
            lengthCount.initialize(repeating: 0, count: 16)
            for s in 0..<count { lengthCount[Int(lengths[s])] += 1 }
            lengthCount[0] = 0
            var left = 1
            for l in 1...15 {
                left = left << 1 - lengthCount[l]
                if left < 0 { throw ScopeKitError.badInput("invalid Huffman code: over-subscribed lengths") }
            }
            offsets[1] = 0
            for l in 1..<15 { offsets[l + 1] = offsets[l] + lengthCount[l] }
            var used = 0
            for s in 0..<count where lengths[s] != 0 {
                let l = Int(lengths[s])
                sorted[offsets[l]] = s
                offsets[l] += 1
                used += 1
            }
            let rootSize = 1 << rootBits
            table.initialize(repeating: invalid, count: rootSize)
            var reversed = 0         // the next code, bit-reversed (codes are read least significant bit first)
            var next = rootSize      // next free subtable slot
            var currentPrefix = -1, subStart = 0, subBits = 0
            for k in 0..<used {
                let s = sorted[k], l = Int(lengths[s])
                let template = templates[s]
                if l <= rootBits {
                    let entry = template &+ UInt32(l) | UInt32(l) << 8
                    var i = reversed
                    while i < rootSize {
                        table[i] = entry
                        i += 1 << l
                    }
                } else {
                    let prefix = reversed & (rootSize - 1)
                    if prefix != currentPrefix {
                        // A new subtable, just large enough for the codes that share this prefix.
                        var bits = l - rootBits, room = 1 << bits, m = l
                        while true {
                            room -= lengthCount[m]
                            if room <= 0 || m == 15 { break }
                            m += 1
                            bits += 1
                            room <<= 1
                        }
                        let size = 1 << bits
                        guard next + size <= capacity else {
                            throw ScopeKitError.badInput("invalid Huffman code: table overflow")
                        }
                        (table + next).initialize(repeating: invalid, count: size)
                        table[prefix] = UInt32(next) << 16 | subtable | UInt32(bits) << 8 | UInt32(rootBits)
                        currentPrefix = prefix
                        subStart = next
                        subBits = bits
                        next += size
                    }
                    let sl = l - rootBits
                    let entry = template &+ UInt32(sl) | UInt32(sl) << 8
                    var i = reversed >> rootBits
                    while i < 1 << subBits {
                        table[subStart + i] = entry
                        i += 1 << sl
                    }
                }
                lengthCount[l] -= 1
                // Increment the bit-reversed l-bit code.
                var bit = 1 << (l - 1)
                while reversed & bit != 0 {
                    reversed ^= bit
                    bit >>= 1
                }
                reversed |= bit
            }
        }
    }
}
