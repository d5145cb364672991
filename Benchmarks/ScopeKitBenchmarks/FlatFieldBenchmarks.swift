import Foundation
import ScopeKit

/// The LCG of the shared tile formula: a 31-bit value of k mapped to [0, 1).
@inline(__always)
func flatfieldUnit(_ k: Int) -> Double {
    Double((UInt64(k) &* 1103515245 &+ 12345) % 2147483648) / 2147483648
}

/// Tile `f` of the shared formula written into `out` (n × n): pixel i is level_f · S(x) · (0.5 + u) with u from
/// a 31-bit LCG of (f·P + i) (exact integer arithmetic on both sides), S = 1 − 0.275·r² (r² = x² + y² on
/// [−1, 1]²) and level_f = 800 + 400·u_f.
func flatfieldTile(_ f: Int, size n: Int, into out: UnsafeMutablePointer<Float>) {
    let p = n * n
    let level = 800 + 400 * flatfieldUnit(1_000_003 * (f + 1))
    for r in 0..<n {
        let y = (Double(r) + 0.5) / Double(n) * 2 - 1
        for c in 0..<n {
            let x = (Double(c) + 0.5) / Double(n) * 2 - 1
            let s = 1 - 0.275 * (x * x + y * y)
            out[r * n + c] = Float(level * s * (0.5 + flatfieldUnit(f * p + r * n + c)))
        }
    }
}

/// Deterministic vignetted tiles shared with Scripts/bench/flatfield.py ([t, n, n] float32).
func flatfieldTiles(count t: Int, size n: Int) -> NDArray<Float> {
    NDArray(unsafeUninitializedShape: [t, n, n]) { out in
        let o = UncheckedSendable(out.baseAddress!)
        Parallel.forEach(0..<t) { f in flatfieldTile(f, size: n, into: o.value + f * n * n) }
    }
}

/// Uncompressed uint16 TIFF tiles (the shared formula rounded) in a cache folder, written once and reused.
func flatfieldTileFiles(count t: Int, size n: Int) throws -> [URL] {
    let dir = FileManager.default.temporaryDirectory
        .appendingPathComponent("scopekit-bench-flatfield-\(t)x\(n)-u16")
    let urls = (0..<t).map { dir.appendingPathComponent(String(format: "tile%05d.tif", $0)) }
    let done = dir.appendingPathComponent("complete")
    if FileManager.default.fileExists(atPath: done.path) { return urls }
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    var failure: Error? = nil
    let lock = NSLock()
    Parallel.forEach(0..<t) { f in
        var tile = [Float](repeating: 0, count: n * n)
        tile.withUnsafeMutableBufferPointer { flatfieldTile(f, size: n, into: $0.baseAddress!) }
        let u16 = NDArray<UInt16>(tile.map { UInt16(Swift.min(65535, Swift.max(0, $0.rounded()))) }, shape: [n, n])
        var options = WriteOptions()
        options.overwrite = true
        do { try ImageIO.write(AnyArray(u16), to: urls[f], options: options) } catch {
            lock.lock(); failure = error; lock.unlock()
        }
    }
    if let e = failure { throw e }
    _ = FileManager.default.createFile(atPath: done.path, contents: Data())
    return urls
}

/// Tiles read one at a time (on every worker) from files, in their stored number type.
struct FlatfieldFileTiles: BaSiCFrameSource {
    let urls: [URL]
    let shape: [Int]
    var frameCount: Int { urls.count }
    var frameShape: [Int] { shape }
    var allowsConcurrentReads: Bool { true }
    func frame(_ i: Int) throws -> NDArray<Float> { try frameData(i).asFloat32() }
    func frameData(_ i: Int) throws -> AnyArray { try ImageIO.open(urls[i]).readPlane(0) }
}

/// Prints the iteration counts to stderr when SCOPEKIT_BENCH_VERBOSE is set.
func report(_ p: BaSiCProfiles) {
    guard ProcessInfo.processInfo.environment["SCOPEKIT_BENCH_VERBOSE"] != nil else { return }
    FileHandle.standardError.write("BaSiC iterations \(p.report.innerIterations)\n".data(using: .utf8)!)
}

/// BaSiC fit benchmarks: in memory (200 × 256², 100 × 2048²) and streamed from files (1000 × 2048²).
let basicFitBenchmarks: [Benchmark] = [(200, 256), (100, 2048)].flatMap { (t, n) in
    BaSiC.FittingMode.allCases.map { mode in
        Benchmark(name: "flatfield.basic.fit.\(mode.rawValue).\(t)x\(n)",
                  anchor: "BaSiCPy 1.2.0 BaSiC(fitting_mode='\(mode.rawValue)').fit, warm (jax 0.4.23)") {
            let images = flatfieldTiles(count: t, size: n)
            var p = BaSiC.Parameters()
            p.fittingMode = mode
            return { report(try BaSiC.fit(images: images, parameters: p)) }
        }
    }
} + BaSiC.FittingMode.allCases.map { mode in
    // 1000 uint16 tiles of 2048² streamed from files (8 GB, never in memory): target ≤ 15 s on 2 threads,
    // peak RSS < 1 GB (measure with /usr/bin/time -v). No Python anchor (BaSiCPy needs the stack in RAM).
    Benchmark(name: "flatfield.basic.fit.stream.\(mode.rawValue).1000x2048",
              anchor: "– (BaSiCPy 2.0 default: 146 s, spec)") {
        let urls = try flatfieldTileFiles(count: 1000, size: 2048)
        var p = BaSiC.Parameters()
        p.fittingMode = mode
        let source = FlatfieldFileTiles(urls: urls, shape: [2048, 2048])
        return { report(try BaSiC.fit(source: source, parameters: p)) }
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
    // In place (the `scopekit flatfield apply` path for a uint16 → uint16 tile): the same kernel re-applied to
    // one 16 × 2048² buffer, read and written once per run. No restore between runs: clipping keeps every value in
    // range and the branch-free kernel does the same work whatever the pixel values.
    Benchmark(name: "flatfield.apply.uint16.inplace.16x2048",
              anchor: "numpy in place: np.divide(np.subtract(x, d, out=t), f, out=t); np.rint; np.clip; x[...] = t "
                      + "(x re-corrected each run, t a reused float32 buffer)") {
        let (x, p) = flatfieldApplyInputs()
        let c = try FlatFieldCorrector(profiles: p, planeShape: [2048, 2048])
        var any = AnyArray(x)
        return { try c.correctInPlace(planes: &any, count: 16, firstImage: 0) }
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
] + basicFitBenchmarks
