import Foundation
import ScopeKit

/// NPY / NPZ benchmarks (see Harness.swift); anchors in `Scripts/bench/npy.py`.
///
/// Inputs: a 64×512×512 float32 stack (64 MiB) of SplitMix64 values in [0, 1), written to a temporary folder.
let npyBenchmarks: [Benchmark] = [
    Benchmark(name: "npy.read.f32.64x512x512", anchor: "numpy.load") {
        let url = try NPYBenchmarkInput.file()
        return { _ = try NPY.read(url) }
    },
    Benchmark(name: "npy.write.f32.64x512x512", anchor: "numpy.save to a new path") {
        // A new file every run (as the anchor does): replacing an existing 64 MiB file would add the cost
        // of freeing its pages, which has nothing to do with the writer.
        let stack = NPYBenchmarkInput.stack()
        let folder = NPYBenchmarkInput.folder.appendingPathComponent("write")
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var run = 0
        return {
            run += 1
            try NPY.write(.float32(stack), to: folder.appendingPathComponent("write-\(run).npy"))
        }
    },
    Benchmark(name: "npz.read.f32.64x512x512.deflated", anchor: "numpy.load(npz)['stack']") {
        let url = NPYBenchmarkInput.folder.appendingPathComponent("read.npz")
        try NPZ.write([("stack", .float32(NPYBenchmarkInput.stack()))], to: url, compressed: true, overwrite: true)
        return { _ = try NPZ.read(url, key: "stack") }
    },
]

enum NPYBenchmarkInput {
    static let folder: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("scopekit-bench-npy")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    static func stack() -> NDArray<Float> {
        var rng = SplitMix64(seed: 42)
        return NDArray<Float>(unsafeUninitializedShape: [64, 512, 512]) { p in
            for i in p.indices { p[i] = Float(rng.next() >> 40) / Float(1 << 24) }
        }
    }

    static func file() throws -> URL {
        let url = folder.appendingPathComponent("read.npy")
        try NPY.write(.float32(stack()), to: url, overwrite: true)
        return url
    }
}
