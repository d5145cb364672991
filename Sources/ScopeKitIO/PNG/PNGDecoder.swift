import Foundation
import ScopeKitCore

/// Turns the image data of a parsed PNG into an array: IDAT CRC check, inflate (bounded by the header's
/// size), unfiltering, Adam7 de-interlacing and sample expansion.
enum PNGDecoder {
    /// How stored samples become array elements.
    enum Expansion {
        /// 1-bit gray → `Bool`.
        case bits
        /// 2- or 4-bit gray → `UInt8` scaled to 0…255 (value · 255 / (2^depth − 1), like libpng and Pillow).
        case scaledGray(depth: Int)
        /// 8-bit samples copied.
        case bytes
        /// 16-bit big-endian samples → `UInt16`.
        case words
        /// 16-bit samples → `UInt8` high byte (Pillow's reduction of 16-bit colour).
        case wordsHighByte
        /// 16-bit gray+alpha → 8-bit RGBA from the high bytes (Pillow reads this type as RGBA).
        case grayAlphaWordsToRGBA
        /// Palette indices of `depth` bits looked up in a 256-entry table of `channels` bytes each.
        case palette(depth: Int, table: [UInt8])
    }

    /// The element type, channel count and expansion for a header under `options`.
    static func layout(of structure: PNGStructure, options: PNGReadOptions) -> (dtype: DType, channels: Int, expansion: Expansion) {
        let header = structure.header
        let samples = header.colorType.samplesPerPixel
        switch (header.colorType, header.bitDepth) {
        case (.gray, 1): return (.bool, 1, .bits)
        case (.gray, 2), (.gray, 4): return (.uint8, 1, .scaledGray(depth: header.bitDepth))
        case (.palette, let depth):
            let withAlpha = structure.transparency != nil && !options.imageioCompatible
            let channels = withAlpha ? 4 : 3
            var table = [UInt8](repeating: 0, count: 256 * channels)
            let palette = structure.palette ?? []
            let alpha = structure.transparency ?? []
            for i in 0..<256 {
                if 3 * i + 2 < palette.count {
                    for c in 0..<3 { table[i * channels + c] = palette[3 * i + c] }
                }
                if withAlpha { table[i * channels + 3] = i < alpha.count ? alpha[i] : 255 }
            }
            return (.uint8, channels, .palette(depth: depth, table: table))
        case (.gray, 16):
            return (.uint16, 1, .words)
        case (.grayAlpha, 16) where options.imageioCompatible:
            return (.uint8, 4, .grayAlphaWordsToRGBA)
        case (_, 16):
            return options.imageioCompatible ? (.uint8, samples, .wordsHighByte) : (.uint16, samples, .words)
        default:
            return (.uint8, samples, .bytes)
        }
    }

    /// Decodes the pixels.
    ///
    /// - Parameters:
    ///   - span: the file bytes from the first IDAT chunk's length field to the last IDAT chunk's CRC.
    ///   - spanOffset: the file offset of `span[0]`.
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` for a CRC mismatch, a corrupt or short deflate stream, or
    ///   an unknown filter type.
    static func decode(_ structure: PNGStructure, span: [UInt8], spanOffset: Int,
                       options: PNGReadOptions) throws -> AnyArray {
        let header = structure.header
        let filteredCount = try header.filteredByteCount()
        var span = span
        // Check each IDAT CRC and pack the payloads to the front of `span`.
        let dataCount: Int = try span.withUnsafeMutableBytes { raw in
            let base = raw.baseAddress!
            var packed = 0
            for chunk in structure.dataChunks {
                let start = chunk.offset - spanOffset
                guard start >= 0, start + 12 + chunk.length <= raw.count else {
                    throw ScopeKitError.badInput("truncated PNG: IDAT chunk outside the data read")
                }
                let crc = Zlib.crc32(UnsafeRawBufferPointer(start: base + start + 4, count: 4 + chunk.length))
                let p = raw[start + 8 + chunk.length..<start + 12 + chunk.length].map(UInt32.init)
                guard crc == p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3] else {
                    throw ScopeKitError.badInput("corrupt PNG: CRC mismatch in IDAT chunk at byte \(chunk.offset)")
                }
                if chunk.length > 0 { memmove(base + packed, base + start + 8, chunk.length) }
                packed += chunk.length
            }
            return packed
        }
        var filtered: [UInt8]
        do {
            filtered = try span.withUnsafeBytes {
                try Inflate.decompress(UnsafeRawBufferPointer(rebasing: $0[0..<dataCount]), expectedCount: filteredCount)
            }
        } catch let error as ScopeKitError {
            throw ScopeKitError.badInput("corrupt PNG image data: \(error.reason)")
        }
        span = []

        let (dtype, channels, expansion) = layout(of: structure, options: options)
        let shape = channels == 1 ? [header.height, header.width] : [header.height, header.width, channels]
        var result: AnyArray
        switch dtype {
        case .bool:
            result = .bool(try NDArray<Bool>(unsafeUninitializedShape: shape) { out in
                try unfilterAndExpand(header, &filtered) { row, pass, y, n in
                    expandBits(row, count: n, into: out.baseAddress! + (pass.yStart + y * pass.yStep) * header.width
                                + pass.xStart, step: pass.xStep)
                }
            })
        case .uint16:
            result = .uint16(try NDArray<UInt16>(unsafeUninitializedShape: shape) { out in
                try unfilterAndExpand(header, &filtered) { row, pass, y, n in
                    let first = ((pass.yStart + y * pass.yStep) * header.width + pass.xStart) * channels
                    expandWords(row, count: n * channels, channels: channels, into: out.baseAddress! + first,
                                step: pass.xStep * channels)
                }
            })
        default:
            result = .uint8(try NDArray<UInt8>(unsafeUninitializedShape: shape) { out in
                try unfilterAndExpand(header, &filtered) { row, pass, y, n in
                    let first = ((pass.yStart + y * pass.yStep) * header.width + pass.xStart) * channels
                    expandBytes(expansion, row, pixels: n, channels: channels, into: out.baseAddress! + first,
                                step: pass.xStep * channels)
                }
            })
        }
        result.calibration = calibration(of: structure, rank: shape.count)
        result.metadata = structure.metadata
        return result
    }

    /// The calibration from pHYs (metre units → µm per pixel) with axes named `y, x[, channel]`.
    static func calibration(of structure: PNGStructure, rank: Int) -> Calibration {
        var calibration = Calibration(rank: 2)
        if rank == 3 { calibration.axes.append(AxisCalibration(name: "channel")) }
        if let size = structure.physicalSize, size.unit == 1, size.x > 0, size.y > 0 {
            calibration.axes[0].scale = 1e6 / Double(size.y)
            calibration.axes[0].unit = "µm"
            calibration.axes[1].scale = 1e6 / Double(size.x)
            calibration.axes[1].unit = "µm"
        }
        return calibration
    }

    /// Unfilters each pass in place (rows in order), then hands its rows to `expand` (in parallel).
    ///
    /// `expand(row, pass, y, pixels)` receives the raw row `y` of `pass`.
    private static func unfilterAndExpand(
        _ header: PNGHeader, _ filtered: inout [UInt8],
        _ expand: (UnsafePointer<UInt8>, PNGPass, Int, Int) -> Void
    ) throws {
        let stride = header.filterStride
        try filtered.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            var offset = 0
            for pass in header.passes where !pass.isEmpty {
                let rowBytes = header.rowBytes(width: pass.width)
                let zeros = [UInt8](repeating: 0, count: rowBytes)
                try zeros.withUnsafeBufferPointer { zero in
                    var previous = zero.baseAddress!
                    for y in 0..<pass.height {
                        let row = base + offset + y * (rowBytes + 1)
                        guard let type = PNGFilter(rawValue: row[0]) else {
                            throw ScopeKitError.badInput("corrupt PNG: filter type \(row[0]) in row \(y)")
                        }
                        PNGFilter.unfilter(type, row: row + 1, previous: previous, count: rowBytes, stride: stride)
                        previous = UnsafePointer(row + 1)
                    }
                }
                let passBase = UnsafePointer(base + offset)
                let sendable = UncheckedSendable(UnsafeMutablePointer(mutating: passBase))
                Parallel.forEach(0..<pass.height, minimumChunk: max(1, 65536 / (rowBytes + 1))) { y in
                    expand(UnsafePointer(sendable.value) + y * (rowBytes + 1) + 1, pass, y, pass.width)
                }
                offset += pass.height * (rowBytes + 1)
            }
        }
    }

    /// 1-bit samples → Bool.
    private static func expandBits(_ row: UnsafePointer<UInt8>, count: Int, into out: UnsafeMutablePointer<Bool>, step: Int) {
        for i in 0..<count {
            out[i * step] = (row[i >> 3] >> (7 - UInt8(i & 7))) & 1 != 0
        }
    }

    /// Big-endian 16-bit samples → UInt16, `channels` per pixel, pixels `step` elements apart.
    private static func expandWords(_ row: UnsafePointer<UInt8>, count: Int, channels: Int,
                                    into out: UnsafeMutablePointer<UInt16>, step: Int) {
        if step == channels {
            for i in 0..<count { out[i] = UInt16(row[2 * i]) << 8 | UInt16(row[2 * i + 1]) }
            return
        }
        for i in 0..<count {
            out[(i / channels) * step + i % channels] = UInt16(row[2 * i]) << 8 | UInt16(row[2 * i + 1])
        }
    }

    /// Byte-sized outputs: copies, scaled sub-byte gray, 16-bit high bytes and palette lookups.
    private static func expandBytes(_ expansion: Expansion, _ row: UnsafePointer<UInt8>, pixels: Int, channels: Int,
                                    into out: UnsafeMutablePointer<UInt8>, step: Int) {
        switch expansion {
        case .bytes:
            if step == channels {
                out.update(from: row, count: pixels * channels)
            } else {
                for x in 0..<pixels {
                    for c in 0..<channels { out[x * step + c] = row[x * channels + c] }
                }
            }
        case .wordsHighByte:
            for x in 0..<pixels {
                for c in 0..<channels { out[x * step + c] = row[2 * (x * channels + c)] }
            }
        case .grayAlphaWordsToRGBA:
            for x in 0..<pixels {
                let gray = row[4 * x], alpha = row[4 * x + 2]
                out[x * step] = gray
                out[x * step + 1] = gray
                out[x * step + 2] = gray
                out[x * step + 3] = alpha
            }
        case .scaledGray(let depth):
            let scale = UInt8(255 / ((1 << depth) - 1))
            for x in 0..<pixels { out[x * step] = sample(row, x, depth: depth) &* scale }
        case .palette(let depth, let table):
            table.withUnsafeBufferPointer { table in
                for x in 0..<pixels {
                    let entry = table.baseAddress! + Int(sample(row, x, depth: depth)) * channels
                    for c in 0..<channels { out[x * step + c] = entry[c] }
                }
            }
        case .bits, .words:
            preconditionFailure("not a byte expansion")
        }
    }

    /// Sample `x` of a row of `depth`-bit samples (1, 2, 4 or 8), most significant bits first.
    @inline(__always)
    private static func sample(_ row: UnsafePointer<UInt8>, _ x: Int, depth: Int) -> UInt8 {
        if depth == 8 { return row[x] }
        let bit = x * depth
        let shift = UInt8(8 - depth - (bit & 7))
        return (row[bit >> 3] >> shift) & UInt8((1 << depth) - 1)
    }
}
