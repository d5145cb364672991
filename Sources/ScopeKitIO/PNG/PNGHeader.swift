import ScopeKitCore

/// The PNG colour types (IHDR byte 9).
enum PNGColorType: UInt8, Sendable {
    case gray = 0
    case rgb = 2
    case palette = 3
    case grayAlpha = 4
    case rgba = 6

    /// Samples per pixel as stored (a palette index is one sample).
    var samplesPerPixel: Int {
        switch self {
        case .gray, .palette: 1
        case .grayAlpha: 2
        case .rgb: 3
        case .rgba: 4
        }
    }

    /// The bit depths the PNG specification allows for this colour type (Table 11.1).
    var allowedBitDepths: [Int] {
        switch self {
        case .gray: [1, 2, 4, 8, 16]
        case .palette: [1, 2, 4, 8]
        case .rgb, .grayAlpha, .rgba: [8, 16]
        }
    }
}

/// One reduced image of the Adam7 interlace (or the whole image when not interlaced).
struct PNGPass: Sendable, Equatable {
    var width: Int
    var height: Int
    var xStart: Int
    var yStart: Int
    var xStep: Int
    var yStep: Int

    var isEmpty: Bool { width == 0 || height == 0 }
}

/// The validated IHDR chunk.
///
/// Every field is checked against the PNG specification (ISO/IEC 15948, section 11.2.2); all sizes derived
/// from it are computed with overflow checks, so hostile values (2^31 × 2^31) throw instead of trapping.
struct PNGHeader: Sendable, Equatable {
    /// The largest width or height the specification allows (2^31 − 1).
    static let maximumExtent = Int(Int32.max)

    let width: Int
    let height: Int
    let bitDepth: Int
    let colorType: PNGColorType
    let interlaced: Bool

    /// Parses and validates the 13-byte IHDR payload.
    init(_ data: ArraySlice<UInt8>) throws {
        guard data.count == 13 else { throw ScopeKitError.badInput("PNG IHDR chunk has \(data.count) bytes, expected 13") }
        var r = ByteReader(Array(data), bigEndian: true)
        let w = Int(try r.readUInt32("IHDR")), h = Int(try r.readUInt32("IHDR"))
        let depth = Int(try r.readUInt8("IHDR")), type = try r.readUInt8("IHDR")
        let compression = try r.readUInt8("IHDR"), filter = try r.readUInt8("IHDR"), interlace = try r.readUInt8("IHDR")
        guard (1...PNGHeader.maximumExtent).contains(w), (1...PNGHeader.maximumExtent).contains(h) else {
            throw ScopeKitError.badInput("PNG size \(w)×\(h) is invalid (each side must be 1…2^31−1)")
        }
        guard let colorType = PNGColorType(rawValue: type) else {
            throw ScopeKitError.badInput("PNG colour type \(type) is invalid")
        }
        guard colorType.allowedBitDepths.contains(depth) else {
            throw ScopeKitError.badInput("PNG bit depth \(depth) is invalid for colour type \(type)")
        }
        guard compression == 0 else { throw ScopeKitError.badInput("PNG compression method \(compression) is unknown") }
        guard filter == 0 else { throw ScopeKitError.badInput("PNG filter method \(filter) is unknown") }
        guard interlace <= 1 else { throw ScopeKitError.badInput("PNG interlace method \(interlace) is unknown") }
        width = w
        height = h
        bitDepth = depth
        self.colorType = colorType
        interlaced = interlace == 1
    }

    init(width: Int, height: Int, bitDepth: Int, colorType: PNGColorType, interlaced: Bool = false) {
        self.width = width
        self.height = height
        self.bitDepth = bitDepth
        self.colorType = colorType
        self.interlaced = interlaced
    }

    /// The 13-byte IHDR payload.
    var bytes: [UInt8] {
        var out: [UInt8] = []
        out.appendBigEndian(UInt32(width))
        out.appendBigEndian(UInt32(height))
        out += [UInt8(bitDepth), colorType.rawValue, 0, 0, interlaced ? 1 : 0]
        return out
    }

    var bitsPerPixel: Int { bitDepth * colorType.samplesPerPixel }

    /// The distance in bytes to the corresponding byte of the previous pixel, used by the filters (≥ 1).
    var filterStride: Int { max(1, bitsPerPixel / 8) }

    /// Bytes in one unfiltered row of `width` pixels (without the filter-type byte).
    func rowBytes(width: Int) -> Int { (width * bitsPerPixel + 7) / 8 }  // ≤ 2^31 · 64: no overflow

    /// The reduced images in storage order: one for a plain image, seven (some possibly empty) for Adam7.
    var passes: [PNGPass] {
        guard interlaced else {
            return [PNGPass(width: width, height: height, xStart: 0, yStart: 0, xStep: 1, yStep: 1)]
        }
        let adam7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
        return adam7.map { x0, y0, dx, dy in
            PNGPass(width: width > x0 ? (width - x0 + dx - 1) / dx : 0,
                    height: height > y0 ? (height - y0 + dy - 1) / dy : 0,
                    xStart: x0, yStart: y0, xStep: dx, yStep: dy)
        }
    }

    /// The size of the decompressed (filtered) image data: every non-empty pass row plus its filter byte.
    ///
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` when the size does not fit in memory addressing.
    func filteredByteCount() throws -> Int {
        var total = 0
        for pass in passes where !pass.isEmpty {
            let (perPass, o1) = pass.height.multipliedReportingOverflow(by: 1 + rowBytes(width: pass.width))
            let (sum, o2) = total.addingReportingOverflow(perPass)
            guard !o1, !o2 else { throw ScopeKitError.badInput("PNG size \(width)×\(height) is too large") }
            total = sum
        }
        return total
    }
}

extension Array where Element == UInt8 {
    /// Appends `value` as 4 big-endian bytes.
    mutating func appendBigEndian(_ value: UInt32) {
        append(UInt8(truncatingIfNeeded: value >> 24))
        append(UInt8(truncatingIfNeeded: value >> 16))
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value))
    }
}
