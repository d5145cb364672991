import RealModule
import ScopeKitCore

/// The batched, multi-threaded drivers that run 1-D plans along one axis of an N-D buffer.
///
/// Lines are copied in batches into a cache-resident split-complex scratch (a blocked transpose for the last
/// axis), transformed there and copied back with the normalisation applied on the way out.
enum AxisTransforms {
    /// Complex FFT along `axis`, in place. `re`/`im` address element `k` at `k·elementStride`.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func complex<T: FFTScalar>(re: UnsafeMutablePointer<T>, im: UnsafeMutablePointer<T>, elementStride es: Int,
                                      shape: [Int], axis: Int, inverse: Bool, scale: T) {
        let g = LineGeometry(shape: shape, axis: axis)
        let n = g.length
        guard n > 0, g.lineCount > 0 else { return }
        let plan = FFTPlan<T>.shared(count: n)
        let nb0 = lineBatchWidth(length: n, lines: g.lineCount, elementSize: MemoryLayout<T>.size)
        let gap = scratchGap(T.self)
        let scratch = 2 * n * nb0 + 2 * gap + plan.workCount(batch: nb0)
        forEachLineBatch(g, batchWidth: nb0, scratch: scratch, of: T.self) { lines, buffer in
            let nb = lines.count
            let br = buffer, bi = br + n * nb + gap, work = bi + n * nb + gap
            gatherComplex(re: re, im: im, lineStride: es, pointStride: g.inner * es, geometry: g, lines: lines,
                          count: n, into: br, bi)
            if inverse {
                plan.inverseTransform(real: br, imaginary: bi, batch: nb, work: work)
            } else {
                plan.transform(real: br, imaginary: bi, batch: nb, work: work)
            }
            scatterComplex(br, bi, scale: scale, re: re, im: im, lineStride: es, pointStride: g.inner * es,
                           geometry: g, lines: lines, count: n)
        }
    }

    /// Real-to-complex FFT along `axis`: `input` has `shape`; the outputs have `shape[axis] / 2 + 1` there.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func realForward<T: FFTScalar>(input: UnsafePointer<T>, shape: [Int], axis: Int,
                                          outRe: UnsafeMutablePointer<T>, outIm: UnsafeMutablePointer<T>,
                                          scale: T) {
        let gIn = LineGeometry(shape: shape, axis: axis)
        let n = gIn.length
        guard n > 0, gIn.lineCount > 0 else { return }
        var outShape = shape
        outShape[axis] = n / 2 + 1
        let gOut = LineGeometry(shape: outShape, axis: axis)
        let plan = RealFFTPlan<T>.shared(count: n)
        let packed = plan.packedCount, spectrum = plan.spectrumCount
        let even = n % 2 == 0
        // Even n packs z_k = x_2k + i·x_2k+1; odd n transforms x as complex with zero imaginary part.
        let nb0 = lineBatchWidth(length: n, lines: gIn.lineCount, elementSize: MemoryLayout<T>.size)
        let gap = scratchGap(T.self)
        let scratch = 2 * packed * nb0 + 2 * spectrum * nb0 + 4 * gap + plan.workCount(batch: nb0)
        let inner = gIn.inner
        forEachLineBatch(gIn, batchWidth: nb0, scratch: scratch, of: T.self) { lines, buffer in
            let nb = lines.count
            let zr = buffer, zi = zr + packed * nb + gap
            let xr = zi + packed * nb + gap, xi = xr + spectrum * nb + gap, work = xi + spectrum * nb + gap
            if even {
                gatherComplex(re: input, im: input + inner, lineStride: 1, pointStride: 2 * inner, geometry: gIn,
                              lines: lines, count: packed, into: zr, zi)
            } else {
                gatherReal(input, pointStride: inner, geometry: gIn, lines: lines, count: n, into: zr)
                zi.update(repeating: 0, count: packed * nb)
            }
            plan.forward(packedReal: zr, packedImaginary: zi, outRe: xr, outIm: xi, batch: nb, work: work)
            scatterComplex(xr, xi, scale: scale, re: outRe, im: outIm, lineStride: 1, pointStride: gOut.inner,
                           geometry: gOut, lines: lines, count: spectrum)
        }
    }

    /// Complex-to-real inverse FFT along `axis` producing `length` points: the input has `inShape` (any length
    /// along `axis`; the first `length / 2 + 1` points are used, missing ones are zero, like numpy's `irfft`).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func realInverse<T: FFTScalar>(inRe: UnsafePointer<T>, inIm: UnsafePointer<T>, inShape: [Int], axis: Int,
                                          length n: Int, output: UnsafeMutablePointer<T>, scale: T) {
        let gIn = LineGeometry(shape: inShape, axis: axis)
        var outShape = inShape
        outShape[axis] = n
        let gOut = LineGeometry(shape: outShape, axis: axis)
        guard n > 0, gOut.lineCount > 0 else { return }
        let plan = RealFFTPlan<T>.shared(count: n)
        let packed = plan.packedCount, spectrum = plan.spectrumCount
        let used = Swift.min(spectrum, gIn.length)
        let even = n % 2 == 0
        let nb0 = lineBatchWidth(length: n, lines: gOut.lineCount, elementSize: MemoryLayout<T>.size)
        let gap = scratchGap(T.self)
        let scratch = 2 * packed * nb0 + 2 * spectrum * nb0 + 4 * gap + plan.workCount(batch: nb0)
        let inner = gOut.inner
        forEachLineBatch(gOut, batchWidth: nb0, scratch: scratch, of: T.self) { lines, buffer in
            let nb = lines.count
            let zr = buffer, zi = zr + packed * nb + gap
            let xr = zi + packed * nb + gap, xi = xr + spectrum * nb + gap, work = xi + spectrum * nb + gap
            gatherComplex(re: inRe, im: inIm, lineStride: 1, pointStride: gIn.inner, geometry: gIn, lines: lines,
                          count: used, into: xr, xi)
            if used < spectrum {
                (xr + used * nb).update(repeating: 0, count: (spectrum - used) * nb)
                (xi + used * nb).update(repeating: 0, count: (spectrum - used) * nb)
            }
            plan.inverse(inRe: xr, inIm: xi, packedReal: zr, packedImaginary: zi, batch: nb, work: work)
            if even {
                scatterComplex(zr, zi, scale: scale, re: output, im: output + inner, lineStride: 1,
                               pointStride: 2 * inner, geometry: gOut, lines: lines, count: packed)
            } else {
                scatterReal(zr, scale: scale, into: output, pointStride: inner, geometry: gOut, lines: lines,
                            count: n)
            }
        }
    }
}
