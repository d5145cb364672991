import ScopeKitCore

/// The metadata ImageJ keeps in a TIFF's first ImageDescription: `key=value` lines starting with `ImageJ=`.
///
/// ImageJ orders a hyperstack's planes `czt` (channel fastest), so a file with `frames=2`, `slices=501`,
/// `channels=3` holds 3006 pages that form a `[T, Z, C, Y, X]` array; other writers set `order=` (e.g. `zct`:
/// `[T, C, Z, Y, X]`, see ``planeOrder``). ``layout(planeShape:pageCount:)``
/// turns the counts into ScopeKit's shape and axes the way tifffile does (size-1 axes dropped, `Y` and `X`
/// kept). ``description()`` writes the text tifffile's ImageJ writer writes.
///
/// ```swift
/// let ij = ImageJMetadata.parse("ImageJ=1.11a\nimages=3006\nchannels=3\nslices=501\nframes=2\n")!
/// ij.layout(planeShape: [11, 13], pageCount: 3006)   // ([2, 501, 3, 11, 13], "TZCYX")
/// ij.physicalUnit                                      // nil (no unit line)
/// ```
///
/// Follows tifffile 2026.3 (`imagej_description`, `imagej_description_metadata`, `TiffFile._series_imagej`).
public struct ImageJMetadata: Sendable, Equatable {
    /// The ImageJ version that wrote the file (`"1.54f"`); tifffile writes `"1.11a"`.
    public var version: String
    /// The number of images (pages) in the stack.
    public var images: Int?
    /// Channels per time point and slice (`C`).
    public var channels: Int?
    /// Z slices (`Z`).
    public var slices: Int?
    /// Time points (`T`).
    public var frames: Int?
    /// True for a hyperstack.
    public var hyperstack: Bool?
    /// Display mode: `grayscale`, `composite` or `color`.
    public var mode: String?
    /// The spatial unit as written (`"micron"`, `"\u00B5m"`, `"um"`, `"nm"`, `"pixel"`); see ``physicalUnit``.
    public var unit: String?
    /// The Z step in ``unit``.
    public var spacing: Double?
    /// The frame interval in seconds.
    public var finterval: Double?
    /// Animation loops back and forth.
    public var loop: Bool?
    /// Display range minimum.
    public var min: Double?
    /// Display range maximum.
    public var max: Double?
    /// Every other `key=value` line, in file order (`fps`, `xorigin`, `order`, …; values as written).
    public var other: Metadata

    /// Empty metadata written by `version`.
    public init(version: String = "1.11a") {
        self.version = version
        other = Metadata()
    }

    // MARK: Parsing

    /// Parses an ImageDescription; `nil` unless it starts with `ImageJ=`.
    ///
    /// Keys and values are trimmed; a known key whose value does not parse (e.g. `images=abc`) is kept in
    /// ``other``. Never throws: lines without `=` are skipped, as tifffile does.
    ///
    /// - Complexity: O(length of the description).
    public static func parse(_ description: String) -> ImageJMetadata? {
        guard description.hasPrefix("ImageJ=") else { return nil }
        var result = ImageJMetadata(version: "")
        for rawLine in description.split(whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) {
            guard let eq = rawLine.firstIndex(of: "=") else { continue }
            let key = rawLine[..<eq].trimmingSpaces
            let value = rawLine[rawLine.index(after: eq)...].trimmingSpaces
            var known = true
            switch key {
            case "ImageJ": result.version = value
            case "images": if let v = Int(value) { result.images = v } else { known = false }
            case "channels": if let v = Int(value) { result.channels = v } else { known = false }
            case "slices": if let v = Int(value) { result.slices = v } else { known = false }
            case "frames": if let v = Int(value) { result.frames = v } else { known = false }
            case "hyperstack": if let v = parseBool(value) { result.hyperstack = v } else { known = false }
            case "loop": if let v = parseBool(value) { result.loop = v } else { known = false }
            case "mode": result.mode = value
            case "unit": result.unit = value
            case "spacing": if let v = Double(value) { result.spacing = v } else { known = false }
            case "finterval": if let v = Double(value) { result.finterval = v } else { known = false }
            case "min": if let v = Double(value) { result.min = v } else { known = false }
            case "max": if let v = Double(value) { result.max = v } else { known = false }
            default: known = false
            }
            if !known { result.other[key] = value }
        }
        return result
    }

    private static func parseBool(_ s: String) -> Bool? {
        switch s.lowercased() {
        case "true": true
        case "false": false
        default: nil
        }
    }

    // MARK: Shape

    /// The order of the planes, fastest first, from the `order=` line (`czt`, ImageJ's own and the default;
    /// other writers use `zct`, `ztc`, `ctz`, `tcz`, `tzc`). An unknown order reads as `czt`.
    public var planeOrder: String {
        let order = (other["order"] ?? "czt").lowercased()
        return ["czt", "ctz", "zct", "ztc", "tcz", "tzc"].contains(order) ? order : "czt"
    }

    /// The axes that index a stack's pages, slowest first (letters `T`, `Z`, `C`, with a leading `I` for
    /// pages beyond `T·Z·C`), and the number of images (pages) they cover.
    ///
    /// Page `k` is the C-order index `k` over these sizes: ``planeOrder`` reversed (`czt` → `TZC`,
    /// `zct` → `TCZ`). Size-1 axes are kept (drop them for a squeezed shape).
    ///
    /// ```swift
    /// ij.pageAxes(samples: 1, separateSamples: false, pageCount: 24)   // ([("T", 2), ("C", 3), ("Z", 4)], 24) for order=zct
    /// ```
    ///
    /// - Parameters:
    ///   - samples: samples per pixel of a page (3 for RGB).
    ///   - separateSamples: the samples are stored as separate planes of one page (planar configuration 2):
    ///     when they are as many as the channels, they are the channels (Bio-Formats) and `C` is left out.
    ///   - pageCount: the pages available (used when `images` is missing or 1).
    /// - Returns: `nil` when a count is below 1, or separate samples stand for channels that are not the
    ///   fastest axis.
    /// - Complexity: O(1). Follows tifffile 2026.3 `_series_imagej`.
    public func pageAxes(samples: Int, separateSamples: Bool, pageCount: Int)
        -> (axes: [(letter: Character, size: Int)], images: Int)? {
        let frames = self.frames ?? 1, slices = self.slices ?? 1
        var channels = self.channels ?? 1
        var images = self.images ?? 1
        guard images >= 1, frames >= 1, slices >= 1, channels >= 1 else { return nil }
        let samplesAsChannels = separateSamples && samples > 1 && samples == channels
        if channels == 1 || samplesAsChannels {
            images = frames * slices
        } else if images == frames * slices && !separateSamples && samples == channels {
            channels = 1  // RGB samples declared as channels
        } else {
            images = frames * slices * channels
        }
        if images == 1 && pageCount > 1 { images = pageCount }
        let size: [Character: Int] = ["T": frames, "Z": slices, "C": channels]
        var axes = planeOrder.uppercased().reversed().map { (letter: $0, size: size[$0]!) }
        if samplesAsChannels {
            guard axes.last?.letter == "C" else { return nil }
            axes.removeLast()
        }
        let declared = axes.reduce(1) { $0 * $1.size }
        if images / declared > 1 { axes.insert((letter: "I", size: images / declared), at: 0) }
        return (axes, images)
    }

    /// The array shape and axes (letters from `TZCYXSI`) of an ImageJ file, size-1 axes dropped except `Y`, `X`.
    ///
    /// - Parameters:
    ///   - planeShape: one page's shape, `[rows, cols]` or `[rows, cols, samples]` (RGB).
    ///   - pageCount: the number of pages in the file (used when `images` is missing or 1, as ImageJ writes
    ///     for a plain stack saved without counts).
    /// - Returns: e.g. `([2, 501, 3, 11, 13], "TZCYX")`; leftover pages beyond `T·Z·C` become a leading `I`.
    ///   The leading axes follow ``planeOrder`` (`order=zct` → `TCZYX`).
    ///
    /// Follows tifffile's `_series_imagej` (see ``pageAxes(samples:separateSamples:pageCount:)``), including
    /// Bio-Formats' habit of declaring RGB samples as channels.
    public func layout(planeShape: [Int], pageCount: Int) -> (shape: [Int], axes: String) {
        let samples = planeShape.count >= 3 ? planeShape[2] : 1
        let leading = pageAxes(samples: samples, separateSamples: false, pageCount: pageCount)?.axes ?? []
        var shape = leading.map(\.size) + planeShape.prefix(2)
        var axes = String(leading.map(\.letter)) + "YX"
        if samples > 1 {
            shape.append(samples)
            axes.append("S")
        }
        return squeezedLayout(shape, axes)
    }

    /// The shape from ``layout(planeShape:pageCount:)``.
    public func shape(forPlaneShape planeShape: [Int], pageCount: Int) -> [Int] {
        layout(planeShape: planeShape, pageCount: pageCount).shape
    }

    /// The axes from ``layout(planeShape:pageCount:)`` (e.g. `"TZCYX"`).
    public func axes(forPlaneShape planeShape: [Int], pageCount: Int) -> String {
        layout(planeShape: planeShape, pageCount: pageCount).axes
    }

    /// Calibrations for the axes of ``layout(planeShape:pageCount:)``: `Z` gets ``spacing``, `Y` and `X` the
    /// pixel sizes (from the TIFF resolution tags, `1 / XResolution`), all in ``physicalUnit``; `T` gets
    /// ``finterval`` in seconds; other axes (`C`, `S`, `I`) are named only.
    ///
    /// ```swift
    /// let cal = ij.axisCalibrations(axes: "TZCYX", pixelWidth: 0.145, pixelHeight: 0.145)
    /// cal[1].scale   // 0.3 (spacing), cal[1].unit == "µm"
    /// ```
    public func axisCalibrations(axes: String, pixelWidth: Double? = nil, pixelHeight: Double? = nil) -> [AxisCalibration] {
        let unit = physicalUnit
        return axes.uppercased().map { letter -> AxisCalibration in
            let name = String(letter).lowercased()
            let spatial: Double?
            switch letter {
            case "T":
                guard let finterval, finterval > 0 else { return AxisCalibration(name: name) }
                return AxisCalibration(name: name, scale: finterval, unit: "s")
            case "Z": spatial = spacing
            case "Y": spatial = pixelHeight
            case "X": spatial = pixelWidth
            default: spatial = nil
            }
            guard let unit, let spatial, spatial > 0, spatial.isFinite else { return AxisCalibration(name: name) }
            return AxisCalibration(name: name, scale: spatial, unit: unit)
        }
    }

    // MARK: Units

    /// ``unit`` in ScopeKit's spelling: `"micron"`, `"um"`, `"\u00B5m"`, `"μm"` → `"µm"`; `"A"`/`"angstrom"`
    /// → `"Å"`; `\uXXXX` escapes decoded; `nil` when uncalibrated (`"pixel"`, `"pixels"`, empty).
    public var physicalUnit: String? { unit.flatMap(ImageJMetadata.normalizedUnit) }

    /// ScopeKit's spelling of an ImageJ unit string, or `nil` for "no unit" (see ``physicalUnit``).
    public static func normalizedUnit(_ raw: String) -> String? {
        let s = decodeEscapes(raw).trimmingSpaces
        switch s.lowercased() {
        case "", "pixel", "pixels", "px": return nil
        case "micron", "microns", "um", "µm", "μm", "micrometer", "micrometre": return "µm"
        case "nanometer", "nanometre", "nm": return "nm"
        case "millimeter", "millimetre", "mm": return "mm"
        case "a", "å", "angstrom", "angstroms": return "Å"
        default: return s
        }
    }

    /// Replaces `\uXXXX` escapes (as ImageJ writes non-ASCII characters) by the characters.
    static func decodeEscapes(_ s: String) -> String {
        guard s.contains("\\u") else { return s }
        var out = String.UnicodeScalarView()
        let scalars = Array(s.unicodeScalars)
        var i = 0
        while i < scalars.count {
            if scalars[i] == "\\", i + 5 < scalars.count, scalars[i + 1] == "u" || scalars[i + 1] == "U",
               let code = UInt32(String(String.UnicodeScalarView(scalars[(i + 2)...(i + 5)])), radix: 16),
               let scalar = Unicode.Scalar(code) {
                out.append(scalar)
                i += 6
            } else {
                out.append(scalars[i])
                i += 1
            }
        }
        return String(out)
    }

    // MARK: Writing

    /// Metadata describing an array of `shape` with `axes` in ImageJ's `TZCYXS` order, as tifffile's
    /// `imagej_description(shape, axes)` computes the counts.
    ///
    /// - Parameters:
    ///   - shape: the array shape.
    ///   - axes: one letter per axis from `TZCYXS`, in that order (a subset, e.g. `"ZYX"`, `"TCYX"`, `"YXS"`).
    /// - Throws: ``ScopeKitError/usage(_:)`` when the axes are not a `TZCYXS` subsequence or do not match the
    ///   shape, or samples are not 1, 3 or 4.
    public init(shape: [Int], axes: String) throws {
        self.init()
        let letters = Array(axes.uppercased())
        guard letters.count == shape.count, (1...6).contains(shape.count) else {
            throw ScopeKitError.usage("ImageJ axes '\(axes)' do not match shape \(shape)")
        }
        var full = [1, 1, 1, 1, 1, 1]
        var next = 0
        for (letter, n) in zip(letters, shape) {
            guard let j = Array("TZCYXS").firstIndex(of: letter), j >= next else {
                throw ScopeKitError.usage("ImageJ axes must be a subsequence of TZCYXS, got '\(axes)'")
            }
            full[j] = n
            next = j + 1
        }
        guard [1, 3, 4].contains(full[5]) else {
            throw ScopeKitError.usage("ImageJ images hold 1, 3 or 4 samples, got \(full[5])")
        }
        images = full[0] * full[1] * full[2]
        if full[2] > 1 { channels = full[2] }
        if full[1] > 1 { slices = full[1] }
        if full[0] > 1 { frames = full[0] }
        hyperstack = true
        if full[5] == 1 { mode = "grayscale" }
    }

    /// The ImageDescription text, in the order tifffile's ImageJ writer uses.
    ///
    /// `ImageJ=`, `images=`, then `channels=`, `slices=`, `frames=` when greater than 1, `hyperstack=`,
    /// `mode=` (only for hyperstacks), `loop=` (`false` by default when there are frames), then `unit`,
    /// `spacing`, `finterval`, `min`, `max` when set, then ``other`` in order; every line ends with `\n`.
    /// Characters outside ASCII are written `\uXXXX` as ImageJ does (TIFF descriptions are ASCII).
    /// Equals `tifffile.imagej_description(shape, axes, unit=…, spacing=…, finterval=…, min=…, max=…)`
    /// for metadata made by ``init(shape:axes:)``.
    ///
    /// ```swift
    /// var ij = try ImageJMetadata(shape: [2, 501, 3, 11, 13], axes: "TZCYX")
    /// ij.unit = "um"; ij.spacing = 0.3
    /// ij.description()   // "ImageJ=1.11a\nimages=3006\nchannels=3\nslices=501\nframes=2\nhyperstack=true\n…"
    /// ```
    public func description() -> String {
        var lines = ["ImageJ=\(version)", "images=\(images ?? 1)"]
        if let channels, channels > 1 { lines.append("channels=\(channels)") }
        if let slices, slices > 1 { lines.append("slices=\(slices)") }
        if let frames, frames > 1 { lines.append("frames=\(frames)") }
        let isHyperstack = hyperstack ?? true
        lines.append("hyperstack=\(isHyperstack)")
        if isHyperstack, let mode { lines.append("mode=\(mode)") }
        if let loop {
            lines.append("loop=\(loop)")
        } else if let frames, frames > 1 {
            lines.append("loop=false")
        }
        if let unit { lines.append("unit=\(unit)") }
        if let spacing { lines.append("spacing=\(spacing)") }
        if let finterval { lines.append("finterval=\(finterval)") }
        if let min { lines.append("min=\(min)") }
        if let max { lines.append("max=\(max)") }
        for (key, value) in other { lines.append("\(key)=\(value)") }
        return ImageJMetadata.encodeEscapes(lines.joined(separator: "\n") + "\n")
    }

    /// Writes characters outside 7-bit ASCII as `\uXXXX` (UTF-16 units), as ImageJ does (`µm` → `\u00B5m`).
    static func encodeEscapes(_ s: String) -> String {
        guard !s.unicodeScalars.allSatisfy(\.isASCII) else { return s }
        var out = ""
        for scalar in s.unicodeScalars {
            if scalar.isASCII { out.unicodeScalars.append(scalar); continue }
            for unit in String(scalar).utf16 {
                let hex = String(unit, radix: 16, uppercase: true)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            }
        }
        return out
    }
}

fileprivate extension StringProtocol {
    /// The text without leading and trailing spaces, tabs and line breaks.
    var trimmingSpaces: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\0" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
