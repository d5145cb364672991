import Foundation
import ScopeKitIO

extension ZSpacingResult {
    /// The header of Fiji's transform CSV.
    public static let csvHeader = "z-index,mapping,sorted mapping,forward permutation,backward permutation"

    /// The positions as Fiji's CSV: one row per section, `z-index,mapping,sorted mapping,forward permutation,
    /// backward permutation`, numbers in Swift's shortest round-trip form, `\n` line ends (with a final one).
    ///
    /// ```text
    /// z-index,mapping,sorted mapping,forward permutation,backward permutation
    /// 0,0.0,0.0,0,0
    /// 1,1.93,1.93,1,1
    /// ```
    ///
    /// Follows the plugin's "Store transform as CSV" (saalfeldlab/z-spacing PR #19).
    public var csv: String {
        var text = ZSpacingResult.csvHeader + "\n"
        for i in 0..<count {
            text += "\(i),\(positions[i]),\(sortedPositions[i]),\(forwardPermutation[i]),\(backwardPermutation[i])\n"
        }
        return text
    }

    /// Writes ``csv`` atomically (temporary file, then rename).
    ///
    /// - Throws: ``ScopeKitError/usage(_:)`` when `url` exists and `overwrite` is false,
    ///   ``ScopeKitError/processing(_:file:)`` when it cannot be written.
    public func writeCSV(to url: URL, overwrite: Bool = false) throws {
        try OutputFile.write(Array(csv.utf8), to: url, overwrite: overwrite)
    }
}
