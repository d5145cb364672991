import ScopeKitCore

/// Gaussian-smoothed downsampling of a section before the similarity is computed.
///
/// Follows the rule of `mpicbg Filter.createDownsampled(ip, scale, 0.5, 0.5)` that the Fiji plugin uses:
/// the input is assumed to carry a blur of σ₀ = 0.5 px, the output should carry σ = 0.5 output pixels, so
/// the input is blurred with `σ = √((0.5/scale)² − 0.5²)` input pixels (separable Gaussian, truncated at
/// 3σ) and then sampled bilinearly at the output pixel centres, `input = (output + 0.5)/scale − 0.5`.
/// Output size is `max(1, round(size·scale))` per axis. NaN pixels are left out of the blur (the weights
/// of the finite taps are renormalised); an output pixel is NaN when no finite tap reaches it.
///
/// Differs from mpicbg: border taps are renormalised instead of mirrored, and NaN is handled.
enum SectionDownsampling {
    /// The blur applied before resampling by `scale` (in input pixels).
    static func sigma(forScale scale: Double) -> Double {
        let s = 0.5 / scale
        return (s * s - 0.25).squareRoot()
    }

    /// The output shape of a `[rows, cols]` plane downsampled by `scale`.
    static func outputShape(rows: Int, cols: Int, scale: Double) -> [Int] {
        [Swift.max(1, Int((Double(rows) * scale).rounded())), Swift.max(1, Int((Double(cols) * scale).rounded()))]
    }

    /// Downsamples a 2-D plane by `scale` (0 < scale < 1).
    static func downsample(_ plane: NDArray<Float>, scale: Double) -> NDArray<Float> {
        let rows = plane.shape[0], cols = plane.shape[1]
        let sigma = sigma(forScale: scale)
        let radius = Swift.max(1, Int((3 * sigma).rounded(.up)))
        var kernel = [Float](repeating: 0, count: 2 * radius + 1)
        for k in -radius...radius { kernel[k + radius] = Float(_exp(-0.5 * Double(k * k) / (sigma * sigma))) }
        // Separable normalised convolution: rows first (along cols), then along rows.
        var tmp = [Float](repeating: .nan, count: rows * cols)
        var blurred = [Float](repeating: .nan, count: rows * cols)
        plane.withUnsafeBufferPointer { src in
            tmp.withUnsafeMutableBufferPointer { t in
                let s = UncheckedSendable(src), out = UncheckedSendable(t)
                Parallel.forEach(0..<rows, minimumChunk: 16) { r in
                    for c in 0..<cols {
                        var acc: Float = 0, w: Float = 0
                        for k in Swift.max(-radius, -c)...Swift.min(radius, cols - 1 - c) {
                            let v = s.value[r * cols + c + k]
                            if v.isFinite { acc += kernel[k + radius] * v; w += kernel[k + radius] }
                        }
                        out.value[r * cols + c] = w > 0 ? acc / w : .nan
                    }
                }
            }
        }
        tmp.withUnsafeBufferPointer { t in
            blurred.withUnsafeMutableBufferPointer { b in
                let s = UncheckedSendable(t), out = UncheckedSendable(b)
                Parallel.forEach(0..<rows, minimumChunk: 16) { r in
                    for c in 0..<cols {
                        var acc: Float = 0, w: Float = 0
                        for k in Swift.max(-radius, -r)...Swift.min(radius, rows - 1 - r) {
                            let v = s.value[(r + k) * cols + c]
                            if v.isFinite { acc += kernel[k + radius] * v; w += kernel[k + radius] }
                        }
                        out.value[r * cols + c] = w > 0 ? acc / w : .nan
                    }
                }
            }
        }
        let shape = outputShape(rows: rows, cols: cols, scale: scale)
        return blurred.withUnsafeBufferPointer { b in
            NDArray<Float>(unsafeUninitializedShape: shape) { out in
                for orow in 0..<shape[0] {
                    let y = Swift.min(Swift.max((Double(orow) + 0.5) / scale - 0.5, 0), Double(rows - 1))
                    let y0 = Int(y), y1 = Swift.min(y0 + 1, rows - 1), fy = Float(y - Double(y0))
                    for ocol in 0..<shape[1] {
                        let x = Swift.min(Swift.max((Double(ocol) + 0.5) / scale - 0.5, 0), Double(cols - 1))
                        let x0 = Int(x), x1 = Swift.min(x0 + 1, cols - 1), fx = Float(x - Double(x0))
                        var v = b[y0 * cols + x0] * (1 - fx) * (1 - fy)
                        if fx > 0 { v += b[y0 * cols + x1] * fx * (1 - fy) }
                        if fy > 0 { v += b[y1 * cols + x0] * (1 - fx) * fy }
                        if fx > 0 && fy > 0 { v += b[y1 * cols + x1] * fx * fy }
                        out[orow * shape[1] + ocol] = v
                    }
                }
            }
        }
    }
}

@inline(__always) func _exp(_ x: Double) -> Double {
    #if canImport(Glibc)
    return Glibc.exp(x)
    #else
    return Darwin.exp(x)
    #endif
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
