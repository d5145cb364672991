// Shared kernels of the NaN-aware statistics: mask resolution, blocked sums and extrema.
//
// Reductions run over fixed blocks of `_statisticsBlock` elements through `Parallel.reduce`, so every
// result is bit-identical for any thread count. Inside a block, eight independent accumulators keep the
// floating-point pipelines busy; blocks are combined with Neumaier's compensated summation.

/// Elements per reduction block (a constant: results must not depend on the thread count).
@usableFromInline let _statisticsBlock = 1 << 14

extension NDArray {
    /// The mask as a boolean array of this array's shape: `nil` for no mask, the mask itself when the shapes
    /// agree, or a frame-shaped mask repeated over every frame of a stack.
    ///
    /// - Throws: ``ScopeKitError/usage(_:)`` when the mask fits neither the array nor one of its frames.
    @usableFromInline
    func _resolvedMask(_ mask: Mask?) throws -> NDArray<Bool>? {
        guard let mask else { return nil }
        if mask.shape == shape { return mask.values }
        let frameSize = mask.values.count
        if mask.shape.count < shape.count, Array(shape.suffix(mask.shape.count)) == mask.shape, frameSize > 0 {
            let repeats = count / frameSize
            return mask.values.withUnsafeBufferPointer { m in
                NDArray<Bool>(unsafeUninitializedShape: shape) { dst in
                    for r in 0..<repeats {
                        _ = UnsafeMutableBufferPointer(rebasing: dst[r * frameSize..<(r + 1) * frameSize])
                            .update(fromContentsOf: m)
                    }
                }
            }
        }
        throw ScopeKitError.usage("mask of shape \(mask.shape) does not match array of shape \(shape)")
    }

    /// Calls `body` with the elements and the resolved mask pointer (`nil` = every element used).
    @inlinable
    func _withElementsAndMask<R>(_ mask: Mask?,
                                 _ body: (UnsafeBufferPointer<Element>, UnsafePointer<Bool>?) throws -> R) throws -> R {
        let resolved = try _resolvedMask(mask)
        return try withUnsafeBufferPointer { p in
            if let resolved {
                return try resolved.withUnsafeBufferPointer { m in try body(p, m.baseAddress) }
            }
            return try body(p, nil)
        }
    }
}

/// A compensated running sum (Neumaier) with the number of values it holds.
@usableFromInline
struct _SumAndCount {
    @usableFromInline var sum: Double
    @usableFromInline var compensation: Double
    @usableFromInline var count: Int

    @inlinable init(sum: Double = 0, compensation: Double = 0, count: Int = 0) {
        self.sum = sum
        self.compensation = compensation
        self.count = count
    }

    /// Adds a partial sum with Neumaier's correction.
    @inlinable
    func adding(_ other: _SumAndCount) -> _SumAndCount {
        let x = other.sum
        let t = sum + x
        let c = abs(sum) >= abs(x) ? (sum - t) + x : (x - t) + sum
        return _SumAndCount(sum: t, compensation: compensation + c + other.compensation, count: count + other.count)
    }

    /// The compensated total.
    @inlinable var total: Double { sum + compensation }
}

/// The sum of `f(x)` over the used, non-NaN elements of `p[range]`, with their count.
///
/// `f` is applied to the value as a `Double` (identity for a plain sum, a squared deviation for variance).
@inlinable @inline(__always)
func _blockSum<T: ArrayElement>(_ p: UnsafePointer<T>, _ mask: UnsafePointer<Bool>?, _ range: Range<Int>,
                                _ f: (Double) -> Double) -> _SumAndCount {
    var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0, s4 = 0.0, s5 = 0.0, s6 = 0.0, s7 = 0.0
    var n = 0
    var i = range.lowerBound
    let end = range.upperBound
    if let m = mask {
        while i < end {
            let v = p[i].doubleValue
            if m[i] && v == v { s0 += f(v); n += 1 }
            i += 1
        }
    } else {
        @inline(__always) func term(_ v: Double) -> Double { v == v ? f(v) : 0 }
        @inline(__always) func one(_ v: Double) -> Int { v == v ? 1 : 0 }
        while i + 8 <= end {
            let v0 = p[i].doubleValue, v1 = p[i + 1].doubleValue, v2 = p[i + 2].doubleValue
            let v3 = p[i + 3].doubleValue, v4 = p[i + 4].doubleValue, v5 = p[i + 5].doubleValue
            let v6 = p[i + 6].doubleValue, v7 = p[i + 7].doubleValue
            s0 += term(v0); s1 += term(v1); s2 += term(v2); s3 += term(v3)
            s4 += term(v4); s5 += term(v5); s6 += term(v6); s7 += term(v7)
            n += one(v0) + one(v1) + one(v2) + one(v3) + one(v4) + one(v5) + one(v6) + one(v7)
            i += 8
        }
        while i < end {
            let v = p[i].doubleValue
            s0 += term(v)
            n += one(v)
            i += 1
        }
    }
    return _SumAndCount(sum: ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)), count: n)
}

/// The compensated sum of `f(x)` over the used, non-NaN elements, deterministic for any thread count.
@inlinable
func _sum<T: ArrayElement>(_ p: UnsafeBufferPointer<T>, _ mask: UnsafePointer<Bool>?,
                           _ f: (Double) -> Double) -> _SumAndCount {
    guard let base = p.baseAddress, !p.isEmpty else { return _SumAndCount() }
    return Parallel.reduce(0..<p.count, blockSize: _statisticsBlock, initial: _SumAndCount(),
                           block: { _blockSum(base, mask, $0, f) }, combine: { $0.adding($1) })
}

/// `Σ x` (or `Σ (x − center)²` when `squaredAbout` is set) over the non-NaN float32 elements of
/// `p[range]`, in `Double` SIMD lanes: the vectorised form of `_blockSum` for unmasked float32 data.
@inlinable
func _blockSumFloat(_ p: UnsafePointer<Float>, _ range: Range<Int>, squaredAbout center: Double?) -> _SumAndCount {
    var a0 = SIMD4<Double>(), a1 = SIMD4<Double>(), a2 = SIMD4<Double>(), a3 = SIMD4<Double>()
    var n0 = SIMD4<Int64>(), n1 = SIMD4<Int64>(), n2 = SIMD4<Int64>(), n3 = SIMD4<Int64>()
    let c = SIMD4<Double>(repeating: center ?? 0)
    let square = center != nil
    var i = range.lowerBound
    let end = range.upperBound
    @inline(__always) func lane(_ k: Int, _ acc: inout SIMD4<Double>, _ cnt: inout SIMD4<Int64>) {
        let v = SIMD4<Double>(SIMD4<Float>(p[k], p[k + 1], p[k + 2], p[k + 3]))
        let valid = v .== v
        var t = v
        if square { t = (v - c) * (v - c) }
        acc += SIMD4<Double>(repeating: 0).replacing(with: t, where: valid)
        cnt &+= SIMD4<Int64>(repeating: 0).replacing(with: 1, where: valid)
    }
    while i + 16 <= end {
        lane(i, &a0, &n0)
        lane(i + 4, &a1, &n1)
        lane(i + 8, &a2, &n2)
        lane(i + 12, &a3, &n3)
        i += 16
    }
    var tail = 0.0
    var tailCount = 0
    while i < end {
        let v = Double(p[i])
        if v == v {
            tail += square ? (v - c[0]) * (v - c[0]) : v
            tailCount += 1
        }
        i += 1
    }
    let acc = (a0 + a1) + (a2 + a3)
    let cnt = (n0 &+ n1) &+ (n2 &+ n3)
    return _SumAndCount(sum: ((acc[0] + acc[1]) + (acc[2] + acc[3])) + tail,
                        count: Int(cnt[0] &+ cnt[1] &+ cnt[2] &+ cnt[3]) + tailCount)
}

/// The compensated sum of the used, non-NaN elements: the SIMD kernel for unmasked float32, else ``_sum``.
@inlinable
func _plainSum<T: ArrayElement>(_ p: UnsafeBufferPointer<T>, _ mask: UnsafePointer<Bool>?) -> _SumAndCount {
    if T.self == Float.self, mask == nil, let base = p.baseAddress, !p.isEmpty {
        let f = UnsafeRawPointer(base).assumingMemoryBound(to: Float.self)
        return Parallel.reduce(0..<p.count, blockSize: _statisticsBlock, initial: _SumAndCount(),
                               block: { _blockSumFloat(f, $0, squaredAbout: nil) }, combine: { $0.adding($1) })
    }
    return _sum(p, mask) { $0 }
}

/// The mean and the sum of squared deviations (two-pass algorithm, like numpy.var) of the used, non-NaN elements.
@inlinable
func _meanAndSquaredDeviations<T: ArrayElement>(_ p: UnsafeBufferPointer<T>,
                                                _ mask: UnsafePointer<Bool>?) -> (mean: Double, ssd: Double, count: Int) {
    if T.self == Float.self, mask == nil, let base = p.baseAddress, !p.isEmpty {
        let f = UnsafeRawPointer(base).assumingMemoryBound(to: Float.self)
        let first = _plainSum(p, nil)
        guard first.count > 0 else { return (.nan, .nan, 0) }
        let mean = first.total / Double(first.count)
        let squares = Parallel.reduce(0..<p.count, blockSize: _statisticsBlock, initial: _SumAndCount(),
                                      block: { _blockSumFloat(f, $0, squaredAbout: mean) }, combine: { $0.adding($1) })
        return (mean, squares.total, first.count)
    }
    let first = _sum(p, mask) { $0 }
    guard first.count > 0 else { return (.nan, .nan, 0) }
    let mean = first.total / Double(first.count)
    let squares = _sum(p, mask) { ($0 - mean) * ($0 - mean) }
    return (mean, squares.total, first.count)
}

/// The extrema of the used, non-NaN elements of `p[range]`, or `nil` when there are none.
@inlinable @inline(__always)
func _blockExtrema<T: RealArrayElement>(_ p: UnsafePointer<T>, _ mask: UnsafePointer<Bool>?,
                                        _ range: Range<Int>) -> (min: T, max: T)? {
    var i = range.lowerBound
    let end = range.upperBound
    // Find a first usable value (x == x is false only for NaN).
    while i < end && !(p[i] == p[i] && (mask?[i] ?? true)) { i += 1 }
    guard i < end else { return nil }
    var lo = p[i], hi = p[i]
    if let m = mask {
        while i < end {
            let v = p[i]
            if m[i] {
                lo = v < lo ? v : lo
                hi = v > hi ? v : hi
            }
            i += 1
        }
    } else {
        while i < end {
            let v = p[i]
            lo = v < lo ? v : lo  // NaN compares false and is skipped
            hi = v > hi ? v : hi
            i += 1
        }
    }
    return (lo, hi)
}

/// The extrema of the used, non-NaN elements, or `nil`.
@inlinable
func _extrema<T: RealArrayElement>(_ p: UnsafeBufferPointer<T>, _ mask: UnsafePointer<Bool>?) -> (min: T, max: T)? {
    guard let base = p.baseAddress, !p.isEmpty else { return nil }
    return Parallel.reduce(0..<p.count, blockSize: _statisticsBlock * 4, initial: nil as (min: T, max: T)?,
                           block: { _blockExtrema(base, mask, $0) }, combine: { a, b in
        guard let a else { return b }
        guard let b else { return a }
        return (b.min < a.min ? b.min : a.min, b.max > a.max ? b.max : a.max)
    })
}

/// Copies the used, non-NaN elements into `dst` (capacity ≥ `p.count`) and returns how many were copied.
@inlinable
func _gatherUsed<T: ArrayElement>(_ p: UnsafeBufferPointer<T>, _ mask: UnsafePointer<Bool>?,
                                  into dst: UnsafeMutablePointer<T>) -> Int {
    var k = 0
    if let m = mask {
        for i in 0..<p.count {
            let v = p[i]
            dst[k] = v
            k += (m[i] && v == v) ? 1 : 0
        }
    } else {
        for i in 0..<p.count {
            let v = p[i]
            dst[k] = v
            k += v == v ? 1 : 0
        }
    }
    return k
}
