import Foundation
import Testing
@testable import ScopeKitIO
import ScopeKitCore

/// LZW, PackBits and predictor codecs against known vectors and round trips.
@Suite struct TIFFCodecTests {
    static func bytes(count: Int, seed: UInt64, alphabet: Int) -> [UInt8] {
        var s = seed
        return (0..<count).map { _ in
            s = s &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(Int(s >> 33) % alphabet)
        }
    }

    @Test func packBitsDecodesTheSpecificationExample() {
        // TIFF 6.0 section 9 example.
        let packed: [UInt8] = [0xFE, 0xAA, 0x02, 0x80, 0x00, 0x2A, 0xFD, 0xAA, 0x03, 0x80, 0x00, 0x2A, 0x22, 0xF7, 0xAA]
        let expected: [UInt8] = [0xAA, 0xAA, 0xAA, 0x80, 0x00, 0x2A, 0xAA, 0xAA, 0xAA, 0xAA, 0x80, 0x00, 0x2A, 0x22]
            + [UInt8](repeating: 0xAA, count: 10)
        var out = [UInt8](repeating: 0, count: expected.count)
        let n = packed.withUnsafeBytes { p in out.withUnsafeMutableBytes { PackBits.decode(p, into: $0) } }
        #expect(n == expected.count && out == expected)
    }

    @Test func packBitsRoundTripsAndStopsAtTheOutputLimit() {
        for alphabet in [1, 2, 7, 256] {
            let data = Self.bytes(count: 5000, seed: UInt64(alphabet), alphabet: alphabet)
            let packed = data.withUnsafeBytes { PackBits.encode($0) }
            var out = [UInt8](repeating: 0, count: data.count)
            let n = packed.withUnsafeBytes { p in out.withUnsafeMutableBytes { PackBits.decode(p, into: $0) } }
            #expect(n == data.count && out == data)
            var short = [UInt8](repeating: 0, count: 100)
            let m = packed.withUnsafeBytes { p in short.withUnsafeMutableBytes { PackBits.decode(p, into: $0) } }
            #expect(m == 100 && short == Array(data.prefix(100)))
        }
    }

    @Test func lzwRoundTripsAcrossTableResets() throws {
        for (count, alphabet) in [(0, 2), (1, 2), (300, 256), (70_000, 256), (200_000, 3), (50_000, 1)] {
            let data = Self.bytes(count: count, seed: 3, alphabet: alphabet)
            let packed = data.withUnsafeBytes { LZW.encode($0) }
            var out = [UInt8](repeating: 0, count: data.count)
            let n = try packed.withUnsafeBytes { p in try out.withUnsafeMutableBytes { try LZW.decode(p, into: $0) } }
            #expect(n == data.count && out == data, "count \(count) alphabet \(alphabet)")
        }
    }

    /// Old-style (pre-TIFF 6) LZW: LSB-first codes, width grows one code later.
    static func oldStyleLZW(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var buffer: UInt64 = 0, bits = 0, width = 9, next = 258
        func emit(_ code: Int) {
            buffer |= UInt64(code) << UInt64(bits)
            bits += width
            while bits >= 8 { out.append(UInt8(truncatingIfNeeded: buffer)); buffer >>= 8; bits -= 8 }
        }
        var table: [Int: Int] = [:]
        emit(256)
        var prefix = Int(data[0])
        for b in data.dropFirst().map(Int.init) {
            if let c = table[prefix << 8 | b] { prefix = c; continue }
            emit(prefix)
            table[prefix << 8 | b] = next
            next += 1
            if next > (1 << width) && width < 12 { width += 1 }
            prefix = b
        }
        emit(prefix)
        next += 1
        if next > (1 << width) && width < 12 { width += 1 }
        emit(257)
        if bits > 0 { out.append(UInt8(truncatingIfNeeded: buffer)) }
        return out
    }

    @Test func lzwDecodesOldStyleCodes() throws {
        let data = Self.bytes(count: 3000, seed: 9, alphabet: 5)
        let packed = Self.oldStyleLZW(data)
        #expect(packed[0] == 0 && packed[1] & 1 == 1)  // what libtiff's detection looks for
        var out = [UInt8](repeating: 0, count: data.count)
        let n = try packed.withUnsafeBytes { p in try out.withUnsafeMutableBytes { try LZW.decode(p, into: $0) } }
        #expect(n == data.count && out == data)
    }

    @Test func lzwRejectsUndefinedCodes() {
        // Clear, 'A', then code 300 which is not defined yet (9-bit MSB-first codes).
        var bits: [Int] = []
        for code in [256, 65, 300] { for k in (0..<9).reversed() { bits.append(code >> k & 1) } }
        while bits.count % 8 != 0 { bits.append(0) }
        let packed: [UInt8] = stride(from: 0, to: bits.count, by: 8).map { i in
            UInt8(bits[i..<i + 8].reduce(0) { $0 << 1 | $1 })
        }
        var out = [UInt8](repeating: 0, count: 10)
        #expect(throws: ScopeKitError.self) {
            try packed.withUnsafeBytes { p in try out.withUnsafeMutableBytes { try LZW.decode(p, into: $0) } }
        }
    }

    @Test func predictorsRoundTrip() {
        // Four-row blocks, leftover rows and short rows of the horizontal decoder.
        for bytes in [1, 2, 4, 8] {
            for samples in [1, 3] {
                for (width, rows) in [(13, 7), (2, 5), (6, 4), (41, 3)] {
                    roundTrip(bytes: bytes, samples: samples, width: width, rows: rows)
                }
            }
        }
    }

    func roundTrip(bytes: Int, samples: Int, width: Int, rows: Int) {
        let original = Self.bytes(count: width * samples * bytes * rows, seed: UInt64(bytes * 10 + samples + width),
                                  alphabet: 256)
        var data = original
        data.withUnsafeMutableBytes {
            Predictor.encodeHorizontal($0.baseAddress!, bytesPerSample: bytes, width: width, samples: samples, rows: rows)
        }
        #expect(data != original)
        // The out-of-place encoder gives the same differences and leaves its source alone.
        var fused = [UInt8](repeating: 0, count: original.count)
        original.withUnsafeBytes { s in
            fused.withUnsafeMutableBytes {
                Predictor.encodeHorizontal(from: s.baseAddress!, to: $0.baseAddress!, bytesPerSample: bytes,
                                           width: width, samples: samples, rows: rows)
            }
        }
        #expect(fused == data)
        data.withUnsafeMutableBytes {
            Predictor.decodeHorizontal($0.baseAddress!, bytesPerSample: bytes, width: width, samples: samples, rows: rows)
        }
        #expect(data == original)
        guard bytes >= 2 else { return }
        let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: width * samples * bytes)
        defer { scratch.deallocate() }
        data.withUnsafeMutableBytes {
            Predictor.encodeFloatingPoint($0.baseAddress!, bytesPerSample: bytes, width: width, samples: samples,
                                          rows: rows, scratch: scratch)
            Predictor.decodeFloatingPoint($0.baseAddress!, bytesPerSample: bytes, width: width, samples: samples,
                                          rows: rows, scratch: scratch)
        }
        #expect(data == original)
    }

    @Test func horizontalDifferencingKnownValues() {
        var values: [UInt16] = [10, 12, 11, 65535, 0]
        values.withUnsafeMutableBytes {
            Predictor.encodeHorizontal($0.baseAddress!, bytesPerSample: 2, width: 5, samples: 1, rows: 1)
        }
        #expect(values == [10, 2, 65535, 65524, 1])
        // A row longer than the SIMD steps (16 lanes out of place, 8 in the running sum) plus a tail.
        let row: [UInt16] = (0..<37).map { (k: Int) -> UInt16 in UInt16(truncatingIfNeeded: (k &* k &* 2_654_435_761) >> 7) }
        var diff = [UInt16](repeating: 0, count: 37)
        row.withUnsafeBytes { s in
            diff.withUnsafeMutableBytes {
                Predictor.encodeHorizontal(from: s.baseAddress!, to: $0.baseAddress!, bytesPerSample: 2, width: 37,
                                           samples: 1, rows: 1)
            }
        }
        var expected = row
        for k in 1..<37 { expected[k] = row[k] &- row[k - 1] }
        #expect(diff == expected)
        diff.withUnsafeMutableBytes {
            Predictor.decodeHorizontal($0.baseAddress!, bytesPerSample: 2, width: 37, samples: 1, rows: 1)
        }
        #expect(diff == row)
    }
}
