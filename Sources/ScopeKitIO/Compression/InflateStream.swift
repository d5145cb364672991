import CScopeZlib
import ScopeKitCore

/// An incremental zlib inflater that reads its input from a file region in chunks and writes its output
/// wherever the caller asks, so a large member (an NPZ array) is decompressed straight into the array's
/// memory with no whole-member staging buffers; the CRC-32 of the output is kept on the way (while the
/// bytes are still in cache).
///
/// ```swift
/// let inflater = try InflateStream(file: file, offset: start, count: entry.compressedSize, format: .raw)
/// try inflater.inflate(into: header)        // exactly header.count bytes
/// try inflater.inflate(into: arrayBytes)    // the rest, straight into the array
/// inflater.crc                              // CRC-32 of everything produced
/// ```
final class InflateStream {
    private let stream: UnsafeMutablePointer<z_stream>
    private let file: RandomAccessFile
    private var nextOffset: Int
    private let end: Int
    private let input: UnsafeMutableRawBufferPointer
    private var finished = false
    /// The CRC-32 of every byte produced so far.
    private(set) var crc: UInt32 = 0
    /// The number of bytes produced so far.
    private(set) var produced = 0

    /// Input is read in chunks of this size; output is produced (and CRC-summed) in steps of it.
    static let chunk = 1 << 20

    /// Prepares to inflate the `count` bytes at `offset` of `file`.
    init(file: RandomAccessFile, offset: Int, count: Int, format: Zlib.Format) throws {
        try file.checkRange(offset: offset, count: count, what: "compressed data")
        self.file = file
        nextOffset = offset
        end = offset + count
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        input = .allocate(byteCount: InflateStream.chunk, alignment: 16)
        let bits: Int32 = format == .zlib ? 15 + 32 : format == .raw ? -15 : 31
        guard inflateInit2_(stream, bits, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            input.deallocate()
            stream.deallocate()
            throw ScopeKitError.processing("zlib: cannot initialise inflate")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
        input.deallocate()
    }

    /// Fills `output` completely with the next bytes of the stream.
    ///
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` when the stream is corrupt or ends before `output` is full.
    func inflate(into output: UnsafeMutableRawBufferPointer) throws {
        guard var out = output.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        var remaining = output.count
        while remaining > 0 {
            if finished { throw ScopeKitError.badInput("truncated deflate stream: \(remaining) bytes missing") }
            if stream.pointee.avail_in == 0 {
                let n = Swift.min(InflateStream.chunk, end - nextOffset)
                if n > 0 {
                    try file.read(at: nextOffset, count: n, into: input.baseAddress!, what: "compressed data")
                    nextOffset += n
                }
                stream.pointee.next_in = input.baseAddress!.assumingMemoryBound(to: UInt8.self)
                stream.pointee.avail_in = uInt(n)
            }
            let step = Swift.min(remaining, InflateStream.chunk)
            stream.pointee.next_out = out
            stream.pointee.avail_out = uInt(step)
            let hadInput = stream.pointee.avail_in > 0
            let status = CScopeZlib.inflate(stream, Z_NO_FLUSH)
            let made = step - Int(stream.pointee.avail_out)
            crc = UInt32(CScopeZlib.crc32(uLong(crc), out, uInt(made)))
            produced += made
            out += made
            remaining -= made
            switch status {
            case Z_OK:
                break
            case Z_STREAM_END:
                finished = true
            case Z_BUF_ERROR where made == 0 && !hadInput:
                finished = true  // input exhausted without an end marker
            case Z_BUF_ERROR:
                break
            default:
                let message = stream.pointee.msg.map { String(cString: $0) } ?? "error \(status)"
                throw ScopeKitError.badInput("corrupt deflate stream: \(message)")
            }
        }
    }
}
