import ScopeKitCore

/// TIFF compression schemes ScopeKit decodes.
enum TIFFCompression: Int, Sendable {
    case none = 1
    case lzw = 5
    case deflate = 8
    case packBits = 32773
    case deflateOld = 32946

    /// The name used in messages for any compression number.
    static func name(of code: Int) -> String {
        switch code {
        case 1: "none"
        case 2: "CCITT RLE"
        case 3: "CCITT Group 3"
        case 4: "CCITT Group 4"
        case 5: "LZW"
        case 6: "old-style JPEG"
        case 7: "JPEG"
        case 8, 32946: "Deflate"
        case 32773: "PackBits"
        case 34712: "JPEG 2000"
        case 34887: "LERC"
        case 34925: "LZMA"
        case 50000: "Zstandard"
        case 50001: "WebP"
        case 50002: "JPEG XL"
        default: "compression \(code)"
        }
    }

    /// The largest plausible ratio of decoded to encoded bytes, used to reject absurd dimensions before
    /// allocating (zlib's limit is 1032:1; a 12-bit LZW code yields at most 4096 bytes; PackBits 64:1).
    var maximumRatio: Int {
        switch self {
        case .none: 1
        case .packBits: 64
        case .deflate, .deflateOld: 1032
        case .lzw: 4096
        }
    }
}

/// The decoded description of one TIFF page (IFD): geometry, sample layout, compression and data segments.
struct TIFFPage: Sendable {
    var index: Int
    var width: Int
    var height: Int
    var samplesPerPixel: Int
    var bitsPerSample: Int
    /// 1 unsigned, 2 signed, 3 IEEE float.
    var sampleFormat: Int
    var compressionCode: Int
    var predictor: Int
    var photometric: Int
    /// 1 contiguous (RGBRGB…), 2 separate planes.
    var planar: Int
    var fillOrder: Int
    var rowsPerStrip: Int
    var tileWidth: Int
    var tileLength: Int
    var isTiled: Bool { tileWidth > 0 }
    var extraSamples: [Int]
    var subfileType: Int
    var segmentOffsets: [Int]
    var segmentByteCounts: [Int]
    var description: String?

    /// The element type pixels are returned as, or `nil` when the combination is not supported.
    var dtype: DType? {
        switch (sampleFormat, bitsPerSample) {
        case (_, 1) where samplesPerPixel == 1: .bool
        case (1, 8): .uint8
        case (2, 8): .int8
        case (1, 16): .uint16
        case (2, 16): .int16
        case (1, 32): .uint32
        case (2, 32): .int32
        case (2, 64): .int64
        case (3, 32): .float32
        case (3, 64): .float64
        default: nil
        }
    }

    /// The shape of the page like tifffile's `TiffPage.shape`: `[rows, cols]`, `[rows, cols, samples]`
    /// (contiguous) or `[samples, rows, cols]` (separate planes).
    var shape: [Int] {
        if samplesPerPixel == 1 { return [height, width] }
        return planar == 2 ? [samplesPerPixel, height, width] : [height, width, samplesPerPixel]
    }

    /// Which pages form one series: the properties tifffile's `TiffPage.hash` compares.
    var seriesKey: [Int] {
        shape + [shape.count, rowsPerStrip, tileWidth, tileLength, sampleFormat, bitsPerSample, fillOrder,
                 predictor, compressionCode, photometric] + extraSamples
    }

    /// Bytes of one decoded row of one segment-plane (packed bits for 1-bit data).
    var samplesPerSegmentPixel: Int { planar == 2 ? 1 : samplesPerPixel }
    var bytesPerSample: Int { max(bitsPerSample / 8, 1) }

    /// The number of bytes of the decoded page in its stored layout (bits packed per row for 1-bit data).
    var storedByteCount: Int {
        let rowBytes = (width * samplesPerSegmentPixel * bitsPerSample + 7) / 8
        let planes = planar == 2 ? samplesPerPixel : 1
        return rowBytes * height * planes
    }

    /// Parses the IFD `directory` (index `index`), validating every field that could make decoding unsafe.
    ///
    /// - Parameter strict: when true, unsupported sample types and compressions throw; otherwise the page is
    ///   described as far as possible (so it can be grouped and skipped).
    static func parse(_ directory: TIFFDirectory, index: Int, file: RandomAccessFile, layout: TIFFLayout) throws -> TIFFPage {
        func int(_ tag: UInt16, _ fallback: Int) throws -> Int {
            try directory.integer(tag, file: file, layout: layout) ?? fallback
        }
        func bad(_ reason: String) -> ScopeKitError { ScopeKitError.badInput("page \(index): \(reason)", file: file.path) }

        let width = try int(TIFFTag.imageWidth, 0)
        let height = try int(TIFFTag.imageLength, 0)
        let samples = try int(TIFFTag.samplesPerPixel, 1)
        guard width > 0, height > 0 else { throw bad("image size \(width) × \(height)") }
        guard samples >= 1, samples <= 64 else { throw bad("\(samples) samples per pixel") }
        let bitsList = try directory.integers(TIFFTag.bitsPerSample, file: file, layout: layout, limit: 64) ?? [1]
        guard let bits = bitsList.first, bitsList.allSatisfy({ $0 == bits }) else {
            throw bad("samples of different bit depths \(bitsList) are not supported")
        }
        guard bits >= 1, bits <= 64 else { throw bad("\(bits) bits per sample") }
        // Every later size computation is in range once the decoded page size is (< 2^46 bytes).
        var pageBytes = max(bits / 8, 1)
        for f in [width, height, samples] {
            let (m, o) = pageBytes.multipliedReportingOverflow(by: f)
            guard !o, m < 1 << 46 else { throw bad("image of \(width) × \(height) × \(samples) samples is too large") }
            pageBytes = m
        }
        let formats = try directory.integers(TIFFTag.sampleFormat, file: file, layout: layout, limit: 64) ?? [1]
        let sampleFormat = formats.first ?? 1
        let compression = try int(TIFFTag.compression, 1)
        let planar = samples == 1 ? 1 : try int(TIFFTag.planarConfiguration, 1)
        guard planar == 1 || planar == 2 else { throw bad("planar configuration \(planar)") }
        let depth = try int(TIFFTag.imageDepth, 1)
        guard depth == 1 else { throw bad("volumetric pages (ImageDepth \(depth)) are not supported") }

        let tileWidth = try int(TIFFTag.tileWidth, 0)
        let tileLength = try int(TIFFTag.tileLength, 0)
        let tiled = directory.entries[TIFFTag.tileWidth] != nil || directory.entries[TIFFTag.tileOffsets] != nil
        var rowsPerStrip = try int(TIFFTag.rowsPerStrip, height)
        if !tiled && rowsPerStrip <= 0 { throw bad("RowsPerStrip is \(rowsPerStrip)") }
        if rowsPerStrip > height { rowsPerStrip = height }  // 2^32-1 means "one strip"
        let planes = planar == 2 ? samples : 1
        var expectedSegments: Int
        if tiled {
            guard tileWidth > 0, tileLength > 0, tileWidth <= 1 << 20, tileLength <= 1 << 20 else {
                throw bad("tile size \(tileWidth) × \(tileLength)")
            }
            let across = (width + tileWidth - 1) / tileWidth
            let down = (height + tileLength - 1) / tileLength
            let (n, o1) = across.multipliedReportingOverflow(by: down)
            let (m, o2) = n.multipliedReportingOverflow(by: planes)
            guard !o1, !o2 else { throw bad("tile count overflows") }
            expectedSegments = m
        } else {
            expectedSegments = ((height + rowsPerStrip - 1) / rowsPerStrip) * planes
        }
        // A segment table entry takes at least 2 bytes, so the table cannot be longer than the file.
        let limit = file.size / 2 + 1
        guard expectedSegments <= limit else { throw bad("\(expectedSegments) data segments in a \(file.size)-byte file") }
        let offsetsTag = tiled ? TIFFTag.tileOffsets : TIFFTag.stripOffsets
        let countsTag = tiled ? TIFFTag.tileByteCounts : TIFFTag.stripByteCounts
        guard let offsets = try directory.integers(offsetsTag, file: file, layout: layout, limit: limit) else {
            throw bad("no \(tiled ? "TileOffsets" : "StripOffsets")")
        }
        var counts = try directory.integers(countsTag, file: file, layout: layout, limit: limit)
        if counts == nil && compression == 1 && offsets.count == 1 {
            // A missing byte count for a single uncompressed strip: the whole plane (libtiff does the same).
            let rowBytes = (width * samples * bits + 7) / 8
            counts = [rowBytes.multipliedReportingOverflow(by: height).partialValue]
        }
        guard let byteCounts = counts else { throw bad("no \(tiled ? "TileByteCounts" : "StripByteCounts")") }
        guard offsets.count == byteCounts.count else {
            throw bad("\(offsets.count) segment offsets but \(byteCounts.count) byte counts")
        }
        guard offsets.count >= expectedSegments else {
            throw bad("\(offsets.count) data segments, the image needs \(expectedSegments)")
        }
        let extra = try directory.integers(TIFFTag.extraSamples, file: file, layout: layout, limit: 64) ?? []
        var page = TIFFPage(
            index: index, width: width, height: height, samplesPerPixel: samples, bitsPerSample: bits,
            sampleFormat: sampleFormat, compressionCode: compression,
            predictor: try int(TIFFTag.predictor, 1), photometric: try int(TIFFTag.photometric, samples >= 3 ? 2 : 1),
            planar: planar, fillOrder: try int(TIFFTag.fillOrder, 1), rowsPerStrip: tiled ? 0 : rowsPerStrip,
            tileWidth: tiled ? tileWidth : 0, tileLength: tiled ? tileLength : 0, extraSamples: extra,
            subfileType: try int(TIFFTag.newSubfileType, 0),
            segmentOffsets: Array(offsets.prefix(expectedSegments)),
            segmentByteCounts: Array(byteCounts.prefix(expectedSegments)), description: nil)
        if page.rowsPerStrip == 0 && !tiled { page.rowsPerStrip = height }
        return page
    }

    /// Throws unless ScopeKit can decode this page, and unless its decoded size is justified by the file.
    func validateForDecoding(file: RandomAccessFile) throws {
        func bad(_ reason: String) -> ScopeKitError { ScopeKitError.badInput("page \(index): \(reason)", file: file.path) }
        guard let compression = TIFFCompression(rawValue: compressionCode) else {
            throw bad("unsupported compression: \(TIFFCompression.name(of: compressionCode))")
        }
        guard let dtype else {
            let kind = sampleFormat == 3 ? "float" : sampleFormat == 2 ? "signed integer" : "unsigned integer"
            throw bad("unsupported sample type: \(bitsPerSample)-bit \(kind)\(bitsPerSample == 1 ? " with \(samplesPerPixel) samples" : "")")
        }
        guard [1, 2, 3].contains(predictor) else { throw bad("unsupported predictor \(predictor)") }
        if predictor == 3 && !dtype.isFloatingPoint { throw bad("floating-point predictor on integer samples") }
        if predictor == 2 && dtype == .bool { throw bad("horizontal predictor on 1-bit samples") }
        guard fillOrder == 1 else {
            throw bad("unsupported fill order \(fillOrder)")
        }
        // Decoded size must be computable and justified by the data in the file.
        var total = 1
        for f in [width, height, samplesPerPixel, max(bitsPerSample / 8, 1)] {
            let (m, o) = total.multipliedReportingOverflow(by: f)
            guard !o, m <= Int(Int32.max) * 64 else { throw bad("image of \(width) × \(height) × \(samplesPerPixel) is too large") }
            total = m
        }
        var stored = 0
        for k in segmentOffsets.indices {
            let c = segmentByteCounts[k]
            guard segmentOffsets[k] >= 0, c >= 0 else { throw bad("negative offset or byte count of segment \(k)") }
            if compression != .none {
                try file.checkRange(offset: segmentOffsets[k], count: c, what: "page \(index) segment \(k)")
            }
            stored = stored.addingReportingOverflow(min(c, file.size)).partialValue
        }
        if compression == .none {
            guard storedByteCount <= file.size else {
                throw bad("\(storedByteCount) bytes of pixels in a \(file.size)-byte file")
            }
        } else {
            let (bound, o) = max(stored, 1).multipliedReportingOverflow(by: compression.maximumRatio)
            guard o || storedByteCount <= bound else {
                throw bad("\(storedByteCount) bytes of pixels cannot come from \(stored) compressed bytes")
            }
        }
    }
}
