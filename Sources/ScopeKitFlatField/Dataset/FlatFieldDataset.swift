import Foundation
import ScopeKitCore
import ScopeKitIO

/// The tiles of one channel, numbered 1…N in inverted-N order, all with the same plane shape.
public struct FlatFieldChannel: Sendable {
    /// The channel label (the models sub-folder name): a sub-folder name, a pattern's capture, or
    /// ``FlatFieldDataset/defaultLabel``.
    public let label: String
    /// Tiles in tile-number order (`tiles[k].number == k + 1`).
    public let tiles: [FlatFieldTile]
    /// `[rows, columns]` of every plane of every tile.
    public var planeShape: [Int] { tiles[0].planeShape }
    /// Planes over all tiles.
    public var planeCount: Int { tiles.reduce(0) { $0 + $1.planeCount } }

    /// Builds a channel and checks that every tile has the same plane shape.
    ///
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` for no tiles or tiles of different shapes.
    public init(label: String, tiles: [FlatFieldTile]) throws {
        guard let first = tiles.first else { throw ScopeKitError.badInput("channel '\(label)' has no tiles") }
        for t in tiles where t.planeShape != first.planeShape {
            throw ScopeKitError.badInput("tiles of different shapes: \(t.planeShape) here, \(first.planeShape) in "
                                         + "\(first.url.lastPathComponent)", file: t.url.path)
        }
        var numbered = tiles
        for k in numbered.indices { numbered[k].number = k + 1 }
        self.label = label
        self.tiles = numbered
    }

    /// The tile with 1-based number `n`.
    public func tile(_ n: Int) throws -> FlatFieldTile {
        guard n >= 1, n <= tiles.count else {
            throw ScopeKitError.usage("tile \(n) is outside 1…\(tiles.count) (channel '\(label)')")
        }
        return tiles[n - 1]
    }
}

/// A tiled (mosaic) or time-lapse dataset for flat-field correction: tiles per channel, optionally on a grid.
///
/// Sources: a folder of files (one per tile: 2-D images, multi-page TIFF z-stacks or NPY arrays), an explicit
/// file list, or one stack file holding every tile (multi-page TIFF, ImageJ hyperstack, NPY). Tile numbers
/// follow mesoSPIM's inverted-N order: with a file list, tile k is the k-th file (natural name order for a
/// folder), so the files must be in that order; with a Fiji `TileConfiguration.txt`, tiles are numbered from
/// their positions. Only headers are read here.
///
/// ```swift
/// let data = try FlatFieldDataset(folder: url, grid: TileGrid(rows: 7, columns: 9),
///                                 channels: .pattern("^(C[0-9]+)-"))
/// let tiles = data.channels[0].tiles               // 63 tiles, tile 1 top-left
/// ```
///
/// - Complexity: one header read per file.
public struct FlatFieldDataset: Sendable {
    /// How the files of a folder split into channels.
    public enum ChannelSelection: Sendable, Equatable {
        /// Sub-folders when the folder holds no images but sub-folders that do; otherwise one channel.
        case automatic
        /// Every file is one channel, labelled ``FlatFieldDataset/defaultLabel`` (or the given label).
        case single(String?)
        /// Each sub-folder is a channel named after it.
        case subfolders
        /// A regular expression over file names whose first capture group is the label (files that do not
        /// match are ignored), e.g. `"^(C[0-9]+)-"` or `"_ch([0-9]+)"`.
        case pattern(String)
    }

    /// The label of a dataset that has one unnamed channel.
    public static let defaultLabel = "default"

    /// The channels in label order (or in the order found).
    public let channels: [FlatFieldChannel]
    /// The tile grid, when known (given, or read from a tile configuration).
    public let grid: TileGrid?

    /// A dataset from channels already built.
    ///
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` when a channel's tile count differs from the grid's.
    public init(channels: [FlatFieldChannel], grid: TileGrid?) throws {
        guard !channels.isEmpty else { throw ScopeKitError.badInput("the dataset has no channel") }
        if let grid {
            for c in channels where c.tiles.count != grid.count {
                throw ScopeKitError.badInput("channel '\(c.label)' has \(c.tiles.count) tiles; the \(grid) grid "
                                             + "needs \(grid.count)")
            }
        }
        self.channels = channels
        self.grid = grid
    }

    /// One channel from an explicit list of tile files, tile k + 1 = `files[k]`.
    public init(files: [URL], grid: TileGrid? = nil, label: String? = nil) throws {
        guard !files.isEmpty else { throw ScopeKitError.usage("no tile files given") }
        let tiles = try files.enumerated().map { try FlatFieldTile.file($0.element, number: $0.offset + 1) }
        try self.init(channels: [FlatFieldChannel(label: label ?? Self.defaultLabel, tiles: tiles)], grid: grid)
    }

    /// A folder of tile files (natural name order, or positions from a tile configuration), split into channels.
    ///
    /// - Parameters:
    ///   - folder: the folder (or the parent of the channel sub-folders).
    ///   - grid: R × C; required for corner tiles; must match the tile count.
    ///   - channels: how files split into channels.
    ///   - tileConfiguration: a Fiji `TileConfiguration.txt`; names the files of every channel (those listed
    ///     and present) and gives the grid and the tile numbers (a given `grid` must agree).
    ///   - only: keep just these channel labels (empty: all).
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` for a folder without images, a bad pattern, tiles of
    ///   different shapes, a configuration naming missing files or disagreeing with `grid`.
    public init(folder: URL, grid: TileGrid? = nil, channels selection: ChannelSelection = .automatic,
                tileConfiguration: URL? = nil, only: [String] = []) throws {
        let fm = FileManager.default
        var groups: [(label: String, files: [URL])] = []
        func subfolderGroups() throws -> [(String, [URL])] {
            let names = (try? fm.contentsOfDirectory(atPath: folder.path)) ?? []
            return try names.filter { !$0.hasPrefix(".") }
                .sorted { $0.localizedStandardCompare($1) == .orderedAscending }
                .compactMap { name -> (String, [URL])? in
                    let sub = folder.appendingPathComponent(name)
                    var isDir: ObjCBool = false
                    guard fm.fileExists(atPath: sub.path, isDirectory: &isDir), isDir.boolValue else { return nil }
                    return (name, try ImageIO.imageFiles(inFolder: sub))
                }
        }
        let direct = try? ImageIO.imageFiles(inFolder: folder)
        switch selection {
        case .automatic:
            if let direct { groups = [(Self.defaultLabel, direct)] } else { groups = try subfolderGroups() }
        case let .single(label):
            groups = [(label ?? Self.defaultLabel, try ImageIO.imageFiles(inFolder: folder))]
        case .subfolders:
            groups = try subfolderGroups()
        case let .pattern(pattern):
            let regex: NSRegularExpression
            do { regex = try NSRegularExpression(pattern: pattern) } catch {
                throw ScopeKitError.usage("invalid channel pattern '\(pattern)'")
            }
            guard regex.numberOfCaptureGroups >= 1 else {
                throw ScopeKitError.usage("the channel pattern '\(pattern)' needs a capture group for the label")
            }
            var byLabel: [String: [URL]] = [:]
            for url in try ImageIO.imageFiles(inFolder: folder) {
                let name = url.lastPathComponent
                let range = NSRange(name.startIndex..., in: name)
                guard let m = regex.firstMatch(in: name, range: range), let r = Range(m.range(at: 1), in: name)
                else { continue }
                byLabel[String(name[r]), default: []].append(url)
            }
            groups = byLabel.keys.sorted { $0.localizedStandardCompare($1) == .orderedAscending }
                .map { ($0, byLabel[$0]!) }
        }
        if !only.isEmpty {
            if case .single = selection, groups.count == 1, only.count == 1 {
                groups = [(only[0], groups[0].files)]
            } else if case .automatic = selection, direct != nil, only.count == 1 {
                groups = [(only[0], groups[0].files)]
            } else {
                for label in only where !groups.contains(where: { $0.label == label }) {
                    throw ScopeKitError.badInput("no channel '\(label)' (found: "
                        + groups.map(\.label).joined(separator: ", ") + ")", file: folder.path)
                }
                groups = groups.filter { only.contains($0.label) }
            }
        }
        guard !groups.isEmpty else { throw ScopeKitError.badInput("no channel found", file: folder.path) }

        var config: TileConfiguration? = nil
        if let tileConfiguration { config = try TileConfiguration(contentsOf: tileConfiguration) }
        var built: [FlatFieldChannel] = []
        var foundGrid = grid
        for (label, files) in groups {
            var ordered = files
            if let config {
                let byName = Dictionary(files.map { ($0.lastPathComponent, $0) }, uniquingKeysWith: { a, _ in a })
                let mine = config.filtered { byName[$0] != nil }
                guard !mine.entries.isEmpty else {
                    throw ScopeKitError.badInput("the tile configuration lists no file of channel '\(label)'",
                                                 file: tileConfiguration!.path)
                }
                let head = try ImageIO.open(byName[mine.entries[0].file]!).info.planeShape
                let (g, order) = try mine.arranged(tolerance: Double(head.first ?? 4) / 4)
                if let known = foundGrid, known != g {
                    throw ScopeKitError.badInput("the tile configuration gives a \(g) grid, expected \(known)",
                                                 file: tileConfiguration!.path)
                }
                foundGrid = g
                ordered = order.map { byName[mine.entries[$0].file]! }
            }
            let tiles = try ordered.enumerated().map { try FlatFieldTile.file($0.element, number: $0.offset + 1) }
            built.append(try FlatFieldChannel(label: label, tiles: tiles))
        }
        try self.init(channels: built, grid: foundGrid)
    }

    /// Every tile from one stack file: a multi-page TIFF, an ImageJ/OME hyperstack or an NPY.
    ///
    /// Leading axes are read by name: `c` splits channels (labelled `c0`, `c1`, … unless `labels` are given),
    /// `z` is the stack of each tile (only when there are several leading axes: a plain 3-D stack is a list of
    /// tiles), any other axis (`t`, unnamed) counts tiles. A stack without a `z` axis
    /// has 2-D tiles, unless `planesPerTile` cuts its planes into z-stacks of that length.
    ///
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` for a file that is not a stack of 2-D grey planes or whose
    ///   planes do not divide into `planesPerTile`.
    public init(stack url: URL, grid: TileGrid? = nil, planesPerTile: Int? = nil, labels: [String]? = nil,
                only: [String] = []) throws {
        let file = try ImageIO.open(url)
        let info = file.info
        try FlatFieldTile.check(info, path: url.path)
        let lead = Array(info.shape.dropLast(2))
        let names = info.calibration.axes.prefix(lead.count).map { $0.name.lowercased() }
            + Array(repeating: "", count: Swift.max(0, lead.count - info.calibration.axes.count))
        var strides = [Int](repeating: 1, count: lead.count)
        for i in stride(from: lead.count - 2, through: 0, by: -1) { strides[i] = strides[i + 1] * lead[i + 1] }
        // With one leading axis it counts tiles (a plain multi-page stack), whatever its name; otherwise names decide.
        let cAxis = names.firstIndex(of: "c")
        let zAxis = lead.count > 1 ? names.firstIndex(of: "z") : nil
        let channels = cAxis.map { lead[$0] } ?? 1
        var zCount = zAxis.map { lead[$0] } ?? 1
        // Tile axes: all others, in order.
        let tileAxes = lead.indices.filter { $0 != cAxis && $0 != zAxis }
        var tileCount = tileAxes.reduce(1) { $0 * lead[$1] }
        // Plane index of (tile, z, channel).
        func planeIndex(tile: Int, z: Int, channel: Int) -> Int {
            var rest = tile, index = 0
            for a in tileAxes.reversed() { index += (rest % lead[a]) * strides[a]; rest /= lead[a] }
            if let zAxis { index += z * strides[zAxis] }
            if let cAxis { index += channel * strides[cAxis] }
            return index
        }
        var cut: Int? = nil
        if let n = planesPerTile {
            guard zAxis == nil else {
                throw ScopeKitError.usage("the file has a z axis; planes per tile cannot be set")
            }
            guard n >= 1, tileCount % n == 0 else {
                throw ScopeKitError.badInput("\(tileCount) planes do not split into tiles of \(n) planes", file: url.path)
            }
            cut = n
            zCount = n
            tileCount /= n
        }
        if let labels, labels.count != channels {
            throw ScopeKitError.usage("\(labels.count) channel labels for \(channels) channels")
        }
        let shared = SharedImageFile(file)
        let digits = String(tileCount).count
        var zCalibration = AxisCalibration(name: "z")
        if let zAxis, zAxis < info.calibration.axes.count { zCalibration = info.calibration.axes[zAxis] }
        let yx = Array(info.calibration.axes.suffix(2))
        let stackCalibration = Calibration(axes: (zCount > 1 ? [zCalibration] : []) + yx,
                                           intensity: info.calibration.intensity)
        let stem = url.deletingPathExtension().lastPathComponent.replacingOccurrences(of: ".ome", with: "")
        var built: [FlatFieldChannel] = []
        for c in 0..<channels {
            let label = labels?[c] ?? (cAxis == nil ? Self.defaultLabel : "c\(c)")
            if !only.isEmpty, !only.contains(label), !(channels == 1 && only.count == 1) { continue }
            let name = channels == 1 && only.count == 1 ? only[0] : label
            let tiles = (0..<tileCount).map { t -> FlatFieldTile in
                let planes = (0..<zCount).map { z in
                    cut != nil ? t * zCount + z : planeIndex(tile: t, z: z, channel: c)
                }
                let padded = String(repeating: "0", count: Swift.max(0, digits - String(t + 1).count)) + String(t + 1)
                return FlatFieldTile(number: t + 1, name: "\(stem)_tile\(padded)" + (channels > 1 ? "_\(label)" : ""),
                                     url: url, planeCount: zCount, planeShape: info.planeShape, dtype: info.dtype,
                                     calibration: stackCalibration, isStack: zCount > 1,
                                     source: .planes(shared, planes))
            }
            built.append(try FlatFieldChannel(label: name, tiles: tiles))
        }
        for label in only where !built.contains(where: { $0.label == label }) {
            throw ScopeKitError.badInput("no channel '\(label)' (found: \((0..<channels).map { labels?[$0] ?? "c\($0)" }))",
                                         file: url.path)
        }
        try self.init(channels: built, grid: grid)
    }

    /// Opens a path: a folder (``init(folder:grid:channels:tileConfiguration:only:)``) or a stack file
    /// (``init(stack:grid:planesPerTile:labels:only:)``).
    public static func open(_ url: URL, grid: TileGrid? = nil, channels: ChannelSelection = .automatic,
                            tileConfiguration: URL? = nil, planesPerTile: Int? = nil,
                            only: [String] = []) throws -> FlatFieldDataset {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) else {
            throw ScopeKitError.badInput("no such file or folder", file: url.path)
        }
        if isDir.boolValue {
            return try FlatFieldDataset(folder: url, grid: grid, channels: channels,
                                        tileConfiguration: tileConfiguration, only: only)
        }
        return try FlatFieldDataset(stack: url, grid: grid, planesPerTile: planesPerTile, only: only)
    }

    /// The channel labelled `label`.
    public func channel(_ label: String) throws -> FlatFieldChannel {
        guard let c = channels.first(where: { $0.label == label }) else {
            throw ScopeKitError.badInput("no channel '\(label)' (found: \(channels.map(\.label).joined(separator: ", ")))")
        }
        return c
    }
}
