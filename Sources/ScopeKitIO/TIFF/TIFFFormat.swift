import Foundation
import ScopeKitCore

/// The TIFF reader: classic TIFF and BigTIFF, either byte order, strips or tiles, uncompressed, PackBits,
/// LZW or Deflate with the horizontal or floating-point predictor, 1/8/16/32/64-bit integer and float samples,
/// grayscale, palette and RGB(A); ImageJ hyperstacks and OME-TIFF shapes and calibration.
///
/// The file's first series is returned with the shape and dtype `tifffile.imread` gives:
/// - pages with identical shape and encoding stack to `[pages, rows, cols]`; a single page is `[rows, cols]`;
/// - RGB(A) samples are the last axis (`[rows, cols, samples]`), or the first for separate planes
///   (`[samples, rows, cols]`, PlanarConfiguration 2), as tifffile's page shape;
/// - ImageJ hyperstacks are `[t, z, c, rows, cols]` with axes of size 1 dropped;
/// - OME-TIFF follows `DimensionOrder` and the `Size*` attributes, size-1 axes dropped;
/// - tifffile "shaped" files (`{"shape": [...]}` description) take that shape.
///
/// Palette images return the stored indices (as tifffile does) with the colour map in
/// `metadata["tiff.ColorMap"]`; min-is-white images are returned as stored (not inverted), with
/// `metadata["tiff.Photometric"] == "minisblack|miniswhite|palette|rgb|…"`. SubIFDs (pyramid levels) are not
/// part of the first series and are ignored. JPEG and other lossy or exotic codecs throw
/// `unsupported compression: JPEG`.
///
/// ```swift
/// let file = try TIFFFormat().open(RandomAccessFile(url))
/// file.info.shape          // [2, 501, 3, 11, 13] for an ImageJ TZCYX hyperstack
/// let z0 = try file.readPlane(0)
/// ```
///
/// Every offset and count is validated against the file size before anything is allocated; corrupt or
/// truncated files throw ``ScopeKitError/badInput(_:file:)``. Matches tifffile 2026.3 `imread` (series 0).
public struct TIFFFormat: ImageFormat {
    public init() {}

    public var name: String { "TIFF" }
    public var fileExtensions: [String] { ["tif", "tiff", "ome.tif", "ome.tiff", "btf", "tf8"] }

    public func matches(header: [UInt8], fileExtension: String) -> Bool {
        guard header.count >= 4 else { return false }
        if header[0] == 0x49 && header[1] == 0x49 { return header[3] == 0 && (header[2] == 42 || header[2] == 43) }
        if header[0] == 0x4D && header[1] == 0x4D { return header[2] == 0 && (header[3] == 42 || header[3] == 43) }
        return false
    }

    public func open(_ file: RandomAccessFile) throws -> any ImageFile {
        try TIFFImageFile(file)
    }
}
