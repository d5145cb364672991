import Foundation
import ScopeKitCore
import ScopeKitIO

/// The high-speed AFM `.asd` reader (RIBM / Kanazawa, file versions 0, 1 and 2): every frame of both channels.
///
/// Layout: a little-endian header (version, header and frame-header sizes, two channel codes such as `TP`
/// topography, `ER` error, `PH` phase, frame count, pixels and scan size, frame time, piezo and sensor
/// constants, A/D range), then all frames of channel 1 followed by all frames of channel 2, each frame a small
/// header and `rows × cols` signed 16-bit levels.
///
/// Levels become physical values as AFMReader 0.0.7 `load_asd` converts them (bit-identical for these channels):
/// - unipolar A/D ranges (0–1, 0–2.5, 0–9.99, 0–5 V): `level · (−range / 4096 · factor)`;
/// - bipolar ranges (±1, ±2.5, ±5 V): `(range − 2 · level · range / 4096) · factor`;
/// - `factor` = z piezo gain × z piezo extension (nm/V) for `TP` (nm), −scanner sensitivity for `ER` (nm),
///   −phase sensitivity for `PH` (deg); other channel codes use factor 1 (V).
/// The resolution is 2^bits of the header's A/D bit count (4096 for the usual 12 bits, which AFMReader assumes).
///
/// Differences from AFMReader: frame data start at the header's "header length" and each frame skips the
/// header's "frame header length" bytes (AFMReader assumes the header ends where its parser stops and a 32-byte
/// frame header; both agree on every file seen). Shape is `[frames, y pixels, x pixels]`; pixel size
/// `x nm / x pixels` by `y nm / y pixels`; the frame axis carries the frame time in seconds.
///
/// ```swift
/// let movie = try AFMFormats.read(URL(fileURLWithPath: "202110200146.asd"))   // TP, [2, 250, 250] nm
/// let phase = try AFMFormats.read(url, channel: "PH")
/// ```
enum ASDFormat {
    static let name = "HS-AFM ASD"

    static let format = AFMImageFormat(name: name, fileExtensions: ["asd"], detect: detect, parse: parse)

    /// True for a plausible `.asd` header: version 0 with two ASCII channel codes at byte 4, or version 1/2 with
    /// NUL-padded channel codes at bytes 24 and 28; the extension alone is not enough.
    static func detect(_ header: [UInt8], _ ext: String) -> Bool {
        guard header.count >= 32 else { return false }
        func code(_ i: Int, _ n: Int) -> Bool {
            (i..<i + n).allSatisfy { (0x41...0x5A).contains(header[$0]) || (0x61...0x7A).contains(header[$0]) }
        }
        let version = header[0..<4]
        if version.elementsEqual([0, 0, 0, 0]) { return code(4, 4) }
        if version.elementsEqual([1, 0, 0, 0]) || version.elementsEqual([2, 0, 0, 0]) {
            return code(24, 2) && header[26] == 0 && header[27] == 0
                && (code(28, 2) && header[30] == 0 && header[31] == 0 || header[28...31].allSatisfy { $0 == 0 })
        }
        return false
    }

    /// The parsed header (internal).
    struct Header {
        var version = 0
        var headerLength = 0
        var frameHeaderLength = 0
        var channels: [String] = []
        var frames = 0
        var xPixels = 0, yPixels = 0
        var xNm = 0, yNm = 0
        var frameTime: Float = 0
        var zPiezoExtension: Float = 0, zPiezoGain: Float = 0
        var scannerSensitivity: Float = 0, phaseSensitivity: Float = 0
        var adRange: UInt32 = 0
        var adBits = 0
        var scanDirection = 0
        var date = ""
        var user = ""
        var comment = ""
        var parsedEnd = 0
    }

    static func parse(_ file: RandomAccessFile) throws -> AFMFile {
        let h = try readHeader(file)
        let path = file.path
        guard h.xPixels > 0, h.yPixels > 0 else {
            throw ScopeKitError.badInput("ASD: invalid frame size \(h.xPixels) × \(h.yPixels)", file: path)
        }
        guard h.frames > 0 else { throw ScopeKitError.badInput("ASD: the file holds no frames", file: path) }
        guard h.frameHeaderLength >= 0 else {
            throw ScopeKitError.badInput("ASD: negative frame header length", file: path)
        }
        let dataStart = (h.headerLength >= 4 && h.headerLength <= file.size) ? h.headerLength : h.parsedEnd
        let frameBytes = try AFMRawData.checkedProduct([h.xPixels, h.yPixels, 2], "ASD frame", file: path)
        let stride = h.frameHeaderLength + frameBytes
        let total = try AFMRawData.checkedProduct([stride, h.frames, h.channels.count], "ASD data", file: path)
        try file.checkRange(offset: dataStart, count: total,
                            what: "ASD data (\(h.channels.count) channels × \(h.frames) frames)")

        let (unipolar, range) = try adRange(h.adRange, file: path)
        let resolution = (1...24).contains(h.adBits) ? Double(1 << h.adBits) : 4096
        var metadata = Metadata()
        metadata["asd.version"] = String(h.version)
        metadata["asd.channels"] = h.channels.joined(separator: ",")
        metadata["asd.frames"] = String(h.frames)
        metadata["asd.frameTime"] = "\(h.frameTime) ms"
        metadata["asd.scanSize"] = "\(h.xNm) x \(h.yNm) nm"
        metadata["asd.pixels"] = "\(h.xPixels) x \(h.yPixels)"
        metadata["asd.zPiezoGain"] = "\(h.zPiezoGain)"
        metadata["asd.zPiezoExtension"] = "\(h.zPiezoExtension) nm/V"
        metadata["asd.scannerSensitivity"] = "\(h.scannerSensitivity) nm/V"
        metadata["asd.phaseSensitivity"] = "\(h.phaseSensitivity) deg/V"
        metadata["asd.adRange"] = (unipolar ? "unipolar 0 to " : "bipolar ±") + "\(range) V"
        metadata["asd.adBits"] = String(h.adBits)
        metadata["asd.scanDirection"] = String(h.scanDirection)
        if !h.date.isEmpty { metadata["asd.date"] = h.date }
        if !h.user.isEmpty { metadata["asd.user"] = h.user }
        if !h.comment.isEmpty { metadata["asd.comment"] = h.comment }

        let frameSeconds = Double(h.frameTime) / 1000
        let calibrationFor = { (unit: String) in
            AFMRawData.calibration(rows: h.yPixels, cols: h.xPixels, frames: h.frames,
                                   rowStep: Double(h.yNm) / Double(h.yPixels),
                                   colStep: Double(h.xNm) / Double(h.xPixels),
                                   frameSeconds: frameSeconds > 0 ? frameSeconds : nil, unit: unit)
        }
        var sources: [AFMChannelSource] = []
        for (c, code) in h.channels.enumerated() {
            let factor: Double, unit: String, label: String
            switch code {
            case "TP": (factor, unit, label) = (Double(h.zPiezoGain) * Double(h.zPiezoExtension), "nm", "Topography")
            case "ER": (factor, unit, label) = (-Double(h.scannerSensitivity), "nm", "Error")
            case "PH": (factor, unit, label) = (-Double(h.phaseSensitivity), "deg", "Phase")
            default: (factor, unit, label) = (1, "V", code)
            }
            let channel = AFMChannel(name: code, label: label, unit: unit, isHeight: code == "TP",
                                     shape: [h.frames, h.yPixels, h.xPixels])
            let channelStart = dataStart + c * h.frames * stride
            let (rows, cols, fhl) = (h.yPixels, h.xPixels, h.frameHeaderLength)
            let multiplier = -range / resolution * factor
            sources.append(AFMChannelSource(
                channel: channel, calibration: calibrationFor(unit),
                metadata: ["asd.channelFactor": "\(factor)"],
                readFrame: { k, dst in
                    try AFMRawData.decode(file, offset: channelStart + k * stride + fhl, rows: rows, cols: cols,
                                          sample: .int16, bigEndian: false, flipRows: false, into: dst,
                                          what: "ASD channel \(code) frame \(k)")
                    if unipolar {
                        AFMRawData.apply(dst) { $0 * multiplier }
                    } else {
                        AFMRawData.apply(dst) { (range - 2 * $0 * range / resolution) * factor }
                    }
                }))
        }
        return try AFMFile(path: path, formatName: name, metadata: metadata, sources: sources)
    }

    /// The A/D range code → (unipolar, volts).
    static func adRange(_ code: UInt32, file: String) throws -> (Bool, Double) {
        switch code {
        case 0x1: (true, 1.0)
        case 0x2: (true, 2.5)
        case 0x3: (true, 9.99)
        case 0x4: (true, 5.0)
        case 0x10000: (false, 1.0)
        case 0x20000: (false, 2.5)
        case 0x40000: (false, 5.0)
        default:
            throw ScopeKitError.badInput("ASD: unknown A/D range code 0x\(String(code, radix: 16))", file: file)
        }
    }

    static func readHeader(_ file: RandomAccessFile) throws -> Header {
        let bytes = try file.bytes(at: 0, count: min(file.size, 4096), what: "ASD header")
        var r = ByteReader(bytes, bigEndian: false, file: file.path)
        var h = Header()
        func i32() throws -> Int { Int(Int32(bitPattern: try r.readUInt32("ASD header"))) }
        func i16() throws -> Int { Int(Int16(bitPattern: try r.readUInt16("ASD header"))) }
        func f32() throws -> Float { try r.readFloat32("ASD header") }
        func text(_ n: Int) throws -> String {
            guard n >= 0, n <= 1 << 20 else { throw ScopeKitError.badInput("ASD: invalid text size \(n)", file: file.path) }
            if n > r.remaining, n <= file.size { // long comments: read beyond the first 4 KB
                r = ByteReader(try file.bytes(at: 0, count: min(file.size, r.offset + n), what: "ASD header"),
                               bigEndian: false, file: file.path).with(offset: r.offset)
            }
            return AFMText.latin1(try r.readBytes(n, "ASD header text").filter { $0 != 0 })
        }
        h.version = try i32()
        switch h.version {
        case 0:
            h.channels = [try text(2), try text(2)]
            h.headerLength = try i32()
            h.frameHeaderLength = try i32()
            let userSize = try i32()
            let commentOffsetSize = try i32()
            let commentSize = try i32()
            h.xPixels = try i16(); h.yPixels = try i16()
            h.xNm = try i16(); h.yNm = try i16()
            h.frameTime = try f32()
            h.zPiezoExtension = try f32()
            h.zPiezoGain = try f32()
            h.adRange = try r.readUInt32()
            h.adBits = try i32()
            _ = try r.readUInt8()                    // averaged
            _ = try i32()                            // averaging window
            _ = try i16()
            let year = try i16()
            let (mo, d, hr, mi, s) = (try r.readUInt8(), try r.readUInt8(), try r.readUInt8(), try r.readUInt8(),
                                      try r.readUInt8())
            h.date = String(format: "%04d-%02d-%02d %02d:%02d:%02d", year, Int(mo), Int(d), Int(hr), Int(mi), Int(s))
            _ = try r.readUInt8()                    // rounding degree
            _ = try f32(); _ = try f32()             // max scan range
            _ = try i32(); _ = try i32(); _ = try i32()
            _ = try i32()                            // initial frames
            h.frames = try i32()
            _ = try i32()                            // AFM id
            _ = try i16()                            // file id
            h.user = try text(userSize)
            h.scannerSensitivity = try f32()
            h.phaseSensitivity = try f32()
            h.scanDirection = try i32()
            _ = try text(commentOffsetSize)
            h.comment = try text(commentSize)
        case 1, 2:
            h.headerLength = try i32()
            h.frameHeaderLength = try i32()
            _ = try i32()                            // text encoding
            let userSize = try i32()
            let commentSize = try i32()
            h.channels = [try text(4), try text(4)]
            _ = try i32()                            // initial frames
            h.frames = try i32()
            h.scanDirection = try i32()
            _ = try i32()                            // file id
            h.xPixels = try i32(); h.yPixels = try i32()
            h.xNm = try i32(); h.yNm = try i32()
            _ = try r.readUInt8()                    // averaged
            _ = try i32()                            // averaging window
            var date: [Int] = []
            for _ in 0..<6 { date.append(try i32()) }
            h.date = String(format: "%04d-%02d-%02d %02d:%02d:%02d", date[0], date[1], date[2], date[3], date[4], date[5])
            _ = try i32(); _ = try i32()             // rounding degrees
            h.frameTime = try f32()
            h.scannerSensitivity = try f32()
            h.phaseSensitivity = try f32()
            _ = try i32()                            // offset
            _ = try r.readBytes(12)
            _ = try i32()                            // AFM id
            h.adRange = try r.readUInt32()
            h.adBits = try i32()
            _ = try f32(); _ = try f32()             // max scan range
            _ = try f32(); _ = try f32()             // x, y piezo extension
            h.zPiezoExtension = try f32()
            h.zPiezoGain = try f32()
            h.user = try text(userSize)
            h.comment = try text(commentSize)
        default:
            throw ScopeKitError.badInput("ASD: unknown file version \(h.version)", file: file.path)
        }
        h.parsedEnd = r.offset
        h.channels = h.channels.filter { !$0.isEmpty }
        guard !h.channels.isEmpty else { throw ScopeKitError.badInput("ASD: no channel codes", file: file.path) }
        return h
    }
}

extension ByteReader {
    /// A copy positioned at `offset`.
    func with(offset: Int) -> ByteReader {
        var copy = self
        copy.offset = offset
        return copy
    }
}
