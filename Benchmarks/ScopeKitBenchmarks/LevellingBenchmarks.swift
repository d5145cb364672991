import Foundation
import ScopeKit
import ScopeKitLevelling

/// A synthetic HS-AFM movie [frames, size, size] in Float32 (nm): tilt, bow, row offsets, a drifting particle,
/// noise. Identical to `movie()` in Scripts/bench/levelling.py up to the noise generator.
private func syntheticMovie(frames: Int, size: Int) -> NDArray<Float> {
    var rng = SplitMix64(seed: 11)
    let offsets = (0..<(frames * size)).map { _ in Float(rng.nextUniform() - 0.5) }
    return NDArray<Float>(unsafeUninitializedShape: [frames, size, size]) { p in
        for f in 0..<frames {
            let cx = Float(40 + (f % 150)), cy: Float = 100
            for r in 0..<size {
                let off = offsets[f * size + r]
                for c in 0..<size {
                    let x = Float(c), y = Float(r)
                    let d = (x - cx) * (x - cx) + (y - cy) * (y - cy)
                    let particle: Float = d < 400 ? 4 : 0
                    let noise = Float(rng.nextUniform() - 0.5) * 0.2
                    p[(f * size + r) * size + c] = 0.01 * x - 0.02 * y + 1e-4 * (x - 128) * (x - 128) + off + particle + noise
                }
            }
        }
    }
}

/// Frames of the 2000-frame movies; `SCOPEKIT_BENCH_FRAMES` shrinks them for profiling (callgrind).
private let movieFrames = Int(ProcessInfo.processInfo.environment["SCOPEKIT_BENCH_FRAMES"] ?? "") ?? 2000

/// Levelling benchmarks (see Harness.swift).
let levellingBenchmarks: [Benchmark] = [
    Benchmark(name: "levelling.plane22-medline.2000x256",
              anchor: "pnanolocz apply_level plane(2,2) + med_line, 20 frames timed ×100") {
        let movie = syntheticMovie(frames: movieFrames, size: 256)
        let recipe = LevellingPipeline(steps: [.plane(xOrder: 2, yOrder: 2, method: .nanoLocz),
                                               .medianLine(direction: .rows, strength: 1)])
        return { _ = try recipe.run(on: movie) }
    },
    Benchmark(name: "levelling.lsq-plane22-medline.2000x256",
              anchor: "numpy: masked 2-D lstsq plane(2,2) + row nanmedian, 20 frames timed ×100") {
        let movie = syntheticMovie(frames: movieFrames, size: 256)
        let recipe = LevellingPipeline(steps: [.plane(xOrder: 2, yOrder: 2, method: .leastSquares(.tensor)),
                                               .medianLine(direction: .rows, strength: 1)])
        return { _ = try recipe.run(on: movie) }
    },
    Benchmark(name: "levelling.iterative-peaks.2000x256",
              anchor: "pnanolocz apply_level_auto 'iterative fit peaks', 4 frames timed ×500") {
        let movie = syntheticMovie(frames: movieFrames, size: 256)
        let recipe = LevellingRoutine.iterativeFitPeaks.pipeline(statistics: .wholeMovie)
        return { _ = try recipe.run(on: movie) }
    },
] + LevellingRoutine.allCases.map { routine in
    // A viewer's one-frame preview (issue 3: ≤ 5 ms for any routine); `levelling.iterative-peaks.preview512`
    // is the heaviest of the Gaussian routines.
    Benchmark(name: "levelling.\(routine.rawValue).preview512",
              anchor: "pnanolocz apply_level_auto '\(routine.rawValue)', one 512² frame") {
        let frame = try syntheticMovie(frames: 1, size: 512).frame(0)
        let recipe = routine.pipeline(statistics: .perFrame)
        return { _ = try recipe.run(on: frame) }
    }
}
