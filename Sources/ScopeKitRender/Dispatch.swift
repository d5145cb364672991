import ScopeKitCore

/// A generic operation on a typed array, run by ``AnyArray/applying(_:)`` with the element type known at
/// compile time, so that the hot loops are specialised for each dtype (an unspecialised generic loop calls
/// `doubleValue` through a witness table per pixel and runs ~20× slower).
///
/// Public generic entry points (`func f<T>(_ a: NDArray<T>)`, unspecialised when called from another module)
/// must wrap first, `AnyArray(a).applying(op)`: a call still generic in `T` would not be specialised.
protocol TypedArrayOperation {
    associatedtype Result
    /// `Never` for operations that cannot fail.
    associatedtype Failure: Error = Never
    func callAsFunction<T: ArrayElement>(_ array: NDArray<T>) throws(Failure) -> Result
}

extension AnyArray {
    /// Runs `operation` on the typed array inside, specialised per dtype.
    func applying<Op: TypedArrayOperation>(_ operation: Op) throws(Op.Failure) -> Op.Result {
        switch self {
        case .bool(let a): try operation(a)
        case .uint8(let a): try operation(a)
        case .int8(let a): try operation(a)
        case .uint16(let a): try operation(a)
        case .int16(let a): try operation(a)
        case .uint32(let a): try operation(a)
        case .int32(let a): try operation(a)
        case .int64(let a): try operation(a)
        case .float32(let a): try operation(a)
        case .float64(let a): try operation(a)
        case .complex64(let a): try operation(a)
        }
    }
}
