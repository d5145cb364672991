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

/// 16 uint16 planes of 2048² (128 MiB in, 128 MiB out) with the same pixels as Scripts/bench/flatfield.py:
/// (k · 7919 + plane · 104729) mod 60000, and a smooth flat-field / dark-field.
func flatfieldApplyInputs() -> (NDArray<UInt16>, FlatFieldProfiles) {
    let n = 2048, planes = 16
    let x = NDArray<UInt16>(unsafeUninitializedShape: [planes, n, n]) { out in
        for i in 0..<out.count { out[i] = UInt16((i % (n * n) * 7919 + (i / (n * n)) * 104729) % 60000) }
    }
    var flat = [Float](repeating: 0, count: n * n), dark = [Float](repeating: 0, count: n * n)
    for r in 0..<n {
        for c in 0..<n {
            let y = (Float(r) + 0.5) / Float(n) * 2 - 1, xx = (Float(c) + 0.5) / Float(n) * 2 - 1
            flat[r * n + c] = 1.1 - 0.3 * (xx * xx + y * y)
            dark[r * n + c] = 100 + 10 * xx
        }
    }
    let p = try! FlatFieldProfiles(flatfield: NDArray(flat, shape: [n, n]), darkfield: NDArray(dark, shape: [n, n]))
    return (x, p)
}

/// Flat-field benchmarks (see Harness.swift).
let flatfieldBenchmarks: [Benchmark] = [
    Benchmark(name: "flatfield.apply.uint16.16x2048",
              anchor: "numpy clip(rint((x − d)/f), 0, 65535).astype(uint16) on 16 × 2048² uint16") {
        let (x, p) = flatfieldApplyInputs()
        let c = try FlatFieldCorrector(profiles: p, planeShape: [2048, 2048])
        let any = AnyArray(x)
        return { _ = try c.correct(planes: any, count: 16, firstImage: 0) }
    },
    // The bandwidth baseline: the same bytes read and written by a parallel copy into a new array (numpy: x.copy()).
    Benchmark(name: "flatfield.apply.memcpy.16x2048", anchor: "numpy x.copy() of the same 16 × 2048² uint16") {
        let (x, _) = flatfieldApplyInputs()
        return {
            _ = x.withUnsafeBufferPointer { src in
                NDArray<UInt16>(unsafeUninitializedShape: x.shape) { dst in
                    let s = UncheckedSendable(src.baseAddress!), d = UncheckedSendable(dst.baseAddress!)
                    Parallel.forEachChunk(0..<(16 * 2048), minimumChunk: 8) { r in
                        (d.value + r.lowerBound * 2048).update(from: s.value + r.lowerBound * 2048, count: r.count * 2048)
                    }
                }
            }
        }
    },
] + BaSiC.FittingMode.allCases.map { mode in
    Benchmark(name: "flatfield.basic.fit.\(mode.rawValue).200x256",
              anchor: "BaSiCPy 1.2.0 BaSiC(fitting_mode='\(mode.rawValue)').fit, warm (jax 0.4.23)") {
        let images = flatfieldTiles(count: 200, size: 256)
        var p = BaSiC.Parameters()
        p.fittingMode = mode
        return { _ = try BaSiC.fit(images: images, parameters: p) }
    }
}
