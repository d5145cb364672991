import Foundation
import Testing
import ScopeKitCore
import ScopeKitIO
@testable import ScopeKitFlatField

@Suite("Flat-field apply: numerics, dtypes, rounding, clipping, resampling, atomic output")
struct FlatFieldApplyTests {
    func fixtureProfiles() throws -> (NDArray<UInt16>, FlatFieldProfiles) {
        let x: NDArray<UInt16> = try FlatFieldSamples.npy("apply_in.npy")
        let p = try FlatFieldProfiles(flatfield: FlatFieldSamples.npy("apply_flat.npy"),
                                      darkfield: FlatFieldSamples.npy("apply_dark.npy"),
                                      baseline: .perImage([900.5, 1100.25]))
        return (x, p)
    }

    @Test("(I − D)/S as numpy: uint16 rounded and clipped, float32 exact, both time-lapse modes, baseline subtraction")
    func matchesNumpy() throws {
        let (x, p) = try fixtureProfiles()
        func run(_ o: FlatFieldApplyOptions) throws -> AnyArray {
            try FlatFieldCorrector(profiles: p, planeShape: [16, 12], options: o)
                .correct(planes: AnyArray(x), count: 2, firstImage: 0)
        }
        let u16: NDArray<UInt16> = try FlatFieldSamples.npy("apply_u16.npy")
        #expect(try run(FlatFieldApplyOptions()) == AnyArray(u16))
        let f32: NDArray<Float> = try FlatFieldSamples.npy("apply_f32.npy")
        #expect(try run(FlatFieldApplyOptions(float32Output: true)).typed(as: Float.self)!.elements == f32.elements)
        let mult: NDArray<Float> = try FlatFieldSamples.npy("apply_mult.npy")
        #expect(try run(FlatFieldApplyOptions(timelapse: .multiplicative, float32Output: true)).typed(as: Float.self)!.elements == mult.elements)
        let add: NDArray<Float> = try FlatFieldSamples.npy("apply_add.npy")
        let got = try run(FlatFieldApplyOptions(timelapse: .additive, float32Output: true)).typed(as: Float.self)!
        #expect(maxAbsDiff(got.elements, add.elements) <= 0.01)
        let sub: NDArray<UInt16> = try FlatFieldSamples.npy("apply_sub_u16.npy")
        #expect(try run(FlatFieldApplyOptions(subtractBaseline: true)) == AnyArray(sub))
    }

    @Test("rounding is to nearest even, values clip at the dtype range, NaN becomes 0, every dtype keeps its type")
    func roundingAndClipping() throws {
        let flat = NDArray<Float>(repeating: 2, shape: [1, 11])
        let c = try FlatFieldCorrector(profiles: FlatFieldProfiles(flatfield: flat), planeShape: [1, 11])
        let u8 = NDArray<UInt8>([0, 1, 3, 5, 7, 255, 254, 9, 11, 13, 15], shape: [1, 11])
        #expect(try c.correct(AnyArray(u8)) == AnyArray(NDArray<UInt8>([0, 0, 2, 2, 4, 128, 127, 4, 6, 6, 8], shape: [1, 11])))
        let i16 = NDArray<Int16>([-32768, -3, -1, 1, 3, 5, 32767, 0, 0, 0, 0], shape: [1, 11])
        #expect(try c.correct(AnyArray(i16)) == AnyArray(NDArray<Int16>([-16384, -2, 0, 0, 2, 2, 16384, 0, 0, 0, 0], shape: [1, 11])))
        let dark = NDArray<Float>(repeating: 100, shape: [1, 11])
        let d = try FlatFieldCorrector(profiles: FlatFieldProfiles(flatfield: NDArray(repeating: 0.5, shape: [1, 11]), darkfield: dark),
                                       planeShape: [1, 11])
        let u16 = NDArray<UInt16>([0, 50, 100, 101, 40000, 65535, 33000, 32868, 200, 150, 99], shape: [1, 11])
        #expect(try d.correct(AnyArray(u16)) == AnyArray(NDArray<UInt16>([0, 0, 0, 2, 65535, 65535, 65535, 65535, 200, 100, 0], shape: [1, 11])))
        let f = NDArray<Float>([.nan, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], shape: [1, 11])
        #expect(try c.correct(AnyArray(f)).typed(as: Float.self)!.elements[0].isNaN)
        let asU16 = try c.correct(AnyArray(NDArray<Double>([.nan, 1e9, -5, 3, 4, 5, 6, 7, 8, 9, 10], shape: [1, 11])))
        #expect(asU16.dtype == .float64)
        let u32 = NDArray<UInt32>([4294967295, 0, 1, 3, 5, 7, 9, 11, 13, 15, 17], shape: [1, 11])
        let big = try FlatFieldCorrector(profiles: FlatFieldProfiles(flatfield: NDArray(repeating: 0.25, shape: [1, 11])), planeShape: [1, 11])
        #expect(try big.correct(AnyArray(u32)).typed(as: UInt32.self)!.elements[0] == 4294967295)
        #expect(throws: ScopeKitError.self) { try c.correct(AnyArray(NDArray<Int64>(zeros: [1, 11]))) }
        #expect(throws: ScopeKitError.self) { try c.correct(AnyArray(NDArray<UInt8>(zeros: [2, 11]))) }
    }

    @Test("profiles of another shape are resampled within their range (positive stays positive)")
    func resampling() throws {
        let small = NDArray(FlatFieldSamples.flat(rows: 8, cols: 8), shape: [8, 8])
        let c = try FlatFieldCorrector(profiles: FlatFieldProfiles(flatfield: small), planeShape: [32, 24])
        #expect(c.flatfield.shape == [32, 24])
        let lo = small.elements.min()!, hi = small.elements.max()!
        #expect(c.flatfield.elements.allSatisfy { $0 >= lo && $0 <= hi })
        // Linear interpolation of an 8² quadratic, clamped at the edge pixel centres.
        #expect(meanAbs(c.flatfield.elements, FlatFieldSamples.flat(rows: 32, cols: 24)) < 0.03)
        let shrunk = try FlatFieldCorrector(profiles: FlatFieldProfiles(flatfield: NDArray(FlatFieldSamples.flat(rows: 64, cols: 64), shape: [64, 64])),
                                            planeShape: [16, 16])
        #expect(meanAbs(shrunk.flatfield.elements, FlatFieldSamples.flat(rows: 16, cols: 16)) < 0.01)
    }

    @Test("the result does not depend on the thread count")
    func threads() throws {
        let (x, p) = try fixtureProfiles()
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        let big = NDArray<UInt16>((0..<(64 * 61)).map { UInt16($0 % 60000) }, shape: [64, 61])
        let c = try FlatFieldCorrector(profiles: FlatFieldProfiles(flatfield: p.flatfield), planeShape: [64, 61])
        Parallel.threadCount = 1
        let one = try c.correct(AnyArray(big))
        Parallel.threadCount = 4
        #expect(try c.correct(AnyArray(big)) == one)
        _ = x
    }

    @Test("in place equals out of place bit for bit: uint8, uint16, float32, time-lapse modes, baseline subtraction")
    func inPlaceMatchesOutOfPlace() throws {
        let (x, p) = try fixtureProfiles()
        let u16 = AnyArray(x)
        let u8 = AnyArray(NDArray<UInt8>(x.elements.map { UInt8(truncatingIfNeeded: $0) }, shape: x.shape))
        let f32 = AnyArray(NDArray<Float>(x.elements.map { Float($0) * 1.25 + 0.375 }, shape: x.shape))
        let options = [FlatFieldApplyOptions(), FlatFieldApplyOptions(timelapse: .multiplicative),
                       FlatFieldApplyOptions(timelapse: .additive), FlatFieldApplyOptions(subtractBaseline: true),
                       FlatFieldApplyOptions(timelapse: .multiplicative, subtractBaseline: true)]
        for o in options {
            let c = try FlatFieldCorrector(profiles: p, planeShape: [16, 12], options: o)
            for input in [u16, u8, f32] {
                var planes = input
                try c.correctInPlace(planes: &planes, count: 2, firstImage: 0)
                let expected = try c.correct(planes: input, count: 2, firstImage: 0)
                #expect(planes == expected, "\(input.dtype) \(o)")
                #expect(planes.dtype == input.dtype)
                if o == FlatFieldApplyOptions(), input.dtype == .float32 {
                    // Floats are stored as computed: NaN-free here, so exact equality is meaningful.
                    #expect(planes.typed(as: Float.self)!.elements.allSatisfy { $0.isFinite })
                }
            }
        }
        // Against the numpy fixture directly.
        var planes = u16
        try FlatFieldCorrector(profiles: p, planeShape: [16, 12]).correctInPlace(planes: &planes, count: 2, firstImage: 0)
        #expect(planes == AnyArray(try FlatFieldSamples.npy("apply_u16.npy") as NDArray<UInt16>))
    }

    @Test("in place writes into the storage it was given when unique, copies when shared, refuses float32 output")
    func inPlaceStorage() throws {
        let (x, p) = try fixtureProfiles()
        let c = try FlatFieldCorrector(profiles: p, planeShape: [16, 12])
        let original = x.elements
        // Unique: the same storage is overwritten (no hidden copy).
        var unique = AnyArray(NDArray<UInt16>(original, shape: x.shape))
        let before = unique.typed(as: UInt16.self)!.withUnsafeBufferPointer { $0.baseAddress! }
        try c.correctInPlace(planes: &unique, count: 2, firstImage: 0)
        let after = unique.typed(as: UInt16.self)!.withUnsafeBufferPointer { $0.baseAddress! }
        #expect(before == after)
        #expect(unique.typed(as: UInt16.self)!.elements != original)
        // Shared: the other holder keeps its values.
        var shared = AnyArray(x)
        try c.correctInPlace(planes: &shared, count: 2, firstImage: 0)
        #expect(x.elements == original)
        #expect(shared == unique)
        // float32 output of uint16 planes cannot be in place; the planes are left as they were.
        let f = try FlatFieldCorrector(profiles: p, planeShape: [16, 12], options: FlatFieldApplyOptions(float32Output: true))
        var kept = AnyArray(x)
        #expect(throws: ScopeKitError.self) { try f.correctInPlace(planes: &kept, count: 2, firstImage: 0) }
        #expect(kept == AnyArray(x))
        #expect(throws: ScopeKitError.self) { try c.correctInPlace(planes: &kept, count: 3, firstImage: 0) }
    }

    @Test("in place: the result does not depend on the thread count, shared or per-plane profiles")
    func inPlaceThreads() throws {
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        // 600 rows: more than one row chunk (16384 / 61 = 268 rows at least) and more than one pixel block.
        let big = AnyArray(NDArray<UInt16>((0..<(3 * 600 * 61)).map { UInt16($0 * 37 % 60000) }, shape: [3, 600, 61]))
        let flat = NDArray<Float>((0..<(600 * 61)).map { 0.8 + Float($0 % 61) / 200 }, shape: [600, 61])
        let profiles = try FlatFieldProfiles(flatfield: flat, baseline: .perImage([10, 20, 30]))
        for o in [FlatFieldApplyOptions(), FlatFieldApplyOptions(timelapse: .additive)] {
            let c = try FlatFieldCorrector(profiles: profiles, planeShape: [600, 61], options: o)
            Parallel.threadCount = 1
            var one = big
            try c.correctInPlace(planes: &one, count: 3, firstImage: 0)
            Parallel.threadCount = 4
            var four = big
            try c.correctInPlace(planes: &four, count: 3, firstImage: 0)
            #expect(one == four)
            #expect(one == (try c.correct(planes: big, count: 3, firstImage: 0)))
            #expect(one != big)
        }
    }

    @Test("time-lapse needs one baseline value per image; a missing baseline is refused")
    func timelapseErrors() throws {
        let (x, p) = try fixtureProfiles()
        let c = try FlatFieldCorrector(profiles: p, planeShape: [16, 12], options: FlatFieldApplyOptions(timelapse: .multiplicative))
        #expect(throws: ScopeKitError.self) { try c.correct(planes: AnyArray(x), count: 2, firstImage: 1) }
        let none = try FlatFieldProfiles(flatfield: p.flatfield)
        #expect(throws: ScopeKitError.self) {
            try FlatFieldCorrector(profiles: none, planeShape: [16, 12], options: FlatFieldApplyOptions(subtractBaseline: true))
        }
    }

    @Test("tiles are written with their dtype and calibration; a failing tile leaves nothing written")
    func writesAtomically() throws {
        let root = try FlatFieldSamples.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let input = root.appendingPathComponent("in"), output = root.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        _ = try FlatFieldSamples.writeTiles(in: input, count: 3, z: 2, rows: 8, cols: 8)
        var tif = NDArray<UInt16>(repeating: 500, shape: [8, 8])
        tif.calibration = Calibration(axes: [AxisCalibration(name: "y", scale: 0.5, unit: "µm"),
                                             AxisCalibration(name: "x", scale: 0.5, unit: "µm")])
        try ImageIO.write(AnyArray(tif), to: input.appendingPathComponent("tile_004.tif"))
        let channel = try FlatFieldDataset(folder: input).channels[0]
        #expect(channel.tiles[3].planeCount == 1)
        let flat = NDArray<Float>(repeating: 0.5, shape: [8, 8])
        let c = try FlatFieldCorrector(profiles: FlatFieldProfiles(flatfield: flat), planeShape: [8, 8])
        // A z-stack tile has 2 planes, the TIFF one: fine. Write all.
        let written = try FlatFieldApply.run(channel, corrector: c, output: output, overwrite: false)
        #expect(written.map(\.lastPathComponent) == ["tile_001.npy", "tile_002.npy", "tile_003.npy", "tile_004.tif"])
        let t4 = try ImageIO.read(written[3])
        #expect(t4.dtype == .uint16)
        #expect(t4.asFloat32().elements.allSatisfy { $0 == 1000 })
        #expect(t4.calibration.axes.last?.scale == 0.5)
        #expect(try ImageIO.read(written[0]).shape == [2, 8, 8])
        #expect(throws: ScopeKitError.self) { try FlatFieldApply.run(channel, corrector: c, output: output, overwrite: false) }
        // Corrupt tile 3 after opening: nothing of a new run is written.
        let fresh = root.appendingPathComponent("fresh")
        try Data("garbage".utf8).write(to: input.appendingPathComponent("tile_003.npy"))
        #expect(throws: ScopeKitError.self) { try FlatFieldApply.run(channel, corrector: c, output: fresh, overwrite: false) }
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: fresh.path)) ?? []).isEmpty)
    }

    @Test("the eight-pixel uint16 kernel equals the scalar formula bit for bit: ties, NaN, ±∞, zero and tiny flats, huge values, offsets")
    func uint16KernelEdgeCases() {
        var rng = SeededGenerator(seed: 11)
        let n = 4099   // not a multiple of 8: the scalar tail runs too
        var src = [UInt16](repeating: 0, count: n), dark = [Float](repeating: 0, count: n)
        var flat = [Float](repeating: 1, count: n)
        let oddFlats: [Float] = [.infinity, -.infinity, 0, -0.0, 1e-30, -1e-30, .nan, 0.5, 2, 4]
        for i in 0..<n {
            src[i] = UInt16.random(in: 0...65535, using: &rng)
            switch i % 8 {
            case 0: dark[i] = Float.random(in: -70000...70000, using: &rng); flat[i] = Float.random(in: 1e-6...10, using: &rng)
            case 1: dark[i] = .nan
            case 2: flat[i] = oddFlats[(i / 8) % oddFlats.count]
            case 3: dark[i] = Float(src[i]) - Float(i % 5) * 0.5 - 0.5; flat[i] = [1, 2, 0.5, 4][(i / 8) % 4]
            case 4: dark[i] = -Float.random(in: 0...1e9, using: &rng); flat[i] = Float.random(in: 1e-3...1, using: &rng)
            case 5: dark[i] = .infinity
            default: dark[i] = Float.random(in: 0...100, using: &rng); flat[i] = Float.random(in: 0.1...3, using: &rng)
            }
        }
        for offset: Float in [0, 0.5, -3.25, 1e6] {
            let expected = (0..<n).map { UInt16.flatFieldValue((Float(src[$0]) - dark[$0]) / flat[$0] - offset) }
            var out = [UInt16](repeating: 7, count: n), inPlace = src
            flatFieldCorrect(src, &out, dark: dark, flat: flat, count: n, offset: offset, subtract: nil)
            inPlace.withUnsafeMutableBufferPointer {
                flatFieldCorrectInPlace($0.baseAddress!, dark: dark, flat: flat, count: n, offset: offset, subtract: nil)
            }
            #expect(out == expected, "offset \(offset)")
            #expect(inPlace == expected, "offset \(offset)")
            // The vector part really ran (and stopped at a multiple of 8).
            var probe = [UInt16](repeating: 0, count: n)
            #expect(flatFieldCorrectUInt16(src, &probe, dark: dark, flat: flat, count: n, offset: offset) == n / 8 * 8)
            #expect(probe[..<(n / 8 * 8)] == expected[..<(n / 8 * 8)])
        }
    }
}
