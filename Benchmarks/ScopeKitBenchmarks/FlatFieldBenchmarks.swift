import ScopeKit

/// Deterministic vignetted tiles shared with Scripts/bench/flatfield.py: pixel i of tile f is
/// level_f · S(x) · (0.5 + u), u from a 31-bit LCG of (f·P + i) (exact integer arithmetic in both), with
/// S = 1 − 0.275·r² (r² = x² + y² on [−1, 1]²) and level_f = 800 + 400·u_f.
func flatfieldTiles(count t: Int, size n: Int) -> NDArray<Float> {
    func unit(_ k: Int) -> Double {
        Double((UInt64(k) &* 1103515245 &+ 12345) % 2147483648) / 2147483648
    }
    let p = n * n
    return NDArray(unsafeUninitializedShape: [t, n, n]) { out in
        for f in 0..<t {
            let level = 800 + 400 * unit(1_000_003 * (f + 1))
            for r in 0..<n {
                let y = (Double(r) + 0.5) / Double(n) * 2 - 1
                for c in 0..<n {
                    let x = (Double(c) + 0.5) / Double(n) * 2 - 1
                    let s = 1 - 0.275 * (x * x + y * y)
                    out[f * p + r * n + c] = Float(level * s * (0.5 + unit(f * p + r * n + c)))
                }
            }
        }
    }
}

/// Flat-field benchmarks (see Harness.swift).
let flatfieldBenchmarks: [Benchmark] = BaSiC.FittingMode.allCases.map { mode in
    Benchmark(name: "flatfield.basic.fit.\(mode.rawValue).200x256",
              anchor: "BaSiCPy 1.2.0 BaSiC(fitting_mode='\(mode.rawValue)').fit, warm (jax 0.4.23)") {
        let images = flatfieldTiles(count: 200, size: 256)
        var p = BaSiC.Parameters()
        p.fittingMode = mode
        return { _ = try BaSiC.fit(images: images, parameters: p) }
    }
}
