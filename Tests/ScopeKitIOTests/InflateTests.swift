import Foundation
import Testing
import ScopeKitTestSupport
@testable import ScopeKitIO
import ScopeKitCore

/// Sample inputs shared by the Inflate and Deflate tests.
enum DeflateSamples {
    static let folder = TestPaths.fixtures("deflate")

    static func bytes(count: Int, seed: UInt64, alphabet: Int) -> [UInt8] {
        var s = seed
        return (0..<count).map { _ in
            s = s &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(Int(s >> 33) % alphabet)
        }
    }

    /// Inputs that reach every decoder path: empty, tiny, incompressible, few symbols, short-period runs
    /// (distances 1–7), a smooth 16-bit ramp and text-like data beyond the 32 KiB window.
    static let inputs: [(String, [UInt8])] = {
        var runs: [UInt8] = []
        for i in 0..<600 {
            let period = 1 + i % 9
            let pattern = bytes(count: period, seed: UInt64(i), alphabet: 256)
            for j in 0..<(3 + i % 300) { runs.append(pattern[j % period]) }
        }
        let ramp = (0..<20_000).flatMap { i -> [UInt8] in
            let v = UInt16((i * 3 + i / 97) & 0xFFF)
            return [UInt8(v & 0xFF), UInt8(v >> 8)]
        }
        let words = ["flat ", "field ", "stack ", "tiff ", "deflate ", "pixel ", "frame ", "the "]
        let pick = bytes(count: 12_000, seed: 7, alphabet: words.count)
        let text = Array(pick.map { words[Int($0)] }.joined().utf8)
        return [("empty", []), ("one", [42]), ("random", bytes(count: 5000, seed: 1, alphabet: 256)),
                ("binary", bytes(count: 30_000, seed: 2, alphabet: 2)), ("runs", runs), ("ramp", ramp),
                ("text", text)]
    }()
}

/// The pure-Swift inflater against zlib and libdeflate streams, and under corruption.
@Suite struct InflateTests {
    @Test func adler32MatchesZlib() {
        for n in [0, 1, 15, 16, 17, 255, 5552, 65_536, 70_001, 200_000] {
            let data = DeflateSamples.bytes(count: n, seed: UInt64(n), alphabet: 256)
            let max = [UInt8](repeating: 255, count: n)
            for d in [data, max] {
                d.withUnsafeBytes { p in
                    #expect(Adler32.checksum(p) == Zlib.adler32(p))
                    #expect(Adler32.checksum(p, continuing: 0xABCD_1234 % 65521) == Zlib.adler32(p, continuing: 0xABCD_1234 % 65521))
                }
            }
        }
    }

    @Test func decodesZlibStreamsAtEveryLevelAndFraming() throws {
        for (name, data) in DeflateSamples.inputs {
            for level in 0...9 {
                for format in [Zlib.Format.zlib, .raw, .gzip] {
                    let packed = try Zlib.compress(data, level: level, format: format)
                    let out = try Inflate.decompress(packed, expectedCount: data.count, format: format)
                    #expect(out == data, "\(name) level \(level) \(format)")
                }
            }
        }
    }

    @Test func decodesPythonZlibAndLibdeflateFixtures() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: DeflateSamples.folder.path)
        var checked = 0
        for file in files.sorted() where !file.hasSuffix(".bin") {
            let name = String(file.prefix { $0 != "." })
            let expected = [UInt8](try Data(contentsOf: DeflateSamples.folder.appendingPathComponent(name + ".bin")))
            let packed = [UInt8](try Data(contentsOf: DeflateSamples.folder.appendingPathComponent(file)))
            let format: Zlib.Format = file.hasSuffix(".raw") ? .raw : file.hasSuffix(".gz") ? .gzip : .zlib
            let out = try Inflate.decompress(packed, expectedCount: expected.count, format: format)
            #expect(out == expected, "\(file)")
            checked += 1
        }
        #expect(checked >= 60)
    }

    @Test func stopsAtTheOutputLimitAndRejectsShortStreams() throws {
        let data = DeflateSamples.inputs.first { $0.0 == "text" }!.1
        let packed = try Zlib.compress(data, level: 6)
        #expect(try Inflate.decompress(packed, expectedCount: 1000) == Array(data.prefix(1000)))
        #expect(throws: ScopeKitError.self) { try Inflate.decompress(packed, expectedCount: data.count + 1) }
        let longer = try Inflate.decompress(packed, expectedCount: data.count + 10, allowShorter: true)
        #expect(longer == data)
        // Truncated input: strict mode throws, lenient mode returns what zlib would.
        let cut = Array(packed.prefix(packed.count / 2))
        #expect(throws: ScopeKitError.self) { try Inflate.decompress(cut, expectedCount: data.count) }
        let lenient = try Inflate.decompress(cut, expectedCount: data.count, allowShorter: true)
        let zlib = try Zlib.decompress(cut, expectedCount: data.count, allowShorter: true)
        #expect(lenient == zlib && !lenient.isEmpty)
    }

    @Test func rejectsBadChecksAndHeaders() throws {
        let data = DeflateSamples.bytes(count: 3000, seed: 9, alphabet: 20)
        var packed = try Zlib.compress(data, level: 6)
        packed[packed.count - 1] ^= 1
        #expect(throws: ScopeKitError.self) { try Inflate.decompress(packed, expectedCount: data.count) }
        #expect(throws: ScopeKitError.self) { try Inflate.decompress([0x78, 0x9D, 0, 0], expectedCount: 10) }
        #expect(throws: ScopeKitError.self) { try Inflate.decompress([0x07, 0xFF], expectedCount: 10, format: .raw) }
    }

    /// Random corruption of valid streams: every outcome is a result or a ScopeKitError (a crash or a hang
    /// fails the suite); results never exceed the expected size.
    @Test func survivesRandomCorruption() throws {
        var state: UInt64 = 0x5EED
        func next() -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(state >> 33)
        }
        var decoded = 0, rejected = 0
        for (name, data) in DeflateSamples.inputs where data.count > 100 {
            for level in [1, 6, 9] {
                let packed = try Zlib.compress(Array(data.prefix(6000)), level: level)
                for trial in 0..<40 {
                    var bad = packed
                    let edits = 1 + next() % 4
                    for _ in 0..<edits {
                        let i = next() % bad.count
                        if trial % 3 == 0 { bad[i] = UInt8(next() & 0xFF) } else { bad[i] ^= UInt8(1 << (next() % 8)) }
                    }
                    if trial % 5 == 4 { bad = Array(bad.prefix(next() % bad.count)) }
                    for lenient in [false, true] {
                        do {
                            let out = try Inflate.decompress(bad, expectedCount: 6000, allowShorter: lenient)
                            #expect(out.count <= 6000, "\(name)")
                            decoded += 1
                        } catch is ScopeKitError {
                            rejected += 1
                        }
                    }
                }
            }
        }
        #expect(decoded + rejected > 0 && rejected > 0)
    }
}
