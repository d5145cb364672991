import Foundation
import ScopeKitCore
import ScopeKitIO

/// The Gwyddion native file reader (`.gwy`, serialisation version 2, magic `GWYP`).
///
/// A `.gwy` file is one serialised `GwyContainer`: an object is its NUL-terminated type name, a 32-bit
/// little-endian byte size and components; a component is a NUL-terminated name, a type character (`b c i q d
/// s o` scalars/string/object, `C I Q D S O` arrays with a 32-bit count) and the value. Channels are the
/// `GwyDataField` objects stored under `/N/data` (also `N/data`, as in TopoStats' `file_square.gwy`), titled
/// by `/N/data/title`; a field holds `xres`, `yres`, `xreal`, `yreal` (metres), `si_unit_xy`, `si_unit_z`
/// (`GwySIUnit` objects with `unitstr`) and `data` (`yres × xres` doubles, row 0 at the top).
///
/// Values: the stored doubles, × 1e9 when the field's z unit is `m` (nm), otherwise in the z unit (`N`, `Pa`,
/// `V`, …). AFMReader 0.0.7 multiplies every channel by 1e9 when the *xy* unit is `m` and reshapes to
/// `[xres, yres]`; ScopeKit keeps Gwyddion's `[yres, xres]` (same value order). Pixel size: `xreal / xres`
/// and `yreal / yres` in nm. The reader walks the object tree by the recorded sizes, reading only the
/// components it needs; every size is checked against its parent object and the file.
///
/// ```swift
/// let file = try AFMFormats.open(URL(fileURLWithPath: "SBS-PS_example_data.gwy"))
/// file.channels.map(\.name)     // ["Topography", "Max Force", "Adhesion", "Stiffness"]
/// ```
enum GWYFormat {
    static let name = "Gwyddion GWY"
    static let format = AFMImageFormat(name: name, fileExtensions: ["gwy"], detect: detect, parse: parse)

    static func detect(_ header: [UInt8], _ ext: String) -> Bool {
        header.count >= 4 && header[0..<4].elementsEqual(Array("GWYP".utf8))
    }

    /// A position-checked reader over one object's byte range (internal).
    struct Cursor {
        let file: RandomAccessFile
        var offset: Int
        let end: Int

        mutating func cString(_ what: String) throws -> String {
            var bytes: [UInt8] = []
            while true {
                let n = min(256, end - offset)
                guard n > 0 else { throw ScopeKitError.badInput("GWY: truncated \(what)", file: file.path) }
                let chunk = try file.bytes(at: offset, count: n, what: "GWY \(what)")
                if let zero = chunk.firstIndex(of: 0) {
                    bytes += chunk[..<zero]
                    offset += zero + 1
                    return AFMText.latin1(bytes)
                }
                bytes += chunk
                offset += n
                guard bytes.count < 1 << 16 else {
                    throw ScopeKitError.badInput("GWY: unterminated \(what)", file: file.path)
                }
            }
        }

        mutating func fixed(_ count: Int, _ what: String) throws -> [UInt8] {
            guard count >= 0, count <= end - offset else {
                throw ScopeKitError.badInput("GWY: truncated \(what) at byte \(offset)", file: file.path)
            }
            defer { offset += count }
            return try file.bytes(at: offset, count: count, what: "GWY \(what)")
        }

        mutating func u32(_ what: String) throws -> Int {
            var r = ByteReader(try fixed(4, what), bigEndian: false, file: file.path)
            return Int(try r.readUInt32(what))
        }

        mutating func skip(_ count: Int, _ what: String) throws {
            guard count >= 0, count <= end - offset else {
                throw ScopeKitError.badInput("GWY: truncated \(what) at byte \(offset)", file: file.path)
            }
            offset += count
        }
    }

    /// A component value the reader keeps (scalars, strings, object ranges, double-array ranges).
    enum Value {
        case int(Int)
        case double(Double)
        case string(String)
        case object(type: String, start: Int, end: Int)
        case doubles(offset: Int, count: Int)
        case other
    }

    /// Reads an object header at the cursor: (type name, component range).
    static func objectHeader(_ c: inout Cursor) throws -> (String, Int, Int) {
        let type = try c.cString("object name")
        let size = try c.u32("object size")
        let start = c.offset
        try c.skip(size, "object \(type)")
        return (type, start, start + size)
    }

    /// The components of the object whose data lie in `start..<end`.
    static func components(_ file: RandomAccessFile, start: Int, end: Int) throws -> [(String, Value)] {
        var c = Cursor(file: file, offset: start, end: end)
        var result: [(String, Value)] = []
        while c.offset < end {
            let name = try c.cString("component name")
            let type = try c.fixed(1, "component type")[0]
            let value: Value
            switch type {
            case UInt8(ascii: "b"), UInt8(ascii: "c"): value = .int(Int(try c.fixed(1, name)[0]))
            case UInt8(ascii: "i"):
                value = .int(Int(Int32(bitPattern: UInt32(try c.u32(name)))))
            case UInt8(ascii: "q"):
                var r = ByteReader(try c.fixed(8, name), bigEndian: false, file: file.path)
                value = .int(Int(Int64(bitPattern: try r.readUInt64())))
            case UInt8(ascii: "d"):
                var r = ByteReader(try c.fixed(8, name), bigEndian: false, file: file.path)
                value = .double(try r.readFloat64())
            case UInt8(ascii: "s"): value = .string(try c.cString(name))
            case UInt8(ascii: "o"):
                let (t, s, e) = try objectHeader(&c)
                value = .object(type: t, start: s, end: e)
            case UInt8(ascii: "C"):
                try c.skip(try c.u32(name), name); value = .other
            case UInt8(ascii: "I"):
                try c.skip(try AFMRawData.checkedProduct([try c.u32(name), 4], name, file: file.path), name)
                value = .other
            case UInt8(ascii: "Q"):
                try c.skip(try AFMRawData.checkedProduct([try c.u32(name), 8], name, file: file.path), name)
                value = .other
            case UInt8(ascii: "D"):
                let n = try c.u32(name)
                let at = c.offset
                try c.skip(try AFMRawData.checkedProduct([n, 8], name, file: file.path), name)
                value = .doubles(offset: at, count: n)
            case UInt8(ascii: "S"):
                for _ in 0..<(try c.u32(name)) { _ = try c.cString(name) }
                value = .other
            case UInt8(ascii: "O"):
                for _ in 0..<(try c.u32(name)) { _ = try objectHeader(&c) }
                value = .other
            default:
                throw ScopeKitError.badInput("GWY: unknown component type '\(Unicode.Scalar(type))' of \(name)",
                                             file: file.path)
            }
            result.append((name, value))
        }
        return result
    }

    static func parse(_ file: RandomAccessFile) throws -> AFMFile {
        let path = file.path
        let magic = try file.bytes(at: 0, count: min(4, file.size), what: "GWY magic")
        guard magic.elementsEqual(Array("GWYP".utf8)) else {
            throw ScopeKitError.badInput("GWY: not a version-2 Gwyddion file (magic GWYP)", file: path)
        }
        var c = Cursor(file: file, offset: 4, end: file.size)
        let (rootType, rootStart, rootEnd) = try objectHeader(&c)
        guard rootType == "GwyContainer" else {
            throw ScopeKitError.badInput("GWY: top object is \(rootType), not GwyContainer", file: path)
        }
        let top = try components(file, start: rootStart, end: rootEnd)
        var titles: [Int: String] = [:]
        var fields: [(Int, Int, Int)] = []          // (id, start, end)
        for (key, value) in top {
            let trimmed = key.hasPrefix("/") ? String(key.dropFirst()) : key
            let parts = trimmed.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count >= 2, let id = Int(parts[0]), parts[1] == "data" else { continue }
            if parts.count == 2, case .object(let type, let s, let e) = value, type == "GwyDataField" {
                fields.append((id, s, e))
            } else if parts.count == 3, parts[2] == "title", case .string(let t) = value {
                titles[id] = t
            }
        }
        guard !fields.isEmpty else { throw ScopeKitError.badInput("GWY: no data field (image channel)", file: path) }
        fields.sort { $0.0 < $1.0 }

        var sources: [AFMChannelSource] = []
        var usedNames: Set<String> = []
        for (id, start, end) in fields {
            var xres = 0, yres = 0, xreal = 1.0, yreal = 1.0
            var unitXY = "", unitZ = ""
            var data: (Int, Int)?
            for (key, value) in try components(file, start: start, end: end) {
                switch (key, value) {
                case ("xres", .int(let v)): xres = v
                case ("yres", .int(let v)): yres = v
                case ("xreal", .double(let v)): xreal = v
                case ("yreal", .double(let v)): yreal = v
                case ("si_unit_xy", .object(_, let s, let e)): unitXY = try unitString(file, s, e)
                case ("si_unit_z", .object(_, let s, let e)): unitZ = try unitString(file, s, e)
                case ("data", .doubles(let o, let n)): data = (o, n)
                default: break
                }
            }
            guard xres > 0, yres > 0, let (offset, count) = data,
                  count == (try AFMRawData.checkedProduct([xres, yres], "GWY field", file: path)) else {
                throw ScopeKitError.badInput("GWY: data field \(id) has inconsistent size (\(xres) × \(yres))", file: path)
            }
            var title = titles[id] ?? "Channel \(id)"
            if usedNames.contains(title) { title += " (\(id))" }
            usedNames.insert(title)
            let xyFactor = AFMText.nanometres(per: unitXY) ?? 1
            let zFactor = unitZ == "m" ? 1e9 : 1
            let unit = unitZ == "m" ? "nm" : unitZ
            let lower = title.lowercased()
            let isHeight = unitZ == "m" && !lower.contains("amplitude") && !lower.contains("error")
            let channel = AFMChannel(name: title, unit: unit, isHeight: isHeight, shape: [yres, xres],
                                     aliases: ["\(id)"])
            let (rows, cols) = (yres, xres)
            sources.append(AFMChannelSource(
                channel: channel,
                calibration: AFMRawData.calibration(rows: yres, cols: xres, frames: nil,
                                                    rowStep: yreal * xyFactor / Double(yres),
                                                    colStep: xreal * xyFactor / Double(xres), unit: unit),
                metadata: ["gwy.field": "/\(id)/data", "gwy.siUnitXY": unitXY, "gwy.siUnitZ": unitZ,
                           "gwy.xreal": "\(xreal)", "gwy.yreal": "\(yreal)"],
                readFrame: { _, dst in
                    try AFMRawData.decode(file, offset: offset, rows: rows, cols: cols, sample: .float64,
                                          bigEndian: false, flipRows: false, into: dst, what: "GWY field \(id)")
                    if zFactor != 1 { AFMRawData.apply(dst) { $0 * zFactor } }
                }))
        }
        return try AFMFile(path: path, formatName: name, metadata: ["gwy.channels": "\(sources.count)"],
                           sources: sources)
    }

    static func unitString(_ file: RandomAccessFile, _ start: Int, _ end: Int) throws -> String {
        for (key, value) in try components(file, start: start, end: end) {
            if key == "unitstr", case .string(let s) = value { return s }
        }
        return ""
    }
}
