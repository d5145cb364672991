import ScopeKitCore

/// Pixel types levelling accepts: `Float` (the processing type) and `Double` (for parity with float64
/// references). Work is done per frame in Float64 either way.
public protocol LevellingScalar: ArrayElement & BinaryFloatingPoint {
    /// Converts `count` elements to Double.
    static func _load(_ src: UnsafePointer<Self>, into dst: UnsafeMutablePointer<Double>, count: Int)
    /// Converts `count` Doubles back (rounding to nearest).
    static func _store(_ src: UnsafePointer<Double>, into dst: UnsafeMutablePointer<Self>, count: Int)
}

extension Float: LevellingScalar {
    public static func _load(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Double>, count: Int) {
        for i in 0..<count { dst[i] = Double(src[i]) }
    }
    public static func _store(_ src: UnsafePointer<Double>, into dst: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { dst[i] = Float(src[i]) }
    }
}

extension Double: LevellingScalar {
    public static func _load(_ src: UnsafePointer<Double>, into dst: UnsafeMutablePointer<Double>, count: Int) {
        dst.update(from: src, count: count)
    }
    public static func _store(_ src: UnsafePointer<Double>, into dst: UnsafeMutablePointer<Double>, count: Int) {
        dst.update(from: src, count: count)
    }
}
