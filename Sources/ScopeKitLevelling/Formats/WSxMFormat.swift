import Foundation
import ScopeKitCore
import ScopeKitIO

/// The WSxM image reader (`.stp` doubles, `.top` 16-bit integers, and other `SxM Image file`s).
///
/// Layout: a Latin-1 text header that starts `WSxM file copyright …`, `SxM Image file`, `Image header size: N`,
/// then `[Section]`s of `Key: value` lines (`Number of rows/columns`, `X/Y Amplitude` with unit, `Z Amplitude`,
/// `Image Data Type: double|short`), ending at byte N; then `rows × cols` little-endian samples, row 0 first.
///
/// Values follow AFMReader 0.0.7: `.stp`/double data are returned as stored (`load_stp`, bit-identical);
/// 16-bit data are rescaled to `[0, Z amplitude]` — `(v − min) / (max − min) · Z amplitude` — as `load_top`
/// does, except that ScopeKit uses the whole amplitude with its unit (AFMReader keeps only the integer part
/// of `59.7449 nm`), so ScopeKit's values are AFMReader's × 59.7449/59. Pixel size: X amplitude ÷ columns
/// and Y amplitude ÷ rows in nm (non-square scans are allowed; AFMReader refuses them).
///
/// ```swift
/// let h = try AFMFormats.read(URL(fileURLWithPath: "sample_0.stp"))   // "Topography", [512, 512] nm
/// ```
enum WSxMFormat {
    static let name = "WSxM"
    static let format = AFMImageFormat(name: name, fileExtensions: ["stp", "top"], detect: detect, parse: parse)

    static func detect(_ header: [UInt8], _ ext: String) -> Bool {
        let text = AFMText.latin1(header.prefix(120))
        return text.hasPrefix("WSxM file copyright") && text.contains("SxM Image file")
    }

    static func parse(_ file: RandomAccessFile) throws -> AFMFile {
        let path = file.path
        let start = AFMText.latin1(try file.bytes(at: 0, count: min(file.size, 200), what: "WSxM header"))
        guard let sizeRange = start.range(of: "Image header size: "),
              let (size, _) = AFMText.leadingNumber(start[sizeRange.upperBound...]), size > 0,
              size == size.rounded(), Int(size) <= file.size else {
            throw ScopeKitError.badInput("WSxM: no valid 'Image header size'", file: path)
        }
        let headerSize = Int(size)
        let text = AFMText.latin1(try file.bytes(at: 0, count: headerSize, what: "WSxM header"))
        var values: [String: String] = [:]
        var section = ""
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("[") && line.hasSuffix("]") { section = String(line.dropFirst().dropLast()); continue }
            guard let colon = line.range(of: ": ") else { continue }
            let key = String(line[..<colon.lowerBound])
            let value = String(line[colon.upperBound...]).trimmingCharacters(in: .whitespaces)
            values["\(section)::\(key)"] = value
            if values[key] == nil { values[key] = value }
        }
        func int(_ key: String) -> Int? { values[key].flatMap { Int($0) } }
        guard let rows = int("Number of rows"), let cols = int("Number of columns"), rows > 0, cols > 0 else {
            throw ScopeKitError.badInput("WSxM: no valid 'Number of rows/columns'", file: path)
        }
        func length(_ key: String) -> Double? {
            guard let v = values[key], let (number, rest) = AFMText.leadingNumber(Substring(v)) else { return nil }
            let unit = rest.trimmingCharacters(in: .whitespaces)
            return AFMText.nanometres(per: unit.isEmpty ? "nm" : unit).map { number * $0 }
        }
        let dataType = values["Image Data Type"]?.lowercased() ?? (file.path.lowercased().hasSuffix(".stp") ? "double" : "short")
        let sample: AFMSample
        switch dataType {
        case "double": sample = .float64
        case "short", "integer", "int16": sample = .int16
        case "float": sample = .float32
        default: throw ScopeKitError.badInput("WSxM: unsupported data type '\(dataType)'", file: path)
        }
        let bytes = try AFMRawData.checkedProduct([rows, cols, sample.byteCount], "WSxM data", file: path)
        try file.checkRange(offset: headerSize, count: bytes, what: "WSxM data")

        let xSize = length("Control::X Amplitude"), ySize = length("Control::Y Amplitude")
        let colStep = (xSize ?? Double(cols)) / Double(cols), rowStep = (ySize ?? xSize ?? Double(rows)) / Double(rows)
        let zAmplitude = length("Z Amplitude")
        guard sample == .float64 || sample == .float32 || zAmplitude != nil else {
            throw ScopeKitError.badInput("WSxM: integer data without a 'Z Amplitude' length", file: path)
        }
        let channelName = values["Acquisition channel"] ?? "Topography"
        var metadata = Metadata()
        for key in ["Control::X Amplitude", "Control::Y Amplitude", "General Info::Z Amplitude",
                    "General Info::Acquisition time", "General Info::Head type", "Control::X-Frequency",
                    "General Info::Image Data Type"] {
            if let v = values[key] { metadata["wsxm.\(key.components(separatedBy: "::").last!)"] = v }
        }
        let unit = "nm"
        let channel = AFMChannel(name: channelName, unit: unit, isHeight: true, shape: [rows, cols],
                                 aliases: ["Topography", "Height"])
        let source = AFMChannelSource(
            channel: channel,
            calibration: AFMRawData.calibration(rows: rows, cols: cols, frames: nil, rowStep: rowStep,
                                                colStep: colStep, unit: unit),
            metadata: [:],
            readFrame: { _, dst in
                try AFMRawData.decode(file, offset: headerSize, rows: rows, cols: cols, sample: sample,
                                      bigEndian: false, flipRows: false, into: dst, what: "WSxM data")
                if sample == .int16, let z = zAmplitude {
                    var lo = Double.infinity, hi = -Double.infinity
                    for v in dst { lo = min(lo, v); hi = max(hi, v) }
                    let span = hi - lo
                    AFMRawData.apply(dst) { span > 0 ? ($0 - lo) / span * z : 0 }
                }
            })
        return try AFMFile(path: path, formatName: name, metadata: metadata, sources: [source])
    }
}
