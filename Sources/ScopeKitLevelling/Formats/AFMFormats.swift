import Foundation
import ScopeKitCore
import ScopeKitIO

/// Readers for AFM/SPM files: HS-AFM `.asd` movies, Asylum `.ibw`, Bruker Nanoscope (`.spm`, `.001`, …),
/// Gwyddion `.gwy`, JPK (`.jpk`, `.jpk-qi-image`), WSxM (`.stp`, `.top`) and AFM data exported as TIFF.
///
/// Every reader returns `Float64` values in physical units — heights in nm, as AFMReader 0.0.7 returns them —
/// with a ``Calibration`` of nm per pixel on the row (`y`) and column (`x`) axes, intensity unit `"nm"` for
/// height channels (`"V"`, `"deg"`, … otherwise) and, for movies, the frame time in seconds on the first axis.
/// Images are `[rows, cols]`; `.asd` movies are `[frames, rows, cols]`. Row 0 is the top of the image as
/// AFMReader orients it (AFMReader flips Bruker, Asylum and JPK data upside down from storage order; so does
/// ScopeKit). A file's channels are listed by ``AFMFile/channels``; the default channel is the first
/// height/topography trace channel.
///
/// ```swift
/// AFMFormats.registerAll()                                   // ImageIO.read now opens AFM files too
/// let file = try AFMFormats.open(URL(fileURLWithPath: "scan.ibw"))
/// print(file.channels.map(\.name))                           // ["HeightTrace", "HeightRetrace", …]
/// let height = try AFMFormats.read(URL(fileURLWithPath: "scan.ibw"))              // HeightTrace, nm
/// let phase = try AFMFormats.read(URL(fileURLWithPath: "scan.ibw"), channel: "PhaseRetrace")
/// height.calibration.axes[1].scale                            // nm per pixel along x
/// ```
///
/// Formats are recognised by content first (magic bytes or header structure) and by extension only where the
/// content is a generic container (JPK files are TIFFs, told apart by extension).
///
/// Parity with the Python reference (`Scripts/fixtures/afm.py`, AFMReader 0.0.7, igor2 0.5, pySPM 0.6):
/// - `.asd`, Bruker, JPK, `.stp`: values bit-identical to AFMReader; pixel size equal.
/// - `.ibw`: ScopeKit returns the exact `Float64` of `float32 × 1e9` (AFMReader multiplies in float32, so
///   its heights differ by ≤ 2⁻²⁴ relative); channel names are the Igor dimension labels cut at the first NUL
///   (`HeightTrace`; AFMReader/igor2's `HeightTracee` is accepted as an alias). Pixel size follows AFMReader
///   (`FastScanSize`/`SlowScanSize` in the wave note ÷ pixels); the wave's own deltas, which Asylum writes as
///   scan size ÷ (pixels − 1), are kept in `metadata["ibw.deltaX"]`, `["ibw.deltaY"]`.
/// - `.gwy`: values equal; ScopeKit shapes the data `[yres, xres]` as Gwyddion does, where AFMReader reshapes to
///   `[xres, yres]` (same order of values, wrong shape for non-square fields such as `file_landscape.gwy`)
///   and divides `xreal` by its wrong column count. `file_square.gwy`, which AFMReader cannot open (its
///   channel key lacks the leading `/`), is read normally. Heights are converted from the field's z unit
///   (AFMReader uses the xy unit; both are metres in every file seen).
/// - `.top`: AFMReader rescales the int16 data to `[0, Z amplitude]` but parses only the integer part of the
///   amplitude (`59` for `59.7449 nm`); ScopeKit uses the full amplitude and its unit, so heights differ from
///   AFMReader by that ratio (documented in the fixtures; the normalised pattern is identical).
/// - `.h5-jpk` (HDF5) is not read. ImageJ TIFFs are read through ScopeKit's TIFF reader as one `"Height"`
///   channel in the file's own units (NanoLocz exports nm), with pixel sizes converted to nm when the ImageJ
///   unit is a length.
public enum AFMFormats {
    /// The AFM formats, in the order they are tried.
    public static var formats: [any ImageFormat] { afmFormats }

    /// Registers every AFM format with ``ImageIO`` so `ImageIO.open/read` opens their default (height) channel.
    ///
    /// Calling it more than once registers the formats again (harmless; the first match wins).
    public static func registerAll() {
        for f in formats.reversed() { ImageIO.register(f) }
    }

    /// Opens an AFM file and reads its header (no pixels).
    ///
    /// Files no AFM reader claims (ImageJ/plain TIFF, NPY, …) are opened through ``ImageIO`` as a single
    /// `"Height"` channel converted to `Float64`.
    ///
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` for unreadable, truncated or corrupt files.
    public static func open(_ url: URL) throws -> AFMFile {
        do {
            let file = try RandomAccessFile(url)
            let header = try file.bytes(at: 0, count: min(512, file.size), what: "header")
            let ext = ImageIO.fileExtension(of: url)
            for f in afmFormats where f.matches(header: header, fileExtension: ext) {
                return try f.parse(file)
            }
            return try ImageFileAdapter.open(url)
        } catch let error as ScopeKitError {
            throw error.attributed(to: url.path)
        }
    }

    /// The channels of an AFM file.
    public static func channels(in url: URL) throws -> [AFMChannel] { try open(url).channels }

    /// Reads one channel of an AFM file as `Float64` in physical units with calibration.
    ///
    /// - Parameters:
    ///   - url: the file.
    ///   - channel: a channel name or alias (see ``AFMFile/channels``); `nil` reads the height trace channel.
    public static func read(_ url: URL, channel: String? = nil) throws -> NDArray<Double> {
        try open(url).read(channel: channel)
    }

    static var afmFormats: [AFMImageFormat] {
        [ASDFormat.format, IBWFormat.format, NanoscopeFormat.format, GWYFormat.format, JPKFormat.format,
         WSxMFormat.format]
    }
}

/// Wraps a file read by ``ImageIO`` (e.g. an ImageJ TIFF of AFM heights) as a one-channel ``AFMFile``.
enum ImageFileAdapter {
    static func open(_ url: URL) throws -> AFMFile {
        let image = try ImageIO.open(url)
        let info = image.info
        guard info.planeShape.count == 2 else {
            throw ScopeKitError.badInput("not a grayscale image or stack (plane shape \(info.planeShape))", file: url.path)
        }
        var calibration = info.calibration
        let frames = info.planeCount
        let shape = frames == 1 ? info.planeShape : [frames] + info.planeShape
        calibration = calibration.reshaped(from: info.shape, to: shape)
        for i in calibration.axes.indices.suffix(2) {
            if let f = AFMText.nanometres(per: normalisedUnit(calibration.axes[i].unit)) {
                calibration.axes[i].scale *= f
                calibration.axes[i].origin *= f
                calibration.axes[i].unit = "nm"
            }
        }
        let channel = AFMChannel(name: "Height", unit: calibration.intensity.unit, isHeight: true, shape: shape)
        let source = AFMChannelSource(channel: channel, calibration: calibration, metadata: [:]) { k, dst in
            let plane = try image.readPlane(k).asFloat64()
            plane.withUnsafeBufferPointer { src in
                _ = dst.update(fromContentsOf: src)
            }
        }
        return try AFMFile(path: url.path, formatName: info.formatName, metadata: info.metadata, sources: [source])
    }

    static func normalisedUnit(_ unit: String) -> String {
        switch unit.lowercased() {
        case "micron", "microns", "um", "µm", "μm": "µm"
        case "nanometer", "nanometre", "nm": "nm"
        default: unit
        }
    }
}
