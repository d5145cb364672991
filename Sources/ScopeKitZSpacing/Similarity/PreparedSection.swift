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
            let source = UncheckedSendable(src.baseAddress)
            return Parallel.reduce(0..<n, blockSize: blocks, initial: (0.0, 0), block: { range in
                SectionKernels.finiteSum(source.value!, range)
            }, combine: { ($0.0 + $1.0, $0.1 + $1.1) })
        }
        let mean = c0 > 0 ? s0 / Double(c0) : 0
        let shift = Float(mean)
        // Pass 2: centre and accumulate Σ and Σ² of what is stored.
        let (s1, s2) = plane.withUnsafeBufferPointer { src -> (Double, Double) in
            let source = UncheckedSendable(src.baseAddress)
            let target = UncheckedSendable(buffer.baseAddress)
            return Parallel.reduce(0..<n, blockSize: blocks, initial: (0.0, 0.0), block: { range in
                SectionKernels.centre(source.value!, into: target.value!, shift: shift, range)
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

/// Vectorised per-section passes: 128-pixel blocks summed in `Float` lanes, then in `Double`; a block with
/// a non-finite value (its lane sum is not finite) is redone pixel by pixel, skipping NaN and ±∞.
enum SectionKernels {
    /// (Σ, count) of the finite values in `range`.
    @inlinable
    static func finiteSum(_ p: UnsafePointer<Float>, _ range: Range<Int>) -> (Double, Int) {
        var total = 0.0, count = 0
        var k = range.lowerBound
        while k < range.upperBound {
            let end = Swift.min(k + 128, range.upperBound)
            var fast = false
            if end - k == 128 {
                var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
                var j = k
                while j < end {
                    acc0 += UnsafeRawPointer(p + j).loadUnaligned(as: SIMD8<Float>.self)
                    acc1 += UnsafeRawPointer(p + j + 8).loadUnaligned(as: SIMD8<Float>.self)
                    j += 16
                }
                let block = (acc0 + acc1).sum()
                if block.isFinite { total += Double(block); count += 128; fast = true }
            }
            if !fast {
                for j in k..<end where p[j].isFinite { total += Double(p[j]); count += 1 }
            }
            k = end
        }
        return (total, count)
    }

    /// Writes `p − shift` (NaN where not finite) and returns (Σ, Σ²) of the finite centred values.
    @inlinable
    static func centre(_ p: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, shift: Float,
                       _ range: Range<Int>) -> (Double, Double) {
        var sum = 0.0, squares = 0.0
        var k = range.lowerBound
        let s = SIMD8<Float>(repeating: shift)
        while k < range.upperBound {
            let end = Swift.min(k + 128, range.upperBound)
            var fast = false
            if end - k == 128 {
                var a1 = SIMD8<Float>(), a2 = SIMD8<Float>()
                var j = k
                while j < end {
                    let c = UnsafeRawPointer(p + j).loadUnaligned(as: SIMD8<Float>.self) - s
                    UnsafeMutableRawPointer(out + j).storeBytes(of: c, as: SIMD8<Float>.self)
                    a1 += c
                    a2 += c * c
                    j += 8
                }
                let b1 = a1.sum(), b2 = a2.sum()
                if b1.isFinite && b2.isFinite { sum += Double(b1); squares += Double(b2); fast = true }
            }
            if !fast {
                for j in k..<end {
                    let v = p[j]
                    if v.isFinite {
                        let c = v - shift
                        out[j] = c
                        sum += Double(c)
                        squares += Double(c) * Double(c)
                    } else {
                        out[j] = .nan
                    }
                }
            }
            k = end
        }
        return (sum, squares)
    }
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
