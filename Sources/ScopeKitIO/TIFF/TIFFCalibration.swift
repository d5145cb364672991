import Foundation
import ScopeKitCore

/// Pixel size and axis calibration of a TIFF series, and the reverse mapping for the writer.
///
/// - X/Y: `1 / XResolution` (`YResolution`) in the `ResolutionUnit` — inch and centimetre are converted
///   to µm; with no unit (1), ImageJ's `unit=` names it, otherwise X/Y stay uncalibrated.
/// - Z: ImageJ `spacing` (in ImageJ's unit) or OME `PhysicalSizeZ`.
/// - T: ImageJ `finterval` in seconds.
/// - OME `PhysicalSizeX/Y/Z` (+ units, default µm) take precedence over the resolution tags.
enum TIFFCalibration {
    /// Canonical spelling of length units (`micron`, `um`, `\u00B5m` → `µm`), `"px"` when uncalibrated — the
    /// rule of ``ImageJMetadata/normalizedUnit(_:)``, shared by every TIFF flavour.
    static func normalizedUnit(_ unit: String) -> String {
        ImageJMetadata.normalizedUnit(unit) ?? "px"
    }

    static func make(series: TIFFSeries, directory: TIFFDirectory, file: RandomAccessFile,
                     layout: TIFFLayout) throws -> Calibration {
        var calibration = Calibration(axes: series.axisNames.map { AxisCalibration(name: $0) })
        func set(_ name: String, scale: Double, unit: String) {
            guard scale.isFinite, scale > 0, let i = series.axisNames.lastIndex(of: name) else { return }
            calibration.axes[i].scale = scale
            calibration.axes[i].unit = unit
        }
        // X/Y from the resolution tags.
        let unitCode = try directory.integer(TIFFTag.resolutionUnit, file: file, layout: layout) ?? 2
        let imageJUnit = series.imageJ?.unit.map(normalizedUnit)
        for (tag, axis) in [(TIFFTag.xResolution, "x"), (TIFFTag.yResolution, "y")] {
            guard let resolution = try? directory.real(tag, file: file, layout: layout), resolution > 0 else { continue }
            if let imageJUnit, imageJUnit != "px" {
                set(axis, scale: 1 / resolution, unit: imageJUnit)
            } else if unitCode == 2 {
                set(axis, scale: 25_400 / resolution, unit: "µm")
            } else if unitCode == 3 {
                set(axis, scale: 10_000 / resolution, unit: "µm")
            }
        }
        if let ij = series.imageJ {
            if let spacing = ij.spacing { set("z", scale: spacing, unit: imageJUnit ?? "px") }
            if let finterval = ij.finterval { set("t", scale: finterval, unit: "s") }
        }
        if let ome = series.ome {
            for (size, axis) in [(ome.physicalSizeX, "x"), (ome.physicalSizeY, "y"), (ome.physicalSizeZ, "z")] {
                if let size { set(axis, scale: size.value, unit: normalizedUnit(size.unit)) }
            }
        }
        return calibration
    }

    /// Pixels per centimetre for a pixel size in a length unit, or `nil` for an unknown unit.
    static func pixelsPerCentimetre(scale: Double, unit: String) -> Double? {
        let micrometres: Double
        switch normalizedUnit(unit) {
        case "µm": micrometres = scale
        case "nm": micrometres = scale / 1000
        case "mm": micrometres = scale * 1000
        case "cm": micrometres = scale * 10_000
        case "m": micrometres = scale * 1e6
        case "Å": micrometres = scale / 10_000
        default: return nil
        }
        return micrometres > 0 ? 10_000 / micrometres : nil
    }
}
