import Foundation
import ScopeKitCore
import ScopeKitIO

/// The Asylum Research / Igor Pro binary wave (`.ibw`, version 5) reader.
///
/// Layout (either byte order, told by the version field): a 64-byte `BinHeader5`, a 320-byte `WaveHeader5`
/// (type, `nDim[4]`, deltas `sfA`, units), the wave data in Igor's column-major order, then the formula, the
/// wave note (`Key: value` lines separated by `\r`, where Asylum stores `FastScanSize`, `SlowScanSize`,
/// `ScanRate`, …) and the dimension labels (32 bytes each; dimension 2 labels name the channels).
///
/// Each layer `k` of a `[cols, rows, layers]` wave is a channel, returned as AFMReader 0.0.7 `load_ibw` does:
/// `wData[:, :, k].T` flipped upside down, times 1e9 when the data unit is metres (nm). ScopeKit computes the
/// exact `Float64` of `float32 × 1e9` (AFMReader multiplies in float32). Phase channels (name containing
/// `Phase`) are returned in degrees, unscaled (AFMReader multiplies them by 1e9 too). Pixel size: `FastScanSize`
/// ÷ columns and `SlowScanSize` ÷ rows from the note (AFMReader's value), else the wave deltas `sfA`.
///
/// ```swift
/// let file = try AFMFormats.open(URL(fileURLWithPath: "Example_ibw.ibw"))
/// file.channels.map(\.name)   // ["HeightTrace", "HeightRetrace", "AmplitudeRetrace", …]
/// ```
enum IBWFormat {
    static let name = "Igor IBW"
    static let format = AFMImageFormat(name: name, fileExtensions: ["ibw"], detect: detect, parse: parse)

    /// True for a version-5 wave whose header is self-consistent (npnts = product of the dimensions).
    static func detect(_ header: [UInt8], _ ext: String) -> Bool {
        guard header.count >= 384 else { return false }
        let bigEndian: Bool
        if header[0] == 5 && header[1] == 0 { bigEndian = false } else if header[0] == 0 && header[1] == 5 {
            bigEndian = true
        } else { return false }
        var r = ByteReader(header, bigEndian: bigEndian)
        r.offset = 64 + 12
        guard let npnts = try? r.read(Int32.self) else { return false }
        r.offset = 64 + 68
        var product = 1
        for _ in 0..<4 {
            guard let d = try? r.read(Int32.self), d >= 0 else { return false }
            if d > 0 { product = product.multipliedReportingOverflow(by: Int(d)).partialValue }
        }
        return npnts > 0 && Int(npnts) == product
    }

    static func parse(_ file: RandomAccessFile) throws -> AFMFile {
        let path = file.path
        let head = try file.bytes(at: 0, count: 384, what: "IBW header")
        let bigEndian: Bool
        if head[0] == 5 && head[1] == 0 { bigEndian = false } else if head[0] == 0 && head[1] == 5 {
            bigEndian = true
        } else {
            let version = head[0] == 0 ? Int(head[1]) : Int(head[0])
            throw ScopeKitError.badInput("IBW version \(version) is not supported (only version 5)", file: path)
        }
        var r = ByteReader(head, bigEndian: bigEndian, file: path)
        func i32(at offset: Int) throws -> Int { r.offset = offset; return Int(try r.read(Int32.self)) }
        let wfmSize = try i32(at: 4)
        let formulaSize = try i32(at: 8)
        let noteSize = try i32(at: 12)
        let dataEUnitsSize = try i32(at: 16)
        var dimEUnitsSizes: [Int] = [], dimLabelsSizes: [Int] = []
        for d in 0..<4 { dimEUnitsSizes.append(try i32(at: 20 + 4 * d)) }
        for d in 0..<4 { dimLabelsSizes.append(try i32(at: 36 + 4 * d)) }
        let npnts = try i32(at: 64 + 12)
        r.offset = 64 + 16
        let type = Int(try r.read(Int16.self))
        var dims: [Int] = []
        for d in 0..<4 { dims.append(try i32(at: 64 + 68 + 4 * d)) }
        var deltas: [Double] = []
        r.offset = 64 + 84
        for _ in 0..<4 { deltas.append(try r.readFloat64()) }
        let dataUnits = AFMText.latin1(head[(64 + 148)..<(64 + 152)].prefix { $0 != 0 })
        let dimUnits = (0..<4).map { d in AFMText.latin1(head[(64 + 152 + 4 * d)..<(64 + 156 + 4 * d)].prefix { $0 != 0 }) }

        let sample: AFMSample
        switch type {
        case 2: sample = .float32
        case 4: sample = .float64
        case 8: sample = .int8
        case 0x10: sample = .int16
        case 0x20: sample = .int32
        case 0x48: sample = .uint8
        case 0x50: sample = .uint16
        case 0x60: sample = .uint32
        default: throw ScopeKitError.badInput("IBW: unsupported wave type 0x\(String(type, radix: 16))", file: path)
        }
        guard dims.allSatisfy({ $0 >= 0 }), dims[0] > 0, dims[1] > 0 else {
            throw ScopeKitError.badInput("IBW: not an image wave (dimensions \(dims))", file: path)
        }
        let cols = dims[0], rows = dims[1]
        let layers = max(dims[2], 1)
        guard dims[3] <= 1 else { throw ScopeKitError.badInput("IBW: 4-D waves are not supported", file: path) }
        let planeCount = try AFMRawData.checkedProduct([rows, cols], "IBW wave", file: path)
        let total = try AFMRawData.checkedProduct([planeCount, layers], "IBW wave", file: path)
        guard total == npnts else {
            throw ScopeKitError.badInput("IBW: npnts \(npnts) does not match dimensions \(dims)", file: path)
        }
        let dataStart = 384
        let planeBytes = planeCount * sample.byteCount
        try file.checkRange(offset: dataStart, count: try AFMRawData.checkedProduct([planeBytes, layers],
                                                                                    "IBW data", file: path),
                            what: "IBW wave data")

        // Sections after the wave: formula, note, data units, dimension units, dimension labels.
        var offset = 64 + max(wfmSize, 320 + total * sample.byteCount)
        func section(_ size: Int, _ what: String) throws -> [UInt8] {
            guard size >= 0 else { throw ScopeKitError.badInput("IBW: negative \(what) size", file: path) }
            defer { offset += size }
            try file.checkRange(offset: offset, count: size, what: "IBW \(what)")
            return try file.bytes(at: offset, count: size, what: "IBW \(what)")
        }
        _ = try section(formulaSize, "formula")
        let note = AFMText.latin1(try section(noteSize, "note"))
        _ = try section(dataEUnitsSize, "data units")
        for d in 0..<4 { _ = try section(dimEUnitsSizes[d], "dimension units") }
        var labelBytes: [[UInt8]] = []
        for d in 0..<4 { labelBytes.append(try section(dimLabelsSizes[d], "dimension labels")) }

        var notes: [String: String] = [:]
        for line in note.split(whereSeparator: \.isNewline) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = String(line[..<colon]), value = line[line.index(after: colon)...]
            if notes[key] == nil { notes[key] = value.trimmingCharacters(in: .whitespaces) }
        }

        // Channel names: dimension 2 labels after the dimension's own name.
        var names: [String] = [], aliases: [String] = []
        let layerLabels = labelBytes[2]
        for k in 0..<layers {
            let start = 32 * (k + 1)
            if start + 32 <= layerLabels.count {
                let raw = layerLabels[start..<start + 32]
                names.append(AFMText.latin1(raw.prefix { $0 != 0 }))
                aliases.append(AFMText.latin1(raw.filter { $0 != 0 }))
            } else {
                names.append("")
                aliases.append("")
            }
        }
        for k in names.indices where names[k].isEmpty { names[k] = "Channel\(k)" }

        var metadata = Metadata()
        metadata["ibw.waveType"] = "0x\(String(type, radix: 16))"
        metadata["ibw.dimensions"] = dims.map(String.init).joined(separator: ",")
        metadata["ibw.deltaX"] = "\(deltas[0]) \(dimUnits[0])"
        metadata["ibw.deltaY"] = "\(deltas[1]) \(dimUnits[1])"
        metadata["ibw.dataUnits"] = dataUnits
        for key in ["ScanSize", "FastScanSize", "SlowScanSize", "ScanRate", "ScanPoints", "ScanLines", "ScanAngle",
                    "ImagingMode", "SpringConstant", "InvOLS", "Date", "Time", "XOffset", "YOffset"] {
            if let v = notes[key] { metadata["ibw.\(key)"] = v }
        }
        if let rate = notes["ScanRate"].flatMap(Double.init), rate > 0 {
            metadata["afm.lineRate"] = "\(rate) Hz"
            metadata["afm.frameTime"] = "\(Double(rows) / rate) s"
        }

        let metres = dataUnits == "m"
        func step(_ noteKey: String, _ n: Int, _ d: Int) -> Double {
            if let s = notes[noteKey].flatMap(Double.init), s > 0 { return s / Double(n) * 1e9 }
            let f = AFMText.nanometres(per: dimUnits[d]) ?? 1
            return deltas[d] * f
        }
        let colStep = step("FastScanSize", cols, 0), rowStep = step("SlowScanSize", rows, 1)

        var sources: [AFMChannelSource] = []
        for k in 0..<layers {
            let isPhase = names[k].contains("Phase")
            let scale = (metres && !isPhase) ? 1e9 : 1
            let unit = isPhase ? "deg" : (metres ? "nm" : dataUnits)
            let isHeight = names[k].hasPrefix("Height") || names[k].hasPrefix("ZSensor")
            let direction: AFMScanDirection? = names[k].hasSuffix("Retrace") ? .retrace
                : names[k].hasSuffix("Trace") ? .trace : nil
            let channel = AFMChannel(name: names[k], direction: direction, unit: unit, isHeight: isHeight,
                                     shape: [rows, cols], aliases: aliases[k] == names[k] ? [] : [aliases[k]])
            let layerOffset = dataStart + k * planeBytes
            let label = names[k]
            sources.append(AFMChannelSource(
                channel: channel,
                calibration: AFMRawData.calibration(rows: rows, cols: cols, frames: nil, rowStep: rowStep,
                                                    colStep: colStep, unit: unit),
                metadata: [:],
                readFrame: { _, dst in
                    try AFMRawData.decode(file, offset: layerOffset, rows: rows, cols: cols, sample: sample,
                                          bigEndian: bigEndian, flipRows: true, into: dst,
                                          what: "IBW channel \(label)")
                    if scale != 1 { AFMRawData.apply(dst) { $0 * scale } }
                }))
        }
        return try AFMFile(path: path, formatName: name, metadata: metadata, sources: sources)
    }
}
