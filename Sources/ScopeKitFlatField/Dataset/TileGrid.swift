import Foundation
import ScopeKitCore

/// A rectangular mosaic of R rows × C columns numbered in mesoSPIM's inverted-N order.
///
/// Tile 1 is top-left; numbers run down the first column, then down the next one (column-major), as the
/// mesoSPIM OME-Zarr converter orders its `FOV_ROI_table` (mesospim-fractal-tasks, `correct_flatfield`).
///
/// ```swift
/// let grid = try TileGrid(rows: 3, columns: 4)
/// grid.number(row: 0, column: 1)   // 4
/// grid.position(of: 4)             // (row: 0, column: 1)
/// grid.corners                     // [1, 3, 10, 12]
/// ```
///
/// - Complexity: O(1) per lookup.
public struct TileGrid: Sendable, Equatable, CustomStringConvertible {
    /// Rows of tiles (R).
    public let rows: Int
    /// Columns of tiles (C).
    public let columns: Int

    /// A grid of `rows` × `columns` tiles.
    ///
    /// - Throws: ``ScopeKitError/usage(_:)`` unless both are ≥ 1.
    public init(rows: Int, columns: Int) throws {
        guard rows >= 1, columns >= 1, rows <= 1 << 20, columns <= 1 << 20 else {
            throw ScopeKitError.usage("a tile grid needs ≥ 1 row and column, got \(rows)x\(columns)")
        }
        self.rows = rows
        self.columns = columns
    }

    /// Parses `"RxC"` (rows × columns, e.g. `"3x4"`).
    public init(parsing text: String) throws {
        let parts = text.lowercased().split(separator: "x").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let r = parts[0], let c = parts[1] else {
            throw ScopeKitError.usage("a grid is ROWSxCOLUMNS (e.g. 3x4), got '\(text)'")
        }
        try self.init(rows: r, columns: c)
    }

    /// R × C.
    public var count: Int { rows * columns }

    /// The 1-based tile number at (row, column), both 0-based.
    public func number(row: Int, column: Int) -> Int { column * rows + row + 1 }

    /// The 0-based (row, column) of 1-based tile `number`.
    public func position(of number: Int) -> (row: Int, column: Int) {
        ((number - 1) % rows, (number - 1) / rows)
    }

    /// Whether `number` is a tile of this grid (1…R·C).
    public func contains(_ number: Int) -> Bool { number >= 1 && number <= count }

    /// The tiles at the four corners (top-left, bottom-left, top-right, bottom-right), without repeats,
    /// in ascending order: the task's default FOV list when only z-levels are given.
    public var corners: [Int] {
        let all = [number(row: 0, column: 0), number(row: rows - 1, column: 0),
                   number(row: 0, column: columns - 1), number(row: rows - 1, column: columns - 1)]
        return Array(Set(all)).sorted()
    }

    public var description: String { "\(rows)x\(columns)" }
}
