import ScopeKit

/// A 2048 × 2048 float32 frame of uniform noise in [0, 1000).
private func noiseFrame2048() -> NDArray<Float> {
    var rng = SplitMix64(seed: 42)
    return NDArray<Float>(unsafeUninitializedShape: [2048, 2048]) { p in
        for i in p.indices { p[i] = Float(Double(rng.next() >> 11) * 0x1p-53 * 1000) }
    }
}

/// Render benchmarks (see Harness.swift).
let renderBenchmarks: [Benchmark] = [
    Benchmark(name: "render.colormap_2048",
              anchor: "matplotlib viridis(Normalize()(x), bytes=True) on 2048² float32") {
        let image = noiseFrame2048()
        let options = RenderOptions(mapping: .minMax, colormap: .viridis)
        return { _ = try Renderer.render(image, options: options) }
    },
    Benchmark(name: "render.percentile_2048",
              anchor: "np.percentile 0.5/99.5 + Normalize(clip) + viridis(bytes=True) on 2048² float32") {
        let image = noiseFrame2048()
        let options = RenderOptions(mapping: .percentile(0.5, 99.5), colormap: .viridis)
        return { _ = try Renderer.render(image, options: options) }
    },
    Benchmark(name: "render.gamma_2048",
              anchor: "PowerNorm(0.5) + viridis(bytes=True) on 2048² float32") {
        let image = noiseFrame2048()
        let options = RenderOptions(mapping: IntensityMapping.minMax.gamma(0.5), colormap: .viridis)
        return { _ = try Renderer.render(image, options: options) }
    },
]
