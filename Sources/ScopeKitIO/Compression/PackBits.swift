import ScopeKitCore

/// PackBits run-length coding (TIFF compression 32773, Apple MacPaint).
///
/// Each run starts with a signed header byte `n`: `0…127` copies the next `n + 1` bytes literally,
/// `-127…-1` repeats the next byte `1 - n` times, `-128` is a no-op.
///
/// ```swift
/// let packed = PackBits.encode(bytes)
/// let count = try PackBits.decode(packed, into: buffer)
/// ```
///
/// Follows the TIFF 6.0 specification, section 9 (the behaviour of libtiff's `tif_packbits.c`).
public enum PackBits {
    /// Decodes `input` into `output`, stopping when `output` is full or `input` ends.
    ///
    /// - Returns: the number of bytes written (at most `output.count`).
    /// - Throws: never for well-formed data; a run that would read past the input is truncated silently
    ///   (as libtiff does), so the caller decides whether a short result is an error.
    /// - Complexity: O(output.count + input.count).
    @inlinable
    public static func decode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) -> Int {
        let n = input.count
        let capacity = output.count
        guard let src = input.baseAddress?.assumingMemoryBound(to: UInt8.self),
              let dst = output.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return 0 }
        var i = 0
        var o = 0
        while i < n && o < capacity {
            let header = Int(Int8(bitPattern: src[i]))
            i += 1
            if header >= 0 {
                let count = min(header + 1, n - i, capacity - o)
                (dst + o).update(from: src + i, count: count)
                i += header + 1
                o += count
            } else if header != -128 {
                guard i < n else { break }
                let count = min(1 - header, capacity - o)
                (dst + o).update(repeating: src[i], count: count)
                i += 1
                o += count
            }
        }
        return o
    }

    /// Encodes `input` with PackBits (runs of 3 or more equal bytes become repeat runs).
    ///
    /// - Complexity: O(input.count); the output is at most `input.count + input.count / 128 + 1` bytes.
    public static func encode(_ input: UnsafeRawBufferPointer) -> [UInt8] {
        let bytes = input.bindMemory(to: UInt8.self)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 128 + 1)
        var i = 0
        let n = bytes.count
        while i < n {
            // Length of the run of equal bytes starting at i (at most 128).
            var run = 1
            while i + run < n && run < 128 && bytes[i + run] == bytes[i] { run += 1 }
            if run >= 3 {
                out.append(UInt8(bitPattern: Int8(1 - run)))
                out.append(bytes[i])
                i += run
                continue
            }
            // Literal run: up to 128 bytes, ending before the next run of 3 equal bytes.
            let start = i
            var count = 0
            while i < n && count < 128 {
                if i + 2 < n && bytes[i] == bytes[i + 1] && bytes[i] == bytes[i + 2] { break }
                i += 1
                count += 1
            }
            out.append(UInt8(count - 1))
            out.append(contentsOf: bytes[start..<start + count])
        }
        return out
    }
}
