import Foundation
import ScopeKit
import Testing

/// `scopekit convert` and `scopekit preview` end to end on corpus files: pixels survive a round trip through
/// every output format, outputs are byte-identical for any `--threads`, and existing outputs need `--force`.
@Suite("convert and preview on corpus files")
struct ConvertPreviewCLITests {
    /// Corpus files that cover strips, tiles, LZW, Deflate with predictors, big-endian float and BigTIFF.
    static let inputs = [
        "tiff/generated/wsi_tile_uint16_deflate_hpredictor.tif",
        "tiff/generated/afm_float32_bigendian_uncompressed.tif",
        "tiff/generated/nanog_uint8_tiled256_lzw.tif",
        "tiff/generated/wsi_8tiles_uint16_bigtiff.tif",
    ]

    @Test("convert keeps the pixels: TIFF → NPY, TIFF → Deflate TIFF", arguments: inputs)
    func convertRoundTrip(relative: String) throws {
        guard let root = Corpus.root else { return }
        let input = root.appendingPathComponent(relative)
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let original = try ImageIO.read(input)
        for (name, extra) in [("out.npy", [String]()), ("out.tif", ["--compression", "deflate"])] {
            let output = folder.appendingPathComponent(name)
            let r = try CLI.run(["convert", input.path, output.path, "--quiet"] + extra)
            #expect(r.status == 0, "\(r.stderr)")
            let back = try ImageIO.read(output)
            #expect(back == original, "\(relative) → \(name)")
        }
    }

    @Test("convert output is byte-identical for --threads 1 and 2")
    func convertThreadIdentity() throws {
        guard let root = Corpus.root else { return }
        let input = root.appendingPathComponent("tiff/generated/wsi_8tiles_uint16_multipage.tif")
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var outputs: [Data] = []
        for threads in ["1", "2"] {
            let output = folder.appendingPathComponent("t\(threads).tif")
            let r = try CLI.run(["convert", input.path, output.path, "--dtype", "float32", "--compression", "deflate",
                                 "--threads", threads, "--quiet"])
            #expect(r.status == 0, "\(r.stderr)")
            outputs.append(try Data(contentsOf: output))
        }
        #expect(outputs[0] == outputs[1])
    }

    @Test("convert refuses to overwrite without --force, and leaves the file untouched")
    func convertNeedsForce() throws {
        guard let root = Corpus.root else { return }
        let input = root.appendingPathComponent(Self.inputs[0])
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("out.npy")
        try Data("keep me".utf8).write(to: output)
        let refused = try CLI.run(["convert", input.path, output.path])
        #expect(refused.status != 0)
        #expect(refused.stderr.hasPrefix("scopekit: error: "))
        #expect(try Data(contentsOf: output) == Data("keep me".utf8))
        let forced = try CLI.run(["convert", input.path, output.path, "--force", "--quiet"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(try ImageIO.read(output) == ImageIO.read(input))
    }

    @Test("preview renders a corpus frame to an RGB PNG of the frame's size; same bytes for any --threads")
    func preview() throws {
        guard let root = Corpus.root else { return }
        let input = root.appendingPathComponent("tiff/generated/wsi_8tiles_uint16_multipage.tif")
        let info = try ImageIO.open(input).info
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var bytes: [Data] = []
        for threads in ["1", "2"] {
            let output = folder.appendingPathComponent("p\(threads).png")
            let r = try CLI.run(["preview", input.path, output.path, "--frame", "3", "--mapping", "percentile",
                                 "--colormap", "magma", "--threads", threads, "--quiet"])
            #expect(r.status == 0, "\(r.stderr)")
            let png = try ImageIO.read(output)
            #expect(png.dtype == .uint8)
            #expect(Array(png.shape.prefix(2)) == Array(info.planeShape.prefix(2)))
            #expect(png.shape.last == 3)
            bytes.append(try Data(contentsOf: output))
        }
        #expect(bytes[0] == bytes[1])
    }

    @Test("preview of a frame past the end is a usage error: one line, exit 1, nothing written")
    func previewBadFrame() throws {
        guard let root = Corpus.root else { return }
        let input = root.appendingPathComponent("tiff/generated/wsi_8tiles_uint16_multipage.tif")
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("p.png")
        let r = try CLI.run(["preview", input.path, output.path, "--frame", "99"])
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("scopekit: error: "))
        #expect(r.stderr.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: output.path))
    }
}
