import ScopeKitCore

/// Pure-Swift Deflate compression (RFC 1951) with zlib (RFC 1950), raw or gzip (RFC 1952) framing, for TIFF
/// Deflate strips, PNG image data and NPZ members. Encoder design: ``DeflateEncoder``.
///
/// Levels 1–9 trade speed for size like zlib's (0 stores); at the default level 6 files are about the size of
/// libdeflate's level 6 (BENCHMARKS.md). The output decodes with zlib, libdeflate and tifffile. Inputs of 2 GiB or more go through the system zlib.
///
/// ```swift
/// let packed = try Deflate.compress(bytes, level: 6)
/// let unpacked = try Inflate.decompress(packed, expectedCount: bytes.count)
/// ```
/// Reference: RFC 1950–1952; levels and framing as zlib's `compress2` / `deflateInit2`.
public enum Deflate {
    /// Compresses `input` at `level` (0 = store … 9 = best; 6 is the default).
    ///
    /// - Complexity: O(input.count · search depth of the level).
    public static func compress(_ input: UnsafeRawBufferPointer, level: Int = 6,
                                format: Zlib.Format = .zlib) throws -> [UInt8] {
        guard (0...9).contains(level) else { throw ScopeKitError.usage("invalid compression level \(level)") }
        let n = input.count
        if n >= 1 << 31 - 1 << 16 { return try Zlib.compress(input, level: level, format: format) }
        return [UInt8](unsafeUninitializedCapacity: capacity(n, format: format)) { out, initialized in
            initialized = frame(input, level: level, format: format, into: out.baseAddress!, workspace: nil)
        }
    }

    /// ``compress(_:level:format:)`` through a reusable ``DeflateEncoder/Workspace`` (tables and output room
    /// allocated once per thread, not per call); the result is an exact-size array.
    static func compress(_ input: UnsafeRawBufferPointer, level: Int, format: Zlib.Format = .zlib,
                         workspace: DeflateEncoder.Workspace) throws -> [UInt8] {
        guard (0...9).contains(level) else { throw ScopeKitError.usage("invalid compression level \(level)") }
        let n = input.count
        if n >= 1 << 31 - 1 << 16 { return try Zlib.compress(input, level: level, format: format) }
        let out = workspace.output(capacity: capacity(n, format: format))
        let size = frame(input, level: level, format: format, into: out, workspace: workspace)
        return Array(UnsafeBufferPointer(start: out, count: size))
    }

    /// Room for the framed stream of `n` input bytes.
    private static func capacity(_ n: Int, format: Zlib.Format) -> Int {
        (format == .zlib ? 2 : format == .gzip ? 10 : 0) + DeflateEncoder.bound(n) + (format == .zlib ? 4 : format == .gzip ? 8 : 0)
    }

    /// Writes the header, the deflate stream and the trailer of `format` to `o`; returns the byte count.
    private static func frame(_ input: UnsafeRawBufferPointer, level: Int, format: Zlib.Format,
                              into o: UnsafeMutablePointer<UInt8>, workspace: DeflateEncoder.Workspace?) -> Int {
        let n = input.count
        let header = format == .zlib ? 2 : format == .gzip ? 10 : 0
        switch format {
        case .zlib:
            // CMF: deflate, 32 KiB window; FLG: level hint, check bits.
            let hint: UInt16 = level <= 1 ? 0 : level <= 5 ? 1 : level == 6 ? 2 : 3
            let head: UInt16 = 0x7800 | hint << 6
            let flg = head + (31 - head % 31) % 31
            o[0] = UInt8(flg >> 8)
            o[1] = UInt8(flg & 0xFF)
        case .gzip:
            let h: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, level >= 9 ? 2 : level <= 1 ? 4 : 0, 255]
            for k in 0..<10 { o[k] = h[k] }
        case .raw:
            break
        }
        let source = input.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(o)
        var size = header + DeflateEncoder.encode(source, count: n, level: level, into: o + header,
                                                  workspace: workspace)
        switch format {
        case .zlib:
            let adler = Adler32.checksum(input)
            for k in 0..<4 { o[size + k] = UInt8(truncatingIfNeeded: adler >> (24 - 8 * k)) }
            size += 4
        case .gzip:
            let crc = Zlib.crc32(input), length = UInt32(truncatingIfNeeded: n)
            for k in 0..<4 {
                o[size + k] = UInt8(truncatingIfNeeded: crc >> (8 * k))
                o[size + 4 + k] = UInt8(truncatingIfNeeded: length >> (8 * k))
            }
            size += 8
        case .raw:
            break
        }
        return size
    }

    /// Array convenience for ``compress(_:level:format:)``.
    public static func compress(_ input: [UInt8], level: Int = 6, format: Zlib.Format = .zlib) throws -> [UInt8] {
        try input.withUnsafeBytes { try compress($0, level: level, format: format) }
    }
}
