import ScopeKitCore

/// TIFF tag numbers ScopeKit reads or writes (TIFF 6.0 baseline and extensions).
enum TIFFTag {
    static let newSubfileType: UInt16 = 254
    static let imageWidth: UInt16 = 256
    static let imageLength: UInt16 = 257
    static let bitsPerSample: UInt16 = 258
    static let compression: UInt16 = 259
    static let photometric: UInt16 = 262
    static let fillOrder: UInt16 = 266
    static let imageDescription: UInt16 = 270
    static let make: UInt16 = 271
    static let model: UInt16 = 272
    static let stripOffsets: UInt16 = 273
    static let orientation: UInt16 = 274
    static let samplesPerPixel: UInt16 = 277
    static let rowsPerStrip: UInt16 = 278
    static let stripByteCounts: UInt16 = 279
    static let xResolution: UInt16 = 282
    static let yResolution: UInt16 = 283
    static let planarConfiguration: UInt16 = 284
    static let resolutionUnit: UInt16 = 296
    static let software: UInt16 = 305
    static let dateTime: UInt16 = 306
    static let artist: UInt16 = 315
    static let predictor: UInt16 = 317
    static let colorMap: UInt16 = 320
    static let tileWidth: UInt16 = 322
    static let tileLength: UInt16 = 323
    static let tileOffsets: UInt16 = 324
    static let tileByteCounts: UInt16 = 325
    static let extraSamples: UInt16 = 338
    static let sampleFormat: UInt16 = 339
    static let imageDepth: UInt16 = 32997
}

/// One IFD entry: tag, field type, value count and where the value bytes are.
struct TIFFEntry: Sendable {
    let tag: UInt16
    let type: UInt16
    let count: Int
    /// File offset of the value bytes (inside the IFD for values that fit in the entry).
    let valueOffset: Int
    /// Bytes of one value of `type` (0 for an unknown type).
    var typeSize: Int { TIFFEntry.size(ofType: type) }

    static func size(ofType type: UInt16) -> Int {
        switch type {
        case 1, 2, 6, 7: 1
        case 3, 8: 2
        case 4, 9, 11, 13: 4
        case 5, 10, 12, 16, 17, 18: 8
        default: 0
        }
    }
}

/// The byte-level layout of a TIFF file: byte order, classic or BigTIFF, and field decoding.
struct TIFFLayout: Sendable {
    let bigEndian: Bool
    let bigTIFF: Bool
    /// Bytes of an offset field (4 classic, 8 BigTIFF).
    var offsetSize: Int { bigTIFF ? 8 : 4 }
}

/// One image file directory: its entries by tag, read once, with values fetched on demand and bounds-checked.
struct TIFFDirectory: Sendable {
    /// The file offset of the IFD.
    let offset: Int
    /// Entries by tag (the first of duplicated tags wins).
    let entries: [UInt16: TIFFEntry]
    /// The offset of the next IFD (0 at the end of the chain).
    let nextOffset: Int
    /// The IFD's bytes from its offset (count, entries and any values that follow them closely), read in one
    /// call, so those values cost no extra read.
    var body: [UInt8] = []
    var bodyStart: Int = 0

    /// The most entries an IFD may declare (libtiff warns above a few hundred; real files have < 100).
    static let maximumEntryCount = 4096

    /// Bytes read at an IFD's offset in one call: enough for the count, the entries and, in most files, the
    /// values stored right after them (strip offsets, resolutions), which then cost no further read.
    static let readAhead = 4096

    /// Reads the IFD at `offset`.
    static func read(_ file: RandomAccessFile, at offset: Int, layout: TIFFLayout, index: Int) throws -> TIFFDirectory {
        let countSize = layout.bigTIFF ? 8 : 2
        let entrySize = layout.bigTIFF ? 20 : 12
        try file.checkRange(offset: offset, count: countSize, what: "IFD \(index) at offset \(offset)")
        var block = try file.bytes(at: offset, count: max(countSize, min(readAhead, file.size - offset)))
        var header = ByteReader(Array(block[0..<countSize]), bigEndian: layout.bigEndian, file: file.path)
        let declared = layout.bigTIFF ? Int(clamping: try header.readUInt64()) : Int(try header.readUInt16())
        guard declared > 0, declared <= maximumEntryCount else {
            throw ScopeKitError.badInput("IFD \(index) declares \(declared) entries", file: file.path)
        }
        let bodyCount = declared * entrySize + layout.offsetSize
        try file.checkRange(offset: offset + countSize, count: bodyCount, what: "IFD \(index)")
        if block.count < countSize + bodyCount {
            block = try file.bytes(at: offset, count: countSize + bodyCount)
        }
        var r = ByteReader(block, bigEndian: layout.bigEndian, file: file.path)
        r.offset = countSize
        var entries: [UInt16: TIFFEntry] = [:]
        entries.reserveCapacity(declared)
        let inlineSize = layout.offsetSize
        // The block is kept up to the end of the last value it holds (the IFD itself at least).
        var keep = countSize + bodyCount
        for k in 0..<declared {
            let entryStart = offset + countSize + k * entrySize
            let tag = try r.readUInt16()
            let type = try r.readUInt16()
            let count = layout.bigTIFF ? Int(clamping: try r.readUInt64()) : Int(try r.readUInt32())
            let valueOffset: Int
            let size = TIFFEntry.size(ofType: type)
            let (total, overflow) = count.multipliedReportingOverflow(by: max(size, 1))
            if size > 0 && !overflow && total <= inlineSize {
                valueOffset = entryStart + 4 + (layout.bigTIFF ? 8 : 4)
                r.offset += inlineSize
            } else {
                valueOffset = layout.bigTIFF ? Int(clamping: try r.readUInt64()) : Int(try r.readUInt32())
                let local = valueOffset - offset
                if size > 0 && !overflow && local >= 0 && local <= block.count - total {
                    keep = max(keep, local + total)
                }
            }
            if entries[tag] == nil {
                entries[tag] = TIFFEntry(tag: tag, type: type, count: count, valueOffset: valueOffset)
            }
        }
        let next = layout.bigTIFF ? Int(clamping: try r.readUInt64()) : Int(try r.readUInt32())
        if keep < block.count { block.removeSubrange(keep...) }
        return TIFFDirectory(offset: offset, entries: entries, nextOffset: next, body: block, bodyStart: offset)
    }

    /// The raw bytes of an entry's value, checked against the file size and `limit` values.
    func valueBytes(_ entry: TIFFEntry, file: RandomAccessFile, limit: Int) throws -> [UInt8] {
        let size = entry.typeSize
        guard size > 0 else {
            throw ScopeKitError.badInput("tag \(entry.tag) has unknown field type \(entry.type)", file: file.path)
        }
        guard entry.count >= 0, entry.count <= limit else {
            throw ScopeKitError.badInput("tag \(entry.tag) declares \(entry.count) values", file: file.path)
        }
        let (total, overflow) = entry.count.multipliedReportingOverflow(by: size)
        guard !overflow else { throw ScopeKitError.badInput("tag \(entry.tag) is too large", file: file.path) }
        let local = entry.valueOffset - bodyStart
        if local >= 0 && local <= body.count - total {
            return Array(body[local..<local + total])
        }
        return try file.bytes(at: entry.valueOffset, count: total, what: "tag \(entry.tag) value")
    }

    /// Integer values of an entry (BYTE/SHORT/LONG/LONG8/IFD types; signed types are reinterpreted).
    ///
    /// - Parameter limit: the largest count accepted (beyond it the file is considered corrupt).
    func integers(_ tag: UInt16, file: RandomAccessFile, layout: TIFFLayout, limit: Int) throws -> [Int]? {
        guard let e = entries[tag] else { return nil }
        return try integers(of: e, file: file, layout: layout, limit: limit)
    }

    func integers(of e: TIFFEntry, file: RandomAccessFile, layout: TIFFLayout, limit: Int) throws -> [Int] {
        let tag = e.tag
        let bytes = try valueBytes(e, file: file, limit: limit)
        var r = ByteReader(bytes, bigEndian: layout.bigEndian, file: file.path)
        var out: [Int] = []
        out.reserveCapacity(e.count)
        switch e.type {
        case 1, 7: for _ in 0..<e.count { out.append(Int(try r.readUInt8())) }
        case 6: for _ in 0..<e.count { out.append(Int(Int8(bitPattern: try r.readUInt8()))) }
        case 3: for _ in 0..<e.count { out.append(Int(try r.readUInt16())) }
        case 8: for _ in 0..<e.count { out.append(Int(Int16(bitPattern: try r.readUInt16()))) }
        case 4, 13: for _ in 0..<e.count { out.append(Int(try r.readUInt32())) }
        case 9: for _ in 0..<e.count { out.append(Int(Int32(bitPattern: try r.readUInt32()))) }
        case 16, 18: for _ in 0..<e.count { out.append(Int(clamping: try r.readUInt64())) }
        case 17: for _ in 0..<e.count { out.append(Int(Int64(bitPattern: try r.readUInt64()))) }
        default:
            throw ScopeKitError.badInput("tag \(tag) has non-integer type \(e.type)", file: file.path)
        }
        return out
    }

    /// The first integer value of an entry, or `nil` when absent.
    func integer(_ tag: UInt16, file: RandomAccessFile, layout: TIFFLayout) throws -> Int? {
        guard let e = entries[tag], e.count >= 1 else { return nil }
        let one = TIFFEntry(tag: e.tag, type: e.type, count: 1, valueOffset: e.valueOffset)
        return try integers(of: one, file: file, layout: layout, limit: 1).first
    }

    /// The first value of a RATIONAL, FLOAT, DOUBLE or integer entry as a `Double`.
    func real(_ tag: UInt16, file: RandomAccessFile, layout: TIFFLayout) throws -> Double? {
        guard let e = entries[tag], e.count >= 1 else { return nil }
        let size = e.typeSize
        guard size > 0 else { return nil }
        let one = TIFFEntry(tag: e.tag, type: e.type, count: 1, valueOffset: e.valueOffset)
        var r = ByteReader(try valueBytes(one, file: file, limit: 1), bigEndian: layout.bigEndian, file: file.path)
        switch e.type {
        case 5:
            let n = try r.readUInt32(), d = try r.readUInt32()
            return d == 0 ? nil : Double(n) / Double(d)
        case 10:
            let n = Int32(bitPattern: try r.readUInt32()), d = Int32(bitPattern: try r.readUInt32())
            return d == 0 ? nil : Double(n) / Double(d)
        case 11: return Double(try r.readFloat32())
        case 12: return try r.readFloat64()
        default: return try integer(tag, file: file, layout: layout).map(Double.init)
        }
    }

    /// An ASCII (or UNDEFINED/BYTE) entry as a string, NUL-terminated, at most `limit` bytes.
    func string(_ tag: UInt16, file: RandomAccessFile, limit: Int = 1 << 26) throws -> String? {
        guard let e = entries[tag], e.type == 2 || e.type == 1 || e.type == 7 else { return nil }
        var bytes = try valueBytes(e, file: file, limit: limit)
        if let nul = bytes.firstIndex(of: 0) { bytes.removeSubrange(nul...) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
