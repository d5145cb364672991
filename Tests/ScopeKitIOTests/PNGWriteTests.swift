import Foundation
import Testing
import ScopeKitCore
@testable import ScopeKitIO

/// Writing: write → read gives identical arrays for every supported layout; filters, levels, pHYs, text.
@Suite("PNG writing")
struct PNGWriteTests {
    /// Deterministic test images: noise mixed with a gradient so every filter type wins somewhere.
    static func image<T: FixedWidthInteger & ArrayElement>(_ type: T.Type, shape: [Int], seed: UInt64) -> NDArray<T> {
        var state = seed
        let n = shape.reduce(1, *)
        let cols = shape.count > 1 ? shape[1] : 1
        let channels = shape.count == 3 ? shape[2] : 1
        var values: [T] = []
        values.reserveCapacity(n)
        for i in 0..<n {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let pixel = i / channels, row = pixel / cols, col = pixel % cols
            let smooth = UInt64(row * 3 + col * 5 + (i % channels) * 40)
            let noise = (state >> 33) % 7
            let v = row % 4 == 3 ? state >> 20 : smooth &* (T.bitWidth == 16 ? 257 : 1) &+ noise
            values.append(T(truncatingIfNeeded: v))
        }
        return NDArray(values, shape: shape)
    }

    static let cases: [(String, AnyArray)] = [
        ("mask_bool", .bool(NDArray(image(UInt8.self, shape: [9, 21], seed: 1).elements.map { $0 & 1 == 1 }, shape: [9, 21]))),
        ("gray8", .uint8(image(UInt8.self, shape: [23, 37], seed: 2))),
        ("gray_alpha8", .uint8(image(UInt8.self, shape: [17, 19, 2], seed: 3))),
        ("rgb8", .uint8(image(UInt8.self, shape: [31, 29, 3], seed: 4))),
        ("rgba8", .uint8(image(UInt8.self, shape: [13, 11, 4], seed: 5))),
        ("gray16", .uint16(image(UInt16.self, shape: [19, 23], seed: 6))),
        ("gray_channel8", .uint8(image(UInt8.self, shape: [7, 9, 1], seed: 7))),
        ("rgb16", .uint16(image(UInt16.self, shape: [11, 13, 3], seed: 8))),
        ("one_pixel", .uint8(NDArray([200], shape: [1, 1]))),
    ]

    @Test("write → read returns identical pixels, dtype and shape; imageio check files are written")
    func roundTrip() throws {
        let verify = FileManager.default.temporaryDirectory.appendingPathComponent("scopekit-png-verify")
        try? FileManager.default.removeItem(at: verify)
        try FileManager.default.createDirectory(at: verify, withIntermediateDirectories: true)
        for (name, array) in Self.cases {
            var calibrated = array
            var calibration = Calibration(rank: array.shape.count)
            calibration.axes[0] = AxisCalibration(name: "y", scale: 0.25, unit: "µm")
            calibration.axes[1] = AxisCalibration(name: "x", scale: 500, unit: "nm")
            calibrated.calibration = calibration
            calibrated.metadata = ["png.Title": "ScopeKit \(name)", "png.Author": "Zoë 世界", "other": "dropped"]
            let bytes = try PNG.encode(calibrated)
            let back = try PNG.decode(bytes)
            let expectedShape = array.shape.count == 3 && array.shape[2] == 1 ? Array(array.shape.prefix(2)) : array.shape
            #expect(back.shape == expectedShape, "\(name)")
            #expect(back.dtype == array.dtype, "\(name)")
            #expect(back.integerValues == array.integerValues, "\(name)")
            #expect(abs(back.calibration.axes[0].scale - 0.25) < 1e-9 && back.calibration.axes[0].unit == "µm")
            #expect(abs(back.calibration.axes[1].scale - 0.5) < 1e-9)
            #expect(back.metadata["png.Title"] == "ScopeKit \(name)")
            #expect(back.metadata["png.Author"] == "Zoë 世界")
            #expect(back.metadata["png.other"] == nil && back.metadata.count == 2)

            // Files for `python Scripts/fixtures/png.py verify DIR`.
            try Data(bytes).write(to: verify.appendingPathComponent(name + ".png"))
            let raw: [UInt8]
            switch array {
            case .bool(let a): raw = a.elements.map { $0 ? 1 : 0 }
            case .uint8(let a): raw = a.elements
            case .uint16(let a): raw = a.elements.flatMap { [UInt8(truncatingIfNeeded: $0), UInt8($0 >> 8)] }
            default: raw = []
            }
            try Data(raw).write(to: verify.appendingPathComponent(name + ".bin"))
            let sidecar = """
                {"shape": \(array.shape), "dtype": "\(array.dtype.name == "bool" ? "bool" : array.dtype.name)", \
                "dpi": [\(0.0254 / 500e-9), \(0.0254 / 0.25e-6)], \
                "text": {"Title": "ScopeKit \(name)", "Author": "Zoë 世界"}}
                """
            try Data(sidecar.utf8).write(to: verify.appendingPathComponent(name + ".json"))
        }
    }

    @Test("adaptive filtering picks several filter types, None for 1-bit; every level decodes identically")
    func filtersAndLevels() throws {
        let array = AnyArray.uint8(Self.image(UInt8.self, shape: [64, 48, 3], seed: 9))
        var sizes: [Int] = []
        for level in [0, 1, 6, 9] {
            let bytes = try PNG.encode(array, compressionLevel: level)
            sizes.append(bytes.count)
            #expect(try PNG.decode(bytes) == array.withIdentityMetadata(of: try PNG.decode(bytes)))
            let structure = try PNGStructure.parse(size: bytes.count) { Array(bytes[$0..<$0 + $1]) }
            let chunk = structure.dataChunks[0]
            let filtered = try Zlib.decompress(Array(bytes[chunk.offset + 8..<chunk.offset + 8 + chunk.length]),
                                               expectedCount: try structure.header.filteredByteCount())
            let types = Set((0..<64).map { filtered[$0 * (48 * 3 + 1)] })
            #expect(types.count >= 3, "filter types used: \(types)")
        }
        #expect(sizes[0] > sizes[1] && sizes[1] >= sizes[3])  // level 0 stores, higher levels shrink
        #expect(sizes[0] >= 64 * (48 * 3 + 1))

        // libpng's rule on a smooth ramp: Sub wins on the first row, Up below it.
        var rampValues: [UInt8] = []
        for y in 0..<8 { for x in 0..<16 { rampValues.append(UInt8(x * 3 + y)) } }
        let ramp = NDArray<UInt8>(rampValues, shape: [8, 16])
        let header = PNGHeader(width: 16, height: 8, bitDepth: 8, colorType: .gray)
        let rows = PNGWriter.filterRows(ramp.elements, header: header)
        #expect((0..<8).map { rows[$0 * 17] } == [1, 2, 2, 2, 2, 2, 2, 2])
        let mask = PNGHeader(width: 9, height: 2, bitDepth: 1, colorType: .gray)
        #expect(PNGWriter.filterRows([0xFF, 0x80, 0x00, 0x00], header: mask) == [0, 0xFF, 0x80, 0, 0, 0])
    }

    @Test("thread count does not change the bytes")
    func deterministic() throws {
        let array = AnyArray.uint8(Self.image(UInt8.self, shape: [300, 200], seed: 10))
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        Parallel.threadCount = 1
        let one = try PNG.encode(array)
        Parallel.threadCount = 4
        #expect(try PNG.encode(array) == one)
        #expect(try PNG.decode(one) == array.withIdentityMetadata(of: try PNG.decode(one)))
    }

    @Test("renderer API: encode(rgb:) and an atomic write(_:to:overwrite:)")
    func rendererAPI() throws {
        let rgb = Self.image(UInt8.self, shape: [5, 6, 3], seed: 11)
        let bytes = try PNG.encode(rgb: rgb)
        #expect(try PNG.decode(bytes).typed(as: UInt8.self)?.elements == rgb.elements)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("scopekit-png-\(UInt32.random(in: 0...UInt32.max)).png")
        defer { try? FileManager.default.removeItem(at: url) }
        try PNG.write(rgb, to: url, overwrite: false)
        #expect(try PNG.read(url).typed(as: UInt8.self)?.elements == rgb.elements)
        #expect(pngError { try PNG.write(rgb, to: url, overwrite: false) }?.kind == .usage)
        try PNG.write(rgb, to: url, overwrite: true)
        // ImageEncoder conformance writes through OutputFile.
        let out = try OutputFile(url, overwrite: true)
        try PNGEncoder().write(.uint16(NDArray([1, 2, 3, 65535], shape: [2, 2])), to: out, options: WriteOptions())
        try out.commit()
        #expect(try PNG.read(url).integerValues == [1, 2, 3, 65535])
    }

    @Test("unsupported inputs are usage errors")
    func unsupported() {
        #expect(pngError { _ = try PNG.encode(.float32(NDArray(zeros: [4, 4]))) }?.kind == .usage)
        #expect(pngError { _ = try PNG.encode(.uint8(NDArray(zeros: [2, 4, 4, 4]))) }?.kind == .usage)
        #expect(pngError { _ = try PNG.encode(.uint8(NDArray(zeros: [4, 4, 5]))) }?.kind == .usage)
        #expect(pngError { _ = try PNG.encode(.uint8(NDArray(zeros: [0, 4]))) }?.kind == .usage)
        #expect(pngError { _ = try PNG.encode(.bool(NDArray(zeros: [4, 4, 3]))) }?.kind == .usage)
        #expect(pngError { _ = try PNG.encode(.uint8(NDArray(zeros: [4, 4])), compressionLevel: 10) }?.kind == .usage)
    }
}

extension AnyArray {
    /// `self` with the calibration and metadata of `other` (to compare pixels only with ==).
    func withIdentityMetadata(of other: AnyArray) -> AnyArray {
        var copy = self
        copy.calibration = other.calibration
        copy.metadata = other.metadata
        return copy
    }
}
