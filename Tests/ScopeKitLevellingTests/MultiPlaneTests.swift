import Foundation
import Testing
import ScopeKitCore
@testable import ScopeKitLevelling

/// Parity with pnanolocz 0.1.0 `level_weighted`, `thresholder` edge masks and the multi-plane routines
/// (Scripts/fixtures/levelling.py: a 64² crop of NanoLocz's LoadImg.tif and a synthetic two-terrace image):
/// max |Δ| ≤ 1e-9 of the height range in float64, masks identical pixel for pixel.
@Suite struct MultiPlaneParityTests {
    static let names = ["multiplane_corpus", "multiplane_terraced"]
    let tolerance = 1e-9

    func check(_ f: LevellingFixture, _ key: String, _ result: NDArray<Double>, against input: NDArray<Double>) {
        let d = relativeDifference(result, f.double(key))
        #expect(d <= tolerance, "\(f.name) \(key): relative difference \(d)")
        #expect(relativeDifference(input, f.double(key)) > 1e-3, "\(f.name) \(key) is a no-op")
    }

    @Test(arguments: names) func edgeMasks(_ name: String) throws {
        let f = try LevellingFixture(name)
        let levelled = f.double("levelled")
        // the input of the masks is pnanolocz's plane(1,1) + med_line, which ScopeKit reproduces to rounding
        #expect(relativeDifference(try LevellingRoutine.planeLine.pipeline().run(on: f.input).levelled, levelled) <= 1e-12)
        let limits = f.double("hist_edges_limits").elements
        let rules: [(String, MaskRule)] = [("auto_edges", .autoEdges(factor: 1.5, radius: 4)),
                                           ("otsu_edges", .otsuEdges(bins: 256)),
                                           ("hist_edges", .histogramEdges(low: limits[0], high: limits[1]))]
        for (key, rule) in rules {
            let mask = try Levelling.edgeMask(levelled, rule: rule)
            let want = f.mask(key).values.elements
            let differ = zip(mask.values.elements, want).filter { $0 != $1 }.count
            #expect(differ == 0, "\(name) \(key): \(differ) pixels differ")
        }
        // the masks are not trivial on the terraces (edges found, most pixels used)
        if name == "multiplane_terraced" {
            for key in ["auto_edges", "otsu_edges", "hist_edges"] {
                let used = f.mask(key).usedCount
                #expect(used > levelled.count / 3 && used < levelled.count, "\(key) used \(used)")
            }
        }
    }

    @Test(arguments: names) func weightedLevelling(_ name: String) throws {
        let f = try LevellingFixture(name)
        let levelled = f.double("levelled"), edges = f.mask("auto_edges")
        check(f, "weighted_plane_2_2", try Levelling.weightedPlane(levelled, xOrder: 2, yOrder: 2,
                                                                   compatibility: .pnanolocz, mask: edges),
              against: levelled)
        check(f, "weighted_med_line", try Levelling.weightedMedianLine(levelled, compatibility: .pnanolocz, mask: edges),
              against: levelled)
    }

    @Test(arguments: names) func routines(_ name: String) throws {
        let f = try LevellingFixture(name)
        for routine in [LevellingRoutine.multiPlaneEdges, .multiPlaneOtsu] {
            let out = try Levelling.run(routine, on: f.input, compatibility: .pnanolocz)
            check(f, "routine_" + routine.rawValue, out, against: f.input)
        }
    }
}

/// Known answers and edge cases of the weighted (multi-region) levelling and the edge masks.
@Suite struct MultiPlaneBehaviourTests {
    /// Two terraces `a·x + b·y (+ 3 on the lower one)` with the band between them excluded.
    func terraces(rows: Int = 30, cols: Int = 40) -> (NDArray<Double>, Mask) {
        var z = [Double](), used = [Bool]()
        for r in 0..<rows {
            for c in 0..<cols {
                z.append(0.05 * Double(c) - 0.03 * Double(r) + (r >= 15 ? 3 : 0))
                used.append(r < 13 || r >= 17)
            }
        }
        return (NDArray(z, shape: [rows, cols]), Mask(including: NDArray(used, shape: [rows, cols])))
    }

    @Test("a common tilt is removed from both terraces, the step kept, in every compatibility",
          arguments: NanoLoczCompatibility.allCases)
    func terracesFlatten(_ compat: NanoLoczCompatibility) throws {
        let (z, mask) = terraces()
        let out = try Levelling.weightedPlane(z, xOrder: 1, yOrder: 1, compatibility: compat, mask: mask).elements
        let upper = (0..<(13 * 40)).map { out[$0] }, lower = ((17 * 40)..<(30 * 40)).map { out[$0] }
        #expect(upper.max()! - upper.min()! < 1e-12 && lower.max()! - lower.min()! < 1e-12)
        #expect(abs(lower[0] - upper[0] - 3) < 1e-12)
        // a plain (single-region) plane would tilt the terraces instead
        let plain = try Levelling.plane(z, xOrder: 1, yOrder: 1, method: .nanoLocz, mask: mask).elements
        #expect(abs(plain[0] - plain[12 * 40]) > 0.1)
    }

    @Test("weighted median line levels row offsets of both terraces and keeps the step")
    func weightedMedianLineRowOffsets() throws {
        let (z0, mask) = terraces()
        let base = z0.elements
        var values = [Double](repeating: 0, count: base.count)
        for i in 0..<base.count {
            let r = Double(i / 40), c = Double(i % 40)
            let jump: Double = (i / 40) % 3 == 0 ? 0.4 : 0
            values[i] = base[i] - 0.05 * c + 0.03 * r + jump
        }
        let z = NDArray(values, shape: z0.shape)
        for compat in NanoLoczCompatibility.allCases {
            let out = try Levelling.weightedMedianLine(z, compatibility: compat, mask: mask).elements
            let upper = (0..<(13 * 40)).map { out[$0] }, lower = ((17 * 40)..<(30 * 40)).map { out[$0] }
            #expect(upper.max()! - upper.min()! < 1e-12 && lower.max()! - lower.min()! < 1e-12, "\(compat)")
            #expect(abs(lower[0] - upper[0] - 3) < 1e-12, "\(compat)")
        }
    }

    @Test("all-NaN, fully masked and speckled (no region ≥ 1 %) frames: left as they are, fits counted as skipped")
    func degenerateFrames() throws {
        let (z, _) = terraces()
        let nan = NDArray<Double>(repeating: .nan, shape: [30, 40])
        let none = Mask(including: NDArray<Bool>(repeating: false, shape: [30, 40]))
        // isolated used pixels (every third row and column): 8-connected regions of 1 pixel < 1 % of 1200
        let specks = Mask(including: NDArray((0..<1200).map { i in (i / 40) % 3 == 0 && (i % 40) % 3 == 0 }, shape: [30, 40]))
        for step in [LevellingStep.weightedPlane(xOrder: 2, yOrder: 2, compatibility: .corrected),
                     .weightedPlane(xOrder: 2, yOrder: 2, compatibility: .pnanolocz),
                     .weightedMedianLine(compatibility: .corrected)] {
            let p = LevellingPipeline(steps: [step])
            let a = try p.run(on: nan)
            #expect(a.levelled.elements.allSatisfy(\.isNaN) && a.skippedFits == [1])
            for m in [none, specks] {
                let b = try p.run(on: z, mask: m)
                #expect(b.levelled.elements == z.elements && b.skippedFits == [1], "\(step)")
            }
        }
        // the routines run on such frames without NaN garbage or a crash
        for routine in [LevellingRoutine.multiPlaneEdges, .multiPlaneOtsu] {
            #expect(try Levelling.run(routine, on: nan).elements.allSatisfy(\.isNaN))
            let flat = try Levelling.run(routine, on: NDArray<Double>(repeating: 2, shape: [30, 40]))
            #expect(flat.elements.allSatisfy { $0.isFinite && abs($0) < 1e-12 })
            var holes = z.elements
            for i in stride(from: 0, to: holes.count, by: 7) { holes[i] = .nan }
            let out = try Levelling.run(routine, on: NDArray(holes, shape: z.shape)).elements
            #expect(zip(out, holes).allSatisfy { $0.isNaN == $1.isNaN })
        }
    }

    @Test("edge masks: a flat frame has no edge; a step is found and excluded; NaN never spreads")
    func edgeMaskBehaviour() throws {
        let flat = NDArray<Double>(repeating: 1, shape: [40, 40])
        for rule in [MaskRule.autoEdges(factor: 1.5, radius: 4), .otsuEdges(bins: 256), .histogramEdges(low: 0, high: 2)] {
            #expect(try Levelling.edgeMask(flat, rule: rule).usedCount == 1600, "\(rule)")
            // a NaN is filled before smoothing: only the NaN pixel itself is unused
            var holed = flat
            holed[20, 20] = .nan
            #expect(try Levelling.edgeMask(holed, rule: rule).usedCount == 1599, "\(rule)")
        }
        // a vertical step at column 30 over 120 rows (otsu edges drop perimeters ≤ 99 px): the edge band covers
        // it, the terraces stay used
        let step = NDArray((0..<(120 * 60)).map { i in i % 60 >= 30 ? 2.0 : 0.0 }, shape: [120, 60])
        for rule in [MaskRule.autoEdges(factor: 1.5, radius: 4), .otsuEdges(bins: 256), .histogramEdges(low: -0.5, high: 0.5)] {
            let m = try Levelling.edgeMask(step, rule: rule).values.elements
            #expect(!m[30 * 60 + 30] && !m[30 * 60 + 29], "\(rule): the step is excluded")
            #expect(m[30 * 60 + 5] && m[30 * 60 + 55], "\(rule): the terraces are used")
        }
        #expect(throws: ScopeKitError.self) { try Levelling.edgeMask(flat, rule: .otsu(bins: 256, keepAbove: false)) }
    }

    @Test("a single frame split over row blocks on 1, 2 or 3 threads: edge masks and routines bit-identical")
    func rowBlocksAnyThreadCount() throws {
        let z = terraceTestFrame(seed: 12)   // four row blocks, three 64-pixel words
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        var masks: [[[Bool]]] = [], levelled: [[[Double]]] = []
        for threads in [1, 2, 3] {
            Parallel.threadCount = threads
            masks.append(try [MaskRule.autoEdges(factor: 1.5, radius: 4), .otsuEdges(bins: 256),
                              .histogramEdges(low: 0.5, high: 1.8)].map { try Levelling.edgeMask(z, rule: $0).values.elements })
            levelled.append(try [LevellingRoutine.multiPlaneEdges, .multiPlaneOtsu].map {
                try $0.pipeline(statistics: .perFrame).run(on: z).levelled.elements
            })
        }
        #expect(masks[0].allSatisfy { m in m.contains(false) && m.contains(true) }, "every rule finds edges")
        for k in 1..<3 {
            #expect(masks[k] == masks[0], "\(k + 1) threads")
            #expect(levelled[k].elementsEqual(levelled[0]) { $0.elementsEqual($1) { $0.bitPattern == $1.bitPattern } },
                    "\(k + 1) threads")
        }
    }

    @Test("multi-plane routines stream frame by frame like the in-memory run (records included)")
    func streamed() throws {
        let (z, _) = terraces()
        var frames = z.elements
        frames += z.elements.enumerated().map { $0.element + 0.01 * Double($0.offset % 40) }
        let movie = NDArray(frames, shape: [2, 30, 40]).map { Float($0) }
        for routine in [LevellingRoutine.multiPlaneEdges, .multiPlaneOtsu] {
            let p = routine.pipeline()
            let full = try p.run(on: movie)
            var got: [LevelledFrame<Float>] = []
            _ = try p.stream(frames: 2, rows: 30, cols: 40, outputs: [.records], read: { movie.frame($0) },
                             write: { got.append($0) })
            // the same steps and the same kernel paths (frames load with their finiteness flag): bit for bit
            #expect(got.flatMap(\.levelled.elements) == full.levelled.elements, "\(routine)")
            let record = got[0].record!.steps
            #expect(record.count == p.steps.count)
            #expect(record.contains { $0.operation == "weighted-plane:2,2" && $0.terms?.count == 9 })
            #expect(record.contains { $0.operation == "mask:otsu,bins=256,keep=below" && $0.usedPixels != nil })
        }
    }

    @Test("step syntax of the new steps and masks round-trips")
    func syntax() throws {
        let texts = ["weighted-plane", "multi-plane:1,3,compat=pnanolocz", "weighted-median-line:compat=matlab",
                     "mask:auto-edges", "mask:auto-edges,factor=2,radius=3", "mask:otsu-edges,bins=128",
                     "mask:hist-edges,low=-1,high=1"]
        let steps = try StepSyntax.parse(texts)
        #expect(steps == [.weightedPlane(xOrder: 2, yOrder: 2, compatibility: .corrected),
                          .weightedPlane(xOrder: 1, yOrder: 3, compatibility: .pnanolocz),
                          .weightedMedianLine(compatibility: .matlab),
                          .mask(.autoEdges(factor: 1.5, radius: 4)), .mask(.autoEdges(factor: 2, radius: 3)),
                          .mask(.otsuEdges(bins: 128)), .mask(.histogramEdges(low: -1, high: 1))])
        #expect(try StepSyntax.parse(StepSyntax.text(of: steps)) == steps)
        #expect(throws: ScopeKitError.self) { try StepSyntax.parse("mask:hist-edges,low=1") }
        #expect(throws: ScopeKitError.self) { try LevellingPipeline(steps: [.weightedPlane(xOrder: -1, yOrder: 0, compatibility: .corrected)]).run(on: NDArray<Double>(repeating: 0, shape: [4, 4])) }
    }
}

/// Per-row polynomial coefficients of `line` steps in the frame records.
@Suite struct LineCoefficientRecordTests {
    @Test("line:1,0 reports each row's offset and slope in u ∈ [−1, 1]; line:1,1 separates the column stage")
    func rowCoefficients() throws {
        let rows = 12, cols = 20
        let slope = (0..<rows).map { 0.1 + 0.02 * Double($0) }, offset = (0..<rows).map { Double($0 % 4) - 1.5 }
        let z = NDArray((0..<(rows * cols)).map { i in offset[i / cols] + slope[i / cols] * Double(i % cols) },
                        shape: [rows, cols])
        var got: LevellingFrameRecord?
        _ = try LevellingPipeline(steps: [.line(xOrder: 1, yOrder: 0, compatibility: .corrected)])
            .stream(frames: 1, rows: rows, cols: cols, outputs: [.records], read: { _ in z }, write: { got = $0.record })
        let c = try #require(got?.steps.first?.lineCoefficients)
        let half = Double(cols - 1) / 2
        for r in 0..<rows {
            #expect(abs(c[r][0] - (offset[r] + slope[r] * half)) < 1e-12 && abs(c[r][1] - slope[r] * half) < 1e-12)
        }
        let csv = LevellingRecordTables.coefficientsCSV([got!])
        #expect(csv.contains("0,0,\"line:1,0\",row3.x1,"))
        #expect(try LevellingRecordTables.json([got!]).contains("lineCoefficients"))
        #expect(!(try LevellingRecordTables.json([got!], coefficients: false)).contains("lineCoefficients"))
        // with a column stage: a per-column quadratic in rows on top, separated from the row stage
        var bowed = z.elements
        for i in 0..<bowed.count {
            let r = Double(i / cols) - 5.5, k = Double((i % cols) % 3)
            bowed[i] += 0.5 * k * r * r / 30
        }
        let bow = NDArray(bowed, shape: [rows, cols])
        _ = try LevellingPipeline(steps: [.line(xOrder: 1, yOrder: 2, compatibility: .corrected)])
            .stream(frames: 1, rows: rows, cols: cols, outputs: [.records], read: { _ in bow }, write: { got = $0.record })
        let step = try #require(got?.steps.first)
        #expect(step.lineCoefficients?.count == rows && step.columnCoefficients?.count == cols)
        #expect(step.columnCoefficients!.allSatisfy { $0.count == 3 && $0.allSatisfy(\.isFinite) })
    }
}

/// `level_weighted` on the fixtures of the other parity tests (a 32×40 corpus crop and the synthetic image with
/// NaN), with their user mask (a block, two mostly excluded rows, 5 % scattered pixels): pnanolocz 0.1.0.
@Suite struct WeightedOnParityFixturesTests {
    @Test(arguments: ["corpus", "synthetic"]) func weightedMasked(_ name: String) throws {
        let f = try LevellingFixture(name)
        let mask = f.mask("mask")
        for (key, out) in [("weighted_plane_2_2_masked",
                            try Levelling.weightedPlane(f.input, xOrder: 2, yOrder: 2, compatibility: .pnanolocz, mask: mask)),
                           ("weighted_med_line_masked",
                            try Levelling.weightedMedianLine(f.input, compatibility: .pnanolocz, mask: mask))] {
            let d = relativeDifference(out, f.double(key))
            #expect(d <= 1e-9, "\(name) \(key): relative difference \(d)")
            #expect(relativeDifference(f.input, f.double(key)) > 1e-3, "\(name) \(key) is a no-op")
        }
    }
}

/// The prefix-count morphology of axis-convex footprints equals the direct one with scipy's "reflect"
/// boundary, on random masks of any size (including images smaller than the footprint).
@Suite struct BinaryMorphologyTests {
    @Test func convexFootprintsMatchReflectBoundary() {
        var g = SeededGenerator(seed: 9)
        let footprints: [_BinaryMorphology.Widths] = [_BinaryMorphology.diamondWidths(4), _BinaryMorphology.diamondWidths(1),
                                                      _BinaryMorphology.diskWidths(2), _BinaryMorphology.diskWidths(3),
                                                      _BinaryMorphology.Widths(widths: [1, 1, 1])]
        for (rows, cols) in [(1, 1), (2, 3), (3, 7), (9, 5), (16, 21), (5, 64), (7, 130)] {   // 64-pixel words
            let morph = BoolMorphology(rows: rows, cols: cols)
            for f in footprints {
                var offsets: [(Int, Int)] = []
                for dr in -f.reach...f.reach { for dc in -f.widths[dr + f.reach]...f.widths[dr + f.reach] { offsets.append((dr, dc)) } }
                for dilate in [true, false] {
                    let n = rows * cols
                    let a = UnsafeMutablePointer<Bool>.allocate(capacity: n), b = UnsafeMutablePointer<Bool>.allocate(capacity: n)
                    defer { a.deallocate(); b.deallocate() }
                    for i in 0..<n { a[i] = g.nextUniform() < (dilate ? 0.15 : 0.85); b[i] = a[i] }
                    morph.apply(a, f, dilate: dilate)
                    morph.apply(b, offsets, dilate: dilate)
                    let same = (0..<n).allSatisfy { a[$0] == b[$0] }
                    #expect(same, "\(rows)×\(cols) \(f.widths) dilate \(dilate)")
                }
            }
        }
    }

    @Test("closing = dilation then erosion, across 64-pixel word boundaries")
    func closingIsDilationThenErosion() {
        var g = SeededGenerator(seed: 10)
        for (rows, cols) in [(4, 63), (6, 65), (9, 129)] {
            let morph = BoolMorphology(rows: rows, cols: cols), n = rows * cols
            let a = UnsafeMutablePointer<Bool>.allocate(capacity: n), b = UnsafeMutablePointer<Bool>.allocate(capacity: n)
            defer { a.deallocate(); b.deallocate() }
            for i in 0..<n { a[i] = g.nextUniform() < 0.3; b[i] = a[i] }
            let f = _BinaryMorphology.diamondWidths(4)
            morph.closing(a, f)
            morph.apply(b, f, dilate: true)
            morph.apply(b, f, dilate: false)
            #expect((0..<n).allSatisfy { a[$0] == b[$0] }, "\(rows)×\(cols)")
        }
    }

    @Test("word-packed closing by footprints within one pixel = the reflect-boundary reference")
    func nearClosingMatchesReflectBoundary() {
        var g = SeededGenerator(seed: 13)
        let footprints: [[(Int, Int)]] = [[(-1, -1), (-1, 1), (0, 0), (1, -1), (1, 1)],
                                          [(-1, 0), (0, -1), (0, 0), (0, 1), (1, 0)],
                                          (-1...1).flatMap { dr in (-1...1).map { (dr, $0) } }]
        for (rows, cols) in [(1, 1), (2, 3), (5, 64), (7, 130), (4, 65)] {
            let morph = BoolMorphology(rows: rows, cols: cols), n = rows * cols
            for f in footprints {
                for density in [0.2, 0.5] {
                    let a = UnsafeMutablePointer<Bool>.allocate(capacity: n), b = UnsafeMutablePointer<Bool>.allocate(capacity: n)
                    defer { a.deallocate(); b.deallocate() }
                    for i in 0..<n { a[i] = g.nextUniform() < density; b[i] = a[i] }
                    morph.closing(a, f)
                    morph.apply(b, f, dilate: true)
                    morph.apply(b, f, dilate: false)
                    #expect((0..<n).allSatisfy { a[$0] == b[$0] }, "\(rows)×\(cols) \(f)")
                }
            }
        }
    }

    /// The smoothed heights kept across a weighted plane and a weighted median line (updated through linearity)
    /// equal smoothing the new heights afresh, to rounding.
    @Test func keptSmoothingMatchesResmoothing() throws {
        var g = SeededGenerator(seed: 14)
        let rows = 70, cols = 90, f = _Frame(rows: rows, cols: cols)
        for i in 0..<(rows * cols) {
            let r = i / cols, c = i % cols
            f.z[i] = 0.02 * Double(c) - 0.01 * Double(r) + (r + c / 2 > 50 ? 3 : 0) + 0.1 * g.nextGaussian()
        }
        f.allFinite = true
        f.resetMask()
        try f.apply(.mask(.otsuEdges(bins: 256)), limits: nil)
        #expect(f.smoothedValid)
        for step in [LevellingStep.weightedPlane(xOrder: 2, yOrder: 2, compatibility: .pnanolocz),
                     .weightedMedianLine(compatibility: .corrected)] {
            let before = Array(UnsafeBufferPointer(start: f.z, count: f.count))
            try f.apply(step, limits: nil)
            #expect(f.smoothedValid)
            #expect(!zip(before, UnsafeBufferPointer(start: f.z, count: f.count)).allSatisfy { $0 == $1 }, "\(step) is a no-op")
            let kept = Array(UnsafeBufferPointer(start: f.smoothed!, count: f.count))
            // the extrema kept on the way are the kept heights' own
            #expect(f.smoothedRange?.low == kept.min() && f.smoothedRange?.high == kept.max(), "\(step)")
            f.smoothedValid = false
            let fresh = f._smoothedHeights()
            let worst = (0..<f.count).map { abs(kept[$0] - fresh[$0]) }.max()!
            #expect(worst <= 1e-13, "\(step): \(worst)")
        }
        try f.apply(.plane(xOrder: 1, yOrder: 1, method: .nanoLocz), limits: nil)
        #expect(!f.smoothedValid, "other steps that change z drop the kept smoothing")
    }

    /// The smoothed heights are kept in step only while a later step reads them: in multi-plane (Otsu), the
    /// last weighted plane and median line drop them.
    @Test func smoothingKeptOnlyWhileAnEdgeMaskFollows() {
        let steps = LevellingRoutine.multiPlaneOtsu.pipeline(statistics: .perFrame).steps
        let needed = LevellingStep._smoothingNeededAfter(steps)
        let lastEdge = steps.lastIndex { $0.usesEdgeSmoothing }!
        #expect(needed[..<lastEdge].allSatisfy { $0 })
        #expect(needed[lastEdge...].allSatisfy { !$0 })
        #expect(LevellingStep._smoothingNeededAfter([.iterate(steps: [], until: Convergence()), .meanPlane]) == [false, false])
        #expect(LevellingStep._smoothingNeededAfter([.meanPlane, .iterate(steps: [], until: Convergence())]) == [true, false])
    }

    /// The kept weighted regions follow the mask: a changed mask is labelled again, the same mask reuses them.
    @Test func keptRegionsFollowTheMask() {
        let rows = 40, cols = 70
        func frame() -> _Frame {
            let f = _Frame(rows: rows, cols: cols)
            for i in 0..<(rows * cols) { f.z[i] = Double((i / cols) / 10 + (i % cols) / 20) }   // a grid of steps
            f.allFinite = true
            f.resetMask()
            return f
        }
        let f = frame()
        f.setMask(low: 0, high: 3)
        let a = f._weightedRegions()
        f.setMask(low: 2, high: 5)
        let b = f._weightedRegions(), again = f._weightedRegions()
        let g = frame()
        g.setMask(low: 2, high: 5)
        let fresh = g._weightedRegions()
        #expect(a.sizes != b.sizes)
        #expect(b.sizes == fresh.sizes && b.slot == fresh.slot && b.parts.start == fresh.parts.start)
        #expect(again.sizes == b.sizes && again.parts.component == b.parts.component)
    }

    /// The frame's chunked Otsu threshold equals Core's `otsuThreshold` (scikit-image's) on float64 values,
    /// including values on bin edges, few distinct values and a constant frame, split or not.
    @Test func frameOtsuMatchesCore() throws {
        var g = SeededGenerator(seed: 12)
        // levels 0: uniform values; > 0: that many distinct values; −1: the values are the bin edges
        // themselves (linspace of the extrema); −2: a large offset (1e6 + a 1e-3 range: many values near edges)
        for (rows, cols, levels) in [(1, 1, 0), (3, 5, 2), (40, 70, 0), (130, 64, 7), (200, 200, 0), (33, 31, -1),
                                     (64, 64, -2)] {
            let f = _Frame(rows: rows, cols: cols), n = rows * cols
            for i in 0..<n {
                switch levels {
                case 0: f.z[i] = g.nextUniform() * 3 - 1
                case -1: f.z[i] = Double(i % 257) * (2.6 / 256) - 0.7
                case -2: f.z[i] = 1e6 + 1e-3 * g.nextUniform()
                default: f.z[i] = Double(Int(g.nextUniform() * Double(levels))) * 0.25
                }
            }
            let expected = try NDArray(Array(UnsafeBufferPointer(start: f.z, count: n)), shape: [n])
                .otsuThreshold(bins: 256)
            let saved = Parallel.threadCount
            defer { Parallel.threadCount = saved }
            for split in [false, true] {
                f.splitRows = split
                Parallel.threadCount = split ? 2 : 1
                let t = try f._otsuThreshold(f.z, n, bins: 256)
                #expect(t.bitPattern == expected.bitPattern, "\(rows)×\(cols) levels \(levels) split \(split)")
            }
        }
    }

    /// The in-range histogram fast path (bins from the scaled position, edges read only near a bin boundary)
    /// against the edge-checked path, value for value: uniform values, values on the edges, a large offset.
    @Test func inRangeBinCountsMatchEdgeCheckedCounts() {
        var g = SeededGenerator(seed: 13)
        for (n, kind) in [(1, 0), (7, 0), (1001, 0), (4099, 1), (2048, 2), (3000, 3)] {
            var v = (0..<n).map { i -> Double in
                switch kind {
                case 1: return Double(i % 257) * (2.6 / 256) - 0.7                  // the edges themselves
                case 2: return 1e6 + 1e-3 * g.nextUniform()                        // many values near edges
                case 3: return Double(Int(g.nextUniform() * 9)) * 0.125             // few distinct values
                default: return g.nextUniform() * 3 - 1
                }
            }
            if n > 1 { v[0] = v.min()!; v[n - 1] = v.max()! }
            let lo = v.min()!, hi = v.max()!
            guard lo < hi else { continue }
            for bins in [2, 7, 256] {
                let edges = _histogramEdges(bins: bins, lo: lo, hi: hi)
                var fast = [Int](repeating: -1, count: bins), checked = [Int](repeating: -1, count: bins)
                v.withUnsafeBufferPointer { p in
                    _countBins(p.baseAddress!, n, bins: bins, lo: lo, hi: hi, edges: edges, allInRange: true,
                               into: &fast)
                    _countBins(p.baseAddress!, n, bins: bins, lo: lo, hi: hi, edges: edges, allInRange: false,
                               into: &checked)
                }
                #expect(fast == checked, "n \(n) kind \(kind) bins \(bins)")
                #expect(fast.reduce(0, +) == n)
            }
        }
    }

    /// Run-based labelling against a plain flood fill: same labels (raster order of first pixel), same sizes;
    /// frames of several row blocks labelled block by block on two threads, and on one.
    @Test func labelsMatchFloodFill() {
        var g = SeededGenerator(seed: 11)
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        Parallel.threadCount = 2
        for (rows, cols) in [(1, 1), (1, 9), (7, 1), (6, 8), (13, 17), (20, 70), (5, 64), (4, 129), (70, 40),
                             (97, 13), (65, 1)] {
            for density in [0.3, 0.55, 0.8] {
                let n = rows * cols
                let a = (0..<n).map { _ in g.nextUniform() < density }
                for value in [true, false] {
                    for eight in [false, true] {
                        var expected = [Int32](repeating: 0, count: n), sizes = [0]
                        for start in 0..<n where a[start] == value && expected[start] == 0 {
                            let label = Int32(sizes.count)
                            var stack = [start], size = 0
                            expected[start] = label
                            while let i = stack.popLast() {
                                size += 1
                                let r = i / cols, c = i % cols
                                for dr in -1...1 {
                                    for dc in -1...1 where (dr != 0 || dc != 0) && (eight || dr == 0 || dc == 0) {
                                        let rr = r + dr, cc = c + dc
                                        guard rr >= 0 && rr < rows && cc >= 0 && cc < cols else { continue }
                                        let j = rr * cols + cc
                                        if a[j] == value && expected[j] == 0 { expected[j] = label; stack.append(j) }
                                    }
                                }
                            }
                            sizes.append(size)
                        }
                        for split in [false, true] {
                            let bits = _PackedRows(rows: rows, cols: cols, split: split)
                            defer { bits.deallocate() }
                            a.withUnsafeBufferPointer { bits.pack($0.baseAddress!, invert: false) }
                            let parts = _RunComponents(bits, value: value, eight: eight)
                            var labels = [Int32](repeating: 0, count: n)
                            parts.forEachRun { k, r, s, e in
                                for c in s..<e { labels[r * cols + c] = parts.component[k] + 1 }
                            }
                            let context = "\(rows)×\(cols) \(density) \(value) \(eight) split \(split)"
                            #expect([0] + parts.sizes == sizes, "\(context)")
                            #expect((0..<n).allSatisfy { labels[$0] == expected[$0] }, "\(context)")
                        }
                    }
                }
            }
        }
    }
}
