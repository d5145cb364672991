import ScopeKitCore

/// Exact percentiles by selection, for the intensity windows (a private helper: the Statistics module owns the
/// public percentile API).
///
/// Matches `numpy.percentile(a, q)` with the default `method='linear'`: the rank is `q/100 · (n − 1)` and the
/// two neighbouring order statistics are interpolated with numpy's `_lerp`.
enum Quantiles {
    /// Percentiles `qs` (each in 0…100) of the finite values of `transform(x)` over `array`, or `nil` when
    /// there is none. Matches `numpy.nanpercentile` (method 'linear').
    ///
    /// Exact histogram selection without copying the data: one pass for the range, one for a 65 536-bin
    /// histogram (bin assignment is monotone in the value, so the bins partition the sorted order), then the
    /// values of the few bins holding the wanted ranks are gathered and selected exactly.
    ///
    /// - Complexity: O(n) time; O(bins + values in the wanted bins) memory (all values in the worst case of a
    ///   very concentrated distribution).
    static func percentiles<T: ArrayElement>(of array: NDArray<T>, _ qs: [Double],
                                             transform: (Double) -> Double = { $0 }) -> [Double]? {
        array.withUnsafeBufferPointer { src -> [Double]? in
            // Pass 1: count and range of the finite values.
            var n = 0
            var lo = Double.infinity, hi = -Double.infinity
            for x in src {
                let v = transform(x.doubleValue)
                if v.isFinite {
                    n += 1
                    if v < lo { lo = v }
                    if v > hi { hi = v }
                }
            }
            guard n > 0 else { return nil }
            if lo == hi { return qs.map { _ in lo } }
            // The order statistics needed: ranks k and k + 1 of every percentile.
            var ranks: [Int] = []
            for q in qs {
                let k = Swift.min(Swift.max(Int(((q / 100) * Double(n - 1)).rounded(.down)), 0), n - 1)
                ranks.append(k)
                ranks.append(Swift.min(k + 1, n - 1))
            }
            // Pass 2: histogram.
            let bins = 1 << 16
            let scale = Double(bins) / (hi - lo)
            var counts = [Int](repeating: 0, count: bins)
            counts.withUnsafeMutableBufferPointer { c in
                for x in src {
                    let v = transform(x.doubleValue)
                    if v.isFinite { c[Swift.min(Int((v - lo) * scale), bins - 1)] += 1 }
                }
            }
            // The bin of each rank and the rank inside that bin.
            var cumulative = [Int](repeating: 0, count: bins + 1)
            for b in 0..<bins { cumulative[b + 1] = cumulative[b] + counts[b] }
            var binOfRank: [Int] = []
            for k in ranks {
                var a = 0, b = bins - 1             // largest bin with cumulative[bin] <= k
                while a < b {
                    let m = (a + b + 1) / 2
                    if cumulative[m] <= k { a = m } else { b = m - 1 }
                }
                binOfRank.append(a)
            }
            // Pass 3: gather the wanted bins and select inside them.
            let wanted = Array(Set(binOfRank)).sorted()
            var slot = [Int](repeating: -1, count: bins)
            for (i, b) in wanted.enumerated() { slot[b] = i }
            var gathered = wanted.map { b -> [Double] in
                var g: [Double] = []
                g.reserveCapacity(counts[b])
                return g
            }
            for x in src {
                let v = transform(x.doubleValue)
                if v.isFinite {
                    let i = slot[Swift.min(Int((v - lo) * scale), bins - 1)]
                    if i >= 0 { gathered[i].append(v) }
                }
            }
            var statistic: [Double] = []
            for (k, b) in zip(ranks, binOfRank) {
                let i = slot[b], r = k - cumulative[b]
                gathered[i].withUnsafeMutableBufferPointer { select($0, r, from: 0, to: $0.count - 1) }
                statistic.append(gathered[i][r])
            }
            return qs.indices.map { j in
                let virtual = (qs[j] / 100) * Double(n - 1)
                let t = virtual - virtual.rounded(.down)
                return t > 0 ? lerp(statistic[2 * j], statistic[2 * j + 1], t) : statistic[2 * j]
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
