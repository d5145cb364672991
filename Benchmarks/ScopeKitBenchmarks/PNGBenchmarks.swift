import Foundation
import ScopeKit

/// Encodes `image` and notes the compressed size on stderr (for the benchmark table).
private func encoded(_ image: NDArray<UInt8>, _ name: String) throws -> [UInt8] {
    let bytes = try PNG.encode(.uint8(image))
    FileHandle.standardError.write("\(name): \(bytes.count) bytes, pixel sum \(image.elements.reduce(0) { $0 + Int($1) })\n".data(using: .utf8)!)
    return bytes
}

/// A deterministic test image shared with Scripts/bench/png.py: a smooth ramp plus 5 bits of SplitMix64-hashed
/// noise, so deflate and the filters do realistic work (it compresses about 1.5:1, like microscopy PNGs).
private func benchmarkImage(rows: Int, cols: Int, channels: Int) -> NDArray<UInt8> {
    NDArray<UInt8>(unsafeUninitializedShape: channels == 1 ? [rows, cols] : [rows, cols, channels]) { out in
        for r in 0..<rows {
            for c in 0..<cols {
                for k in 0..<channels {
                    var z = UInt64((r * cols + c) * channels + k) &* 0x9E37_79B9_7F4A_7C15
                    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                    let noise = Int((z ^ (z >> 31)) >> 59)
                    out[(r * cols + c) * channels + k] = UInt8(truncatingIfNeeded: (r + c) / 4 + k * 60 + noise)
                }
            }
        }
    }
}

/// PNG benchmarks (see Harness.swift): in-memory decode and encode (zlib level 6) of a 2048² gray and a
/// 1024² RGB image; the anchors are imageio.v3.imread / imwrite (Pillow).
let pngBenchmarks: [Benchmark] = [
    Benchmark(name: "png.decode.gray2048", anchor: "imageio.v3.imread(bytes) of a 2048² uint8 PNG") {
        let bytes = try encoded(benchmarkImage(rows: 2048, cols: 2048, channels: 1), "png.decode.gray2048")
        return { _ = try PNG.decode(bytes) }
    },
    Benchmark(name: "png.decode.rgb1024", anchor: "imageio.v3.imread(bytes) of a 1024² RGB PNG") {
        let bytes = try encoded(benchmarkImage(rows: 1024, cols: 1024, channels: 3), "png.decode.rgb1024")
        return { _ = try PNG.decode(bytes) }
    },
    Benchmark(name: "png.encode.gray2048", anchor: "imageio.v3.imwrite('<bytes>', a, extension='.png')") {
        let image = AnyArray.uint8(benchmarkImage(rows: 2048, cols: 2048, channels: 1))
        return { _ = try PNG.encode(image) }
    },
    Benchmark(name: "png.encode.rgb1024", anchor: "imageio.v3.imwrite('<bytes>', a, extension='.png')") {
        let image = AnyArray.uint8(benchmarkImage(rows: 1024, cols: 1024, channels: 3))
        return { _ = try PNG.encode(image) }
    },
]
