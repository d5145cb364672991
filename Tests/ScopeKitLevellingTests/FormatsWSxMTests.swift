import Foundation
import Testing
import ScopeKitCore
import ScopeKitIO
@testable import ScopeKitLevelling

@Suite("AFM formats: WSxM .stp/.top and ImageJ TIFF")
struct FormatsWSxMTests {
    @Test(".stp matches AFMReader load_stp bit for bit")
    func stp() throws {
        let cases = AFMReference.cases(withSuffix: ".stp")
        #expect(cases.count == 1)
        for c in cases {
            let array = try AFMFormats.read(AFMReference.url(c.file))
            AFMReference.expectMatches(array, c, tolerance: 1e-15)
            AFMReference.expectScaling(array, c)
        }
    }

    @Test(".top matches AFMReader load_top up to its integer-truncated Z amplitude")
    func top() throws {
        // AFMReader scales to [0, 59] and [0, 4] where the headers say 59.7449 nm and 4.53125 nm.
        let amplitudes = ["afmreader/sample_0.top": (59.0, 59.7449), "afmreader/sample_1_um_scale.top": (4.0, 4.53125)]
        let cases = AFMReference.cases(withSuffix: ".top")
        #expect(cases.count == 2)
        for c in cases {
            let array = try AFMFormats.read(AFMReference.url(c.file))
            let (truncated, full) = amplitudes[c.file]!
            AFMReference.expectMatches(array, c, tolerance: 1e-14, valueScale: truncated / full)
            AFMReference.expectScaling(array, c)
            #expect(array.elements.max() == full)
        }
    }

    @Test("ImageJ TIFFs open as one Float64 height channel")
    func imageJ() throws {
        let file = try AFMFormats.open(AFMReference.url("nanolocz/LoadImg.tif"))
        #expect(file.channels.map(\.name) == ["Height"])
        let movie = try file.read()
        #expect(movie.shape == [10, 150, 150])
        let tiff = try ImageIO.read(AFMReference.url("nanolocz/LoadImg.tif")).asFloat64()
        #expect(movie.elements == tiff.elements)
        let single = try AFMFormats.read(AFMReference.url("nanolocz/Rotate_test.tif"))
        #expect(single.shape == [658, 658])
    }

    @Test("truncated and corrupt files throw badInput")
    func robustness() throws {
        let file = "afmreader/sample_0.top"
        for length in [10, 60, 2000, 2996, 100_000, 527_283] {
            AFMReference.expectBadInput(try AFMReference.damagedCopy(of: file, length: length))
        }
        // header size larger than the file
        AFMReference.expectBadInput(try AFMReference.damagedCopy(of: file, patch: [(71, Array("9999999".utf8))]))
    }
}
