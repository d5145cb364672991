import ScopeKitFlatFieldKernels

// The flat-field hot kernels instantiated with AVX2 + FMA code generation: on x86-64 this module is compiled with
// `-target-cpu haswell` (Package.swift), and each entry point inlines the `@inline(__always)` kernel of
// ScopeKitFlatFieldKernels, so its loops use 256-bit registers. Callers run them only when
// `CPUFeatures.level == .avx2`; the kernels contain no fused multiply-add and reduce in a fixed lane order, so
// they give the same bits as the baseline instantiation. On other architectures the entry points exist too
// (with the baseline code generation) but are never chosen.

/// ``fusedLadmapChunk(_:_:carry:uniform:dark:)`` with AVX2 code generation.
///
/// - Parameters:
///   - c: the frame chunk.
///   - k: the step's pointers and scalars.
///   - carry, uniform, dark: the sweep's flags.
/// - Complexity: O(frames of the chunk · P).
package func fusedLadmapChunkAVX2(_ c: Int, _ k: FusedLadmapStep, carry: Bool, uniform: Bool, dark: Bool) {
    switch (carry, uniform, dark) {
    case (true, true, false): ladmapTTF(c, k)
    case (true, false, false): ladmapTFF(c, k)
    case (false, true, false): ladmapFTF(c, k)
    case (false, false, false): ladmapFFF(c, k)
    case (true, true, true): ladmapTTT(c, k)
    case (true, false, true): ladmapTFT(c, k)
    case (false, true, true): ladmapFTT(c, k)
    case (false, false, true): ladmapFFT(c, k)
    }
}

// One function per flag combination (carry, uniform, dark: T/F), as in ScopeKitFlatFieldKernels.
@inline(never) func ladmapTTF(_ c: Int, _ k: FusedLadmapStep) { fusedLadmapFrames(c, k, carry: true, uniform: true, dark: false) }
@inline(never) func ladmapTFF(_ c: Int, _ k: FusedLadmapStep) { fusedLadmapFrames(c, k, carry: true, uniform: false, dark: false) }
@inline(never) func ladmapFTF(_ c: Int, _ k: FusedLadmapStep) { fusedLadmapFrames(c, k, carry: false, uniform: true, dark: false) }
@inline(never) func ladmapFFF(_ c: Int, _ k: FusedLadmapStep) { fusedLadmapFrames(c, k, carry: false, uniform: false, dark: false) }
@inline(never) func ladmapTTT(_ c: Int, _ k: FusedLadmapStep) { fusedLadmapFrames(c, k, carry: true, uniform: true, dark: true) }
@inline(never) func ladmapTFT(_ c: Int, _ k: FusedLadmapStep) { fusedLadmapFrames(c, k, carry: true, uniform: false, dark: true) }
@inline(never) func ladmapFTT(_ c: Int, _ k: FusedLadmapStep) { fusedLadmapFrames(c, k, carry: false, uniform: true, dark: true) }
@inline(never) func ladmapFFT(_ c: Int, _ k: FusedLadmapStep) { fusedLadmapFrames(c, k, carry: false, uniform: false, dark: true) }

/// ``resampleRowPass(_:into:weights:offsets:starts:lengths:outputRows:columns:)`` of a float image with AVX2
/// code generation.
///
/// - Complexity: O(outputRows · taps · columns).
@inline(never)
package func resampleRowPassAVX2(_ src: UnsafePointer<Float>, into scratch: UnsafeMutablePointer<Float>,
                                 weights: UnsafePointer<Float>, offsets: UnsafePointer<Int>,
                                 starts: UnsafePointer<Int>, lengths: UnsafePointer<Int>,
                                 outputRows: Int, columns: Int) {
    resampleRowPass(src, into: scratch, weights: weights, offsets: offsets, starts: starts, lengths: lengths,
                    outputRows: outputRows, columns: columns)
}

/// ``resampleRowPass(_:into:weights:offsets:starts:lengths:outputRows:columns:)`` of a uint16 image with AVX2
/// code generation.
///
/// - Complexity: O(outputRows · taps · columns).
@inline(never)
package func resampleRowPassAVX2(_ src: UnsafePointer<UInt16>, into scratch: UnsafeMutablePointer<Float>,
                                 weights: UnsafePointer<Float>, offsets: UnsafePointer<Int>,
                                 starts: UnsafePointer<Int>, lengths: UnsafePointer<Int>,
                                 outputRows: Int, columns: Int) {
    resampleRowPass(src, into: scratch, weights: weights, offsets: offsets, starts: starts, lengths: lengths,
                    outputRows: outputRows, columns: columns)
}

/// ``resampleRowPass(_:into:weights:offsets:starts:lengths:outputRows:columns:)`` of a uint8 image with AVX2
/// code generation.
///
/// - Complexity: O(outputRows · taps · columns).
@inline(never)
package func resampleRowPassAVX2(_ src: UnsafePointer<UInt8>, into scratch: UnsafeMutablePointer<Float>,
                                 weights: UnsafePointer<Float>, offsets: UnsafePointer<Int>,
                                 starts: UnsafePointer<Int>, lengths: UnsafePointer<Int>,
                                 outputRows: Int, columns: Int) {
    resampleRowPass(src, into: scratch, weights: weights, offsets: offsets, starts: starts, lengths: lengths,
                    outputRows: outputRows, columns: columns)
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
