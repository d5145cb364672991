import Testing
import ScopeKitCore
@testable import ScopeKitLevelling

@Suite(.serialized) struct MovieAndBadInputTests {
    let scene = SyntheticScene(rows: 32, cols: 40, noise: 0.02, seed: 3)

    func movie(_ frames: Int) -> NDArray<Double> {
        scene.make(frames: frames) { x, y in 0.02 * x + 0.01 * y + 0.0005 * x * x }.0
    }

    @Test func threadCountDoesNotChangeResults() throws {
        let m = movie(6)
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        var outputs: [[Double]] = []
        for threads in [1, 2, 3] {
            Parallel.threadCount = threads
            outputs.append(try Levelling.run(.iterativeFitPeaks, on: m, statistics: .wholeMovie).elements)
        }
        #expect(outputs[0] == outputs[1] && outputs[1] == outputs[2])
    }

    /// A frame levelled alone spreads its row blocks over threads (the preview path): every routine gives the
    /// same bytes at 1, 2 and 3 threads, and the same as that frame inside a movie (frames in parallel, rows
    /// not split). 200×184 has 7 row blocks and more than two blocks of the split median counts.
    @Test func singleFrameRowSplitDoesNotChangeResults() throws {
        let big = SyntheticScene(rows: 200, cols: 184, noise: 0.02, seed: 5)
        var frame = big.make { x, y in 0.02 * x + 0.01 * y + 0.0005 * x * x }.0
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        for withNaN in [false, true] {
            if withNaN { frame[7, 9] = .nan; frame[150, 3] = .nan }
            let movie = try NDArray(stacking: [frame, frame, frame])
            for routine in LevellingRoutine.allCases {
                var outputs: [[UInt64]] = []   // bit patterns: NaN pixels stay NaN
                for threads in [1, 2, 3] {
                    Parallel.threadCount = threads
                    outputs.append(try Levelling.run(routine, on: frame, statistics: .perFrame).elements.map(\.bitPattern))
                }
                Parallel.threadCount = 2
                let inMovie = try Levelling.run(routine, on: movie, statistics: .perFrame).frame(1).elements
                    .map(\.bitPattern)
                #expect(outputs[0] == outputs[1] && outputs[1] == outputs[2], "\(routine) NaN: \(withNaN)")
                #expect(outputs[1] == inMovie, "\(routine) NaN: \(withNaN)")
            }
        }
    }

    @Test func movieFramesMatchSingleFrames() throws {
        let m = movie(3)
        let out = try Levelling.run(.iterativeFitHoles, on: m, statistics: .perFrame)
        for f in 0..<3 {
            let single = try Levelling.run(.iterativeFitHoles, on: m.frame(f), statistics: .perFrame)
            #expect(try out.frame(f).elements == single.elements)
        }
        // identical frames: whole-movie statistics equal per-frame ones
        let same = try NDArray(stacking: [m.frame(0), m.frame(0)])
        let whole = try Levelling.run(.highLowFit, on: same, statistics: .wholeMovie)
        let per = try Levelling.run(.highLowFit, on: m.frame(0), statistics: .perFrame)
        #expect(try relativeDifference(whole.frame(1), per) < 1e-12)
    }

    @Test func float32MatchesFloat64() throws {
        let m = movie(2)
        let f32 = m.map { Float($0) }
        let a = try Levelling.run(.iterativeFitPeaks, on: m, compatibility: .pnanolocz)
        let b = try Levelling.run(.iterativeFitPeaks, on: f32, compatibility: .pnanolocz).map { Double($0) }
        #expect(relativeDifference(b, a) < 1e-5)
    }

    @Test func allNaNAndFullyMaskedFrames() throws {
        var m = movie(3)
        m.withUnsafeMutableBufferPointer { p in for i in 0..<(32 * 40) { p[32 * 40 + i] = .nan } }
        var maskValues = [Bool](repeating: true, count: 3 * 32 * 40)
        for i in 0..<(32 * 40) { maskValues[2 * 32 * 40 + i] = false }   // frame 2 fully masked
        for c in 0..<40 { maskValues[3 * 40 + c] = false }                // frame 0, row 3 fully masked
        let mask = Mask(including: NDArray(maskValues, shape: [3, 32, 40]))
        for step in [LevellingStep.plane(xOrder: 2, yOrder: 2, method: .leastSquares(.tensor)),
                     .plane(xOrder: 2, yOrder: 2, method: .nanoLocz), .medianLine(direction: .rows, strength: 1),
                     .line(xOrder: 1, yOrder: 1, compatibility: .corrected), .meanPlane,
                     .alignRows(.medianOfDifferences, direction: .rows, keepMean: true),
                     .smoothedMedianLine(window: 10, compatibility: .corrected)] {
            let r = try LevellingPipeline(steps: [step]).run(on: m, mask: mask)
            let out = r.levelled
            #expect(try out.frame(1).elements.allSatisfy(\.isNaN), "\(step)")
            #expect(try out.frame(0).elements.allSatisfy(\.isFinite), "\(step)")
            if case .alignRows = step {} else {
                #expect(try out.frame(2).elements == m.frame(2).elements, "\(step): fully masked frame unchanged")
            }
        }
        let r = try LevellingPipeline(steps: [.plane(xOrder: 1, yOrder: 1, method: .leastSquares(.tensor))]).run(on: m, mask: mask)
        #expect(r.skippedFits == [0, 1, 1])
        // routines on a movie with an all-NaN frame
        let routine = try Levelling.run(.iterativeFitPeaks, on: m)
        #expect(try routine.frame(0).elements.allSatisfy(\.isFinite))
    }

    @Test func thinImagesAndOrders() throws {
        let column = NDArray((0..<10).map { Double($0) }, shape: [10, 1])
        #expect(throws: ScopeKitError.self) { try Levelling.plane(column, xOrder: 1, yOrder: 1) }
        let y = try Levelling.plane(column, xOrder: 0, yOrder: 1)
        #expect(y.elements.allSatisfy { abs($0) < 1e-12 })
        // NanoLocz mode: too few columns for the x order → unchanged (pnanolocz)
        #expect(try Levelling.plane(column, xOrder: 1, yOrder: 1, method: .nanoLocz).elements == column.elements)
        #expect(try Levelling.medianLine(column).elements == column.elements)
        #expect(try Levelling.line(column, xOrder: 2).elements == column.elements)
        let row = NDArray((0..<12).map { Double($0 * $0) }, shape: [1, 12])
        let fitted = try Levelling.plane(row, xOrder: 2, yOrder: 0)
        #expect(fitted.elements.allSatisfy { abs($0) < 1e-9 })
        #expect(throws: ScopeKitError.self) { try Levelling.plane(row, xOrder: -1, yOrder: 0) }
        #expect(throws: ScopeKitError.self) { try Levelling.alignRows(row, method: .polynomial(degree: 12)) }
        #expect(throws: ScopeKitError.self) { try Levelling.plane(NDArray<Double>(zeros: [5])) }
        #expect(throws: ScopeKitError.self) {
            try Levelling.plane(row, mask: Mask(all: [2, 12]))
        }
        // data-dependent: the mask leaves 2 columns for an x order of 2 → frame unchanged, reported
        var keep = [Bool](repeating: false, count: 60)
        for r in 0..<5 { keep[r * 12] = true; keep[r * 12 + 5] = true }
        let img = NDArray((0..<60).map { Double($0 % 7) }, shape: [5, 12])
        let r = try LevellingPipeline(steps: [.plane(xOrder: 2, yOrder: 1, method: .leastSquares(.tensor))])
            .run(on: img, mask: Mask(including: NDArray(keep, shape: [5, 12])))
        #expect(r.levelled.elements == img.elements)
        #expect(r.skippedFits == [1])
    }

    @Test func recipeRoundTripsThroughJSON() throws {
        let p = LevellingRoutine.iterativeFitPeaks.pipeline()
        let json = try p.jsonString()
        let q = try LevellingPipeline(json: json)
        #expect(q == p)
        let custom = LevellingPipeline(steps: [.alignRows(.trimmedMean(0.1), direction: .columns, keepMean: false),
                                               .iterate(steps: [.mask(.otsu(bins: 64, keepAbove: true)), .invertMask],
                                                        until: Convergence())])
        #expect(try LevellingPipeline(json: custom.jsonString()) == custom)
        #expect(throws: ScopeKitError.self) { try LevellingPipeline(json: "{\"steps\": [{\"nope\": {}}]}") }
    }

    @Test func lineYCompatibilityModes() throws {
        // column 0 has only 2 used pixels: the y stage cannot fit order 1 with ≥ 10 points
        var g = SeededGenerator(seed: 2)
        let img = NDArray((0..<(12 * 14)).map { _ in g.nextUniform() }, shape: [12, 14])
        var keep = [Bool](repeating: true, count: 12 * 14)
        for r in 2..<12 { keep[r * 14] = false }
        let mask = Mask(including: NDArray(keep, shape: [12, 14]))
        let xOnly = try Levelling.line(img, xOrder: 1, yOrder: 0, mask: mask).elements
        let corrected = try Levelling.line(img, xOrder: 1, yOrder: 1, compatibility: .corrected, mask: mask).elements
        let pn = try Levelling.line(img, xOrder: 1, yOrder: 1, compatibility: .pnanolocz, mask: mask).elements
        let ml = try Levelling.line(img, xOrder: 1, yOrder: 1, compatibility: .matlab, mask: mask).elements
        let input = img.elements
        for r in 0..<12 {
            #expect(corrected[r * 14] == xOnly[r * 14])  // column 0 keeps the x stage
            if r > 0 { #expect(ml[r * 14] == corrected[r * 14]) }
        }
        #expect(corrected[1] != input[1])
        // pnanolocz: with ≥ 2 points the order-1 fit succeeds (needs yOrder + 1), so column 0 is fitted
        #expect(pn[0] != xOnly[0])
        // MATLAB bug: row 0 (= the failing column's index) is restored to the input when column 0 fails;
        // the later columns' fits then act on the restored row
        #expect(ml[0] == input[0])
        #expect(corrected[0] != input[0])
        #expect((1..<14).allSatisfy { ml[$0] != corrected[$0] })
    }
}
