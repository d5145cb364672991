import ScopeKitCore

/// Pure-Swift Deflate decompression (RFC 1951) with zlib (RFC 1950) and gzip (RFC 1952) framing, for TIFF
/// Deflate strips and tiles, PNG image data and NPZ members.
///
/// The output size is known in advance (a strip's decoded size, an image's filtered size), so the stream is
/// decoded straight into the destination and can never produce more than it: a corrupt, truncated or hostile
/// stream throws a ``ScopeKitError`` after at most O(output) work. The zlib Adler-32 and gzip CRC-32 trailers
/// are checked when the stream ends within the output. Decoder design: ``InflateDecoder``.
///
/// Lenient callers (`allowShorter`, as TIFF readers pad short strips with zeros) get zlib's behaviour for a
/// truncated stream: the bytes decoded before the input ran out.
///
/// ```swift
/// let strip = try Inflate.decompress(packed, expectedCount: rows * rowBytes)
/// ```
/// Reference: RFC 1950–1952; behaviour as zlib's `inflate` with `Z_FINISH` and a bounded output.
public enum Inflate {
    /// Decompresses `input` into exactly `expectedCount` bytes (or fewer if `allowShorter`).
    ///
    /// - Parameters:
    ///   - input: the compressed bytes.
    ///   - expectedCount: the number of bytes the caller needs; decompression stops there.
    ///   - format: the framing; `.zlib` accepts gzip too when the header says so.
    ///   - allowShorter: when false, a stream ending before `expectedCount` bytes throws.
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` for a corrupt or short stream.
    /// - Complexity: O(expectedCount + input.count).
    public static func decompress(_ input: UnsafeRawBufferPointer, expectedCount: Int, format: Zlib.Format = .zlib,
                                  allowShorter: Bool = false) throws -> [UInt8] {
        try [UInt8](unsafeUninitializedCapacity: max(expectedCount, 0)) { out, initialized in
            initialized = try decompress(input, into: UnsafeMutableRawBufferPointer(out), format: format,
                                         allowShorter: allowShorter)
        }
    }

    /// Array convenience for ``decompress(_:expectedCount:format:allowShorter:)``.
    public static func decompress(_ input: [UInt8], expectedCount: Int, format: Zlib.Format = .zlib,
                                  allowShorter: Bool = false) throws -> [UInt8] {
        try input.withUnsafeBytes {
            try decompress($0, expectedCount: expectedCount, format: format, allowShorter: allowShorter)
        }
    }

    /// Decompresses `input` into `output`, returning the number of bytes written (at most `output.count`).
    ///
    /// - Complexity: O(output.count + input.count).
    public static func decompress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer,
                                  format: Zlib.Format = .zlib, allowShorter: Bool = false) throws -> Int {
        guard let outBase = output.baseAddress, output.count > 0 else { return 0 }
        let inBase = input.baseAddress?.assumingMemoryBound(to: UInt8.self)
        let bytes = inBase.map { UnsafeBufferPointer(start: $0, count: input.count) } ?? UnsafeBufferPointer(start: nil, count: 0)
        var framing = format
        if format == .zlib && bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B { framing = .gzip }
        let bodyStart: Int
        switch framing {
        case .zlib:
            guard bytes.count >= 2 else { return try short(0, of: output.count, allowShorter) }
            let cmf = Int(bytes[0]), flg = Int(bytes[1])
            guard cmf & 0x0F == 8, cmf >> 4 <= 7, (cmf << 8 | flg) % 31 == 0 else {
                throw ScopeKitError.badInput("corrupt deflate stream: incorrect zlib header")
            }
            guard flg & 0x20 == 0 else {
                throw ScopeKitError.badInput("unsupported deflate stream: preset dictionary")
            }
            bodyStart = 2
        case .raw:
            bodyStart = 0
        case .gzip:
            guard let start = gzipBodyStart(bytes) else {
                if bytes.count < 18 && allowShorter { return 0 }
                throw ScopeKitError.badInput("corrupt deflate stream: incorrect gzip header")
            }
            bodyStart = start
        }
        let out = outBase.assumingMemoryBound(to: UInt8.self)
        let decoder = InflateDecoder()
        defer { decoder.deallocate() }
        let result: (end: InflateDecoder.End, produced: Int)
        do {
            result = try decoder.decode((inBase ?? UnsafePointer(out)) + bodyStart, count: bytes.count - bodyStart,
                                        into: out, count: output.count)
        } catch is InflateDecoder.Truncated {
            guard allowShorter else { throw ScopeKitError.badInput("truncated deflate stream") }
            // zlib's lenient answer: whatever decodes before the input runs out.
            return try Zlib.decompress(input, into: output, format: format, allowShorter: true)
        }
        guard case .streamEnd(let consumed) = result.end else { return output.count }
        let produced = result.produced
        let trailer = bodyStart + consumed
        let written = UnsafeRawBufferPointer(start: outBase, count: produced)
        switch framing {
        case .zlib:
            if trailer + 4 <= bytes.count {
                let stored = UInt32(bytes[trailer]) << 24 | UInt32(bytes[trailer + 1]) << 16
                    | UInt32(bytes[trailer + 2]) << 8 | UInt32(bytes[trailer + 3])
                guard stored == Adler32.checksum(written) else {
                    throw ScopeKitError.badInput("corrupt deflate stream: incorrect data check")
                }
            } else if !allowShorter && produced < output.count {
                throw ScopeKitError.badInput("truncated deflate stream: missing Adler-32")
            }
        case .gzip:
            if trailer + 8 <= bytes.count {
                let stored = (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[trailer + $1]) << (8 * $1) }
                guard stored == Zlib.crc32(written) else {
                    throw ScopeKitError.badInput("corrupt deflate stream: incorrect data check")
                }
            }
        case .raw:
            break
        }
        if produced < output.count && !allowShorter {
            throw ScopeKitError.badInput("deflate stream holds \(produced) bytes, expected \(output.count)")
        }
        return produced
    }

    private static func short(_ produced: Int, of count: Int, _ allowShorter: Bool) throws -> Int {
        if allowShorter { return produced }
        throw ScopeKitError.badInput("truncated deflate stream: \(produced) of \(count) bytes")
    }

    /// The offset of the deflate data after a gzip member header, or nil for a bad header.
    static func gzipBodyStart(_ b: UnsafeBufferPointer<UInt8>) -> Int? {
        guard b.count >= 18, b[0] == 0x1F, b[1] == 0x8B, b[2] == 8 else { return nil }
        let flags = b[3]
        var p = 10
        if flags & 4 != 0 {
            guard p + 2 <= b.count else { return nil }
            p += 2 + (Int(b[p]) | Int(b[p + 1]) << 8)
        }
        for bit: UInt8 in [8, 16] where flags & bit != 0 {
            while p < b.count && b[p] != 0 { p += 1 }
            p += 1
        }
        if flags & 2 != 0 { p += 2 }
        return p < b.count ? p : nil
    }
}
