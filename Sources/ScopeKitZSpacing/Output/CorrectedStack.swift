import ScopeKitCore
import ScopeKitIO

extension ZSpacingRenderer {
    /// The element type of a rendered stack for an input type: integer types the TIFF writer stores
    /// (uint8, int8, uint16, int16, uint32, int32) are kept; everything else becomes float32.
    public static func outputType(for input: DType) -> DType {
        switch input {
        case .uint8, .int8, .uint16, .int16, .uint32, .int32: input
        default: .float32
        }
    }

    /// Renders a stack read from a file into a new in-memory stack of the input's element type, with the
    /// z calibration updated — what the CLI writes as `corrected.tif`.
    ///
    /// Each output slice is the linear blend of ``plan(for:upsample:)`` computed in `Float`; for integer
    /// inputs (see ``outputType(for:)``) it is rounded to nearest (ties to even) and clipped to the type's
    /// range, and NaN slices (u > 1 outside the positions' range) become 0; other inputs give float32.
    /// Slices are rendered in parallel; each reads its two bracketing planes from the file, so only the
    /// output stack and two planes per worker are in memory.
    ///
    /// ```swift
    /// let file = try ImageIO.open(url)
    /// let corrected = try ZSpacingRenderer.renderStack(file, result: result)      // uint8 in → uint8 out
    /// try ImageIO.write(corrected, to: outURL)
    /// ```
    ///
    /// - Parameters:
    ///   - file: the opened stack (plane count = the result's section count).
    ///   - result: the corrected positions.
    ///   - upsample: z upsampling u ≥ 1 ((N − 1)·u + 1 slices).
    ///   - dtype: the output element type; `nil` = ``outputType(for:)`` of the input.
    ///   - progress: advanced once per output slice.
    /// - Returns: `[slices] + planeShape`, calibration of the file with the z (first) axis scale divided by u
    ///   and a `scopekit.zspacing` metadata entry.
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` when the file does not match the result, plus read errors.
    /// - Complexity: O(slices · pixels).
    public static func renderStack(_ file: any ImageFile, result: ZSpacingResult, upsample u: Int = 1,
                                   dtype: DType? = nil, progress: WorkProgress? = nil) throws -> AnyArray {
        let info = file.info
        guard info.planeCount == result.count else {
            throw ScopeKitError.badInput("the file has \(info.planeCount) planes, the result \(result.count) sections")
        }
        let slices = try plan(for: result, upsample: u)
        let target = dtype ?? outputType(for: info.dtype)
        let shape = info.planeShape
        let plane = shape.reduce(1, *)
        var out = try AnyArray.assemblingPlanes(shape: [slices.count] + shape, dtype: target,
                                                planeCount: slices.count) { z in
            let slice = slices[z]
            let a = try slice.map { try file.readPlane($0.lower).asFloat32() }
            let b = try slice.map { $0.upper == $0.lower ? a! : try file.readPlane($0.upper).asFloat32() }
            for p in [a, b] where p != nil && p!.count != plane {
                throw ScopeKitError.badInput("a plane has shape \(p!.shape), expected \(shape)")
            }
            let blended = NDArray<Float>(unsafeUninitializedShape: shape) { dst in
                guard let a, let b, let slice else {
                    blend(nil, plane: plane, into: dst.baseAddress!) { _ in fatalError("unreachable") }
                    return
                }
                a.withUnsafeBufferPointer { pa in
                    b.withUnsafeBufferPointer { pb in
                        blend(slice, plane: plane, into: dst.baseAddress!) { $0 == slice.lower ? pa.baseAddress! : pb.baseAddress! }
                    }
                }
            }
            progress?.advance()
            return try AnyArray(blended).converted(to: target, policy: .clip)
        }
        var calibration = info.calibration
        if calibration.axes.count == out.shape.count {
            calibration = Self.calibration(from: calibration, upsample: u)
        } else {
            calibration = Calibration(rank: out.shape.count)
        }
        out.calibration = calibration
        var metadata = info.metadata
        metadata["scopekit.zspacing"] = "rendered from \(result.count) sections, upsample \(u)"
        out.metadata = metadata
        return out
    }
}
