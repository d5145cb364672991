import Foundation
import Testing
@testable import ScopeKitCore

// The array core: copy-on-write, frame views, reshape, stacking, raw bytes, AnyArray round trips.

@Test func copiesShareStorageUntilWritten() {
    var a = NDArray<Float>([1, 2, 3, 4], shape: [2, 2])
    let b = a
    #expect(a.withUnsafeBufferPointer { $0.baseAddress } == b.withUnsafeBufferPointer { $0.baseAddress })
    a[0, 1] = 9
    #expect(a.elements == [1, 9, 3, 4])
    #expect(b.elements == [1, 2, 3, 4])
    #expect(a.withUnsafeBufferPointer { $0.baseAddress } != b.withUnsafeBufferPointer { $0.baseAddress })
    // A unique array is written in place.
    let before = a.withUnsafeBufferPointer { $0.baseAddress }
    a.withUnsafeMutableBufferPointer { $0[3] = 7 }
    #expect(a.withUnsafeBufferPointer { $0.baseAddress } == before)
    #expect(a.elements == [1, 9, 3, 7])
}

@Test func framesAreViewsWithoutCopying() {
    var stack = NDArray<UInt16>(zeros: [3, 2, 2])
    stack.withUnsafeMutableBufferPointer { p in for i in p.indices { p[i] = UInt16(i) } }
    let f1 = stack.frame(1)
    #expect(f1.shape == [2, 2])
    #expect(f1.elements == [4, 5, 6, 7])
    #expect(f1.withUnsafeBufferPointer { $0.baseAddress } == stack.withUnsafeBufferPointer { $0.baseAddress! + 4 })
    // Writing the view copies it, not the stack.
    var g = f1
    g[flat: 0] = 100
    #expect(g.elements == [100, 5, 6, 7])
    #expect(stack.frame(1).elements == [4, 5, 6, 7])
    stack.setFrame(2, to: NDArray<UInt16>([9, 9, 9, 9], shape: [2, 2]))
    #expect(stack.frame(2).elements == [9, 9, 9, 9])
    #expect(stack.frame(0).elements == [0, 1, 2, 3])
}

@Test func reshapeKeepsElementsAndTrailingCalibration() {
    var a = NDArray<Int32>(Array(0..<12), shape: [3, 4])
    a.calibration.axes[1] = AxisCalibration(name: "x", scale: 2, unit: "nm")
    let r = a.reshaped([1, 3, 4])
    #expect(r.shape == [1, 3, 4])
    #expect(r.elements == a.elements)
    #expect(r.calibration.axes[2] == a.calibration.axes[1])
    let flat = a.reshaped([12])
    #expect(flat[7] == 7)
    #expect(a.flatIndex([2, 1]) == 9)
}

@Test func stackingAddsAFrameAxis() {
    let f0 = NDArray<Double>([1, 2], shape: [1, 2]), f1 = NDArray<Double>([3, 4], shape: [1, 2])
    let s = NDArray(stacking: [f0, f1])
    #expect(s.shape == [2, 1, 2])
    #expect(s.elements == [1, 2, 3, 4])
    #expect(s.calibration.axes.count == 3)
    #expect(s.calibration.axes[0].name == "frame")
    #expect(s.frame(1) == f1)
}

@Test func rawBytesRoundTripWithByteSwapping() throws {
    let bigEndian: [UInt8] = [0x01, 0x02, 0xFF, 0xFE]
    let a = try bigEndian.withUnsafeBytes { try NDArray<UInt16>(rawBytes: $0, shape: [2], bigEndian: true) }
    #expect(a.elements == [0x0102, 0xFFFE])
    let b = try bigEndian.withUnsafeBytes { try NDArray<UInt16>(rawBytes: $0, shape: [2], bigEndian: false) }
    #expect(b.elements == [0x0201, 0xFEFF])
    // complex64 swaps each float separately.
    let c = NDArray<Complex64>([Complex64(1.5, -2)], shape: [1])
    let swapped = c.withUnsafeBytes { raw -> [UInt8] in
        let x = Array(raw)
        return Array(x[0..<4].reversed()) + Array(x[4..<8].reversed())
    }
    let back = try swapped.withUnsafeBytes { try NDArray<Complex64>(rawBytes: $0, shape: [1], bigEndian: true) }
    #expect(back == c)
    // Too few bytes is an error, not a crash.
    #expect(throws: ScopeKitError.self) {
        try [UInt8](repeating: 0, count: 3).withUnsafeBytes { try NDArray<Float>(rawBytes: $0, shape: [1], bigEndian: false) }
    }
}

@Test func anyArrayRoundTrips() throws {
    for dtype in DType.allCases {
        let z = AnyArray(zeros: [2, 3], dtype: dtype)
        #expect(z.dtype == dtype && z.shape == [2, 3] && z.count == 6)
        let bytes = z.rawBytes
        let back = try bytes.withUnsafeBytes { try AnyArray(rawBytes: $0, shape: [2, 3], dtype: dtype, bigEndian: false) }
        #expect(back == z)
        #expect(DType(name: dtype.name.uppercased()) == dtype)
    }
    var typed = NDArray<Int16>([-3, 4], shape: [2])
    typed.metadata["k"] = "v"
    var any = AnyArray(typed)
    #expect(any.typed(as: Int16.self) == typed)
    #expect(any.typed(as: Float.self) == nil)
    #expect(any.asFloat64().elements == [-3, 4])
    #expect(any.asFloat32().metadata["k"] == "v")
    any.calibration.intensity.unit = "nm"
    #expect(any.typed(as: Int16.self)!.calibration.intensity.unit == "nm")
    #expect(any.reshaped([1, 2]).shape == [1, 2])
}
