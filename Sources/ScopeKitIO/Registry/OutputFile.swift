import Foundation
import ScopeKitCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file written atomically: bytes go to a temporary file beside the target, which is renamed over the
/// target only by ``commit()``.
///
/// A reader of the target never sees a half-written file; if writing fails (or the object is dropped without
/// `commit()`), the temporary file is removed and the target is untouched. An existing target is replaced
/// only when `overwrite` is true.
///
/// ```swift
/// let out = try OutputFile(url, overwrite: force)
/// try out.write(headerBytes)
/// try out.write(at: 4, bytes: patchedOffset)     // patch an earlier field
/// try out.commit()
/// ```
public final class OutputFile {
    /// The final path.
    public let url: URL
    /// The temporary path written until ``commit()``.
    public let temporaryURL: URL
    private var descriptor: Int32
    private var committed = false
    /// Bytes written so far at the end of the file (the position of the next ``write(_:)``).
    public private(set) var position: Int = 0
    private var pending: [UInt8] = []
    private let bufferLimit = 1 << 20
    /// Bytes allocated on disk ahead of the writes by ``reserve(_:)`` (0: none).
    private var reserved = 0

    /// Creates the temporary file for `url`.
    ///
    /// - Throws: ``ScopeKitError/usage(_:)`` if `url` exists and `overwrite` is false;
    ///   ``ScopeKitError/processing(_:file:)`` if the folder is not writable.
    public init(_ url: URL, overwrite: Bool) throws {
        self.url = url
        let path = url.path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            if isDirectory.boolValue { throw ScopeKitError(.usage, "output is a folder", file: path) }
            if !overwrite { throw ScopeKitError(.usage, "output exists (use --force to overwrite)", file: path) }
        }
        let folder = url.deletingLastPathComponent()
        temporaryURL = folder.appendingPathComponent(".\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp")
        descriptor = open(temporaryURL.path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard descriptor >= 0 else {
            throw ScopeKitError.processing("cannot create output: \(String(cString: strerror(errno)))", file: path)
        }
    }

    deinit {
        if !committed { discard() }
    }

    /// Appends bytes at ``position``.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        if pending.count + bytes.count > bufferLimit { try flush() }
        if bytes.count >= bufferLimit {
            try writeFully(bytes, at: position)
        } else {
            pending.append(contentsOf: bytes)
        }
        position += bytes.count
    }

    /// Appends bytes at ``position``.
    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Appends the raw bytes of an array (host byte order).
    public func write<T: ArrayElement>(_ array: NDArray<T>) throws {
        try array.withUnsafeBytes { try write($0) }
    }

    /// Overwrites bytes already written at `offset` (e.g. to patch a header field).
    public func write(at offset: Int, bytes: [UInt8]) throws {
        try flush()
        try bytes.withUnsafeBytes { try writeFully($0, at: offset) }
    }

    /// Allocates disk blocks for the first `byteCount` bytes of the file ahead of the writes, without changing
    /// its size (`fallocate` with `FALLOC_FL_KEEP_SIZE` on Linux; elsewhere nothing).
    ///
    /// Writers that know (or can bound) their output size call this before the bulk writes. On ext4 the
    /// pages then land in allocated blocks: no delayed-allocation reservation per page while writing, and no
    /// forced write-back when ``commit()`` renames the file over an existing target (ext4's
    /// `auto_da_alloc`), which together cost about as much as copying the bytes. Blocks reserved past the
    /// last byte written are released by ``commit()``. Failure (a file system without `fallocate`) is
    /// ignored: the writes allocate as usual.
    ///
    /// ```swift
    /// try out.reserve(headerBytes + pixels.count)
    /// try out.write(pixels)
    /// ```
    /// - Parameter byteCount: the expected final size (or an upper bound) in bytes.
    public func reserve(_ byteCount: Int) {
        guard byteCount > reserved, descriptor >= 0 else { return }
        #if os(Linux)
        if let allocate = OutputFile.fallocate, allocate(descriptor, 1 /* FALLOC_FL_KEEP_SIZE */, 0, off_t(byteCount)) == 0 {
            reserved = byteCount
        }
        #endif
    }

    #if os(Linux)
    /// glibc's `fallocate` (declared only under `_GNU_SOURCE`, which the Glibc module does not set).
    private static let fallocate: (@convention(c) (Int32, Int32, off_t, off_t) -> Int32)? = {
        guard let symbol = dlsym(nil, "fallocate") else { return nil }   // nil = RTLD_DEFAULT
        return unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32, off_t, off_t) -> Int32).self)
    }()
    #endif

    /// Renames the temporary file over the target. After this the object does nothing more.
    public func commit() throws {
        try flush()
        if reserved > position {
            // Release the blocks reserved past the end (the size is unchanged, so nothing is cut).
            _ = ftruncate(descriptor, off_t(position))
        }
        guard close(descriptor) == 0 else {
            descriptor = -1
            discard()
            throw ScopeKitError.processing("cannot close output: \(String(cString: strerror(errno)))", file: url.path)
        }
        descriptor = -1
        guard rename(temporaryURL.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            discard()
            throw ScopeKitError.processing("cannot rename output into place: \(reason)", file: url.path)
        }
        committed = true
    }

    /// Removes the temporary file; the target is left as it was.
    public func discard() {
        if descriptor >= 0 { close(descriptor); descriptor = -1 }
        unlink(temporaryURL.path)
    }

    private func flush() throws {
        guard !pending.isEmpty else { return }
        let start = position - pending.count
        try pending.withUnsafeBytes { try writeFully($0, at: start) }
        pending.removeAll(keepingCapacity: true)
    }

    private func writeFully(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws {
        var done = 0
        while done < bytes.count {
            let n = pwrite(descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw ScopeKitError.processing("write failed: \(String(cString: strerror(errno)))", file: url.path)
            }
            done += n
        }
    }

    /// Writes `bytes` to `url` atomically in one call.
    public static func write(_ bytes: [UInt8], to url: URL, overwrite: Bool) throws {
        let out = try OutputFile(url, overwrite: overwrite)
        try out.write(bytes)
        try out.commit()
    }
}
