/// The raw DEFLATE (RFC 1951) encoder behind ``Deflate``: LZ77 with hash chains and lazy matching, then
/// dynamic Huffman blocks (or fixed/stored blocks when those are smaller).
///
/// Match finding: a hash of the next 4 bytes heads a chain of earlier positions with the same hash (the
/// 32 KiB window, linked by 16-bit distances), searched to a level-dependent depth; a candidate is compared
/// first on the 4 bytes that end one past the best length so far, then extended 8 bytes at a time. Lazy
/// matching (levels ≥ 4) looks one byte ahead after a match shorter than the level's `maxLazy` and emits a
/// literal when the next position matches longer. Each block collects up to 32 Ki symbols
/// with their frequencies, builds length-limited codes (``HuffmanEncoder``) and is written in the cheapest of
/// the three block types (costs computed exactly in bits).
struct DeflateEncoder {
    /// Search parameters of one level.
    struct Parameters {
        /// Chain candidates searched at a position.
        var depth: Int
        /// A match this long ends the search.
        var nice: Int
        /// Once a match this long is found, only a quarter of the remaining candidates are searched (zlib's
        /// `good_length`); above 258 it never applies.
        var good: Int = 259
        /// Lazy matching: look one position ahead before taking a match.
        var lazy: Bool
        /// Chain candidates searched at the look-ahead position.
        var lazyDepth: Int
        /// A match at least this long is taken without looking ahead (zlib's `max_lazy`).
        var maxLazy: Int
    }

    /// Search parameters per level. Level 6 (the default) searches 32 candidates (a quarter of the rest once a
    /// match reaches 32 bytes), looks ahead only after matches shorter than 16 bytes (zlib's level-6 rule) and
    /// keeps the chains in 16-bit distances: on the TIFF benchmark strips its output is within 0.2 % of
    /// libdeflate's level 6.
    static func parameters(level: Int) -> Parameters {
        switch level {
        case ...1: Parameters(depth: 4, nice: 16, lazy: false, lazyDepth: 0, maxLazy: 0)
        case 2: Parameters(depth: 8, nice: 24, lazy: false, lazyDepth: 0, maxLazy: 0)
        case 3: Parameters(depth: 12, nice: 32, lazy: false, lazyDepth: 0, maxLazy: 0)
        case 4: Parameters(depth: 8, nice: 32, lazy: true, lazyDepth: 8, maxLazy: 8)
        case 5: Parameters(depth: 16, nice: 64, lazy: true, lazyDepth: 16, maxLazy: 16)
        case 6: Parameters(depth: 32, nice: 96, good: 32, lazy: true, lazyDepth: 32, maxLazy: 16)
        case 7: Parameters(depth: 64, nice: 128, lazy: true, lazyDepth: 64, maxLazy: 32)
        case 8: Parameters(depth: 256, nice: 258, lazy: true, lazyDepth: 256, maxLazy: 128)
        default: Parameters(depth: 1024, nice: 258, lazy: true, lazyDepth: 1024, maxLazy: 258)
        }
    }

    static let hashBits = 15
    static let windowSize = 32768
    static let maxItems = 32768
    static let minMatch = 4
    /// Matches of `minMatch` bytes are used only up to this distance (their distance bits outweigh the gain).
    static let farMinimumMatch = 4096

    /// Length (3…258) → literal/length symbol − 257, and distance (1…32768) → distance symbol tables.
    static let lengthSymbol: [UInt8] = (0..<259).map { len in
        guard len >= 3 else { return 0 }
        var s = 0
        while s + 1 < 29 && Int(HuffmanDecodeTable.lengthBase[s + 1]) <= len { s += 1 }
        return UInt8(s)
    }
    static let distanceSymbol: [UInt8] = (0..<512).map { k in
        // k < 256: distance k + 1; otherwise distance ((k − 256) << 7) + 1.
        let d = k < 256 ? k + 1 : ((k - 256) << 7) + 1
        var s = 0
        while s + 1 < 30 && Int(HuffmanDecodeTable.distanceBase[s + 1]) <= d { s += 1 }
        return UInt8(s)
    }

    @inline(__always)
    static func distanceCode(_ d: Int, _ table: UnsafePointer<UInt8>) -> Int {
        d <= 256 ? Int(table[d - 1]) : Int(table[256 + (d - 1) >> 7])
    }

    /// The match finder's tables and the symbol buffer of one encoder, reusable across calls (a writer that
    /// compresses many strips on one thread allocates them once instead of per strip).
    final class Workspace {
        let head = UnsafeMutablePointer<Int32>.allocate(capacity: 1 << DeflateEncoder.hashBits)
        let prev = UnsafeMutablePointer<UInt16>.allocate(capacity: DeflateEncoder.windowSize)
        let items = UnsafeMutablePointer<UInt32>.allocate(capacity: DeflateEncoder.maxItems + 8)
        let freq = UnsafeMutablePointer<UInt32>.allocate(capacity: 288 + 32)
        /// Room for one compressed stream (grown by ``output(capacity:)``).
        private(set) var output = UnsafeMutablePointer<UInt8>.allocate(capacity: 0)
        private var outputCapacity = 0

        init() {}

        deinit {
            head.deallocate()
            prev.deallocate()
            items.deallocate()
            freq.deallocate()
            output.deallocate()
        }

        /// The output buffer with at least `capacity` bytes.
        func output(capacity: Int) -> UnsafeMutablePointer<UInt8> {
            if capacity > outputCapacity {
                output.deallocate()
                output = .allocate(capacity: capacity)
                outputCapacity = capacity
            }
            return output
        }
    }

    /// Compresses `input[0..<count]` as raw deflate into `out` (capacity at least `bound(count)`), returning
    /// the number of bytes written.
    static func encode(_ input: UnsafePointer<UInt8>, count n: Int, level: Int,
                       into out: UnsafeMutablePointer<UInt8>, workspace: Workspace? = nil) -> Int {
        var writer = BitWriter(out)
        if level <= 0 || n == 0 {
            writeStored(input, count: n, final: true, writer: &writer)
            return writer.finish()
        }
        let p = parameters(level: level)
        let hashSize = 1 << hashBits
        let tables = workspace ?? Workspace()
        let head = tables.head, prev = tables.prev, items = tables.items, freq = tables.freq
        head.initialize(repeating: Int32(-0x10000), count: hashSize)
        // prev[i mod window] = distance back to the previous position with i's hash, at most 65535 (so a link
        // out of the window, or none, ends the walk by the window test alone): 16 bits per entry keep the chains
        // in half the cache that absolute positions would take.
        prev.initialize(repeating: 0xFFFF, count: windowSize)
        freq.initialize(repeating: 0, count: 320)
        let distFreq = freq + 288
        let wmask = windowSize - 1
        let nice = p.nice, good = p.good, depth = p.depth
        let shift = UInt32(32 - hashBits)

        lengthSymbol.withUnsafeBufferPointer { lsym in
            distanceSymbol.withUnsafeBufferPointer { dsym in
                let lengthSym = lsym.baseAddress!, distSym = dsym.baseAddress!
                var itemCount = 0
                var blockStart = 0

                @inline(__always) func hash(_ i: Int) -> Int {
                    Int((UnsafeRawPointer(input + i).loadUnaligned(as: UInt32.self) &* 0x9E37_79B1) &>> shift)
                }
                /// Links `i` into the chain of its hash; returns the previous head of that chain.
                @inline(__always) func insert(_ i: Int) -> Int {
                    let h = hash(i)
                    let previous = Int(head[h])
                    prev[i & wmask] = UInt16(truncatingIfNeeded: min(i - previous, 0xFFFF))
                    head[h] = Int32(truncatingIfNeeded: i)
                    return previous
                }
                /// The longest match at `i` longer than `atLeast` (length, distance), or (atLeast, 0). Inserts `i`.
                @inline(__always) func find(_ i: Int, longerThan atLeast: Int, depth: Int) -> (Int, Int) {
                    var cand = insert(i)
                    let maxLength = min(258, n - i)
                    var best = atLeast, bestDistance = 0
                    if best >= maxLength { return (best, 0) }
                    let here = input + i
                    let first = UnsafeRawPointer(here).loadUnaligned(as: UInt32.self)
                    let limit = i - windowSize
                    var budget = depth
                    // The 4 bytes ending one past the best length: a candidate must match them to be longer.
                    var tail = UnsafeRawPointer(here + best - 3).loadUnaligned(as: UInt32.self)
                    while cand >= limit && budget > 0 {
                        let there = input + cand
                        if UnsafeRawPointer(there + best - 3).loadUnaligned(as: UInt32.self) == tail
                            && UnsafeRawPointer(there).loadUnaligned(as: UInt32.self) == first {
                            var l = 4
                            while l + 8 <= maxLength {
                                let x = UnsafeRawPointer(there + l).loadUnaligned(as: UInt64.self)
                                    ^ UnsafeRawPointer(here + l).loadUnaligned(as: UInt64.self)
                                if x != 0 {
                                    l += UInt64(littleEndian: x).trailingZeroBitCount >> 3
                                    break
                                }
                                l += 8
                            }
                            if l + 8 > maxLength {
                                while l < maxLength && there[l] == here[l] { l += 1 }
                            }
                            if l > best {
                                if best < good && l >= good { budget >>= 2 }
                                best = l
                                bestDistance = i - cand
                                if l >= nice || l >= maxLength { break }
                                tail = UnsafeRawPointer(here + best - 3).loadUnaligned(as: UInt32.self)
                            }
                        }
                        cand -= Int(prev[cand & wmask])
                        budget -= 1
                    }
                    // A 4-byte match from far back costs about as much as four literals: skip it.
                    if best == minMatch && bestDistance > farMinimumMatch { return (atLeast, 0) }
                    return (best, bestDistance)
                }
                @inline(__always) func literal(_ i: Int) {
                    let b = input[i]
                    items[itemCount] = UInt32(b)
                    freq[Int(b)] += 1
                    itemCount += 1
                }
                @inline(__always) func match(_ length: Int, _ distance: Int) {
                    items[itemCount] = UInt32(distance) << 9 | UInt32(length)
                    freq[257 + Int(lengthSym[length])] += 1
                    distFreq[distanceCode(distance, distSym)] += 1
                    itemCount += 1
                }
                func flush(upTo end: Int, final: Bool) {
                    writeBlock(items: items, count: itemCount, frequencies: freq, input: input + blockStart,
                               inputCount: end - blockStart, final: final, writer: &writer,
                               lengthSymbol: lengthSym, distanceSymbol: distSym)
                    itemCount = 0
                    blockStart = end
                    freq.update(repeating: 0, count: 320)
                }

                // Positions up to `last` have 8 readable bytes ahead (hashing and match extension loads).
                let last = n - 8
                var i = 0
                let minLength = minMatch - 1
                while i < last {
                    if itemCount >= maxItems - 2 { flush(upTo: i, final: false) }
                    var (length, distance) = find(i, longerThan: minLength, depth: depth)
                    if length <= minLength {
                        literal(i)
                        i += 1
                        continue
                    }
                    if p.lazy {
                        while length < p.maxLazy && i + 1 < last {
                            let (next, nextDistance) = find(i + 1, longerThan: length, depth: p.lazyDepth)
                            if next > length {
                                literal(i)
                                i += 1
                                length = next
                                distance = nextDistance
                                if itemCount >= maxItems - 2 { flush(upTo: i, final: false) }
                                continue
                            }
                            break
                        }
                    }
                    match(length, distance)
                    // Positions inside the match join the chains (the first one or two are in already).
                    let end = min(i + length, last)
                    var j = i + (p.lazy && length < p.maxLazy ? 2 : 1)
                    while j < end {
                        _ = insert(j)
                        j += 1
                    }
                    i += length
                }
                while i < n {
                    if itemCount >= maxItems - 2 { flush(upTo: i, final: false) }
                    literal(i)
                    i += 1
                }
                flush(upTo: n, final: true)
            }
        }
        withExtendedLifetime(tables) {}
        return writer.finish()
    }

    /// An upper bound on the raw deflate size of `count` input bytes (stored blocks at worst, plus slack).
    static func bound(_ count: Int) -> Int { count + count / 1024 + 64 }

    /// Writes `count` bytes as stored blocks (at most 65535 bytes each).
    static func writeStored(_ input: UnsafePointer<UInt8>, count: Int, final: Bool, writer: inout BitWriter) {
        var offset = 0
        repeat {
            let len = min(65535, count - offset)
            let last = offset + len == count
            writer.put(UInt64(final && last ? 1 : 0), 3)
            writer.alignToByte()
            writer.put(UInt64(len) | UInt64(~len & 0xFFFF) << 16, 32)
            writer.copyBytes(input + offset, len)
            offset += len
        } while offset < count
    }

    /// Writes one block of `items` in the cheapest block type.
    static func writeBlock(items: UnsafePointer<UInt32>, count: Int, frequencies freq: UnsafeMutablePointer<UInt32>,
                           input: UnsafePointer<UInt8>, inputCount: Int, final: Bool, writer: inout BitWriter,
                           lengthSymbol: UnsafePointer<UInt8>, distanceSymbol: UnsafePointer<UInt8>) {
        typealias T = HuffmanDecodeTable
        freq[256] = 1
        let distFreq = freq + 288
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 320 + 320 + 19) { lensBuffer in
        withUnsafeTemporaryAllocation(of: UInt16.self, capacity: 320 + 19) { codesBuffer in
            let lens = lensBuffer.baseAddress!, distLens = lens + 288
            let codes = codesBuffer.baseAddress!, distCodes = codes + 288
            HuffmanEncoder.lengths(frequencies: freq, count: 286, limit: 15, into: lens)
            HuffmanEncoder.lengths(frequencies: distFreq, count: 30, limit: 15, into: distLens)
            (lens + 286).initialize(repeating: 0, count: 2)
            (distLens + 30).initialize(repeating: 0, count: 2)

            // Extra bits are the same for every block type.
            var extraBits = 0
            for s in 0..<29 { extraBits += Int(freq[257 + s]) * Int(T.lengthExtra[s]) }
            for s in 0..<30 { extraBits += Int(distFreq[s]) * Int(T.distanceExtra[s]) }
            var dynamicBits = extraBits, fixedBits = extraBits
            for s in 0..<286 {
                dynamicBits += Int(freq[s]) * Int(lens[s])
                fixedBits += Int(freq[s]) * (s < 144 ? 8 : s < 256 ? 9 : s < 280 ? 7 : 8)
            }
            for s in 0..<30 {
                dynamicBits += Int(distFreq[s]) * Int(distLens[s])
                fixedBits += Int(distFreq[s]) * 5
            }

            // The run-length coded lengths of the dynamic header.
            var hlit = 286
            while hlit > 257 && lens[hlit - 1] == 0 { hlit -= 1 }
            var hdist = 30
            while hdist > 1 && distLens[hdist - 1] == 0 { hdist -= 1 }
            let all = lensBuffer.baseAddress! + 320     // hlit + hdist lengths in a row
            (all).update(from: lens, count: hlit)
            (all + hlit).update(from: distLens, count: hdist)
            let total = hlit + hdist
            var runs: [UInt16] = []  // symbol | extra value << 5
            runs.reserveCapacity(total)
            var preFreq = [UInt32](repeating: 0, count: 19)
            var k = 0
            while k < total {
                let v = all[k]
                var r = 1
                while k + r < total && all[k + r] == v { r += 1 }
                k += r
                if v == 0 {
                    while r >= 11 {
                        let t = min(r, 138)
                        runs.append(18 | UInt16(t - 11) << 5); preFreq[18] += 1; r -= t
                    }
                    if r >= 3 { runs.append(17 | UInt16(r - 3) << 5); preFreq[17] += 1; r = 0 }
                } else {
                    runs.append(UInt16(v)); preFreq[Int(v)] += 1; r -= 1
                    while r >= 3 {
                        let t = min(r, 6)
                        runs.append(16 | UInt16(t - 3) << 5); preFreq[16] += 1; r -= t
                    }
                }
                while r > 0 { runs.append(UInt16(v)); preFreq[Int(v)] += 1; r -= 1 }
            }
            let preLens = lensBuffer.baseAddress! + 640, preCodes = codes + 320
            preFreq.withUnsafeBufferPointer {
                HuffmanEncoder.lengths(frequencies: $0.baseAddress!, count: 19, limit: 7, into: preLens)
            }
            HuffmanEncoder.codes(lengths: preLens, count: 19, into: preCodes)
            var hclen = 19
            while hclen > 4 && preLens[InflateDecoder.precodeOrder[hclen - 1]] == 0 { hclen -= 1 }
            dynamicBits += 3 + 14 + 3 * hclen
            for s in 0..<19 { dynamicBits += Int(preFreq[s]) * Int(preLens[s]) }
            dynamicBits += Int(preFreq[16]) * 2 + Int(preFreq[17]) * 3 + Int(preFreq[18]) * 7
            fixedBits += 3
            let storedBits = inputCount * 8 + (inputCount / 65535 + 1) * 40 + 7

            if storedBits <= min(dynamicBits, fixedBits) {
                writeStored(input, count: inputCount, final: final, writer: &writer)
                return
            }
            if fixedBits <= dynamicBits {
                lens.update(repeating: 8, count: 144)
                (lens + 144).update(repeating: 9, count: 112)
                (lens + 256).update(repeating: 7, count: 24)
                (lens + 280).update(repeating: 8, count: 8)
                distLens.update(repeating: 5, count: 32)
                writer.put(final ? 3 : 2, 3)
            } else {
                writer.put((final ? 1 : 0) | 4 | UInt64(hlit - 257) << 3 | UInt64(hdist - 1) << 8
                           | UInt64(hclen - 4) << 13, 17)
                for j in 0..<hclen { writer.put(UInt64(preLens[InflateDecoder.precodeOrder[j]]), 3) }
                for r in runs {
                    let s = Int(r & 31)
                    writer.put(UInt64(preCodes[s]), Int(preLens[s]))
                    switch s {
                    case 16: writer.put(UInt64(r >> 5), 2)
                    case 17: writer.put(UInt64(r >> 5), 3)
                    case 18: writer.put(UInt64(r >> 5), 7)
                    default: break
                    }
                }
            }
            HuffmanEncoder.codes(lengths: lens, count: 288, into: codes)
            HuffmanEncoder.codes(lengths: distLens, count: 32, into: distCodes)
            // Symbols: literal/length code + extra, distance code + extra, packed into one put where they fit.
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 29 + 30) { bases in
                let lbase = bases.baseAddress!, dbase = lbase + 29
                for s in 0..<29 { lbase[s] = T.lengthBase[s] | T.lengthExtra[s] << 16 }
                for s in 0..<30 { dbase[s] = T.distanceBase[s] | T.distanceExtra[s] << 16 }
                for j in 0..<count {
                    let item = items[j]
                    let dist = Int(item >> 9)
                    if dist == 0 {
                        let s = Int(item)
                        writer.put(UInt64(codes[s]), Int(lens[s]))
                        continue
                    }
                    let len = Int(item & 511)
                    let ls = Int(lengthSymbol[len])
                    let lb = lbase[ls]
                    let lengthBits = Int(lens[257 + ls])
                    writer.put(UInt64(codes[257 + ls]) | UInt64(len - Int(lb & 0xFFFF)) &<< UInt64(lengthBits),
                               lengthBits + Int(lb >> 16))
                    let ds = distanceCode(dist, distanceSymbol)
                    let db = dbase[ds]
                    let distanceBits = Int(distLens[ds])
                    writer.put(UInt64(distCodes[ds]) | UInt64(dist - Int(db & 0xFFFF)) &<< UInt64(distanceBits),
                               distanceBits + Int(db >> 16))
                }
                writer.put(UInt64(codes[256]), Int(lens[256]))
            }
        }
        }
    }
}

/// A least-significant-bit-first bit writer over a buffer with at least 8 bytes of slack at the end.
struct BitWriter {
    private let start: UnsafeMutablePointer<UInt8>
    private var p: UnsafeMutablePointer<UInt8>
    private var bits: UInt64 = 0
    private var count = 0

    init(_ out: UnsafeMutablePointer<UInt8>) {
        start = out
        p = out
    }

    /// Appends the low `n` bits of `value` (n ≤ 32, higher bits of `value` zero). Fewer than 32 bits wait in
    /// the buffer between calls, so `count + n` stays below 64.
    @inline(__always)
    mutating func put(_ value: UInt64, _ n: Int) {
        bits |= value &<< UInt64(count)
        count &+= n
        if count >= 32 { drain() }
    }

    @inline(__always)
    private mutating func drain() {
        UnsafeMutableRawPointer(p).storeBytes(of: bits.littleEndian, as: UInt64.self)
        let bytes = count >> 3
        p += bytes
        bits = bits &>> UInt64(bytes << 3)
        count &= 7
    }

    mutating func alignToByte() {
        if count & 7 != 0 { count += 8 - count & 7 }
        drain()
    }

    /// Copies bytes after aligning (stored blocks).
    mutating func copyBytes(_ src: UnsafePointer<UInt8>, _ n: Int) {
        drain()
        p.update(from: src, count: n)
        p += n
    }

    /// Flushes the final partial byte and returns the byte count.
    mutating func finish() -> Int {
        alignToByte()
        return p - start
    }
}
