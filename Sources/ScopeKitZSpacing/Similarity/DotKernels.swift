/// SIMD kernels for the NCC of two centred sections over a range of pixels.
///
/// Products are formed in single precision (the inputs are mean-shifted, so no cancellation) and summed in
/// 16-lane registers over 128 pixels, then in `Double`. The relative error of a correlation is ~1e-7.
enum DotKernels {
    /// Σ a[k]·b[k] for k in `range` (no NaN expected).
    @inlinable
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ range: Range<Int>) -> Double {
        var total = 0.0
        var k = range.lowerBound
        let end = range.upperBound
        while end - k >= 128 {
            var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
            var j = k
            let blockEnd = k + 128
            while j < blockEnd {
                let x0 = UnsafeRawPointer(a + j).loadUnaligned(as: SIMD8<Float>.self)
                let y0 = UnsafeRawPointer(b + j).loadUnaligned(as: SIMD8<Float>.self)
                let x1 = UnsafeRawPointer(a + j + 8).loadUnaligned(as: SIMD8<Float>.self)
                let y1 = UnsafeRawPointer(b + j + 8).loadUnaligned(as: SIMD8<Float>.self)
                acc0 += x0 * y0
                acc1 += x1 * y1
                j += 16
            }
            total += Double((acc0 + acc1).sum())
            k = blockEnd
        }
        var tail = 0.0
        while k < end {
            tail += Double(a[k]) * Double(b[k])
            k += 1
        }
        return total + tail
    }

    /// The six joint sums over pixels finite in both sections: (n, Σa, Σb, Σa², Σb², Σab).
    @inlinable
    static func maskedSums(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ range: Range<Int>) -> SIMD8<Double> {
        var n = 0.0, sa = 0.0, sb = 0.0, saa = 0.0, sbb = 0.0, sab = 0.0
        for k in range {
            let x = a[k], y = b[k]
            if x.isNaN || y.isNaN { continue }
            let dx = Double(x), dy = Double(y)
            n += 1
            sa += dx
            sb += dy
            saa += dx * dx
            sbb += dy * dy
            sab += dx * dy
        }
        return SIMD8(n, sa, sb, saa, sbb, sab, 0, 0)
    }
}
