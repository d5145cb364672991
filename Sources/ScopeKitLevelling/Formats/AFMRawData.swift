import Foundation
import ScopeKitCore
import ScopeKitIO

/// A stored sample type of AFM raw data (internal).
enum AFMSample: Sendable, Equatable {
    case int8, uint8, int16, uint16, int32, uint32, int64, float32, float64

    var byteCount: Int {
        switch self {
        case .int8, .uint8: 1
        case .int16, .uint16: 2
        case .int32, .uint32, .float32: 4
        case .int64, .float64: 8
        }
    }
}

/// Bounds-checked decoding of raw AFM frames into `Float64` (internal).
enum AFMRawData {
    /// The product of `factors`, or a `badInput` error on a negative factor or overflow.
    static func checkedProduct(_ factors: [Int], _ what: String, file: String) throws -> Int {
        var n = 1
        for f in factors {
            guard f >= 0 else { throw ScopeKitError.badInput("\(what): negative size \(f)", file: file) }
            let (m, overflow) = n.multipliedReportingOverflow(by: f)
            guard !overflow else { throw ScopeKitError.badInput("\(what): size \(factors) overflows", file: file) }
            n = m
        }
        return n
    }

    /// Reads `rows × cols` samples stored row by row at `offset` and writes them as exact `Double`s into `dst`
    /// (C order), flipping the row order when `flipRows` is set (row 0 of the result = last stored row).
    ///
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` when the bytes lie outside the file.
    static func decode(_ file: RandomAccessFile, offset: Int, rows: Int, cols: Int, sample: AFMSample,
                       bigEndian: Bool, flipRows: Bool, into dst: UnsafeMutableBufferPointer<Double>,
                       what: String) throws {
        let count = try checkedProduct([rows, cols, sample.byteCount], what, file: file.path)
        guard dst.count >= rows * cols else {
            throw ScopeKitError.processing("\(what): destination too small")
        }
        try file.checkRange(offset: offset, count: count, what: what)
        let bytes = try file.bytes(at: offset, count: count, what: what)
        bytes.withUnsafeBytes { raw in
            for r in 0..<rows {
                let srcRow = flipRows ? rows - 1 - r : r
                let src = raw.baseAddress! + srcRow * cols * sample.byteCount
                let out = dst.baseAddress! + r * cols
                convertRow(src, count: cols, sample: sample, bigEndian: bigEndian, into: out)
            }
        }
    }

    /// Converts `count` samples at `src` into doubles.
    static func convertRow(_ src: UnsafeRawPointer, count: Int, sample: AFMSample, bigEndian: Bool,
                           into out: UnsafeMutablePointer<Double>) {
        @inline(__always) func load<T: FixedWidthInteger>(_ i: Int, _: T.Type) -> T {
            let v = src.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self)
            return bigEndian ? T(bigEndian: v) : T(littleEndian: v)
        }
        switch sample {
        case .int8: for i in 0..<count { out[i] = Double(load(i, Int8.self)) }
        case .uint8: for i in 0..<count { out[i] = Double(load(i, UInt8.self)) }
        case .int16: for i in 0..<count { out[i] = Double(load(i, Int16.self)) }
        case .uint16: for i in 0..<count { out[i] = Double(load(i, UInt16.self)) }
        case .int32: for i in 0..<count { out[i] = Double(load(i, Int32.self)) }
        case .uint32: for i in 0..<count { out[i] = Double(load(i, UInt32.self)) }
        case .int64: for i in 0..<count { out[i] = Double(load(i, Int64.self)) }
        case .float32: for i in 0..<count { out[i] = Double(Float(bitPattern: load(i, UInt32.self))) }
        case .float64: for i in 0..<count { out[i] = Double(bitPattern: load(i, UInt64.self)) }
        }
    }

    /// Applies `transform` to every element in place.
    @inline(__always)
    static func apply(_ dst: UnsafeMutableBufferPointer<Double>, _ transform: (Double) -> Double) {
        for i in dst.indices { dst[i] = transform(dst[i]) }
    }

    /// Standard calibration of an AFM image or movie: nm per pixel on rows and columns, seconds per frame.
    static func calibration(rows: Int, cols: Int, frames: Int?, rowStep: Double, colStep: Double,
                            frameSeconds: Double? = nil, unit: String) -> Calibration {
        var axes = [AxisCalibration(name: "y", scale: rowStep, unit: "nm"),
                    AxisCalibration(name: "x", scale: colStep, unit: "nm")]
        if frames != nil {
            axes.insert(frameSeconds.map { AxisCalibration(name: "t", scale: $0, unit: "s") }
                        ?? AxisCalibration(name: "t"), at: 0)
        }
        return Calibration(axes: axes, intensity: IntensityCalibration(unit: unit))
    }

    /// Formats a double for metadata with full precision.
    static func text(_ v: Double) -> String { "\(v)" }
}

/// Helpers for the `key: value` text headers of Bruker and WSxM files (internal).
enum AFMText {
    /// Decodes bytes as Latin-1 (every byte maps to one character; never fails).
    static func latin1(_ bytes: some Collection<UInt8>) -> String {
        String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
    }

    /// The leading decimal number of `s` (after spaces), e.g. `12.5` in `" 12.5 nm"`.
    static func leadingNumber(_ s: Substring) -> (value: Double, rest: Substring)? {
        let t = s.drop { $0 == " " || $0 == "\t" }
        var end = t.startIndex
        while end < t.endIndex, "+-0123456789.eE".contains(t[end]) { end = t.index(after: end) }
        guard end > t.startIndex, let v = Double(t[t.startIndex..<end]) else { return nil }
        return (v, t[end...])
    }

    /// The factor that converts a length unit to nm (`"nm"` → 1, `"µm"`/`"um"`/`"~m"` → 1000), or nil.
    static func nanometres(per unit: String) -> Double? {
        switch unit.trimmingCharacters(in: .whitespaces) {
        case "pm": 1e-3
        case "Å", "A": 0.1
        case "nm": 1
        case "um", "µm", "μm", "~m", "\u{00C2}\u{00B5}m": 1e3
        case "mm": 1e6
        case "m": 1e9
        default: nil
        }
    }
}
