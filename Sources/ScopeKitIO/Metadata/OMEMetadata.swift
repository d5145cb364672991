import ScopeKitCore

/// What ScopeKit reads from OME-XML: the first image's `Pixels` element (dimension order, sizes, pixel
/// type, physical sizes, time increment, channels) and the number of images (series).
///
/// ``layout`` gives ScopeKit's C-order shape and axes the way tifffile builds series 0 of an OME-TIFF: the
/// reversed `DimensionOrder` (`XYZCT` → `TCZYX`), channels split into samples when `SamplesPerPixel` > 1
/// (`S` last), size-1 axes dropped except `Y` and `X`. ``xml(shape:axes:dtype:calibration:channelNames:)``
/// writes a minimal valid OME-XML for an array whose pages are stored in C order.
///
/// ```swift
/// let ome = try OMEMetadata.parse(description)!       // nil when the text is not OME-XML
/// ome.dimensionOrder                                  // "XYCZT"
/// ome.layout                                          // ([2, 501, 3, 11, 13], "TZCYX")
/// ome.physicalSizeX                                   // (0.1449922, "µm")
/// ```
///
/// Follows the OME 2016-06 schema and tifffile 2026.3 (`TiffFile._series_ome`, `OmeXml`).
public struct OMEMetadata: Sendable, Equatable {
    /// A physical length or duration with its unit.
    public struct Quantity: Sendable, Equatable {
        /// The amount, in ``unit``.
        public var value: Double
        /// The unit as OME spells it (`"µm"`, `"nm"`, `"s"`).
        public var unit: String
        /// A quantity of `value` `unit`.
        public init(_ value: Double, _ unit: String) {
            self.value = value
            self.unit = unit
        }
    }

    /// The number of `Image` elements (series) in the document.
    public var imageCount: Int
    /// The first image's `Name`, if any.
    public var imageName: String?
    /// The plane order, fastest first: `XYZCT`, `XYZTC`, `XYCTZ`, `XYCZT`, `XYTCZ` or `XYTZC`.
    public var dimensionOrder: String
    /// Pixels per row (`X`).
    public var sizeX: Int
    /// Rows (`Y`).
    public var sizeY: Int
    /// Z slices.
    public var sizeZ: Int
    /// Channels times samples per pixel (an RGB image has `SizeC="3"` and one channel of 3 samples).
    public var sizeC: Int
    /// Time points.
    public var sizeT: Int
    /// The OME pixel type (`uint16`, `float`, `double`, `bit`, …).
    public var pixelType: String
    /// Samples per pixel of the first channel (3 for RGB).
    public var samplesPerPixel: Int
    /// Pixel width, with its unit (OME's default unit is µm).
    public var physicalSizeX: Quantity?
    /// Pixel height.
    public var physicalSizeY: Quantity?
    /// Z step.
    public var physicalSizeZ: Quantity?
    /// Time between time points (OME's default unit is s).
    public var timeIncrement: Quantity?
    /// One entry per `Channel` element (`nil` for a channel without a name).
    public var channelNames: [String?]
    /// The document's `UUID` attribute (`urn:uuid:…`), if any.
    public var uuid: String?
    /// The first image's `TiffData` elements, in document order (empty when the XML has none).
    public var tiffData: [TiffData] = []

    /// One `TiffData` element: a run of planes (in ``dimensionOrder``) stored in consecutive IFDs.
    ///
    /// Missing attributes keep their schema defaults: `IFD` 0, `FirstZ`/`FirstC`/`FirstT` 0, `PlaneCount` 1
    /// when `IFD` is given, else every IFD of the file.
    public struct TiffData: Sendable, Equatable {
        /// The first IFD (`IFD`), `nil` when the attribute is absent.
        public var ifd: Int?
        /// `PlaneCount` (or the older `NumPlanes`), `nil` when absent.
        public var planeCount: Int?
        /// The Z index of the first plane.
        public var firstZ: Int
        /// The C index of the first plane (in channels, not samples).
        public var firstC: Int
        /// The T index of the first plane.
        public var firstT: Int
        /// The text of a nested `UUID` element: the file holding the IFDs (another file of a multi-file set,
        /// unless it is this document's ``OMEMetadata/uuid`` or ``fileName`` names this file).
        public var uuid: String?
        /// The `FileName` attribute of the nested `UUID` element.
        public var fileName: String?

        /// A run of `planeCount` planes from `ifd`, starting at plane (`firstZ`, `firstC`, `firstT`).
        public init(ifd: Int? = nil, planeCount: Int? = nil, firstZ: Int = 0, firstC: Int = 0, firstT: Int = 0,
                    uuid: String? = nil, fileName: String? = nil) {
            self.ifd = ifd
            self.planeCount = planeCount
            self.firstZ = firstZ
            self.firstC = firstC
            self.firstT = firstT
            self.uuid = uuid
            self.fileName = fileName
        }
    }

    /// The element type of ``pixelType`` (`nil` for types ScopeKit lacks: `double-complex`, `bit` maps to bool).
    public var dtype: DType? {
        switch pixelType {
        case "bit": .bool
        case "int8": .int8
        case "uint8": .uint8
        case "int16": .int16
        case "uint16": .uint16
        case "int32": .int32
        case "uint32": .uint32
        case "float": .float32
        case "double": .float64
        case "complex": .complex64
        default: nil
        }
    }

    /// The axes that index the TIFF pages of series 0 (letters `T`, `Z`, `C` and their sizes, slowest first:
    /// the reversed ``dimensionOrder`` without `X` and `Y`, `C` counted in channels of
    /// ``samplesPerPixel`` samples). Plane `k` of the series is the C-order index `k` over these sizes.
    public var planeAxes: [(letter: Character, size: Int)] {
        let samples = Swift.max(samplesPerPixel, 1)
        return dimensionOrder.reversed().compactMap { letter -> (letter: Character, size: Int)? in
            switch letter {
            case "Z": (letter, sizeZ)
            case "C": (letter, samples > 1 ? sizeC / samples : sizeC)
            case "T": (letter, sizeT)
            default: nil
            }
        }
    }

    /// ScopeKit's shape and axes for series 0 (see the type's discussion).
    public var layout: (shape: [Int], axes: String) {
        var shape = planeAxes.map(\.size) + [sizeY, sizeX], axes = String(planeAxes.map(\.letter)) + "YX"
        if samplesPerPixel > 1 {
            shape.append(samplesPerPixel)
            axes.append("S")
        }
        return squeezedLayout(shape, axes)
    }

    /// The IFD of this file that holds each plane of series 0 (plane order as in ``planeAxes``), `nil` for a
    /// plane no `TiffData` maps (read as zeros, as tifffile does).
    ///
    /// Follows the OME schema as tifffile 2026.3 applies it: each `TiffData` maps `PlaneCount` planes from
    /// plane (`FirstT`, `FirstZ`, `FirstC`) onwards to consecutive IFDs from `IFD`; without `IFD` and
    /// `PlaneCount` it maps every IFD of the file; a `TiffData` whose first plane is outside the sizes is
    /// ignored, IFDs past the end of the file stop its run. Planes beyond ``planeCount`` are dropped. A
    /// document without `TiffData` maps plane `k` to IFD `k`.
    ///
    /// ```swift
    /// let ifds = try ome.planeIFDs(pageCount: 6, fileName: "cells.ome.tif")   // [5, 4, 3, 2, 1, 0]
    /// ```
    ///
    /// - Parameters:
    ///   - pageCount: the number of IFDs in the file.
    ///   - fileName: the file's name, which `UUID` elements use to refer to it.
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` when a plane is stored in another file (multi-file
    ///   OME-TIFF: only single-file OME-TIFF is read; open the planes' files one by one instead).
    /// - Complexity: O(planes + TiffData elements).
    public func planeIFDs(pageCount: Int, fileName: String? = nil) throws -> [Int?] {
        let planes = planeCount
        guard !tiffData.isEmpty else { return (0..<planes).map { $0 } }
        let sizes = planeAxes
        var ifds: [Int?] = []
        for data in tiffData {
            var index = 0
            var inside = true
            for (letter, size) in sizes {
                let first = letter == "Z" ? data.firstZ : letter == "C" ? data.firstC : data.firstT
                if first < 0 || first >= size { inside = false }
                index = index * size + first
            }
            let start = data.ifd ?? 0
            guard inside, start >= 0 else { continue }
            if let other = data.uuid ?? data.fileName, !refersToThisFile(data, fileName: fileName) {
                throw ScopeKitError.badInput("multi-file OME-TIFF: plane \(index) is stored in "
                    + "\(data.fileName ?? other); only single-file OME-TIFF is read")
            }
            let count = data.planeCount ?? (data.ifd != nil ? 1 : 0)
            let run = Swift.min(count > 0 ? count : pageCount, planes - index)
            guard run > 0 else { continue }
            if ifds.count < index + run { ifds += Array(repeating: nil, count: index + run - ifds.count) }
            for k in 0..<run {
                guard start + k < pageCount else { break }
                ifds[index + k] = start + k
            }
        }
        if ifds.count < planes { ifds += Array(repeating: nil, count: planes - ifds.count) }
        return Array(ifds.prefix(planes))
    }

    /// True when a `TiffData`'s `UUID` names this document (its UUID or this file's name).
    private func refersToThisFile(_ data: TiffData, fileName: String?) -> Bool {
        if let u = data.uuid, let uuid, u == uuid { return true }
        if let f = data.fileName, let fileName, f.lowercased() == fileName.lowercased() { return true }
        return false
    }

    /// The shape from ``layout``.
    public var shape: [Int] { layout.shape }
    /// The axes from ``layout`` (e.g. `"TZCYX"`).
    public var axes: String { layout.axes }
    /// The number of TIFF pages (planes) of series 0: `SizeZ · SizeC/samples · SizeT`.
    public var planeCount: Int { sizeZ * (sizeC / Swift.max(samplesPerPixel, 1)) * sizeT }

    public static func == (a: OMEMetadata, b: OMEMetadata) -> Bool {
        a.imageCount == b.imageCount && a.imageName == b.imageName && a.dimensionOrder == b.dimensionOrder
            && a.sizeX == b.sizeX && a.sizeY == b.sizeY && a.sizeZ == b.sizeZ && a.sizeC == b.sizeC
            && a.sizeT == b.sizeT && a.pixelType == b.pixelType && a.samplesPerPixel == b.samplesPerPixel
            && a.physicalSizeX == b.physicalSizeX && a.physicalSizeY == b.physicalSizeY
            && a.physicalSizeZ == b.physicalSizeZ && a.timeIncrement == b.timeIncrement
            && a.channelNames == b.channelNames && a.uuid == b.uuid && a.tiffData == b.tiffData
    }

    /// The axis calibrations of ``layout``'s axes: physical sizes for `X`, `Y`, `Z`, the time increment for
    /// `T`, names `t`, `c`, `z`, `y`, `x`, `s`.
    public var axisCalibrations: [AxisCalibration] {
        layout.axes.map { letter -> AxisCalibration in
            let quantity: Quantity?
            switch letter {
            case "X": quantity = physicalSizeX
            case "Y": quantity = physicalSizeY
            case "Z": quantity = physicalSizeZ
            case "T": quantity = timeIncrement
            default: quantity = nil
            }
            let name = String(letter).lowercased()
            guard let quantity else { return AxisCalibration(name: name) }
            return AxisCalibration(name: name, scale: quantity.value, unit: quantity.unit)
        }
    }

    // MARK: Parsing

    private static let dimensionOrders: Set<String> = ["XYZCT", "XYZTC", "XYCTZ", "XYCZT", "XYTCZ", "XYTZC"]
    /// Largest accepted `Size*` value (sizes are multiplied together; 2^31 each keeps products finite).
    private static let maximumSize = 1 << 31

    /// Parses OME-XML; `nil` when the text has no `OME` root element or the document has no `Pixels`
    /// (e.g. a `BinaryOnly` companion stub).
    ///
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` for malformed XML inside an OME document, or a first
    ///   `Pixels` element with a missing or invalid `DimensionOrder`, `Type` or `Size*`.
    /// - Complexity: O(length of the XML); stops after the first image's `Pixels` element closes (the
    ///   remaining text is only scanned for further `Image` start tags).
    public static func parse(_ xml: String) throws -> OMEMetadata? {
        var scanner = MetadataXMLScanner(xml)
        // The root element must be OME.
        guard case .start(let root, let rootAttributes, _)? = try scanner.next(), root == "OME" else { return nil }
        var imageCount = 0
        var imageName: String?
        var pixels: [String: String]?
        var channels: [[String: String]] = []
        var tiffData: [TiffData] = []
        var inTiffData = false
        var inFirstPixels = false
        var pixelsDone = false
        func count(_ attributes: [String: String], _ key: String) throws -> Int? {
            guard let text = attributes[key] else { return nil }
            guard let n = Int(text.filter { $0 != " " }), n >= 0, n <= maximumSize else {
                throw ScopeKitError.badInput("OME TiffData \(key)=\"\(text)\" is not a count")
            }
            return n
        }
        while let event = try scanner.next() {
            switch event {
            case .start(let name, let attributes, let selfClosing):
                if name == "Image" {
                    imageCount += 1
                    if imageCount == 1 { imageName = attributes["Name"] }
                } else if name == "Pixels", imageCount == 1, !pixelsDone, pixels == nil {
                    pixels = attributes
                    inFirstPixels = !selfClosing
                    if selfClosing { pixelsDone = true }
                } else if name == "Channel", inFirstPixels {
                    channels.append(attributes)
                } else if name == "TiffData", inFirstPixels {
                    tiffData.append(TiffData(
                        ifd: try count(attributes, "IFD"),
                        planeCount: try count(attributes, "PlaneCount") ?? count(attributes, "NumPlanes"),
                        firstZ: try count(attributes, "FirstZ") ?? 0, firstC: try count(attributes, "FirstC") ?? 0,
                        firstT: try count(attributes, "FirstT") ?? 0))
                    inTiffData = !selfClosing
                } else if name == "UUID", inTiffData, !tiffData.isEmpty {
                    let text = selfClosing ? "" : scanner.text()
                    tiffData[tiffData.count - 1].uuid = text.isEmpty ? nil : text
                    tiffData[tiffData.count - 1].fileName = attributes["FileName"]
                }
            case .end(let name):
                if name == "TiffData" { inTiffData = false }
                if name == "Pixels", inFirstPixels {
                    inFirstPixels = false
                    pixelsDone = true
                }
            }
        }
        guard let pixels else { return nil }
        func size(_ key: String) throws -> Int {
            guard let text = pixels[key] else { throw ScopeKitError.badInput("OME Pixels lacks \(key)") }
            guard let n = Int(text.filter { $0 != " " }), n >= 1, n <= maximumSize else {
                throw ScopeKitError.badInput("OME Pixels \(key)=\"\(text)\" is not a size")
            }
            return n
        }
        func quantity(_ key: String, defaultUnit: String) throws -> Quantity? {
            guard let text = pixels[key] else { return nil }
            guard let v = Double(text), v.isFinite else {
                throw ScopeKitError.badInput("OME Pixels \(key)=\"\(text)\" is not a number")
            }
            return Quantity(v, pixels[key + "Unit"] ?? defaultUnit)
        }
        guard let order = pixels["DimensionOrder"], dimensionOrders.contains(order) else {
            throw ScopeKitError.badInput("OME Pixels DimensionOrder \"\(pixels["DimensionOrder"] ?? "")\" is invalid")
        }
        guard let type = pixels["Type"] ?? pixels["PixelType"] else { throw ScopeKitError.badInput("OME Pixels lacks Type") }
        let samples = channels.first.flatMap { $0["SamplesPerPixel"] }.flatMap { Int($0) } ?? 1
        let sizeC = try size("SizeC")
        guard samples >= 1, samples <= sizeC, sizeC % samples == 0 else {
            throw ScopeKitError.badInput("OME SamplesPerPixel=\(samples) does not divide SizeC=\(sizeC)")
        }
        return OMEMetadata(
            imageCount: imageCount, imageName: imageName, dimensionOrder: order,
            sizeX: try size("SizeX"), sizeY: try size("SizeY"), sizeZ: try size("SizeZ"), sizeC: sizeC,
            sizeT: try size("SizeT"), pixelType: type, samplesPerPixel: samples,
            physicalSizeX: try quantity("PhysicalSizeX", defaultUnit: "µm"),
            physicalSizeY: try quantity("PhysicalSizeY", defaultUnit: "µm"),
            physicalSizeZ: try quantity("PhysicalSizeZ", defaultUnit: "µm"),
            timeIncrement: try quantity("TimeIncrement", defaultUnit: "s"),
            channelNames: channels.map { $0["Name"] }, uuid: rootAttributes["UUID"], tiffData: tiffData)
    }

    // MARK: Writing

    /// The OME pixel type of a dtype (`nil` for `int64`, which OME lacks).
    public static func pixelType(of dtype: DType) -> String? {
        switch dtype {
        case .bool: "bit"
        case .uint8: "uint8"
        case .int8: "int8"
        case .uint16: "uint16"
        case .int16: "int16"
        case .uint32: "uint32"
        case .int32: "int32"
        case .float32: "float"
        case .float64: "double"
        case .complex64: "complex"
        case .int64: nil
        }
    }

    /// A minimal OME-XML document for one image whose TIFF pages hold the planes in C order.
    ///
    /// - Parameters:
    ///   - shape: the array shape.
    ///   - axes: one letter per axis: a subset of `T`, `Z`, `C` in any order, then `YX`, optionally `S`
    ///     (samples per pixel, e.g. RGB), e.g. `"TZCYX"`, `"ZYX"`, `"CYX"`, `"YXS"`. Lower case is accepted.
    ///   - dtype: the element type (not `int64`).
    ///   - calibration: physical sizes: the `X`, `Y` and `Z` axes' scale and unit become `PhysicalSize*`
    ///     (`"px"` axes are left out; `"um"`/`"micron"` are written `µm`), the `T` axis' scale becomes
    ///     `TimeIncrement`.
    ///   - channelNames: optional names of the `C` channels.
    ///   - uuid: optional document UUID (`urn:uuid:…`).
    /// - Returns: 7-bit ASCII XML (non-ASCII characters such as `µ` written as `&#xB5;`, so it fits a TIFF
    ///   ASCII tag) that tifffile reads back with the same shape, axes and physical sizes (series 0); the
    ///   `DimensionOrder` is `XY` followed by the leading axes from fastest to slowest, unused axes last, and
    ///   one `TiffData` element covers all pages from IFD 0.
    /// - Throws: ``ScopeKitError/usage(_:)`` for axes that do not fit the rules or the shape.
    ///
    /// ```swift
    /// let xml = try OMEMetadata.xml(shape: [2, 5, 3, 64, 64], axes: "TZCYX", dtype: .uint16,
    ///                               calibration: image.calibration)
    /// ```
    public static func xml(shape: [Int], axes: String, dtype: DType, calibration: Calibration? = nil,
                           channelNames: [String]? = nil, uuid: String? = nil) throws -> String {
        let letters = Array(axes.uppercased())
        guard letters.count == shape.count else {
            throw ScopeKitError.usage("OME axes '\(axes)' do not match shape \(shape)")
        }
        guard shape.allSatisfy({ $0 >= 1 }) else { throw ScopeKitError.usage("OME sizes must be ≥ 1, got \(shape)") }
        guard let type = pixelType(of: dtype) else { throw ScopeKitError.usage("OME-XML has no \(dtype) pixel type") }
        let hasSamples = letters.last == "S"
        let core = hasSamples ? Array(letters.dropLast()) : letters
        guard core.count >= 2, core.suffix(2) == ["Y", "X"] else {
            throw ScopeKitError.usage("OME axes must end with YX or YXS, got '\(axes)'")
        }
        let leading = core.dropLast(2)
        guard leading.allSatisfy({ "TZC".contains($0) }), Set(leading).count == leading.count else {
            throw ScopeKitError.usage("OME leading axes must be distinct letters from T, Z, C, got '\(axes)'")
        }
        var size: [Character: Int] = ["T": 1, "Z": 1, "C": 1]
        for (letter, n) in zip(letters, shape) where letter != "S" { size[letter] = n }
        let samples = hasSamples ? shape[shape.count - 1] : 1
        let order = "XY" + String(leading.reversed()) + String("ZCT".filter { !leading.contains($0) })
        var axisCalibration: [Character: AxisCalibration] = [:]
        if let calibration, calibration.axes.count == letters.count {
            for (letter, axis) in zip(letters, calibration.axes) { axisCalibration[letter] = axis }
        }
        var pixels = "<Pixels ID=\"Pixels:0\" DimensionOrder=\"\(order)\" Type=\"\(type)\""
        pixels += " SizeX=\"\(size["X"]!)\" SizeY=\"\(size["Y"]!)\" SizeC=\"\(size["C"]! * samples)\""
        pixels += " SizeZ=\"\(size["Z"]!)\" SizeT=\"\(size["T"]!)\""
        for letter in ["X", "Y", "Z"] as [Character] {
            guard let axis = axisCalibration[letter], axis.unit != "px", axis.scale > 0, axis.scale.isFinite else { continue }
            let unit = ImageJMetadata.normalizedUnit(axis.unit) ?? "µm"
            pixels += " PhysicalSize\(letter)=\"\(axis.scale)\" PhysicalSize\(letter)Unit=\"\(MetadataXMLScanner.escape(unit))\""
        }
        if let t = axisCalibration["T"], t.unit != "px", t.scale > 0, t.scale.isFinite {
            pixels += " TimeIncrement=\"\(t.scale)\" TimeIncrementUnit=\"\(MetadataXMLScanner.escape(t.unit))\""
        }
        pixels += ">"
        for c in 0..<size["C"]! {
            var channel = "<Channel ID=\"Channel:0:\(c)\" SamplesPerPixel=\"\(samples)\""
            if let names = channelNames, c < names.count { channel += " Name=\"\(MetadataXMLScanner.escape(names[c]))\"" }
            pixels += channel + "/>"
        }
        let planes = size["T"]! * size["Z"]! * size["C"]!
        pixels += "<TiffData IFD=\"0\" PlaneCount=\"\(planes)\"/></Pixels>"
        let namespace = "http://www.openmicroscopy.org/Schemas/OME/2016-06"
        var root = "<OME xmlns=\"\(namespace)\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\""
        root += " xsi:schemaLocation=\"\(namespace) \(namespace)/ome.xsd\""
        if let uuid { root += " UUID=\"\(MetadataXMLScanner.escape(uuid))\"" }
        root += " Creator=\"ScopeKit\">"
        let document = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>" + root
            + "<Image ID=\"Image:0\" Name=\"Image0\">" + pixels + "</Image></OME>"
        // 7-bit ASCII only (TIFF ASCII tags): other characters become character references, µ → &#xB5;.
        var ascii = ""
        for scalar in document.unicodeScalars {
            if scalar.isASCII { ascii.unicodeScalars.append(scalar) } else {
                ascii += "&#x" + String(scalar.value, radix: 16, uppercase: true) + ";"
            }
        }
        return ascii
    }
}

/// A layout without its size-1 axes, except `Y` and `X` (tifffile's squeezed series shape).
func squeezedLayout(_ shape: [Int], _ axes: String) -> (shape: [Int], axes: String) {
    var keptShape: [Int] = [], keptAxes = ""
    for (n, a) in zip(shape, axes) where n > 1 || a == "Y" || a == "X" {
        keptShape.append(n)
        keptAxes.append(a)
    }
    return (keptShape, keptAxes)
}
