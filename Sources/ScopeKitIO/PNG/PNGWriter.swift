import ScopeKitCore

/// Encodes arrays as PNG bytes: 1-bit (Bool), 8-bit and 16-bit gray, gray+alpha, RGB and RGBA.
enum PNGWriter {
    /// The largest IDAT chunk written; longer streams are split.
    static let maximumChunk = 1 << 20

    /// Builds a PNG file in memory from `array` (see ``PNG/encode(_:compressionLevel:)``).
    static func encode(_ array: AnyArray, compressionLevel: Int) throws -> [UInt8] {
        guard (0...9).contains(compressionLevel) else {
            throw ScopeKitError.usage("PNG compression level \(compressionLevel) is not in 0…9")
        }
        let shape = array.shape
        let channels = shape.count == 3 ? shape[2] : 1
        guard shape.count == 2 || (shape.count == 3 && (1...4).contains(channels)) else {
            throw ScopeKitError.usage("PNG stores [rows, cols] or [rows, cols, 1…4] arrays, not shape \(shape)")
        }
        let height = shape[0], width = shape[1]
        guard (1...PNGHeader.maximumExtent).contains(height), (1...PNGHeader.maximumExtent).contains(width) else {
            throw ScopeKitError.usage("PNG needs 1…2^31−1 rows and columns, not \(height)×\(width)")
        }
        let colorType: PNGColorType = [.gray, .grayAlpha, .rgb, .rgba][channels - 1]
        let header: PNGHeader
        var raw: [UInt8]  // unfiltered rows, `rowBytes` each
        switch array {
        case .bool(let a) where channels == 1:
            header = PNGHeader(width: width, height: height, bitDepth: 1, colorType: .gray)
            raw = packBits(a, width: width, height: height, rowBytes: header.rowBytes(width: width))
        case .uint8(let a):
            header = PNGHeader(width: width, height: height, bitDepth: 8, colorType: colorType)
            raw = a.withUnsafeBufferPointer { Array(UnsafeRawBufferPointer($0)) }
        case .uint16(let a):
            header = PNGHeader(width: width, height: height, bitDepth: 16, colorType: colorType)
            raw = a.withUnsafeBufferPointer { src in
                [UInt8](unsafeUninitializedCapacity: src.count * 2) { out, initialized in
                    for i in 0..<src.count {
                        out[2 * i] = UInt8(truncatingIfNeeded: src[i] >> 8)
                        out[2 * i + 1] = UInt8(truncatingIfNeeded: src[i])
                    }
                    initialized = src.count * 2
                }
            }
        default:
            throw ScopeKitError.usage("PNG cannot store \(array.dtype) of shape \(shape); "
                                      + "convert to uint8 or uint16 (or bool for a 2-D mask)")
        }
        let filtered = filterRows(raw, header: header)
        raw = []
        let compressed = try Deflate.compress(filtered, level: compressionLevel)

        var out = PNGStructure.signature
        appendChunk("IHDR", header.bytes, to: &out)
        if let phys = physicalSizeChunk(array.calibration) { appendChunk("pHYs", phys, to: &out) }
        for (key, value) in array.metadata where key.hasPrefix("png.") {
            if let (type, payload) = PNGText.encode(keyword: String(key.dropFirst(4)), text: value) {
                appendChunk(type, payload, to: &out)
            }
        }
        var start = 0
        repeat {
            let end = min(start + maximumChunk, compressed.count)
            appendChunk("IDAT", compressed[start..<end], to: &out)
            start = end
        } while start < compressed.count
        appendChunk("IEND", [], to: &out)
        return out
    }

    /// Filters every row with the filter of least cost (libpng's minimum-sum-of-absolute-differences
    /// heuristic; filter None for bit depths below 8, as libpng does). Rows are filtered in parallel; the
    /// result does not depend on the thread count.
    static func filterRows(_ raw: [UInt8], header: PNGHeader) -> [UInt8] {
        let rowBytes = header.rowBytes(width: header.width)
        let stride = header.filterStride
        let adaptive = header.bitDepth >= 8
        return [UInt8](unsafeUninitializedCapacity: header.height * (rowBytes + 1)) { out, initialized in
            let target = UncheckedSendable(out.baseAddress)
            raw.withUnsafeBufferPointer { rawBuffer in
                let source = rawBuffer.baseAddress!
                Parallel.forEachChunk(0..<header.height, minimumChunk: max(1, 32768 / (rowBytes + 1))) { rows in
                    let zeros = [UInt8](repeating: 0, count: rowBytes)
                    var scratch = [UInt8](repeating: 0, count: 5 * rowBytes)
                    zeros.withUnsafeBufferPointer { zero in
                        scratch.withUnsafeMutableBufferPointer { scratch in
                            for y in rows {
                                let row = source + y * rowBytes
                                let previous = y == 0 ? zero.baseAddress! : row - rowBytes
                                let dst = target.value! + y * (rowBytes + 1)
                                var best = PNGFilter.none
                                if adaptive {
                                    var bestCost = Int.max
                                    for f in PNGFilter.allCases {
                                        let cost = PNGFilter.filter(f, row: row, previous: previous, count: rowBytes,
                                                                    stride: stride,
                                                                    output: scratch.baseAddress! + Int(f.rawValue) * rowBytes)
                                        if cost < bestCost { bestCost = cost; best = f }
                                    }
                                    (dst + 1).update(from: scratch.baseAddress! + Int(best.rawValue) * rowBytes,
                                                     count: rowBytes)
                                } else {
                                    (dst + 1).update(from: row, count: rowBytes)
                                }
                                dst[0] = best.rawValue
                            }
                        }
                    }
                }
            }
            initialized = header.height * (rowBytes + 1)
        }
    }

    /// Packs a Bool image into 1-bit rows (most significant bit first, rows padded to whole bytes).
    static func packBits(_ a: NDArray<Bool>, width: Int, height: Int, rowBytes: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: height * rowBytes)
        a.withUnsafeBufferPointer { src in
            for y in 0..<height {
                for x in 0..<width where src[y * width + x] {
                    out[y * rowBytes + x >> 3] |= 0x80 >> UInt8(x & 7)
                }
            }
        }
        return out
    }

    /// A pHYs payload from the row and column calibration when both are lengths, else nil.
    static func physicalSizeChunk(_ calibration: Calibration) -> [UInt8]? {
        guard calibration.axes.count >= 2,
              let metresY = metres(calibration.axes[0]), let metresX = metres(calibration.axes[1]) else { return nil }
        let ppmY = (1 / metresY).rounded(), ppmX = (1 / metresX).rounded()
        guard ppmX >= 1, ppmY >= 1, ppmX <= Double(UInt32.max), ppmY <= Double(UInt32.max) else { return nil }
        var payload: [UInt8] = []
        payload.appendBigEndian(UInt32(ppmX))
        payload.appendBigEndian(UInt32(ppmY))
        payload.append(1)
        return payload
    }

    /// The pixel size of `axis` in metres when its unit is a length.
    private static func metres(_ axis: AxisCalibration) -> Double? {
        let perUnit: [String: Double] = [
            "m": 1, "cm": 1e-2, "mm": 1e-3, "µm": 1e-6, "μm": 1e-6, "um": 1e-6, "micron": 1e-6, "microns": 1e-6,
            "nm": 1e-9, "pm": 1e-12, "Å": 1e-10, "angstrom": 1e-10, "A": 1e-10,
        ]
        guard let factor = perUnit[axis.unit], axis.scale > 0, axis.scale.isFinite else { return nil }
        return axis.scale * factor
    }

    /// Appends length, type, payload and CRC.
    static func appendChunk<C: Collection<UInt8>>(_ type: String, _ payload: C, to out: inout [UInt8]) {
        out.appendBigEndian(UInt32(payload.count))
        let start = out.count
        out += Array(type.utf8)
        out += payload
        let crc = out.withUnsafeBytes { Zlib.crc32(UnsafeRawBufferPointer(rebasing: $0[start...])) }
        out.appendBigEndian(crc)
    }
}
