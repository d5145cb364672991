import Foundation
import Testing
@testable import ScopeKitIO
import ScopeKitCore

/// Writer round trips (ScopeKit → ScopeKit) and files for tifffile to verify (`tiff.py verify`).
@Suite(.serialized) struct TIFFWriterTests {
    /// Files written here are checked by `Scripts/fixtures/tiff.py verify <folder>` (kept after the run).
    static let verifyFolder: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("scopekit-tiff-verify")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    /// Deterministic test data covering the whole range of `T` (LCG bits reinterpreted).
    static func pattern<T: ArrayElement>(_ type: T.Type, shape: [Int], seed: UInt64 = 1) -> NDArray<T> {
        var state = seed
        return NDArray<T>(unsafeUninitializedShape: shape) { p in
            let raw = UnsafeMutableRawBufferPointer(p)
            for i in 0..<raw.count {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                raw[i] = UInt8(truncatingIfNeeded: state >> 33)
            }
            if T.self == Float.self || T.self == Double.self {
                // Replace NaN/inf bit patterns by finite values (NaN != NaN would break ==).
                let count = p.count
                for i in 0..<count where !(p[i].doubleValue.isFinite) { p[i] = T(unchecked: Double(i)) }
            }
        }
    }

    static func roundTrip(_ array: AnyArray, name: String, options: WriteOptions = WriteOptions(),
                          encoder: TIFFEncoder = TIFFEncoder(), manifest: [String: Any] = [:]) throws -> AnyArray {
        let url = verifyFolder.appendingPathComponent(name)
        let out = try OutputFile(url, overwrite: true)
        try encoder.write(array, to: out, options: options)
        try out.commit()
        let back = try TIFFTestSupport.open(url).readAll()
        var entry = manifest
        entry["shape"] = array.shape
        entry["dtype"] = array.dtype.name
        entry["crc32"] = TIFFTestSupport.crc32(array)
        entry["compression"] = options.compression == .deflate ? 8 : 1
        Manifest.shared.add(name, entry)
        return back
    }

    @Test(arguments: [DType.uint8, .int8, .uint16, .int16, .uint32, .int32, .float32, .float64])
    func everyTypeRoundTrips(dtype: DType) throws {
        func run<T: ArrayElement>(_ t: T.Type) throws {
            let a = AnyArray(Self.pattern(T.self, shape: [3, 37, 29]))
            for compression in WriteOptions.Compression.allCases {
                for predictor in [false, true] where compression == .deflate || !predictor {
                    let options = WriteOptions(compression: compression, predictor: predictor)
                    let name = "types_\(dtype)_\(compression)\(predictor ? "_pred" : "").tif"
                    let back = try Self.roundTrip(a, name: name, options: options)
                    #expect(back.shape == [3, 37, 29])
                    #expect(back.dtype == dtype)
                    #expect(TIFFTestSupport.bytes(back) == TIFFTestSupport.bytes(a), "\(name)")
                }
            }
        }
        switch dtype {
        case .uint8: try run(UInt8.self)
        case .int8: try run(Int8.self)
        case .uint16: try run(UInt16.self)
        case .int16: try run(Int16.self)
        case .uint32: try run(UInt32.self)
        case .int32: try run(Int32.self)
        case .float32: try run(Float.self)
        default: try run(Double.self)
        }
    }

    @Test func imageJHyperstackKeepsShapeAndCalibration() throws {
        var a = AnyArray(Self.pattern(UInt16.self, shape: [2, 3, 4, 10, 12]))
        a.calibration = Calibration(axes: [
            AxisCalibration(name: "t", scale: 2.5, unit: "s"), AxisCalibration(name: "z", scale: 0.3, unit: "µm"),
            AxisCalibration(name: "c"), AxisCalibration(name: "y", scale: 0.125, unit: "µm"),
            AxisCalibration(name: "x", scale: 0.125, unit: "µm")])
        let back = try Self.roundTrip(a, name: "imagej_tzcyx.tif", options: WriteOptions(compression: .deflate),
                                      manifest: ["axes": "TZCYX", "imagej": true, "pixelSize": 0.125, "spacing": 0.3])
        #expect(back.shape == [2, 3, 4, 10, 12])
        #expect(TIFFTestSupport.bytes(back) == TIFFTestSupport.bytes(a))
        let c = back.calibration
        #expect(c.axes.map(\.name) == ["t", "z", "c", "y", "x"])
        #expect(abs(c.axes[4].scale - 0.125) < 1e-9 && c.axes[4].unit == "µm")
        #expect(abs(c.axes[3].scale - 0.125) < 1e-9 && c.axes[3].unit == "µm")
        #expect(abs(c.axes[1].scale - 0.3) < 1e-12 && c.axes[1].unit == "µm")
        #expect(c.axes[0].scale == 2.5 && c.axes[0].unit == "s")
        #expect(back.metadata["imagej.hyperstack"] == "true")
        #expect(back.metadata["tiff.Series"] == "imagej")
    }

    @Test func zStackAndSingleImageWriteImageJ() throws {
        var stack = AnyArray(Self.pattern(Float.self, shape: [5, 9, 7]))
        stack.calibration.axes[2] = AxisCalibration(name: "x", scale: 0.5, unit: "nm")
        stack.calibration.axes[1] = AxisCalibration(name: "y", scale: 0.5, unit: "nm")
        let back = try Self.roundTrip(stack, name: "imagej_zyx_nm.tif", manifest: ["axes": "ZYX", "imagej": true, "pixelSize": 0.5])
        #expect(back.shape == [5, 9, 7] && back.calibration.axes[2].unit == "nm" && back.calibration.axes[2].scale == 0.5)
        let image = AnyArray(Self.pattern(UInt8.self, shape: [9, 7]))
        let one = try Self.roundTrip(image, name: "imagej_yx.tif", manifest: ["axes": "YX", "imagej": true])
        #expect(one.shape == [9, 7] && TIFFTestSupport.bytes(one) == TIFFTestSupport.bytes(image))
        #expect(one.calibration.axes.allSatisfy { $0.isIdentity })
    }

    @Test func nonImageJTypesUseShapedDescriptionAndCentimetreResolution() throws {
        var a = AnyArray(Self.pattern(Double.self, shape: [2, 2, 6, 5]))
        a.calibration.axes[3] = AxisCalibration(name: "x", scale: 250, unit: "nm")
        a.calibration.axes[2] = AxisCalibration(name: "y", scale: 250, unit: "nm")
        let back = try Self.roundTrip(a, name: "shaped_float64_4d.tif", options: WriteOptions(compression: .deflate),
                                      manifest: ["pixelSize": 0.25])
        #expect(back.shape == [2, 2, 6, 5])
        #expect(back.metadata["tiff.Series"] == "shaped")
        #expect(abs(back.calibration.axes[3].scale - 0.25) < 1e-9 && back.calibration.axes[3].unit == "µm")
        #expect(TIFFTestSupport.bytes(back) == TIFFTestSupport.bytes(a))
    }

    @Test func forcedBigTIFFRoundTrips() throws {
        let a = AnyArray(Self.pattern(Int16.self, shape: [4, 33, 21]))
        let back = try Self.roundTrip(a, name: "bigtiff_int16.tif", options: WriteOptions(compression: .deflate),
                                      encoder: TIFFEncoder(bigTIFF: .always), manifest: ["bigtiff": true])
        #expect(back.metadata["tiff.BigTIFF"] == "true")
        #expect(TIFFTestSupport.bytes(back) == TIFFTestSupport.bytes(a))
        let head = try RandomAccessFile(Self.verifyFolder.appendingPathComponent("bigtiff_int16.tif")).bytes(at: 0, count: 4)
        #expect(head == [0x49, 0x49, 43, 0])
    }

    @Test func omeTIFFKeepsAxesAndPhysicalSizes() throws {
        var a = AnyArray(Self.pattern(UInt8.self, shape: [6, 3, 8, 9]))
        a.calibration = Calibration(axes: [
            AxisCalibration(name: "z", scale: 1.5, unit: "µm"), AxisCalibration(name: "c"),
            AxisCalibration(name: "y", scale: 0.2, unit: "µm"), AxisCalibration(name: "x", scale: 0.2, unit: "µm")])
        let back = try Self.roundTrip(a, name: "ome_zcyx.ome.tif", options: WriteOptions(compression: .deflate, ome: true),
                                      manifest: ["axes": "ZCYX", "ome": true, "pixelSize": 0.2])
        #expect(back.shape == [6, 3, 8, 9])
        #expect(back.metadata["tiff.Series"] == "ome")
        #expect(back.calibration.axes.map(\.name) == ["z", "c", "y", "x"])
        #expect(back.calibration.axes[0].scale == 1.5 && back.calibration.axes[3].scale == 0.2)
        #expect(TIFFTestSupport.bytes(back) == TIFFTestSupport.bytes(a))
    }

    @Test func rgbRoundTrips() throws {
        var a = AnyArray(Self.pattern(UInt8.self, shape: [2, 10, 12, 3]))
        a.calibration.axes[3].name = "s"
        let back = try Self.roundTrip(a, name: "rgb_uint8.tif", options: WriteOptions(compression: .deflate),
                                      manifest: ["axes": "QYXS"])
        #expect(back.shape == [2, 10, 12, 3])
        #expect(back.metadata["tiff.Photometric"] == "rgb")
        #expect(TIFFTestSupport.bytes(back) == TIFFTestSupport.bytes(a))
    }

    @Test func stripsAreBoundedAndImageIOWritesAtomically() throws {
        let a = AnyArray(Self.pattern(UInt16.self, shape: [1100, 1000]))  // 2.2 MB: several strips
        let url = Self.verifyFolder.appendingPathComponent("imageio_uint16.tif")
        try? FileManager.default.removeItem(at: url)
        ImageIO.register(TIFFFormat())
        ImageIO.register(TIFFEncoder())
        try ImageIO.write(a, to: url)
        #expect(throws: ScopeKitError.self) { try ImageIO.write(a, to: url) }  // exists, no overwrite
        let file = try ImageIO.open(url)
        #expect(file.info.formatName == "TIFF")
        let back = try file.readAll()
        #expect(TIFFTestSupport.bytes(back) == TIFFTestSupport.bytes(a))
        Manifest.shared.add("imageio_uint16.tif", ["shape": a.shape, "dtype": "uint16", "crc32": TIFFTestSupport.crc32(a)])
    }

    @Test func rationalApproximation() {
        #expect(TIFFPageWriter.rational(2) == (2, 1))
        let (n, d) = TIFFPageWriter.rational(1 / 0.1449922)
        #expect(abs(Double(n) / Double(d) - 1 / 0.1449922) < 1e-8)
        #expect(TIFFPageWriter.rational(0.25) == (1, 4))
    }
}

/// The manifest `tiff.py verify` reads: expected shape, dtype, CRC-32 and metadata per written file.
final class Manifest: @unchecked Sendable {
    static let shared = Manifest()
    private let lock = NSLock()
    private var entries: [String: Any] = [:]

    func add(_ name: String, _ entry: [String: Any]) {
        lock.withLock {
            entries[name] = entry
            let url = TIFFWriterTests.verifyFolder.appendingPathComponent("manifest.json")
            var all = (try? JSONSerialization.jsonObject(with: Data(contentsOf: url))) as? [String: Any] ?? [:]
            for (k, v) in entries { all[k] = v }
            if let data = try? JSONSerialization.data(withJSONObject: all, options: [.sortedKeys, .prettyPrinted]) {
                try? data.write(to: url)
            }
        }
    }
}
