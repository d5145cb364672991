import Foundation
import ScopeKitCore

/// Where the bytes of one NPY array live: a region of a file (an `.npy`, or a stored `.npz` member) or
/// memory (a decompressed `.npz` member).
struct NPYSource: @unchecked Sendable {
    private enum Storage {
        case file(RandomAccessFile, base: Int)
        case memory([UInt8])
        case deflated(NPZDeflatedMember)
    }

    private let storage: Storage
    /// The number of bytes available.
    let size: Int
    /// The path named in errors.
    let path: String?

    init(file: RandomAccessFile, base: Int = 0, size: Int? = nil) {
        storage = .file(file, base: base)
        self.size = size ?? file.size - base
        path = file.path
    }

    init(deflated member: NPZDeflatedMember) {
        storage = .deflated(member)
        size = member.size
        path = member.file.path
    }

    init(bytes: [UInt8], path: String?) {
        storage = .memory(bytes)
        size = bytes.count
        self.path = path
    }

    /// Reads `count` bytes at `offset` (relative to the source) into `destination`.
    func read(at offset: Int, count: Int, into destination: UnsafeMutableRawPointer, what: String) throws {
        guard offset >= 0, count >= 0, offset <= size, count <= size - offset else {
            throw ScopeKitError.badInput("truncated: \(what) needs bytes \(offset)..<\(offset &+ count) of \(size)",
                                         file: path)
        }
        if count == 0 { return }
        switch storage {
        case .file(let file, let base):
            try file.read(at: base + offset, count: count, into: destination, what: what)
        case .memory(let bytes):
            bytes.withUnsafeBytes { destination.copyMemory(from: $0.baseAddress! + offset, byteCount: count) }
        case .deflated(let member):
            try member.read(at: offset, count: count, into: destination)
        }
    }

    func bytes(at offset: Int, count: Int, what: String) throws -> [UInt8] {
        try [UInt8](unsafeUninitializedCapacity: max(count, 0)) { buffer, initialized in
            try read(at: offset, count: count, into: buffer.baseAddress!, what: what)
            initialized = count
        }
    }

    /// Reads and validates the NPY header at the start of the source, checking that the data fit.
    func readHeader() throws -> NPYHeader {
        do {
            let prefix = try bytes(at: 0, count: min(12, size), what: "NPY header")
            let total = try NPYHeader.totalHeaderLength(prefix: prefix)
            guard total <= size else {
                throw ScopeKitError.badInput("truncated NPY header: \(total) bytes announced, \(size) in file")
            }
            let header = try NPYHeader(parsing: try bytes(at: 0, count: total, what: "NPY header"))
            let needed = header.dataByteCount!
            guard needed <= size - header.dataOffset else {
                throw ScopeKitError.badInput(
                    "truncated NPY data: shape \(header.shape) of \(header.dtype) needs \(needed) bytes after the "
                    + "\(header.dataOffset)-byte header, the file holds \(size - header.dataOffset)")
            }
            return header
        } catch let error as ScopeKitError {
            throw path.map { error.attributed(to: $0) } ?? error
        }
    }
}

/// A deflated `.npz` member read as an NPY source.
///
/// The NPY header is inflated at open. A read of the whole data (``NPYFile/readAll()``) inflates straight
/// into the caller's memory in 1 MiB steps, CRC-checking on the way, with no whole-member buffer; any other
/// read (single planes) inflates the member once into memory and serves later reads from that copy.
final class NPZDeflatedMember: @unchecked Sendable {
    let file: RandomAccessFile
    let entry: ZipEntry
    /// Where the compressed bytes start in the file.
    let start: Int
    /// The bytes the NPY array needs (header + data; ≤ the member's size).
    let size: Int
    /// The member's first bytes: the whole NPY header.
    let head: [UInt8]
    private var cache: [UInt8]?
    private let lock = NSLock()

    init(file: RandomAccessFile, entry: ZipEntry, start: Int, size: Int, head: [UInt8]) {
        self.file = file
        self.entry = entry
        self.start = start
        self.size = size
        self.head = head
    }

    private func fail(_ reason: String) -> ScopeKitError {
        ScopeKitError.badInput("ZIP member '\(entry.name)': \(reason)", file: file.path)
    }

    /// Reads `count` bytes at `offset` of the member (the caller checked the range against ``size``).
    func read(at offset: Int, count: Int, into destination: UnsafeMutableRawPointer) throws {
        if offset + count <= head.count {
            head.withUnsafeBytes { destination.copyMemory(from: $0.baseAddress! + offset, byteCount: count) }
            return
        }
        lock.lock()
        defer { lock.unlock() }
        if cache == nil && offset == head.count && offset + count == size {
            try inflateData(into: UnsafeMutableRawBufferPointer(start: destination, count: count))
            return
        }
        if cache == nil { cache = try inflateAll() }
        cache!.withUnsafeBytes { destination.copyMemory(from: $0.baseAddress! + offset, byteCount: count) }
    }

    private func stream() throws -> InflateStream {
        try InflateStream(file: file, offset: start, count: entry.compressedSize, format: .raw)
    }

    /// Checks the CRC-32 when the NPY array spans the whole member.
    private func check(_ inflater: InflateStream) throws {
        if size == entry.uncompressedSize && inflater.crc != entry.crc32 { throw fail("fails its CRC-32 check") }
    }

    /// Inflates the data after the header straight into `data`.
    private func inflateData(into data: UnsafeMutableRawBufferPointer) throws {
        do {
            let inflater = try stream()
            let header = UnsafeMutableRawBufferPointer.allocate(byteCount: max(head.count, 1), alignment: 16)
            defer { header.deallocate() }
            try inflater.inflate(into: UnsafeMutableRawBufferPointer(rebasing: header[0..<head.count]))
            try inflater.inflate(into: data)
            try check(inflater)
        } catch let error as ScopeKitError where !error.reason.hasPrefix("ZIP member") {
            throw fail(error.reason)
        }
    }

    /// The member's first ``size`` bytes.
    private func inflateAll() throws -> [UInt8] {
        do {
            let inflater = try stream()
            let bytes = try [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
                try inflater.inflate(into: UnsafeMutableRawBufferPointer(buffer))
                initialized = size
            }
            try check(inflater)
            return bytes
        } catch let error as ScopeKitError where !error.reason.hasPrefix("ZIP member") {
            throw fail(error.reason)
        }
    }
}

/// An opened `.npy` array (or `.npz` member) whose planes are read on demand.
///
/// Planes are the last two axes (a 0-d or 1-d array is one plane); `readPlane(i)` of a C-order file reads
/// that plane's bytes only. A Fortran-order file is transposed into C order: ``readAll()`` reads it once and
/// transposes, `readPlane` gathers the plane's elements in bounded chunks (it touches every leading-axis
/// block, so reading all planes one by one is slower than ``readAll()``). Big-endian data are swapped to the
/// host order; `bool` bytes other than 0 are read as `true`.
///
/// ```swift
/// let file = try NPY.open(URL(fileURLWithPath: "stack.npy"))
/// file.header.shape            // [64, 512, 512]
/// let plane = try file.readPlane(10)
/// ```
public final class NPYFile: ImageFile, @unchecked Sendable {
    /// The parsed header.
    public let header: NPYHeader
    public let info: ImageFileInfo
    let source: NPYSource
    /// CRC-32 the raw member bytes must have (stored `.npz` members), checked by ``readAll()``.
    let expectedCRC: UInt32?

    init(source: NPYSource, formatName: String = "NPY", metadata: Metadata = [:], expectedCRC: UInt32? = nil) throws {
        self.source = source
        self.expectedCRC = expectedCRC
        header = try source.readHeader()
        let planeShape = header.shape.count >= 2 ? Array(header.shape.suffix(2)) : header.shape
        var meta = metadata
        meta["npy.descr"] = header.descriptor
        meta["npy.fortran_order"] = header.fortranOrder ? "true" : "false"
        meta["npy.version"] = "\(header.version.major).\(header.version.minor)"
        info = ImageFileInfo(formatName: formatName, shape: header.shape, dtype: header.dtype,
                             planeShape: planeShape, metadata: meta)
    }

    /// The number of planes (product of the leading axes; 1 for 0-d, 1-d and 2-d arrays).
    var planeCount: Int { header.shape.count <= 2 ? 1 : header.shape.dropLast(2).reduce(1, *) }

    public func readPlane(_ index: Int) throws -> AnyArray {
        guard index >= 0, index < planeCount else {
            throw ScopeKitError.usage("plane \(index) out of 0..<\(planeCount)")
        }
        let shape = info.planeShape
        let isz = header.dtype.byteCount
        let planeBytes = shape.reduce(isz, *)
        var result = try NPYFile.makeArray(dtype: header.dtype, shape: shape) { raw in
            if !header.fortranOrder || header.shape.count < 2 {
                try source.read(at: header.dataOffset + index * planeBytes, count: planeBytes,
                                into: raw.baseAddress!, what: "NPY plane \(index)")
            } else {
                try gatherFortranPlane(index, into: raw)
            }
            finish(raw)
        }
        result.metadata = info.metadata
        return result
    }

    public func readAll() throws -> AnyArray {
        let count = header.dataByteCount!
        var result = try NPYFile.makeArray(dtype: header.dtype, shape: header.shape) { raw in
            if header.fortranOrder && header.shape.count >= 2 {
                let staging = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 1), alignment: 16)
                defer { staging.deallocate() }
                try source.read(at: header.dataOffset, count: count, into: staging.baseAddress!, what: "NPY data")
                try checkCRC(UnsafeRawBufferPointer(rebasing: staging[0..<count]))
                NPYTranspose.fortranToC(from: UnsafeRawPointer(staging.baseAddress!), to: raw.baseAddress!,
                                        shape: header.shape, elementSize: header.dtype.byteCount)
            } else {
                try source.read(at: header.dataOffset, count: count, into: raw.baseAddress!, what: "NPY data")
                try checkCRC(UnsafeRawBufferPointer(rebasing: raw[0..<count]))
            }
            finish(raw)
        }
        result.metadata = info.metadata
        return result
    }

    private func checkCRC(_ data: UnsafeRawBufferPointer) throws {
        guard let expectedCRC else { return }
        let head = try source.bytes(at: 0, count: header.dataOffset, what: "NPY header")
        let crc = Zlib.crc32(data, continuing: head.withUnsafeBytes { Zlib.crc32($0) })
        guard crc == expectedCRC else {
            throw ScopeKitError.badInput("NPZ member fails its CRC-32 check", file: source.path)
        }
    }

    /// Byte-swaps big-endian data and normalises booleans, in place.
    private func finish(_ raw: UnsafeMutableRawBufferPointer) {
        let dtype = header.dtype
        if dtype == .bool {
            for i in raw.indices where raw[i] > 1 { raw[i] = 1 }
        } else if dtype.byteCount > 1, header.bigEndian == ByteOrder.hostIsLittleEndian {
            ByteOrder.swapInPlace(raw, unit: dtype == .complex64 ? 4 : dtype.byteCount)
        }
    }

    /// Collects C-order plane `index` of a Fortran-order array of rank ≥ 2.
    ///
    /// In Fortran order element (lead…, r, c) lies at `lead + (r + c·R)·S` elements, where `S` is the product
    /// of the leading extents: every `S`-element block holds one element of the plane. Blocks are read in
    /// chunks of at most 8 MiB.
    private func gatherFortranPlane(_ index: Int, into raw: UnsafeMutableRawBufferPointer) throws {
        let shape = header.shape
        let isz = header.dtype.byteCount
        let rows = shape[shape.count - 2], cols = shape[shape.count - 1]
        let leading = Array(shape.dropLast(2))
        let blockElements = leading.reduce(1, *)
        // Fortran offset of the leading multi-index of C-order plane `index`.
        var lead = 0, step = 1, rest = index
        var position = [Int](repeating: 0, count: leading.count)
        for k in stride(from: leading.count - 1, through: 0, by: -1) {
            position[k] = rest % leading[k]
            rest /= leading[k]
        }
        for k in 0..<leading.count {
            lead += position[k] * step
            step *= leading[k]
        }
        let total = rows * cols
        if total == 0 { return }
        let blockBytes = blockElements * isz
        let perChunk = max(1, (8 << 20) / max(blockBytes, 1))
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: min(perChunk, total) * blockBytes, alignment: 16)
        defer { chunk.deallocate() }
        var m0 = 0
        while m0 < total {
            let m1 = min(total, m0 + perChunk)
            let span = ((m1 - 1 - m0) * blockElements + 1) * isz
            try source.read(at: header.dataOffset + (lead + m0 * blockElements) * isz, count: span,
                            into: chunk.baseAddress!, what: "NPY data")
            for m in m0..<m1 {
                let r = m % rows, c = m / rows
                (raw.baseAddress! + (r * cols + c) * isz)
                    .copyMemory(from: chunk.baseAddress! + (m - m0) * blockBytes, byteCount: isz)
            }
            m0 = m1
        }
    }

    /// An array of a run-time dtype whose bytes are written by `fill` (zero-initialised first).
    static func makeArray(dtype: DType, shape: [Int],
                          fill: (UnsafeMutableRawBufferPointer) throws -> Void) throws -> AnyArray {
        func make<T: ArrayElement>(_: T.Type) throws -> NDArray<T> {
            try NDArray<T>(unsafeUninitializedShape: shape) { try fill(UnsafeMutableRawBufferPointer($0)) }
        }
        switch dtype {
        case .bool: return .bool(try make(Bool.self))
        case .uint8: return .uint8(try make(UInt8.self))
        case .int8: return .int8(try make(Int8.self))
        case .uint16: return .uint16(try make(UInt16.self))
        case .int16: return .int16(try make(Int16.self))
        case .uint32: return .uint32(try make(UInt32.self))
        case .int32: return .int32(try make(Int32.self))
        case .int64: return .int64(try make(Int64.self))
        case .float32: return .float32(try make(Float.self))
        case .float64: return .float64(try make(Double.self))
        case .complex64: return .complex64(try make(Complex64.self))
        }
    }
}

/// Memory-order conversion for Fortran-order NPY data.
enum NPYTranspose {
    /// Copies a Fortran-order (column-major) array of `shape` into C order.
    ///
    /// - Complexity: O(count); reads are strided by the last axis' Fortran stride.
    static func fortranToC(from source: UnsafeRawPointer, to destination: UnsafeMutableRawPointer, shape: [Int],
                           elementSize: Int) {
        switch elementSize {
        case 1: transpose(source, destination, shape, UInt8.self)
        case 2: transpose(source, destination, shape, UInt16.self)
        case 4: transpose(source, destination, shape, UInt32.self)
        default: transpose(source, destination, shape, UInt64.self)
        }
    }

    private static func transpose<T>(_ source: UnsafeRawPointer, _ destination: UnsafeMutableRawPointer,
                                     _ shape: [Int], _: T.Type) {
        let count = shape.reduce(1, *)
        guard count > 0 else { return }
        let src = source.assumingMemoryBound(to: T.self)
        let dst = destination.assumingMemoryBound(to: T.self)
        let n = shape.count
        var fortranStride = [Int](repeating: 1, count: n)
        for k in 1..<n { fortranStride[k] = fortranStride[k - 1] * shape[k - 1] }
        let inner = shape[n - 1], innerStride = fortranStride[n - 1]
        var index = [Int](repeating: 0, count: n - 1)
        var base = 0, out = 0
        for _ in 0..<(count / inner) {
            for j in 0..<inner { dst[out + j] = src[base + j * innerStride] }
            out += inner
            var k = n - 2
            while k >= 0 {
                index[k] += 1
                base += fortranStride[k]
                if index[k] < shape[k] { break }
                base -= fortranStride[k] * shape[k]
                index[k] = 0
                k -= 1
            }
        }
    }
}
