import Foundation
import Testing
import ScopeKit

/// Writes a synthetic serial-section stack (AR(1) texture at random gaps) as a uint8 TIFF.
private func writeStack(sections: Int, size: Int = 32, in folder: URL, name: String = "stack.tif") throws -> URL {
    let (stack, _) = ZSpacingDemo.syntheticStack(sections: sections, size: size, rho: 0.9, gaps: 1...4, seed: 11)
    var bytes = stack.map { UInt8(max(0, min(255, ($0 * 40 + 128).rounded()))) }
    bytes.calibration.axes = [AxisCalibration(name: "z", scale: 0.05, unit: "µm"),
                              AxisCalibration(name: "y", scale: 0.004, unit: "µm"),
                              AxisCalibration(name: "x", scale: 0.004, unit: "µm")]
    let url = folder.appendingPathComponent(name)
    try ImageIO.write(AnyArray(bytes), to: url)
    return url
}

/// The columns of a CSV file (header excluded) as numbers.
private func columns(_ url: URL) throws -> (header: String, rows: [[Double]]) {
    let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
    let rows = lines.dropFirst().map { $0.split(separator: ",").map { Double($0) ?? .nan } }
    return (lines.first ?? "", rows)
}

private func json(_ url: URL) throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
}

private let outputs = ["positions.csv", "uncertainty.csv", "matrix.tif", "warped-matrix.tif", "warped-matrix.png",
                       "positions.png", "corrected.tif", "summary.json"]

@Suite("scopekit zspacing")
struct ZSpacingCLITests {
    @Test("writes every output; CSV header exact; summary on stdout with --json; dtype kept in corrected.tif")
    func outputsExist() throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = try writeStack(sections: 40, in: folder)
        let out = folder.appendingPathComponent("out")
        let r = try CLI.run(["zspacing", input.path, "-o", out.path, "--json", "--threads", "2"])
        #expect(r.status == 0, "\(r.stderr)")
        for name in outputs { #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), "\(name)") }
        let csv = try columns(out.appendingPathComponent("positions.csv"))
        #expect(csv.header == "z-index,mapping,sorted mapping,forward permutation,backward permutation")
        #expect(csv.rows.count == 40)
        #expect(csv.rows.map { $0[0] } == (0..<40).map(Double.init))
        // BORDER normalisation: the sorted positions run from 0 to N − 1.
        #expect(csv.rows.map { $0[2] }.first == 0)
        #expect(abs(csv.rows.map { $0[2] }.last! - 39) < 1e-9)
        let uncertainty = try columns(out.appendingPathComponent("uncertainty.csv"))
        #expect(uncertainty.header == "z-index,mapping,uncertainty,scaling factor")
        #expect(uncertainty.rows.count == 40)
        let stdoutSummary = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        let summary = try json(out.appendingPathComponent("summary.json"))
        #expect(summary["sections"] as? Int == 40)
        #expect(summary["range"] as? Int == 10)
        #expect(stdoutSummary["sections"] as? Int == 40)
        #expect(((summary["options"] as? [String: Any])?["outerIterations"] as? Int) == 100)
        let spacing = summary["spacing"] as! [String: Any]
        #expect((spacing["minimum"] as! Double) <= 1 && (spacing["maximum"] as! Double) >= 1)

        let corrected = try ImageIO.read(out.appendingPathComponent("corrected.tif"))
        #expect(corrected.dtype == .uint8)
        #expect(corrected.shape == [40, 32, 32])
        let matrix = try ImageIO.read(out.appendingPathComponent("matrix.tif"))
        #expect(matrix.dtype == .float32 && matrix.shape == [40, 40])
        let m = matrix.asFloat64()
        #expect(m[0, 0] == 1 && m[0, 11].isNaN && m[0, 1] > 0.5 && m[0, 1] < 1)
        #expect(try ImageIO.read(out.appendingPathComponent("warped-matrix.tif")).shape == [40, 40])
        let plot = try PNG.read(out.appendingPathComponent("positions.png"))
        #expect(plot.shape == [480, 640, 3])
    }

    @Test("without reordering the positions are monotone and the permutations identities")
    func monotone() throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = try writeStack(sections: 30, in: folder)
        let out = folder.appendingPathComponent("out")
        let r = try CLI.run(["zspacing", input.path, "-o", out.path, "--no-reorder", "--quiet", "--no-render"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("corrected.tif").path))
        let rows = try columns(out.appendingPathComponent("positions.csv")).rows
        for k in 1..<rows.count { #expect(rows[k][1] > rows[k - 1][1]) }
        #expect(rows.map { $0[1] } == rows.map { $0[2] })
        #expect(rows.map { $0[3] } == (0..<30).map(Double.init))
        #expect(rows.map { $0[4] } == (0..<30).map(Double.init))
    }

    @Test("--threads 1 and --threads 2 give byte-identical positions.csv and matrix.tif")
    func threads() throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = try writeStack(sections: 36, size: 80, in: folder)      // 6400 px: two NCC chunks
        var files: [[Data]] = []
        for t in ["1", "2"] {
            let out = folder.appendingPathComponent("out\(t)")
            let r = try CLI.run(["zspacing", input.path, "-o", out.path, "--threads", t, "--quiet", "--no-render"])
            #expect(r.status == 0, "\(r.stderr)")
            files.append(try ["positions.csv", "matrix.tif"].map { try Data(contentsOf: out.appendingPathComponent($0)) })
        }
        #expect(files[0] == files[1])
    }

    @Test("existing outputs are refused without --force (before any work), replaced with it")
    func overwrite() throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = try writeStack(sections: 12, in: folder)
        let out = folder.appendingPathComponent("out")
        #expect(try CLI.run(["zspacing", input.path, "-o", out.path, "--quiet"]).status == 0)
        let again = try CLI.run(["zspacing", input.path, "-o", out.path, "--quiet"])
        #expect(again.status == 1)
        #expect(again.stderr.contains("output exists (use --force to overwrite)"))
        #expect(again.stderr.split(separator: "\n").count == 1)
        #expect(try CLI.run(["zspacing", input.path, "-o", out.path, "--quiet", "--force"]).status == 0)
    }

    @Test("--upsample 2 renders (N−1)·2+1 slices with the z calibration halved")
    func upsample() throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = try writeStack(sections: 10, in: folder)
        let out = folder.appendingPathComponent("out")
        let r = try CLI.run(["zspacing", input.path, "-o", out.path, "--upsample", "2", "--range", "4", "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        let corrected = try ImageIO.read(out.appendingPathComponent("corrected.tif"))
        #expect(corrected.shape == [19, 32, 32])
        #expect(corrected.dtype == .uint8)
        let inputCalibration = try ImageIO.open(input).info.calibration
        #expect(inputCalibration.axes.map(\.scale) == [0.05, 0.004, 0.004])
        #expect(corrected.calibration.axes.map(\.scale) == [0.025, 0.004, 0.004])
        #expect(corrected.calibration.axes.first?.unit == "µm")
    }

    @Test("a precomputed matrix alone gives the positions of the stack it came from")
    func matrixInput() throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = try writeStack(sections: 30, in: folder)
        let a = folder.appendingPathComponent("a"), b = folder.appendingPathComponent("b")
        #expect(try CLI.run(["zspacing", input.path, "-o", a.path, "--quiet", "--no-render", "--preset", "frozen"]).status == 0)
        let r = try CLI.run(["zspacing", "--matrix", a.appendingPathComponent("matrix.tif").path, "-o", b.path,
                             "--quiet", "--preset", "frozen"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: b.appendingPathComponent("corrected.tif").path))
        let pa = try columns(a.appendingPathComponent("positions.csv")).rows.map { $0[1] }
        let pb = try columns(b.appendingPathComponent("positions.csv")).rows.map { $0[1] }
        #expect(pa.count == 30 && pb.count == 30)
        // The TIFF holds float32 similarities (the run used Double): positions agree to well below a section.
        #expect(zip(pa, pb).map { abs($0 - $1) }.max()! < 0.05)
        #expect((try json(b.appendingPathComponent("summary.json")))["inputType"] == nil)
        // A matrix and a stack of different sizes do not go together.
        let short = try writeStack(sections: 12, in: folder, name: "short.tif")
        let mismatch = try CLI.run(["zspacing", short.path, "--matrix", a.appendingPathComponent("matrix.tif").path,
                                    "-o", folder.appendingPathComponent("c").path])
        #expect(mismatch.status == 2)
        #expect(mismatch.stderr == "scopekit: error: \(short.path): the matrix has 30 sections, the stack 12\n")
    }

    @Test("a range larger than the stack is clamped to N − 1 and reported")
    func rangeClamp() throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = try writeStack(sections: 8, in: folder)
        let out = folder.appendingPathComponent("out")
        let r = try CLI.run(["zspacing", input.path, "-o", out.path, "--range", "50"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("--range 50 clamped to 7 for 8 sections"))
        let summary = try json(out.appendingPathComponent("summary.json"))
        #expect(summary["requestedRange"] as? Int == 50)
        #expect(summary["range"] as? Int == 7)
        #expect(try columns(out.appendingPathComponent("positions.csv")).rows.count == 8)
    }

    @Test("bad input: a 2-D image is not a stack (exit 2, one line); usage errors exit 1")
    func badInput() throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let image = folder.appendingPathComponent("image.tif")
        try ImageIO.write(AnyArray(NDArray<UInt8>((0..<256).map { UInt8($0) }, shape: [16, 16])), to: image)
        let out = folder.appendingPathComponent("out")
        let r = try CLI.run(["zspacing", image.path, "-o", out.path])
        #expect(r.status == 2)
        #expect(r.stderr == "scopekit: error: \(image.path): a z-spacing input needs at least 2 sections "
                + "[sections, rows, cols], got one image of shape [16, 16]\n")

        let stack = try writeStack(sections: 6, in: folder)
        let preset = try CLI.run(["zspacing", stack.path, "-o", out.path, "--preset", "imagej"])
        #expect(preset.status == 1)
        #expect(preset.stderr == "scopekit: error: unknown preset 'imagej' (fiji, frozen, janelia)\n")
        let bad = try CLI.run(["zspacing", stack.path, "-o", out.path, "--outer-regularization", "1.5"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("outer regularisation must be in [0, 1]"))
        #expect(try CLI.run(["zspacing", "-o", out.path]).status == 1)                  // neither IN nor --matrix
        let missing = try CLI.run(["zspacing", "/nonexistent/stack.tif", "-o", out.path])
        #expect(missing.status == 2)
        #expect(missing.stderr.split(separator: "\n").count == 1)
    }

    @Test("smoke: the ISBI 2012 ssTEM folder (30 PNG sections of 512²)")
    func isbiCorpus() throws {
        guard let corpus = Corpus.root else { return }
        let sections = corpus.appendingPathComponent("serial_em/isbi2012_sstem")
        guard FileManager.default.fileExists(atPath: sections.path) else { return }
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("out")
        let r = try CLI.run(["zspacing", sections.path, "-o", out.path, "--preset", "frozen", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        for name in outputs { #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), "\(name)") }
        let summary = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        #expect(summary["sections"] as? Int == 30)
        #expect(summary["sectionShape"] as? [Int] == [512, 512])
        #expect(summary["inputType"] as? String == "uint8")
        let corrected = try ImageIO.open(out.appendingPathComponent("corrected.tif"))
        #expect(corrected.info.shape == [30, 512, 512] && corrected.info.dtype == .uint8)
        // Real ssTEM sections: neighbours are similar, spacing stays within a plausible band.
        let spacing = summary["spacing"] as! [String: Any]
        #expect((spacing["minimum"] as! Double) > 0.1 && (spacing["maximum"] as! Double) < 5)
    }
}
