import ScopeKitCore

/// TIFF LZW compression (compression 5): variable-width codes of 9 to 12 bits, MSB first, with the
/// "early change" of code width that the TIFF 6.0 specification prescribes.
///
/// The decoder also accepts the pre-TIFF-6.0 "old-style" variant (codes packed LSB first, no early change),
/// detected from the first two bytes as libtiff does, and tolerates a missing end-of-information code.
///
/// ```swift
/// let packed = LZW.encode(bytes)
/// let n = try LZW.decode(packed, into: buffer)   // n == bytes.count
/// ```
///
/// Follows the TIFF 6.0 specification, section 13, and libtiff's `tif_lzw.c` for the old-style codes.
public enum LZW {
    static let clearCode = 256
    static let endCode = 257

    /// Decodes `input` into `output`, stopping at the end code, at the end of the input or when `output` is full.
    ///
    /// - Returns: the number of bytes written.
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` for a code that is not yet defined (corrupt data).
    /// - Complexity: O(output.count + input.count).
    public static func decode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = input.count
        guard n > 0, let src = input.baseAddress?.assumingMemoryBound(to: UInt8.self),
              let dst = output.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return 0 }
        let oldStyle = n >= 2 && src[0] == 0 && (src[1] & 1) != 0
        let capacity = output.count
        // Each defined code's string is a run of earlier output: (start, length). Codes < 256 are single bytes.
        var starts = [Int](repeating: 0, count: 4096)
        var lengths = [Int](repeating: 0, count: 4096)
        return try starts.withUnsafeMutableBufferPointer { starts in
            try lengths.withUnsafeMutableBufferPointer { lengths in
                var bitBuffer: UInt64 = 0
                var bitCount = 0
                var position = 0
                var width = 9
                var next = 258
                var previousStart = -1
                var previousLength = 0
                var o = 0
                while o < capacity {
                    while bitCount <= 56 && position < n {
                        if oldStyle {
                            bitBuffer |= UInt64(src[position]) << UInt64(bitCount)
                        } else {
                            bitBuffer = (bitBuffer << 8) | UInt64(src[position])
                        }
                        bitCount += 8
                        position += 1
                    }
                    if bitCount < width { break }  // the input ended without an end code
                    let mask = (UInt64(1) << UInt64(width)) - 1
                    let code: Int
                    if oldStyle {
                        code = Int(bitBuffer & mask)
                        bitBuffer >>= UInt64(width)
                    } else {
                        code = Int((bitBuffer >> UInt64(bitCount - width)) & mask)
                    }
                    bitCount -= width
                    if code == clearCode {
                        width = 9
                        next = 258
                        previousStart = -1
                        continue
                    }
                    if code == endCode { break }
                    let start = o
                    let length: Int
                    if code < 256 {
                        dst[o] = UInt8(truncatingIfNeeded: code)
                        o += 1
                        length = 1
                    } else if code < next {
                        let s = starts[code]
                        length = lengths[code]
                        let count = min(length, capacity - o)
                        for k in 0..<count { dst[o + k] = dst[s + k] }
                        o += count
                    } else if code == next && previousStart >= 0 {
                        // KwKwK: the previous string followed by its own first byte.
                        length = previousLength + 1
                        let count = min(length, capacity - o)
                        for k in 0..<count { dst[o + k] = dst[previousStart + k] }
                        o += count
                    } else {
                        throw ScopeKitError.badInput("corrupt LZW data: code \(code) used before it is defined")
                    }
                    if previousStart >= 0 && next < 4096 {
                        // previous string + first byte of this one: adjacent in the output.
                        starts[next] = previousStart
                        lengths[next] = previousLength + 1
                        next += 1
                        let limit = oldStyle ? (1 << width) : (1 << width) - 1
                        if next >= limit && width < 12 { width += 1 }
                    }
                    previousStart = start
                    previousLength = length
                }
                return o
            }
        }
    }

    /// Encodes `input` with TIFF LZW (MSB-first codes, early change), ending with the end code.
    ///
    /// - Complexity: O(input.count) expected (hash table of code prefixes).
    public static func encode(_ input: UnsafeRawBufferPointer) -> [UInt8] {
        let bytes = input.bindMemory(to: UInt8.self)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count / 2 + 16)
        var bitBuffer: UInt64 = 0
        var bitCount = 0
        var width = 9
        func emit(_ code: Int) {
            bitBuffer = (bitBuffer << UInt64(width)) | UInt64(code)
            bitCount += width
            while bitCount >= 8 {
                out.append(UInt8(truncatingIfNeeded: bitBuffer >> UInt64(bitCount - 8)))
                bitCount -= 8
            }
        }
        var table: [Int: Int] = [:]  // (prefix << 8 | byte) -> code
        var next = 258
        emit(clearCode)
        guard !bytes.isEmpty else {
            emit(endCode)
            if bitCount > 0 { out.append(UInt8(truncatingIfNeeded: bitBuffer << UInt64(8 - bitCount))) }
            return out
        }
        var prefix = Int(bytes[0])
        for i in 1..<bytes.count {
            let b = Int(bytes[i])
            let key = prefix << 8 | b
            if let code = table[key] {
                prefix = code
                continue
            }
            emit(prefix)
            table[key] = next
            next += 1
            if next == (1 << width) && width < 12 { width += 1 }
            if next == 4093 {
                emit(clearCode)
                table.removeAll(keepingCapacity: true)
                next = 258
                width = 9
            }
            prefix = b
        }
        emit(prefix)
        // The decoder adds an entry after this code too, and may widen before reading the end code.
        next += 1
        if next == (1 << width) && width < 12 { width += 1 }
        emit(endCode)
        if bitCount > 0 { out.append(UInt8(truncatingIfNeeded: bitBuffer << UInt64(8 - bitCount))) }
        return out
    }
}
