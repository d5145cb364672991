import Foundation
import ScopeKitCore

/// The one entry point for reading and writing image files: a registry of formats, detected by content.
///
/// Formats are recognised by their magic bytes first and by extension only as a fallback, so a TIFF named
/// `.dat` still opens. A folder (or a list of files) of 2-D images opens as one stack, ordered by a natural
/// sort of the names (`2.png` before `10.png`).
///
/// ```swift
/// let image = try ImageIO.read(URL(fileURLWithPath: "cells.tif"))     // AnyArray
/// let file = try ImageIO.open(url)                                      // lazy: header only
/// let plane = try file.readPlane(5)                                     // reads plane 5 only
/// try ImageIO.write(image, to: URL(fileURLWithPath: "out.npy"))
/// ```
public enum ImageIO {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var readers: [any ImageFormat] = BuiltinFormats.readers
    nonisolated(unsafe) private static var writers: [any ImageEncoder] = BuiltinFormats.writers

    /// Adds a reader; later registrations are tried first.
    public static func register(_ format: any ImageFormat) {
        lock.withLock { readers.insert(format, at: 0) }
    }

    /// Adds a writer; later registrations are tried first.
    public static func register(_ encoder: any ImageEncoder) {
        lock.withLock { writers.insert(encoder, at: 0) }
    }

    /// The registered readers, most recent first.
    public static var formats: [any ImageFormat] { lock.withLock { readers } }
    /// The registered writers, most recent first.
    public static var encoders: [any ImageEncoder] { lock.withLock { writers } }

    /// The lower-case extension of `url`, treating `.ome.tif(f)` as one extension.
    public static func fileExtension(of url: URL) -> String {
        let name = url.lastPathComponent.lowercased()
        for compound in ["ome.tif", "ome.tiff"] where name.hasSuffix("." + compound) { return compound }
        return url.pathExtension.lowercased()
    }

    /// Finds the reader for an opened file: content first, then extension.
    public static func format(for file: RandomAccessFile) throws -> any ImageFormat {
        let header = try file.bytes(at: 0, count: min(512, file.size), what: "header")
        let ext = fileExtension(of: URL(fileURLWithPath: file.path))
        let all = formats
        if let f = all.first(where: { $0.matches(header: header, fileExtension: ext) }) { return f }
        if file.size == 0 { throw ScopeKitError.badInput("empty file", file: file.path) }
        throw ScopeKitError.badInput("unrecognised file format", file: file.path)
    }

    /// Opens a file (or a folder of 2-D images as a stack) and reads its header; pixels are read on demand.
    public static func open(_ url: URL) throws -> any ImageFile {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
            return try FileListStack(files: try imageFiles(inFolder: url))
        }
        do {
            let file = try RandomAccessFile(url)
            return try format(for: file).open(file)
        } catch let error as ScopeKitError {
            throw error.attributed(to: url.path)
        }
    }

    /// Opens a list of 2-D image files as one stack `[files, rows, cols]` (read lazily, one file per plane).
    public static func open(stackOf files: [URL]) throws -> any ImageFile {
        try FileListStack(files: files)
    }

    /// Reads a whole file (or folder) into memory.
    public static func read(_ url: URL) throws -> AnyArray {
        let file = try open(url)
        do { return try file.readAll() } catch let error as ScopeKitError { throw error.attributed(to: url.path) }
    }

    /// The image files in a folder that a registered reader claims by extension, in natural name order.
    public static func imageFiles(inFolder folder: URL) throws -> [URL] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        } catch {
            throw ScopeKitError.badInput("cannot list folder", file: folder.path)
        }
        let known = Set(formats.flatMap(\.fileExtensions))
        let files = names.filter { !$0.hasPrefix(".") && known.contains(fileExtension(of: URL(fileURLWithPath: $0))) }
            .sorted { $0.localizedStandardCompare($1) == .orderedAscending }
            .map { folder.appendingPathComponent($0) }
        guard !files.isEmpty else { throw ScopeKitError.badInput("folder holds no readable image", file: folder.path) }
        return files
    }

    /// The writer for `url`'s extension (or the named format).
    public static func encoder(for url: URL, format: String? = nil) throws -> any ImageEncoder {
        let key = (format ?? fileExtension(of: url)).lowercased()
        if let e = encoders.first(where: { $0.fileExtensions.contains(key) || $0.name.lowercased() == key }) {
            return e
        }
        throw ScopeKitError.usage("cannot write format '\(key)' (writable: \(encoders.map(\.name).joined(separator: ", ")))")
    }

    /// Writes `array` atomically (temporary file, then rename) in the format chosen by extension or name.
    ///
    /// `.ome.tif` selects OME-TIFF. The array's dtype must be one the writer supports (convert first with a
    /// ``ConversionPolicy``).
    public static func write(_ array: AnyArray, to url: URL, format: String? = nil,
                             options: WriteOptions = WriteOptions()) throws {
        let encoder = try encoder(for: url, format: format)
        guard encoder.supportedTypes.contains(array.dtype) else {
            throw ScopeKitError.usage("\(encoder.name) cannot store \(array.dtype); supported: "
                + encoder.supportedTypes.map(\.name).sorted().joined(separator: ", "))
        }
        var options = options
        if fileExtension(of: url).hasPrefix("ome.") { options.ome = true }
        let output = try OutputFile(url, overwrite: options.overwrite)
        do {
            try encoder.write(array, to: output, options: options)
            try output.commit()
        } catch let error as ScopeKitError {
            output.discard()
            throw error.attributed(to: url.path)
        }
    }
}

/// A stack made of one 2-D file per plane (a folder of PNG sections, a list of TIFFs).
final class FileListStack: ImageFile, @unchecked Sendable {
    let files: [URL]
    let info: ImageFileInfo

    init(files: [URL]) throws {
        guard let first = files.first else { throw ScopeKitError.badInput("no files to stack") }
        let head = try ImageIO.open(first).info
        guard head.planeCount == 1 else {
            throw ScopeKitError.badInput("stacking needs 2-D images; this one has shape \(head.shape)", file: first.path)
        }
        self.files = files
        var calibration = head.calibration.prependingAxis(AxisCalibration(name: "z"))
        calibration.axes = Array(calibration.axes.prefix(1 + head.planeShape.count))
        var metadata = head.metadata
        metadata["stack.files"] = String(files.count)
        info = ImageFileInfo(formatName: head.formatName + " stack", shape: [files.count] + head.planeShape,
                             dtype: head.dtype, planeShape: head.planeShape, calibration: calibration,
                             metadata: metadata)
    }

    func readPlane(_ index: Int) throws -> AnyArray {
        guard index >= 0 && index < files.count else { throw ScopeKitError.usage("plane \(index) out of 0..<\(files.count)") }
        let plane = try ImageIO.open(files[index])
        guard plane.info.dtype == info.dtype, plane.info.planeShape == info.planeShape, plane.info.planeCount == 1 else {
            throw ScopeKitError.badInput("is \(plane.info.dtype) \(plane.info.shape), the stack is \(info.dtype) \(info.planeShape)",
                                         file: files[index].path)
        }
        return try plane.readPlane(0)
    }
}
