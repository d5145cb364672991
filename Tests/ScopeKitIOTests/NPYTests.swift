import Foundation
import Testing
import ScopeKitCore
@testable import ScopeKitIO

/// The raw little-endian bytes of an array (bitwise comparison, NaN-safe).
func rawBytes(_ a: AnyArray) -> [UInt8] { NPY.withLittleEndianBytes(of: a) { [UInt8]($0) } }

@Suite("NPY")
struct NPYTests {
    static let names = NPYFixtures.section("npy").keys.sorted()

    @Test("every numpy-written fixture reads with numpy's dtype, shape and values", arguments: names)
    func readsFixture(name: String) throws {
        let entry = NPYFixtures.section("npy")[name] as! [String: Any]
        let array = try NPY.read(NPYFixtures.url(name + ".npy"))
        expectMatches(array, entry, name)
    }

    @Test("readPlane(i) equals plane i of readAll for C and Fortran order, both byte orders",
          arguments: names.filter { !$0.hasPrefix("hand") })
    func planesMatchWhole(name: String) throws {
        let file = try NPY.open(NPYFixtures.url(name + ".npy"))
        let all = try file.readAll()
        let planeElements = file.info.planeShape.reduce(1, *)
        let whole = rawBytes(all)
        let planeCount = file.header.shape.count <= 2 ? 1 : file.header.shape.dropLast(2).reduce(1, *)
        for i in 0..<planeCount {
            let plane = try file.readPlane(i)
            #expect(plane.shape == file.info.planeShape)
            let n = planeElements * all.dtype.byteCount
            #expect(rawBytes(plane) == Array(whole[i * n..<(i + 1) * n]), "\(name) plane \(i)")
        }
        #expect(throws: ScopeKitError.self) { try file.readPlane(planeCount) }
    }

    @Test("header fields: version, order, byte order, plane shape")
    func headerFields() throws {
        let v3 = try NPY.open(NPYFixtures.url("float64_v3.npy"))
        #expect(v3.header.version == (3, 0))
        let v2 = try NPY.open(NPYFixtures.url("float64_v2.npy"))
        #expect(v2.header.version == (2, 0))
        let be = try NPY.open(NPYFixtures.url("uint16_bigendian_fortran.npy"))
        #expect(be.header.bigEndian && be.header.fortranOrder && be.header.descriptor == ">u2")
        #expect(be.info.planeShape == [3, 4] && be.info.shape == [2, 3, 4] && be.info.planeCount == 2)
        #expect(be.info.metadata["npy.fortran_order"] == "true")
        let scalar = try NPY.open(NPYFixtures.url("float32_0d.npy"))
        #expect(scalar.info.shape == [] && scalar.info.planeShape == [] && scalar.info.planeCount == 1)
        let line = try NPY.open(NPYFixtures.url("int16_1d.npy"))
        #expect(line.info.planeShape == [7] && line.info.planeCount == 1)
    }

    @Test("numpy's header bytes: encode(read(file)) reproduces every numpy-written C-order little-endian file")
    func encodeIsByteIdentical() throws {
        var checked = 0
        for name in Self.names where !name.contains("bigendian") && !name.contains("fortran") && !name.hasPrefix("hand")
            && !name.hasSuffix("_v2") && !name.hasSuffix("_v3") {
            let url = NPYFixtures.url(name + ".npy")
            let original = [UInt8](try Data(contentsOf: url))
            #expect(NPY.encode(try NPY.read(url)) == original, "\(name)")
            checked += 1
        }
        #expect(checked == 15)
        // numpy.save's known layout for a 64×512×512 float32 stack: 128-byte header.
        let header = NPYHeader(dtype: .float32, shape: [64, 512, 512]).encoded()
        #expect(header.count == 128 && header[6] == 1)
        let text = String(decoding: header[10...], as: UTF8.self)
        #expect(text.hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': (64, 512, 512), }"))
        #expect(text.hasSuffix(" \n"))
    }

    @Test("write then read returns the same bytes for every dtype and order")
    func roundTrip() throws {
        let folder = temporaryFolder("npy")
        defer { try? FileManager.default.removeItem(at: folder) }
        for name in Self.names {
            let array = try NPY.read(NPYFixtures.url(name + ".npy"))
            let url = folder.appendingPathComponent(name + ".npy")
            try NPY.write(array, to: url)
            let back = try NPY.read(url)
            #expect(back.dtype == array.dtype && back.shape == array.shape && rawBytes(back) == rawBytes(array), "\(name)")
            #expect(try NPY.decode(NPY.encode(array)).shape == array.shape)
        }
        // No overwrite without permission, and nothing else left in the folder.
        let url = folder.appendingPathComponent("uint8_c.npy")
        #expect(throws: ScopeKitError.self) { try NPY.write(.uint8(NDArray(zeros: [2])), to: url) }
        try NPY.write(.uint8(NDArray([7, 8], shape: [2])), to: url, overwrite: true)
        #expect(try NPY.read(url) == .uint8(NDArray([7, 8], shape: [2])))
        let left = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix(".") }
        #expect(left.isEmpty)
    }

    @Test("ImageIO opens .npy by content and writes it by extension")
    func registry() throws {
        ImageIO.register(NPYFormat())
        ImageIO.register(NPYEncoder())
        let folder = temporaryFolder("npy-registry")
        defer { try? FileManager.default.removeItem(at: folder) }
        // A .npy named .dat is still recognised by its magic.
        let renamed = folder.appendingPathComponent("stack.dat")
        try FileManager.default.copyItem(at: NPYFixtures.url("uint16_planes.npy"), to: renamed)
        let file = try ImageIO.open(renamed)
        #expect(file.info.formatName == "NPY" && file.info.shape == [4, 6, 5] && file.info.dtype == .uint16)
        let entry = NPYFixtures.section("npy")["uint16_planes"] as! [String: Any]
        expectMatches(try ImageIO.read(renamed), entry, "ImageIO.read")
        let out = folder.appendingPathComponent("out.npy")
        try ImageIO.write(try ImageIO.read(renamed), to: out)
        #expect(try Data(contentsOf: out) == Data(contentsOf: NPYFixtures.url("uint16_planes.npy")))
    }

    @Test("object, string, structured, float16, complex128 and uint64 arrays are rejected by name")
    func rejectsUnsupported() throws {
        let rejects = NPYFixtures.section("reject") as! [String: String]
        #expect(rejects.count == 7)
        for (name, keyword) in rejects {
            let reason = expectBadInput(name) { _ = try NPY.read(NPYFixtures.url(name + ".npy")) }
            #expect(reason?.contains(keyword) == true, "\(name): \(reason ?? "")")
        }
    }

    /// Writes every fixture (read by ScopeKit) and the NPZ fixtures back out for `npy.py verify DIR`.
    ///
    /// The folder is `$SCOPEKIT_NPY_VERIFY_DIR` or `<tmp>/scopekit-npy-verify`; the test itself checks that
    /// each written file decodes to the fixture's values.
    @Test("files for numpy's verification are written and decode to the fixture values")
    func writeVerificationSet() throws {
        let path = ProcessInfo.processInfo.environment["SCOPEKIT_NPY_VERIFY_DIR"]
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("scopekit-npy-verify").path
        let folder = URL(fileURLWithPath: path)
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let npy = NPYFixtures.section("npy")
        for name in Self.names {
            let url = folder.appendingPathComponent(name + ".npy")
            try NPY.write(try NPY.read(NPYFixtures.url(name + ".npy")), to: url)
            expectMatches(try NPY.read(url), npy[name] as! [String: Any], "written \(name)")
        }
        for (name, spec) in NPYFixtures.section("npz") {
            let arrays = try NPZ.read(NPYFixtures.url(name + ".npz"))
            for compressed in [false, true] {
                let stem = "scopekit_\(name)_\(compressed ? "deflated" : "stored")"
                try NPZ.write(arrays.map { ($0.name, $0.array) }, to: folder.appendingPathComponent(stem + ".npz"),
                              compressed: compressed)
                let json = try JSONSerialization.data(withJSONObject: spec)
                try json.write(to: folder.appendingPathComponent(stem + ".json"))
            }
        }
    }
}
