import Foundation
import Testing
import ScopeKitCore
@testable import ScopeKitIO

/// A v1.0 NPY file with a verbatim header text (padded like numpy) followed by `data`.
func handmadeNPY(_ header: String, data: [UInt8] = [], major: UInt8 = 1) -> [UInt8] {
    let body = Array(header.utf8)
    let prefix = major == 1 ? 10 : 12
    let hlen = body.count + 1
    let pad = 64 - ((prefix + hlen) % 64)
    let length = hlen + pad
    var out = NPYHeader.magic + [major, 0]
    out += major == 1 ? [UInt8(length & 0xFF), UInt8(length >> 8)]
                      : [UInt8(length & 0xFF), UInt8(length >> 8 & 0xFF), 0, 0]
    return out + body + [UInt8](repeating: 0x20, count: pad) + [0x0A] + data
}

@Suite("NPY and NPZ robustness")
struct NPYRobustnessTests {
    @Test("an NPY file truncated at every offset fails cleanly", arguments: ["uint16_planes", "float64_v3", "complex64_bigendian_fortran", "float32_0d"])
    func truncatedEverywhere(name: String) throws {
        let bytes = [UInt8](try Data(contentsOf: NPYFixtures.url(name + ".npy")))
        for cut in 0..<bytes.count {
            expectBadInput("\(name) cut at \(cut)") { _ = try NPY.decode(Array(bytes[0..<cut])) }
        }
        #expect(try NPY.decode(bytes).count > 0)
        // And from a file, through the lazy reader.
        let folder = temporaryFolder("npy-trunc")
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("t.npy")
        try Data(bytes[0..<(bytes.count - 1)]).write(to: url)
        expectBadInput("\(name) file cut by one") { _ = try NPY.open(url) }
    }

    @Test("corrupt header fields are refused before any allocation")
    func corruptHeaders() throws {
        let cases: [(String, [UInt8], String)] = [
            ("huge shape", handmadeNPY("{'descr': '<f8', 'fortran_order': False, 'shape': (2147483648, 2147483648), }"), "overflow"),
            ("large shape", handmadeNPY("{'descr': '<u1', 'fortran_order': False, 'shape': (2147483648, 2147483648), }"), "truncated"),
            ("big int", handmadeNPY("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999999,), }"), "too large"),
            ("negative", handmadeNPY("{'descr': '<f8', 'fortran_order': False, 'shape': (-1, 3), }"), "negative"),
            ("missing shape", handmadeNPY("{'descr': '<f8', 'fortran_order': False, }"), "lacks 'shape'"),
            ("missing descr", handmadeNPY("{'fortran_order': False, 'shape': (1,), }", data: [0]), "lacks 'descr'"),
            ("missing order", handmadeNPY("{'descr': '<f8', 'shape': (1,), }"), "lacks 'fortran_order'"),
            ("garbage descr", handmadeNPY("{'descr': 'hello', 'fortran_order': False, 'shape': (1,), }"), "unsupported NPY dtype"),
            ("descr number", handmadeNPY("{'descr': 5, 'fortran_order': False, 'shape': (1,), }"), "not a string"),
            ("order string", handmadeNPY("{'descr': '<f8', 'fortran_order': 'no', 'shape': (1,), }"), "fortran_order"),
            ("shape float", handmadeNPY("{'descr': '<f8', 'fortran_order': False, 'shape': (1.5,), }"), "float"),
            ("shape string", handmadeNPY("{'descr': '<f8', 'fortran_order': False, 'shape': 'abc', }"), "not a tuple"),
            ("not a dict", handmadeNPY("[1, 2, 3]"), "not a dict"),
            ("code", handmadeNPY("{'descr': __import__('os'), 'fortran_order': False, 'shape': (), }"), "unsupported name"),
            ("unterminated", handmadeNPY("{'descr': '<f8, 'fortran_order': False"), "malformed"),
            ("deep", handmadeNPY("{'shape': " + String(repeating: "(", count: 500) + "}"), "nesting"),
            ("trailing", handmadeNPY("{'descr': '<f8', 'fortran_order': False, 'shape': (), } x"), "after"),
            ("too many axes", handmadeNPY("{'descr': '<u1', 'fortran_order': False, 'shape': (" + String(repeating: "1, ", count: 40) + "), }"), "axes"),
            ("bad magic", [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x5A, 1, 0, 0, 0], "magic"),
            ("bad version", NPYHeader.magic + [9, 0, 0, 0], "version 9"),
            ("length beyond file", NPYHeader.magic + [1, 0, 0xFF, 0xFF] + Array("{'descr'".utf8), "announced"),
            ("v2 giant length", NPYHeader.magic + [2, 0, 0xFF, 0xFF, 0xFF, 0xFF], "exceeds"),
            ("v3 invalid utf8", handmadeNPY("{'descr': '<u1', 'fortran_order': False, 'shape': (), }", data: [1], major: 3)
                .enumerated().map { $0.offset == 14 ? 0xFF : $0.element }, "UTF-8"),
        ]
        for (label, bytes, keyword) in cases {
            let reason = expectBadInput(label) { _ = try NPY.decode(bytes) }
            #expect(reason?.contains(keyword) == true, "\(label): \(reason ?? "nil")")
        }
        // The valid spelling of the v3 case reads.
        #expect(try NPY.decode(handmadeNPY("{'descr': '<u1', 'fortran_order': False, 'shape': (), }", data: [1], major: 3))
                == .uint8(NDArray([1], shape: [])))
    }

    @Test("NPZ archives truncated at every offset fail cleanly", arguments: ["stored", "compressed"])
    func truncatedArchives(name: String) throws {
        let bytes = [UInt8](try Data(contentsOf: NPYFixtures.url(name + ".npz")))
        let folder = temporaryFolder("npz-trunc")
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("t.npz")
        for cut in stride(from: 0, to: bytes.count, by: 7) {
            try Data(bytes[0..<cut]).write(to: url)
            expectBadInput("\(name) cut at \(cut)") { _ = try NPZ.read(url) }
        }
    }

    @Test("every single-byte corruption of an NPZ either fails cleanly or reads (no crash, no huge allocation)",
          arguments: ["stored", "compressed"])
    func corruptedArchives(name: String) throws {
        let bytes = [UInt8](try Data(contentsOf: NPYFixtures.url(name + ".npz")))
        let folder = temporaryFolder("npz-flip")
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("f.npz")
        var failures = 0
        for i in 0..<bytes.count {
            var copy = bytes
            copy[i] ^= 0xA5
            try Data(copy).write(to: url)
            do {
                let arrays = try NPZ.read(url)
                #expect(arrays.allSatisfy { $0.array.count <= 120 })
            } catch let error as ScopeKitError {
                #expect(error.kind == .badInput)
                failures += 1
            }
        }
        // Most bytes matter: data are CRC-checked, headers parsed.
        #expect(failures > bytes.count / 2)
    }

    @Test("an NPZ member declaring an impossible size is refused")
    func forgedSizes() throws {
        var bytes = [UInt8](try Data(contentsOf: NPYFixtures.url("compressed.npz")))
        let folder = temporaryFolder("npz-forged")
        defer { try? FileManager.default.removeItem(at: folder) }
        // Find the first central directory entry and set its uncompressed size to 4 GiB - 2.
        let signature: [UInt8] = [0x50, 0x4B, 0x01, 0x02]
        let at = (0..<bytes.count - 4).first { Array(bytes[$0..<$0 + 4]) == signature }!
        bytes.replaceSubrange(at + 24..<at + 28, with: [0xFE, 0xFF, 0xFF, 0xFF])
        let url = folder.appendingPathComponent("forged.npz")
        try Data(bytes).write(to: url)
        let reason = expectBadInput("forged size") { _ = try NPZ.read(url, key: "image") }
        #expect(reason?.contains("more than Deflate can produce") == true, "\(reason ?? "")")
        // A member whose NPY header claims more data than the member holds.
        let member = handmadeNPY("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 1000000), }")
        let out = try OutputFile(folder.appendingPathComponent("claim.npz"), overwrite: false)
        var zip = ZipWriter(out)
        try member.withUnsafeBytes { try zip.add(name: "a.npy", data: $0, deflate: true) }
        try zip.finish()
        try out.commit()
        let claim = expectBadInput("claimed shape") { _ = try NPZ.read(folder.appendingPathComponent("claim.npz")) }
        #expect(claim?.contains("truncated NPY data") == true, "\(claim ?? "")")
    }
}
