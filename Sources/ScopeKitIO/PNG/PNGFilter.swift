/// The five PNG row filters (ISO/IEC 15948 section 9): prediction from the left (`a`), upper (`b`) and
/// upper-left (`c`) bytes, `stride` bytes apart.
enum PNGFilter: UInt8, CaseIterable, Sendable {
    case none = 0, sub = 1, up = 2, average = 3, paeth = 4

    /// The Paeth predictor of the specification: whichever of `a`, `b`, `c` is closest to `a + b − c`
    /// (ties in that order).
    @inline(__always)
    static func paeth(_ a: Int, _ b: Int, _ c: Int) -> Int {
        let pa = abs(b - c), pb = abs(a - c), pc = abs(a + b - 2 * c)
        return pa <= pb && pa <= pc ? a : (pb <= pc ? b : c)
    }

    /// Reverses this filter on one row in place.
    ///
    /// - Parameters:
    ///   - row: the filtered bytes, replaced by the raw bytes.
    ///   - previous: the previous raw row of the same pass (all zeros for the first row).
    ///   - count: bytes in the row; `stride`: bytes per complete pixel (≥ 1).
    /// - Complexity: O(count).
    static func unfilter(_ type: PNGFilter, row: UnsafeMutablePointer<UInt8>, previous: UnsafePointer<UInt8>,
                         count: Int, stride: Int) {
        let head = min(stride, count)
        switch type {
        case .none:
            break
        case .sub:
            var i = stride
            while i < count { row[i] &+= row[i - stride]; i += 1 }
        case .up:
            for i in 0..<count { row[i] &+= previous[i] }
        case .average:
            for i in 0..<head { row[i] &+= previous[i] >> 1 }
            var i = stride
            while i < count {
                row[i] &+= UInt8(truncatingIfNeeded: (Int(row[i - stride]) + Int(previous[i])) >> 1)
                i += 1
            }
        case .paeth:
            for i in 0..<head { row[i] &+= previous[i] }  // a = c = 0: the predictor is b
            var i = stride
            while i < count {
                let p = paeth(Int(row[i - stride]), Int(previous[i]), Int(previous[i - stride]))
                row[i] &+= UInt8(truncatingIfNeeded: p)
                i += 1
            }
        }
    }

    /// Applies this filter to `count` raw bytes of `row` (after the raw row `previous`, all zeros for the first
    /// row), writing `output`, and returns libpng's selection cost: the sum of the outputs read as signed bytes.
    ///
    /// - Complexity: O(count).
    @discardableResult
    static func filter(_ type: PNGFilter, row: UnsafePointer<UInt8>, previous: UnsafePointer<UInt8>,
                       count: Int, stride: Int, output: UnsafeMutablePointer<UInt8>) -> Int {
        let head = min(stride, count)
        switch type {
        case .none:
            for i in 0..<count { output[i] = row[i] }
        case .sub:
            for i in 0..<head { output[i] = row[i] }
            var i = stride
            while i < count { output[i] = row[i] &- row[i - stride]; i += 1 }
        case .up:
            for i in 0..<count { output[i] = row[i] &- previous[i] }
        case .average:
            for i in 0..<head { output[i] = row[i] &- previous[i] >> 1 }
            var i = stride
            while i < count {
                output[i] = row[i] &- UInt8(truncatingIfNeeded: (Int(row[i - stride]) + Int(previous[i])) >> 1)
                i += 1
            }
        case .paeth:
            for i in 0..<head { output[i] = row[i] &- previous[i] }
            var i = stride
            while i < count {
                let p = paeth(Int(row[i - stride]), Int(previous[i]), Int(previous[i - stride]))
                output[i] = row[i] &- UInt8(truncatingIfNeeded: p)
                i += 1
            }
        }
        var cost = 0
        for i in 0..<count {
            let v = Int(Int8(bitPattern: output[i]))
            cost &+= v < 0 ? -v : v
        }
        return cost
    }
}
