import Foundation
import Testing
import ScopeKitCore
@testable import ScopeKitIO

@Suite("NPZ")
struct NPZTests {
    @Test("numpy.savez and savez_compressed archives read with numpy's keys, order and values",
          arguments: ["stored", "compressed", "profiles"])
    func readsFixture(name: String) throws {
        let spec = NPYFixtures.section("npz")[name] as! [String: Any]
        let keys = spec["keys"] as! [String]
        let arrays = spec["arrays"] as! [String: Any]
        let url = NPYFixtures.url(name + ".npz")
        let read = try NPZ.read(url)
        #expect(read.map(\.name) == keys)
        for (key, array) in read { expectMatches(array, arrays[key] as! [String: Any], "\(name)[\(key)]") }
        #expect(try NPZ.keys(url) == keys)
        let first = try NPZ.read(url, key: keys[1])
        expectMatches(first, arrays[keys[1]] as! [String: Any], "\(name) by key")
        let reason = expectBadInput("missing key") { _ = try NPZ.read(url, key: "nothing") }
        #expect(reason?.contains(keys.joined(separator: ", ")) == true)
    }

    @Test("flat-field profiles.npz: flatfield, darkfield, baseline")
    func profiles() throws {
        let archive = try NPZArchive(NPYFixtures.url("profiles.npz"))
        #expect(archive.keys == ["flatfield", "darkfield", "baseline"])
        let flat = try archive.read("flatfield").asFloat64()
        #expect(flat.shape == [16, 16])
        let mean = flat.elements.reduce(0, +) / Double(flat.count)
        #expect(abs(mean - 1) < 1e-6)
        #expect(try archive.read("baseline").shape == [5])
    }

    @Test("the corpus .npz files match numpy: keys, shapes, dtypes, CRC-32 and sums; pickled members are refused")
    func corpus() throws {
        guard let corpus = NPYFixtures.corpus else {
            Issue.record("shared/corpus not found beside the repository")
            return
        }
        let expected = NPYFixtures.section("corpus")
        #expect(expected.count == 8)
        for (relative, specAny) in expected {
            let spec = specAny as! [String: Any]
            let url = corpus.appendingPathComponent(relative)
            if spec["error"] != nil {
                let reason = expectBadInput(relative) { _ = try NPZ.read(url) }
                #expect(reason?.contains("object") == true, "\(relative): \(reason ?? "")")
                continue
            }
            let arrays = spec["arrays"] as! [String: [String: Any]]
            let read = try NPZ.read(url)
            #expect(read.map(\.name) == spec["keys"] as? [String])
            for (key, array) in read {
                let want = arrays[key]!
                #expect(array.dtype.name == want["dtype"] as? String)
                #expect(array.shape == want["shape"] as? [Int])
                let crc = NPY.withLittleEndianBytes(of: array) { Zlib.crc32($0) }
                #expect(Int(crc) == want["crc32"] as? Int, "\(relative)[\(key)] crc")
                let sum = array.asFloat64().elements.reduce(0, +)
                #expect(sum == want["sum"] as? Double)
                #expect(firstMismatch(.float64(NDArray(Array(array.asFloat64().elements.prefix(5)), shape: [5])),
                                      want["first"] as! [String]) == nil)
            }
        }
    }

    @Test("write then read: stored and deflated, any dtype, readable lazily plane by plane")
    func roundTrip() throws {
        let folder = temporaryFolder("npz")
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = try NPZ.read(NPYFixtures.url("stored.npz"))
        for compressed in [false, true] {
            let url = folder.appendingPathComponent(compressed ? "c.npz" : "s.npz")
            try NPZ.write(source.map { ($0.name, $0.array) }, to: url, compressed: compressed)
            let back = try NPZ.read(url)
            #expect(back.map(\.name) == source.map(\.name))
            for (a, b) in zip(back, source) { #expect(rawBytes(a.array) == rawBytes(b.array) && a.array.shape == b.array.shape) }
            let member = try NPZArchive(url).open("image")
            let whole = rawBytes(try member.readAll())
            for i in 0..<3 {
                #expect(rawBytes(try member.readPlane(i)) == Array(whole[i * 40..<(i + 1) * 40]))
            }
        }
        // Compressed is smaller for compressible data; the archive stores members as numpy does.
        let big = AnyArray.float32(NDArray(repeating: 1, shape: [64, 64]))
        let stored = folder.appendingPathComponent("big_s.npz"), deflated = folder.appendingPathComponent("big_d.npz")
        try NPZ.write([("x", big)], to: stored)
        try NPZ.write([("x", big)], to: deflated, compressed: true)
        let size = { (u: URL) in try FileManager.default.attributesOfItem(atPath: u.path)[.size] as! Int }
        #expect(try size(deflated) < 1000 && size(stored) > 64 * 64 * 4)
        #expect(throws: ScopeKitError.self) { try NPZ.write([("x", big)], to: stored) }
        #expect(throws: ScopeKitError.self) { try NPZ.write([("x", big), ("x", big)], to: folder.appendingPathComponent("d.npz")) }
    }

    @Test("a deflated member larger than the 1 MiB inflate step reads whole or by plane, and its CRC-32 is checked")
    func largeDeflatedMember() throws {
        let folder = temporaryFolder("npz-large")
        defer { try? FileManager.default.removeItem(at: folder) }
        var rng = SeededGenerator(seed: 3)
        let stack = NDArray<UInt16>(unsafeUninitializedShape: [5, 300, 400]) { p in
            for i in p.indices { p[i] = UInt16(truncatingIfNeeded: rng.next() >> 60) &+ UInt16(i % 400) }
        }
        let url = folder.appendingPathComponent("big.npz")
        try NPZ.write([("stack", .uint16(stack))], to: url, compressed: true)
        let expected = rawBytes(.uint16(stack))
        #expect(rawBytes(try NPZ.read(url, key: "stack")) == expected)
        // Planes first (inflated once into memory), then the whole array from that copy.
        let member = try NPZArchive(url).open("stack")
        #expect(rawBytes(try member.readPlane(4)) == Array(expected[4 * 240_000..<5 * 240_000]))
        #expect(rawBytes(try member.readAll()) == expected)
        // A wrong CRC-32 in the central directory fails both ways of reading.
        var bytes = [UInt8](try Data(contentsOf: url))
        let central = (0..<bytes.count - 4).last { bytes[$0] == 0x50 && bytes[$0 + 1] == 0x4B && bytes[$0 + 2] == 1 && bytes[$0 + 3] == 2 }!
        bytes[central + 16] ^= 0x01
        let bad = folder.appendingPathComponent("bad.npz")
        try Data(bytes).write(to: bad)
        #expect(expectBadInput("crc whole") { _ = try NPZ.read(bad, key: "stack") }?.contains("CRC-32") == true)
        #expect(expectBadInput("crc plane") { _ = try NPZArchive(bad).open("stack").readPlane(0) }?.contains("CRC-32") == true)
    }

    @Test("ImageIO opens an .npz as its first array with the keys in metadata")
    func registry() throws {
        ImageIO.register(NPZFormat())
        ImageIO.register(NPZEncoder())
        let file = try ImageIO.open(NPYFixtures.url("compressed.npz"))
        #expect(file.info.formatName == "NPZ" && file.info.shape == [3, 4, 5] && file.info.dtype == .uint16)
        #expect(file.info.metadata["npz.keys"] == "image,weights,flags,scalar")
        #expect(file.info.metadata["npz.key"] == "image")
        let spec = (NPYFixtures.section("npz")["compressed"] as! [String: Any])["arrays"] as! [String: Any]
        expectMatches(try file.readAll(), spec["image"] as! [String: Any], "ImageIO npz")
        let folder = temporaryFolder("npz-registry")
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("one.npz")
        try ImageIO.write(try file.readAll(), to: out, options: WriteOptions(compression: .deflate))
        #expect(try NPZ.keys(out) == ["arr_0"])
    }
}
