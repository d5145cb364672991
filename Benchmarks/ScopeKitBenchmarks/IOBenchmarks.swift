import Foundation
import ScopeKit

/// IO benchmarks (see Harness.swift).
let ioBenchmarks: [Benchmark] = tiffBenchmarks

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

let tiffDeflate = WriteOptions(compression: .deflate, compressionLevel: 6, predictor: true)
/// zlib level 5 gives about the size of libdeflate's level 6 (3.73 vs 3.60 MB here; zlib level 6: 3.47 MB).
let tiffDeflateSameSize = WriteOptions(compression: .deflate, compressionLevel: 5, predictor: true)

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
    Benchmark(name: "io.tiff.write.deflate.samesize",
              anchor: "tifffile.imwrite as io.tiff.write.deflate (libdeflate level 6); ScopeKit at zlib level 5, "
                  + "which gives about the same file size") {
        let stack = tiffBenchmarkStack()
        let url = tiffBenchmarkURL("write-deflate5.tif")
        return { try writeTIFF(stack, to: url, options: tiffDeflateSameSize) }
    },
]
