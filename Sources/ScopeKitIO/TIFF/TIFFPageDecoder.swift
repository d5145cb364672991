import ScopeKitCore

/// Decodes the pixels of one TIFF page into a caller-provided buffer.
///
/// Strips are decoded (or, uncompressed, read with one `pread`) straight into their rows of the destination;
/// tiles go through one tile-sized scratch buffer and are clipped at the right and bottom edges. Byte order,
/// predictors and 1-bit unpacking are applied after decompression.
enum TIFFPageDecoder {
    /// The number of bytes ``decode(_:file:layout:into:)`` writes for `page` (one per pixel for 1-bit data).
    static func decodedByteCount(_ page: TIFFPage) -> Int {
        page.width * page.height * page.samplesPerPixel * page.bytesPerSample
    }

    /// Decodes `page` into `destination` (``decodedByteCount(_:)`` bytes, zero-filled by the caller) in the
    /// layout of ``TIFFPage/shape`` with host byte order.
    ///
    /// - Parameter parallel: decode compressed segments on several threads.
    static func decode(_ page: TIFFPage, file: RandomAccessFile, layout: TIFFLayout,
                       into destination: UnsafeMutableRawBufferPointer, parallel: Bool) throws {
        guard let base = destination.baseAddress else { return }
        precondition(destination.count >= decodedByteCount(page))
        if page.bitsPerSample == 1 {
            // Decode the packed bits, then unpack one byte (0/1) per pixel.
            let rowBytes = (page.width + 7) / 8
            var packed = [UInt8](repeating: 0, count: rowBytes * page.height)
            try packed.withUnsafeMutableBytes { raw in
                try decodeSegments(page, file: file, layout: layout, into: raw.baseAddress!, parallel: parallel)
            }
            let out = base.assumingMemoryBound(to: UInt8.self)
            for r in 0..<page.height {
                let row = r * rowBytes
                for c in 0..<page.width {
                    out[r * page.width + c] = (packed[row + c >> 3] >> UInt8(7 - (c & 7))) & 1
                }
            }
            return
        }
        try decodeSegments(page, file: file, layout: layout, into: base, parallel: parallel)
    }

    private static func decodeSegments(_ page: TIFFPage, file: RandomAccessFile, layout: TIFFLayout,
                                       into base: UnsafeMutableRawPointer, parallel: Bool) throws {
        let samples = page.samplesPerSegmentPixel
        let rowBytes = (page.width * samples * page.bitsPerSample + 7) / 8
        let planeBytes = rowBytes * page.height
        let segmentCount = page.segmentOffsets.count
        let compressed = page.compressionCode != 1
        let target = UncheckedSendable(base.assumingMemoryBound(to: UInt8.self))
        let errors = ErrorSlot()

        func decodeOne(_ k: Int) throws {
            let base = UnsafeMutableRawPointer(target.value)
            if page.isTiled {
                let across = (page.width + page.tileWidth - 1) / page.tileWidth
                let down = (page.height + page.tileLength - 1) / page.tileLength
                let perPlane = across * down
                let plane = k / perPlane, t = k % perPlane
                let row0 = (t / across) * page.tileLength, col0 = (t % across) * page.tileWidth
                let tileRowBytes = (page.tileWidth * samples * page.bitsPerSample + 7) / 8
                let tileBytes = tileRowBytes * page.tileLength
                let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: tileBytes, alignment: 16)
                defer { scratch.deallocate() }
                try decodeSegment(page, k, file: file, layout: layout, into: scratch, rows: page.tileLength,
                                  width: page.tileWidth)
                let rows = min(page.tileLength, page.height - row0)
                let colBytes = (min(page.tileWidth, page.width - col0) * samples * page.bitsPerSample + 7) / 8
                let colOffset = col0 * samples * page.bitsPerSample / 8
                for r in 0..<rows {
                    (base + plane * planeBytes + (row0 + r) * rowBytes + colOffset)
                        .copyMemory(from: scratch.baseAddress! + r * tileRowBytes, byteCount: colBytes)
                }
            } else {
                let perPlane = (page.height + page.rowsPerStrip - 1) / page.rowsPerStrip
                let plane = k / perPlane, s = k % perPlane
                let row0 = s * page.rowsPerStrip
                let rows = min(page.rowsPerStrip, page.height - row0)
                let slice = UnsafeMutableRawBufferPointer(start: base + plane * planeBytes + row0 * rowBytes,
                                                          count: rows * rowBytes)
                try decodeSegment(page, k, file: file, layout: layout, into: slice, rows: rows, width: page.width)
            }
        }

        if parallel && compressed && segmentCount > 1 {
            Parallel.forEach(0..<segmentCount) { k in
                do { try decodeOne(k) } catch { errors.set(error, index: k) }
            }
            if let e = errors.error { throw e }
        } else {
            for k in 0..<segmentCount { try decodeOne(k) }
        }
    }

    /// Decodes segment `k` (`rows` rows of `width` pixels) into `output`, then fixes byte order and predictor.
    private static func decodeSegment(_ page: TIFFPage, _ k: Int, file: RandomAccessFile, layout: TIFFLayout,
                                      into output: UnsafeMutableRawBufferPointer, rows: Int, width: Int) throws {
        let offset = page.segmentOffsets[k]
        let byteCount = page.segmentByteCounts[k]
        let what = "page \(page.index) \(page.isTiled ? "tile" : "strip") \(k)"
        var produced: Int
        switch TIFFCompression(rawValue: page.compressionCode) {
        case .none?:
            try file.checkRange(offset: offset, count: byteCount, what: what)
            produced = min(output.count, byteCount)
            try file.read(at: offset, count: produced, into: output.baseAddress!, what: what)
        case let compression?:
            let packed = UnsafeMutableRawBufferPointer.allocate(byteCount: max(byteCount, 1), alignment: 16)
            defer { packed.deallocate() }
            try file.read(at: offset, count: byteCount, into: packed.baseAddress!, what: what)
            let input = UnsafeRawBufferPointer(start: packed.baseAddress, count: byteCount)
            do {
                switch compression {
                case .deflate, .deflateOld:
                    produced = byteCount == 0 ? 0 : try inflate(input, into: output)
                case .lzw:
                    produced = try LZW.decode(input, into: output)
                case .packBits:
                    produced = PackBits.decode(input, into: output)
                case .none:
                    produced = 0
                }
            } catch let error as ScopeKitError {
                throw ScopeKitError.badInput("\(what): \(error.reason)", file: file.path)
            }
        case nil:
            throw ScopeKitError.badInput("unsupported compression: \(TIFFCompression.name(of: page.compressionCode))",
                                         file: file.path)
        }
        if produced < output.count {
            // Short segments are padded with zeros, as libtiff and tifffile do.
            (output.baseAddress! + produced).initializeMemory(as: UInt8.self, repeating: 0,
                                                               count: output.count - produced)
        }
        let bytes = page.bytesPerSample
        let samples = page.samplesPerSegmentPixel
        if page.predictor == 3 {
            let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: width * samples * bytes)
            defer { scratch.deallocate() }
            Predictor.decodeFloatingPoint(output.baseAddress!, bytesPerSample: bytes, width: width,
                                          samples: samples, rows: rows, scratch: scratch)
            return
        }
        if bytes > 1 && page.bitsPerSample > 1 && layout.bigEndian == ByteOrder.hostIsLittleEndian {
            ByteOrder.swapInPlace(output, unit: bytes)
        }
        if page.predictor == 2 {
            Predictor.decodeHorizontal(output.baseAddress!, bytesPerSample: bytes, width: width, samples: samples,
                                       rows: rows)
        }
    }

    /// Inflates a zlib (or gzip) stream with the pure-Swift ``Inflate`` straight into the strip's memory: the
    /// output is bounded by `output`, the Adler-32 trailer is checked when the stream ends there, and a short
    /// stream returns what it holds (the caller pads with zeros).
    static func inflate(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws -> Int {
        try Inflate.decompress(input, into: output, allowShorter: true)
    }
}
