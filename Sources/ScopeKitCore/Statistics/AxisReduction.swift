/// A statistic that ``NDArray/reduced(_:alongAxis:mask:)`` computes along one axis.
///
/// Every statistic skips NaN and masked-out pixels. A line with no used value gives NaN (0 for ``sum``).
public enum Statistic: Sendable, Equatable {
    case minimum, maximum, sum, mean
    case variance(ddof: Int)
    case standardDeviation(ddof: Int)
    case median
    case percentile(Double, method: PercentileMethod)

    /// True for statistics in the units of the data (their intensity calibration carries over).
    @usableFromInline var isLocation: Bool {
        switch self {
        case .minimum, .maximum, .mean, .median, .percentile: true
        default: false
        }
    }
}

extension NDArray where Element: RealArrayElement {
    /// A statistic along one axis: the result has this array's shape without `axis`.
    ///
    /// ```swift
    /// let stack: NDArray<Float> = …                                     // [frames, rows, cols]
    /// let meanFrame = try stack.reduced(.mean, alongAxis: 0)            // [rows, cols]
    /// let rowMedians = try image.reduced(.median, alongAxis: 1)         // [rows]
    /// let p99 = try image.reduced(.percentile(99, method: .linear), alongAxis: 0)
    /// ```
    ///
    /// - Parameters:
    ///   - statistic: what to compute on each line.
    ///   - axis: the axis that disappears, `0..<rank`.
    ///   - mask: `true` = use the pixel (array- or frame-shaped).
    /// - Returns: the statistic per line as `Double`s, with the other axes' calibration; the intensity
    ///   calibration is kept for minimum, maximum, mean, median and percentiles.
    /// - Throws: ``ScopeKitError/usage(_:)`` for an invalid axis, percentile, `ddof` or mask shape.
    /// - Complexity: O(count) (O(count · log) never: medians use introselect), parallel over lines.
    ///   Matches numpy's `nanmin/nanmax/nansum/nanmean/nanvar/nanstd/nanmedian/nanpercentile(axis=…)`.
    @inlinable
    public func reduced(_ statistic: Statistic, alongAxis axis: Int, mask: Mask? = nil) throws -> NDArray<Double> {
        guard axis >= 0 && axis < rank else {
            throw ScopeKitError.usage("axis \(axis) is out of range for a \(rank)-D array")
        }
        switch statistic {
        case .variance(let ddof), .standardDeviation(let ddof):
            guard ddof >= 0 else { throw ScopeKitError.usage("ddof must be ≥ 0, got \(ddof)") }
        case .percentile(let q, _):
            try _validatePercentiles([q])
        default: break
        }
        let length = shape[axis]
        let inner = shape[(axis + 1)...].reduce(1, *)
        let outer = shape[..<axis].reduce(1, *)
        var outShape = shape
        outShape.remove(at: axis)
        var result = try _withElementsAndMask(mask) { p, m in
            let src = UncheckedSendable(p)
            return NDArray<Double>(unsafeUninitializedShape: outShape) { out in
                guard let o = out.baseAddress else { return }
                let minimumChunk = Swift.max(1, 4096 / Swift.max(length, 1))
                Parallel.forEachChunk(0..<(outer * inner), minimumChunk: minimumChunk) { lines in
                    let scratch = UnsafeMutablePointer<Double>.allocate(capacity: Swift.max(length, 1))
                    defer { scratch.deallocate() }
                    for line in lines {
                        let start = (line / inner) * length * inner + line % inner
                        var n = 0
                        for k in 0..<length {
                            let i = start + k * inner
                            let v = src.value[i].doubleValue
                            scratch[n] = v
                            n += (v == v && (m?[i] ?? true)) ? 1 : 0
                        }
                        o[line] = _lineStatistic(statistic, scratch, n)
                    }
                }
            }
        }
        var axes = calibration.axes
        if axis < axes.count { axes.remove(at: axis) }
        result.calibration = Calibration(axes: axes, intensity: statistic.isLocation
                                         ? calibration.intensity
                                         : IntensityCalibration(unit: calibration.intensity.unit))
        result.metadata = metadata
        return result
    }
}

/// One statistic of the `n` non-NaN values in `v` (which it may reorder).
@usableFromInline
func _lineStatistic(_ statistic: Statistic, _ v: UnsafeMutablePointer<Double>, _ n: Int) -> Double {
    let values = UnsafeBufferPointer(start: v, count: n)
    switch statistic {
    case .minimum: return _extrema(values, nil)?.min ?? .nan
    case .maximum: return _extrema(values, nil)?.max ?? .nan
    case .sum: return _sum(values, nil) { $0 }.total
    case .mean:
        let s = _sum(values, nil) { $0 }
        return n > 0 ? s.total / Double(n) : .nan
    case .variance(let ddof):
        let r = _meanAndSquaredDeviations(values, nil)
        return n - ddof > 0 ? r.ssd / Double(n - ddof) : .nan
    case .standardDeviation(let ddof):
        let r = _meanAndSquaredDeviations(values, nil)
        return n - ddof > 0 ? (r.ssd / Double(n - ddof)).squareRoot() : .nan
    case .median:
        return _median(v, count: n)
    case .percentile(let q, let method):
        return _percentiles(v, count: n, [q], method: method)[0]
    }
}
