import Foundation
import ScopeKitCore
import ScopeKitIO

extension ZSpacing {
    /// Opens a section stack for z-spacing (multi-page TIFF, OME-TIFF, NPY, or a folder of 2-D images) and
    /// checks that it is one: at least two sections of rank 2 (or rank 3 with samples, e.g. RGB, which the
    /// similarity averages).
    ///
    /// ```swift
    /// let file = try ZSpacing.openStack(URL(fileURLWithPath: "sections/"))
    /// let matrix = try ZSpacing.similarity(of: file, options: options)    // streamed
    /// ```
    ///
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` naming the file for unreadable input, a single 2-D image
    ///   or a stack with fewer than two sections.
    public static func openStack(_ url: URL) throws -> any ImageFile {
        let file = try ImageIO.open(url)
        let info = file.info
        let planeRank = info.planeShape.count
        guard planeRank == 2 || planeRank == 3 else {
            throw ScopeKitError.badInput("sections must be 2-D images, got shape \(info.shape)", file: url.path)
        }
        guard info.planeCount >= 2 else {
            throw ScopeKitError.badInput(
                "a z-spacing input needs at least 2 sections [sections, rows, cols], got one image of shape \(info.shape)",
                file: url.path)
        }
        return file
    }

    /// Loads a precomputed similarity matrix (square N × N or Fiji strip N × (2R+1), any readable format)
    /// the way the Fiji plugin does (divided by its largest value; see
    /// ``BandedMatrix/init(similarityImage:range:)``).
    ///
    /// - Parameter range: the band kept from a square matrix (a strip keeps its own).
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` naming the file when it is not a matrix or strip.
    public static func loadMatrix(_ url: URL, range: Int? = nil) throws -> BandedMatrix {
        do {
            let matrix = try BandedMatrix(similarityImage: ImageIO.read(url), range: range)
            guard matrix.count >= 2 else { throw ScopeKitError.badInput("a similarity matrix needs at least 2 sections") }
            return matrix
        } catch let error as ScopeKitError {
            throw error.attributed(to: url.path)
        }
    }
}
