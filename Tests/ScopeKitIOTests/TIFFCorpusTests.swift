import Foundation
import Testing
@testable import ScopeKitIO
import ScopeKitCore

/// Every TIFF of the shared corpus and every synthetic fixture reads like `tifffile.imread`.
@Suite struct TIFFCorpusTests {
    static func check(_ url: URL, _ ref: TIFFTestSupport.Reference, name: String) {
        do {
            let file = try TIFFTestSupport.open(url)
            let a = try file.readAll()
            if let expected = ref.error {
                Issue.record("\(name): read, expected error \(expected)")
                return
            }
            #expect(a.shape == ref.shape, "\(name): shape \(a.shape) vs \(ref.shape)")
            #expect(a.dtype.name == ref.dtype, "\(name): dtype \(a.dtype) vs \(ref.dtype)")
            let crc = TIFFTestSupport.crc32(a)
            #expect(crc == ref.crc32, "\(name): crc32 differs")
            if crc != ref.crc32, let s = ref.sum {
                let sum = TIFFTestSupport.checksum(a).sum
                Issue.record("\(name): sum \(sum) vs tifffile \(s)")
            }
            Self.checkCalibration(a.calibration, ref, name: name)
            // Reading plane by plane gives the same bytes as readAll.
            if file.info.planeCount > 1 {
                let last = file.info.planeCount - 1
                let plane = try file.readPlane(last)
                #expect(plane.shape == file.info.planeShape)
                #expect(TIFFTestSupport.bytes(plane) == TIFFTestSupport.bytes(a, plane: last, of: file.info.planeCount),
                        "\(name): readPlane(\(last)) differs from readAll")
            }
        } catch let error as ScopeKitError {
            if let expected = ref.error {
                #expect(error.reason.contains(expected), "\(name): \(error.reason)")
                #expect(error.kind == .badInput)
            } else {
                Issue.record("\(name): \(error)")
            }
        } catch {
            Issue.record("\(name): \(error)")
        }
    }

    /// The x pixel size follows from the tags tifffile reports (rule documented in TIFFCalibration).
    static func checkCalibration(_ c: Calibration, _ ref: TIFFTestSupport.Reference, name: String) {
        guard let x = c.axes.last(where: { $0.name == "x" }) else { Issue.record("\(name): no x axis"); return }
        let unit = ref.imagej_unit.map(TIFFCalibration.normalizedUnit) ?? ""
        if let res = ref.xresolution, !unit.isEmpty, unit != "px" {
            #expect(abs(x.scale - 1 / res) < 1e-9 * x.scale && x.unit == unit, "\(name): x \(x)")
        } else if let res = ref.xresolution, ref.resolutionUnit == 3 {
            #expect(abs(x.scale - 1e4 / res) < 1e-9 * x.scale && x.unit == "µm", "\(name): x \(x)")
        } else if let res = ref.xresolution, ref.resolutionUnit ?? 2 == 2 {
            #expect(abs(x.scale - 25_400 / res) < 1e-9 * x.scale && x.unit == "µm", "\(name): x \(x)")
        } else if !name.contains(".ome.") {
            #expect(x.isIdentity, "\(name): x \(x)")
        }
        if let spacing = ref.imagej_spacing, let z = c.axes.first(where: { $0.name == "z" }) {
            #expect(abs(z.scale - spacing) < 1e-12, "\(name): z \(z)")
        }
    }

    @Test func omeCalibrationComesFromPhysicalSizes() throws {
        guard let corpus = TIFFTestSupport.corpus else { return }
        let a = try TIFFTestSupport.open(corpus.appendingPathComponent("tiff/generated/isbi_sstem_uint8_zyx.ome.tif"))
        #expect(a.info.formatName == "OME-TIFF")
        #expect(a.info.calibration.axes.map(\.name) == ["z", "y", "x"])
        #expect(a.info.calibration.axes.map(\.scale) == [0.05, 0.004, 0.004])
        #expect(a.info.calibration.axes.map(\.unit) == ["µm", "µm", "µm"])
        let lls = try TIFFTestSupport.open(corpus.appendingPathComponent("tiff/generated/lls_uint16_imagej_hyperstack_tifffile.tif"))
        #expect(lls.info.calibration.axes.map(\.name) == ["t", "z", "c", "y", "x"])
        #expect(lls.info.calibration.axes[1].scale == 0.3 && lls.info.calibration.axes[1].unit == "µm")
        #expect(abs(lls.info.calibration.axes[4].scale - 0.1449922) < 1e-9)
        #expect(lls.info.metadata["tiff.Series"] == "imagej")
        // Palette: indices as stored, colour map in the metadata.
        let sem = try TIFFTestSupport.open(corpus.appendingPathComponent("tiff/rosettasciio/test_tiff_Zeiss_SEM_512pix.tif"))
        #expect(sem.info.metadata["tiff.Photometric"] == "palette")
        #expect(sem.info.metadata["tiff.ColorMap"]?.split(separator: " ").count == 768)
    }

    @Test func imageJContiguousPlanesAreReadLazily() throws {
        let url = TIFFTestSupport.fixtures.appendingPathComponent("imagej_contiguous_uint16.tif")
        let file = try TIFFTestSupport.open(url)
        #expect(file.info.shape == [4, 6, 5])
        #expect(file.info.metadata["tiff.Pages"] == "1")
        let all = try file.readAll()
        #expect(TIFFTestSupport.bytes(try file.readPlane(3)) == TIFFTestSupport.bytes(all, plane: 3, of: 4))
        #expect(file.info.calibration.axes[0].scale == 2 && file.info.calibration.axes[2].scale == 0.25)
    }

    @Test func corpusMatchesTifffile() throws {
        guard let corpus = TIFFTestSupport.corpus else { return }
        let refs = TIFFTestSupport.references.corpus
        #expect(refs.count >= 100)
        var flatfield = 0
        for (name, ref) in refs.sorted(by: { $0.key < $1.key }) {
            // The 83 BaSiCPy flat-field files are alike: check one in eight to keep debug runs short.
            if name.hasPrefix("flatfield/") {
                flatfield += 1
                if flatfield % 8 != 1 { continue }
            }
            Self.check(corpus.appendingPathComponent(name), ref, name: name)
        }
    }

    @Test func syntheticFixturesMatchTifffile() throws {
        for (name, ref) in TIFFTestSupport.references.synthetic.sorted(by: { $0.key < $1.key }) {
            Self.check(TIFFTestSupport.fixtures.appendingPathComponent(name), ref, name: name)
        }
    }
}
