import Foundation
import Testing
import ScopeKit

@Suite("scopekit flatfield fit / apply / correct")
struct FlatFieldCLITests {
    /// 6 tiles (2×3 grid) of 3-plane uint16 z-stacks; corners 1, 2, 5, 6 are empty; known flat-field.
    func dataset(_ root: URL) throws -> (URL, [Float]) {
        let input = root.appendingPathComponent("tiles")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        let rows = 24, cols = 20
        var s = [Double](repeating: 0, count: rows * cols)
        for r in 0..<rows { for c in 0..<cols {
            let y = (Double(r) + 0.5) / Double(rows) * 2 - 1, x = (Double(c) + 0.5) / Double(cols) * 2 - 1
            s[r * cols + c] = 1 - 0.3 * (x * x + y * y)
        } }
        let m = s.reduce(0, +) / Double(s.count)
        var g = SeededGenerator(seed: 2)
        for t in 1...6 {
            let empty = [1, 2, 5, 6].contains(t)
            var data = [UInt16](repeating: 0, count: 3 * rows * cols)
            for i in data.indices {
                let texture = empty ? 1.0 : 1 + 2 * g.nextUniform()
                data[i] = UInt16((1000 * texture * s[i % (rows * cols)] / m * (1 + 0.005 * g.nextGaussian())).rounded())
            }
            try ImageIO.write(AnyArray(NDArray(data, shape: [3, rows, cols])),
                              to: input.appendingPathComponent(String(format: "t%02d.tif", t)))
        }
        return (input, s.map { Float($0 / m) })
    }

    @Test("fit (empty corners) → apply: profiles saved, tiles corrected flat, dtype kept; --force needed again")
    func fitThenApply() throws {
        let root = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let (input, truth) = try dataset(root)
        let models = root.appendingPathComponent("models").path, out = root.appendingPathComponent("out").path
        let fit = try CLI.run(["flatfield", "fit", input.path, "--grid", "2x3", "--z-levels", "1,1", "--sigma", "0",
                               "-m", models, "--channel", "488", "--json"])
        #expect(fit.status == 0, "\(fit.stderr)")
        #expect(fit.stdout.contains("\"method\" : \"empty-regions\""))
        let p = try FlatFieldProfiles.load(models: URL(fileURLWithPath: models), channel: "488")
        let mae = zip(p.flatfield.elements, truth).reduce(0.0) { $0 + Double(abs($1.0 - $1.1)) } / Double(truth.count)
        #expect(mae < 0.005)
        let apply = try CLI.run(["flatfield", "apply", input.path, "--channel", "488", "-m", models, "-o", out, "--quiet"])
        #expect(apply.status == 0, "\(apply.stderr)")
        let corrected = try ImageIO.read(URL(fileURLWithPath: out).appendingPathComponent("t01.tif"))
        #expect(corrected.dtype == .uint16)
        #expect(corrected.shape == [3, 24, 20])
        let v = corrected.asFloat32().elements
        let mean = v.reduce(0, +) / Float(v.count)
        let spread = v.map { abs($0 - mean) }.reduce(0, +) / Float(v.count) / mean
        #expect(spread < 0.02)
        let again = try CLI.run(["flatfield", "apply", input.path, "--channel", "488", "-m", models, "-o", out])
        #expect(again.status == 1)
        #expect(again.stderr.contains("--force"))
        #expect(try CLI.run(["flatfield", "apply", input.path, "--channel", "488", "-m", models, "-o", out, "--force", "--quiet"]).status == 0)
    }

    @Test("correct with BaSiC (no estimate option) and float32 output; measured reload with --models")
    func correctBaSiC() throws {
        let root = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let (input, _) = try dataset(root)
        let models = root.appendingPathComponent("models").path
        let r = try CLI.run(["flatfield", "correct", input.path, "-o", root.appendingPathComponent("a").path,
                             "-m", models, "--working-size", "16", "--max-iterations", "100", "--fitting-mode", "approximate", "--float32",
                             "--threads", "1", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("\"method\" : \"basic\""))
        #expect(try ImageIO.read(root.appendingPathComponent("a/t03.tif")).dtype == .float32)
        let base = try FlatFieldProfiles.load(models: URL(fileURLWithPath: models), channel: "default")
        if case let .perImage(b)? = base.baseline { #expect(b.count == 18) } else { Issue.record("no per-image baseline") }
        // With --models and no estimate option, correct loads them.
        let again = try CLI.run(["flatfield", "correct", input.path, "-o", root.appendingPathComponent("b").path,
                                 "-m", models, "--timelapse", "multiplicative", "--float32", "--json"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("\"method\" : \"measured\""))
    }

    @Test("corpus WSI_brain: fit from the registered tile configuration, the four corner tiles by number")
    func corpusFit() throws {
        guard let corpus = Corpus.root else { return }
        let folder = corpus.appendingPathComponent("flatfield/basicpy/WSI_brain")
        let root = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let models = root.appendingPathComponent("models")
        let r = try CLI.run(["flatfield", "fit", folder.path, "--tile-config",
                             folder.appendingPathComponent("TileConfiguration.registered.txt").path,
                             "--channel-pattern", "^(C[0-9]+)-", "--fov", "1,6,49,54", "--planes", "4",
                             "-m", models.path, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("\"tiles\" : 54"))
        let p = try FlatFieldProfiles.load(models: models, channel: "C3")
        #expect(p.flatfield.shape == [512, 512])
        #expect(abs(p.flatfieldMean - 1) < 1e-5)
        let settings = try String(contentsOf: models.appendingPathComponent("C3/scopekit-flatfield.json"), encoding: .utf8)
        #expect(settings.contains("\"emptyTiles\""))
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["SCOPEKIT_SLOW_TESTS"] == "1",
                   "54 × 512² through a debug binary: SCOPEKIT_SLOW_TESTS=1"))
    func corpus() throws {
        guard let corpus = Corpus.root else { return }
        let folder = corpus.appendingPathComponent("flatfield/basicpy/WSI_brain")
        let root = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let r = try CLI.run(["flatfield", "correct", folder.path, "--tile-config",
                             folder.appendingPathComponent("TileConfiguration.registered.txt").path,
                             "--channel-pattern", "^(C[0-9]+)-", "--fov", "1,6,49,54", "--planes", "4",
                             "-m", root.appendingPathComponent("models").path, "-o", root.appendingPathComponent("out").path,
                             "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("\"written\" : 54"))
        let out = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("out").path)
        #expect(out.filter { $0.hasSuffix(".tif") }.count == 54)
        let t = try ImageIO.read(root.appendingPathComponent("out/C3-BrainSection0001.tif"))
        #expect(t.dtype == .uint16 && t.shape == [512, 512])
    }

    @Test("bad input: exit codes and one-line errors, nothing written")
    func badInput() throws {
        let root = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let (input, _) = try dataset(root)
        let models = root.appendingPathComponent("models").path, out = root.appendingPathComponent("out")
        func run(_ args: [String]) throws -> CLIResult { try CLI.run(["flatfield"] + args) }
        let outside = try run(["fit", input.path, "--grid", "2x3", "--fov", "7", "-m", models])
        #expect(outside.status == 1)
        #expect(outside.stderr.contains("outside the grid"))
        #expect(try run(["fit", input.path, "--fov", "", "-m", models]).stderr.contains("FOV list is empty"))
        #expect(try run(["fit", input.path, "--grid", "2x3", "--z-levels", "0,5", "-m", models]).stderr.contains("outside the stack"))
        #expect(try run(["fit", input.path, "--grid", "3x3", "--fov", "1", "-m", models]).status == 2)
        let noModels = try run(["apply", input.path, "-m", models, "-o", out.path])
        #expect(noModels.status == 2)
        #expect(noModels.stderr.contains("no folder for channel 'default'"))
        #expect(noModels.stderr.split(separator: "\n").count == 1)
        let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []
        #expect(leftovers.isEmpty)
        #expect(try run(["apply", "/nonexistent", "-m", models, "-o", out.path]).status == 2)
        #expect(try run(["correct", input.path, "-o", out.path, "--timelapse", "sideways"]).status == 1)
    }

    @Test("demo job (small: 12 tiles 48²): flat-field MAE < 0.01 both ways and a flatter background")
    func demo() throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let r = try FlatFieldDemo.generateAndCorrect(in: folder, overwrite: false, grid: (3, 4), size: 48, workingSize: 24)
        #expect(r.basicMAE < 0.01)
        #expect(r.emptyMAE < 0.01)
        #expect(r.backgroundCVAfter < 0.5 * r.backgroundCVBefore)
        for f in r.files { #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(f).path)) }
    }
}
