import Foundation
import Testing
import ScopeKitCore
@testable import ScopeKitLevelling

@Suite("step syntax and recipes")
struct StepSyntaxTests {
    @Test("each kind parses its documented forms")
    func goodSteps() throws {
        let cases: [(String, LevellingStep)] = [
            ("plane", .plane(xOrder: 1, yOrder: 1, method: .leastSquares(.tensor))),
            ("plane:2", .plane(xOrder: 2, yOrder: 2, method: .leastSquares(.tensor))),
            ("Plane:2,1,method=NanoLocz", .plane(xOrder: 2, yOrder: 1, method: .nanoLocz)),
            ("plane: 3 , 0 , method=total", .plane(xOrder: 3, yOrder: 0, method: .leastSquares(.totalDegree))),
            ("plane:x=2,y=0", .plane(xOrder: 2, yOrder: 0, method: .leastSquares(.tensor))),
            ("line", .line(xOrder: 1, yOrder: 0, compatibility: .corrected)),
            ("line:2,1,compat=matlab", .line(xOrder: 2, yOrder: 1, compatibility: .matlab)),
            ("median-line", .medianLine(direction: .rows, strength: 1)),
            ("median-line:0.6", .medianLine(direction: .rows, strength: 0.6)),
            ("med-line:dir=columns", .medianLine(direction: .columns, strength: 1)),
            ("smoothed-median-line:5", .smoothedMedianLine(window: 5, compatibility: .corrected)),
            ("mean-plane", .meanPlane),
            ("align-rows", .alignRows(.median, direction: .rows, keepMean: true)),
            ("align-rows:median-diff", .alignRows(.medianOfDifferences, direction: .rows, keepMean: true)),
            ("align-rows:quantile,0.2,dir=columns,keep-mean=no", .alignRows(.quantile(0.2), direction: .columns, keepMean: false)),
            ("align-rows:trimmed-mean", .alignRows(.trimmedMean(0.05), direction: .rows, keepMean: true)),
            ("align-rows:trimmed-mean-diff,0.1", .alignRows(.trimmedMeanOfDifferences(0.1), direction: .rows, keepMean: true)),
            ("align-rows:polynomial,2", .alignRows(.polynomial(degree: 2), direction: .rows, keepMean: true)),
            ("align-rows:modus", .alignRows(.modus, direction: .rows, keepMean: true)),
            ("anisotropy-gate", .anisotropyGate(AnisotropyGate.matlab)),
            ("anisotropy-gate:pnanolocz", .anisotropyGate(AnisotropyGate.pnanolocz)),
            ("anisotropy-gate:6,0.5", .anisotropyGate([AnisotropyGate(factor: 6, strength: 0.5)])),
            ("mask:range,low=-1,high=1", .mask(.range(low: -1, high: 1))),
            ("mask:range,-1", .mask(.range(low: -1, high: nil))),
            ("mask:range,high=2.5", .mask(.range(low: nil, high: 2.5))),
            ("mask:gaussian,k=1.5", .mask(.gaussian(multiplier: 1.5, width: .sigma, keep: .band, scope: .perFrame, bins: 100))),
            ("mask:gaussian,k=1.5,width=nanolocz,keep=below,scope=movie,bins=50",
             .mask(.gaussian(multiplier: 1.5, width: .nanoLocz, keep: .belowUpper, scope: .wholeMovie, bins: 50))),
            ("mask:otsu", .mask(.otsu(bins: 256, keepAbove: false))),
            ("mask:otsu,keep=above,bins=64", .mask(.otsu(bins: 64, keepAbove: true))),
            ("mask:otsu2", .mask(.otsuTwoLevel(bins: 256))),
            ("mask:outliers", .mask(.outliers(k: 3))),
            ("invert-mask", .invertMask),
            ("grow:2", .growExcluded(pixels: 2)),
            ("shrink:1", .shrinkExcluded(pixels: 1)),
            ("min-region:20", .removeSmallExcludedRegions(minimumPixels: 20)),
            ("clear-mask", .clearMask),
            ("align-rows:matching", .alignRows(.matching, direction: .rows, keepMean: true)),
            ("align:facet-tilt,dir=columns", .alignRows(.facetTilt, direction: .columns, keepMean: true)),
            ("scars", .removeScars(ScarOptions())),
            ("scars:preset=topostats", .removeScars(.topoStats)),
            ("remove-scars:high=0.5,low=0.2,width=3,length=10,polarity=both,iterations=3",
             .removeScars(ScarOptions(thresholdHigh: 0.5, thresholdLow: 0.2, maximumWidth: 3, minimumLength: 10,
                                      polarity: .both, iterations: 3))),
            ("scars-mask:polarity=negative", .markScars(ScarOptions(polarity: .negative))),
            ("lineshift", .lineShift(pixels: nil, maximum: 8)),
            ("lineshift:-3", .lineShift(pixels: -3, maximum: 8)),
            ("line-shift:max=4", .lineShift(pixels: nil, maximum: 4)),
            ("creep", .creep(scale: 1, orientation: .auto)),
            ("log-y:2,orient=reverse", .creep(scale: 2, orientation: .reverse)),
        ]
        for (text, step) in cases {
            #expect(try StepSyntax.parse(text) == step, "\(text)")
            // The canonical text reads back to the same step.
            #expect(try StepSyntax.parse(StepSyntax.text(of: step)) == step, "\(StepSyntax.text(of: step))")
        }
    }

    @Test("iterate … end blocks nest and round-trip")
    func blocks() throws {
        let steps = try StepSyntax.parse(["plane:1", "iterate:max=5,changed=10", "mask:gaussian,k=2", "iterate:3",
                                          "grow:1", "end", "plane:2,2", "end", "median-line"])
        let inner = LevellingStep.iterate(steps: [.growExcluded(pixels: 1)],
                                          until: Convergence(maximumChangedPixels: 0, maximumIterations: 3))
        #expect(steps == [.plane(xOrder: 1, yOrder: 1, method: .leastSquares(.tensor)),
                          .iterate(steps: [.mask(.gaussian(multiplier: 2, width: .sigma, keep: .band, scope: .perFrame, bins: 100)),
                                           inner, .plane(xOrder: 2, yOrder: 2, method: .leastSquares(.tensor))],
                                   until: Convergence(maximumChangedPixels: 10, maximumIterations: 5)),
                          .medianLine(direction: .rows, strength: 1)])
        #expect(try StepSyntax.parse(StepSyntax.text(of: steps)) == steps)
    }

    @Test("every routine's steps round-trip through the text form",
          arguments: LevellingRoutine.allCases)
    func routinesRoundTrip(_ routine: LevellingRoutine) throws {
        for compat in NanoLoczCompatibility.allCases {
            let steps = routine.pipeline(compatibility: compat).steps
            #expect(try StepSyntax.parse(StepSyntax.text(of: steps)) == steps)
        }
    }

    @Test("bad steps → usage error naming the step and what is wrong", arguments: [
        ("warp:2", "unknown step 'warp'"),
        ("plane:two", "x 'two' is not an integer"),
        ("plane:1,1,tensor,1", "unexpected argument '1'"),
        ("plane:1,method=cubic", "method 'cubic' is not one of tensor, total, nanolocz"),
        ("plane:1,colour=red", "unknown argument 'colour'"),
        ("plane:", "nothing after ':'"),
        ("plane:1,,2", "empty argument"),
        ("plane:x=1,2", "positional argument '2' after key=value"),
        ("plane:1,x=2", "'x' given both by position and by name"),
        ("median-line:nan", "'nan' is not a number"),
        ("mask", "missing rule"),
        ("mask:range", "give low=… and/or high=…"),
        ("mask:gaussian,keep=left", "keep 'left' is not one of"),
        ("grow", "missing pixels"),
        ("anisotropy-gate:7", "FACTOR,STRENGTH pairs"),
        ("end", "'end' without an open 'iterate'"),
        ("iterate:0", "max must be ≥ 1"),
    ])
    func badSteps(_ text: String, _ message: String) {
        do {
            let s = try StepSyntax.parse(text)
            Issue.record("parsed \(s)")
        } catch let e as ScopeKitError {
            #expect(e.kind == .usage)
            #expect(e.description.contains(message), "\(e.description)")
        } catch {
            Issue.record("\(error)")
        }
        #expect(throws: ScopeKitError.self) { try StepSyntax.parse(["iterate", "plane"]) }
        #expect(throws: ScopeKitError.self) { try StepSyntax.parse(["iterate", "end"]) }
    }

    @Test("a recipe in JSON (Codable form), in YAML and as step text gives the same pipeline")
    func recipes() throws {
        let routine = LevellingRoutine.iterativeFitPeaks.pipeline()
        let extra: [LevellingStep] = [.alignRows(.trimmedMean(0.1), direction: .columns, keepMean: false),
                                      .iterate(steps: [.mask(.outliers(k: 3)), .plane(xOrder: 1, yOrder: 1, method: .nanoLocz)],
                                               until: Convergence(maximumChangedPixels: 2, maximumIterations: 4))]
        let full = LevellingPipeline(steps: routine.steps + extra)
        let json = try full.jsonString()
        #expect(try LevellingPipeline(json: json) == full)
        #expect(try LevellingPipeline(recipe: json) == full)
        let textYAML = "steps:\n" + StepSyntax.text(of: full.steps).map { "  - '\($0)'   # step\n" }.joined()
        #expect(try LevellingPipeline(recipe: textYAML) == full)
        let routineYAML = """
            # Iterative Peaks, then two more steps
            routine: iterative-peaks
            steps:
              - {alignRows: {_0: {trimmedMean: {_0: 0.1}}, direction: columns, keepMean: false}}
              - iterate:max=4,changed=2
              - mask:outliers,k=3
              - plane:1,1,method=nanolocz
              - end
            """
        #expect(try LevellingPipeline(recipe: routineYAML) == full)
        // The Codable form written as YAML block mappings.
        let blockYAML = """
            steps:
              - plane:
                  xOrder: 2
                  yOrder: 1
                  method:
                    leastSquares:
                      _0: totalDegree
              - meanPlane: {}
            """
        #expect(try LevellingPipeline(recipe: blockYAML).steps == [.plane(xOrder: 2, yOrder: 1, method: .leastSquares(.totalDegree)), .meanPlane])
        #expect(try LevellingPipeline(recipe: "[plane, median-line]").steps.count == 2)
        let pn = try LevellingPipeline(recipe: "routine: iterative-1nm-high\ncompatibility: pnanolocz\nheightThreshold: 2\n")
        #expect(pn == LevellingRoutine.iterative1nmHigh.pipeline(compatibility: .pnanolocz, heightThreshold: 2))
    }

    @Test("the README's recipe example reads as documented")
    func readmeRecipe() throws {
        let yaml = """
            # Iterative Peaks, then Gwyddion's median of differences
            routine: iterative-peaks          # optional; also compatibility:, statistics:, heightThreshold:
            steps:
              - align-rows:median-diff        # step text …
              - {medianLine: {direction: columns, strength: 0.6}}   # … or the Codable form (LevellingPipeline.jsonString())
            """
        let steps = try LevellingPipeline(recipe: yaml).steps
        #expect(steps == LevellingRoutine.iterativeFitPeaks.pipeline().steps
                + [.alignRows(.medianOfDifferences, direction: .rows, keepMean: true), .medianLine(direction: .columns, strength: 0.6)])
    }

    @Test("bad recipes → usage errors", arguments: [
        ("routine: fancy", "unknown routine"),
        ("steps: plane", "'steps' must be a list"),
        ("stepz: [plane]", "unknown key 'stepz'"),
        ("steps:\n  - {plane: {xOrder: 1}}", "recipe step 1: missing 'yOrder'"),
        ("steps:\n  - 3", "recipe step 1: expected step text"),
        ("steps:\n  - plane:q", "not an integer"),
        ("42", "expected a mapping"),
    ])
    func badRecipes(_ text: String, _ message: String) {
        do {
            _ = try LevellingPipeline(recipe: text)
            Issue.record("accepted \(text)")
        } catch let e as ScopeKitError {
            #expect(e.description.contains(message), "\(e.description)")
        } catch {
            Issue.record("\(error)")
        }
    }
}
