extension NDArray {
    /// The array converted to another element type under an explicit out-of-range policy.
    ///
    /// Float → integer rounds to nearest, ties to even (numpy's `rint`) under every policy; values the target
    /// cannot hold are handled as `policy` says (see ``ConversionPolicy``): saturated (``ConversionPolicy/clip``),
    /// refused with an error naming the first offending value and its index (``ConversionPolicy/reject``), or
    /// avoided by rescaling (``ConversionPolicy/rescaleRange``, ``ConversionPolicy/rescaleData``). Nothing
    /// ever wraps around.
    ///
    /// Calibration and metadata are kept. Under the two rescaling policies the intensity calibration is
    /// updated so that physical values (`offset + scale · stored`) stay the same up to rounding.
    ///
    /// ```swift
    /// let raw = NDArray<UInt16>([0, 1000, 65535], shape: [3])
    /// let f = try raw.converted(to: Float.self, policy: .clip)          // [0, 1000, 65535]
    /// let u8 = try raw.converted(to: UInt8.self, policy: .clip)         // [0, 255, 255]
    /// let r8 = try raw.converted(to: UInt8.self, policy: .rescaleRange) // [0, 3, 255]  (x >> 8)
    /// ```
    ///
    /// - Parameters:
    ///   - type: the target element type.
    ///   - policy: what happens to values outside the target's range.
    /// - Returns: a new array of the same shape (a copy even when `U == Element`).
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` under ``ConversionPolicy/reject`` when a value does not fit,
    ///   e.g. `value 300 at index [0, 2] is outside uint8 0...255`.
    /// - Complexity: O(count), one pass (two for `reject` and `rescaleData`), parallel over ``Parallel``.
    ///   Matches `numpy.ndarray.astype` for in-range values and `skimage.util.img_as_*` for `rescaleRange`.
    @inlinable
    public func converted<U: ArrayElement>(to type: U.Type, policy: ConversionPolicy) throws -> NDArray<U> {
        var result = try withUnsafeBufferPointer { src in
            try NDArray<U>(unsafeUninitializedShape: shape) { dst in
                if Element.self == U.self && policy != .rescaleData {
                    if let s = src.baseAddress, let d = dst.baseAddress, !src.isEmpty {
                        UnsafeMutableRawPointer(d).copyMemory(from: s, byteCount: src.count * MemoryLayout<U>.stride)
                    }
                    return
                }
                switch policy {
                case .clip:
                    _convertClipping(src, dst)
                case .reject:
                    if let i = _firstRejectedIndex(src, to: U.dtype) {
                        throw ScopeKitError.badInput(
                            "value \(_valueDescription(src[i])) at index \(_multiIndexDescription(i, shape: shape)) "
                                + "is outside \(U.dtype._rangeDescription)")
                    }
                    _convertClipping(src, dst)
                case .rescaleRange:
                    _convertRescalingRange(src, dst)
                case .rescaleData:
                    _convertRescalingData(src, dst)
                    return
                }
            }
        }
        result.calibration = calibration
        result.metadata = metadata
        if policy == .rescaleRange || policy == .rescaleData,
           let map = withUnsafeBufferPointer({ _rescaleAffineMap(src: $0, policy: policy, to: U.dtype) }) {
            result.calibration.intensity = calibration.intensity._afterAffineMap(a: map.a, b: map.b)
        }
        return result
    }
}

/// The affine map a rescaling conversion applies to stored values (nominal for `rescaleRange`), or `nil`
/// when it is the identity or has no inverse (→ bool).
@inlinable
func _rescaleAffineMap<T: ArrayElement>(src: UnsafeBufferPointer<T>, policy: ConversionPolicy,
                                        to d: DType) -> (a: Double, b: Double)? {
    let s = T.dtype
    if d == .bool { return nil }
    if policy == .rescaleData {
        let (lo, hi) = _finiteExtrema(src) ?? (0, 0)
        let m = _rescaleDataMap(lo: lo, hi: hi, to: d)
        return m.a == 0 ? nil : m  // the same map as the kernel's (x − lo)·span/width + bottom, up to rounding
    }
    return _rescaleRangeMap(from: s, to: d)
}

/// The nominal affine map of ``ConversionPolicy/rescaleRange`` from dtype `s` to dtype `d`.
@usableFromInline
func _rescaleRangeMap(from s: DType, to d: DType) -> (a: Double, b: Double)? {
    let sInt = s.isInteger || s == .bool, dInt = d.isInteger
    switch (sInt, dInt) {
    case (false, false):
        return nil
    case (true, false):
        return (1 / s._int64Range!.hi.doubleValue, 0)
    case (false, true):
        let (lo, hi) = d._int64Range!
        return d.isSignedInteger ? ((Double(hi) - Double(lo)) / 2, -0.5) : (Double(hi), 0)
    case (true, true):
        // Map the non-negative parts for mixed signedness, the full ranges otherwise.
        let (slo, shi) = s._int64Range!, (dlo, dhi) = d._int64Range!
        let mixed = s.isSignedInteger != d.isSignedInteger
        let sl = mixed ? 0 : Double(slo), dl = mixed ? 0 : Double(dlo)
        let a = (Double(dhi) - dl) / (Double(shi) - sl)
        return (a, dl - a * sl)
    }
}

extension IntensityCalibration {
    /// The calibration of values `y = a·x + b` that keeps `offset + scale·x` unchanged.
    @usableFromInline
    func _afterAffineMap(a: Double, b: Double) -> IntensityCalibration {
        IntensityCalibration(offset: offset - scale * b / a, scale: scale / a, unit: unit)
    }
}

extension AnyArray {
    /// The array converted to a run-time dtype under an explicit out-of-range policy.
    ///
    /// The run-time counterpart of ``NDArray/converted(to:policy:)``, with the same rules; converting to the
    /// dtype the array already has returns it unchanged (except under ``ConversionPolicy/rescaleData``).
    ///
    /// ```swift
    /// let image = try ImageIO.read(url)                              // e.g. .float32
    /// let out = try image.converted(to: .uint16, policy: .clip)      // rounded, saturated
    /// ```
    ///
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` under ``ConversionPolicy/reject`` when a value does not fit.
    /// - Complexity: O(count).
    public func converted(to dtype: DType, policy: ConversionPolicy) throws -> AnyArray {
        if dtype == self.dtype && policy != .rescaleData { return self }
        switch self {
        case .bool(let a): return try AnyArray._converted(a, to: dtype, policy: policy)
        case .uint8(let a): return try AnyArray._converted(a, to: dtype, policy: policy)
        case .int8(let a): return try AnyArray._converted(a, to: dtype, policy: policy)
        case .uint16(let a): return try AnyArray._converted(a, to: dtype, policy: policy)
        case .int16(let a): return try AnyArray._converted(a, to: dtype, policy: policy)
        case .uint32(let a): return try AnyArray._converted(a, to: dtype, policy: policy)
        case .int32(let a): return try AnyArray._converted(a, to: dtype, policy: policy)
        case .int64(let a): return try AnyArray._converted(a, to: dtype, policy: policy)
        case .float32(let a): return try AnyArray._converted(a, to: dtype, policy: policy)
        case .float64(let a): return try AnyArray._converted(a, to: dtype, policy: policy)
        case .complex64(let a): return try AnyArray._converted(a, to: dtype, policy: policy)
        }
    }

    private static func _converted<T: ArrayElement>(_ a: NDArray<T>, to dtype: DType,
                                                    policy: ConversionPolicy) throws -> AnyArray {
        switch dtype {
        case .bool: .bool(try a.converted(to: Bool.self, policy: policy))
        case .uint8: .uint8(try a.converted(to: UInt8.self, policy: policy))
        case .int8: .int8(try a.converted(to: Int8.self, policy: policy))
        case .uint16: .uint16(try a.converted(to: UInt16.self, policy: policy))
        case .int16: .int16(try a.converted(to: Int16.self, policy: policy))
        case .uint32: .uint32(try a.converted(to: UInt32.self, policy: policy))
        case .int32: .int32(try a.converted(to: Int32.self, policy: policy))
        case .int64: .int64(try a.converted(to: Int64.self, policy: policy))
        case .float32: .float32(try a.converted(to: Float.self, policy: policy))
        case .float64: .float64(try a.converted(to: Double.self, policy: policy))
        case .complex64: .complex64(try a.converted(to: Complex64.self, policy: policy))
        }
    }
}
