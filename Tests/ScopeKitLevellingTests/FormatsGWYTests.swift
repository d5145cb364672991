import Foundation
import Testing
import ScopeKitCore
import ScopeKitIO
@testable import ScopeKitLevelling

@Suite("AFM formats: Gwyddion .gwy")
struct FormatsGWYTests {
    @Test("every data field matches AFMReader's values, shaped [yres, xres]")
    func parity() throws {
        let cases = AFMReference.cases(withSuffix: ".gwy")
        #expect(cases.count == 6)
        for c in cases {
            let file = try AFMFormats.open(AFMReference.url(c.file))
            let array = try file.read(channel: c.channel)
            #expect(array.shape == [c.yres!, c.xres!])
            // AFMReader scales every channel by 1e9 (xy unit metres); ScopeKit only metre-valued ones.
            let scale = array.calibration.intensity.unit == "nm" ? 1.0 : 1e9
            AFMReference.expectMatches(array, c, tolerance: 1e-15, valueScale: scale)
            AFMReference.expectScaling(array, c)
        }
    }

    @Test("channels and units; file_square.gwy (unreadable by AFMReader) opens")
    func channels() throws {
        let file = try AFMFormats.open(AFMReference.url("pnanolocz/SBS-PS_example_data.gwy"))
        #expect(file.channels.map(\.name) == ["Topography", "Max Force", "Adhesion", "Stiffness"])
        #expect(file.channels[0].unit == "nm")
        #expect(file.channels[1].unit == "N")
        #expect(file.defaultChannelIndex == 0)
        let square = try AFMFormats.open(AFMReference.url("topostats/file_square.gwy"))
        #expect(square.channels.map(\.name) == ["Left_Top_Right_Bottom"])
    }

    @Test("truncated and corrupt files throw badInput")
    func robustness() throws {
        let file = "topostats/file_landscape.gwy"
        for length in [3, 10, 40, 1000, 150_000, 299_880] {
            AFMReference.expectBadInput(try AFMReference.damagedCopy(of: file, length: length))
        }
        AFMReference.expectBadInput(try AFMReference.damagedCopy(of: file, patch: [(17, [0xFF, 0xFF, 0xFF, 0xFF])]))
    }
}
