import ScopeKitFlatFieldKernels

// The flat-field hot kernels instantiated with AVX2 + FMA code generation: on x86-64 this module is compiled with
// `-target-cpu haswell` (Package.swift), and each entry point inlines (or, for the LADMAP sweep, specialises with
// this module's own tag type) the kernels of ScopeKitFlatFieldKernels, so its loops use 256-bit registers. Callers run them only when
// `CPUFeatures.level == .avx2`; the kernels contain no fused multiply-add and reduce in a fixed lane order, so
// they give the same bits as the baseline instantiation. On other architectures the entry points exist too
// (with the baseline code generation) but are never chosen.

/// The tag of the AVX2 instantiation of the LADMAP sweep (its own, so its specialisations have their own symbols).
enum AVX2Sweep {}

/// ``fusedLadmapChunk(_:_:fresh:carry:uniform:dark:_:)`` with AVX2 code generation.
///
/// - Parameters:
///   - c: the frame chunk.
///   - k: the step's pointers and scalars.
///   - fresh, carry, uniform, dark: the sweep's flags.
/// - Complexity: O(frames of the chunk · P).
@inline(never)
package func fusedLadmapChunkAVX2(_ c: Int, _ k: FusedLadmapStep, fresh: Bool = false, carry: Bool, uniform: Bool,
                                  dark: Bool) {
    fusedLadmapChunk(c, k, fresh: fresh, carry: carry, uniform: uniform, dark: dark, AVX2Sweep.self)
}

/// ``approximateChunk(_:_:uniform:dark:)`` (one frame chunk of BaSiC's approximate mode) with AVX2 code generation.
///
/// - Complexity: O(frames of the chunk · P).
@inline(never)
package func approximateChunkAVX2(_ c: Int, _ k: ApproximateStep, uniform: Bool, dark: Bool) {
    approximateChunk(c, k, uniform: uniform, dark: dark)
}

/// ``resampleRowPass(_:kind:into:weights:offsets:starts:lengths:outputRows:columns:)`` with AVX2 code generation.
///
/// - Complexity: O(outputRows · taps · columns).
@inline(never)
package func resampleRowPassAVX2(_ src: UnsafeRawPointer, kind: SampleKind, into scratch: UnsafeMutablePointer<Float>,
                                 weights: UnsafePointer<Float>, offsets: UnsafePointer<Int>,
                                 starts: UnsafePointer<Int>, lengths: UnsafePointer<Int>,
                                 outputRows: Int, columns: Int) {
    resampleRowPass(src, kind: kind, into: scratch, weights: weights, offsets: offsets, starts: starts,
                    lengths: lengths, outputRows: outputRows, columns: columns)
}

/// ``flatFieldUInt16Kernel(_:_:dark:flat:count:offset:)`` with AVX2 code generation.
///
/// - Returns: the number of pixels written, a multiple of 8.
/// - Complexity: O(count).
@inline(never)
package func flatFieldUInt16KernelAVX2(_ src: UnsafePointer<UInt16>, _ dst: UnsafeMutablePointer<UInt16>,
                                       dark: UnsafePointer<Float>, flat: UnsafePointer<Float>, count: Int,
                                       offset: Float) -> Int {
    flatFieldUInt16Kernel(src, dst, dark: dark, flat: flat, count: count, offset: offset)
}

/// ``sumChunkPartials(_:chunks:pixels:range:dividedBy:into:)`` with AVX2 code generation.
///
/// - Complexity: O(chunks · range.count).
@inline(never)
package func sumChunkPartialsAVX2(_ partials: UnsafePointer<Float>, chunks: Int, pixels n: Int, range: Range<Int>,
                                  dividedBy m: Double, into out: UnsafeMutablePointer<Float>) {
    sumChunkPartials(partials, chunks: chunks, pixels: n, range: range, dividedBy: m, into: out)
}

/// ``spectralBlockProducts(_:frames:pixels:range:v:u:acc:into:)`` with AVX2 code generation.
///
/// - Complexity: O(T · range.count).
@inline(never)
package func spectralBlockProductsAVX2(_ im: UnsafePointer<Float>, frames t: Int, pixels n: Int, range: Range<Int>,
                                       v: UnsafePointer<Float>, u: UnsafeMutablePointer<Double>,
                                       acc: UnsafeMutablePointer<SIMD4<Double>>,
                                       into out: UnsafeMutablePointer<Double>) {
    spectralBlockProducts(im, frames: t, pixels: n, range: range, v: v, u: u, acc: acc, into: out)
}

/// ``addChunkPartial(_:to:range:first:)`` with AVX2 code generation.
///
/// - Complexity: O(range.count).
@inline(never)
package func addChunkPartialAVX2(_ partial: UnsafePointer<Float>, to acc: UnsafeMutablePointer<Double>,
                                 range: Range<Int>, first: Bool) {
    addChunkPartial(partial, to: acc, range: range, first: first)
}

/// ``medianGroup8(_:frames:pixels:at:keys:)`` with AVX2 code generation.
///
/// - Complexity: O(33 · T).
@inline(never)
package func medianGroup8AVX2(_ im: UnsafePointer<Float>, frames t: Int, pixels n: Int, at x0: Int,
                              keys: UnsafeMutablePointer<SIMD8<Int32>>) -> (lower: SIMD8<Float>, upper: SIMD8<Float>) {
    medianGroup8(im, frames: t, pixels: n, at: x0, keys: keys)
}
