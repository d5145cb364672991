import Foundation
import ScopeKitCore

/// A Fiji Grid/Collection stitching `TileConfiguration.txt`: image file names and their (x, y) positions.
///
/// Lines are `name; ; (x, y)` (2-D) or `name; ; (x, y, z)`; `#` comments and `dim = N` are skipped. Positions
/// are in pixels with x to the right and y down, as Fiji writes them (`TileConfiguration.registered.txt`
/// holds the registered, slightly jittered positions). ``arranged(tolerance:)`` snaps them to a grid and
/// numbers the tiles in mesoSPIM's inverted-N order.
///
/// ```swift
/// let config = try TileConfiguration(contentsOf: folder.appendingPathComponent("TileConfiguration.txt"))
/// let (grid, order) = try config.arranged(tolerance: 128)   // order[k] = entry of tile k+1
/// ```
///
/// - Complexity: O(n log n) for n entries.
public struct TileConfiguration: Sendable, Equatable {
    /// One listed image.
    public struct Entry: Sendable, Equatable {
        /// The file name as written (relative to the configuration's folder).
        public var file: String
        /// Position: x (column direction) and y (row direction), in pixels.
        public var x: Double
        public var y: Double
    }

    /// The entries in file order.
    public var entries: [Entry]

    /// Parses the text of a configuration file.
    ///
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` for a line that is neither a comment, a `dim` line nor
    ///   `name; ; (x, y[, z])` with finite numbers, or for a file without entries.
    public init(text: String, file: String? = nil) throws {
        var entries: [Entry] = []
        for (number, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.lowercased().hasPrefix("dim") { continue }
            let fields = line.split(separator: ";", omittingEmptySubsequences: false)
            guard fields.count >= 3, let open = fields.last!.firstIndex(of: "("),
                  let close = fields.last!.lastIndex(of: ")"), open < close else {
                throw ScopeKitError.badInput("TileConfiguration line \(number + 1) is not 'name; ; (x, y)': \(line)",
                                             file: file)
            }
            let numbers = fields.last![fields.last!.index(after: open)..<close].split(separator: ",")
                .map { Double($0.trimmingCharacters(in: .whitespaces)) }
            let name = fields[0].trimmingCharacters(in: .whitespaces)
            guard numbers.count >= 2, numbers.allSatisfy({ $0?.isFinite == true }), !name.isEmpty else {
                throw ScopeKitError.badInput("TileConfiguration line \(number + 1) has no valid name and (x, y)",
                                             file: file)
            }
            entries.append(Entry(file: name, x: numbers[0]!, y: numbers[1]!))
        }
        guard !entries.isEmpty else { throw ScopeKitError.badInput("TileConfiguration lists no image", file: file) }
        self.entries = entries
    }

    /// Reads and parses a configuration file.
    public init(contentsOf url: URL) throws {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ScopeKitError.badInput("cannot read the tile configuration", file: url.path)
        }
        guard data.count < 64 << 20 else { throw ScopeKitError.badInput("tile configuration too large", file: url.path) }
        try self.init(text: String(decoding: data, as: UTF8.self), file: url.path)
    }

    /// The entries whose file names `keep` accepts (e.g. one channel's).
    public func filtered(_ keep: (String) -> Bool) -> TileConfiguration {
        var c = self
        c.entries = entries.filter { keep($0.file) }
        return c
    }

    /// Snaps positions to a grid and orders the entries in inverted-N order.
    ///
    /// Rows are clusters of y: sorted y positions start a new row where they jump by more than `tolerance.y`;
    /// within a row, tiles are in x order (column = rank), so registered positions whose columns drift from
    /// row to row still snap to the grid. Every row must hold the same number of tiles. Datasets use a quarter
    /// of the tile height as tolerance.
    ///
    /// - Returns: the grid and, for tile k + 1, the index of its entry in ``entries``.
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` when rows hold different numbers of tiles.
    public func arranged(tolerance: Double) throws -> (grid: TileGrid, order: [Int]) {
        let byY = entries.indices.sorted { entries[$0].y < entries[$1].y }
        var rows: [[Int]] = []
        for (k, i) in byY.enumerated() {
            if k == 0 || entries[i].y - entries[byY[k - 1]].y > tolerance { rows.append([]) }
            rows[rows.count - 1].append(i)
        }
        rows = rows.map { $0.sorted { entries[$0].x < entries[$1].x } }
        let columns = rows[0].count
        if let bad = rows.firstIndex(where: { $0.count != columns }) {
            throw ScopeKitError.badInput("TileConfiguration: row \(bad + 1) holds \(rows[bad].count) tiles, row 1 "
                                         + "\(columns); the tiles do not form a grid")
        }
        let grid = try TileGrid(rows: rows.count, columns: columns)
        var order = [Int](repeating: 0, count: grid.count)
        for (r, row) in rows.enumerated() {
            for (c, i) in row.enumerated() { order[grid.number(row: r, column: c) - 1] = i }
        }
        return (grid, order)
    }
}
