import CScopeZlib
import ScopeKitCore

/// Deflate compression and decompression through zlib (TIFF Deflate, PNG IDAT, NPZ members).
///
/// Decompression always has an output limit taken from what the caller expects (a strip's byte count, an
/// image's size), so a "zip bomb" or a corrupt stream can never allocate more than the file justifies.
///
/// ```swift
/// let packed = try Zlib.compress(bytes, level: 6)
/// let unpacked = try Zlib.decompress(packed, expectedCount: bytes.count)
/// ```
public enum Zlib {
    /// The stream framing.
    public enum Format: Sendable {
        /// RFC 1950 zlib header and Adler-32 trailer (TIFF, PNG).
        case zlib
        /// RFC 1951 raw deflate (ZIP members).
        case raw
        /// RFC 1952 gzip.
        case gzip

        var windowBits: Int32 {
            switch self {
            case .zlib: 15
            case .raw: -15
            case .gzip: 31
            }
        }
    }

    /// Decompresses `input` into exactly `expectedCount` bytes (or fewer if `allowShorter`).
    ///
    /// - Parameters:
    ///   - input: the compressed bytes.
    ///   - expectedCount: the number of bytes the caller needs; decompression stops there.
    ///   - format: the framing; `.zlib` accepts gzip too when the header says so.
    ///   - allowShorter: when false, a stream ending before `expectedCount` bytes throws.
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` for a corrupt or short stream.
    /// - Complexity: O(expectedCount).
    public static func decompress(_ input: UnsafeRawBufferPointer, expectedCount: Int, format: Format = .zlib,
                                  allowShorter: Bool = false) throws -> [UInt8] {
        try [UInt8](unsafeUninitializedCapacity: expectedCount) { out, initialized in
            initialized = try decompress(input, into: UnsafeMutableRawBufferPointer(out), format: format,
                                         allowShorter: allowShorter)
        }
    }

    /// Array convenience for ``decompress(_:expectedCount:format:allowShorter:)``.
    public static func decompress(_ input: [UInt8], expectedCount: Int, format: Format = .zlib,
                                  allowShorter: Bool = false) throws -> [UInt8] {
        try input.withUnsafeBytes {
            try decompress($0, expectedCount: expectedCount, format: format, allowShorter: allowShorter)
        }
    }

    /// Decompresses `input` into `output`, returning the number of bytes written (at most `output.count`).
    public static func decompress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer,
                                  format: Format = .zlib, allowShorter: Bool = false) throws -> Int {
        var stream = z_stream()
        let bits = format == .zlib ? 15 + 32 : format.windowBits  // +32: auto-detect zlib or gzip
        guard inflateInit2_(&stream, bits, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw ScopeKitError.processing("zlib: cannot initialise inflate")
        }
        defer { inflateEnd(&stream) }
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: UInt8.self))
        stream.avail_in = uInt(input.count)
        stream.next_out = output.baseAddress?.assumingMemoryBound(to: UInt8.self)
        stream.avail_out = uInt(output.count)
        if output.isEmpty { return 0 }
        let status = inflate(&stream, Z_FINISH)
        let produced = output.count - Int(stream.avail_out)
        switch status {
        case Z_STREAM_END:
            break
        case Z_BUF_ERROR where stream.avail_out == 0:
            break  // output full: the caller asked for exactly this much
        case Z_BUF_ERROR:
            if !allowShorter {
                throw ScopeKitError.badInput("truncated deflate stream: \(produced) of \(output.count) bytes")
            }
        default:
            let message = stream.msg.map { String(cString: $0) } ?? "error \(status)"
            throw ScopeKitError.badInput("corrupt deflate stream: \(message)")
        }
        if produced < output.count && !allowShorter {
            throw ScopeKitError.badInput("deflate stream holds \(produced) bytes, expected \(output.count)")
        }
        return produced
    }

    /// Compresses `input` at `level` (0 = store … 9 = best; 6 is zlib's default).
    ///
    /// - Complexity: O(input.count).
    public static func compress(_ input: UnsafeRawBufferPointer, level: Int = 6, format: Format = .zlib) throws -> [UInt8] {
        var stream = z_stream()
        guard deflateInit2_(&stream, Int32(level), Z_DEFLATED, format.windowBits, 8, Z_DEFAULT_STRATEGY,
                            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw ScopeKitError.usage("zlib: invalid compression level \(level)")
        }
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, uLong(input.count)))
        return try [UInt8](unsafeUninitializedCapacity: bound) { out, initialized in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: UInt8.self))
            stream.avail_in = uInt(input.count)
            stream.next_out = out.baseAddress
            stream.avail_out = uInt(bound)
            let status = deflate(&stream, Z_FINISH)
            guard status == Z_STREAM_END else {
                initialized = 0
                throw ScopeKitError.processing("zlib: deflate failed (\(status))")
            }
            initialized = bound - Int(stream.avail_out)
        }
    }

    /// Array convenience for ``compress(_:level:format:)``.
    public static func compress(_ input: [UInt8], level: Int = 6, format: Format = .zlib) throws -> [UInt8] {
        try input.withUnsafeBytes { try compress($0, level: level, format: format) }
    }

    /// The CRC-32 of `bytes` (PNG chunks, ZIP members), continuing from `crc`.
    public static func crc32(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        UInt32(CScopeZlib.crc32(uLong(crc), bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), uInt(bytes.count)))
    }

    /// The Adler-32 of `bytes`, continuing from `adler` (start with 1).
    public static func adler32(_ bytes: UnsafeRawBufferPointer, continuing adler: UInt32 = 1) -> UInt32 {
        UInt32(CScopeZlib.adler32(uLong(adler), bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), uInt(bytes.count)))
    }
}
