import Foundation
import Testing
import ScopeKitCore
@testable import ScopeKitIO

@Suite("PlaneWriter (streamed TIFF/NPY)")
struct PlaneWriterTests {
    func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("planes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("streamed planes give the same bytes as ImageIO.write", arguments: ["tif", "ome.tif", "npy", "png"])
    func sameBytes(_ ext: String) throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        var stack = NDArray<Float>((0..<(3 * 5 * 7)).map { Float($0) * 0.5 - 3 }, shape: [3, 5, 7])
        stack.calibration.axes = [AxisCalibration(name: "t", scale: 0.2, unit: "s"),
                                  AxisCalibration(name: "y", scale: 2, unit: "nm"), AxisCalibration(name: "x", scale: 2, unit: "nm")]
        var array = AnyArray(stack)
        if ext == "png" { array = AnyArray(NDArray<UInt8>((0..<35).map { UInt8($0) }, shape: [5, 7])) }
        for compression in [WriteOptions.Compression.none, .deflate] {
            let options = WriteOptions(compression: compression, overwrite: true)
            let whole = dir.appendingPathComponent("whole-\(compression).\(ext)"), streamed = dir.appendingPathComponent("streamed-\(compression).\(ext)")
            try ImageIO.write(array, to: whole, options: options)
            let writer = try PlaneWriter(url: streamed, shape: array.shape, dtype: array.dtype,
                                         calibration: array.calibration, options: options)
            #expect(writer.planeCount == (ext == "png" ? 1 : 3))
            for k in 0..<writer.planeCount {
                let plane = ext == "png" ? array : AnyArray(stack.frame(k))
                try writer.append(plane)
            }
            #expect(!FileManager.default.fileExists(atPath: streamed.path))   // atomic: nothing before commit
            try writer.commit()
            #expect(try Data(contentsOf: whole) == Data(contentsOf: streamed), "\(ext) \(compression)")
        }
    }

    @Test("wrong planes and missing planes are errors; the target is not created")
    func errors() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("out.tif")
        let writer = try PlaneWriter(url: url, shape: [2, 4, 4], dtype: .float32)
        #expect(throws: ScopeKitError.self) { try writer.append(AnyArray(NDArray<Double>(repeating: 0, shape: [4, 4]))) }
        #expect(throws: ScopeKitError.self) { try writer.append(AnyArray(NDArray<Float>(repeating: 0, shape: [3, 4]))) }
        try writer.append(AnyArray(NDArray<Float>(repeating: 0, shape: [4, 4])))
        #expect(throws: ScopeKitError.self) { try writer.commit() }
        #expect(!FileManager.default.fileExists(atPath: url.path))
        try ImageIO.write(AnyArray(NDArray<Float>(repeating: 0, shape: [4, 4])), to: url)
        #expect(throws: ScopeKitError.self) { try PlaneWriter(url: url, shape: [4, 4], dtype: .float32) }
        #expect(throws: ScopeKitError.self) { try PlaneWriter(url: dir.appendingPathComponent("x.tif"), shape: [4, 4], dtype: .complex64) }
    }
}
