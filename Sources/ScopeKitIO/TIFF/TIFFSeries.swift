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
        case .contiguous: shape.reduce(1, *) / max(page0.shape.reduce(1, *), 1)
        }
    }

    /// Pages to validate before decoding.
    var planePages: [TIFFPage] {
        switch source {
        case .pages(let p): p
        case .contiguous(let page, _, _): [page]
        }
    }

    /// The names of the page axes (`y x`, `y x s` or `s y x`).
    static func pageAxisNames(_ page: TIFFPage) -> [String] {
        if page.samplesPerPixel == 1 { return ["y", "x"] }
        return page.planar == 2 ? ["s", "y", "x"] : ["y", "x", "s"]
    }

    static func detect(pages: [TIFFPage], description: String?, file: RandomAccessFile,
                       layout: TIFFLayout) -> TIFFSeries {
        let p0 = pages[0]
        // The leading run of pages that share page 0's shape and encoding.
        let key = p0.seriesKey
        var prefix = 0
        while prefix < pages.count && pages[prefix].seriesKey == key { prefix += 1 }
        if let d = description {
            if d.hasPrefix("{"), let s = shaped(d, pages: pages, prefix: prefix) { return s }
            if d.contains("<OME"), let s = omeSeries(d, pages: pages, prefix: prefix) { return s }
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

    /// OME-TIFF: sizes and DimensionOrder of the first Pixels element; planes are the first IFDs in order.
    static func omeSeries(_ d: String, pages: [TIFFPage], prefix: Int) -> TIFFSeries? {
        guard let ome = try? OMEMetadata.parse(d) else { return nil }
        let p0 = pages[0]
        guard ome.sizeX == p0.width, ome.sizeY == p0.height else { return nil }
        let samples = p0.samplesPerPixel
        guard ome.sizeC % samples == 0 else { return nil }
        let channels = ome.sizeC / samples
        let order = Array(ome.dimensionOrder.uppercased())
        guard order.count == 5, order[0] == "X", order[1] == "Y", Set(order) == Set("XYZCT") else { return nil }
        var axes: [(String, Int)] = []
        for letter in order.dropFirst(2).reversed() {
            switch letter {
            case "Z": axes.append(("z", ome.sizeZ))
            case "C": axes.append(("c", channels))
            default: axes.append(("t", ome.sizeT))
            }
        }
        let planes = axes.reduce(1) { $0 * $1.1 }
        guard planes >= 1, planes <= prefix else { return nil }
        let kept = axes.filter { $0.1 > 1 }
        var s = TIFFSeries(kind: "ome", shape: kept.map(\.1) + p0.shape, page0: p0,
                           source: .pages(Array(pages.prefix(planes))),
                           axisNames: kept.map(\.0) + pageAxisNames(p0))
        s.ome = ome
        s.metadata["ome.DimensionOrder"] = ome.dimensionOrder
        s.metadata["ome.Sizes"] = "X=\(ome.sizeX) Y=\(ome.sizeY) Z=\(ome.sizeZ) C=\(ome.sizeC) T=\(ome.sizeT)"
        return s
    }

    /// ImageJ hyperstack: `images`, `frames`, `slices`, `channels` in TZC order, size-1 axes dropped.
    static func imageJSeries(_ d: String, pages: [TIFFPage], prefix: Int, file: RandomAccessFile) -> TIFFSeries? {
        guard let ij = ImageJMetadata.parse(d) else { return nil }
        let p0 = pages[0]
        let frames = ij.frames ?? 1, slices = ij.slices ?? 1
        var channels = ij.channels ?? 1
        var images = ij.images ?? 1
        guard images >= 1, frames >= 1, slices >= 1, channels >= 1 else { return nil }
        let separateSamplesAsChannels = p0.planar == 2 && p0.samplesPerPixel > 1 && p0.samplesPerPixel == channels
        if channels == 1 || separateSamplesAsChannels {
            images = frames * slices
        } else if images == frames * slices && p0.samplesPerPixel == channels && p0.planar == 1 {
            channels = 1  // RGB samples declared as channels
        } else {
            images = frames * slices * channels
        }
        if images == 1 && pages.count > 1 { images = prefix }
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
        var axes: [(String, Int)] = [("t", frames), ("z", slices)]
        if !separateSamplesAsChannels { axes.append(("c", channels)) }
        let declared = axes.reduce(1) { $0 * $1.1 }
        guard declared >= 1, images % declared == 0 else { return nil }
        if images / declared > 1 { axes.insert(("", images / declared), at: 0) }
        let kept = axes.filter { $0.1 > 1 }
        var s = TIFFSeries(kind: "imagej", shape: kept.map(\.1) + p0.shape, page0: p0, source: source,
                           axisNames: kept.map(\.0) + pageAxisNames(p0))
        s.imageJ = ij
        for (key, value) in [("images", ij.images.map(String.init)), ("channels", ij.channels.map(String.init)),
                             ("slices", ij.slices.map(String.init)), ("frames", ij.frames.map(String.init)),
                             ("hyperstack", ij.hyperstack.map { $0 ? "true" : "false" }),
                             ("spacing", ij.spacing.map { "\($0)" }), ("unit", ij.unit),
                             ("finterval", ij.finterval.map { "\($0)" })] {
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
