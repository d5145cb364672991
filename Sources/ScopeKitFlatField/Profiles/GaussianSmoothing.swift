import Foundation
import ScopeKitCore

/// Separable Gaussian smoothing of a 2-D float image with reflected edges.
///
/// Matches `scipy.ndimage.gaussian_filter(image, sigma, mode='reflect', truncate=4.0)` on a float32 image
/// (what the mesoSPIM task applies to its median flat-field): a kernel of radius ⌊4σ + ½⌋, normalised to sum
/// 1; edges reflect about the border (`d c b a | a b c d | d c b a`). Sums are in double precision, the
/// intermediate image is float32 as in scipy.
///
/// ```swift
/// let smooth = GaussianSmoothing.reflect(flat, sigma: 1)
/// ```
///
/// - Complexity: O(rows · columns · σ), parallel over rows and columns.
public enum GaussianSmoothing {
    /// The smoothed image (the input when `sigma` is 0).
    public static func reflect(_ image: NDArray<Float>, sigma: Double) -> NDArray<Float> {
        precondition(image.rank == 2, "GaussianSmoothing.reflect needs a 2-D image")
        guard sigma > 0 else { return image }
        let rows = image.shape[0], cols = image.shape[1]
        let radius = Int(4 * sigma + 0.5)
        var kernel = (-radius...radius).map { exp(-0.5 * Double($0 * $0) / (sigma * sigma)) }
        let total = kernel.reduce(0, +)
        kernel = kernel.map { $0 / total }
        func reflect(_ i: Int, _ n: Int) -> Int {
            let period = 2 * n
            var j = i % period
            if j < 0 { j += period }
            return j < n ? j : period - 1 - j
        }
        let colIndex = (-radius..<(cols + radius)).map { reflect($0, cols) }
        let rowIndex = (-radius..<(rows + radius)).map { reflect($0, rows) }
        var temp = [Float](repeating: 0, count: rows * cols)
        image.withUnsafeBufferPointer { src in
            let s = UncheckedSendable(src.baseAddress!)
            temp.withUnsafeMutableBufferPointer { t in
                let tp = UncheckedSendable(t.baseAddress!)
                Parallel.forEach(0..<rows, minimumChunk: 16) { r in
                    let line = s.value + r * cols
                    for c in 0..<cols {
                        var acc = 0.0
                        for k in 0..<kernel.count { acc += kernel[k] * Double(line[colIndex[c + k]]) }
                        tp.value[r * cols + c] = Float(acc)
                    }
                }
            }
        }
        return temp.withUnsafeBufferPointer { t in
            let tp = UncheckedSendable(t.baseAddress!)
            return NDArray<Float>(unsafeUninitializedShape: [rows, cols]) { out in
                let o = UncheckedSendable(out.baseAddress!)
                Parallel.forEach(0..<rows, minimumChunk: 16) { r in
                    for c in 0..<cols {
                        var acc = 0.0
                        for k in 0..<kernel.count { acc += kernel[k] * Double(tp.value[rowIndex[r + k] * cols + c]) }
                        o.value[r * cols + c] = Float(acc)
                    }
                }
            }
        }
    }
}
