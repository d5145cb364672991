import Foundation
import ScopeKitCore
import ScopeKitIO

/// Corrects every tile of a channel and writes one file per tile, so that either all tiles are written or none.
///
/// Tiles are read, corrected and written one at a time (memory: one tile; corrected in place when the output
/// dtype is the input's). Files go to a hidden staging folder
/// inside `output` first (each through ``OutputFile``) and are renamed into place only after every tile
/// succeeded; on any error the staging folder is removed and `output` is left as it was. A tile keeps its
/// file name and format when the format can store the output dtype (TIFF, NPY; PNG for 8/16-bit), else it is
/// written as TIFF; tiles cut from one stack file are named `<stem>_tileNNN.tif`. Calibration (pixel size,
/// z spacing, intensity) is kept.
///
/// ```swift
/// let written = try FlatFieldApply.run(channel, corrector: c, output: out, overwrite: false)
/// ```
///
/// - Complexity: O(total pixels), one tile in memory.
public enum FlatFieldApply {
    /// The output file name of `tile` for an output dtype.
    public static func outputName(_ tile: FlatFieldTile, dtype: DType) -> String {
        if case .file = tile.source {
            let ext = tile.url.pathExtension.lowercased()
            let keeps: Bool
            switch ext {
            case "tif", "tiff", "npy": keeps = true
            case "png": keeps = dtype == .uint8 || dtype == .uint16
            default: keeps = false
            }
            return keeps ? tile.url.lastPathComponent : tile.name + ".tif"
        }
        return tile.name + ".tif"
    }

    /// Corrects and writes every tile of `channel` into `output` (created if missing).
    ///
    /// - Parameters:
    ///   - progress: advanced once per tile.
    /// - Returns: the files written, in tile order.
    /// - Throws: ``ScopeKitError/usage(_:)`` when an output exists and `overwrite` is false (checked before any
    ///   work); read, correction and write errors of any tile (nothing is then written).
    @discardableResult
    public static func run(_ channel: FlatFieldChannel, corrector: FlatFieldCorrector, output: URL, overwrite: Bool,
                           progress: WorkProgress? = nil) throws -> [URL] {
        let fm = FileManager.default
        guard channel.planeShape == corrector.planeShape else {
            throw ScopeKitError.badInput("tiles are \(channel.planeShape), the corrector \(corrector.planeShape)")
        }
        do { try fm.createDirectory(at: output, withIntermediateDirectories: true) } catch {
            throw ScopeKitError.processing("cannot create the output folder", file: output.path)
        }
        let names = channel.tiles.map { outputName($0, dtype: corrector.outputType(for: $0.dtype)) }
        guard Set(names).count == names.count else {
            throw ScopeKitError.badInput("two tiles would be written to the same file name", file: output.path)
        }
        let targets = names.map { output.appendingPathComponent($0) }
        for (t, tile) in zip(targets, channel.tiles) {
            if t.standardizedFileURL.path == tile.url.standardizedFileURL.path {
                throw ScopeKitError.usage("the output folder holds the input tiles; choose another (inputs are never modified)")
            }
            if !overwrite, fm.fileExists(atPath: t.path) {
                throw ScopeKitError(.usage, "output exists (use --force to overwrite)", file: t.path)
            }
        }
        let staging = output.appendingPathComponent(".scopekit-flatfield-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))")
        do { try fm.createDirectory(at: staging, withIntermediateDirectories: false) } catch {
            throw ScopeKitError.processing("cannot create a staging folder", file: staging.path)
        }
        defer { try? fm.removeItem(at: staging) }
        var image = 0
        for (k, tile) in channel.tiles.enumerated() {
            let reader = try tile.open()
            var corrected = try AnyArray.assemblingPlanes(shape: [tile.planeCount] + tile.planeShape,
                                                          dtype: tile.dtype, planeCount: tile.planeCount) {
                try reader.readPlane($0)
            }
            // Same dtype out (the common case): correct the buffer just read in place, no second array.
            do {
                if corrector.outputType(for: tile.dtype) == tile.dtype {
                    try corrector.correctInPlace(planes: &corrected, count: tile.planeCount, firstImage: image)
                } else {
                    corrected = try corrector.correct(planes: corrected, count: tile.planeCount, firstImage: image)
                }
            } catch let e as ScopeKitError { throw e.file == nil ? e.attributed(to: tile.url.path) : e }
            if !tile.isStack { corrected = corrected.reshaped(tile.planeShape) }
            var cal = tile.calibration
            if cal.axes.count != corrected.shape.count { cal = Calibration(rank: corrected.shape.count) }
            corrected.calibration = cal
            try ImageIO.write(corrected, to: staging.appendingPathComponent(names[k]), options: WriteOptions(overwrite: true))
            image += tile.planeCount
            progress?.advance()
        }
        for (k, target) in targets.enumerated() {
            let staged = staging.appendingPathComponent(names[k])
            if rename(staged.path, target.path) != 0 {
                throw ScopeKitError.processing("cannot move the corrected tile into place", file: target.path)
            }
        }
        return targets
    }
}
