import ScopeKitCore

/// The chunk layout of a PNG file: the validated header, the palette and transparency, where the image data
/// lies, and the metadata — everything but the pixels.
///
/// Parsing walks the chunk headers only; IDAT payloads are located, not read. Rules (following libpng's
/// defaults): a CRC mismatch in a critical chunk (IHDR, PLTE, IDAT, IEND) is an error, an ancillary chunk
/// with a bad CRC or malformed payload is skipped; unknown critical chunks are errors; IDAT chunks must be
/// consecutive; the file must end with IEND.
struct PNGStructure: Sendable {
    /// The 8-byte PNG signature.
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    /// Deflate cannot expand data by more than about 1032:1; a header claiming more is rejected.
    static let maximumCompressionRatio = 1032

    /// A chunk's position: `offset` is the byte of its length field, `length` the payload size.
    struct ChunkLocation: Sendable, Equatable {
        var offset: Int
        var length: Int
    }

    var header: PNGHeader
    /// PLTE entries as RGB triples (count a multiple of 3), if present.
    var palette: [UInt8]?
    /// The raw tRNS payload, if present.
    var transparency: [UInt8]?
    /// The IDAT chunks in file order.
    var dataChunks: [ChunkLocation] = []
    /// The total IDAT payload size.
    var dataByteCount = 0
    /// pHYs: pixels per unit along x and y, and the unit (1 = metre, 0 = aspect ratio only).
    var physicalSize: (x: UInt32, y: UInt32, unit: UInt8)?
    /// Text chunks as `png.<keyword>` entries.
    var metadata = Metadata()

    /// Parses the chunk structure of a PNG of `size` bytes read through `read(offset, count)`.
    ///
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` for a missing signature, a truncated or corrupt critical
    ///   chunk, an invalid header, or image dimensions the compressed data cannot possibly hold.
    static func parse(size: Int, read: (Int, Int) throws -> [UInt8]) throws -> PNGStructure {
        guard size >= 8, try read(0, 8) == signature else { throw ScopeKitError.badInput("not a PNG file (bad signature)") }
        var offset = 8
        var result: PNGStructure?
        var lastType = ""
        var sawEnd = false
        while !sawEnd {
            guard offset + 8 <= size else {
                throw ScopeKitError.badInput(offset == size ? "truncated PNG: no IEND chunk"
                                                            : "truncated PNG: chunk header at byte \(offset) of \(size)")
            }
            var r = ByteReader(try read(offset, 8), bigEndian: true)
            let length = Int(try r.readUInt32("chunk length"))
            let typeBytes = Array(try r.readBytes(4, "chunk type"))
            guard typeBytes.allSatisfy({ (65...90).contains($0) || (97...122).contains($0) }) else {
                throw ScopeKitError.badInput("corrupt PNG: invalid chunk type at byte \(offset)")
            }
            let type = String(decoding: typeBytes, as: UTF8.self)
            guard length <= Int(Int32.max) else {
                throw ScopeKitError.badInput("corrupt PNG: \(type) chunk length \(length) exceeds 2^31−1")
            }
            guard offset + 12 + length <= size else {
                throw ScopeKitError.badInput("truncated PNG: \(type) chunk at byte \(offset) ends at byte \(offset + 12 + length) of \(size)")
            }
            let isCritical = typeBytes[0] < 97
            let location = ChunkLocation(offset: offset, length: length)
            offset += 12 + length

            if result == nil {
                guard type == "IHDR" else { throw ScopeKitError.badInput("corrupt PNG: first chunk is \(type), not IHDR") }
                let payload = try checkedPayload(read(location.offset + 4, length + 8), type: type)
                result = PNGStructure(header: try PNGHeader(payload!))
                lastType = type
                continue
            }
            if type == "IDAT" {
                if !result!.dataChunks.isEmpty && lastType != "IDAT" {
                    throw ScopeKitError.badInput("corrupt PNG: IDAT chunks are not consecutive")
                }
                result!.dataChunks.append(location)
                result!.dataByteCount += length
                lastType = type
                continue
            }
            lastType = type
            // Skip large ancillary chunks we do not interpret without reading them.
            let interpreted: Set<String> = ["IHDR", "PLTE", "IEND", "tRNS", "pHYs", "tEXt", "zTXt", "iTXt"]
            guard interpreted.contains(type) else {
                if isCritical { throw ScopeKitError.badInput("unsupported PNG: unknown critical chunk \(type)") }
                continue
            }
            guard let payload = try checkedPayload(read(location.offset + 4, length + 8), type: type,
                                                   critical: isCritical) else { continue }
            switch type {
            case "IHDR":
                throw ScopeKitError.badInput("corrupt PNG: more than one IHDR chunk")
            case "IEND":
                sawEnd = true
            case "PLTE":
                guard result!.dataChunks.isEmpty, result!.palette == nil else {
                    throw ScopeKitError.badInput("corrupt PNG: PLTE chunk after image data or repeated")
                }
                guard length % 3 == 0, (3...768).contains(length) else {
                    throw ScopeKitError.badInput("corrupt PNG: PLTE chunk of \(length) bytes")
                }
                result!.palette = Array(payload)
            case "tRNS":
                if result!.dataChunks.isEmpty { result!.transparency = Array(payload) }
            case "pHYs":
                if length == 9 {
                    var p = ByteReader(Array(payload), bigEndian: true)
                    result!.physicalSize = (try p.readUInt32(), try p.readUInt32(), try p.readUInt8())
                }
            default:
                if let (key, value) = PNGText.decode(type: type, payload: payload) {
                    result!.metadata["png." + key] = value
                }
            }
        }
        guard var structure = result else { throw ScopeKitError.badInput("corrupt PNG: no IHDR chunk") }
        guard !structure.dataChunks.isEmpty else { throw ScopeKitError.badInput("corrupt PNG: no IDAT chunk") }
        if structure.header.colorType == .palette && structure.palette == nil {
            throw ScopeKitError.badInput("corrupt PNG: palette image without PLTE chunk")
        }
        if structure.header.colorType != .palette { structure.palette = nil }
        let needed = try structure.header.filteredByteCount()
        let (limit, overflow) = structure.dataByteCount.multipliedReportingOverflow(by: maximumCompressionRatio)
        if !overflow && needed > limit + 1024 {
            throw ScopeKitError.badInput(
                "corrupt PNG: \(structure.header.width)×\(structure.header.height) pixels need \(needed) bytes, "
                + "more than \(structure.dataByteCount) compressed bytes can hold")
        }
        return structure
    }

    /// The payload of a chunk read as `type + payload + CRC`, or nil for an ancillary chunk whose CRC fails.
    ///
    /// - Throws: for a critical chunk whose CRC fails.
    private static func checkedPayload(_ bytes: [UInt8], type: String, critical: Bool = true) throws -> ArraySlice<UInt8>? {
        let body = bytes.count - 4
        let stored = UInt32(bytes[body]) << 24 | UInt32(bytes[body + 1]) << 16 | UInt32(bytes[body + 2]) << 8
            | UInt32(bytes[body + 3])
        let computed = bytes.withUnsafeBytes { Zlib.crc32(UnsafeRawBufferPointer(rebasing: $0[0..<body])) }
        guard stored == computed else {
            if critical { throw ScopeKitError.badInput("corrupt PNG: CRC mismatch in \(type) chunk") }
            return nil
        }
        return bytes[4..<body]
    }
}

/// Decoding and encoding of the PNG text chunks (tEXt Latin-1, zTXt compressed Latin-1, iTXt UTF-8).
enum PNGText {
    /// The largest decompressed text accepted from one zTXt/iTXt chunk.
    static let maximumTextBytes = 4 << 20

    /// Returns `(keyword, text)` of a text chunk, or nil when the payload is malformed.
    static func decode(type: String, payload: ArraySlice<UInt8>) -> (String, String)? {
        guard let zero = payload.firstIndex(of: 0), zero > payload.startIndex, zero - payload.startIndex < 80 else { return nil }
        let keyword = latin1(payload[payload.startIndex..<zero])
        var rest = payload[(zero + 1)...]
        switch type {
        case "tEXt":
            return (keyword, latin1(rest))
        case "zTXt":
            guard rest.first == 0 else { return nil }
            guard let text = inflate(rest.dropFirst()) else { return nil }
            return (keyword, latin1(text[...]))
        case "iTXt":
            guard rest.count >= 2 else { return nil }
            let compressed = rest[rest.startIndex] == 1, method = rest[rest.startIndex + 1]
            rest = rest.dropFirst(2)
            guard let languageEnd = rest.firstIndex(of: 0) else { return nil }
            rest = rest[(languageEnd + 1)...]
            guard let translatedEnd = rest.firstIndex(of: 0) else { return nil }
            rest = rest[(translatedEnd + 1)...]
            if compressed {
                guard method == 0, let text = inflate(rest) else { return nil }
                return (keyword, String(decoding: text, as: UTF8.self))
            }
            return (keyword, String(decoding: rest, as: UTF8.self))
        default:
            return nil
        }
    }

    /// A text chunk (`tEXt` when `text` is Latin-1, else `iTXt`) for `keyword`, or nil if the keyword is invalid.
    static func encode(keyword: String, text: String) -> (type: String, payload: [UInt8])? {
        guard let key = latin1Bytes(keyword), (1...79).contains(key.count),
              key.allSatisfy({ (32...126).contains($0) || $0 >= 161 }),
              key.first != 32, key.last != 32, !keyword.contains("  ") else { return nil }
        if let value = latin1Bytes(text), !value.contains(0) {
            return ("tEXt", key + [0] + value)
        }
        return ("iTXt", key + [0, 0, 0, 0, 0] + Array(text.utf8))
    }

    private static func latin1(_ bytes: ArraySlice<UInt8>) -> String {
        String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
    }

    private static func latin1Bytes(_ s: String) -> [UInt8]? {
        var out: [UInt8] = []
        for u in s.unicodeScalars {
            guard u.value < 256 else { return nil }
            out.append(UInt8(u.value))
        }
        return out
    }

    private static func inflate(_ bytes: ArraySlice<UInt8>) -> [UInt8]? {
        guard !bytes.isEmpty else { return nil }
        let limit = min(maximumTextBytes, bytes.count.multipliedReportingOverflow(by: 1032).partialValue)
        return try? Array(bytes).withUnsafeBytes {
            try Inflate.decompress($0, expectedCount: limit, allowShorter: true)
        }
    }
}
