import Foundation
import ScopeKitCore

/// The first image series of a TIFF file, found the way tifffile finds its `series[0]`.
///
/// Tried in tifffile's order: "shaped" (JSON description written by tifffile), OME-TIFF, ImageJ, then
/// generic (all pages of the main IFD chain with the same shape and encoding as page 0). Size-1 axes are
/// dropped as tifffile's `squeeze=True` does (except for shaped series, which keep their declared shape).
struct TIFFSeries {
    var kind: String
    var shape: [Int]
    var page0: TIFFPage
    var source: TIFFImageFile.PlaneSource
    /// Axis names for ``shape`` (`t`, `z`, `c`, `y`, `x`, `s` for samples, `""` when unknown).
    var axisNames: [String]
    var metadata = Metadata()
    var calibration = Calibration(rank: 0)
    var imageJ: ImageJMetadata?
    var ome: OMEMetadata?

    var planeCount: Int {
        switch source {
        case .pages(let p): p.count
        case .mapped(let p): p.count
        case .contiguous: shape.reduce(1, *) / max(page0.shape.reduce(1, *), 1)
        }
    }

    /// Pages to validate before decoding.
    var planePages: [TIFFPage] {
        switch source {
        case .pages(let p): p
        case .mapped(let p): p.compactMap { $0 }
        case .contiguous(let page, _, _): [page]
        }
    }

    /// ScopeKit's axis name of a layout letter (`T` → `t`; `I`, tifffile's unnamed axis, → `""`).
    static func axisName(_ letter: Character) -> String { letter == "I" ? "" : String(letter).lowercased() }

    /// The names of the page axes (`y x`, `y x s` or `s y x`).
    static func pageAxisNames(_ page: TIFFPage) -> [String] {
        if page.samplesPerPixel == 1 { return ["y", "x"] }
        return page.planar == 2 ? ["s", "y", "x"] : ["y", "x", "s"]
    }

    static func detect(pages: [TIFFPage], description: String?, file: RandomAccessFile,
                       layout: TIFFLayout) throws -> TIFFSeries {
        let p0 = pages[0]
        // The leading run of pages that share page 0's shape and encoding.
        let key = p0.seriesKey
        var prefix = 0
        while prefix < pages.count && pages[prefix].seriesKey == key { prefix += 1 }
        if let d = description {
            if d.hasPrefix("{"), let s = shaped(d, pages: pages, prefix: prefix) { return s }
            if d.contains("<OME"), let s = try omeSeries(d, pages: pages, file: file) { return s }
            if d.hasPrefix("ImageJ="), let s = imageJSeries(d, pages: pages, prefix: prefix, file: file) { return s }
        }
        let matching = pages.filter { $0.seriesKey == key }
        let pageNames = pageAxisNames(p0)
        if matching.count == 1 {
            return TIFFSeries(kind: "generic", shape: p0.shape, page0: p0, source: .pages(matching), axisNames: pageNames)
        }
        return TIFFSeries(kind: "generic", shape: [matching.count] + p0.shape, page0: p0, source: .pages(matching),
                          axisNames: ["z"] + pageNames)
    }

    /// tifffile's `{"shape": [...]}` description.
    static func shaped(_ d: String, pages: [TIFFPage], prefix: Int) -> TIFFSeries? {
        guard let data = d.data(using: .utf8),
              let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let raw = json["shape"] as? [Any] else { return nil }
        let shape = raw.compactMap { ($0 as? NSNumber)?.intValue }
        guard shape.count == raw.count, shape.allSatisfy({ $0 >= 1 }) else { return nil }
        let p0 = pages[0]
        let pageShape = p0.shape
        var total = 1
        for s in shape {
            let (m, o) = total.multipliedReportingOverflow(by: s)
            guard !o else { return nil }
            total = m
        }
        let perPage = pageShape.reduce(1, *)
        guard total % perPage == 0 else { return nil }
        let n = total / perPage
        guard n >= 1, n <= prefix, Array(shape.suffix(pageShape.count)) == pageShape || n == 1 && total == perPage
        else { return nil }
        var names = Array(repeating: "", count: shape.count)
        if shape.suffix(pageShape.count) == pageShape[...] {
            names.replaceSubrange(shape.count - pageShape.count..<shape.count, with: pageAxisNames(p0))
        }
        var s = TIFFSeries(kind: "shaped", shape: shape, page0: p0, source: .pages(Array(pages.prefix(n))),
                           axisNames: names)
        // A plane of the series is a page; when the declared shape does not end with the page shape, report
        // the page's elements as one flat plane shape so that shape = planes × planeShape still holds.
        if shape.suffix(pageShape.count) != pageShape[...] { s.shape = [n] + pageShape; s.axisNames = [""] + pageAxisNames(p0) }
        return s
    }

    /// OME-TIFF: sizes and DimensionOrder of the first Pixels element; planes are the IFDs its `TiffData`
    /// elements map (``OMEMetadata/planeIFDs(pageCount:fileName:)``), unmapped planes read as zeros.
    ///
    /// - Throws: when planes are stored in other files (multi-file OME-TIFF).
    static func omeSeries(_ d: String, pages: [TIFFPage], file: RandomAccessFile) throws -> TIFFSeries? {
        guard var ome = try? OMEMetadata.parse(d) else { return nil }
        // The pages' samples per pixel count, also when the Channel elements do not say (SizeC counts samples).
        let samples = pages[0].samplesPerPixel
        guard ome.sizeC % samples == 0 else { return nil }
        ome.samplesPerPixel = samples
        let ifds = try ome.planeIFDs(pageCount: pages.count,
                                     fileName: URL(fileURLWithPath: file.path).lastPathComponent)
        guard let first = ifds.lazy.compactMap({ $0 }).first else { return nil }
        let p0 = pages[first]
        guard ome.sizeX == p0.width, ome.sizeY == p0.height, p0.samplesPerPixel == samples else { return nil }
        let planePages = ifds.map { $0.map { pages[$0] } }
        guard planePages.allSatisfy({ $0 == nil || $0!.seriesKey == p0.seriesKey }) else { return nil }
        let kept = ome.planeAxes.filter { $0.size > 1 }
        let complete = planePages.allSatisfy { $0 != nil }
        var s = TIFFSeries(kind: "ome", shape: kept.map(\.size) + p0.shape, page0: p0,
                           source: complete ? .pages(planePages.map { $0! }) : .mapped(planePages),
                           axisNames: kept.map { axisName($0.letter) } + pageAxisNames(p0))
        s.ome = ome
        s.metadata["ome.DimensionOrder"] = ome.dimensionOrder
        s.metadata["ome.Sizes"] = "X=\(ome.sizeX) Y=\(ome.sizeY) Z=\(ome.sizeZ) C=\(ome.sizeC) T=\(ome.sizeT)"
        if !complete {
            s.metadata["tiff.Warning"] = "OME TiffData maps no IFD to \(planePages.filter { $0 == nil }.count) "
                + "of \(planePages.count) planes; they read as zeros"
        }
        return s
    }

    /// ImageJ hyperstack: `images`, `frames`, `slices`, `channels` in the order of `order=` (default `czt`,
    /// channels fastest), size-1 axes dropped (``ImageJMetadata/pageAxes(samples:separateSamples:pageCount:)``).
    static func imageJSeries(_ d: String, pages: [TIFFPage], prefix: Int, file: RandomAccessFile) -> TIFFSeries? {
        guard let ij = ImageJMetadata.parse(d) else { return nil }
        let p0 = pages[0]
        guard let (axes, images) = ij.pageAxes(samples: p0.samplesPerPixel, separateSamples: p0.planar == 2,
                                                pageCount: prefix) else { return nil }
        let (_, o) = images.multipliedReportingOverflow(by: TIFFPageDecoder.decodedByteCount(p0))
        guard !o else { return nil }

        let source: TIFFImageFile.PlaneSource
        if images <= prefix {
            source = .pages(Array(pages.prefix(images)))
        } else if let contiguous = contiguousData(p0, images: images, file: file) {
            source = contiguous
        } else {
            return nil
        }
        guard images % axes.reduce(1, { $0 * $1.size }) == 0 else { return nil }
        let kept = axes.filter { $0.size > 1 }
        var s = TIFFSeries(kind: "imagej", shape: kept.map(\.size) + p0.shape, page0: p0, source: source,
                           axisNames: kept.map { axisName($0.letter) } + pageAxisNames(p0))
        s.imageJ = ij
        for (key, value) in [("images", ij.images.map(String.init)), ("channels", ij.channels.map(String.init)),
                             ("slices", ij.slices.map(String.init)), ("frames", ij.frames.map(String.init)),
                             ("hyperstack", ij.hyperstack.map { $0 ? "true" : "false" }),
                             ("spacing", ij.spacing.map { "\($0)" }), ("unit", ij.unit),
                             ("finterval", ij.finterval.map { "\($0)" }), ("order", ij.other["order"])] {
            if let value { s.metadata["imagej.\(key)"] = value }
        }
        return s
    }

    /// Planes stored back to back after page 0's (uncompressed, contiguous) data, as ImageJ writes > 4 GB stacks.
    static func contiguousData(_ p0: TIFFPage, images: Int, file: RandomAccessFile) -> TIFFImageFile.PlaneSource? {
        guard p0.compressionCode == 1, p0.bitsPerSample >= 8, p0.predictor == 1, !p0.isTiled,
              let start = p0.segmentOffsets.first else { return nil }
        var position = start
        for k in p0.segmentOffsets.indices {
            guard p0.segmentOffsets[k] == position else { return nil }
            position += p0.segmentByteCounts[k]
        }
        let planeBytes = TIFFPageDecoder.decodedByteCount(p0)
        guard position - start == planeBytes else { return nil }
        let (total, o) = planeBytes.multipliedReportingOverflow(by: images)
        guard !o, start <= file.size - total else { return nil }
        return .contiguous(page: p0, offset: start, planeBytes: planeBytes)
    }
}
