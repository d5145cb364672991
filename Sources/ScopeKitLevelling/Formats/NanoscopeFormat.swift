import Foundation
import ScopeKitCore
import ScopeKitIO

/// The Bruker / Digital Instruments Nanoscope reader (`.spm`, `.001`, `.002`, …; header versions 5 to 9).
///
/// Layout: a text header of `\Key: value` lines (CR LF) in sections (`\*File list`, `\*Scanner list`,
/// `\*Ciao scan list`, one `\*Ciao image list` per channel, …, `\*File list end`), then the binary data each
/// image section points at (`Data offset`, `Data length`, `Bytes/pixel`, `Samps/line` × `Number of lines`,
/// little-endian signed integers, bottom line first).
///
/// Values follow pySPM 0.6 `Bruker.get_channel` as AFMReader 0.0.7 `load_spm` uses it, bit for bit:
/// `raw · (hard value / 256^bytes per pixel) · sensitivity`, where `@2:Z scale: V [Sens. X] (… V/LSB) hard V`
/// gives the hard value and `@Sens. X: V sensitivity nm/V` (in the scanner/scan lists) the sensitivity; lines
/// without a `[Sens. …]` reference use `hard / 65536` volts. Heights come out in the sensitivity's unit
/// (nm; µm or pm are converted to nm). The `Z offset` is not added (as pySPM). Rows are flipped so row 0 is the
/// top line (as AFMReader). Pixel size: scan size ÷ samples per line along x; along y pySPM's
/// `scan size y · rows / cols ÷ rows`.
///
/// Channels are named by the quoted name of `@2:Image Data` (`"Height Sensor"`, `"Height"`, `"Amplitude"`,
/// `"Phase"`); when a name appears for both trace and retrace, the retrace one is `"<name> (retrace)"` and
/// the plain name selects the trace channel (pySPM's preference). Differences from pySPM: rows × cols are
/// taken from `Number of lines` × `Samps/line` (pySPM swaps them for non-square files without
/// `Valid data len` keys); `Bytes/pixel` of 4 reads int32 (and 8 reads int64).
///
/// ```swift
/// let h = try AFMFormats.read(URL(fileURLWithPath: "09261606.001"))   // "Height Sensor", [486, 768] nm
/// ```
enum NanoscopeFormat {
    static let name = "Bruker Nanoscope"
    static let format = AFMImageFormat(name: name, fileExtensions: ["spm"], detect: detect, parse: parse)

    /// True when the file starts with `\*File list` (or the old `?*File list`).
    static func detect(_ header: [UInt8], _ ext: String) -> Bool {
        let magic = Array("*File list".utf8)
        return header.count > 11 && (header[0] == 0x5C || header[0] == 0x3F)
            && header[1..<11].elementsEqual(magic)
    }

    struct Section {
        var name: String
        var entries: [(key: String, value: String)] = []
        func value(_ key: String) -> String? {
            let k = key.lowercased()
            return entries.first { $0.key.lowercased() == k }?.value
        }
    }

    static func parseHeader(_ file: RandomAccessFile) throws -> [Section] {
        let limit = min(file.size, 4 << 20)
        let bytes = try file.bytes(at: 0, count: limit, what: "Nanoscope header")
        let endMarker = Array("*File list end".utf8)
        guard let end = firstIndex(of: endMarker, in: bytes) else {
            throw ScopeKitError.badInput("Nanoscope: no '\\*File list end' in the header (truncated?)", file: file.path)
        }
        let text = AFMText.latin1(bytes[..<end])
        var sections: [Section] = []
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.replacingOccurrences(of: "\\", with: "").trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("*") || line.hasPrefix("?*") {
                sections.append(Section(name: String(line.drop { $0 == "?" || $0 == "*" })))
                continue
            }
            guard !sections.isEmpty, let range = line.range(of: ": ") else { continue }
            sections[sections.count - 1].entries.append((String(line[..<range.lowerBound]),
                                                         String(line[range.upperBound...])))
        }
        return sections
    }

    static func firstIndex(of needle: [UInt8], in hay: [UInt8]) -> Int? {
        guard hay.count >= needle.count, let first = needle.first else { return nil }
        var i = 0
        while i <= hay.count - needle.count {
            if hay[i] == first && hay[i..<i + needle.count].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }

    static func parse(_ file: RandomAccessFile) throws -> AFMFile {
        let path = file.path
        let sections = try parseHeader(file)
        let others = sections.filter { $0.name.lowercased() != "ciao image list" }
        let images = sections.filter { $0.name.lowercased() == "ciao image list" }
        func sensitivity(_ key: String) -> String? {
            for s in others { if let v = s.value("@" + key) { return v } }
            return nil
        }
        func int(_ s: Section, _ key: String) -> Int? {
            s.value(key).flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        }

        var metadata = Metadata()
        if let v = sections.first?.value("Version") { metadata["nanoscope.version"] = v }
        if let v = sections.first?.value("Date") { metadata["nanoscope.date"] = v }
        for s in others {
            for key in ["Scan Size", "Scan Rate", "Samps/line", "Lines", "Scan Angle", "Operating mode"] {
                if metadata["nanoscope.\(key)"] == nil, let v = s.value(key) { metadata["nanoscope.\(key)"] = v }
            }
        }

        struct Pending {
            var name: String, label: String, direction: AFMScanDirection?, source: AFMChannelSource
        }
        var pending: [Pending] = []
        for (index, s) in images.enumerated() {
            guard let imageData = s.value("@2:Image Data") else { continue }
            let quoted = imageData.split(separator: "\"", omittingEmptySubsequences: false)
            let label = quoted.count >= 2 ? String(quoted[1]) : "Channel\(index)"
            let bracket = imageData.firstIndex(of: "[").flatMap { open in
                imageData[open...].firstIndex(of: "]").map { String(imageData[imageData.index(after: open)..<$0]) }
            } ?? ""
            guard let offset = int(s, "Data offset"), let length = int(s, "Data length") else {
                throw ScopeKitError.badInput("Nanoscope: channel \(label) has no data offset/length", file: path)
            }
            let rows = int(s, "Number of lines") ?? int(s, "Valid data len Y") ?? 0
            let cols = int(s, "Samps/line") ?? int(s, "Valid data len X") ?? 0
            guard rows > 0, cols > 0 else {
                throw ScopeKitError.badInput("Nanoscope: channel \(label) has invalid size \(rows) × \(cols)", file: path)
            }
            let pixels = try AFMRawData.checkedProduct([rows, cols], "Nanoscope channel", file: path)
            let bpp = int(s, "Bytes/pixel") ?? (length / pixels)
            let sample: AFMSample
            switch bpp {
            case 2: sample = .int16
            case 4: sample = .int32
            case 8: sample = .int64
            default: throw ScopeKitError.badInput("Nanoscope: channel \(label) has \(bpp) bytes per pixel", file: path)
            }
            try file.checkRange(offset: offset, count: try AFMRawData.checkedProduct([pixels, bpp], "Nanoscope data",
                                                                                     file: path),
                                what: "Nanoscope channel \(label) data")

            // Z scale: hard value / 256^bpp × sensitivity.
            guard let zLine = s.value("@2:Z scale") else {
                throw ScopeKitError.badInput("Nanoscope: channel \(label) has no '@2:Z scale'", file: path)
            }
            let (scale, scale2, unit) = try zScale(zLine, bpp: bpp, sensitivity: sensitivity, file: path)
            let lengthFactor = AFMText.nanometres(per: unit)
            let outUnit = lengthFactor != nil ? "nm" : (unit == "º" || unit == "°" ? "deg" : unit)
            let toNm = lengthFactor ?? 1

            // Scan size (pySPM: x = s0, y = s1 · yres / xres, unit "~m" = µm).
            var colStep = 1.0, rowStep = 1.0
            if let size = s.value("Scan Size") ?? others.lazy.compactMap({ $0.value("Scan Size") }).first {
                let parts = size.split(separator: " ")
                if parts.count >= 3, let sx = Double(parts[0]), let sy = Double(parts[1]),
                   let f = AFMText.nanometres(per: String(parts[2])) {
                    colStep = sx / Double(cols) * f
                    rowStep = sy * Double(rows) / Double(cols) / Double(rows) * f
                } else if parts.count == 2, let sx = Double(parts[0]), let f = AFMText.nanometres(per: String(parts[1])) {
                    colStep = sx / Double(cols) * f
                    rowStep = colStep
                }
            }
            let directionText = s.value("Line Direction")?.lowercased()
            let direction: AFMScanDirection? = directionText == "retrace" ? .retrace
                : directionText == "trace" ? .trace : nil
            let isHeight = ["height", "zsensor", "height sensor"].contains(bracket.lowercased())
                || label.lowercased().hasPrefix("height")
            let channel = AFMChannel(name: label, direction: direction, unit: outUnit, isHeight: isHeight,
                                     shape: [rows, cols])
            var channelMetadata = Metadata()
            channelMetadata["nanoscope.zScale"] = zLine
            if let v = s.value("@2:Z offset") { channelMetadata["nanoscope.zOffset"] = v }
            let source = AFMChannelSource(
                channel: channel,
                calibration: AFMRawData.calibration(rows: rows, cols: cols, frames: nil, rowStep: rowStep,
                                                    colStep: colStep, unit: outUnit),
                metadata: channelMetadata,
                readFrame: { _, dst in
                    try AFMRawData.decode(file, offset: offset, rows: rows, cols: cols, sample: sample,
                                          bigEndian: false, flipRows: true, into: dst,
                                          what: "Nanoscope channel \(label)")
                    if toNm == 1 {
                        AFMRawData.apply(dst) { $0 * scale * scale2 }
                    } else {
                        AFMRawData.apply(dst) { $0 * scale * scale2 * toNm }
                    }
                })
            pending.append(Pending(name: label, label: label, direction: direction, source: source))
        }

        // Unique names: a name used twice keeps the plain name for the trace channel.
        var sources: [AFMChannelSource] = []
        for (i, p) in pending.enumerated() {
            var source = p.source
            let twins = pending.indices.filter { pending[$0].name == p.name }
            if twins.count > 1 {
                let traceIndex = twins.first { pending[$0].direction != .retrace } ?? twins[0]
                if i != traceIndex {
                    let suffix = p.direction == .retrace ? " (retrace)" : " (\(twins.firstIndex(of: i)! + 1))"
                    source.channel.name = p.name + suffix
                    source.channel.aliases = [p.name]
                }
            }
            sources.append(source)
        }
        return try AFMFile(path: path, formatName: name, metadata: metadata, sources: sources)
    }

    /// Parses `V [Sens. X] (0.000375 V/LSB) 24.57 V` → (hard / 256^bpp, sensitivity, unit), as pySPM.
    static func zScale(_ line: String, bpp: Int, sensitivity: (String) -> String?,
                       file: String) throws -> (Double, Double, String) {
        // The hard value follows the ")" that closes "(… V/LSB)" (units such as "log(Arb)" hold parentheses too).
        var parsed: (close: String.Index, hard: Double, rest: Substring)?
        for close in line.indices where line[close] == ")" {
            if let (hard, rest) = AFMText.leadingNumber(line[line.index(after: close)...]) {
                parsed = (close, hard, rest)
                break
            }
        }
        guard let (close, hard, rest) = parsed else {
            throw ScopeKitError.badInput("Nanoscope: cannot parse Z scale '\(line)'", file: file)
        }
        let hardUnit = rest.trimmingCharacters(in: .whitespaces)
        guard let open = line.firstIndex(of: "["), let shut = line[open...].firstIndex(of: "]"), open < close else {
            return (hard / 65536.0, 1, "V")
        }
        let key = String(line[line.index(after: open)..<shut])
        let scale = hard / pow(256.0, Double(bpp))
        guard let sens = sensitivity(key) else {
            throw ScopeKitError.badInput("Nanoscope: no sensitivity '@\(key)' for Z scale", file: file)
        }
        let parts = sens.split(separator: " ")
        guard parts.count >= 2, let value = Double(parts[1]) else {
            throw ScopeKitError.badInput("Nanoscope: cannot parse sensitivity '\(sens)'", file: file)
        }
        var unit = parts.count > 2 ? String(parts[2]) : hardUnit
        if unit.hasSuffix("/V") { unit = String(unit.dropLast(2)) }
        return (scale, value, unit)
    }
}
