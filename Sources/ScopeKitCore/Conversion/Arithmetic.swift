extension NDArray where Element: RealArrayElement {
    /// Element-wise `self + value`, computed in `Double` and converted back to `Element` under `policy`.
    ///
    /// The sum never wraps around: uint8 200 + 100 is 255 under ``ConversionPolicy/clip``, an error under
    /// ``ConversionPolicy/reject``, and the results are spread over 0…255 under
    /// ``ConversionPolicy/rescaleData``. ``ConversionPolicy/rescaleRange`` has no meaning here (the result's
    /// nominal range is the element type's own) and is a usage error.
    ///
    /// ```swift
    /// let a = NDArray<UInt8>([0, 100, 200], shape: [3])
    /// try a.adding(100, policy: .clip)         // [100, 200, 255]
    /// try a.adding(100, policy: .rescaleData)  // [0, 128, 255]
    /// ```
    ///
    /// - Parameters:
    ///   - value: the number added to every element.
    ///   - policy: what happens to sums outside `Element`'s range.
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` under `reject`; ``ScopeKitError/usage(_:)`` for `rescaleRange`.
    /// - Complexity: O(count). Exact for every type but `int64` beyond ±2^53 (computed in `Double`).
    @inlinable
    public func adding(_ value: Double, policy: ConversionPolicy) throws -> NDArray {
        try _elementwise(policy: policy) { $0 + value }
    }

    /// Element-wise `self · factor`, computed in `Double` and converted back under `policy`.
    ///
    /// See ``adding(_:policy:)`` for the policies. Products of integers round to nearest, ties to even.
    ///
    /// ```swift
    /// let a = NDArray<Int16>([-20000, 100], shape: [2])
    /// try a.multiplied(by: 2, policy: .clip)   // [-32768, 200]
    /// ```
    ///
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` under `reject`; ``ScopeKitError/usage(_:)`` for `rescaleRange`.
    /// - Complexity: O(count).
    @inlinable
    public func multiplied(by factor: Double, policy: ConversionPolicy) throws -> NDArray {
        try _elementwise(policy: policy) { $0 * factor }
    }

    /// Element-wise `self + other` for arrays of equal shape, computed in `Double`, converted under `policy`.
    ///
    /// ```swift
    /// let sum = try frameA.adding(frameB, policy: .clip)   // two uint16 frames, saturated at 65535
    /// ```
    ///
    /// - Throws: ``ScopeKitError/usage(_:)`` when the shapes differ or for `rescaleRange`;
    ///   ``ScopeKitError/badInput(_:file:)`` under `reject`.
    /// - Complexity: O(count).
    @inlinable
    public func adding(_ other: NDArray, policy: ConversionPolicy) throws -> NDArray {
        guard other.shape == shape else {
            throw ScopeKitError.usage("cannot add arrays of shapes \(shape) and \(other.shape)")
        }
        guard policy != .rescaleRange else { throw ScopeKitError.usage(_rescaleRangeArithmeticMessage) }
        let wide = withUnsafeBufferPointer { a in
            other.withUnsafeBufferPointer { b in
                NDArray<Double>(unsafeUninitializedShape: shape) { dst in
                    guard let pa = a.baseAddress, let pb = b.baseAddress, let pd = dst.baseAddress else { return }
                    Parallel.forEachChunk(0..<count, minimumChunk: _conversionChunk) { range in
                        for i in range { pd[i] = pa[i].doubleValue + pb[i].doubleValue }
                    }
                }
            }
        }
        var r = try wide.converted(to: Element.self, policy: policy)
        r.calibration = calibration
        r.metadata = metadata
        return r
    }

    @inlinable
    func _elementwise(policy: ConversionPolicy, _ op: (Double) -> Double) throws -> NDArray {
        guard policy != .rescaleRange else { throw ScopeKitError.usage(_rescaleRangeArithmeticMessage) }
        let wide = withUnsafeBufferPointer { a in
            NDArray<Double>(unsafeUninitializedShape: shape) { dst in
                _mapElements(a, dst) { op($0.doubleValue) }
            }
        }
        var r = try wide.converted(to: Element.self, policy: policy)
        r.calibration = calibration
        r.metadata = metadata
        return r
    }
}

@usableFromInline
let _rescaleRangeArithmeticMessage =
    "policy rescaleRange has no meaning for arithmetic; use clip, reject or rescaleData"
