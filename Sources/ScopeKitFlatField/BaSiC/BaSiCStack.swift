import ScopeKitCore
import ScopeKitFlatFieldAVX2
import ScopeKitFlatFieldKernels

/// The images of a fit at the working size, `[T, P]` float32 with P = depth × rows × columns (depth Z = 1
/// for 2-D images, the z-planes of (T, Z, Y, X) stacks otherwise), plus their statistics.
final class WorkingStack: @unchecked Sendable {
    let frames: Int
    let depth: Int
    let rows: Int
    let columns: Int
    var pixels: Int { depth * rows * columns }
    let data: FloatBuffer

    init(frames: Int, depth: Int = 1, rows: Int, columns: Int) {
        self.frames = frames
        self.depth = depth
        self.rows = rows
        self.columns = columns
        data = FloatBuffer(count: frames * depth * rows * columns, zeroed: false)
    }

    /// A copy (the sorted stack and the unsorted one are both kept when sorting).
    func copy() -> WorkingStack {
        let c = WorkingStack(frames: frames, depth: depth, rows: rows, columns: columns)
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
        let im = UncheckedSendable(UnsafePointer(data.pointer))
        let avx2 = CPUFeatures.level == .avx2
        for _ in 0..<500 {
            let vf = v.map { Float($0) }
            partial.withUnsafeMutableBufferPointer { part in
                let out = UncheckedSendable(part.baseAddress!)
                vf.withUnsafeBufferPointer { vp in
                    let vv = UncheckedSendable(vp.baseAddress!)
                    blocks.run { b in
                        let u = UnsafeMutablePointer<Double>.allocate(capacity: spectralSubBlock)
                        let acc = UnsafeMutablePointer<SIMD4<Double>>.allocate(capacity: t)
                        defer { u.deallocate(); acc.deallocate() }
                        // u = Aᵀv and (A u)_f on this block, in L2-sized pieces (the same sums as one pass).
                        if avx2 {
                            spectralBlockProductsAVX2(im.value, frames: t, pixels: n, range: blocks.range(b),
                                                      v: vv.value, u: u, acc: acc, into: out.value + b * t)
                        } else {
                            spectralBlockProducts(im.value, frames: t, pixels: n, range: blocks.range(b),
                                                  v: vv.value, u: u, acc: acc, into: out.value + b * t)
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
    ///
    /// Eight neighbouring pixels at a time by `medianKeys8` (ScopeKitFlatFieldKernels; an exact radix selection, no
    /// data-dependent branches, with an AVX2 instantiation); a last group of fewer than eight pixels by quickselect. Either way the middle values are the
    /// stack's own floats (−0 counted as +0), so the result does not depend on the method or the thread count.
    ///
    /// - Complexity: O(33 · T · P) comparisons (eight lanes at a time).
    func pixelMedian(workers: Int) -> [Double] {
        let t = frames, n = pixels
        var out = [Double](repeating: 0, count: n)
        let blocks = PixelBlocks(pixels: n, workers: workers)
        let im = UncheckedSendable(UnsafePointer(data.pointer))
        let avx2 = CPUFeatures.level == .avx2
        out.withUnsafeMutableBufferPointer { o in
            let op = UncheckedSendable(o.baseAddress!)
            blocks.run { b in
                let r = blocks.range(b)
                var x0 = r.lowerBound
                let keys = UnsafeMutablePointer<SIMD8<Int32>>.allocate(capacity: t)
                defer { keys.deallocate() }
                while x0 + 8 <= r.upperBound {
                    let (lower, upper) = avx2
                        ? medianGroup8AVX2(im.value, frames: t, pixels: n, at: x0, keys: keys)
                        : medianGroup8(im.value, frames: t, pixels: n, at: x0, keys: keys)
                    for j in 0..<8 {
                        op.value[x0 + j] = t % 2 == 1 ? Double(upper[j]) : (Double(lower[j]) + Double(upper[j])) / 2
                    }
                    x0 += 8
                }
                guard x0 < r.upperBound else { return }
                var column = [Float](repeating: 0, count: t)
                column.withUnsafeMutableBufferPointer { c in
                    for x in x0..<r.upperBound {
                        for f in 0..<t { c[f] = im.value[f * n + x] + 0 }
                        let upper = select(c, t / 2)
                        if t % 2 == 1 {
                            op.value[x] = Double(upper)
                        } else {
                            // The lower middle value is the largest of the elements left of position t/2.
                            var lower = c[0]
                            for f in 1..<(t / 2) { lower = Swift.max(lower, c[f]) }
                            op.value[x] = (Double(lower) + Double(upper)) / 2
                        }
                    }
                }
            }
        }
        return out
    }

    /// The k-th smallest value (0-based) of `a` by quickselect; afterwards a[..<k] ≤ a[k] ≤ a[(k+1)...].
    /// (Values are finite: the working stack is checked for NaN.)
    func select(_ a: UnsafeMutableBufferPointer<Float>, _ k: Int) -> Float {
        var lo = 0, hi = a.count - 1
        while lo < hi {
            // Median of three as the pivot.
            let mid = lo + (hi - lo) / 2
            if a[mid] < a[lo] { a.swapAt(mid, lo) }
            if a[hi] < a[lo] { a.swapAt(hi, lo) }
            if a[hi] < a[mid] { a.swapAt(hi, mid) }
            let pivot = a[mid]
            var i = lo, j = hi
            while i <= j {
                while a[i] < pivot { i += 1 }
                while a[j] > pivot { j -= 1 }
                if i <= j { a.swapAt(i, j); i += 1; j -= 1 }
            }
            if k <= j { hi = j } else if k >= i { lo = i } else { return a[k] }
        }
        return a[k]
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
    /// ball of radius `margin` (scikit-image `ball(margin)`: offsets with dz² + dy² + dx² ≤ margin²) with the
    /// outside counted as set; for 2-D images (one plane) only the dz = 0 disk matters.
    func autosegmentMask(margin: Int) throws -> [Bool] {
        let t = frames, n = pixels, plane = rows * columns
        let stack = NDArray<Float>(UnsafeBufferPointer(start: data.pointer, count: data.count),
                                   shape: [t, n])
        let threshold = try stack.otsuThreshold()
        var mask = [Bool](repeating: false, count: t * n)
        for i in 0..<(t * n) { mask[i] = Double(data.pointer[i]) < threshold }
        guard margin > 0 else { return mask }
        // Half-widths along x of the ball's rows at offsets (dz, dy); −1 where the row is empty.
        let m2 = margin * margin
        func halfWidth(_ dz: Int, _ dy: Int) -> Int {
            let r = m2 - dz * dz - dy * dy
            return r < 0 ? -1 : Int(Double(r).squareRoot())
        }
        var eroded = [Bool](repeating: false, count: t * n)
        let width = columns + 1
        var falseCount = [Int](repeating: 0, count: depth * rows * width)
        for f in 0..<t {
            // Per-row prefix counts of unset pixels.
            for z in 0..<depth {
                for r in 0..<rows {
                    var c0 = 0
                    let row = (z * rows + r) * width
                    falseCount[row] = 0
                    for c in 0..<columns {
                        if !mask[f * n + z * plane + r * columns + c] { c0 += 1 }
                        falseCount[row + c + 1] = c0
                    }
                }
            }
            for z in 0..<depth {
                for r in 0..<rows {
                    for c in 0..<columns {
                        var keep = true
                        for dz in -margin...margin where keep {
                            let zz = z + dz
                            if zz < 0 || zz >= depth { continue }
                            for dy in -margin...margin where keep {
                                let rr = r + dy
                                if rr < 0 || rr >= rows { continue }
                                let hw = halfWidth(dz, dy)
                                if hw < 0 { continue }
                                let lo = Swift.max(0, c - hw), hi = Swift.min(columns - 1, c + hw)
                                let row = (zz * rows + rr) * width
                                if falseCount[row + hi + 1] - falseCount[row + lo] > 0 { keep = false }
                            }
                        }
                        eroded[f * n + z * plane + r * columns + c] = keep
                    }
                }
            }
        }
        return eroded
    }
}
