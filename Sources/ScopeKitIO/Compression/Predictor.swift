import ScopeKitCore

/// The TIFF predictors that make image rows compress better: horizontal differencing (predictor 2) and the
/// floating-point byte-plane predictor (predictor 3).
///
/// All functions work in place on one or more rows of `width` pixels of `samples` interleaved samples.
/// Horizontal differencing works on samples in host byte order (swap a big-endian file's bytes first); the
/// floating-point predictor works on bytes and its decoder produces host byte order itself.
///
/// ```swift
/// Predictor.encodeHorizontal(row, as: UInt16.self, width: 512, samples: 1, rows: 1)
/// Predictor.decodeHorizontal(row, as: UInt16.self, width: 512, samples: 1, rows: 1)  // back to the original
/// ```
///
/// Follows the TIFF 6.0 specification, section 14, and Adobe's TIFF Technical Note 3 (floating point
/// predictor), as implemented in libtiff's `tif_predict.c`.
public enum Predictor {
    /// Undoes horizontal differencing: each sample becomes the sum of itself and the same sample of the
    /// previous pixel (wrapping arithmetic).
    ///
    /// - Complexity: O(rows · width · samples).
    @inlinable
    public static func decodeHorizontal<T: FixedWidthInteger>(_ buffer: UnsafeMutableRawPointer, as type: T.Type,
                                                               width: Int, samples: Int, rows: Int) {
        let rowCount = width * samples
        var first = 0
        if T.self == UInt16.self && samples == 1 {
            // 16-bit grayscale: a SIMD running sum along each row.
            let p = buffer.bindMemory(to: UInt16.self, capacity: rows * rowCount)
            for r in 0..<rows { prefixSum(p + r * rowCount, count: rowCount) }
            return
        }
        if samples == 1 && rowCount > 0 {
            // Four rows at a time: four independent running sums keep the adder busy (one row alone is a
            // chain of dependent additions).
            let p = buffer.bindMemory(to: T.self, capacity: rows * rowCount)
            while first + 4 <= rows {
                let p0 = p + first * rowCount, p1 = p0 + rowCount, p2 = p1 + rowCount, p3 = p2 + rowCount
                var a0 = p0[0], a1 = p1[0], a2 = p2[0], a3 = p3[0]
                for i in 1..<rowCount {
                    a0 &+= p0[i]; p0[i] = a0
                    a1 &+= p1[i]; p1[i] = a1
                    a2 &+= p2[i]; p2[i] = a2
                    a3 &+= p3[i]; p3[i] = a3
                }
                first += 4
            }
        }
        for r in first..<Swift.max(rows, first) {
            let p = (buffer + r * rowCount * MemoryLayout<T>.size).bindMemory(to: T.self, capacity: rowCount)
            if samples == 1 {
                var acc = rowCount > 0 ? p[0] : 0
                var i = 1
                while i < rowCount {
                    acc &+= p[i]
                    p[i] = acc
                    i += 1
                }
            } else {
                var i = samples
                while i < rowCount {
                    p[i] = p[i] &+ p[i - samples]
                    i += 1
                }
            }
        }
    }

    /// The inclusive running sum of `count` 16-bit values in place (horizontal decoding of one grayscale row),
    /// eight lanes at a time: three shifted adds give each lane the sum of its vector up to it, then the last
    /// lane of the previous vector is added to all.
    ///
    /// - Complexity: O(count).
    @inlinable
    static func prefixSum(_ p: UnsafeMutablePointer<UInt16>, count: Int) {
        typealias V = SIMD8<UInt16>
        var carry = V(repeating: 0)
        var i = 0
        while i + 8 <= count {
            var x = UnsafeRawPointer(p + i).loadUnaligned(as: V.self)
            x &+= V(0, x[0], x[1], x[2], x[3], x[4], x[5], x[6])
            x &+= V(0, 0, x[0], x[1], x[2], x[3], x[4], x[5])
            x &+= V(0, 0, 0, 0, x[0], x[1], x[2], x[3])
            x &+= carry
            UnsafeMutableRawPointer(p + i).storeBytes(of: x, as: V.self)
            carry = V(repeating: x[7])
            i += 8
        }
        var acc = carry[0]
        while i < count {
            acc &+= p[i]
            p[i] = acc
            i += 1
        }
    }

    /// Applies horizontal differencing (the inverse of ``decodeHorizontal(_:as:width:samples:rows:)``).
    @inlinable
    public static func encodeHorizontal<T: FixedWidthInteger>(_ buffer: UnsafeMutableRawPointer, as type: T.Type,
                                                               width: Int, samples: Int, rows: Int) {
        let rowCount = width * samples
        for r in 0..<rows {
            let p = (buffer + r * rowCount * MemoryLayout<T>.size).bindMemory(to: T.self, capacity: rowCount)
            var i = rowCount - 1
            while i >= samples {
                p[i] = p[i] &- p[i - samples]
                i -= 1
            }
        }
    }

    /// Horizontal differencing from `source` into `destination` (which must not overlap it): the copy and the
    /// differences in one pass, as the TIFF writer needs (the caller's pixels stay untouched).
    ///
    /// ```swift
    /// Predictor.encodeHorizontal(from: pixels, to: scratch, as: UInt16.self, width: 512, samples: 1, rows: 64)
    /// ```
    /// - Complexity: O(rows · width · samples), one read and one write per sample.
    @inlinable
    public static func encodeHorizontal<T: FixedWidthInteger>(from source: UnsafeRawPointer,
                                                               to destination: UnsafeMutableRawPointer,
                                                               as type: T.Type, width: Int, samples: Int, rows: Int) {
        let rowCount = width * samples
        guard rowCount > 0 else { return }
        let s = source.bindMemory(to: T.self, capacity: rows * rowCount)
        let d = destination.bindMemory(to: T.self, capacity: rows * rowCount)
        for r in 0..<rows {
            let a = s + r * rowCount, b = d + r * rowCount
            let head = Swift.min(samples, rowCount)
            for i in 0..<head { b[i] = a[i] }
            var i = head
            if T.self == UInt16.self {
                // 16 lanes at a time: this vector minus the one `samples` values back (unaligned loads).
                let a16 = UnsafeRawPointer(a), b16 = UnsafeMutableRawPointer(b), back = samples * 2
                while i + 16 <= rowCount {
                    let x = (a16 + 2 * i).loadUnaligned(as: SIMD16<UInt16>.self)
                    let y = (a16 + 2 * i - back).loadUnaligned(as: SIMD16<UInt16>.self)
                    (b16 + 2 * i).storeBytes(of: x &- y, as: SIMD16<UInt16>.self)
                    i += 16
                }
            }
            while i < rowCount {
                b[i] = a[i] &- a[i - samples]
                i += 1
            }
        }
    }

    /// ``encodeHorizontal(from:to:as:width:samples:rows:)`` for samples of `bytesPerSample` bytes (1, 2, 4, 8).
    public static func encodeHorizontal(from source: UnsafeRawPointer, to destination: UnsafeMutableRawPointer,
                                        bytesPerSample: Int, width: Int, samples: Int, rows: Int) {
        switch bytesPerSample {
        case 1: encodeHorizontal(from: source, to: destination, as: UInt8.self, width: width, samples: samples, rows: rows)
        case 2: encodeHorizontal(from: source, to: destination, as: UInt16.self, width: width, samples: samples, rows: rows)
        case 4: encodeHorizontal(from: source, to: destination, as: UInt32.self, width: width, samples: samples, rows: rows)
        default: encodeHorizontal(from: source, to: destination, as: UInt64.self, width: width, samples: samples, rows: rows)
        }
    }

    /// Undoes horizontal differencing for samples of `bytesPerSample` bytes (1, 2, 4 or 8).
    public static func decodeHorizontal(_ buffer: UnsafeMutableRawPointer, bytesPerSample: Int, width: Int,
                                        samples: Int, rows: Int) {
        switch bytesPerSample {
        case 1: decodeHorizontal(buffer, as: UInt8.self, width: width, samples: samples, rows: rows)
        case 2: decodeHorizontal(buffer, as: UInt16.self, width: width, samples: samples, rows: rows)
        case 4: decodeHorizontal(buffer, as: UInt32.self, width: width, samples: samples, rows: rows)
        default: decodeHorizontal(buffer, as: UInt64.self, width: width, samples: samples, rows: rows)
        }
    }

    /// Applies horizontal differencing for samples of `bytesPerSample` bytes (1, 2, 4 or 8).
    public static func encodeHorizontal(_ buffer: UnsafeMutableRawPointer, bytesPerSample: Int, width: Int,
                                        samples: Int, rows: Int) {
        switch bytesPerSample {
        case 1: encodeHorizontal(buffer, as: UInt8.self, width: width, samples: samples, rows: rows)
        case 2: encodeHorizontal(buffer, as: UInt16.self, width: width, samples: samples, rows: rows)
        case 4: encodeHorizontal(buffer, as: UInt32.self, width: width, samples: samples, rows: rows)
        default: encodeHorizontal(buffer, as: UInt64.self, width: width, samples: samples, rows: rows)
        }
    }

    /// Undoes the floating-point predictor on `rows` rows: byte-wise accumulation with a stride of `samples`,
    /// then re-interleaving the byte planes (most significant first) into host-order values.
    ///
    /// - Parameter scratch: at least one row of bytes (`width · samples · bytesPerSample`).
    /// - Complexity: O(rows · width · samples · bytesPerSample).
    public static func decodeFloatingPoint(_ buffer: UnsafeMutableRawPointer, bytesPerSample: Int, width: Int,
                                           samples: Int, rows: Int, scratch: UnsafeMutablePointer<UInt8>) {
        let count = width * samples  // values per row
        let rowBytes = count * bytesPerSample
        let little = ByteOrder.hostIsLittleEndian
        for r in 0..<rows {
            let row = (buffer + r * rowBytes).assumingMemoryBound(to: UInt8.self)
            var i = samples
            while i < rowBytes {
                row[i] = row[i] &+ row[i - samples]
                i += 1
            }
            scratch.update(from: row, count: rowBytes)
            for b in 0..<bytesPerSample {
                let plane = scratch + b * count
                let target = little ? bytesPerSample - 1 - b : b
                var k = 0
                while k < count {
                    row[k * bytesPerSample + target] = plane[k]
                    k += 1
                }
            }
        }
    }

    /// Applies the floating-point predictor to `rows` rows of host-order values (the inverse of
    /// ``decodeFloatingPoint(_:bytesPerSample:width:samples:rows:scratch:)``).
    public static func encodeFloatingPoint(_ buffer: UnsafeMutableRawPointer, bytesPerSample: Int, width: Int,
                                           samples: Int, rows: Int, scratch: UnsafeMutablePointer<UInt8>) {
        let count = width * samples
        let rowBytes = count * bytesPerSample
        let little = ByteOrder.hostIsLittleEndian
        for r in 0..<rows {
            let row = (buffer + r * rowBytes).assumingMemoryBound(to: UInt8.self)
            for b in 0..<bytesPerSample {
                let plane = scratch + b * count
                let source = little ? bytesPerSample - 1 - b : b
                var k = 0
                while k < count {
                    plane[k] = row[k * bytesPerSample + source]
                    k += 1
                }
            }
            row.update(from: scratch, count: rowBytes)
            var i = rowBytes - 1
            while i >= samples {
                row[i] = row[i] &- row[i - samples]
                i -= 1
            }
        }
    }
}
