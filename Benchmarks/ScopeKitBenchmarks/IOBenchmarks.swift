import Foundation
import ScopeKit

/// IO benchmarks (see Harness.swift).
let ioBenchmarks: [Benchmark] = tiffBenchmarks + codecBenchmarks

// MARK: TIFF

/// The TIFF benchmark stack: 64 × 512 × 512 uint16 (32 MiB) with smooth structure plus a little texture, built
/// by the same formula as `Scripts/bench/io.py` so both sides write and read identical pixels.
func tiffBenchmarkStack() -> AnyArray {
    let frames = 64, rows = 512, cols = 512
    let a = NDArray<UInt16>(unsafeUninitializedShape: [frames, rows, cols]) { p in
        for f in 0..<frames {
            for r in 0..<rows {
                for c in 0..<cols {
                    let noise = (r * 7919 + c * 104_729 + f * 15_485_863) % 61
                    p[(f * rows + r) * cols + c] = UInt16(((r ^ c) * 37 + f * 13 + noise) % 4096)
                }
            }
        }
    }
    return AnyArray(a)
}

/// A path in the temporary folder for benchmark files.
func tiffBenchmarkURL(_ name: String) -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("scopekit-bench-\(name)")
}

func writeTIFF(_ array: AnyArray, to url: URL, options: WriteOptions) throws {
    let out = try OutputFile(url, overwrite: true)
    try TIFFEncoder().write(array, to: out, options: options)
    try out.commit()
}

/// Level 6 of ScopeKit's Deflate: 3.61 MB of strips for the benchmark stack (libdeflate 6: 3.60 MB, zlib 6: 3.47 MB).
let tiffDeflate = WriteOptions(compression: .deflate, compressionLevel: 6, predictor: true)

let tiffBenchmarks: [Benchmark] = [
    Benchmark(name: "io.tiff.read.uncompressed",
              anchor: "tifffile.imread, 64×512² uint16, uncompressed, maxworkers=1") {
        let url = tiffBenchmarkURL("read-raw.tif")
        try writeTIFF(tiffBenchmarkStack(), to: url, options: WriteOptions())
        return { _ = try TIFFFormat().open(RandomAccessFile(url)).readAll() }
    },
    Benchmark(name: "io.tiff.read.deflate",
              anchor: "tifffile.imread, 64×512² uint16, zlib + horizontal predictor, maxworkers=1") {
        let url = tiffBenchmarkURL("read-deflate.tif")
        try writeTIFF(tiffBenchmarkStack(), to: url, options: tiffDeflate)
        return { _ = try TIFFFormat().open(RandomAccessFile(url)).readAll() }
    },
    Benchmark(name: "io.tiff.read.plane",
              anchor: "TiffFile.pages[40].asarray(), one plane of the uncompressed stack") {
        let url = tiffBenchmarkURL("read-plane.tif")
        try writeTIFF(tiffBenchmarkStack(), to: url, options: WriteOptions())
        return { _ = try TIFFFormat().open(RandomAccessFile(url)).readPlane(40) }
    },
    Benchmark(name: "io.tiff.write.uncompressed",
              anchor: "tifffile.imwrite, 64×512² uint16, uncompressed") {
        let stack = tiffBenchmarkStack()
        let url = tiffBenchmarkURL("write-raw.tif")
        return { try writeTIFF(stack, to: url, options: WriteOptions()) }
    },
    Benchmark(name: "io.tiff.write.deflate",
              anchor: "tifffile.imwrite, 64×512² uint16, compression='zlib' (level 6), predictor=True, maxworkers=1") {
        let stack = tiffBenchmarkStack()
        let url = tiffBenchmarkURL("write-deflate.tif")
        return { try writeTIFF(stack, to: url, options: tiffDeflate) }
    },
]

// MARK: Deflate codecs

/// The benchmark stack after the horizontal predictor, cut into the writer's 256 KiB strips (128 strips).
func deflateBenchmarkStrips() -> [[UInt8]] {
    guard case .uint16(let a) = tiffBenchmarkStack() else { return [] }
    var bytes = a.withUnsafeBufferPointer { Array(UnsafeRawBufferPointer($0)) }
    bytes.withUnsafeMutableBytes { p in
        Predictor.encodeHorizontal(p.baseAddress!, bytesPerSample: 2, width: 512, samples: 1, rows: 64 * 512)
    }
    let strip = 256 << 10
    return stride(from: 0, to: bytes.count, by: strip).map { Array(bytes[$0..<min($0 + strip, bytes.count)]) }
}

/// Decodes the 128 predictor strips (zlib level 6 streams) with `decode` into a reused output buffer.
func inflateStripsBenchmark(name: String, anchor: String,
                            decode: @escaping (UnsafeRawBufferPointer, UnsafeMutableRawBufferPointer) throws -> Int)
    -> Benchmark {
    Benchmark(name: name, anchor: anchor) {
        let strips = deflateBenchmarkStrips()
        let packed = try strips.map { try Zlib.compress($0, level: 6) }
        var out = [UInt8](repeating: 0, count: 256 << 10)
        return {
            for (p, s) in zip(packed, strips) {
                _ = try p.withUnsafeBytes { i in
                    try out.withUnsafeMutableBytes { try decode(i, .init(rebasing: $0[0..<s.count])) }
                }
            }
        }
    }
}

let codecBenchmarks: [Benchmark] = [
    inflateStripsBenchmark(name: "codec.inflate.strips",
                           anchor: "imagecodecs.deflate_decode (libdeflate, as tifffile) of the 128 predictor strips, zlib level 6 streams") {
        try Inflate.decompress($0, into: $1)
    },
    inflateStripsBenchmark(name: "codec.inflate.strips.zlib",
                           anchor: "zlib.decompress (system zlib via Python) of the same streams") {
        try Zlib.decompress($0, into: $1)
    },
    Benchmark(name: "codec.deflate.strips",
              anchor: "imagecodecs.deflate_encode (libdeflate, as tifffile) level 6 of the 128 predictor strips") {
        let strips = deflateBenchmarkStrips()
        return { for s in strips { _ = try Deflate.compress(s, level: 6) } }
    },
    Benchmark(name: "codec.deflate.strips.zlib",
              anchor: "zlib.compress level 6 (system zlib via Python) of the same strips") {
        let strips = deflateBenchmarkStrips()
        return { for s in strips { _ = try Zlib.compress(s, level: 6) } }
    },
]
