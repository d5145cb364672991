import ScopeKitCore

/// The images of a fit at the working size, `[T, P]` float32 with P = rows × columns, plus their statistics.
final class WorkingStack: @unchecked Sendable {
    let frames: Int
    let rows: Int
    let columns: Int
    var pixels: Int { rows * columns }
    let data: FloatBuffer

    init(frames: Int, rows: Int, columns: Int) {
        self.frames = frames
        self.rows = rows
        self.columns = columns
        data = FloatBuffer(count: frames * rows * columns)
    }

    /// A copy (the sorted stack and the unsorted one are both kept when sorting).
    func copy() -> WorkingStack {
        let c = WorkingStack(frames: frames, rows: rows, columns: columns)
        c.data.pointer.update(from: data.pointer, count: data.count)
        return c
    }

    /// ‖Im‖_F, min(Im), whether all values are zero.
    func summary(workers: Int) -> (norm: Double, minimum: Double, maximum: Double) {
        let blocks = PixelBlocks(pixels: data.count, workers: workers)
        var part = [Double](repeating: 0, count: blocks.count * 3)
        let p = UncheckedSendable(data.pointer)
        part.withUnsafeMutableBufferPointer { part in
            let out = UncheckedSendable(part.baseAddress!)
            blocks.run { b in
                var s = 0.0, lo = Double.infinity, hi = -Double.infinity
                for i in blocks.range(b) {
                    let v = Double(p.value[i])
                    s += v * v
                    lo = Swift.min(lo, v)
                    hi = Swift.max(hi, v)
                }
                out.value[3 * b] = s; out.value[3 * b + 1] = lo; out.value[3 * b + 2] = hi
            }
        }
        var s = 0.0, lo = Double.infinity, hi = -Double.infinity
        for b in 0..<blocks.count {
            s += part[3 * b]; lo = Swift.min(lo, part[3 * b + 1]); hi = Swift.max(hi, part[3 * b + 2])
        }
        return (s.squareRoot(), lo, hi)
    }

    /// The largest singular value of the `[T, P]` matrix (BaSiCPy `svd(Im).S[0]`), by power iteration on
    /// `A·Aᵀ` (one pass over the stack per iteration; the leading value of image stacks is well separated).
    func spectralNorm(workers: Int) -> Double {
        let t = frames, n = pixels
        let blocks = PixelBlocks(pixels: n, workers: workers)
        var v = [Double](repeating: 1 / Double(t).squareRoot(), count: t)
        var partial = [Double](repeating: 0, count: blocks.count * t)
        var previous = 0.0
        let im = UncheckedSendable(data.pointer)
        for _ in 0..<500 {
            let vf = v.map { Float($0) }
            partial.withUnsafeMutableBufferPointer { part in
                let out = UncheckedSendable(part.baseAddress!)
                vf.withUnsafeBufferPointer { vp in
                    let vv = UncheckedSendable(vp.baseAddress!)
                    blocks.run { b in
                        let r = blocks.range(b)
                        var u = [Double](repeating: 0, count: r.count)
                        for f in 0..<t {
                            let row = im.value + f * n
                            let c = Double(vv.value[f])
                            for (k, x) in r.enumerated() { u[k] += c * Double(row[x]) }
                        }
                        for f in 0..<t {
                            let row = im.value + f * n
                            var s = 0.0
                            for (k, x) in r.enumerated() { s += u[k] * Double(row[x]) }
                            out.value[b * t + f] = s
                        }
                    }
                }
            }
            var w = [Double](repeating: 0, count: t)
            for b in 0..<blocks.count { for f in 0..<t { w[f] += partial[b * t + f] } }
            let norm = w.reduce(0) { $0 + $1 * $1 }.squareRoot()
            guard norm > 0 else { return 0 }
            v = w.map { $0 / norm }
            if abs(norm - previous) <= 1e-12 * norm { previous = norm; break }
            previous = norm
        }
        return previous.squareRoot()
    }

    /// Per-pixel median over the images (`jnp.median(Im, axis=0)`: mean of the middle two for even T).
    func pixelMedian(workers: Int) -> [Double] {
        let t = frames, n = pixels
        var out = [Double](repeating: 0, count: n)
        let blocks = PixelBlocks(pixels: n, workers: workers)
        let im = UncheckedSendable(data.pointer)
        out.withUnsafeMutableBufferPointer { o in
            let op = UncheckedSendable(o.baseAddress!)
            blocks.run { b in
                var column = [Float](repeating: 0, count: t)
                for x in blocks.range(b) {
                    for f in 0..<t { column[f] = im.value[f * n + x] }
                    column.sort()
                    op.value[x] = t % 2 == 1 ? Double(column[t / 2])
                        : (Double(column[t / 2 - 1]) + Double(column[t / 2])) / 2
                }
            }
        }
        return out
    }

    /// Sorts every pixel's values over the images (stable), applying the same permutation to `weights`.
    func sortPixels(weights: FloatBuffer?, workers: Int) {
        let t = frames, n = pixels
        let blocks = PixelBlocks(pixels: n, workers: workers)
        let im = UncheckedSendable(data.pointer)
        let wp = UncheckedSendable(weights?.pointer)
        blocks.run { b in
            var pairs = [(Float, Float, Int)](repeating: (0, 0, 0), count: t)
            for x in blocks.range(b) {
                for f in 0..<t { pairs[f] = (im.value[f * n + x], wp.value?[f * n + x] ?? 1, f) }
                pairs.sort { $0.0 < $1.0 || ($0.0 == $1.0 && $0.2 < $1.2) }
                for f in 0..<t {
                    im.value[f * n + x] = pairs[f].0
                    wp.value?[f * n + x] = pairs[f].1
                }
            }
        }
    }

    /// BaSiCPy's `autosegment=True`: pixels below the Otsu threshold of the whole stack, eroded per image by a
    /// disk of radius `margin` (its `ball(margin)` on a one-plane volume) with the outside counted as set.
    func autosegmentMask(margin: Int) throws -> [Bool] {
        let t = frames, n = pixels
        let stack = NDArray<Float>(UnsafeBufferPointer(start: data.pointer, count: data.count),
                                   shape: [t, rows, columns])
        let threshold = try stack.otsuThreshold()
        var mask = [Bool](repeating: false, count: t * n)
        for i in 0..<(t * n) { mask[i] = Double(data.pointer[i]) < threshold }
        guard margin > 0 else { return mask }
        let halfWidths = (0...margin).map { dy in Int(Double(margin * margin - dy * dy).squareRoot()) }
        var eroded = [Bool](repeating: false, count: t * n)
        var falseCount = [Int](repeating: 0, count: rows * (columns + 1))
        for f in 0..<t {
            // Per-row prefix counts of unset pixels.
            for r in 0..<rows {
                var c0 = 0
                falseCount[r * (columns + 1)] = 0
                for c in 0..<columns {
                    if !mask[f * n + r * columns + c] { c0 += 1 }
                    falseCount[r * (columns + 1) + c + 1] = c0
                }
            }
            for r in 0..<rows {
                for c in 0..<columns {
                    var keep = true
                    for dy in -margin...margin where keep {
                        let rr = r + dy
                        if rr < 0 || rr >= rows { continue }
                        let hw = halfWidths[abs(dy)]
                        let lo = Swift.max(0, c - hw), hi = Swift.min(columns - 1, c + hw)
                        if falseCount[rr * (columns + 1) + hi + 1] - falseCount[rr * (columns + 1) + lo] > 0 {
                            keep = false
                        }
                    }
                    eroded[f * n + r * columns + c] = keep
                }
            }
        }
        return eroded
    }
}
