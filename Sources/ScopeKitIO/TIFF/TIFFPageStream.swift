import ScopeKitCore

/// Pages of a TIFF written one at a time (what ``PlaneWriter`` uses): the same plan, directories and bytes as
/// ``TIFFEncoder`` writes for the whole array.
///
/// Uncompressed files have every IFD before the pixels, so the directories are written first (their strip
/// offsets follow from the plane size) and each page's pixels are appended. Deflate files write each page's IFD
/// and then its strips, compressed in parallel.
final class TIFFPageStream {
    let plan: TIFFWritePlan
    let writer: TIFFPageWriter

    init(shape: [Int], dtype: DType, calibration: Calibration, options: WriteOptions,
         policy: TIFFEncoder.BigTIFFPolicy, output: OutputFile) throws {
        plan = try TIFFWritePlan(shape: shape, dtype: dtype, calibration: calibration, options: options, policy: policy)
        writer = TIFFPageWriter(plan: plan, output: output)
        try writer.writeHeader()
        if !plan.deflate { try writer.writeContiguousDirectories() }
    }

    /// Writes page `page` (`plan.planeBytes` bytes, pages in order).
    func append(_ pixels: UnsafeRawBufferPointer, page: Int) throws {
        guard pixels.count == plan.planeBytes else {
            throw ScopeKitError.usage("TIFF page of \(pixels.count) bytes, expected \(plan.planeBytes)")
        }
        if plan.deflate {
            let compressed = try writer.compress(pixels, pages: 0..<1)
            try writer.writePage(page, strips: [], compressed: compressed, base: 0)
        } else {
            try writer.output.write(pixels)
        }
    }
}
