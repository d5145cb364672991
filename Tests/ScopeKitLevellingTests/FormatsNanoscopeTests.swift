import Foundation
import Testing
import ScopeKitCore
import ScopeKitIO
@testable import ScopeKitLevelling

@Suite("AFM formats: Bruker Nanoscope")
struct FormatsNanoscopeTests {
    @Test("every channel matches AFMReader load_spm (pySPM) bit for bit, with its pixel size")
    func parity() throws {
        let cases = AFMReference.cases.filter { $0.reader == "AFMReader.spm.load_spm" }
        #expect(cases.count == 10)
        for c in cases {
            let array = try AFMFormats.read(AFMReference.url(c.file), channel: c.channel)
            AFMReference.expectMatches(array, c, tolerance: 1e-15)
            AFMReference.expectScaling(array, c)
        }
    }

    @Test("channels, units, default channel")
    func channels() throws {
        let file = try AFMFormats.open(AFMReference.url("nanolocz/FastScan_series/09261606.001"))
        #expect(file.formatName == "Bruker Nanoscope")
        #expect(file.channels.map(\.name) == ["Height Sensor", "Amplitude", "Phase"])
        #expect(file.channels.map(\.unit) == ["nm", "nm", "deg"])
        #expect(file.channels[0].direction == .retrace)
        #expect(file.defaultChannelIndex == 0)
        #expect(file.channels[0].shape == [486, 768])
        let old = try AFMFormats.open(AFMReference.url("topostats/old_bruker.002"))
        #expect(old.channels.map(\.name) == ["Height"])
        #expect(try old.read().calibration.axes[0].scale == 15000.0 / 256)
    }

    @Test("truncated and corrupt files throw badInput")
    func robustness() throws {
        let file = "topostats/old_bruker.002"
        for length in [5, 4000, 12_000, 40_960, 100_000, 171_000] {
            AFMReference.expectBadInput(try AFMReference.damagedCopy(of: file, length: length))
        }
    }
}
