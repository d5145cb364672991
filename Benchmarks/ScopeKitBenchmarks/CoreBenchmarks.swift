import ScopeKit

/// Core benchmarks (see Harness.swift): dtype conversion and statistics on 4096² / 2048² images.
///
/// Python anchors of the same names: Scripts/bench/core.py.
let coreBenchmarks: [Benchmark] = [
    Benchmark(name: "core.convert_uint16_to_float32_4096", anchor: "a.astype(np.float32)") {
        let a = uniformUInt16(4096, 4096)
        return { _ = try a.converted(to: Float.self, policy: .clip) }
    },
    Benchmark(name: "core.convert_float32_to_uint16_clip_4096",
              anchor: "np.clip(np.rint(f), 0, 65535).astype(np.uint16)") {
        let f = uniformFloat(4096, 4096, scale: 70_000, offset: -2_000)
        return { _ = try f.converted(to: UInt16.self, policy: .clip) }
    },
    Benchmark(name: "core.mean_std_float32_4096", anchor: "a.mean(); a.std()") {
        let a = uniformFloat(4096, 4096)
        return { _ = try a.meanAndStandardDeviation() }
    },
    Benchmark(name: "core.median_float32_4096", anchor: "np.median(a)") {
        let a = uniformFloat(4096, 4096)
        return { _ = try a.median() }
    },
    Benchmark(name: "core.percentile99_float32_4096", anchor: "np.percentile(a, 99)") {
        let a = uniformFloat(4096, 4096)
        return { _ = try a.percentile(99) }
    },
    Benchmark(name: "core.histogram256_uint16_4096", anchor: "np.histogram(a, bins=256)") {
        let a = uniformUInt16(4096, 4096)
        return { _ = try a.histogram(bins: 256) }
    },
    Benchmark(name: "core.otsu_float32_2048", anchor: "skimage.filters.threshold_otsu(a)") {
        let a = uniformFloat(2048, 2048)
        return { _ = try a.otsuThreshold() }
    },
]

/// A rows × cols image of uniform uint16 values (SplitMix64, seed 1).
private func uniformUInt16(_ rows: Int, _ cols: Int) -> NDArray<UInt16> {
    var rng = SplitMix64(seed: 1)
    return NDArray(unsafeUninitializedShape: [rows, cols]) { p in
        for i in p.indices { p[i] = UInt16(truncatingIfNeeded: rng.next() >> 48) }
    }
}

/// A rows × cols image of uniform floats in [offset, offset + scale) (SplitMix64, seed 2).
private func uniformFloat(_ rows: Int, _ cols: Int, scale: Float = 1, offset: Float = 0) -> NDArray<Float> {
    var rng = SplitMix64(seed: 2)
    return NDArray(unsafeUninitializedShape: [rows, cols]) { p in
        for i in p.indices { p[i] = Float(rng.next() >> 40) / Float(1 << 24) * scale + offset }
    }
}
