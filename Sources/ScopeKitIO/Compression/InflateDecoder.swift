import ScopeKitCore

/// The raw DEFLATE (RFC 1951) decoder behind ``Inflate``: one pass from a byte buffer into an output buffer of
/// known size.
///
/// Design: a 64-bit bit buffer refilled with one unaligned 8-byte load while at least 16 input bytes remain
/// (bytes past the end read as zeros and are counted, so a truncated stream is detected, never over-read);
/// two-level Huffman tables whose entries carry the literal, or the length/distance base with its extra-bit
/// count (``HuffmanDecodeTable``); a fast loop that decodes up to three literals per refill and copies matches
/// 16 or 32 bytes at a time while at least 296 bytes of output room remain, and a careful loop (bounds checked
/// per byte) near the ends. The output never grows past its buffer, so corrupt or hostile streams cost at most
/// O(output) time and no allocation beyond the fixed tables.
struct InflateDecoder {
    /// How a decode ended.
    enum End {
        /// The final block's end code was read; `consumed` input bytes (the final partial byte included).
        case streamEnd(consumed: Int)
        /// The output buffer filled before the end of the stream.
        case outputFull
    }

    /// Thrown when the stream needs more input than there is (callers may fall back to a lenient decoder).
    struct Truncated: Error {}

    /// The order in which a dynamic block lists its code-length code lengths.
    static let precodeOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    private let tables: UnsafeMutablePointer<UInt32>
    private let lengths: UnsafeMutablePointer<UInt8>

    init() {
        tables = .allocate(capacity: HuffmanDecodeTable.literalLengthCapacity + HuffmanDecodeTable.distanceCapacity
                                     + HuffmanDecodeTable.precodeCapacity)
        lengths = .allocate(capacity: 320)
        lengths.initialize(repeating: 0, count: 320)
    }

    func deallocate() {
        tables.deallocate()
        lengths.deallocate()
    }

    /// Decodes the raw deflate stream `input[0..<inputCount]` into `output[0..<outputCount]`.
    ///
    /// - Returns: how it ended and the number of bytes written.
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` for a corrupt stream, ``Truncated`` for a short one.
    func decode(_ input: UnsafePointer<UInt8>, count inputCount: Int, into output: UnsafeMutablePointer<UInt8>,
                count outputCount: Int) throws -> (end: End, produced: Int) {
        typealias T = HuffmanDecodeTable
        let litlen = tables, dist = tables + T.literalLengthCapacity, pre = dist + T.distanceCapacity
        let litMask = UInt64(1 << T.literalLengthBits - 1), distMask = UInt64(1 << T.distanceBits - 1)
        let preMask = UInt64(1 << T.precodeBits - 1)
        let inEnd = input + inputCount
        let outEnd = output + outputCount
        var ip = input
        var op = output
        var bits: UInt64 = 0
        var count = 0           // valid bits in `bits`
        var overrun = 0         // zero bytes supplied past the end of the input

        @inline(__always) func mask(_ n: UInt32) -> UInt64 { ~(UInt64.max &<< UInt64(n)) }
        @inline(__always) func consume(_ n: UInt32) {
            bits &>>= UInt64(n)
            count &-= Int(n)
        }
        /// Branch-light refill to at least 56 bits; needs 8 readable bytes at `ip`.
        @inline(__always) func refillFast() {
            bits |= UInt64(littleEndian: UnsafeRawPointer(ip).loadUnaligned(as: UInt64.self)) &<< UInt64(count)
            ip += (63 &- count) &>> 3
            count |= 56
        }
        /// Refill byte by byte; past the end of the input, zeros (counted in `overrun`).
        @inline(__always) func refillCareful() throws {
            if inEnd - ip >= 8 {
                refillFast()
                return
            }
            while count <= 56 {
                if ip < inEnd {
                    bits |= UInt64(ip.pointee) &<< UInt64(count)
                    ip += 1
                } else {
                    overrun += 1
                }
                count += 8
            }
            if overrun * 8 > count + 64 { throw Truncated() }
        }
        @inline(__always) func read(_ n: Int) throws -> Int {
            if count < n { try refillCareful() }
            let v = Int(truncatingIfNeeded: bits & mask(UInt32(n)))
            consume(UInt32(n))
            return v
        }
        @inline(__always) func pastEnd() -> Bool { overrun * 8 > count }

        var final = false
        repeat {
            if pastEnd() { throw Truncated() }
            final = try read(1) == 1
            let type = try read(2)
            switch type {
            case 0:
                // Stored: align, LEN and NLEN, then LEN bytes copied as they are.
                consume(UInt32(count & 7))
                let len = try read(16), nlen = try read(16)
                guard len == ~nlen & 0xFFFF else {
                    throw ScopeKitError.badInput("corrupt deflate stream: stored block length check failed")
                }
                let buffered = count >> 3 - overrun
                if buffered < 0 { throw Truncated() }
                ip -= buffered
                bits = 0
                count = 0
                overrun = 0
                let room = outEnd - op
                if inEnd - ip < min(len, room) { throw Truncated() }
                if len > room {
                    op.update(from: ip, count: room)
                    return (.outputFull, outputCount)
                }
                op.update(from: ip, count: len)
                op += len
                ip += len
                continue
            case 1:
                try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 320) { buffer in
                    let l = buffer.baseAddress!
                    (l + 0).initialize(repeating: 8, count: 144)
                    (l + 144).initialize(repeating: 9, count: 112)
                    (l + 256).initialize(repeating: 7, count: 24)
                    (l + 280).initialize(repeating: 8, count: 8)
                    (l + 288).initialize(repeating: 5, count: 32)
                    try buildTables(l, literalCount: 288, distanceCount: 32)
                }
            case 2:
                let hlit = try read(5) + 257, hdist = try read(5) + 1, hclen = try read(4) + 4
                guard hlit <= 286, hdist <= 30 else {
                    throw ScopeKitError.badInput("corrupt deflate stream: too many length or distance codes")
                }
                lengths.initialize(repeating: 0, count: 19)
                for k in 0..<hclen { lengths[InflateDecoder.precodeOrder[k]] = UInt8(try read(3)) }
                try T.precode.withUnsafeBufferPointer {
                    try T.build(lengths: lengths, count: 19, templates: $0.baseAddress!, table: pre,
                                rootBits: T.precodeBits, capacity: T.precodeCapacity)
                }
                let total = hlit + hdist
                var k = 0
                while k < total {
                    if count < 14 { try refillCareful() }
                    let e = pre[Int(bits & preMask)]
                    if e & T.invalid != 0 {
                        throw ScopeKitError.badInput("corrupt deflate stream: invalid code-length code")
                    }
                    consume(e & 0xFF)
                    let symbol = Int(e >> 16)
                    if symbol < 16 {
                        lengths[k] = UInt8(symbol)
                        k += 1
                        continue
                    }
                    var repeatValue: UInt8 = 0, times = 0
                    switch symbol {
                    case 16:
                        guard k > 0 else {
                            throw ScopeKitError.badInput("corrupt deflate stream: repeat with no previous length")
                        }
                        repeatValue = lengths[k - 1]
                        times = 3 + (try read(2))
                    case 17: times = 3 + (try read(3))
                    default: times = 11 + (try read(7))
                    }
                    guard k + times <= total else {
                        throw ScopeKitError.badInput("corrupt deflate stream: code lengths overrun")
                    }
                    (lengths + k).initialize(repeating: repeatValue, count: times)
                    k += times
                }
                guard lengths[256] != 0 else {
                    throw ScopeKitError.badInput("corrupt deflate stream: no end-of-block code")
                }
                // Move the distance lengths behind the 288 literal/length slots.
                for j in stride(from: hdist - 1, through: 0, by: -1) { lengths[288 + j] = lengths[hlit + j] }
                (lengths + hlit).update(repeating: 0, count: 288 - hlit)
                (lengths + 288 + hdist).update(repeating: 0, count: 32 - hdist)
                try buildTables(lengths, literalCount: 288, distanceCount: 32)
            default:
                throw ScopeKitError.badInput("corrupt deflate stream: invalid block type")
            }

            // Huffman-coded symbols until the end-of-block code.
            symbols: while true {
                // Fast loop: room for 3 literals + a 258-byte match + 32 bytes of copy overshoot.
                while inEnd - ip >= 16 && outEnd - op >= 296 {
                    refillFast()
                    var e = litlen[Int(bits & litMask)]
                    if e & T.literal != 0 {
                        consume(e & 0xFF)
                        op.pointee = UInt8(truncatingIfNeeded: e >> 16)
                        op += 1
                        e = litlen[Int(bits & litMask)]
                        if e & T.literal != 0 {
                            consume(e & 0xFF)
                            op.pointee = UInt8(truncatingIfNeeded: e >> 16)
                            op += 1
                            e = litlen[Int(bits & litMask)]
                            if e & T.literal != 0 {
                                consume(e & 0xFF)
                                op.pointee = UInt8(truncatingIfNeeded: e >> 16)
                                op += 1
                                continue
                            }
                        }
                    }
                    if e & T.subtable != 0 {
                        consume(e & 0xFF)
                        e = litlen[Int(e >> 16) + Int(bits & mask(e >> 8 & 0xF))]
                        if e & T.literal != 0 {
                            consume(e & 0xFF)
                            op.pointee = UInt8(truncatingIfNeeded: e >> 16)
                            op += 1
                            continue
                        }
                    }
                    if e & (T.endOfBlock | T.invalid) != 0 {
                        if e & T.invalid != 0 {
                            throw ScopeKitError.badInput("corrupt deflate stream: invalid literal/length code")
                        }
                        consume(e & 0xFF)
                        break symbols
                    }
                    var saved = bits
                    consume(e & 0xFF)
                    let length = Int(e >> 16) + Int((saved & mask(e & 0xFF)) &>> UInt64(e >> 8 & 0xF))
                    if count < 32 { refillFast() }  // the distance code and its extra bits need ≤ 28
                    var d = dist[Int(bits & distMask)]
                    if d & T.subtable != 0 {
                        consume(d & 0xFF)
                        d = dist[Int(d >> 16) + Int(bits & mask(d >> 8 & 0xF))]
                    }
                    if d & T.invalid != 0 {
                        throw ScopeKitError.badInput("corrupt deflate stream: invalid distance code")
                    }
                    saved = bits
                    consume(d & 0xFF)
                    let distance = Int(d >> 16) + Int((saved & mask(d & 0xFF)) &>> UInt64(d >> 8 & 0xF))
                    guard distance <= op - output else {
                        throw ScopeKitError.badInput("corrupt deflate stream: distance too far back")
                    }
                    InflateDecoder.copyMatch(op, distance: distance, length: length)
                    op += length
                }

                // Careful step: one symbol with every bound checked.
                try refillCareful()
                if pastEnd() { throw Truncated() }
                var e = litlen[Int(bits & litMask)]
                if e & T.subtable != 0 {
                    consume(e & 0xFF)
                    e = litlen[Int(e >> 16) + Int(bits & mask(e >> 8 & 0xF))]
                }
                if e & T.invalid != 0 {
                    throw ScopeKitError.badInput("corrupt deflate stream: invalid literal/length code")
                }
                if e & T.endOfBlock != 0 {
                    consume(e & 0xFF)
                    break symbols
                }
                if e & T.literal != 0 {
                    if op == outEnd { return (.outputFull, outputCount) }
                    consume(e & 0xFF)
                    op.pointee = UInt8(truncatingIfNeeded: e >> 16)
                    op += 1
                    continue
                }
                var saved = bits
                consume(e & 0xFF)
                let length = Int(e >> 16) + Int((saved & mask(e & 0xFF)) &>> UInt64(e >> 8 & 0xF))
                try refillCareful()
                var d = dist[Int(bits & distMask)]
                if d & T.subtable != 0 {
                    consume(d & 0xFF)
                    d = dist[Int(d >> 16) + Int(bits & mask(d >> 8 & 0xF))]
                }
                if d & T.invalid != 0 {
                    throw ScopeKitError.badInput("corrupt deflate stream: invalid distance code")
                }
                saved = bits
                consume(d & 0xFF)
                let distance = Int(d >> 16) + Int((saved & mask(d & 0xFF)) &>> UInt64(d >> 8 & 0xF))
                if pastEnd() { throw Truncated() }
                guard distance <= op - output else {
                    throw ScopeKitError.badInput("corrupt deflate stream: distance too far back")
                }
                let n = min(length, outEnd - op)
                for j in 0..<n { op[j] = op[j - distance] }
                op += n
                if n < length { return (.outputFull, outputCount) }
            }
        } while !final
        if pastEnd() { throw Truncated() }
        // Bytes still in the bit buffer (after the final partial byte) were not consumed.
        let consumed = (ip - input) + overrun - count >> 3
        return (.streamEnd(consumed: consumed), op - output)
    }

    private func buildTables(_ l: UnsafePointer<UInt8>, literalCount: Int, distanceCount: Int) throws {
        typealias T = HuffmanDecodeTable
        try T.literalLength.withUnsafeBufferPointer {
            try T.build(lengths: l, count: literalCount, templates: $0.baseAddress!, table: tables,
                        rootBits: T.literalLengthBits, capacity: T.literalLengthCapacity)
        }
        try T.distance.withUnsafeBufferPointer {
            try T.build(lengths: l + 288, count: distanceCount, templates: $0.baseAddress!,
                        table: tables + T.literalLengthCapacity, rootBits: T.distanceBits,
                        capacity: T.distanceCapacity)
        }
    }

    /// Copies an LZ77 match of `length` bytes from `distance` back to `op`, in 32-byte steps of two 16-byte
    /// vectors when the match is at least that far back, else 16-byte steps (two 8-byte words or the repeated
    /// period); may write up to 31 bytes past `op + length` (the caller guarantees the room).
    @inline(__always)
    static func copyMatch(_ op: UnsafeMutablePointer<UInt8>, distance: Int, length: Int) {
        typealias V = SIMD16<UInt8>
        let dst = UnsafeMutableRawPointer(op)
        let end = dst + length
        if distance >= 32 {
            var s = UnsafeRawPointer(dst - distance), d = dst
            repeat {
                d.storeBytes(of: s.loadUnaligned(as: V.self), as: V.self)
                (d + 16).storeBytes(of: (s + 16).loadUnaligned(as: V.self), as: V.self)
                s += 32
                d += 32
            } while d < end
        } else if distance >= 8 {
            var s = UnsafeRawPointer(dst - distance), d = dst
            repeat {
                d.storeBytes(of: s.loadUnaligned(as: UInt64.self), as: UInt64.self)
                (d + 8).storeBytes(of: (s + 8).loadUnaligned(as: UInt64.self), as: UInt64.self)
                s += 16
                d += 16
            } while d < end
        } else if distance == 1 {
            let v = UInt64(op[-1]) &* 0x0101_0101_0101_0101
            var d = dst
            repeat {
                d.storeBytes(of: v, as: UInt64.self)
                (d + 8).storeBytes(of: v, as: UInt64.self)
                d += 16
            } while d < end
        } else {
            // Expand the period once into 8 bytes, then store it in steps of a multiple of the period.
            for j in 0..<8 { op[j] = op[j - distance] }
            let v = UnsafeRawPointer(dst).loadUnaligned(as: UInt64.self)
            let step = 8 / distance * distance
            var d = dst + step
            while d < end {
                d.storeBytes(of: v, as: UInt64.self)
                d += step
            }
        }
    }
}
