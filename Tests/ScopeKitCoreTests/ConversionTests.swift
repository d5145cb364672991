import Foundation
import Testing
@testable import ScopeKitCore

// dtype conversion: the 11 × 11 table against numpy/scikit-image references
// (Tests/Fixtures/statistics/conversions.json) and the policies on known values.

struct ConversionFixture: Decodable {
    struct Entry: Decodable {
        let source, target: String
        let clip, rescaleData: EncodedArray
        let rescaleRange: EncodedArray?
        let rejectIndex: Int
    }
    let table: [Entry]
    let sources: [String: EncodedArray]
    let rangeSources: [String: EncodedArray]
}

private let conversionFixture: ConversionFixture? =
    try? Fixtures.load(ConversionFixture.self, "statistics", "conversions.json")

@Test("conversions between all dtypes match the numpy/scikit-image table",
      arguments: DType.allCases.map(\.name))
func conversionTable(source: String) throws {
    let f = try #require(conversionFixture, "fixture conversions.json missing: run Scripts/fixtures/statistics.py")
    let input = try #require(f.sources[source]).decoded()
    let rangeInput = try #require(f.rangeSources[source]).decoded()
    for e in f.table where e.source == source {
        let target = try #require(DType(name: e.target))
        let label = "\(e.source) → \(e.target)"
        let clipped = try input.converted(to: target, policy: .clip)
        #expect(clipped.dtype == target)
        #expect(clipped.rawBytes == (try e.clip.decoded()).rawBytes, "\(label) clip")
        #expect(try input.converted(to: target, policy: .rescaleData).rawBytes == (try e.rescaleData.decoded()).rawBytes,
                "\(label) rescaleData")
        if e.rejectIndex < 0 {
            #expect(try input.converted(to: target, policy: .reject).rawBytes == clipped.rawBytes, "\(label) reject")
        } else {
            do {
                _ = try input.converted(to: target, policy: .reject)
                Issue.record("\(label): reject did not throw (first bad index \(e.rejectIndex))")
            } catch let error as ScopeKitError {
                #expect(error.kind == .badInput)
                #expect(error.reason.contains("at index [\(e.rejectIndex)]"), "\(label): \(error.reason)")
            }
        }
        if let reference = e.rescaleRange {
            #expect(try rangeInput.converted(to: target, policy: .rescaleRange).rawBytes == (try reference.decoded()).rawBytes,
                    "\(label) rescaleRange")
        }
    }
}

@Test func uint8OverflowUnderEachPolicy() throws {
    let a = NDArray<UInt8>([0, 100, 200], shape: [3])
    #expect(try a.adding(100, policy: .clip).elements == [100, 200, 255])
    #expect(throws: ScopeKitError.badInput("value 300.0 at index [2] is outside uint8 0...255")) {
        try a.adding(100, policy: .reject)
    }
    #expect(try a.adding(100, policy: .rescaleData).elements == [0, 128, 255])   // 127.5 → 128 (ties to even)
    #expect(throws: ScopeKitError.self) { try a.adding(100, policy: .rescaleRange) }
    // The single pixel of the issue: 200 + 100.
    let one = NDArray<UInt8>([200], shape: [1])
    #expect(try one.adding(100, policy: .clip).elements == [255])
    #expect(throws: ScopeKitError.self) { try one.adding(100, policy: .reject) }
    #expect(try one.adding(100, policy: .rescaleData).elements == [0])          // constant data → range start
    // Arrays and factors.
    #expect(try a.adding(a, policy: .clip).elements == [0, 200, 255])
    #expect(try NDArray<Int16>([-20000, 100], shape: [2]).multiplied(by: 2, policy: .clip).elements == [-32768, 200])
    #expect(throws: ScopeKitError.self) { try a.adding(NDArray<UInt8>(zeros: [2]), policy: .clip) }
}

@Test func floatToIntegerRoundsHalfToEvenAndHandlesNaN() throws {
    let f = NDArray<Float>([0.5, 1.5, 2.5, -0.5, -1.5, 254.5, 255.5, .nan, .infinity, -.infinity], shape: [10])
    #expect(try f.converted(to: UInt8.self, policy: .clip).elements == [0, 2, 2, 0, 0, 254, 255, 0, 255, 0])
    #expect(try f.converted(to: Int8.self, policy: .clip).elements == [0, 2, 2, 0, -2, 127, 127, 0, 127, -128])
    #expect(try f.converted(to: Int64.self, policy: .clip).elements
            == [0, 2, 2, 0, -2, 254, 256, 0, Int64.max, Int64.min])
    #expect(try f.converted(to: Bool.self, policy: .clip).elements
            == [true, true, true, true, true, true, true, false, true, true])
    // reject names the first offending value: -1.5 rounds to -2 (-0.5 rounds to 0 and is accepted).
    #expect(throws: ScopeKitError.badInput("value -1.5 at index [4] is outside uint8 0...255")) {
        try f.converted(to: UInt8.self, policy: .reject)
    }
    let nan = NDArray<Double>([1, .nan], shape: [1, 2])
    #expect(throws: ScopeKitError.badInput("value nan at index [0, 1] is outside int32 -2147483648...2147483647")) {
        try nan.converted(to: Int32.self, policy: .reject)
    }
    // float64 → float32 saturates finite values, keeps ±∞ and NaN.
    let big = NDArray<Double>([1e300, -1e300, .infinity, 1], shape: [4])
    #expect(try big.converted(to: Float.self, policy: .clip).elements
            == [.greatestFiniteMagnitude, -.greatestFiniteMagnitude, .infinity, 1])
    #expect(throws: ScopeKitError.self) { try big.converted(to: Float.self, policy: .reject) }
}

@Test func rescaleRangeFollowsScikitImage() throws {
    let u8 = NDArray<UInt8>([0, 1, 128, 255], shape: [4])
    #expect(try u8.converted(to: UInt16.self, policy: .rescaleRange).elements == [0, 257, 32896, 65535])
    #expect(try u8.converted(to: Double.self, policy: .rescaleRange).elements == [0, 1.0 / 255, 128.0 / 255, 1])
    #expect(try u8.converted(to: Bool.self, policy: .rescaleRange).elements == [false, false, true, true])
    let u16 = NDArray<UInt16>([0, 255, 256, 65535], shape: [4])
    #expect(try u16.converted(to: UInt8.self, policy: .rescaleRange).elements == [0, 0, 1, 255])
    let i16 = NDArray<Int16>([-32768, -1, 0, 32767], shape: [4])
    #expect(try i16.converted(to: UInt8.self, policy: .rescaleRange).elements == [0, 0, 0, 255])
    #expect(try i16.converted(to: Int8.self, policy: .rescaleRange).elements == [-128, -1, 0, 127])
    #expect(try i16.converted(to: Float.self, policy: .rescaleRange).elements == [-1, -1 / Float(32767), 0, 1])
    let f = NDArray<Float>([-1, 0, 0.5, 1, 2], shape: [5])
    #expect(try f.converted(to: UInt8.self, policy: .rescaleRange).elements == [0, 0, 128, 255, 255])
    #expect(try f.converted(to: Int16.self, policy: .rescaleRange).elements == [-32768, 0, 16383, 32767, 32767])
}

@Test func conversionKeepsCalibrationAndMetadata() throws {
    var a = NDArray<UInt16>([0, 100, 65535], shape: [1, 3])
    a.calibration.axes[1] = AxisCalibration(name: "x", scale: 0.5, unit: "nm")
    a.calibration.intensity = IntensityCalibration(offset: 10, scale: 2, unit: "pA")
    a.metadata["tiff.Software"] = "test"
    let clipped = try a.converted(to: UInt8.self, policy: .clip)
    #expect(clipped.calibration == a.calibration)
    #expect(clipped.metadata == a.metadata)
    // Rescaling updates the intensity calibration so that physical values are kept.
    let f = try a.converted(to: Float.self, policy: .rescaleRange)
    #expect(f.calibration.axes == a.calibration.axes)
    #expect(f.calibration.intensity.scale == 2 * 65535)
    #expect(close(f.calibration.intensity.physical(Double(f[0, 1])), 210, relative: 1e-6))
    let d = try a.converted(to: UInt8.self, policy: .rescaleData)
    #expect(d.elements == [0, 0, 255])
    #expect(close(d.calibration.intensity.physical(255), a.calibration.intensity.physical(65535), relative: 1e-14))
    // AnyArray keeps them too; converting to the own dtype returns the array unchanged.
    let any = AnyArray(a)
    #expect(try any.converted(to: .float64, policy: .clip).calibration == a.calibration)
    #expect(try any.converted(to: .uint16, policy: .reject) == any)
}

@Test func largeConversionsAreParallelAndExact() throws {
    let n = 200_000
    let u = NDArray<UInt16>((0..<n).map { UInt16(truncatingIfNeeded: $0 &* 7919) }, shape: [n])
    let f = try u.converted(to: Float.self, policy: .clip)
    #expect(zip(u.elements, f.elements).allSatisfy { Float($0) == $1 })
    let back = try f.adding(0.4, policy: .clip).converted(to: UInt16.self, policy: .clip)
    #expect(back == u)
}
