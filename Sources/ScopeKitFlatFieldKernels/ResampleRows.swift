import ScopeKitCore

/// The pixel types ``resampleRowPass(_:kind:into:weights:offsets:starts:lengths:outputRows:columns:)`` reads.
@usableFromInline package enum SampleKind: Sendable {
    case float32, uint16, uint8
}

/// A pixel type a working-size image can be resampled from without a float copy of the whole image.
@usableFromInline package protocol BaSiCSample {
    /// The type as a ``SampleKind``.
    static var sampleKind: SampleKind { get }
    /// The value as a float.
    var floatValue: Float { get }
    /// Eight consecutive samples from `p` as floats.
    static func floats8(_ p: UnsafePointer<Self>) -> SIMD8<Float>
}

extension Float: BaSiCSample {
    /// `.float32`.
    @inlinable package static var sampleKind: SampleKind { .float32 }
    /// The value itself.
    @inlinable @inline(__always) package var floatValue: Float { self }
    /// Eight floats from `p`.
    @inlinable @inline(__always) package static func floats8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        SIMD8<Float>(unaligned: p)
    }
}

extension UInt8: BaSiCSample {
    /// `.uint8`.
    @inlinable package static var sampleKind: SampleKind { .uint8 }
    /// The value as a float.
    @inlinable @inline(__always) package var floatValue: Float { Float(self) }
    /// Eight bytes from `p` as floats.
    @inlinable @inline(__always) package static func floats8(_ p: UnsafePointer<UInt8>) -> SIMD8<Float> {
        SIMD8<Float>(UnsafeRawPointer(p).loadUnaligned(as: SIMD8<UInt8>.self))
    }
}

extension UInt16: BaSiCSample {
    /// `.uint16`.
    @inlinable package static var sampleKind: SampleKind { .uint16 }
    /// The value as a float.
    @inlinable @inline(__always) package var floatValue: Float { Float(self) }
    /// Eight uint16 from `p` as floats.
    @inlinable @inline(__always) package static func floats8(_ p: UnsafePointer<UInt16>) -> SIMD8<Float> {
        SIMD8<Float>(UnsafeRawPointer(p).loadUnaligned(as: SIMD8<UInt16>.self))
    }
}

/// `acc[c] = (((acc[c] + w₀·r₀[c]) + w₁·r₁[c]) + …)` for c < n over `taps` rows `rows + k·rowStride` (k < taps,
/// at most 4): the taps are added in order, as one `acc[c] += w·row[c]` per tap would, with one load and one
/// store of `acc` per group of taps.
///
/// - Complexity: O(taps · n).
@_transparent @usableFromInline
package func accumulateRows<T: BaSiCSample>(_ acc: UnsafeMutablePointer<Float>, _ rows: UnsafePointer<T>,
                                            rowStride: Int, _ w: UnsafePointer<Float>, taps: Int, _ n: Int) {
    var c = 0
    switch taps {
    case 4:
        let w0 = SIMD8<Float>(repeating: w[0]), w1 = SIMD8<Float>(repeating: w[1])
        let w2 = SIMD8<Float>(repeating: w[2]), w3 = SIMD8<Float>(repeating: w[3])
        let r0 = rows, r1 = rows + rowStride, r2 = rows + 2 * rowStride, r3 = rows + 3 * rowStride
        while c &+ 8 <= n {
            var a = SIMD8<Float>(unaligned: acc + c)
            a += w0 * T.floats8(r0 + c)
            a += w1 * T.floats8(r1 + c)
            a += w2 * T.floats8(r2 + c)
            a += w3 * T.floats8(r3 + c)
            storeUnaligned(a, acc + c)
            c &+= 8
        }
    case 1:
        let w0 = SIMD8<Float>(repeating: w[0])
        while c &+ 8 <= n {
            storeUnaligned(SIMD8<Float>(unaligned: acc + c) + w0 * T.floats8(rows + c), acc + c)
            c &+= 8
        }
    default:
        break
    }
    while c < n {
        var a = acc[c]
        for k in 0..<taps { a += w[k] * rows[k * rowStride + c].floatValue }
        acc[c] = a
        c += 1
    }
}

/// The row pass of a 2-D resampling (`Resampler2D` in ScopeKitFlatField): output row j of `scratch`
/// ([outputRows, columns]) is Σ_k weights[offsets[j] + k] · input row starts[j] + k, the taps added in order.
///
/// `@_transparent` (inlined before optimisation, and so are the ``accumulateRows(_:_:rowStride:_:taps:_:)`` it
/// calls): each caller instantiates it with its own code generation and no generic specialisation is left as a
/// shared symbol (see ``fusedLadmapFrames(_:_:carry:uniform:dark:)``). Same bits on every path: no fused
/// multiply-add, the same per-lane order.
///
/// - Parameters:
///   - src: the input image, rows of `columns` samples.
///   - scratch: the output, `outputRows · columns` floats.
///   - weights, offsets, starts, lengths: the row axis's sparse weights (`ResampleAxis`).
/// - Complexity: O(outputRows · taps · columns).
@_transparent @usableFromInline
package func resampleRowPass<T: BaSiCSample>(_ src: UnsafePointer<T>, into scratch: UnsafeMutablePointer<Float>,
                                             weights: UnsafePointer<Float>, offsets: UnsafePointer<Int>,
                                             starts: UnsafePointer<Int>, lengths: UnsafePointer<Int>,
                                             outputRows: Int, columns ci: Int) {
    for j in 0..<outputRows {
        let acc = scratch + j * ci
        acc.update(repeating: 0, count: ci)
        let o = offsets[j], s = starts[j], taps = lengths[j]
        var k = 0
        while k + 4 <= taps {
            accumulateRows(acc, src + (s + k) * ci, rowStride: ci, weights + o + k, taps: 4, ci)
            k += 4
        }
        while k < taps {
            accumulateRows(acc, src + (s + k) * ci, rowStride: ci, weights + o + k, taps: 1, ci)
            k += 1
        }
    }
}

/// ``resampleRowPass(_:into:weights:offsets:starts:lengths:outputRows:columns:)`` of an image of any
/// ``SampleKind``, for entry points that must not be generic (`resampleRowPassAVX2`).
///
/// - Complexity: O(outputRows · taps · columns).
@inlinable @inline(__always)
package func resampleRowPass(_ src: UnsafeRawPointer, kind: SampleKind, into scratch: UnsafeMutablePointer<Float>,
                             weights: UnsafePointer<Float>, offsets: UnsafePointer<Int>,
                             starts: UnsafePointer<Int>, lengths: UnsafePointer<Int>,
                             outputRows: Int, columns: Int) {
    switch kind {
    case .float32:
        resampleRowPass(src.assumingMemoryBound(to: Float.self), into: scratch, weights: weights, offsets: offsets,
                        starts: starts, lengths: lengths, outputRows: outputRows, columns: columns)
    case .uint16:
        resampleRowPass(src.assumingMemoryBound(to: UInt16.self), into: scratch, weights: weights, offsets: offsets,
                        starts: starts, lengths: lengths, outputRows: outputRows, columns: columns)
    case .uint8:
        resampleRowPass(src.assumingMemoryBound(to: UInt8.self), into: scratch, weights: weights, offsets: offsets,
                        starts: starts, lengths: lengths, outputRows: outputRows, columns: columns)
    }
}
