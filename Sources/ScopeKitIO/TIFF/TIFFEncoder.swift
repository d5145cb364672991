import Foundation
import ScopeKitCore

/// The TIFF writer: one page per 2-D plane, uncompressed or Deflate with a predictor, ImageJ hyperstack or
/// OME-XML metadata, BigTIFF when the file would pass 4 GB.
///
/// - Element types: uint8, int8, uint16, int16, uint32, int32, float32, float64 (little-endian).
/// - Shape: the last two axes are rows and columns; every leading index is one page. An array whose last axis
///   is named `"s"` (as the reader names RGB samples) with 3 or 4 entries is written as RGB(A), contiguous.
/// - Compression: `options.compression == .deflate` writes Adobe Deflate (8), with the horizontal predictor (2)
///   for integers and the floating-point predictor (3) for floats when `options.predictor` is true. Strips are
///   about 1 MB uncompressed or 256 KB before Deflate, compressed in parallel.
/// - Metadata: uint8/uint16/float32 grayscale arrays get an ImageJ description (`ImageJ=1.11a`, `images=`,
///   `channels=`/`slices=`/`frames=` from axis names `c`/`z`/`t` in TZC order, `hyperstack=true`, `unit=`,
///   `spacing=`, `finterval=`) so Fiji opens them as hyperstacks; other arrays (and axes ImageJ cannot order)
///   get tifffile's `{"shape": [...]}` description. `options.ome` writes OME-XML instead.
/// - Calibration: X/Y pixel size as X/YResolution (ImageJ: in the ImageJ unit; otherwise per centimetre
///   with ResolutionUnit 3 for length units).
///
/// ```swift
/// try ImageIO.write(stack, to: URL(fileURLWithPath: "out.tif"),
///                   options: WriteOptions(compression: .deflate))
/// let encoder = TIFFEncoder(bigTIFF: .always)          // force BigTIFF (tests)
/// ```
///
/// Files read back in tifffile with the same shape, dtype and values (`Scripts/fixtures/tiff.py verify`).
/// Follows tifffile 2026.3's `imwrite(imagej=True)` description layout.
public struct TIFFEncoder: ImageEncoder {
    /// When to write BigTIFF (64-bit offsets).
    public enum BigTIFFPolicy: Sendable, Equatable {
        /// BigTIFF only when the file could pass 4 GB.
        case automatic
        /// Always BigTIFF.
        case always
        /// Never; writing a file that needs BigTIFF throws.
        case never
    }

    /// The BigTIFF policy.
    public var bigTIFF: BigTIFFPolicy

    /// Creates a TIFF writer.
    public init(bigTIFF: BigTIFFPolicy = .automatic) { self.bigTIFF = bigTIFF }

    public var name: String { "TIFF" }
    public var fileExtensions: [String] { ["tif", "tiff", "ome.tif", "ome.tiff"] }
    public var supportedTypes: Set<DType> { [.uint8, .int8, .uint16, .int16, .uint32, .int32, .float32, .float64] }

    /// Files larger than this (4 GiB minus headroom for IFDs) are written as BigTIFF by `.automatic`.
    static let classicLimit = (1 << 32) - (1 << 25)

    public func write(_ array: AnyArray, to output: OutputFile, options: WriteOptions) throws {
        guard supportedTypes.contains(array.dtype) else {
            throw ScopeKitError.usage("TIFF cannot store \(array.dtype)")
        }
        func typed<A: TypedArray>(_ a: A) throws { try write(a.array, to: output, options: options) }
        try typed(array.erased)
    }

    private func write<T: ArrayElement>(_ array: NDArray<T>, to output: OutputFile, options: WriteOptions) throws {
        let plan = try TIFFWritePlan(shape: array.shape, dtype: T.dtype, calibration: array.calibration,
                                     options: options, policy: bigTIFF)
        try array.withUnsafeBytes { raw in
            try TIFFPageWriter(plan: plan, output: output).write(raw)
        }
    }
}

/// Geometry, tags and description decided before any byte is written.
struct TIFFWritePlan {
    var width: Int, height: Int, samples: Int, planes: Int
    var dtype: DType
    var bytesPerSample: Int { dtype.byteCount }
    var rowBytes: Int { width * samples * bytesPerSample }
    var planeBytes: Int { rowBytes * height }
    var rowsPerStrip: Int
    var stripsPerPlane: Int { (height + rowsPerStrip - 1) / rowsPerStrip }
    var deflate: Bool
    var level: Int
    /// TIFF predictor number (1 none, 2 horizontal, 3 floating point).
    var predictor: Int
    var bigTIFF: Bool
    var description: String?
    var resolution: (x: Double, y: Double)?
    var resolutionUnit: Int

    init(shape: [Int], dtype: DType, calibration: Calibration, options: WriteOptions,
         policy: TIFFEncoder.BigTIFFPolicy) throws {
        guard !shape.isEmpty, shape.allSatisfy({ $0 >= 1 }) else {
            throw ScopeKitError.usage("cannot write an empty array of shape \(shape) as TIFF")
        }
        var shape = shape
        var names = calibration.axes.count == shape.count ? calibration.axes.map(\.name) : Array(repeating: "", count: shape.count)
        var axes = calibration.axes.count == shape.count ? calibration.axes : shape.map { _ in AxisCalibration() }
        if shape.count == 1 { shape.insert(1, at: 0); names.insert("y", at: 0); axes.insert(AxisCalibration(), at: 0) }
        let rgb = shape.count >= 3 && names.last == "s" && (shape.last == 3 || shape.last == 4)
        samples = rgb ? shape.last! : 1
        let pageRank = rgb ? 3 : 2
        guard shape.count >= pageRank else { throw ScopeKitError.usage("cannot write shape \(shape) as TIFF") }
        height = shape[shape.count - pageRank]
        width = shape[shape.count - pageRank + 1]
        guard width <= Int(UInt32.max), height <= Int(UInt32.max) else {
            throw ScopeKitError.usage("image of \(height) × \(width) is too large for TIFF")
        }
        let leading = Array(shape.prefix(shape.count - pageRank))
        let leadingNames = Array(names.prefix(leading.count))
        planes = leading.reduce(1, *)
        self.dtype = dtype
        deflate = options.compression == .deflate
        level = min(max(options.compressionLevel, 1), 9)
        predictor = deflate && options.predictor ? (dtype.isFloatingPoint ? 3 : 2) : 1
        let rowBytes = width * samples * dtype.byteCount
        let target = deflate ? 256 << 10 : 1 << 20
        rowsPerStrip = min(height, max(1, target / max(rowBytes, 1)))

        // Calibration of x and y.
        let x = axes[axes.count - pageRank + 1], y = axes[axes.count - pageRank]
        let imageJTypes: Set<DType> = [.uint8, .uint16, .float32]
        let imageJ = !options.ome && samples == 1 && imageJTypes.contains(dtype)
            && TIFFWritePlan.imageJAxes(leadingNames, count: leading.count) != nil
        resolutionUnit = 1
        resolution = nil
        if x.unit != "px" && y.unit != "px" && x.scale > 0 && y.scale > 0 {
            if imageJ {
                resolution = (1 / x.scale, 1 / y.scale)
            } else if let px = TIFFCalibration.pixelsPerCentimetre(scale: x.scale, unit: x.unit),
                      let py = TIFFCalibration.pixelsPerCentimetre(scale: y.scale, unit: y.unit) {
                resolution = (px, py)
                resolutionUnit = 3
            }
        }

        // Description.
        if options.ome {
            let letters = TIFFWritePlan.omeAxes(leadingNames, count: leading.count)
            let ax = letters + "YX" + (rgb ? "S" : "")
            var omeCalibration = Calibration(axes: axes)
            omeCalibration.intensity = calibration.intensity
            description = try OMEMetadata.xml(shape: shape, axes: ax, dtype: dtype, calibration: omeCalibration)
        } else if imageJ, let roles = TIFFWritePlan.imageJAxes(leadingNames, count: leading.count) {
            var ij = ImageJMetadata()
            ij.images = planes
            for (role, n) in zip(roles, leading) {
                switch role {
                case "t": ij.frames = n
                case "c": ij.channels = n
                default: ij.slices = n
                }
            }
            if leading.count >= 2 || ij.channels != nil || ij.frames != nil { ij.hyperstack = true }
            if x.unit != "px" { ij.unit = x.unit == "µm" ? "micron" : x.unit }
            if let z = roles.firstIndex(of: "z"), axes[z].unit != "px" { ij.spacing = axes[z].scale }
            if let t = roles.firstIndex(of: "t"), axes[t].unit == "s" { ij.finterval = axes[t].scale }
            description = ij.description()
        } else {
            description = "{\"shape\": [\(shape.map(String.init).joined(separator: ", "))]}"
        }

        // BigTIFF when the file could pass 4 GB (Deflate output is bounded by ~1.001 × the input).
        let strips = (height + rowsPerStrip - 1) / rowsPerStrip
        let perPage = rowBytes * height + (deflate ? rowBytes * height / 500 + 64 * strips : 0) + 512 + 16 * strips
        let (estimate, overflow) = perPage.multipliedReportingOverflow(by: planes)
        let large = overflow || estimate + (description?.utf8.count ?? 0) > TIFFEncoder.classicLimit
        switch policy {
        case .always: bigTIFF = true
        case .automatic: bigTIFF = large
        case .never:
            if large { throw ScopeKitError.usage("the TIFF would pass 4 GB; BigTIFF is disabled") }
            bigTIFF = false
        }
    }

    /// ImageJ roles (`t`, `z`, `c`) of the leading axes, in TZC order, or nil when ImageJ cannot store them.
    static func imageJAxes(_ names: [String], count: Int) -> [String]? {
        if count == 0 { return [] }
        let roles = names.map { n -> String in
            switch n.lowercased() {
            case "t", "time", "frame": "t"
            case "c", "channel": "c"
            case "z", "slice": "z"
            default: "?"
            }
        }
        if count == 1 { return [roles[0] == "?" ? "z" : roles[0]] }
        guard !roles.contains("?"), Set(roles).count == roles.count else { return nil }
        let order = ["t", "z", "c"]
        let positions = roles.map { order.firstIndex(of: $0)! }
        return positions == positions.sorted() ? roles : nil
    }

    /// OME letters for the leading axes (from the names, else Z; TZ; TZC by count).
    static func omeAxes(_ names: [String], count: Int) -> String {
        if let roles = imageJAxes(names, count: count), count <= 3 {
            return roles.map { $0.uppercased() }.joined()
        }
        return String(["Z", "TZ", "TZC"][max(0, min(count, 3) - 1)].suffix(count))
    }
}

/// Writes the pages without patching any earlier byte. Deflate: for each page its IFD (pointing to the next)
/// followed by its strips, compressed in parallel a batch of pages at a time. Uncompressed: all IFDs, then the
/// pixels in one contiguous run.
struct TIFFPageWriter {
    let plan: TIFFWritePlan
    let output: OutputFile

    func write(_ pixels: UnsafeRawBufferPointer) throws {
        try writeHeader()
        if !plan.deflate { return try writeContiguous(pixels) }
        let stripsPerPlane = plan.stripsPerPlane
        // Pages per batch: about 64 MB of pixels, at least one page.
        let batch = max(1, min(plan.planes, (64 << 20) / max(plan.planeBytes, 1)))
        var page = 0
        while page < plan.planes {
            let pagesInBatch = min(batch, plan.planes - page)
            let compressed = plan.deflate ? try compress(pixels, pages: page..<page + pagesInBatch) : []
            // The batch's strips plus generous room for its directories (the rest is released on commit).
            output.reserve(output.position + compressed.reduce(0) { $0 + $1.count } + pagesInBatch * 4096)
            for p in page..<page + pagesInBatch {
                let strips = plan.deflate ? [] : (0..<stripsPerPlane).map { stripRange(pixels, page: p, strip: $0) }
                try writePage(p, strips: strips, compressed: compressed, base: (p - page) * stripsPerPlane)
            }
            page += pagesInBatch
        }
    }

    /// The 8- (classic) or 16-byte (BigTIFF) file header, first IFD right after it.
    func writeHeader() throws {
        var header: [UInt8] = [0x49, 0x49]
        if plan.bigTIFF {
            header += [43, 0, 8, 0, 0, 0] + le(UInt64(16))
        } else {
            header += [42, 0] + le(UInt32(8))
        }
        try output.write(header)
    }

    private func le<T: FixedWidthInteger>(_ x: T) -> [UInt8] { withUnsafeBytes(of: x.littleEndian) { Array($0) } }

    private func stripRange(_ pixels: UnsafeRawBufferPointer, page: Int, strip: Int) -> UnsafeRawBufferPointer {
        let row0 = strip * plan.rowsPerStrip
        let rows = min(plan.rowsPerStrip, plan.height - row0)
        let start = page * plan.planeBytes + row0 * plan.rowBytes
        return UnsafeRawBufferPointer(rebasing: pixels[start..<start + rows * plan.rowBytes])
    }

    /// Deflates every strip of `pages` in parallel (with the predictor applied to a copy). Each worker reuses
    /// one predictor buffer and one ``DeflateEncoder/Workspace`` for all its strips, and every result is an
    /// exact-size array: no per-strip allocation of fresh (page-faulting) memory.
    func compress(_ pixels: UnsafeRawBufferPointer, pages: Range<Int>) throws -> [[UInt8]] {
        let perPlane = plan.stripsPerPlane
        let count = pages.count * perPlane
        var results = [[UInt8]](repeating: [], count: count)
        let errors = ErrorSlot()
        let stripBytes = plan.rowsPerStrip * plan.rowBytes
        results.withUnsafeMutableBufferPointer { out in
            let target = UncheckedSendable(out.baseAddress)
            Parallel.forEachChunk(0..<count) { chunk in
                let workspace = DeflateEncoder.Workspace()
                let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(stripBytes, 1), alignment: 16)
                let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: max(plan.rowBytes, 1))
                defer {
                    copy.deallocate()
                    scratch.deallocate()
                }
                for k in chunk {
                    let strip = stripRange(pixels, page: pages.lowerBound + k / perPlane, strip: k % perPlane)
                    do {
                        var source = strip
                        if plan.predictor != 1 {
                            let rows = strip.count / plan.rowBytes
                            if plan.predictor == 2 {
                                // Differences straight from the caller's pixels into the copy (one pass).
                                Predictor.encodeHorizontal(from: strip.baseAddress!, to: copy.baseAddress!,
                                                           bytesPerSample: plan.bytesPerSample, width: plan.width,
                                                           samples: plan.samples, rows: rows)
                            } else {
                                copy.copyMemory(from: strip)
                                Predictor.encodeFloatingPoint(copy.baseAddress!, bytesPerSample: plan.bytesPerSample,
                                                              width: plan.width, samples: plan.samples, rows: rows,
                                                              scratch: scratch)
                            }
                            source = UnsafeRawBufferPointer(rebasing: copy[0..<strip.count])
                        }
                        (target.value! + k).pointee = try Deflate.compress(source, level: plan.level,
                                                                           workspace: workspace)
                    } catch {
                        errors.set(error, index: k)
                    }
                }
            }
        }
        if let e = errors.error { throw e }
        return results
    }

    /// Writes page `page`: its IFD, then its strips (`strips` uncompressed, or `compressed[base...]`).
    func writePage(_ page: Int, strips: [UnsafeRawBufferPointer], compressed: [[UInt8]], base: Int) throws {
        let counts: [Int] = plan.deflate ? (0..<plan.stripsPerPlane).map { compressed[base + $0].count }
                                         : strips.map(\.count)
        let ifd = directory(page, counts: counts)
        let ifdOffset = output.position
        let dataStart = ifdOffset + ifd.byteCount
        var offsets: [Int] = []
        var position = dataStart
        for c in counts {
            offsets.append(position)
            position += c
        }
        if position & 1 == 1 { position += 1 }  // next IFD on a word boundary
        let last = page == plan.planes - 1
        if !plan.bigTIFF && position > Int(UInt32.max) {
            throw ScopeKitError.processing("TIFF passed 4 GB without BigTIFF", file: output.url.path)
        }
        try output.write(withOffsets(ifd, offsets).serialise(at: ifdOffset, next: last ? 0 : position))
        if plan.deflate {
            for k in 0..<plan.stripsPerPlane { try compressed[base + k].withUnsafeBytes { try output.write($0) } }
        } else {
            for s in strips { try output.write(s) }
        }
        if output.position & 1 == 1 { try output.write([0]) }
    }

    /// Uncompressed files: every IFD first, then all pixels in one contiguous run written straight from the
    /// array (one large write, no copy; readers can also fetch several planes at once).
    func writeContiguous(_ pixels: UnsafeRawBufferPointer) throws {
        try writeContiguousDirectories()
        output.reserve(output.position + pixels.count)
        try output.write(pixels)
    }

    /// The directories of an uncompressed file and the padding before the pixels, which follow in page order.
    func writeContiguousDirectories() throws {
        let pixelCount = plan.planeBytes * plan.planes
        let stripCounts = (0..<plan.stripsPerPlane).map { s in
            min(plan.rowsPerStrip, plan.height - s * plan.rowsPerStrip) * plan.rowBytes
        }
        let directories = (0..<plan.planes).map { directory($0, counts: stripCounts) }
        var ifdOffsets: [Int] = []
        var position = output.position
        for d in directories {
            ifdOffsets.append(position)
            position += d.byteCount
        }
        let dataStart = (position + 15) & ~15
        if !plan.bigTIFF && dataStart + pixelCount > Int(UInt32.max) {
            throw ScopeKitError.processing("TIFF passed 4 GB without BigTIFF", file: output.url.path)
        }
        var header: [UInt8] = []
        for (p, d) in directories.enumerated() {
            let offsets = stripCounts.indices.map { dataStart + p * plan.planeBytes + $0 * plan.rowsPerStrip * plan.rowBytes }
            let next = p + 1 < directories.count ? ifdOffsets[p + 1] : 0
            header += withOffsets(d, offsets).serialise(at: ifdOffsets[p], next: next)
            if header.count >= 1 << 20 {
                try output.write(header)
                header.removeAll(keepingCapacity: true)
            }
        }
        header += [UInt8](repeating: 0, count: dataStart - position)
        try output.write(header)
    }

    /// The same directory with the real strip offsets (same sizes, so the layout does not change).
    private func withOffsets(_ ifd: TIFFDirectoryWriter, _ offsets: [Int]) -> TIFFDirectoryWriter {
        var final = TIFFDirectoryWriter(bigTIFF: plan.bigTIFF)
        for e in ifd.entries {
            final.add(e.tag, e.tag == TIFFTag.stripOffsets ? ifd.offsets(offsets) : e.value)
        }
        return final
    }

    /// The IFD of page `page` with placeholder strip offsets.
    private func directory(_ page: Int, counts: [Int]) -> TIFFDirectoryWriter {
        var ifd = TIFFDirectoryWriter(bigTIFF: plan.bigTIFF)
        func dimension(_ v: Int) -> TIFFDirectoryWriter.Value { v < 65536 ? .shorts([UInt16(v)]) : .longs([UInt32(v)]) }
        ifd.add(TIFFTag.newSubfileType, .longs([0]))
        ifd.add(TIFFTag.imageWidth, dimension(plan.width))
        ifd.add(TIFFTag.imageLength, dimension(plan.height))
        ifd.add(TIFFTag.bitsPerSample, .shorts(Array(repeating: UInt16(plan.bytesPerSample * 8), count: plan.samples)))
        ifd.add(TIFFTag.compression, .shorts([plan.deflate ? 8 : 1]))
        ifd.add(TIFFTag.photometric, .shorts([plan.samples >= 3 ? 2 : 1]))
        if page == 0, let d = plan.description { ifd.add(TIFFTag.imageDescription, .ascii(d)) }
        ifd.add(TIFFTag.stripOffsets, ifd.offsets(Array(repeating: 0, count: counts.count)))
        ifd.add(TIFFTag.samplesPerPixel, .shorts([UInt16(plan.samples)]))
        ifd.add(TIFFTag.rowsPerStrip, .longs([UInt32(plan.rowsPerStrip)]))
        ifd.add(TIFFTag.stripByteCounts, ifd.offsets(counts))
        if let r = plan.resolution {
            ifd.add(TIFFTag.xResolution, .rationals([TIFFPageWriter.rational(r.x)]))
            ifd.add(TIFFTag.yResolution, .rationals([TIFFPageWriter.rational(r.y)]))
        } else {
            ifd.add(TIFFTag.xResolution, .rationals([(1, 1)]))
            ifd.add(TIFFTag.yResolution, .rationals([(1, 1)]))
        }
        if plan.samples > 1 { ifd.add(TIFFTag.planarConfiguration, .shorts([1])) }
        ifd.add(TIFFTag.resolutionUnit, .shorts([UInt16(plan.resolutionUnit)]))
        if page == 0 { ifd.add(TIFFTag.software, .ascii("ScopeKit")) }
        if plan.predictor != 1 { ifd.add(TIFFTag.predictor, .shorts([UInt16(plan.predictor)])) }
        if plan.samples == 4 { ifd.add(TIFFTag.extraSamples, .shorts([2])) }
        let format: UInt16 = plan.dtype.isFloatingPoint ? 3 : plan.dtype.isSignedInteger ? 2 : 1
        ifd.add(TIFFTag.sampleFormat, .shorts(Array(repeating: format, count: plan.samples)))
        return ifd
    }

    /// A positive rational approximation (numerator, denominator) of `value`.
    static func rational(_ value: Double) -> (UInt32, UInt32) {
        guard value.isFinite, value > 0 else { return (1, 1) }
        let limit = Double(UInt32.max)
        if value >= limit { return (UInt32.max, 1) }
        if value < 1 / limit { return (1, UInt32.max) }
        if value < 1 {
            // Small values: 1 / n keeps more precision for pixel sizes written as resolution.
            let inverse = 1 / value
            if inverse.rounded() == inverse { return (1, UInt32(inverse)) }
        }
        var denominator = 1.0
        while denominator < 1e9 && value * denominator * 10 <= limit
                && (value * denominator).rounded() != value * denominator {
            denominator *= 10
        }
        return (UInt32(max(1, (value * denominator).rounded())), UInt32(denominator))
    }
}
