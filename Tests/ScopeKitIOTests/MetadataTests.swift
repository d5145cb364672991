import Foundation
import Testing
import ScopeKitTestSupport
import ScopeKitCore
@testable import ScopeKitIO

enum MetadataFixtures {
    static let folder = TestPaths.fixtures("metadata")
    nonisolated(unsafe) static let expected: [String: Any] = {
        let data = try! Data(contentsOf: folder.appendingPathComponent("expected.json"))
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }()
    static func text(_ name: String) -> String {
        try! String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
    }
    /// `<tmp>/scopekit-metadata-verify` (or `$SCOPEKIT_METADATA_VERIFY_DIR`) for `metadata.py verify`.
    static let verifyFolder: URL = {
        let path = ProcessInfo.processInfo.environment["SCOPEKIT_METADATA_VERIFY_DIR"]
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("scopekit-metadata-verify").path
        let url = URL(fileURLWithPath: path)
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()
}

/// Drops size-1 axes except Y and X, as tifffile's series do.
func squeezed(_ shape: [Int], _ axes: String) -> (shape: [Int], axes: String) {
    var s: [Int] = [], a = ""
    for (n, c) in zip(shape, axes.uppercased()) where n > 1 || c == "Y" || c == "X" {
        s.append(n)
        a.append(c)
    }
    return (s, a)
}

@Suite("ImageJ metadata")
struct ImageJMetadataTests {
    static let files = (MetadataFixtures.expected["imagej"] as! [String: Any]).keys.sorted()

    @Test("corpus ImageJ descriptions parse like tifffile and give tifffile's series shape and axes", arguments: files)
    func corpus(name: String) throws {
        let spec = (MetadataFixtures.expected["imagej"] as! [String: Any])[name] as! [String: Any]
        let meta = spec["metadata"] as! [String: Any]
        let ij = try #require(ImageJMetadata.parse(MetadataFixtures.text(name + ".txt")))
        #expect(ij.version == meta["ImageJ"] as? String)
        #expect(ij.images == meta["images"] as? Int)
        #expect(ij.channels == meta["channels"] as? Int)
        #expect(ij.slices == meta["slices"] as? Int)
        #expect(ij.frames == meta["frames"] as? Int)
        #expect(ij.hyperstack == meta["hyperstack"] as? Bool)
        #expect(ij.loop == meta["loop"] as? Bool)
        #expect(ij.mode == meta["mode"] as? String)
        #expect(ij.unit == meta["unit"] as? String)
        #expect(ij.spacing == (meta["spacing"] as? NSNumber)?.doubleValue)
        #expect(ij.finterval == (meta["finterval"] as? NSNumber)?.doubleValue)
        #expect(ij.min == (meta["min"] as? NSNumber)?.doubleValue)
        #expect(ij.max == (meta["max"] as? NSNumber)?.doubleValue)
        let layout = ij.layout(planeShape: spec["pageShape"] as! [Int], pageCount: spec["pages"] as! Int)
        #expect(layout.shape == spec["shape"] as! [Int], "\(name)")
        #expect(layout.axes == spec["axes"] as! String, "\(name)")
    }

    @Test("the lls hyperstack is [2, 501, 3, 11, 13] TZCYX; units are normalised")
    func hyperstackAndUnits() throws {
        let ij = try #require(ImageJMetadata.parse(MetadataFixtures.text("imagej_lls_uint16_imagej_hyperstack_tifffile.txt")))
        #expect(ij.shape(forPlaneShape: [11, 13], pageCount: 3006) == [2, 501, 3, 11, 13])
        #expect(ij.axes(forPlaneShape: [11, 13], pageCount: 3006) == "TZCYX")
        #expect(ij.physicalUnit == "µm" && ij.spacing == 0.3)
        let cal = ij.axisCalibrations(axes: "TZCYX", pixelWidth: 0.145, pixelHeight: 0.15)
        #expect(cal.map(\.name) == ["t", "z", "c", "y", "x"])
        #expect(cal[0].isIdentity && cal[2].isIdentity)
        #expect(cal[1] == AxisCalibration(name: "z", scale: 0.3, unit: "µm"))
        #expect(cal[3] == AxisCalibration(name: "y", scale: 0.15, unit: "µm") && cal[4].scale == 0.145)
        let brain = try #require(ImageJMetadata.parse(MetadataFixtures.text("imagej_C3-BrainSection0036.txt")))
        #expect(brain.unit == "\\u00B5m" && brain.physicalUnit == "µm")
        let psf = try #require(ImageJMetadata.parse(MetadataFixtures.text("imagej_napari_lattice_zeiss_simulated_psf488.txt")))
        #expect(psf.physicalUnit == "µm")
        let napari = try #require(ImageJMetadata.parse(MetadataFixtures.text("imagej_napari_lattice_multich_multi_time.txt")))
        #expect(napari.physicalUnit == nil && napari.finterval == 1 && napari.mode == "color")
        #expect(ImageJMetadata.normalizedUnit("nm") == "nm" && ImageJMetadata.normalizedUnit(" ") == nil)
        #expect(ImageJMetadata.normalizedUnit("\\u00c5") == "Å")
        var micron = try ImageJMetadata(shape: [3, 4, 5], axes: "ZYX")
        micron.unit = "µm"
        #expect(micron.description().contains("\nunit=\\u00B5m\n"))
        #expect(ImageJMetadata.parse(micron.description())?.physicalUnit == "µm")
        // Pages beyond T·Z·C, and a plain stack without counts.
        let bare = ImageJMetadata.parse("ImageJ=1.53\n")!
        #expect(bare.layout(planeShape: [4, 5], pageCount: 7) == ([7, 4, 5], "IYX"))
        #expect(bare.layout(planeShape: [4, 5, 3], pageCount: 1) == ([4, 5, 3], "YXS"))
    }

    @Test("order= sets the axis order of the pages (tifffile's _series_imagej table)")
    func planeOrders() throws {
        // frames 2, slices 3, channels 4: the leading axes are the order reversed.
        let want = ["czt": ([2, 3, 4], "TZC"), "ctz": ([3, 2, 4], "ZTC"), "zct": ([2, 4, 3], "TCZ"),
                    "ztc": ([4, 2, 3], "CTZ"), "tcz": ([3, 4, 2], "ZCT"), "tzc": ([4, 3, 2], "CZT"),
                    "xyz": ([2, 3, 4], "TZC")]
        for (order, (shape, axes)) in want {
            let ij = try #require(ImageJMetadata.parse(
                "ImageJ=1.11a\nimages=24\nchannels=4\nslices=3\nframes=2\nhyperstack=true\norder=\(order)\n"))
            #expect(ij.layout(planeShape: [5, 6], pageCount: 24) == (shape + [5, 6], axes + "YX"), "\(order)")
            let pages = try #require(ij.pageAxes(samples: 1, separateSamples: false, pageCount: 24))
            #expect(pages.images == 24 && pages.axes.map(\.size) == shape)
        }
        // Separate samples standing for the channels drop C when it is the fastest axis, else no layout.
        let rgb = try #require(ImageJMetadata.parse("ImageJ=1.11a\nimages=2\nchannels=3\nslices=2\norder=zct\n"))
        #expect(rgb.pageAxes(samples: 3, separateSamples: true, pageCount: 2) == nil)
        let czt = try #require(ImageJMetadata.parse("ImageJ=1.11a\nimages=2\nchannels=3\nslices=2\n"))
        #expect(czt.pageAxes(samples: 3, separateSamples: true, pageCount: 2)?.axes.map(\.letter) == ["T", "Z"])
    }

    @Test("non-ImageJ text gives nil; odd lines are kept or skipped, never crash")
    func parsing() throws {
        #expect(ImageJMetadata.parse("") == nil)
        #expect(ImageJMetadata.parse("{\"shape\": [5, 201, 199]}") == nil)
        #expect(ImageJMetadata.parse(MetadataFixtures.text("ome_lls_uint16_tzcyx.xml")) == nil)
        let odd = try #require(ImageJMetadata.parse("ImageJ=1.54f\r\nimages=abc\nno equals\nfps=7\n spacing = 2.5 \nxorigin=3\nimages=99999999999999999999999\n"))
        #expect(odd.images == nil && odd.spacing == 2.5)
        #expect(odd.other.keys == ["images", "fps", "xorigin"])
        #expect(odd.other["fps"] == "7" && odd.other["images"] == "99999999999999999999999")
        // Writing is stable: defaults become explicit once, then text and fields are reproduced.
        let text = odd.description()
        #expect(ImageJMetadata.parse(text)?.description() == text)
        #expect(text.hasSuffix("spacing=2.5\nimages=99999999999999999999999\nfps=7\nxorigin=3\n"))
    }

    @Test("description() equals tifffile.imagej_description string for string")
    func description() throws {
        let cases = MetadataFixtures.expected["imagej_descriptions"] as! [[String: Any]]
        #expect(cases.count == 7)
        for (k, c) in cases.enumerated() {
            let shape = c["shape"] as! [Int]
            let axes = c["axes"] as? String ?? String("TZCYX".suffix(shape.count))
            var ij = try ImageJMetadata(shape: shape, axes: axes)
            let meta = c["meta"] as! [String: Any]
            if let v = meta["mode"] as? String { ij.mode = v }
            if let v = meta["loop"] as? Bool { ij.loop = v }
            if let v = meta["unit"] as? String { ij.unit = v }
            if let v = meta["spacing"] as? Double { ij.spacing = v }
            if let v = meta["finterval"] as? Double { ij.finterval = v }
            if let v = meta["min"] as? Double { ij.min = v }
            if let v = meta["max"] as? Double { ij.max = v }
            #expect(ij.description() == c["description"] as! String, "case \(k)")
            let reparsed = try #require(ImageJMetadata.parse(ij.description()))
            #expect(reparsed.description() == ij.description(), "round trip \(k)")
            #expect(reparsed.images == ij.images && reparsed.spacing == ij.spacing && reparsed.unit == ij.unit)
            // Written files read back through tifffile (metadata.py verify).
            let page = Array(shape.suffix(2))
            let pages = shape.dropLast(2).reduce(1, *)
            let layout = ij.layout(planeShape: page, pageCount: pages)
            #expect(layout == squeezed(shape, axes), "layout \(k)")
            let stem = "imagej_case\(k)"
            try ij.description().write(to: MetadataFixtures.verifyFolder.appendingPathComponent(stem + ".imagej.txt"),
                                       atomically: true, encoding: .utf8)
            let spec: [String: Any] = ["shape": layout.shape, "axes": layout.axes, "dtype": "uint16"]
            try JSONSerialization.data(withJSONObject: spec)
                .write(to: MetadataFixtures.verifyFolder.appendingPathComponent(stem + ".json"))
        }
        #expect(throws: ScopeKitError.self) { try ImageJMetadata(shape: [3, 4, 5], axes: "ZTY") }
        #expect(throws: ScopeKitError.self) { try ImageJMetadata(shape: [3, 4], axes: "YXS") }
        #expect(throws: ScopeKitError.self) { try ImageJMetadata(shape: [4, 5, 2], axes: "YXS") }
    }
}

@Suite("OME metadata")
struct OMEMetadataTests {
    static let files = (MetadataFixtures.expected["ome"] as! [String: Any]).keys.sorted()

    @Test("OME-XML from the corpus and from tifffile gives tifffile's series 0 shape, axes and dtype", arguments: files)
    func corpus(name: String) throws {
        let spec = (MetadataFixtures.expected["ome"] as! [String: Any])[name] as! [String: Any]
        let ome = try #require(try OMEMetadata.parse(MetadataFixtures.text(name + ".xml")))
        #expect(ome.shape == spec["shape"] as! [Int], "\(name)")
        #expect(ome.axes == spec["axes"] as! String, "\(name)")
        #expect(ome.dtype?.name == spec["dtype"] as? String)
        #expect(ome.imageCount == spec["series"] as? Int)
        #expect(ome.planeCount == spec["pages"] as? Int)
    }

    @Test("physical sizes, units, time increment")
    func physicalSizes() throws {
        let lls = try #require(try OMEMetadata.parse(MetadataFixtures.text("ome_lls_uint16_tzcyx.xml")))
        #expect(lls.dimensionOrder == "XYCZT" && lls.sizeZ == 501 && lls.sizeC == 3 && lls.sizeT == 2)
        #expect(lls.physicalSizeX == .init(0.1449922, "µm") && lls.physicalSizeZ == .init(0.3, "µm"))
        #expect(lls.axisCalibrations.map(\.name) == ["t", "z", "c", "y", "x"])
        #expect(lls.axisCalibrations[1].scale == 0.3 && lls.axisCalibrations[4].unit == "µm")
        let isbi = try #require(try OMEMetadata.parse(MetadataFixtures.text("ome_isbi_sstem_uint8_zyx.xml")))
        #expect(isbi.physicalSizeY == .init(0.004, "µm") && isbi.physicalSizeZ == .init(0.05, "µm"))
        let zcyx = try #require(try OMEMetadata.parse(MetadataFixtures.text("ome_tifffile_zcyx.xml")))
        #expect(zcyx.physicalSizeX == .init(0.1, "nm"))
        let tyx = try #require(try OMEMetadata.parse(MetadataFixtures.text("ome_tifffile_tyx.xml")))
        #expect(tyx.timeIncrement == .init(0.25, "s"))
        let rgb = try #require(try OMEMetadata.parse(MetadataFixtures.text("ome_tifffile_yxs.xml")))
        #expect(rgb.samplesPerPixel == 3 && rgb.sizeC == 3 && rgb.planeCount == 1)
    }

    @Test("Bio-Formats-style XML: prefixes, comments, CDATA, entities, two images")
    func bioFormatsStyle() throws {
        let want = MetadataFixtures.expected["ome_bioformats_style"] as! [String: Any]
        let ome = try #require(try OMEMetadata.parse(MetadataFixtures.text("ome_bioformats_style.xml")))
        #expect(ome.imageCount == want["imageCount"] as? Int)
        #expect(ome.dimensionOrder == want["dimensionOrder"] as? String && ome.pixelType == want["type"] as? String)
        #expect(ome.imageName == want["imageName"] as? String)
        #expect(ome.channelNames == (want["channelNames"] as! [String]).map { Optional($0) })
        #expect(ome.physicalSizeX == .init(65.5, "nm") && ome.physicalSizeZ == .init(0.2, "µm"))
        #expect(ome.timeIncrement == .init(1.5, "s"))
        #expect(ome.shape == want["shape"] as! [Int] && ome.axes == want["axes"] as? String)
        #expect(ome.sizeX == 64 && ome.sizeY == 48 && ome.sizeZ == 5 && ome.sizeC == 2 && ome.sizeT == 3)
    }

    @Test("TiffData elements map planes to IFDs (OME schema defaults; UUIDs of this and other files)")
    func tiffDataMaps() throws {
        func ome(_ tiffData: String, order: String = "XYZCT", z: Int = 3, c: Int = 2, t: Int = 1,
                 uuid: String = "") throws -> OMEMetadata {
            let root = uuid.isEmpty ? "<OME>" : "<OME UUID=\"\(uuid)\">"
            return try #require(try OMEMetadata.parse(root + "<Image><Pixels DimensionOrder=\"\(order)\" Type=\"uint8\" "
                + "SizeX=\"2\" SizeY=\"2\" SizeZ=\"\(z)\" SizeC=\"\(c)\" SizeT=\"\(t)\">\(tiffData)</Pixels></Image></OME>"))
        }
        // No TiffData: plane k is IFD k. A bare TiffData maps every IFD from plane 0.
        #expect(try ome("").planeIFDs(pageCount: 6) == [0, 1, 2, 3, 4, 5])
        #expect(try ome("<TiffData/>").planeIFDs(pageCount: 4) == [0, 1, 2, 3, nil, nil])
        // IFD without PlaneCount is one plane; FirstZ/FirstC index the plane in DimensionOrder (Z fastest).
        let single = try ome("<TiffData IFD=\"4\" FirstZ=\"1\" FirstC=\"1\"/><TiffData IFD=\"0\" PlaneCount=\"2\"/>")
        #expect(single.tiffData[0] == OMEMetadata.TiffData(ifd: 4, firstZ: 1, firstC: 1))
        #expect(try single.planeIFDs(pageCount: 6) == [0, 1, nil, nil, 4, nil])
        // Runs stop at the end of the file; out-of-range first planes are ignored; extra planes dropped.
        #expect(try ome("<TiffData IFD=\"3\" PlaneCount=\"5\"/><TiffData FirstZ=\"7\" IFD=\"0\"/>")
            .planeIFDs(pageCount: 5) == [3, 4, nil, nil, nil, nil])
        #expect(try ome("<TiffData IFD=\"0\" PlaneCount=\"9\"/>").planeIFDs(pageCount: 9) == Array(0..<6))
        // A UUID naming this file (by name or by the document UUID) is fine; another file is an error.
        let named = try ome("<TiffData IFD=\"1\" PlaneCount=\"6\"><UUID FileName=\"A.ome.tif\">urn:uuid:x</UUID></TiffData>")
        #expect(named.tiffData[0].uuid == "urn:uuid:x" && named.tiffData[0].fileName == "A.ome.tif")
        #expect(try named.planeIFDs(pageCount: 7, fileName: "a.OME.tif") == Array(1...6))
        let byUUID = try ome("<TiffData><UUID FileName=\"old.ome.tif\">urn:uuid:x</UUID></TiffData>", uuid: "urn:uuid:x")
        #expect(try byUUID.planeIFDs(pageCount: 6, fileName: "renamed.ome.tif") == Array(0..<6))
        let other = expectBadInput("multi-file") {
            _ = try named.planeIFDs(pageCount: 7, fileName: "B.ome.tif")
        }
        #expect(other?.contains("multi-file OME-TIFF") == true && other?.contains("A.ome.tif") == true)
        // The Bio-Formats fixture's first image maps 30 planes from IFD 0.
        let bf = try #require(try OMEMetadata.parse(MetadataFixtures.text("ome_bioformats_style.xml")))
        #expect(bf.uuid == "urn:uuid:00000000-0000-0000-0000-000000000001")
        #expect(bf.tiffData == [OMEMetadata.TiffData(ifd: 0, planeCount: 30)])
        #expect(try bf.planeIFDs(pageCount: 31) == Array(0..<30))
    }

    @Test("non-OME text gives nil; broken OME throws badInput")
    func robustness() throws {
        #expect(try OMEMetadata.parse("") == nil)
        #expect(try OMEMetadata.parse("ImageJ=1.11a\nimages=3\n") == nil)
        #expect(try OMEMetadata.parse("<?xml version=\"1.0\"?><root><Pixels SizeX=\"1\"/></root>") == nil)
        #expect(try OMEMetadata.parse("<OME><BinaryOnly MetadataFile=\"x.companion.ome\" UUID=\"u\"/></OME>") == nil)
        let pixels = "<OME><Image><Pixels DimensionOrder=\"XYZCT\" Type=\"uint8\" SizeX=\"4\" SizeY=\"3\" SizeZ=\"1\" SizeC=\"1\" SizeT=\"1\""
        #expect(try OMEMetadata.parse(pixels + "/></Image></OME>")?.shape == [3, 4])
        let broken: [(String, String)] = [
            (pixels.replacingOccurrences(of: "SizeX=\"4\"", with: "SizeX=\"four\"") + "/></Image></OME>", "SizeX"),
            (pixels.replacingOccurrences(of: "SizeY=\"3\"", with: "") + "/></Image></OME>", "lacks SizeY"),
            (pixels.replacingOccurrences(of: "SizeZ=\"1\"", with: "SizeZ=\"-2\"") + "/></Image></OME>", "SizeZ"),
            (pixels.replacingOccurrences(of: "SizeT=\"1\"", with: "SizeT=\"99999999999\"") + "/></Image></OME>", "SizeT"),
            (pixels.replacingOccurrences(of: "XYZCT", with: "XYZZT") + "/></Image></OME>", "DimensionOrder"),
            (pixels.replacingOccurrences(of: "Type=\"uint8\" ", with: "") + "/></Image></OME>", "Type"),
            (pixels + " PhysicalSizeX=\"abc\"/></Image></OME>", "PhysicalSizeX"),
            (pixels + "><Channel SamplesPerPixel=\"2\"/></Pixels></Image></OME>", "SamplesPerPixel"),
            (pixels, "unterminated"),
            ("<OME><Image><Pixels SizeX=\"4 /></Image></OME>", "unterminated attribute"),
            ("<OME><Image><Pixels SizeX=4/></Image></OME>", "not quoted"),
            ("<OME><!-- open comment", "comment"),
        ]
        for (xml, keyword) in broken {
            let reason = expectBadInput(keyword) { _ = try OMEMetadata.parse(xml) }
            #expect(reason?.contains(keyword) == true, "\(keyword): \(reason ?? "nil")")
        }
        // Deep nesting and junk do not crash.
        let deep = "<OME>" + String(repeating: "<a>", count: 100_000) + "</OME>"
        #expect(try OMEMetadata.parse(deep) == nil)
    }

    @Test("xml(shape:axes:dtype:calibration:) round-trips through the parser (and tifffile, via verify)")
    func writing() throws {
        let cases: [(shape: [Int], axes: String, dtype: DType)] = [
            ([2, 5, 3, 6, 7], "TZCYX", .uint16), ([4, 6, 7], "ZYX", .float32), ([3, 6, 7], "CYX", .uint8),
            ([6, 7], "YX", .int16), ([6, 7, 3], "YXS", .uint8), ([3, 2, 6, 7], "TCYX", .float64),
            ([2, 3, 6, 7], "ZTYX", .uint32), ([1, 4, 1, 6, 7], "TZCYX", .int8), ([2, 6, 7, 3], "ZYXS", .uint8),
        ]
        for (k, c) in cases.enumerated() {
            var calibration = Calibration(axes: c.axes.map { AxisCalibration(name: String($0).lowercased()) })
            for (i, letter) in c.axes.enumerated() {
                switch letter {
                case "X", "Y": calibration.axes[i] = AxisCalibration(name: "x", scale: 0.125, unit: "um")
                case "Z": calibration.axes[i] = AxisCalibration(name: "z", scale: 0.5, unit: "nm")
                case "T": calibration.axes[i] = AxisCalibration(name: "t", scale: 2, unit: "s")
                default: break
                }
            }
            let names = c.axes.contains("C") ? ["a&b", "GFP \"1\""] : nil
            let xml = try OMEMetadata.xml(shape: c.shape, axes: c.axes, dtype: c.dtype, calibration: calibration,
                                          channelNames: names, uuid: "urn:uuid:1234")
            #expect(xml.unicodeScalars.allSatisfy(\.isASCII) && xml.contains("PhysicalSizeXUnit=\"&#xB5;m\""))
            let ome = try #require(try OMEMetadata.parse(xml))
            let want = squeezed(c.shape, c.axes)
            #expect(ome.layout == want, "case \(k): \(ome.layout) vs \(want)")
            #expect(ome.dtype == c.dtype && ome.imageCount == 1)
            #expect(ome.physicalSizeX == .init(0.125, "µm") && ome.physicalSizeY == .init(0.125, "µm"))
            #expect(ome.physicalSizeZ == (c.axes.contains("Z") ? .init(0.5, "nm") : nil))
            #expect(ome.timeIncrement == (c.axes.contains("T") ? .init(2, "s") : nil))
            if let names {
                let channels = zip(c.shape, c.axes).first { $0.1 == "C" }!.0
                #expect(ome.channelNames.count == channels)
                #expect(Array(ome.channelNames.prefix(2)) == names.prefix(channels).map { Optional($0) })
            }
            #expect(ome.planeCount == c.shape.reduce(1, *) / (c.shape.suffix(c.axes.hasSuffix("S") ? 3 : 2).reduce(1, *)))
            let stem = "ome_case\(k)"
            try xml.write(to: MetadataFixtures.verifyFolder.appendingPathComponent(stem + ".xml"), atomically: true, encoding: .utf8)
            var physical: [String: Any] = ["X": [0.125, "µm"], "Y": [0.125, "µm"]]
            if c.axes.contains("Z") { physical["Z"] = [0.5, "nm"] }
            let spec: [String: Any] = ["shape": want.shape, "axes": want.axes, "dtype": c.dtype.name, "physicalSize": physical]
            try JSONSerialization.data(withJSONObject: spec).write(to: MetadataFixtures.verifyFolder.appendingPathComponent(stem + ".json"))
        }
        #expect(throws: ScopeKitError.self) { try OMEMetadata.xml(shape: [2, 2], axes: "YX", dtype: .int64) }
        #expect(throws: ScopeKitError.self) { try OMEMetadata.xml(shape: [2, 2], axes: "XY", dtype: .uint8) }
        #expect(throws: ScopeKitError.self) { try OMEMetadata.xml(shape: [2, 2, 2, 2], axes: "ZZYX", dtype: .uint8) }
        #expect(throws: ScopeKitError.self) { try OMEMetadata.xml(shape: [2, 2, 2], axes: "QYX", dtype: .uint8) }
        #expect(throws: ScopeKitError.self) { try OMEMetadata.xml(shape: [2, 2], axes: "ZYX", dtype: .uint8) }
    }
}
