import Foundation
import ScopeKitCore

/// An opened TIFF file: the IFD chain is walked once at open, pixels are read per plane on demand.
final class TIFFImageFile: ImageFile, @unchecked Sendable {
    let file: RandomAccessFile
    let layout: TIFFLayout
    let info: ImageFileInfo
    private let source: PlaneSource

    /// Where the planes of the first series come from.
    enum PlaneSource {
        /// One page per plane.
        case pages([TIFFPage])
        /// One page per plane, `nil` for a plane no page holds (OME `TiffData` gaps; read as zeros).
        case mapped([TIFFPage?])
        /// ImageJ "virtual" stacks (> 4 GB files): uncompressed planes stored back to back after page 0's data.
        case contiguous(page: TIFFPage, offset: Int, planeBytes: Int)
    }

    /// The most IFDs a file may chain (far above real files; bounds the work done at open).
    static let maximumPageCount = 1_000_000

    init(_ file: RandomAccessFile) throws {
        self.file = file
        let (layout, firstOffset) = try TIFFImageFile.readHeader(file)
        self.layout = layout
        let (directories, loopAt) = try TIFFImageFile.walkChain(file, layout: layout, first: firstOffset)
        var pages: [TIFFPage] = []
        pages.reserveCapacity(directories.count)
        for (i, d) in directories.enumerated() {
            pages.append(try TIFFPage.parse(d, index: i, file: file, layout: layout))
        }
        let first = directories[0]
        let description = try first.string(TIFFTag.imageDescription, file: file)
        var series = try TIFFSeries.detect(pages: pages, description: description, file: file, layout: layout)
        // Every page of the series must be decodable, and together they must fit what the file can hold.
        for p in series.planePages { try p.validateForDecoding(file: file) }
        let planeBytes = TIFFPageDecoder.decodedByteCount(series.page0)
        let (total, overflow) = planeBytes.multipliedReportingOverflow(by: series.planeCount)
        let ratio = TIFFCompression(rawValue: series.page0.compressionCode)?.maximumRatio ?? 1
        guard !overflow, total / ratio <= file.size else {
            throw ScopeKitError.badInput("\(series.planeCount) planes of \(planeBytes) bytes cannot come from a "
                                         + "\(file.size)-byte file", file: file.path)
        }
        var metadata = try TIFFImageFile.baselineMetadata(first, page: series.page0, file: file, layout: layout,
                                                          description: description, pageCount: pages.count)
        metadata["tiff.Series"] = series.kind
        if let loopAt { metadata["tiff.Warning"] = "IFD chain loops back to offset \(loopAt); later pages ignored" }
        metadata.merge(series.metadata)
        series.calibration = try TIFFCalibration.make(series: series, directory: first, file: file, layout: layout)
        info = ImageFileInfo(formatName: series.kind == "ome" ? "OME-TIFF" : "TIFF", shape: series.shape,
                             dtype: series.page0.dtype!, planeShape: series.page0.shape,
                             calibration: series.calibration, metadata: metadata)
        source = series.source
    }

    // MARK: Reading

    func readPlane(_ index: Int) throws -> AnyArray {
        guard index >= 0 && index < info.planeCount else {
            throw ScopeKitError.usage("plane \(index) out of 0..<\(info.planeCount)")
        }
        return try TIFFImageFile.makeArray(dtype: info.dtype, shape: info.planeShape) { raw in
            try decodePlane(index, into: raw, parallel: true)
        }
    }

    /// Reads every plane straight into one array (planes decoded in parallel; no per-plane copies).
    func readAll() throws -> AnyArray {
        let count = info.planeCount
        let planeBytes = info.planeShape.reduce(1, *) * info.dtype.byteCount
        var result = try TIFFImageFile.makeArray(dtype: info.dtype, shape: info.shape) { raw in
            let base = UncheckedSendable(raw.baseAddress?.assumingMemoryBound(to: UInt8.self))
            let errors = ErrorSlot()
            let single = count == 1
            Parallel.forEach(0..<count) { k in
                guard !errors.isSet else { return }
                let slice = UnsafeMutableRawBufferPointer(start: base.value.map { $0 + k * planeBytes },
                                                          count: planeBytes)
                do { try self.decodePlane(k, into: slice, parallel: single) } catch { errors.set(error, index: k) }
            }
            if let e = errors.error { throw e }
        }
        result.calibration = info.calibration
        result.metadata = info.metadata
        return result
    }

    private func decodePlane(_ index: Int, into raw: UnsafeMutableRawBufferPointer, parallel: Bool) throws {
        do {
            switch source {
            case .pages(let pages):
                try TIFFPageDecoder.decode(pages[index], file: file, layout: layout, into: raw, parallel: parallel)
            case .mapped(let pages):
                if let page = pages[index] {
                    try TIFFPageDecoder.decode(page, file: file, layout: layout, into: raw, parallel: parallel)
                } else {
                    raw.initializeMemory(as: UInt8.self, repeating: 0)
                }
            case .contiguous(let page, let offset, let planeBytes):
                try file.read(at: offset + index * planeBytes, count: planeBytes, into: raw.baseAddress!,
                              what: "ImageJ image \(index)")
                if page.bytesPerSample > 1 && layout.bigEndian == ByteOrder.hostIsLittleEndian {
                    ByteOrder.swapInPlace(raw, unit: page.bytesPerSample)
                }
            }
        } catch let error as ScopeKitError {
            throw error.attributed(to: file.path)
        }
    }

    /// Creates an array of `dtype` whose raw bytes are written by `fill`.
    static func makeArray(dtype: DType, shape: [Int],
                          fill: (UnsafeMutableRawBufferPointer) throws -> Void) throws -> AnyArray {
        func build<T: ArrayElement>(_: T.Type) throws -> NDArray<T> {
            try NDArray<T>(unsafeUninitializedShape: shape) { try fill(UnsafeMutableRawBufferPointer($0)) }
        }
        switch dtype {
        case .bool: return .bool(try build(Bool.self))
        case .uint8: return .uint8(try build(UInt8.self))
        case .int8: return .int8(try build(Int8.self))
        case .uint16: return .uint16(try build(UInt16.self))
        case .int16: return .int16(try build(Int16.self))
        case .uint32: return .uint32(try build(UInt32.self))
        case .int32: return .int32(try build(Int32.self))
        case .int64: return .int64(try build(Int64.self))
        case .float32: return .float32(try build(Float.self))
        case .float64: return .float64(try build(Double.self))
        case .complex64: return .complex64(try build(Complex64.self))
        }
    }

    // MARK: Structure

    /// Reads the 8-byte (classic) or 16-byte (BigTIFF) header.
    static func readHeader(_ file: RandomAccessFile) throws -> (TIFFLayout, Int) {
        guard file.size >= 8 else { throw ScopeKitError.badInput("truncated TIFF header (\(file.size) bytes)", file: file.path) }
        let head = try file.bytes(at: 0, count: min(16, file.size), what: "TIFF header")
        let bigEndian: Bool
        switch (head[0], head[1]) {
        case (0x49, 0x49): bigEndian = false
        case (0x4D, 0x4D): bigEndian = true
        default: throw ScopeKitError.badInput("not a TIFF file (byte order mark)", file: file.path)
        }
        var r = ByteReader(head, bigEndian: bigEndian, file: file.path)
        r.offset = 2
        let version = try r.readUInt16()
        switch version {
        case 42:
            let first = Int(try r.readUInt32())
            return (TIFFLayout(bigEndian: bigEndian, bigTIFF: false), first)
        case 43:
            guard head.count >= 16 else { throw ScopeKitError.badInput("truncated BigTIFF header", file: file.path) }
            let offsetSize = try r.readUInt16(), zero = try r.readUInt16()
            guard offsetSize == 8, zero == 0 else {
                throw ScopeKitError.badInput("BigTIFF header with offset size \(offsetSize)", file: file.path)
            }
            let first = Int(clamping: try r.readUInt64())
            return (TIFFLayout(bigEndian: bigEndian, bigTIFF: true), first)
        default:
            throw ScopeKitError.badInput("not a TIFF file (version \(version))", file: file.path)
        }
    }

    /// Walks the IFD chain once, stopping (with the offset reported) if it loops back.
    static func walkChain(_ file: RandomAccessFile, layout: TIFFLayout,
                          first: Int) throws -> ([TIFFDirectory], Int?) {
        guard first != 0 else { throw ScopeKitError.badInput("TIFF file holds no image (first IFD offset 0)", file: file.path) }
        let smallest = layout.bigTIFF ? 8 + 20 + 8 : 2 + 12 + 4
        let cap = min(maximumPageCount, file.size / smallest + 1)
        var directories: [TIFFDirectory] = []
        var visited = Set<Int>()
        var offset = first
        while offset != 0 {
            if visited.contains(offset) { return (directories, offset) }
            guard directories.count < cap else {
                throw ScopeKitError.badInput("more than \(cap) IFDs in a \(file.size)-byte file", file: file.path)
            }
            visited.insert(offset)
            guard offset >= 0, offset < file.size else {
                throw ScopeKitError.badInput("truncated: IFD \(directories.count) at offset \(offset) of a "
                                             + "\(file.size)-byte file", file: file.path)
            }
            let d = try TIFFDirectory.read(file, at: offset, layout: layout, index: directories.count)
            directories.append(d)
            offset = d.nextOffset
        }
        return (directories, nil)
    }

    /// Useful baseline tags of the first IFD as `tiff.*` metadata.
    static func baselineMetadata(_ d: TIFFDirectory, page: TIFFPage, file: RandomAccessFile, layout: TIFFLayout,
                                 description: String?, pageCount: Int) throws -> Metadata {
        var m = Metadata()
        m["tiff.ByteOrder"] = layout.bigEndian ? "big-endian" : "little-endian"
        m["tiff.BigTIFF"] = layout.bigTIFF ? "true" : "false"
        m["tiff.Pages"] = String(pageCount)
        m["tiff.Compression"] = TIFFCompression.name(of: page.compressionCode)
        let photometric = [0: "miniswhite", 1: "minisblack", 2: "rgb", 3: "palette", 4: "mask", 5: "separated",
                           6: "ycbcr", 8: "cielab"][page.photometric] ?? "photometric \(page.photometric)"
        m["tiff.Photometric"] = photometric
        if page.predictor != 1 { m["tiff.Predictor"] = String(page.predictor) }
        if page.isTiled { m["tiff.Tile"] = "\(page.tileLength)x\(page.tileWidth)" }
        for (tag, key) in [(TIFFTag.software, "Software"), (TIFFTag.dateTime, "DateTime"), (TIFFTag.artist, "Artist"),
                           (TIFFTag.make, "Make"), (TIFFTag.model, "Model")] {
            if let s = try? d.string(tag, file: file, limit: 4096), !s.isEmpty { m["tiff.\(key)"] = s }
        }
        if let description, !description.isEmpty {
            let oneLine = description.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
            m["tiff.ImageDescription"] = oneLine.count > 200 ? String(oneLine.prefix(200)) + "…" : oneLine
        }
        if page.photometric == 3, page.bitsPerSample <= 8,
           let map = try? d.integers(TIFFTag.colorMap, file: file, layout: layout, limit: 3 * 256) {
            m["tiff.ColorMap"] = map.map(String.init).joined(separator: " ")
        }
        return m
    }
}
