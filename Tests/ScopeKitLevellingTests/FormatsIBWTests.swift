import Foundation
import Testing
import ScopeKitCore
import ScopeKitIO
@testable import ScopeKitLevelling

@Suite("AFM formats: Asylum .ibw")
struct FormatsIBWTests {
    @Test("every channel equals igor2's float64 data × 1e9, flipped as AFMReader; pixel size as AFMReader")
    func parity() throws {
        let cases = AFMReference.cases(withSuffix: ".ibw")
        #expect(cases.count == 6)
        for c in cases {
            // The igor2/AFMReader label (e.g. "HeightTracee") selects the channel through an alias.
            let file = try AFMFormats.open(AFMReference.url(c.file))
            let index = try file.channelIndex(named: c.channel)
            #expect(file.channels[index].name == c.scopekitName)
            let array = try file.read(channel: c.channel)
            // Phase is returned in degrees; the reference (like AFMReader) multiplied it by 1e9.
            let phase = c.scopekitName!.contains("Phase")
            #expect(array.calibration.intensity.unit == (phase ? "deg" : "nm"))
            AFMReference.expectMatches(array, c, tolerance: 1e-15, valueScale: phase ? 1e9 : 1)
            AFMReference.expectScaling(array, c)
        }
    }

    @Test("channel list, default channel and wave metadata")
    func channels() throws {
        let file = try AFMFormats.open(AFMReference.url("nanolocz/Example_ibw.ibw"))
        #expect(file.channels.map(\.name) == ["HeightTrace", "HeightRetrace", "AmplitudeRetrace",
                                              "NapAmplitudeRetrace", "PhaseRetrace", "NapPhaseRetrace"])
        #expect(file.channels[file.defaultChannelIndex].name == "HeightTrace")
        #expect(file.channels[1].direction == .retrace)
        #expect(file.metadata["ibw.FastScanSize"] == "2e-05")
        #expect(file.metadata["ibw.deltaX"]?.hasPrefix("7.84313725") == true)   // 20 µm / 255
        let h = try file.read()
        #expect(h.calibration.axes.map(\.scale) == [78.125, 78.125])
    }

    @Test("truncated and corrupt files throw badInput")
    func robustness() throws {
        let file = "nanolocz/Example_ibw.ibw"
        for length in [1, 63, 200, 383, 400_000, 1_573_247, 1_573_248 + 100] {
            AFMReference.expectBadInput(try AFMReference.damagedCopy(of: file, length: length))
        }
        // npnts no longer matching the dimensions; absurd dimensions; huge note size
        AFMReference.expectBadInput(try AFMReference.damagedCopy(of: file, patch: [(64 + 68, [0xFF, 0xFF, 0xFF, 0x7F])]))
        AFMReference.expectBadInput(try AFMReference.damagedCopy(of: file, patch: [(12, [0xFF, 0xFF, 0xFF, 0x7F])]))
        AFMReference.expectBadInput(try AFMReference.damagedCopy(of: file, patch: [(64 + 16, [0x09, 0x00])]))
    }
}
