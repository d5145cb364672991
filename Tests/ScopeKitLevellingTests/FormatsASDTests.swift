import Foundation
import Testing
import ScopeKitCore
import ScopeKitIO
@testable import ScopeKitLevelling

@Suite("AFM formats: HS-AFM .asd")
struct FormatsASDTests {
    @Test("every frame of both channels matches AFMReader load_asd bit for bit")
    func parity() throws {
        let cases = AFMReference.cases(withSuffix: ".asd")
        #expect(cases.count == 6)
        for c in cases {
            let array = try AFMFormats.read(AFMReference.url(c.file), channel: c.channel)
            AFMReference.expectMatches(array, c, tolerance: 1e-15)
            AFMReference.expectScaling(array, c)
            #expect(array.calibration.axes[0].unit == "s")
            #expect(array.calibration.axes[0].scale == c.frameTime! / 1000)
        }
    }

    @Test("channels, default channel, metadata and lazy frames")
    func channels() throws {
        let url = AFMReference.url("pnanolocz/202110200146.asd")
        let file = try AFMFormats.open(url)
        #expect(file.formatName == "HS-AFM ASD")
        #expect(file.channels.map(\.name) == ["TP", "PH"])
        #expect(file.channels.map(\.unit) == ["nm", "deg"])
        #expect(file.channels[0].shape == [2, 250, 250])
        #expect(file.defaultChannelIndex == 0)
        #expect(try file.channelIndex(named: "topography") == 0)
        #expect(file.metadata["asd.frames"] == "2")
        #expect(file.metadata["asd.scanSize"] == "159 x 159 nm")
        let image = try file.open(channel: "PH")
        #expect(image.info.shape == [2, 250, 250])
        #expect(image.info.calibration.intensity.unit == "deg")
        let all = try file.read(channel: "PH")
        guard case .float64(let second) = try image.readPlane(1) else { Issue.record("dtype"); return }
        #expect(second.shape == [250, 250])
        #expect(second.elements == all.frame(1).elements)
        #expect(throws: ScopeKitError.self) { try file.read(channel: "XX") }
    }

    @Test("registered with ImageIO, detected by content even without the extension")
    func registry() throws {
        AFMFormats.registerAll()
        let renamed = try AFMReference.damagedCopy(of: "pnanolocz/202110200128.asd", name: "movie.dat")
        let viaImageIO = try ImageIO.read(renamed)
        let direct = try AFMFormats.read(AFMReference.url("pnanolocz/202110200128.asd"))
        #expect(viaImageIO == .float64(direct))
    }

    @Test("truncated and corrupt files throw badInput")
    func robustness() throws {
        let file = "pnanolocz/202110200146.asd"
        for length in [3, 30, 100, 173, 174, 500_301] {
            AFMReference.expectBadInput(try AFMReference.damagedCopy(of: file, length: length))
        }
        // absurd frame count and pixel counts, unknown A/D range, unknown version
        AFMReference.expectBadInput(try AFMReference.damagedCopy(of: file, patch: [(36, [0xFF, 0xFF, 0xFF, 0x7F])]))
        AFMReference.expectBadInput(try AFMReference.damagedCopy(of: file, patch: [(48, [0xFF, 0xFF, 0xFF, 0x7F]),
                                                                                  (52, [0xFF, 0xFF, 0xFF, 0x7F])]))
        AFMReference.expectBadInput(try AFMReference.damagedCopy(of: file, patch: [(52, [0, 0, 0, 0x80])]))
        AFMReference.expectBadInput(try AFMReference.damagedCopy(of: file, patch: [(133, [9, 9, 0, 0])]))
        AFMReference.expectBadInput(try AFMReference.damagedCopy(of: file, patch: [(0, [7, 0, 0, 0])], name: "x.asd"))
    }
}
