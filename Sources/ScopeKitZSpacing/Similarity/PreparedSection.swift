import ScopeKitCore

/// One section ready for NCC: pixels shifted by their mean (NaN kept), with the sums every pair needs.
///
/// Shifting by the mean keeps the single-precision products well conditioned (NCC is shift-invariant), and
/// the per-section sums let a pair of NaN-free sections cost a single dot product.
struct PreparedSection: @unchecked Sendable {
    /// Pixel values minus ``mean``, NaN where the input was NaN (or ±∞).
    let centred: UnsafeMutableBufferPointer<Float>
    /// Pixels that are finite.
    let validCount: Int
    /// The mean of the finite pixels (the shift applied).
    let mean: Double
    /// Σ of the finite centred values (≈ 0, kept for the exact formula).
    let sum: Double
    /// Σ of the squares of the finite centred values.
    let sumOfSquares: Double

    /// True when no pixel is NaN: pairs of such sections take the one-dot-product path.
    var isComplete: Bool { validCount == centred.count }
    /// True when the section has zero variance or fewer than 2 finite pixels: every NCC with it is NaN.
    var isDegenerate: Bool {
        validCount < 2 || Double(validCount) * sumOfSquares - sum * sum <= 0
    }

    /// Prepares `plane` (any shape; its elements in C order). Non-finite pixels count as missing.
    init(_ plane: NDArray<Float>) {
        let n = plane.count
        let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: Swift.max(n, 1))
        let blocks = PreparedSection.blockSize
        // Pass 1: the mean of the finite pixels (blockwise double sums, combined in block order).
        let (s0, c0) = plane.withUnsafeBufferPointer { src -> (Double, Int) in
            let source = UncheckedSendable(src)
            return Parallel.reduce(0..<n, blockSize: blocks, initial: (0.0, 0), block: { range in
                var s = 0.0, c = 0
                for k in range {
                    let v = source.value[k]
                    if v.isFinite { s += Double(v); c += 1 }
                }
                return (s, c)
            }, combine: { ($0.0 + $1.0, $0.1 + $1.1) })
        }
        let mean = c0 > 0 ? s0 / Double(c0) : 0
        let shift = Float(mean)
        // Pass 2: centre and accumulate Σ and Σ² of what is stored.
        let (s1, s2) = plane.withUnsafeBufferPointer { src -> (Double, Double) in
            let source = UncheckedSendable(src)
            let target = UncheckedSendable(buffer)
            return Parallel.reduce(0..<n, blockSize: blocks, initial: (0.0, 0.0), block: { range in
                var s = 0.0, q = 0.0
                for k in range {
                    let v = source.value[k]
                    if v.isFinite {
                        let c = v - shift
                        target.value[k] = c
                        s += Double(c)
                        q += Double(c) * Double(c)
                    } else {
                        target.value[k] = .nan
                    }
                }
                return (s, q)
            }, combine: { ($0.0 + $1.0, $0.1 + $1.1) })
        }
        centred = UnsafeMutableBufferPointer(rebasing: buffer[0..<n])
        validCount = c0
        self.mean = mean
        sum = s1
        sumOfSquares = s2
    }

    /// Frees the pixel buffer.
    func deallocate() { centred.baseAddress.map { $0.deallocate() } }

    /// Pixels per block of the parallel reductions (fixed, so results do not depend on the thread count).
    static let blockSize = 1 << 14
}

/// The NCC of two prepared sections from their joint sums; NaN when undefined.
///
/// `(n·Σab − Σa·Σb) / √(n·Σa² − (Σa)²) / √(n·Σb² − (Σb)²)`, clamped to [−1, 1].
@inlinable
func pearson(count n: Double, sumA: Double, sumB: Double, sumAA: Double, sumBB: Double, sumAB: Double) -> Double {
    guard n >= 2 else { return .nan }
    let va = n * sumAA - sumA * sumA
    let vb = n * sumBB - sumB * sumB
    guard va > 0, vb > 0 else { return .nan }
    let r = (n * sumAB - sumA * sumB) / (va.squareRoot() * vb.squareRoot())
    return Swift.min(1, Swift.max(-1, r))
}
