import Foundation
import ScopeKitCore
import ScopeKitIO

/// The JPK Instruments image reader (`.jpk`, `.jpk-qi-image`): TIFF containers with JPK private tags.
///
/// IFD 0 is an 8-bit thumbnail carrying the scan geometry (`Grid-uLength` 32834 / `Grid-iLength` 32838 along
/// x, `Grid-vLength` 32835 / `Grid-jLength` 32839 along y, metres and pixels); every further IFD is one
/// channel: name (32848), trace/retrace (32849, 0 = trace), uncompressed integer or float strips, and
/// calibration "slots" of 48 tags from 32912 (slot name +0, unit +18, scaling type +19, multiplier +20,
/// offset +21), the default slot named by tag 32897 among the first tag-32896 slots.
///
/// Values follow AFMReader 0.0.7 `load_jpk` bit for bit: `(raw · multiplier + offset)` of the default slot
/// (`NullScaling` = raw), rows flipped upside down, × 1e9 when the slot unit is metres (nm; AFMReader does
/// this for `height`, `measuredHeight` and `amplitude`, whose slots are in metres). Channels are named
/// `<name>_trace` / `<name>_retrace` as AFMReader names them; a repeated name gets `_2`, `_3`, … in page order
/// (AFMReader keeps only the last page of a repeated name). The IFDs are parsed here (classic TIFF, either
/// byte order); every offset and count is checked against the file.
///
/// ```swift
/// let h = try AFMFormats.read(URL(fileURLWithPath: "sample_0.jpk"), channel: "height_trace")   // nm
/// ```
enum JPKFormat {
    static let name = "JPK"
    static let format = AFMImageFormat(name: name, fileExtensions: ["jpk", "jpk-qi-image"], detect: detect,
                                       parse: parse)

    /// A TIFF header with a JPK extension (JPK files are TIFFs; the extension tells them apart).
    static func detect(_ header: [UInt8], _ ext: String) -> Bool {
        guard ["jpk", "jpk-qi-image"].contains(ext), header.count >= 4 else { return false }
        return (header[0] == 0x4D && header[1] == 0x4D && header[2] == 0 && header[3] == 42)
            || (header[0] == 0x49 && header[1] == 0x49 && header[2] == 42 && header[3] == 0)
    }

    /// One TIFF tag value (internal).
    enum TagValue {
        case numbers([Double])
        case text(String)

        var number: Double? { if case .numbers(let v) = self { v.first } else { nil } }
        var string: String? {
            switch self {
            case .text(let s): s
            case .numbers(let v): v.first.map { $0 == $0.rounded() ? String(Int($0)) : "\($0)" }
            }
        }
    }

    /// Parses every IFD of a classic TIFF into tag dictionaries.
    static func readIFDs(_ file: RandomAccessFile) throws -> (bigEndian: Bool, ifds: [[Int: TagValue]]) {
        let path = file.path
        let head = try file.bytes(at: 0, count: 8, what: "TIFF header")
        let bigEndian = head[0] == 0x4D
        var r = ByteReader(head, bigEndian: bigEndian, file: path)
        r.offset = 4
        var next = Int(try r.readUInt32())
        var ifds: [[Int: TagValue]] = []
        var visited: Set<Int> = []
        while next != 0 {
            guard !visited.contains(next), ifds.count < 4096 else {
                throw ScopeKitError.badInput("JPK: IFD chain loops", file: path)
            }
            visited.insert(next)
            let countBytes = try file.bytes(at: next, count: 2, what: "TIFF IFD")
            var cr = ByteReader(countBytes, bigEndian: bigEndian, file: path)
            let count = Int(try cr.readUInt16())
            let table = try file.bytes(at: next + 2, count: count * 12 + 4, what: "TIFF IFD")
            var t = ByteReader(table, bigEndian: bigEndian, file: path)
            var tags: [Int: TagValue] = [:]
            for _ in 0..<count {
                let tag = Int(try t.readUInt16()), type = Int(try t.readUInt16())
                let n = Int(try t.readUInt32())
                let valueField = Array(try t.readBytes(4))
                let size: Int
                switch type {
                case 1, 2, 6, 7: size = 1
                case 3, 8: size = 2
                case 4, 9, 11: size = 4
                case 5, 10, 12: size = 8
                default: continue
                }
                let total = try AFMRawData.checkedProduct([n, size], "TIFF tag \(tag)", file: path)
                let bytes: [UInt8]
                if total <= 4 {
                    bytes = Array(valueField.prefix(total))
                } else {
                    var vr = ByteReader(valueField, bigEndian: bigEndian, file: path)
                    bytes = try file.bytes(at: Int(try vr.readUInt32()), count: total, what: "TIFF tag \(tag)")
                }
                if type == 2 {
                    tags[tag] = .text(AFMText.latin1(bytes.prefix { $0 != 0 }))
                    continue
                }
                var br = ByteReader(bytes, bigEndian: bigEndian, file: path)
                var values: [Double] = []
                values.reserveCapacity(min(n, 1 << 16))
                for _ in 0..<n {
                    switch type {
                    case 1, 7: values.append(Double(try br.readUInt8()))
                    case 6: values.append(Double(try br.read(Int8.self)))
                    case 3: values.append(Double(try br.readUInt16()))
                    case 8: values.append(Double(try br.read(Int16.self)))
                    case 4: values.append(Double(try br.readUInt32()))
                    case 9: values.append(Double(try br.read(Int32.self)))
                    case 11: values.append(Double(try br.readFloat32()))
                    case 12: values.append(try br.readFloat64())
                    case 5: let a = try br.readUInt32(), b = try br.readUInt32(); values.append(Double(a) / Double(b))
                    default: let a = try br.read(Int32.self), b = try br.read(Int32.self); values.append(Double(a) / Double(b))
                    }
                }
                tags[tag] = .numbers(values)
            }
            var nr = ByteReader(Array(table.suffix(4)), bigEndian: bigEndian, file: path)
            next = Int(try nr.readUInt32())
            ifds.append(tags)
        }
        return (bigEndian, ifds)
    }

    static func parse(_ file: RandomAccessFile) throws -> AFMFile {
        let path = file.path
        let (bigEndian, ifds) = try readIFDs(file)
        guard ifds.count >= 2 else { throw ScopeKitError.badInput("JPK: no channel pages", file: path) }
        let meta = ifds[0]
        func num(_ tags: [Int: TagValue], _ tag: Int) -> Double? { tags[tag]?.number }
        guard let uLength = num(meta, 32834), let vLength = num(meta, 32835),
              let iLength = num(meta, 32838), let jLength = num(meta, 32839), iLength > 0, jLength > 0 else {
            throw ScopeKitError.badInput("JPK: no scan grid tags (32834–32839) in IFD 0", file: path)
        }
        let colStep = uLength / iLength * 1e9, rowStep = vLength / jLength * 1e9
        var metadata = Metadata()
        for (tag, key) in [(32768, "jpk.version"), (32771, "jpk.startDate"), (32772, "jpk.name"),
                           (32816, "jpk.feedbackMode"), (32843, "jpk.scanDirection")] {
            if let s = meta[tag]?.string { metadata[key] = s }
        }
        metadata["jpk.scanSize"] = "\(uLength * 1e9) x \(vLength * 1e9) nm"

        let pageNames = ifds.dropFirst().map { $0[32848]?.string ?? "channel" }
        let hasHeight = pageNames.contains("height")
        var seen: [String: Int] = [:]
        var sources: [AFMChannelSource] = []
        for (p, tags) in ifds.enumerated().dropFirst() {
            let base = tags[32848]?.string ?? "channel\(p)"
            let retrace = (num(tags, 32849) ?? 0) != 0
            var name = "\(base)_\(retrace ? "retrace" : "trace")"
            seen[name, default: 0] += 1
            if seen[name]! > 1 { name += "_\(seen[name]!)" }

            guard let w = num(tags, 256).map(Int.init), let h = num(tags, 257).map(Int.init), w > 0, h > 0 else {
                throw ScopeKitError.badInput("JPK: page \(p) has no image size", file: path)
            }
            guard (num(tags, 259) ?? 1) == 1 else {
                throw ScopeKitError.badInput("JPK: page \(p) is compressed (only uncompressed is supported)", file: path)
            }
            let bits = Int(num(tags, 258) ?? 8), format = Int(num(tags, 339) ?? 1)
            let sample: AFMSample
            switch (bits, format) {
            case (8, 1): sample = .uint8
            case (8, 2): sample = .int8
            case (16, 1): sample = .uint16
            case (16, 2): sample = .int16
            case (32, 1): sample = .uint32
            case (32, 2): sample = .int32
            case (32, 3): sample = .float32
            case (64, 3): sample = .float64
            default: throw ScopeKitError.badInput("JPK: page \(p) has \(bits)-bit samples of format \(format)", file: path)
            }
            guard case .numbers(let stripOffsets)? = tags[273], case .numbers(let stripCounts)? = tags[279],
                  stripOffsets.count == stripCounts.count, !stripOffsets.isEmpty else {
                throw ScopeKitError.badInput("JPK: page \(p) has no strips", file: path)
            }
            let needed = try AFMRawData.checkedProduct([w, h, sample.byteCount], "JPK page", file: path)
            let strips = zip(stripOffsets, stripCounts).map { (Int($0), Int($1)) }
            for (o, n) in strips { try file.checkRange(offset: o, count: n, what: "JPK page \(p) strip") }
            guard strips.reduce(0, { $0 + $1.1 }) >= needed else {
                throw ScopeKitError.badInput("JPK: page \(p) strips hold fewer than \(needed) bytes", file: path)
            }

            // Default calibration slot.
            let slotCount = Int(num(tags, 32896) ?? 0)
            let defaultSlot = tags[32897]?.string
            var multiplier = 1.0, offset = 0.0, unit = ""
            if let defaultSlot, slotCount > 0, slotCount < 64,
               let slot = (0..<slotCount).last(where: { tags[32912 + 48 * $0]?.string == defaultSlot }) {
                let base = 32912 + 48 * slot
                unit = tags[base + 18]?.string ?? ""
                switch tags[base + 19]?.string {
                case "LinearScaling":
                    guard let m = num(tags, base + 20), let o = num(tags, base + 21) else {
                        throw ScopeKitError.badInput("JPK: page \(p) slot \(defaultSlot) lacks scaling values", file: path)
                    }
                    (multiplier, offset) = (m, o)
                case "NullScaling", nil: break
                case let other?:
                    throw ScopeKitError.badInput("JPK: page \(p) has unsupported scaling '\(other)'", file: path)
                }
            }
            let metres = unit == "m" || (unit.isEmpty && ["height", "measuredHeight", "amplitude"].contains(base))
            let outUnit = metres ? "nm" : unit
            let isHeight = base == "height" || (!hasHeight && base == "measuredHeight")
            let channel = AFMChannel(name: name, label: tags[32850]?.string ?? base,
                                     direction: retrace ? .retrace : .trace, unit: outUnit, isHeight: isHeight,
                                     shape: [h, w])
            let (m, o) = (multiplier, offset)
            sources.append(AFMChannelSource(
                channel: channel,
                calibration: AFMRawData.calibration(rows: h, cols: w, frames: nil, rowStep: rowStep,
                                                    colStep: colStep, unit: outUnit),
                metadata: ["jpk.page": "\(p)", "jpk.slot": defaultSlot ?? ""],
                readFrame: { _, dst in
                    var bytes: [UInt8] = []
                    bytes.reserveCapacity(needed)
                    for (so, sn) in strips where bytes.count < needed {
                        bytes += try file.bytes(at: so, count: min(sn, needed - bytes.count), what: "JPK strip")
                    }
                    bytes.withUnsafeBytes { raw in
                        for r in 0..<h {
                            AFMRawData.convertRow(raw.baseAddress! + (h - 1 - r) * w * sample.byteCount, count: w,
                                                  sample: sample, bigEndian: bigEndian, into: dst.baseAddress! + r * w)
                        }
                    }
                    if metres {
                        AFMRawData.apply(dst) { ($0 * m + o) * 1e9 }
                    } else {
                        AFMRawData.apply(dst) { $0 * m + o }
                    }
                }))
        }
        return try AFMFile(path: path, formatName: name, metadata: metadata, sources: sources)
    }
}
