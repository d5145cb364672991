import Foundation
import Testing
import ScopeKitCore
@testable import ScopeKitIO

/// Synthetic PNGs covering every decoder path, against imageio.v3.imread (Pillow 13) and the exact
/// full-precision values (Scripts/fixtures/png.py).
@Suite("PNG reading")
struct PNGReadTests {
    @Test("every synthetic PNG decodes like imageio in compatible mode")
    func imageioCompatible() throws {
        let cases = try PNGFixtures.synthetic()
        #expect(cases.count >= 35)
        for c in cases {
            let image = try PNG.decode(PNGFixtures.bytes(of: c.name), options: PNGReadOptions(imageioCompatible: true))
            #expect(image.shape == c.imageio.shape, "\(c.name)")
            #expect(image.dtype.name == c.imageio.dtype, "\(c.name)")
            #expect(image.integerValues == c.imageio.values, "\(c.name)")
        }
    }

    @Test("the default mode returns full precision (16-bit colour, palette alpha), else equals imageio")
    func exactDefault() throws {
        var differing = 0
        for c in try PNGFixtures.synthetic() {
            let expected = c.exact ?? c.imageio
            if c.exact != nil { differing += 1 }
            let image = try PNG.decode(PNGFixtures.bytes(of: c.name))
            #expect(image.shape == expected.shape, "\(c.name)")
            #expect(image.dtype.name == expected.dtype, "\(c.name)")
            #expect(image.integerValues == expected.values, "\(c.name)")
        }
        #expect(differing == 6)  // rgb16, rgba16, gray_alpha16 ×2, palette with tRNS ×2
    }

    @Test("lazy open reports the shape and dtype of the decoded pixels")
    func lazyInfo() throws {
        for c in try PNGFixtures.synthetic() {
            let file = try PNGFormat().open(RandomAccessFile(PNGFixtures.folder.appendingPathComponent("synthetic/\(c.name).png")))
            let expected = c.exact ?? c.imageio
            #expect(file.info.shape == expected.shape, "\(c.name)")
            #expect(file.info.dtype.name == expected.dtype, "\(c.name)")
            #expect(file.info.planeCount == 1)
            #expect(file.info.formatName == "PNG")
        }
    }

    @Test("pHYs in metres becomes µm per pixel; aspect-only pHYs is ignored")
    func calibration() throws {
        let image = try PNG.decode(PNGFixtures.bytes(of: "metadata"))
        // 2,000,000 px/m along x, 4,000,000 px/m along y (Pillow: dpi 50800 × 101600).
        #expect(image.calibration.axes.map(\.name) == ["y", "x"])
        #expect(abs(image.calibration.axes[1].scale - 0.5) < 1e-12)
        #expect(abs(image.calibration.axes[0].scale - 0.25) < 1e-12)
        #expect(image.calibration.axes[0].unit == "µm" && image.calibration.axes[1].unit == "µm")
        let aspect = try PNG.decode(PNGFixtures.bytes(of: "phys_aspect_only"))
        #expect(aspect.calibration.isIdentity)
        let rgb = try PNG.decode(PNGFixtures.bytes(of: "rgb8"))
        #expect(rgb.calibration.axes.map(\.name) == ["y", "x", "channel"])
    }

    @Test("tEXt, zTXt and iTXt (plain and compressed) become png.<keyword> metadata like Pillow's info")
    func textMetadata() throws {
        let entry = try #require(try PNGFixtures.synthetic().first { $0.name == "metadata" })
        let text = try #require(entry.text)
        #expect(text.count == 4)
        let image = try PNG.decode(PNGFixtures.bytes(of: "metadata"))
        for (key, value) in text {
            #expect(image.metadata["png." + key] == value, "\(key)")
        }
        #expect(image.metadata.count == 4)  // the private ancillary chunk is skipped
    }

    @Test("an ancillary chunk with a bad CRC is skipped (libpng's rule; Pillow rejects the file)")
    func badAncillaryCRC() throws {
        let entry = try #require(try PNGFixtures.synthetic().first { $0.name == "bad_ancillary_crc" })
        #expect(entry.imageioError != nil)
        let image = try PNG.decode(PNGFixtures.bytes(of: entry.name))
        #expect(image.integerValues == entry.imageio.values)
        #expect(image.metadata["png.Broken"] == nil)
    }

    @Test("the ImageFormat recognises PNG by signature, not by name")
    func detection() throws {
        let format = PNGFormat()
        #expect(format.matches(header: try PNGFixtures.bytes(of: "gray8"), fileExtension: "dat"))
        #expect(!format.matches(header: [0x49, 0x49, 0x2A, 0, 8, 0, 0, 0], fileExtension: "png"))
    }
}
