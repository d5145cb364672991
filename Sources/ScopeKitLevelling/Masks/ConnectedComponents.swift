import ScopeKitCore

// Connected components of binary images as runs of equal pixels (scipy.ndimage.label numbering; what
// scikit-image's remove_small_objects / remove_small_holes and NanoLocz's level_weighted regions need).

/// The 4- or 8-connected components of the pixels equal to `value` in a packed binary image, as runs.
///
/// A run is a maximal stretch `start ..< end` of such pixels in one row; runs are kept in raster order (row by
/// row, left to right). Runs touching a run of the row above (sharing a column, or a corner when 8-connected)
/// are joined by union–find, each set rooted at its earliest run, so components are numbered `0, 1, …` in
/// raster order of their first pixel — the order scipy `ndimage.label` numbers them in (its label = index + 1).
///
/// ```swift
/// let bits = _PackedRows(rows: rows, cols: cols)
/// bits.pack(mask, invert: false)
/// let parts = _RunComponents(bits, value: true, eight: true)
/// for k in 0..<parts.runCount where parts.sizes[Int(parts.component[k])] < 10 { … }
/// ```
///
/// - Complexity: O(rows × words + runs): runs are found 64 pixels at a time (trailing-zero counts), so the
///   cost follows the number of runs, not of pixels.
struct _RunComponents {
    /// Runs of row `r`: `rowStart[r] ..< rowStart[r + 1]`.
    var rowStart: [Int32]
    /// Each run's first column and one past its last column.
    var start: [Int32], end: [Int32]
    /// Each run's component, numbered in raster order of the component's first pixel.
    var component: [Int32]
    /// Each component's pixel count.
    var sizes: [Int]

    /// The number of runs.
    var runCount: Int { start.count }
    /// The number of components.
    var count: Int { sizes.count }

    /// The components of the `value` pixels of `bits`.
    ///
    /// - Parameters:
    ///   - bits: the image (bits past the last column clear).
    ///   - value: which pixels form the components (false: the background, e.g. holes).
    ///   - eight: 8-connected (else 4-connected).
    init(_ bits: _PackedRows, value: Bool, eight: Bool) {
        let rows = bits.rows, cols = bits.cols, words = bits.words
        rowStart = [Int32](repeating: 0, count: rows + 1)
        start = []
        end = []
        start.reserveCapacity(4 * rows)
        end.reserveCapacity(4 * rows)
        // runs, row by row: the next pixel equal to `value` from c, then the next one that differs
        for r in 0..<rows {
            let row = bits.bits + r * words
            @inline(__always) func next(_ from: Int, _ set: Bool) -> Int {
                var w = from >> 6
                guard w < words else { return cols }
                var x = (set ? row[w] : ~row[w]) & (~UInt64(0) << UInt64(from & 63))
                while x == 0 {
                    w += 1
                    guard w < words else { return cols }
                    x = set ? row[w] : ~row[w]
                }
                return Swift.min(w * 64 + x.trailingZeroBitCount, cols)   // ~row sets the clear tail bits
            }
            var c = 0
            while c < cols {
                let s = next(c, value)
                guard s < cols else { break }
                let e = next(s, !value)
                start.append(Int32(s))
                end.append(Int32(e))
                c = e
            }
            rowStart[r + 1] = Int32(start.count)
        }
        let runs = start.count
        var parent = [Int32](unsafeUninitializedCapacity: runs) { b, n in
            for k in 0..<runs { b[k] = Int32(k) }
            n = runs
        }
        component = [Int32](repeating: 0, count: runs)
        sizes = []
        let reach: Int32 = eight ? 1 : 0
        start.withUnsafeBufferPointer { sp in
        end.withUnsafeBufferPointer { ep in
        parent.withUnsafeMutableBufferPointer { pp in
            let runStart = sp.baseAddress!, runEnd = ep.baseAddress!, parent = pp.baseAddress!
            @inline(__always) func root(_ x: Int32) -> Int32 {
                var x = x
                while parent[Int(x)] != x { parent[Int(x)] = parent[Int(parent[Int(x)])]; x = parent[Int(x)] }
                return x
            }
            for r in 1..<Swift.max(rows, 1) {
                let above = Int(rowStart[r - 1]), first = Int(rowStart[r]), last = Int(rowStart[r + 1])
                var j = above
                for k in first..<last {
                    let s = runStart[k], e = runEnd[k]
                    // runs above touching [s, e): start < e + reach and end > s − reach
                    while j < first && runEnd[j] + reach <= s { j += 1 }
                    var q = j
                    while q < first && runStart[q] < e + reach {
                        let x = root(Int32(q)), y = root(Int32(k))
                        if x < y { parent[Int(y)] = x } else if y < x { parent[Int(x)] = y }
                        q += 1
                    }
                    if q > j { j = q - 1 }   // the last touching run may touch the next run too
                }
            }
            component.withUnsafeMutableBufferPointer { cp in
                for k in 0..<runs {
                    let x = Int(root(Int32(k)))
                    let label: Int32
                    if x == k { label = Int32(sizes.count); sizes.append(0) } else { label = cp[x] }
                    cp[k] = label
                    sizes[Int(label)] += Int(runEnd[k] - runStart[k])
                }
            }
        } } }
    }

    /// Calls `body(run, row, start, end)` for every run in `rows` (default: all), in raster order.
    @inline(__always)
    func forEachRun(rows: Range<Int>? = nil, _ body: (_ run: Int, _ row: Int, _ start: Int, _ end: Int) -> Void) {
        for r in rows ?? 0..<(rowStart.count - 1) {
            for k in Int(rowStart[r])..<Int(rowStart[r + 1]) { body(k, r, Int(start[k]), Int(end[k])) }
        }
    }
}

extension _PackedRows {
    /// Sets (or clears) columns `s ..< e` of row `r`.
    ///
    /// - Complexity: O((e − s) / 64 + 1).
    func fill(row r: Int, _ s: Int, _ e: Int, to value: Bool) {
        guard s < e else { return }
        let p = bits + r * words
        var c = s
        while c < e {
            let w = c >> 6, lo = c & 63, hi = Swift.min(64, e - w * 64)
            let m = (hi == 64 ? ~UInt64(0) : (UInt64(1) << UInt64(hi)) - 1) & (~UInt64(0) << UInt64(lo))
            if value { p[w] |= m } else { p[w] &= ~m }
            c = w * 64 + hi
        }
    }

    /// Components of `value` pixels with at most `maximumSize` pixels become `!value` (scikit-image
    /// `remove_small_objects` for `value == true`, `remove_small_holes` for false, inclusive `max_size`).
    ///
    /// - Complexity: O(rows × words + runs).
    func removeSmall(value: Bool, maximumSize: Int, eight: Bool) {
        let parts = _RunComponents(self, value: value, eight: eight)
        guard parts.sizes.contains(where: { $0 <= maximumSize }) else { return }
        parts.forEachRun { k, r, s, e in
            if parts.sizes[Int(parts.component[k])] <= maximumSize { fill(row: r, s, e, to: !value) }
        }
    }
}
