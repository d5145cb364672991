import Foundation
import Testing
import ScopeKitCore
import ScopeKitIO
@testable import ScopeKitLevelling

@Suite("streamed levelling, records, drawn masks", .serialized)
struct StreamTests {
    let scene = SyntheticScene(rows: 24, cols: 30, noise: 0.02, seed: 5)

    func movie(_ frames: Int) -> NDArray<Double> {
        scene.make(frames: frames) { x, y in 0.02 * x - 0.01 * y + 0.0005 * x * x }.0
    }

    /// Streams `m` through `pipeline` and returns the frames the sink received.
    func streamed<T: LevellingScalar>(_ pipeline: LevellingPipeline, _ m: NDArray<T>, mask: Mask? = nil,
                                      outputs: LevellingOutputs = [], cacheBytes: Int = 1 << 30) throws -> (LevellingStreamSummary, [LevelledFrame<T>]) {
        var got: [LevelledFrame<T>] = []
        let summary = try pipeline.stream(frames: m.frameCount, rows: m.frameShape[0], cols: m.frameShape[1], mask: mask,
                                          outputs: outputs, cacheBytes: cacheBytes, read: { m.frame($0) }, write: { got.append($0) })
        return (summary, got)
    }

    @Test("stream equals run on the whole movie (whole-movie Gaussian barriers, Float and Double), any thread count")
    func streamEqualsRun() throws {
        let m64 = movie(5), m32 = m64.map { Float($0) }
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        var reference64: [LevellingRoutine: [Double]] = [:]
        for routine in [LevellingRoutine.iterativeFitPeaks, .highLowFit, .iterative1nmHigh] {
            let p = routine.pipeline(statistics: .wholeMovie)
            let full32 = try p.run(on: m32, returnMask: true), full64 = try p.run(on: m64)
            for threads in [1, 2] {
                Parallel.threadCount = threads
                // Strict streaming (re-levelling at each barrier) and the cached movie give the same frames.
                for cache in [0, 1 << 30] {
                    let (summary, frames) = try streamed(p, m32, outputs: [.mask, .background, .records], cacheBytes: cache)
                    #expect(frames.map(\.index) == Array(0..<5))
                    #expect(frames.flatMap(\.levelled.elements) == full32.levelled.elements, "\(routine) cache \(cache)")
                    #expect(frames.flatMap { $0.mask!.elements } == full32.mask!.values.elements)
                    #expect(summary.skippedFits == full32.skippedFits)
                    #expect(summary.passes == (cache == 0 ? p.streamPasses : 1))
                    #expect(summary.wholeMovieLimits.count == (p.streamPasses - 1) / 2)
                    for (f, x) in zip(frames, 0..<5) {
                        let input = m32.frame(x).elements
                        #expect(zip(input, zip(f.levelled.elements, f.background!.elements)).allSatisfy { $0 == $1.0 + $1.1 || abs($0 - $1.0 - $1.1) <= 1e-5 * max(1, abs($0)) })
                        #expect(f.record!.steps.count == p.steps.count)
                    }
                    if cache == 0 {
                        let (_, cached) = try streamed(p, m32, outputs: [.records], cacheBytes: 1 << 30)
                        #expect(cached.map { $0.record! } == frames.map { $0.record! })
                    }
                }
                for cache in [0, 1 << 30] {
                    let (_, frames64) = try streamed(p, m64, cacheBytes: cache)
                    let got = frames64.flatMap(\.levelled.elements), want = full64.levelled.elements
                    let worst = zip(got, want).map { abs($0 - $1) }.max() ?? 0
                    // Float64 streaming equals the in-memory run bit for bit (both take the same kernel paths).
                    #expect(got == want, "\(routine) Double cache \(cache): max |Δ| \(worst)")
                    if threads == 1 { reference64[routine] = got } else { #expect(got == reference64[routine]) }
                }
            }
        }
        // A fixed mask (frame- and movie-shaped) is used the same way.
        let fixed = Mask(including: NDArray((0..<(24 * 30)).map { $0 % 7 != 0 }, shape: [24, 30]))
        let p = LevellingPipeline(steps: [.plane(xOrder: 2, yOrder: 2, method: .leastSquares(.tensor)), .medianLine(direction: .rows, strength: 1)])
        let (_, a) = try streamed(p, m64, mask: fixed)
        #expect(a.flatMap(\.levelled.elements) == (try p.run(on: m64, mask: fixed).levelled.elements))
    }

    @Test("background + levelled = input; records recover a known plane and the row shifts")
    func recordsAndBackground() throws {
        let rows = 16, cols = 20
        // Exact background: 1.5 + 0.75 u − 0.5 v + 0.25 u v (u, v ∈ [−1, 1]), plus row offsets.
        var data = [Double]()
        let offsets = (0..<rows).map { Double($0 % 3) * 0.1 }
        for r in 0..<rows {
            for c in 0..<cols {
                let u = 2 * Double(c) / Double(cols - 1) - 1, v = 2 * Double(r) / Double(rows - 1) - 1
                data.append(1.5 + 0.75 * u - 0.5 * v + 0.25 * u * v)
            }
        }
        let image = NDArray(data, shape: [rows, cols])
        let p = LevellingPipeline(steps: [.plane(xOrder: 1, yOrder: 1, method: .leastSquares(.tensor)),
                                          .mask(.range(low: -1, high: 1)), .alignRows(.median, direction: .rows, keepMean: false)])
        let (_, f) = try streamed(p, image, outputs: [.background, .records, .mask])
        let record = try #require(f.first?.record)
        #expect(record.steps.count == 3)
        #expect(record.steps[0].operation == "plane:1,1")
        #expect(record.steps[0].terms == ["x0y0", "x1y0", "x0y1", "x1y1"])
        let c = try #require(record.steps[0].coefficients)
        for (got, want) in zip(c, [1.5, 0.75, -0.5, 0.25]) { #expect(abs(got - want) < 1e-9) }
        #expect(abs(record.steps[0].offset! - 1.5) < 1e-9)
        #expect(record.steps[1].usedPixels == rows * cols)
        // Row shifts: flat rows at known offsets → the shifts are the offsets.
        let p2 = LevellingPipeline(steps: [.alignRows(.median, direction: .rows, keepMean: false)])
        let rowsImage = NDArray((0..<(rows * cols)).map { offsets[$0 / cols] }, shape: [rows, cols])
        let (_, g) = try streamed(p2, rowsImage, outputs: [.records, .background])
        let shifts = try #require(g[0].record?.steps[0].lineShifts)
        #expect(g[0].record?.steps[0].direction == .rows)
        for (a, b) in zip(shifts, offsets) { #expect(abs(a - b) < 1e-12) }
        #expect(shifts.count == rows)
        // background + levelled = input, exactly in Float64.
        for (frames, input) in [(f, image), (g, rowsImage)] {
            for frame in frames {
                let sum = zip(frame.background!.elements, frame.levelled.elements).map { $0 + $1 }
                for (s, x) in zip(sum, input.elements) { #expect(abs(s - x) < 1e-12) }
            }
        }
        // The Legendre → monomial table: P2 = (3u² − 1)/2, P3 = (5u³ − 3u)/2.
        let t = _StepRecorder.legendreMonomials(3)
        #expect(t[2] == [-0.5, 0, 1.5] && t[3] == [0, -1.5, 0, 2.5])
        // The CSV tables.
        let csv = LevellingRecordTables.coefficientsCSV([record])
        #expect(csv.hasPrefix("frame,step,operation,quantity,value\n0,-1,,skipped_fits,0\n0,0,\"plane:1,1\",offset,"))
        #expect(csv.contains("0,1,\"mask:range,low=-1,high=1\",used_pixels,320\n"))
        let shiftCSV = LevellingRecordTables.shiftsCSV([g[0].record!])
        #expect(shiftCSV.split(separator: "\n").count == rows + 1)
        #expect(try LevellingRecordTables.json([record], shifts: false).contains("\"coefficients\""))
    }

    @Test("drawn masks: nonzero/NaN rules, invert, RGB, shape checks")
    func drawnMasks() throws {
        let gray = AnyArray(NDArray<UInt8>([0, 255, 3, 0], shape: [2, 2]))
        #expect(try Mask(drawing: gray).values.elements == [false, true, true, false])
        #expect(try Mask(drawing: gray, invert: true).values.elements == [true, false, false, true])
        let nanoLocz = AnyArray(NDArray<Float>([1, .nan, 1, 0], shape: [2, 2]))
        #expect(try Mask(drawing: nanoLocz).values.elements == [true, false, true, false])
        var rgb = NDArray<UInt8>([0, 0, 0, 255, 0, 0, 0, 0, 9, 0, 0, 0], shape: [2, 2, 3])
        rgb.calibration.axes = [AxisCalibration(name: "y"), AxisCalibration(name: "x"), AxisCalibration(name: "s")]
        #expect(try Mask(drawing: AnyArray(rgb)).values.elements == [false, true, true, false])
        #expect(throws: ScopeKitError.self) { try Mask(drawing: AnyArray(NDArray<UInt8>([1], shape: [1]))) }

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("drawn-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("m.tif")
        try ImageIO.write(AnyArray(NDArray<UInt8>(repeating: 255, shape: [4, 5])), to: url)
        #expect(try Mask(drawingAt: url, frames: 3, rows: 4, cols: 5).shape == [4, 5])
        do {
            _ = try Mask(drawingAt: url, frames: 3, rows: 5, cols: 4)
            Issue.record("wrong shape accepted")
        } catch let e as ScopeKitError {
            #expect(e.kind == .badInput && e.file == url.path)
            #expect(e.reason == "mask shape [4, 5] does not match the frames [5, 4] or the movie [3, 5, 4]")
        }
        #expect(throws: ScopeKitError.self) {
            try Mask(drawingAt: folder.appendingPathComponent("missing.png"), frames: 1, rows: 4, cols: 5)
        }
    }

    @Test("bad stream input: wrong mask shape, wrong frame size, reader errors → clear errors")
    func badInput() throws {
        let p = LevellingPipeline(steps: [.meanPlane])
        #expect(throws: ScopeKitError.self) {
            _ = try p.stream(frames: 2, rows: 4, cols: 4, mask: Mask(all: [3, 3]), read: { _ in NDArray<Float>(repeating: 0, shape: [4, 4]) }, write: { _ in })
        }
        do {
            _ = try p.stream(frames: 2, rows: 4, cols: 4, read: { _ in NDArray<Float>(repeating: 0, shape: [3, 4]) }, write: { _ in })
            Issue.record("accepted")
        } catch let e as ScopeKitError {
            #expect(e.reason == "frame 0 has 12 pixels, expected 4×4")
        }
        do {
            _ = try p.stream(frames: 4, rows: 4, cols: 4, read: { k -> NDArray<Float> in
                if k >= 2 { throw ScopeKitError.badInput("truncated frame \(k)") }
                return NDArray<Float>(repeating: 0, shape: [4, 4])
            }, write: { _ in })
            Issue.record("accepted")
        } catch let e as ScopeKitError {
            #expect(e.reason == "truncated frame 2")
        }
    }
}
