import Foundation
import ScopeKitCore
import ScopeKitIO

/// One tile (field of view) of a flat-field dataset: a 2-D image or a z-stack, read plane by plane.
///
/// A tile is a whole file (a 2-D image, a multi-page TIFF z-stack, a 3-D NPY) or a set of planes of a larger
/// stack file (a hyperstack holding every tile). Only the header is read when the dataset is built; planes are
/// read on demand through ``open()``, so a dataset never has to fit in memory.
///
/// ```swift
/// let reader = try tile.open()
/// let plane = try reader.readPlane(0)          // AnyArray [Y, X] in the file's dtype
/// ```
public struct FlatFieldTile: Sendable {
    /// Where the planes come from.
    enum Source: Sendable {
        /// Every plane of one file, opened when read.
        case file(URL)
        /// Selected planes of an already opened stack file.
        case planes(SharedImageFile, [Int])
    }

    /// The 1-based tile number in inverted-N order (equals the position in the channel's tile list).
    public internal(set) var number: Int
    /// A name for messages and output files (the file name without extension, or `tile003`).
    public let name: String
    /// The file the tile is read from.
    public let url: URL
    /// Planes (z) in the tile.
    public let planeCount: Int
    /// `[rows, columns]` of every plane.
    public let planeShape: [Int]
    /// The element type of the file.
    public let dtype: DType
    /// The calibration of the tile as written back: `[z, y, x]` axes for a stack, `[y, x]` for a 2-D tile.
    public let calibration: Calibration
    /// True when the tile is written back as a stack `[z, Y, X]` (false for a 2-D image).
    public let isStack: Bool
    let source: Source

    init(number: Int, name: String, url: URL, planeCount: Int, planeShape: [Int], dtype: DType,
         calibration: Calibration, isStack: Bool, source: Source) {
        self.number = number
        self.name = name
        self.url = url
        self.planeCount = planeCount
        self.planeShape = planeShape
        self.dtype = dtype
        self.calibration = calibration
        self.isStack = isStack
        self.source = source
    }

    /// A tile that is a whole file (header read now; the file is closed again).
    ///
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` for an unreadable file, planes that are not 2-D
    ///   (RGB) or an element type that is neither integer nor real (bool, complex).
    static func file(_ url: URL, number: Int) throws -> FlatFieldTile {
        let info = try ImageIO.open(url).info
        try check(info, path: url.path)
        let name = url.deletingPathExtension().lastPathComponent
        let stack = info.shape.count > 2
        var calibration = info.calibration
        if stack, info.shape.count > 3 {
            calibration = calibration.reshaped(from: info.shape, to: [info.planeCount] + info.planeShape)
        }
        return FlatFieldTile(number: number, name: name, url: url, planeCount: info.planeCount,
                             planeShape: info.planeShape, dtype: info.dtype, calibration: calibration,
                             isStack: stack, source: .file(url))
    }

    static func check(_ info: ImageFileInfo, path: String) throws {
        guard info.planeShape.count == 2, info.planeShape.allSatisfy({ $0 > 0 }), info.planeCount > 0 else {
            throw ScopeKitError.badInput("flat-field tiles need 2-D grey planes; this file has shape \(info.shape)",
                                         file: path)
        }
        guard info.dtype != .bool, info.dtype != .complex64 else {
            throw ScopeKitError.badInput("flat-field tiles must be integer or real, not \(info.dtype)", file: path)
        }
    }

    /// Opens the tile for reading planes.
    public func open() throws -> FlatFieldTileReader {
        switch source {
        case let .file(url):
            let file = try ImageIO.open(url)
            guard file.info.planeShape == planeShape, file.info.planeCount == planeCount,
                  file.info.dtype == dtype else {
                throw ScopeKitError.badInput("the file changed since the dataset was opened", file: url.path)
            }
            return FlatFieldTileReader(file: file, planes: Array(0..<planeCount), path: url.path)
        case let .planes(shared, indices):
            return FlatFieldTileReader(file: shared.file, planes: indices, path: url.path)
        }
    }
}

/// An opened tile: reads its planes (z order) as 2-D arrays.
public struct FlatFieldTileReader: Sendable {
    let file: any ImageFile
    let planes: [Int]
    let path: String

    /// The number of planes.
    public var planeCount: Int { planes.count }

    /// Plane `z` (0-based) as `[rows, columns]` in the file's dtype.
    public func readPlane(_ z: Int) throws -> AnyArray {
        guard z >= 0, z < planes.count else { throw ScopeKitError.usage("plane \(z) out of 0..<\(planes.count)") }
        do {
            return try file.readPlane(planes[z]).reshaped(Array(file.info.planeShape))
        } catch let e as ScopeKitError {
            throw e.file == nil ? e.attributed(to: path) : e
        }
    }
}

/// An image file shared by the tiles cut from it.
final class SharedImageFile: Sendable {
    let file: any ImageFile
    init(_ file: any ImageFile) { self.file = file }
}
