/// Piecewise-linear helpers of the inference: the position LUT and the similarity curve f on 0…R.
enum Curve {
    /// Makes `f[0...]` non-increasing in place (cumulative minimum) and NaN after its first NaN; returns the
    /// last finite index.
    @inlinable
    static func makeMonotone(_ f: UnsafeMutablePointer<Double>, count: Int) -> Int {
        var last = 0
        var k = 1
        while k < count {
            if f[k].isNaN {
                for j in k..<count { f[j] = .nan }
                break
            }
            if f[k] > f[k - 1] { f[k] = f[k - 1] }
            last = k
            k += 1
        }
        return last
    }

    /// The last index before the first NaN of `f` (0 when f[1] is NaN).
    @inlinable
    static func lastFinite(_ f: UnsafePointer<Double>, count: Int) -> Int {
        var k = 1
        while k < count && !f[k].isNaN { k += 1 }
        return k - 1
    }

    /// f at distance `d ≥ 0` by linear interpolation; NaN beyond the finite prefix `0...last`.
    @inlinable
    static func value(_ f: UnsafePointer<Double>, last: Int, at d: Double) -> Double {
        if !(d <= Double(last)) { return .nan }
        let a = Int(d)
        if a >= last { return f[last] }
        let fr = d - Double(a)
        return f[a] + fr * (f[a + 1] - f[a])
    }

    /// The distance where a non-increasing f reaches `m`; NaN when m is outside [f[last], f[0]].
    ///
    /// Finds the largest i in 0..<last with f[i] ≥ m (binary search) and interpolates on [i, i+1]; a flat
    /// segment returns its start.
    @inlinable
    static func inverse(_ f: UnsafePointer<Double>, last: Int, of m: Double) -> Double {
        guard last >= 1, m <= f[0], m >= f[last] else { return .nan }
        var lo = 0, hi = last - 1          // invariant: f[lo] ≥ m; answer in lo...hi
        while lo < hi {
            let mid = (lo + hi + 1) >> 1
            if f[mid] >= m { lo = mid } else { hi = mid - 1 }
        }
        let den = f[lo] - f[lo + 1]
        return den > 0 ? Double(lo) + (f[lo] - m) / den : Double(lo)
    }

    /// Fiji's inverse (compat): binary search on the raw curve as `AbstractLUTRealTransform.applyInverse`
    /// does on −f, assuming monotonicity; may return any value (or NaN) for a non-monotone curve.
    @inlinable
    static func fijiInverse(_ f: UnsafePointer<Double>, count: Int, of m: Double) -> Double {
        let maxIndex = count - 1
        guard maxIndex >= 1 else { return .nan }
        let y = -m
        if y < -f[0] || y > -f[maxIndex] { return .nan }
        var lo = 0, hi = maxIndex
        var i = maxIndex >> 1
        repeat {
            if -f[i] > y { hi = i } else { lo = i }
            i = ((hi - lo) >> 1) + lo
        } while i != lo
        let x1 = -f[i], x2 = -f[i + 1]
        return (y - x1) / (x2 - x1) + Double(i)
    }

    /// The fractional index t with xs(t) = y on the sorted positions (largest i with xs[i] ≤ y, at most
    /// n − 2, found by walking from `hint`); NaN outside [xs[0], xs[n−1]] (no extrapolation).
    @inlinable
    static func inverseLUT(_ xs: UnsafePointer<Double>, count n: Int, of y: Double, hint: inout Int) -> Double {
        guard y >= xs[0], y <= xs[n - 1] else { return .nan }
        if n == 1 { return 0 }
        var i = Swift.min(Swift.max(hint, 0), n - 2)
        while i < n - 2 && xs[i + 1] <= y { i += 1 }
        while i > 0 && xs[i] > y { i -= 1 }
        hint = i
        let den = xs[i + 1] - xs[i]
        return den > 0 ? Double(i) + (y - xs[i]) / den : Double(i)
    }
}
