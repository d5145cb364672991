import Foundation
import Testing
@testable import ScopeKitIO
import ScopeKitCore

/// Plane layouts beyond the defaults: ImageJ `order=` and OME `TiffData` plane → IFD maps, against what
/// tifffile reads from the same files (`Scripts/fixtures/tiff.py layout`).
@Suite struct TIFFLayoutTests {
    struct Reference: Decodable {
        var shape: [Int]?
        var axes: String?
        var dtype: String?
        var crc32: UInt32?
        var error: String?
    }

    struct References: Decodable {
        var files: [String: Reference]
    }

    static let folder = TIFFTestSupport.fixtures.appendingPathComponent("layout")
    static let references: References = {
        let data = try! Data(contentsOf: folder.appendingPathComponent("layout.json"))
        return try! JSONDecoder().decode(References.self, from: data)
    }()

    @Test("ImageJ order= and OME TiffData files read like tifffile (shape, axes, pixels)",
          arguments: references.files.keys.sorted())
    func readsLikeTifffile(name: String) throws {
        let ref = try #require(Self.references.files[name])
        let url = Self.folder.appendingPathComponent(name)
        if let expected = ref.error {
            let error = #expect(throws: ScopeKitError.self) { try TIFFTestSupport.open(url) }
            #expect(error?.reason.contains(expected) == true, "\(name): \(String(describing: error))")
            #expect(error?.kind == .badInput)
            return
        }
        let file = try TIFFTestSupport.open(url)
        let a = try file.readAll()
        #expect(a.shape == ref.shape, "\(name): shape \(a.shape)")
        #expect(a.dtype.name == ref.dtype)
        let axes = a.calibration.axes.map { $0.name.isEmpty ? "I" : $0.name.uppercased() }.joined()
        #expect(axes == ref.axes, "\(name): axes \(axes)")
        #expect(TIFFTestSupport.crc32(a) == ref.crc32, "\(name): pixels differ from tifffile")
        // Plane by plane gives the same bytes as readAll (mapped and missing planes included).
        let planes = file.info.planeCount
        for k in 0..<planes {
            #expect(TIFFTestSupport.bytes(try file.readPlane(k)) == TIFFTestSupport.bytes(a, plane: k, of: planes),
                    "\(name): plane \(k)")
        }
    }

    /// The first pixel of each plane names the page it came from (1000 · (page + 1)); 0 = no page.
    static func firstPixels(_ name: String) throws -> [UInt16] {
        let a = try TIFFTestSupport.open(folder.appendingPathComponent(name)).readAll()
        guard case .uint16(let u) = a else { return [] }
        return u.withUnsafeBufferPointer { p in stride(from: 0, to: p.count, by: 30).map { p[$0] } }
    }

    @Test func planesFollowTheMapsAndOrders() throws {
        // order=zct: pages run z fastest, then c, then t → [T, C, Z] = [2, 4, 3], pages in file order.
        let zct = try TIFFTestSupport.open(Self.folder.appendingPathComponent("imagej_order_zct.tif"))
        #expect(zct.info.shape == [2, 4, 3, 5, 6])
        #expect(zct.info.calibration.axes.map(\.name) == ["t", "c", "z", "y", "x"])
        #expect(zct.info.metadata["imagej.order"] == "zct")
        #expect(try Self.firstPixels("imagej_order_zct.tif") == (1...24).map { UInt16($0 * 1000) })
        // One TiffData per plane, IFDs reversed.
        #expect(try Self.firstPixels("ome_tiffdata_reversed.ome.tif") == [6000, 5000, 4000, 3000, 2000, 1000])
        // Two blocks with swapped halves (the second block names this file in its UUID).
        #expect(try Self.firstPixels("ome_tiffdata_blocks.ome.tif")
                == [7, 8, 9, 10, 11, 12, 1, 2, 3, 4, 5, 6].map { UInt16($0 * 1000) })
        // A plane without an IFD reads as zeros, with a warning.
        #expect(try Self.firstPixels("ome_tiffdata_missing.ome.tif") == [1000, 0, 2000, 3000])
        let missing = try TIFFTestSupport.open(Self.folder.appendingPathComponent("ome_tiffdata_missing.ome.tif"))
        #expect(missing.info.metadata["tiff.Warning"]?.contains("1 of 4 planes") == true)
    }
}
