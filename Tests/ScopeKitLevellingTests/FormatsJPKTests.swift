import Foundation
import Testing
import ScopeKitCore
import ScopeKitIO
@testable import ScopeKitLevelling

@Suite("AFM formats: JPK")
struct FormatsJPKTests {
    @Test("every channel matches AFMReader load_jpk bit for bit, with its pixel size")
    func parity() throws {
        let cases = AFMReference.cases.filter { $0.reader == "AFMReader.jpk.load_jpk" && $0.error == nil }
        #expect(cases.count == 18)
        for c in cases {
            let array = try AFMFormats.read(AFMReference.url(c.file), channel: c.scopekitName ?? c.channel)
            AFMReference.expectMatches(array, c, tolerance: 1e-15)
            AFMReference.expectScaling(array, c)
        }
    }

    @Test("channels and default channel")
    func channels() throws {
        let file = try AFMFormats.open(AFMReference.url("afmreader/sample_0.jpk"))
        #expect(file.channels.count == 10)
        #expect(file.channels[file.defaultChannelIndex].name == "height_trace")
        #expect(file.channels[0].name == "height_retrace")
        #expect(file.channels[0].unit == "nm")
        let qi = try AFMFormats.open(AFMReference.url("afmreader/sample_0.jpk-qi-image"))
        #expect(qi.channels.map(\.name) == ["measuredHeight_trace", "vDeflection_trace", "measuredHeight_trace_2",
                                            "adhesion_trace", "height_trace", "slope_trace"])
        #expect(qi.channels[qi.defaultChannelIndex].name == "height_trace")
    }

    @Test("truncated and corrupt files throw badInput")
    func robustness() throws {
        let file = "afmreader/sample_0.jpk-qi-image"
        for length in [3, 8, 100, 2000, 150_000, 290_000] {
            AFMReference.expectBadInput(try AFMReference.damagedCopy(of: file, length: length), channel: "slope_trace")
        }
        AFMReference.expectBadInput(try AFMReference.damagedCopy(of: file, patch: [(4, [0x7F, 0xFF, 0xFF, 0x00])]))
    }
}
