import Foundation
import ScopeKitCore

/// Options for reading PNG files.
///
/// By default samples keep their full precision: 16-bit colour is returned as `uint16` and a palette with a
/// tRNS chunk expands to RGBA. Set ``imageioCompatible`` to get exactly what `imageio.v3.imread` (Pillow 13)
/// returns: 16-bit RGB and RGBA reduced to `uint8` (high byte), 16-bit gray+alpha read as 8-bit RGBA (gray
/// repeated), palette transparency dropped (always RGB).
///
/// Both modes agree with imageio on everything else: 1-bit gray → `bool`, 2/4-bit gray → `uint8` scaled to
/// 0…255 (value · 255 / (2^depth − 1)), 8-bit → `uint8`, 16-bit gray → `uint16`, and tRNS of gray and RGB
/// images ignored.
///
/// ```swift
/// let pillowLike = try PNG.decode(bytes, options: PNGReadOptions(imageioCompatible: true))
/// ```
public struct PNGReadOptions: Sendable, Equatable {
    /// Reproduce imageio/Pillow's reductions (see the type's summary).
    public var imageioCompatible: Bool

    /// Options; the default keeps full precision.
    public init(imageioCompatible: Bool = false) {
        self.imageioCompatible = imageioCompatible
    }
}

/// Pure-Swift PNG reading and writing (deflate through zlib).
///
/// Reads every PNG the specification allows (ISO/IEC 15948: bit depths 1–16, gray, gray+alpha, RGB, RGBA,
/// palette, all five filters, Adam7 interlacing, split IDAT data), with `pHYs` → calibration in µm per
/// pixel and `tEXt`/`zTXt`/`iTXt` → metadata `png.<keyword>`. Output is `[rows, cols]` for gray and
/// `[rows, cols, channels]` otherwise; pixel values match `imageio.v3.imread` (see ``PNGReadOptions``).
///
/// Writes `bool` (1-bit), `uint8` and `uint16` arrays of shape `[rows, cols]` or `[rows, cols, 1…4]`
/// (gray, gray+alpha, RGB, RGBA) with libpng's adaptive row-filter choice, `pHYs` when the row and column
/// calibration are lengths, and a `tEXt` (or `iTXt`) chunk per `png.<keyword>` metadata entry.
///
/// Chunk CRCs follow libpng's defaults: a mismatch in a critical chunk (IHDR, PLTE, IDAT, IEND) is an error,
/// an ancillary chunk with a bad CRC is skipped (Pillow rejects such a file). Unknown critical chunks, missing
/// IEND, non-consecutive IDAT chunks and unknown filter types are errors; data after the image is ignored.
///
/// Hostile files fail cleanly with ``ScopeKitError/badInput(_:file:)``: every size derived from the header is
/// checked for overflow and against what the compressed data can hold (deflate expands at most ~1032:1), so a
/// 1 KB file claiming 2^31 × 2^31 pixels is rejected before any allocation.
///
/// ```swift
/// let image = try PNG.read(URL(fileURLWithPath: "cells.png"))        // AnyArray
/// let bytes = try PNG.encode(rgb: rendered)                            // [rows, cols, 3] uint8
/// try PNG.write(rendered, to: URL(fileURLWithPath: "out.png"), overwrite: false)
/// ```
public enum PNG {
    /// Decodes a PNG held in memory.
    ///
    /// - Parameters:
    ///   - bytes: the whole file.
    ///   - options: imageio compatibility (default: full precision).
    /// - Returns: `bool`, `uint8` or `uint16` pixels `[rows, cols]` or `[rows, cols, channels]`, with
    ///   calibration and metadata.
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` for anything that is not a valid PNG.
    /// - Complexity: O(file size + rows · cols · channels).
    public static func decode(_ bytes: [UInt8], options: PNGReadOptions = PNGReadOptions()) throws -> AnyArray {
        let structure = try PNGStructure.parse(size: bytes.count) { offset, count in
            Array(bytes[offset..<offset + count])
        }
        let first = structure.dataChunks.first!.offset
        let last = structure.dataChunks.last!
        return try PNGDecoder.decode(structure, span: Array(bytes[first..<last.offset + 12 + last.length]),
                                     spanOffset: first, options: options)
    }

    /// Reads a PNG file.
    ///
    /// ```swift
    /// let cell = try PNG.read(URL(fileURLWithPath: "cell.png"))   // uint8 [660, 550]
    /// ```
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` naming the file.
    public static func read(_ url: URL, options: PNGReadOptions = PNGReadOptions()) throws -> AnyArray {
        do {
            return try PNGFormat(options: options).open(RandomAccessFile(url)).readPlane(0)
        } catch let error as ScopeKitError {
            throw error.attributed(to: url.path)
        }
    }

    /// Encodes an array as PNG bytes.
    ///
    /// - Parameters:
    ///   - array: `bool` `[rows, cols]` (1-bit), or `uint8`/`uint16` `[rows, cols]` or `[rows, cols, c]` with
    ///     c = 1 (gray), 2 (gray+alpha), 3 (RGB), 4 (RGBA). Its calibration becomes `pHYs` when rows and
    ///     columns are in length units; metadata `png.<keyword>` entries become text chunks.
    ///   - compressionLevel: zlib level 0 (store) … 9 (smallest); 6 is zlib's and Pillow's default.
    /// - Throws: ``ScopeKitError/usage(_:)`` for an unsupported dtype, shape or level.
    /// - Complexity: O(rows · cols · channels); filtering runs in parallel over rows, deflate on one thread.
    public static func encode(_ array: AnyArray, compressionLevel: Int = 6) throws -> [UInt8] {
        try PNGWriter.encode(array, compressionLevel: compressionLevel)
    }

    /// Encodes an 8-bit image (`[rows, cols]` gray, `[rows, cols, 3]` RGB or `[rows, cols, 4]` RGBA) — the
    /// renderer's entry point.
    ///
    /// ```swift
    /// let png = try PNG.encode(rgb: NDArray<UInt8>(zeros: [64, 64, 3]))
    /// ```
    public static func encode(rgb image: NDArray<UInt8>, compressionLevel: Int = 6) throws -> [UInt8] {
        try PNGWriter.encode(.uint8(image), compressionLevel: compressionLevel)
    }

    /// Writes an 8-bit image (gray, RGB or RGBA) to `url` atomically.
    ///
    /// - Throws: ``ScopeKitError/usage(_:)`` if `url` exists and `overwrite` is false or the shape is not an
    ///   image; ``ScopeKitError/processing(_:file:)`` if the file cannot be written.
    public static func write(_ image: NDArray<UInt8>, to url: URL, overwrite: Bool, compressionLevel: Int = 6) throws {
        let bytes = try encode(rgb: image, compressionLevel: compressionLevel)
        try OutputFile.write(bytes, to: url, overwrite: overwrite)
    }
}
