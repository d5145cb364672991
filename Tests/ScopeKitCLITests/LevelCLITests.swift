import Foundation
import Testing
import ScopeKit

/// Writes the demo's synthetic HS-AFM movie (small) as a float32 TIFF.
private func writeMovie(in folder: URL, frames: Int = 4, size: Int = 40) throws -> (URL, NDArray<Float>) {
    let (movie, _, _) = LevellingDemo.syntheticMovie(frames: frames, rows: size, cols: size, seed: 3)
    let url = folder.appendingPathComponent("movie.tif")
    try ImageIO.write(AnyArray(movie), to: url)
    return (url, movie)
}

@Suite("scopekit level", .serialized)
struct LevelCLITests {
    @Test("synthetic stack: levelled, background, mask, records, previews; background + levelled = input")
    func syntheticStack() throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (input, movie) = try writeMovie(in: folder)
        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
        let r = try CLI.run(["level", "--routine", "iterative-peaks", input.path, "-o", path("out.tif"),
                             "--background", path("bg.npy"), "--mask-out", path("mask.tif"),
                             "--coefficients", path("c.csv"), "--shifts", path("s.json"),
                             "--preview-before", path("before.png"), "--preview-after", path("after.png"),
                             "--preview-frame", "2", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        #expect(report["frames"] as? Int == 4 && report["passes"] as? Int == 1)  // the movie fits the cache: one read
        #expect((report["steps"] as? [String])?.first == "plane:2,2,method=nanolocz")
        let out = try ImageIO.read(URL(fileURLWithPath: path("out.tif")))
        #expect(out.dtype == .float32 && out.shape == [4, 40, 40])
        #expect(out.calibration.axes.last?.unit == "nm" && abs(out.calibration.axes.last!.scale - 0.5) < 1e-9)
        let levelled = out.asFloat32(), background = try ImageIO.read(URL(fileURLWithPath: path("bg.npy"))).asFloat32()
        var worst: Float = 0
        for (x, (a, b)) in zip(movie.elements, zip(levelled.elements, background.elements)) { worst = max(worst, abs(a + b - x)) }
        #expect(worst < 1e-5)
        // The library gives the same levelled movie.
        let library = try LevellingRoutine.iterativeFitPeaks.pipeline().run(on: movie).levelled
        #expect(library.elements == levelled.elements)
        let mask = try ImageIO.read(URL(fileURLWithPath: path("mask.tif")))
        #expect(mask.dtype == .uint8 && mask.shape == [4, 40, 40])
        #expect(Set(mask.asFloat64().elements).isSubset(of: [0, 255]))
        let csv = try String(contentsOfFile: path("c.csv"), encoding: .utf8)
        #expect(csv.hasPrefix("frame,step,operation,quantity,value\n"))
        #expect(csv.contains("3,7,\"line:1,0\",offset,"))
        let shifts = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path("s.json")))) as! [[String: Any]]
        #expect(shifts.count == 4)
        for name in ["before.png", "after.png"] {
            let png = try ImageIO.read(URL(fileURLWithPath: path(name)))
            #expect(png.shape[0] == 40 && png.shape.last == 3)
        }
        // Existing outputs are refused without --force, accepted with it.
        let again = try CLI.run(["level", "--step", "plane", input.path, "-o", path("out.tif")])
        #expect(again.status == 1 && again.stderr.contains("use --force"))
        #expect(try CLI.run(["level", "--step", "plane", input.path, "-o", path("out.tif"), "--force", "--quiet"]).status == 0)
    }

    @Test("results are byte-identical for --threads 1 and 2; steps, YAML and JSON recipes agree")
    func threadsAndRecipes() throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (input, _) = try writeMovie(in: folder, frames: 5, size: 32)
        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
        let steps = ["plane:2,2", "median-line", "mask:gaussian,k=2,keep=below,scope=movie", "grow:1",
                     "plane:2,2", "align-rows:median-diff"]
        var bytes: [Data] = []
        for threads in ["1", "2"] {
            let out = path("t\(threads).tif")
            let r = try CLI.run(["level", input.path, "-o", out, "--threads", threads, "--quiet",
                                 "--background", path("b\(threads).tif"), "--compression", "deflate"]
                                + steps.flatMap { ["--step", $0] })
            #expect(r.status == 0, "\(r.stderr)")
            bytes.append(try Data(contentsOf: URL(fileURLWithPath: out)) + Data(contentsOf: URL(fileURLWithPath: path("b\(threads).tif"))))
        }
        #expect(bytes[0] == bytes[1])
        let yaml = "# the same steps\nsteps:\n" + steps.map { "  - \($0)\n" }.joined()
        try yaml.write(toFile: path("recipe.yaml"), atomically: true, encoding: .utf8)
        let r = try CLI.run(["level", input.path, "-o", path("yaml.tif"), "--recipe", path("recipe.yaml"), "--quiet",
                             "--background", path("byaml.tif"), "--compression", "deflate"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: path("yaml.tif"))) + Data(contentsOf: URL(fileURLWithPath: path("byaml.tif"))) == bytes[0])
        let json = try CLI.run(["level", "--print-steps", "--json", "--recipe", path("recipe.yaml")])
        try json.stdout.write(toFile: path("recipe.json"), atomically: true, encoding: .utf8)
        let j = try CLI.run(["level", input.path, "-o", path("json.tif"), "--recipe", path("recipe.json"), "--quiet"])
        #expect(j.status == 0, "\(j.stderr)")
        let a = try ImageIO.read(URL(fileURLWithPath: path("json.tif"))), b = try ImageIO.read(URL(fileURLWithPath: path("yaml.tif")))
        #expect(a.asFloat32() == b.asFloat32())
    }

    @Test("drawn mask: nonzero = used; --invert-mask; NPY output in float64")
    func drawnMask() throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (input, movie) = try writeMovie(in: folder, frames: 2, size: 32)
        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
        // Use only the left half for the fit.
        let drawing = NDArray<UInt8>((0..<(32 * 32)).map { $0 % 32 < 16 ? 255 : 0 }, shape: [32, 32])
        try ImageIO.write(AnyArray(drawing), to: URL(fileURLWithPath: path("left.png")))
        for invert in [false, true] {
            let out = path("m\(invert).npy")
            let r = try CLI.run(["level", "--step", "plane:1,1", input.path, "-o", out, "--mask", path("left.png"),
                                 "--dtype", "float64", "--quiet"] + (invert ? ["--invert-mask"] : []))
            #expect(r.status == 0, "\(r.stderr)")
            let got = try ImageIO.read(URL(fileURLWithPath: out))
            #expect(got.dtype == .float64)
            let mask = Mask(including: NDArray((0..<(32 * 32)).map { ($0 % 32 < 16) != invert }, shape: [32, 32]))
            let want = try LevellingPipeline(steps: [.plane(xOrder: 1, yOrder: 1, method: .leastSquares(.tensor))])
                .run(on: movie.map { Double($0) }, mask: mask).levelled
            #expect(got.asFloat64().elements == want.elements)
        }
    }

    @Test("corpus AFM files: .asd movie (channel selection) and an ImageJ movie with a routine in one line")
    func corpus() throws {
        guard let corpus = Corpus.root else { return }
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let asd = corpus.appendingPathComponent("afm/pnanolocz/202110200146.asd")
        let out = folder.appendingPathComponent("asd.tif").path
        let r = try CLI.run(["level", "--routine", "plane-line", asd.path, "-o", out, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let heights = try AFMFormats.read(asd)
        let want = try LevellingRoutine.planeLine.pipeline().run(on: heights.map { Float($0) }).levelled
        let got = try ImageIO.read(URL(fileURLWithPath: out))
        #expect(got.asFloat32().elements == want.elements)
        #expect(got.calibration.axes[1].unit == "nm")
        let phase = try CLI.run(["level", "--step", "plane:1", asd.path, "--channel", "PH", "-o",
                                 folder.appendingPathComponent("ph.tif").path, "--json"])
        #expect(phase.status == 0 && phase.stdout.contains("\"channel\" : \"PH\""), "\(phase.stderr)")
        let bad = try CLI.run(["level", "--step", "plane", asd.path, "--channel", "XX", "-o", folder.appendingPathComponent("x.tif").path])
        #expect(bad.status == 1 && bad.stderr.contains("no channel 'XX'"))
        let movie = corpus.appendingPathComponent("afm/nanolocz/LoadImg.tif")
        let m = try CLI.run(["level", "--routine", "iterative-peaks", movie.path, "-o", folder.appendingPathComponent("peaks.tif").path])
        #expect(m.status == 0 && m.stdout.contains("10 frames of 150×150"), "\(m.stderr)")
    }

    @Test("bad input → one-line error and exit code (2 bad input, 1 usage)")
    func badInput() throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (input, _) = try writeMovie(in: folder, frames: 2, size: 16)
        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
        try ImageIO.write(AnyArray(NDArray<UInt8>(repeating: 1, shape: [8, 8])), to: URL(fileURLWithPath: path("small.png")))
        try "steps: [plane:2".write(toFile: path("broken.yaml"), atomically: true, encoding: .utf8)
        try Data([0x49, 0x49, 42, 0, 8, 0]).write(to: URL(fileURLWithPath: path("truncated.tif")))
        let cases: [([String], Int32, String)] = [
            (["level", "--step", "plane", path("missing.tif"), "-o", path("o.tif")], 2, "missing.tif"),
            (["level", "--step", "plane", path("truncated.tif"), "-o", path("o.tif")], 2, "truncated.tif"),
            (["level", "--step", "plane", input.path, "-o", path("o.tif"), "--mask", path("small.png")], 2,
             "mask shape [8, 8] does not match the frames [16, 16] or the movie [2, 16, 16]"),
            (["level", "--routine", "fancy", input.path, "-o", path("o.tif")], 1, "unknown routine 'fancy'"),
            (["level", "--step", "warp:1", input.path, "-o", path("o.tif")], 1, "unknown step 'warp'"),
            (["level", "--step", "plane:a", input.path, "-o", path("o.tif")], 1, "x 'a' is not an integer"),
            (["level", "--recipe", path("broken.yaml"), input.path, "-o", path("o.tif")], 2, "YAML line 1: unclosed"),
            (["level", input.path, "-o", path("o.tif")], 1, "give --routine NAME, --recipe FILE or --step STEP"),
            (["level", "--step", "plane", input.path], 1, "nothing to write"),
            (["level", "--step", "plane", input.path, "-o", path("o.png"), "--dtype", "int7"], 1, "unknown --dtype"),
            (["level", "--step", "plane:40,2", input.path, "-o", path("o.tif")], 1, "needs at least 41 columns"),
        ]
        for (args, code, message) in cases {
            let r = try CLI.run(args)
            #expect(r.status == code, "\(args): \(r.stderr)")
            #expect(r.stderr.contains(message), "\(args): \(r.stderr)")
            #expect(r.stderr.hasPrefix("scopekit: error: ") && r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: path("o.tif")))
        }
    }
}

@Suite("scopekit level: multi-plane routines and movie outputs", .serialized)
struct LevelMultiPlaneCLITests {
    @Test("--routine multi-plane-edges/-otsu stream to the library's result")
    func multiPlaneRoutines() throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (input, movie) = try writeMovie(in: folder, frames: 3, size: 32)
        for routine in [LevellingRoutine.multiPlaneEdges, .multiPlaneOtsu] {
            let out = folder.appendingPathComponent("\(routine.rawValue).tif").path
            let r = try CLI.run(["level", "--routine", routine.rawValue, input.path, "-o", out, "--cache-mb", "0", "--quiet"])
            #expect(r.status == 0, "\(r.stderr)")
            let got = try ImageIO.read(URL(fileURLWithPath: out)).asFloat32()
            #expect(got.elements == (try routine.pipeline().run(on: movie).levelled.elements))
        }
    }

    @Test("a PNG output of a movie is refused up front with one line (no output written)")
    func pngMovieOutput() throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (input, _) = try writeMovie(in: folder, frames: 2, size: 16)
        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
        let r = try CLI.run(["level", "--step", "plane", input.path, "-o", path("o.tif"), "--mask-out", path("m.png")])
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.hasPrefix("scopekit: error: ") && r.stderr.split(separator: "\n").count == 1)
        #expect(r.stderr.contains("--mask-out: PNG holds one frame and the input has 2; write .tif or .npy"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: path("o.tif")) && !FileManager.default.fileExists(atPath: path("m.png")))
        // a single frame may still go to PNG
        let one = folder.appendingPathComponent("one.tif")
        try ImageIO.write(AnyArray(NDArray<Float>(repeating: 1, shape: [16, 16])), to: one)
        let ok = try CLI.run(["level", "--step", "plane", one.path, "--mask-out", path("m.png"), "--quiet"])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(try ImageIO.read(URL(fileURLWithPath: path("m.png"))).shape == [16, 16])
    }
}
