import Foundation
import ScopeKitIO

extension ZSpacingResult {
    /// The header of ``uncertaintyCSV``.
    public static let uncertaintyCSVHeader = "z-index,mapping,uncertainty,scaling factor"

    /// Beyond Fiji: per-section diagnostics as CSV, one row per input section: `z-index,mapping,uncertainty,
    /// scaling factor` (``uncertainty`` is the spread of the final neighbour votes in output units, `nan` for
    /// sections with fewer than two votes; ``scalingFactors`` the final quality factor). Numbers in Swift's
    /// shortest round-trip form, `\n` line ends.
    ///
    /// ```text
    /// z-index,mapping,uncertainty,scaling factor
    /// 0,0.0,0.041,1.0
    /// ```
    public var uncertaintyCSV: String {
        var text = ZSpacingResult.uncertaintyCSVHeader + "\n"
        for i in 0..<count {
            let u = i < uncertainty.count ? uncertainty[i] : .nan
            let s = i < scalingFactors.count ? scalingFactors[i] : .nan
            text += "\(i),\(positions[i]),\(u),\(s)\n"
        }
        return text
    }

    /// Writes ``uncertaintyCSV`` atomically.
    ///
    /// - Throws: ``ScopeKitError/usage(_:)`` when `url` exists and `overwrite` is false,
    ///   ``ScopeKitError/processing(_:file:)`` when it cannot be written.
    public func writeUncertaintyCSV(to url: URL, overwrite: Bool = false) throws {
        try OutputFile.write(Array(uncertaintyCSV.utf8), to: url, overwrite: overwrite)
    }
}
