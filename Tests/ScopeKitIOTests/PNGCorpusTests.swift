import Foundation
import Testing
import ScopeKitCore
@testable import ScopeKitIO

/// Every PNG of the shared corpus (skimage samples, ISBI 2012 ssTEM sections, BaSiC bright-field time-lapse)
/// against imageio.v3.imread: shape, dtype, sum, position-weighted sum and 64 sampled pixels.
@Suite("PNG corpus")
struct PNGCorpusTests {
    @Test("corpus PNGs read exactly like imageio", .enabled(if: PNGFixtures.corpusExists))
    func corpus() throws {
        let entries = try PNGFixtures.corpusEntries()
        #expect(entries.count == 52)
        for entry in entries {
            let image = try PNG.read(PNGFixtures.corpus.appendingPathComponent(entry.path))
            #expect(image.shape == entry.shape, "\(entry.path)")
            #expect(image.dtype.name == entry.dtype, "\(entry.path)")
            let values = try #require(image.integerValues)
            var sum: Int64 = 0, weighted: Int64 = 0
            for (i, v) in values.enumerated() {
                sum += v
                weighted += Int64(i % 1_000_003) * v
            }
            #expect(sum == entry.sum, "\(entry.path)")
            #expect(weighted == entry.weightedSum, "\(entry.path)")
            #expect(entry.positions.map { values[$0] } == entry.values, "\(entry.path)")
        }
    }

    @Test("ihc.png: pHYs 3780 px/m is 264.55 µm per pixel; its XMP iTXt is kept", .enabled(if: PNGFixtures.corpusExists))
    func ihcMetadata() throws {
        let file = try PNGFormat().open(RandomAccessFile(PNGFixtures.corpus.appendingPathComponent("general/skimage/ihc.png")))
        #expect(file.info.shape == [512, 512, 3])
        #expect(abs(file.info.calibration.axes[1].scale - 1e6 / 3780) < 1e-9)
        #expect(file.info.metadata["png.XML:com.adobe.xmp"]?.hasPrefix("<x:xmpmeta") == true)
    }
}
