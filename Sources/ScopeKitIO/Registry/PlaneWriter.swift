import Foundation
import ScopeKitCore

/// Writes an array to a file one plane at a time, so a movie can be written while it is computed (memory
/// O(plane)). TIFF (and OME-TIFF) and NPY are streamed; other formats (PNG) keep the planes and write them on
/// ``commit()`` (memory O(array)). The file is written atomically (``OutputFile``) and appears only on
/// ``commit()`` after every plane was appended.
///
/// The bytes are exactly those ``ImageIO/write(_:to:format:options:)`` writes for the whole array: TIFF keeps
/// its layout (uncompressed: every IFD first, then the pixels; Deflate: each page's IFD followed by its strips,
/// compressed in parallel), NPY writes its header, then the planes.
///
/// ```swift
/// let writer = try PlaneWriter(url: out, shape: [frames, rows, cols], dtype: .float32,
///                              calibration: calibration, options: WriteOptions(overwrite: force))
/// for i in 0..<frames { try writer.append(AnyArray(levelled(i))) }
/// try writer.commit()
/// ```
///
/// - Complexity: O(plane) memory; each ``append(_:)`` writes one plane (Deflate compresses its strips in
///   parallel).
public final class PlaneWriter {
    /// The target file.
    public let url: URL
    /// The full array shape.
    public let shape: [Int]
    /// The element type of every plane.
    public let dtype: DType
    /// The number of planes the file holds.
    public let planeCount: Int
    /// Planes appended so far.
    public private(set) var appended = 0
    private let planeElements: Int
    private let output: OutputFile
    private let tiff: TIFFPageStream?
    private let encoder: any ImageEncoder
    private let options: WriteOptions
    private let calibration: Calibration?
    private var kept: [AnyArray] = []
    private var streams: Bool

    /// Opens `url` for writing planes of an array of `shape` (the last two axes are a plane).
    ///
    /// - Parameters:
    ///   - format: a format name or extension; by default the extension of `url` (`.tif`, `.ome.tif`, `.npy`).
    ///   - calibration: written as the whole array's calibration (axes of `shape`).
    /// - Throws: ``ScopeKitError/usage(_:)`` for a format that cannot be streamed, an unsupported dtype or an
    ///   existing file without `options.overwrite`.
    public init(url: URL, shape: [Int], dtype: DType, calibration: Calibration? = nil,
                options: WriteOptions = WriteOptions(), format: String? = nil) throws {
        guard shape.count >= 2, shape.allSatisfy({ $0 >= 1 }) else {
            throw ScopeKitError.usage("cannot stream an array of shape \(shape) (need at least [rows, cols])")
        }
        let key = (format ?? ImageIO.fileExtension(of: url)).lowercased()
        let encoder = try ImageIO.encoder(for: url, format: format)
        guard encoder.supportedTypes.contains(dtype) else {
            throw ScopeKitError.usage("\(encoder.name) cannot store \(dtype)")
        }
        self.url = url
        self.shape = shape
        self.dtype = dtype
        planeElements = shape[shape.count - 2] * shape[shape.count - 1]
        planeCount = shape.dropLast(2).reduce(1, *)
        var options = options
        if key.hasPrefix("ome.") { options.ome = true }
        self.encoder = encoder
        self.options = options
        self.calibration = calibration
        streams = true
        output = try OutputFile(url, overwrite: options.overwrite)
        do {
            switch encoder {
            case let t as TIFFEncoder:
                tiff = try TIFFPageStream(shape: shape, dtype: dtype, calibration: calibration ?? Calibration(rank: shape.count),
                                          options: options, policy: t.bigTIFF, output: output)
            case is NPYEncoder:
                tiff = nil
                try output.write(NPYHeader(dtype: dtype, shape: shape).encoded())
            default:
                tiff = nil
                streams = false
            }
        } catch let e as ScopeKitError {
            output.discard()
            throw e.attributed(to: url.path)
        }
    }

    /// Appends the next plane (any shape with rows × cols elements of ``dtype``).
    ///
    /// - Throws: ``ScopeKitError/usage(_:)`` for a plane of another dtype or size, or one too many.
    public func append(_ plane: AnyArray) throws {
        guard plane.dtype == dtype, plane.count == planeElements else {
            throw ScopeKitError.usage("plane \(appended) is \(plane.dtype) \(plane.shape); expected \(dtype) of \(planeElements) elements")
        }
        guard appended < planeCount else { throw ScopeKitError.usage("more than \(planeCount) planes appended") }
        do {
            if !streams {
                kept.append(plane)
            } else if let tiff {
                try NPY.withLittleEndianBytes(of: plane) { try tiff.append($0, page: appended) }
            } else {
                try NPY.withLittleEndianBytes(of: plane) { try output.write($0) }
            }
        } catch let e as ScopeKitError {
            throw e.attributed(to: url.path)
        }
        appended += 1
    }

    /// Renames the finished file into place.
    ///
    /// - Throws: ``ScopeKitError/usage(_:)`` when fewer planes than ``planeCount`` were appended (the file is
    ///   then discarded).
    public func commit() throws {
        guard appended == planeCount else {
            output.discard()
            throw ScopeKitError.usage("only \(appended) of \(planeCount) planes were written").attributed(to: url.path)
        }
        do {
            if !streams {
                let planes = kept
                var array = try AnyArray.assemblingPlanes(shape: shape, dtype: dtype, planeCount: planeCount) { planes[$0] }
                if let calibration { array.calibration = calibration }
                try encoder.write(array, to: output, options: options)
            }
            try output.commit()
        } catch let e as ScopeKitError {
            output.discard()
            throw e.attributed(to: url.path)
        }
    }

    /// Drops the file (the target is left as it was).
    public func discard() { output.discard() }
}
