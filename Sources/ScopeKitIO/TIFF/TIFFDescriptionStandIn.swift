// ============================================================================================================
// STAND-IN — DELETE WHEN `Sources/ScopeKitIO/Metadata/` (ImageJMetadata, OMEMetadata) IS MERGED.
//
// A minimal private copy of the metadata helper's API so the TIFF reader and writer compile on their own.
// The TIFF code uses exactly these members:
//   ImageJMetadata.parse(_:) -> ImageJMetadata?
//   .images .channels .slices .frames (Int?) .hyperstack (Bool?) .spacing .finterval (Double?) .unit (String?)
//   ImageJMetadata(images:channels:slices:frames:hyperstack:spacing:unit:finterval:) and .description()
//   OMEMetadata.parse(_:) throws -> OMEMetadata?
//   .dimensionOrder (String) .sizeX .sizeY .sizeZ .sizeC .sizeT (Int)
//   .physicalSizeX/Y/Z (Double?) .physicalSizeXUnit/YUnit/ZUnit (String?)
//   OMEMetadata.xml(shape:dtype:axes:calibration:) -> String   (axes: e.g. "TZCYX", one letter per axis)
// ============================================================================================================
import Foundation
import ScopeKitCore

/// Stand-in: the key=value ImageJ image description (`ImageJ=1.11a\nimages=…`).
struct ImageJMetadata: Sendable, Equatable {
    var images: Int?
    var channels: Int?
    var slices: Int?
    var frames: Int?
    var hyperstack: Bool?
    var spacing: Double?
    var unit: String?
    var finterval: Double?

    init(images: Int? = nil, channels: Int? = nil, slices: Int? = nil, frames: Int? = nil, hyperstack: Bool? = nil,
         spacing: Double? = nil, unit: String? = nil, finterval: Double? = nil) {
        self.images = images
        self.channels = channels
        self.slices = slices
        self.frames = frames
        self.hyperstack = hyperstack
        self.spacing = spacing
        self.unit = unit
        self.finterval = finterval
    }

    static func parse(_ description: String) -> ImageJMetadata? {
        guard description.hasPrefix("ImageJ=") else { return nil }
        var m = ImageJMetadata()
        for line in description.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            guard let eq = line.firstIndex(of: "=") else { continue }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            switch key {
            case "images": m.images = Int(value)
            case "channels": m.channels = Int(value)
            case "slices": m.slices = Int(value)
            case "frames": m.frames = Int(value)
            case "hyperstack": m.hyperstack = value == "true"
            case "spacing": m.spacing = Double(value)
            case "unit": m.unit = value
            case "finterval": m.finterval = Double(value)
            default: break
            }
        }
        return m
    }

    func description() -> String {
        var lines = ["ImageJ=1.11a"]
        if let images { lines.append("images=\(images)") }
        if let channels { lines.append("channels=\(channels)") }
        if let slices { lines.append("slices=\(slices)") }
        if let frames { lines.append("frames=\(frames)") }
        if let hyperstack { lines.append("hyperstack=\(hyperstack)") }
        if let unit { lines.append("unit=\(unit)") }
        if let spacing { lines.append("spacing=\(spacing)") }
        if let finterval { lines.append("finterval=\(finterval)") }
        lines.append("loop=false")
        return lines.joined(separator: "\n") + "\n"
    }
}

/// Stand-in: the first image's `<Pixels>` element of OME-XML.
struct OMEMetadata: Sendable, Equatable {
    var dimensionOrder = "XYZCT"
    var sizeX = 1, sizeY = 1, sizeZ = 1, sizeC = 1, sizeT = 1
    var type = ""
    var physicalSizeX: Double?
    var physicalSizeY: Double?
    var physicalSizeZ: Double?
    var physicalSizeXUnit: String?
    var physicalSizeYUnit: String?
    var physicalSizeZUnit: String?

    static func parse(_ xml: String) throws -> OMEMetadata? {
        guard xml.contains("<OME"), let start = xml.range(of: "<Pixels ") else { return nil }
        guard let end = xml[start.upperBound...].firstIndex(of: ">") else {
            throw ScopeKitError.badInput("OME-XML: unterminated Pixels element")
        }
        let element = String(xml[start.upperBound..<end])
        var attributes: [String: String] = [:]
        var rest = Substring(element)
        while let eq = rest.firstIndex(of: "=") {
            let name = rest[..<eq].trimmingCharacters(in: .whitespacesAndNewlines)
            var after = rest[rest.index(after: eq)...]
            guard let quote = after.first, quote == "\"" || quote == "'" else { break }
            after = after.dropFirst()
            guard let close = after.firstIndex(of: quote) else { break }
            attributes[name] = String(after[..<close])
            rest = after[after.index(after: close)...]
        }
        func int(_ k: String) throws -> Int {
            guard let v = attributes[k] else { return 1 }
            guard let n = Int(v), n >= 1 else { throw ScopeKitError.badInput("OME-XML: invalid \(k)=\(v)") }
            return n
        }
        var m = OMEMetadata()
        m.dimensionOrder = attributes["DimensionOrder"] ?? "XYZCT"
        m.sizeX = try int("SizeX"); m.sizeY = try int("SizeY"); m.sizeZ = try int("SizeZ")
        m.sizeC = try int("SizeC"); m.sizeT = try int("SizeT")
        m.type = attributes["Type"] ?? ""
        m.physicalSizeX = attributes["PhysicalSizeX"].flatMap(Double.init)
        m.physicalSizeY = attributes["PhysicalSizeY"].flatMap(Double.init)
        m.physicalSizeZ = attributes["PhysicalSizeZ"].flatMap(Double.init)
        m.physicalSizeXUnit = attributes["PhysicalSizeXUnit"]
        m.physicalSizeYUnit = attributes["PhysicalSizeYUnit"]
        m.physicalSizeZUnit = attributes["PhysicalSizeZUnit"]
        return m
    }

    static func xml(shape: [Int], dtype: DType, axes: String, calibration: Calibration) -> String {
        let letters = Array(axes)
        func size(_ a: Character) -> Int { letters.firstIndex(of: a).map { shape[$0] } ?? 1 }
        func physical(_ a: Character, _ name: String) -> String {
            guard let i = letters.firstIndex(of: a), i < calibration.axes.count else { return "" }
            let c = calibration.axes[i]
            guard c.unit != "px" else { return "" }
            return " PhysicalSize\(name)=\"\(c.scale)\" PhysicalSize\(name)Unit=\"\(c.unit)\""
        }
        let planes = size("C") * size("Z") * size("T")
        let channels = (0..<size("C")).map { "<Channel ID=\"Channel:0:\($0)\" SamplesPerPixel=\"1\"/>" }.joined()
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
            + "<OME xmlns=\"http://www.openmicroscopy.org/Schemas/OME/2016-06\" Creator=\"ScopeKit\">"
            + "<Image ID=\"Image:0\" Name=\"Image0\"><Pixels ID=\"Pixels:0\" DimensionOrder=\"XYCZT\" Type=\"\(dtype.name)\""
            + " SizeX=\"\(size("X"))\" SizeY=\"\(size("Y"))\" SizeC=\"\(size("C"))\" SizeZ=\"\(size("Z"))\" SizeT=\"\(size("T"))\""
            + physical("X", "X") + physical("Y", "Y") + physical("Z", "Z") + ">"
            + channels + "<TiffData IFD=\"0\" PlaneCount=\"\(planes)\"/></Pixels></Image></OME>"
    }
}
