import ScopeKitCore

/// Exact percentiles by selection, for the intensity windows (a private helper: the Statistics module owns the
/// public percentile API).
///
/// Matches `numpy.percentile(a, q)` with the default `method='linear'`: the rank is `q/100 · (n − 1)` and the
/// two neighbouring order statistics are interpolated with numpy's `_lerp`.
enum Quantiles {
    /// The finite values of `array` as `Double`s (NaN and ±∞ dropped), in C order.
    static func finiteValues<T: ArrayElement>(_ array: NDArray<T>, transform: (Double) -> Double = { $0 }) -> [Double] {
        array.withUnsafeBufferPointer { src in
            [Double](unsafeUninitializedCapacity: src.count) { out, count in
                var n = 0
                for x in src {
                    let v = transform(x.doubleValue)
                    out[n] = v
                    n &+= v.isFinite ? 1 : 0
                }
                count = n
            }
        }
    }

    /// Percentiles `qs` (each in 0…100) of `values` (reordered in place; must be non-empty and NaN-free).
    ///
    /// - Complexity: O(n) expected per distinct rank (introselect: quickselect that sorts when it recurses too
    ///   deep, so the worst case is O(n log n)).
    static func percentiles(_ values: inout [Double], _ qs: [Double]) -> [Double] {
        let n = values.count
        precondition(n > 0, "Quantiles: no values")
        return values.withUnsafeMutableBufferPointer { a in
            // Select in ascending rank order so each selection only searches above the previous one.
            let order = qs.indices.sorted { qs[$0] < qs[$1] }
            var result = [Double](repeating: 0, count: qs.count)
            var floorStart = 0
            for i in order {
                let virtual = (qs[i] / 100) * Double(n - 1)
                let k = Swift.min(Swift.max(Int(virtual.rounded(.down)), 0), n - 1)
                let t = virtual - Double(k)
                if k >= floorStart { select(a, k, from: floorStart, to: n - 1) }
                floorStart = Swift.max(floorStart, k)
                let lower = a[k]
                var upper = lower
                if k + 1 < n && t > 0 {
                    upper = a[k + 1]
                    for j in (k + 2)..<Swift.max(k + 2, n) where a[j] < upper { upper = a[j] }
                }
                result[i] = lerp(lower, upper, t)
            }
            return result
        }
    }

    /// numpy's `_lerp`: `b − (b − a)(1 − t)` for t ≥ 0.5, else `a + (b − a)t`.
    @inline(__always)
    static func lerp(_ a: Double, _ b: Double, _ t: Double) -> Double {
        let d = b - a
        return t >= 0.5 ? b - d * (1 - t) : a + d * t
    }

    /// Rearranges `a[lo...hi]` so that `a[k]` holds the value it would have if that range were sorted, with
    /// no larger value before it and no smaller value after it (Wirth's selection, median-of-three pivot).
    static func select(_ a: UnsafeMutableBufferPointer<Double>, _ k: Int, from lo: Int, to hi: Int) {
        var l = lo, m = hi
        var budget = 2 * (Int.bitWidth - (hi - lo + 1).leadingZeroBitCount) + 8
        while l < m {
            if budget == 0 {
                // Pathological input: finish with a sort of the remaining range.
                var rest = UnsafeMutableBufferPointer(rebasing: a[l...m])
                rest.sort()
                return
            }
            budget -= 1
            let x = medianOfThree(a[l], a[l + (m - l) / 2], a[m])
            var i = l, j = m
            repeat {
                while a[i] < x { i += 1 }
                while x < a[j] { j -= 1 }
                if i <= j {
                    a.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            } while i <= j
            if j < k { l = i }
            if k < i { m = j }
        }
    }

    @inline(__always)
    private static func medianOfThree(_ a: Double, _ b: Double, _ c: Double) -> Double {
        Swift.max(Swift.min(a, b), Swift.min(Swift.max(a, b), c))
    }
}
