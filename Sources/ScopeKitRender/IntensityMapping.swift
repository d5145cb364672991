import ScopeKitCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How the data range shown on screen is chosen: the values mapped to the bottom (0) and top (1) of a colour map.
///
/// Windows are resolved on the finite values of the array (NaN and ±∞ are ignored), in stored (not
/// calibrated) units.
///
/// ```swift
/// let w = IntensityWindow.percentile(low: 0.5, high: 99.5)
/// let (low, high) = try w.resolve(image)
/// ```
public enum IntensityWindow: Sendable, Equatable {
    /// The smallest and largest finite value (matplotlib's `Normalize()` autoscaling).
    case minMax
    /// Brightness/contrast by percentiles in 0…100, e.g. 0.5 and 99.5: values below/above are clipped.
    /// Matches `numpy.nanpercentile(a, [low, high])` (method 'linear') on the finite values.
    case percentile(low: Double, high: Double)
    /// A fixed window `[low, high]` in data units (`low < high`).
    case explicit(low: Double, high: Double)
    /// A window `[−w, w]` symmetric around 0 for difference images, where `w` is the given percentile of
    /// `|x|` (100 = the largest `|x|`); `w = 1` when every value is 0. Use with ``Colormap/redBlueReversed``
    /// so that 0 is white.
    case symmetric(percentile: Double)

    /// Checks the parameters.
    ///
    /// - Throws: ``ScopeKitError/usage(_:)`` for percentiles outside 0…100 or not increasing, or a window
    ///   with `low ≥ high` or non-finite bounds.
    public func validate() throws {
        switch self {
        case .minMax:
            break
        case let .percentile(low, high):
            guard low >= 0, high <= 100, low < high else {
                throw ScopeKitError.usage("percentile window needs 0 ≤ low < high ≤ 100, got \(low) and \(high)")
            }
        case let .explicit(low, high):
            guard low.isFinite, high.isFinite, low < high else {
                throw ScopeKitError.usage("intensity window needs finite low < high, got \(low) and \(high)")
            }
        case let .symmetric(p):
            guard p > 0, p <= 100 else {
                throw ScopeKitError.usage("symmetric window percentile must be in (0, 100], got \(p)")
            }
        }
    }

    /// The data values mapped to 0 and 1 for `array` (finite values only).
    ///
    /// An array without finite values resolves to `(0, 0)` (every finite value would map to 0). A constant
    /// array resolves to `low == high`; ``ResolvedIntensityMapping`` then maps every value to 0, like
    /// matplotlib's `Normalize` with `vmin == vmax`.
    ///
    /// - Throws: ``ScopeKitError/usage(_:)`` when the parameters are invalid (see ``validate()``).
    /// - Complexity: O(n); percentile windows use Core's exact selection (no sort).
    public func resolve<T: ArrayElement>(_ array: NDArray<T>) throws -> (low: Double, high: Double) {
        try validate()
        return AnyArray(array).applying(ResolveWindow(window: self))
    }

    /// ``resolve(_:)`` after validation, specialised for the element type.
    func resolveValidated<T: ArrayElement>(_ array: NDArray<T>) -> (low: Double, high: Double) {
        switch self {
        case .minMax:
            return IntensityWindow.finiteRange(array) ?? (0, 0)
        case let .percentile(low, high):
            guard let p = Quantiles.percentiles(of: array, [low, high]) else { return (0, 0) }
            return (p[0], p[1])
        case let .explicit(low, high):
            return (low, high)
        case let .symmetric(p):
            var w = Quantiles.percentiles(of: array, [p], magnitude: true)?[0] ?? 0
            if !(w > 0) { w = 1 }
            return (-w, w)
        }
    }

    /// The smallest and largest finite value, or `nil` when there is none; parallel over blocks.
    static func finiteRange<T: ArrayElement>(_ array: NDArray<T>) -> (low: Double, high: Double)? {
        array.withUnsafeBufferPointer { src -> (low: Double, high: Double)? in
            let r: (Double, Double)
            if T.self == Float.self {
                // float32 images: compare in Float (exact, twice the SIMD width).
                let p = UncheckedSendable(UnsafeRawPointer(src.baseAddress!).assumingMemoryBound(to: Float.self))
                r = Parallel.reduce(0..<src.count, blockSize: 1 << 16, initial: (Double.infinity, -Double.infinity),
                                    block: { range in
                    let (lo, hi) = minMaxFinite(count: range.count) { p.value[range.lowerBound + $0] }
                    return (Double(lo), Double(hi))
                }, combine: { (Swift.min($0.0, $1.0), Swift.max($0.1, $1.1)) })
            } else {
                let p = UncheckedSendable(src.baseAddress)
                r = Parallel.reduce(0..<src.count, blockSize: 1 << 16, initial: (Double.infinity, -Double.infinity),
                                    block: { range in
                    minMaxFinite(count: range.count) { p.value![range.lowerBound + $0].doubleValue }
                }, combine: { (Swift.min($0.0, $1.0), Swift.max($0.1, $1.1)) })
            }
            return r.0 <= r.1 ? (r.0, r.1) : nil
        }
    }

    /// The smallest and largest finite `value(i)` for i in 0..<count (±∞ when there is none), with four
    /// branch-free accumulators so the loop vectorises.
    @inline(__always)
    static func minMaxFinite<F: BinaryFloatingPoint>(count: Int, _ value: (Int) -> F) -> (F, F) {
        @inline(__always) func low(_ x: F) -> F { x.isFinite ? x : .infinity }
        @inline(__always) func high(_ x: F) -> F { x.isFinite ? x : -.infinity }
        var lo = (F.infinity, F.infinity, F.infinity, F.infinity)
        var hi = (-F.infinity, -F.infinity, -F.infinity, -F.infinity)
        var i = 0
        while i + 4 <= count {
            let a = value(i), b = value(i + 1), c = value(i + 2), d = value(i + 3)
            lo.0 = Swift.min(lo.0, low(a)); hi.0 = Swift.max(hi.0, high(a))
            lo.1 = Swift.min(lo.1, low(b)); hi.1 = Swift.max(hi.1, high(b))
            lo.2 = Swift.min(lo.2, low(c)); hi.2 = Swift.max(hi.2, high(c))
            lo.3 = Swift.min(lo.3, low(d)); hi.3 = Swift.max(hi.3, high(d))
            i += 4
        }
        while i < count {
            let a = value(i)
            lo.0 = Swift.min(lo.0, low(a)); hi.0 = Swift.max(hi.0, high(a))
            i += 1
        }
        return (Swift.min(Swift.min(lo.0, lo.1), Swift.min(lo.2, lo.3)),
                Swift.max(Swift.max(hi.0, hi.1), Swift.max(hi.2, hi.3)))
    }
}

/// A monotone curve applied to the windowed value `v` in [0, 1], keeping 0 ↦ 0 and 1 ↦ 1.
///
/// ```swift
/// ToneCurve.gamma(0.5).apply(0.25)     // 0.5
/// ToneCurve.log(1000).apply(0.5)       // log1p(500) / log1p(1000) ≈ 0.8999
/// ```
public enum ToneCurve: Sendable, Equatable {
    /// `v^γ` (γ > 0): γ < 1 brightens dark regions, γ > 1 darkens them (matplotlib `PowerNorm`).
    case gamma(Double)
    /// `log1p(a·v) / log1p(a)` (a > 0): a logarithmic stretch of the windowed value, like astropy's
    /// `LogStretch(a)`; larger `a` stretches the dark end more (a = 1000 is a good start for diffraction).
    case log(Double)

    /// Checks the parameter is finite and positive.
    ///
    /// - Throws: ``ScopeKitError/usage(_:)`` otherwise.
    public func validate() throws {
        switch self {
        case .gamma(let g):
            guard g.isFinite, g > 0 else { throw ScopeKitError.usage("gamma must be finite and > 0, got \(g)") }
        case .log(let a):
            guard a.isFinite, a > 0 else { throw ScopeKitError.usage("log stretch must be finite and > 0, got \(a)") }
        }
    }

    /// The curve at `v` (in [0, 1]).
    @inlinable
    public func apply(_ v: Double) -> Double {
        switch self {
        case .gamma(let g): pow(v, g)
        case .log(let a): log1p(a * v) / log1p(a)
        }
    }

    /// The inverse curve: the `v` with `apply(v) == y`.
    @inlinable
    public func inverse(_ y: Double) -> Double {
        switch self {
        case .gamma(let g): pow(y, 1 / g)
        case .log(let a): expm1(y * log1p(a)) / a
        }
    }
}

/// A data → screen intensity mapping: a window, then zero or more tone curves, giving a value in [0, 1].
///
/// For a finite value `x` and the resolved window `[low, high]`:
///
/// 1. `v = clip((x − low) / (high − low), 0, 1)` (`v = 0` when `low == high`; +∞ ↦ 1, −∞ ↦ 0);
/// 2. each curve in ``curves`` in order: `v = curve.apply(v)`;
/// 3. colour maps pick entry `min(⌊256·v⌋, 255)` (``Colormap/level(of:)``), and ``levels(_:)`` stores that
///    number as the 8-bit level.
///
/// NaN stays NaN (drawn with ``RenderOptions/nanColor``). The mappings compose by chaining:
///
/// ```swift
/// let m1 = IntensityMapping.minMax
/// let m2 = IntensityMapping.percentile(0.5, 99.5).gamma(0.5)
/// let m3 = IntensityMapping.window(0, 1200).log(1000)
/// let m4 = IntensityMapping.symmetric()              // difference images, with Colormap.redBlueReversed
/// let v = try m2.normalized(image)                   // NDArray<Float> in [0, 1]
/// ```
///
/// Matches `matplotlib.colors.Normalize(low, high, clip=True)` followed by `v**γ` or
/// `np.log1p(a*v)/np.log1p(a)` (computed in Float64; the ratio is evaluated as `(x − low) · (1/(high − low))`,
/// which can differ from numpy's division in the last bit, so a value exactly on a bin edge may land one level
/// apart).
public struct IntensityMapping: Sendable, Equatable {
    /// How the data range is chosen.
    public var window: IntensityWindow
    /// Curves applied to the windowed value, in order.
    public var curves: [ToneCurve]

    /// Creates a mapping from a window and curves.
    public init(window: IntensityWindow = .minMax, curves: [ToneCurve] = []) {
        self.window = window
        self.curves = curves
    }

    /// Linear from the smallest to the largest finite value.
    public static let minMax = IntensityMapping(window: .minMax)

    /// Percentile clip (brightness/contrast): `low`/`high` in percent, e.g. 0.5 and 99.5.
    public static func percentile(_ low: Double = 0.5, _ high: Double = 99.5) -> IntensityMapping {
        IntensityMapping(window: .percentile(low: low, high: high))
    }

    /// A fixed window `[low, high]` in data units.
    public static func window(_ low: Double, _ high: Double) -> IntensityMapping {
        IntensityMapping(window: .explicit(low: low, high: high))
    }

    /// A window symmetric around 0 (`[−w, w]`, `w` = the given percentile of `|x|`) for difference images.
    public static func symmetric(percentile: Double = 100) -> IntensityMapping {
        IntensityMapping(window: .symmetric(percentile: percentile))
    }

    /// This mapping followed by `v ↦ v^γ`.
    public func gamma(_ gamma: Double) -> IntensityMapping {
        IntensityMapping(window: window, curves: curves + [.gamma(gamma)])
    }

    /// This mapping followed by `v ↦ log1p(a·v) / log1p(a)`.
    public func log(_ stretch: Double = 1000) -> IntensityMapping {
        IntensityMapping(window: window, curves: curves + [.log(stretch)])
    }

    /// Checks the window and the curves.
    ///
    /// - Throws: ``ScopeKitError/usage(_:)`` for an invalid parameter.
    public func validate() throws {
        try window.validate()
        for c in curves { try c.validate() }
    }

    /// The mapping with its window resolved on `array`.
    ///
    /// - Throws: ``ScopeKitError/usage(_:)`` for an invalid parameter.
    /// - Complexity: O(n) (see ``IntensityWindow/resolve(_:)``).
    public func resolved<T: ArrayElement>(for array: NDArray<T>) throws -> ResolvedIntensityMapping {
        try AnyArray(array).applying(ResolveMapping(mapping: self))
    }

    /// The normalised values in [0, 1] (NaN stays NaN), calibration and metadata kept.
    ///
    /// - Throws: ``ScopeKitError/usage(_:)`` for an invalid parameter.
    /// - Complexity: O(n), parallel over blocks.
    public func normalized<T: ArrayElement>(_ array: NDArray<T>) throws -> NDArray<Float> {
        let m = try resolved(for: array)
        return AnyArray(array).applying(MapValues(mapping: m, levels: false)).normalized!
    }

    /// The normalised values of frame `frame` of any-dtype data (complex data: the modulus `|z|`).
    ///
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` unless the data is 2-D or a 3-D stack, and
    ///   ``ScopeKitError/usage(_:)`` for a frame out of range or an invalid parameter.
    public func normalized(_ array: AnyArray, frame: Int = 0) throws -> NDArray<Float> {
        try normalized(try RenderInput.frame(of: array, frame))
    }

    /// The 8-bit levels `min(⌊256·v⌋, 255)` (NaN ↦ 0), calibration and metadata kept.
    ///
    /// - Throws: ``ScopeKitError/usage(_:)`` for an invalid parameter.
    public func levels<T: ArrayElement>(_ array: NDArray<T>) throws -> NDArray<UInt8> {
        let m = try resolved(for: array)
        return AnyArray(array).applying(MapValues(mapping: m, levels: true)).levels!
    }

    /// The 8-bit levels of frame `frame` of any-dtype data (complex data: the modulus `|z|`).
    ///
    /// - Throws: as ``normalized(_:frame:)``.
    public func levels(_ array: AnyArray, frame: Int = 0) throws -> NDArray<UInt8> {
        try levels(try RenderInput.frame(of: array, frame))
    }
}

/// An ``IntensityMapping`` whose window has been resolved to numbers: a pure function of one value.
///
/// ```swift
/// let m = ResolvedIntensityMapping(low: 0, high: 10, curves: [.gamma(2)])
/// m.normalize(5)               // 0.25
/// m.dataValue(atNormalized: 0.25)   // 5
/// ```
public struct ResolvedIntensityMapping: Sendable, Equatable {
    /// The data value mapped to 0.
    public let low: Double
    /// The data value mapped to 1.
    public let high: Double
    /// Curves applied after windowing, in order.
    public let curves: [ToneCurve]
    /// `1 / (high − low)`, or 0 for an empty window.
    @usableFromInline let inverseSpan: Double

    /// Creates a resolved mapping (`low == high` maps every value to 0).
    public init(low: Double, high: Double, curves: [ToneCurve] = []) {
        self.low = low
        self.high = high
        self.curves = curves
        inverseSpan = high > low ? 1 / (high - low) : 0
    }

    /// The windowed, clipped value before the curves (NaN stays NaN).
    @inlinable
    public func windowed(_ x: Double) -> Double {
        let v = (x - low) * inverseSpan
        if v.isNaN {
            if x.isNaN { return x }
            // ±∞ with an empty window: ∞·0.
            return x > low ? 1 : 0
        }
        return v < 0 ? 0 : (v > 1 ? 1 : v)
    }

    /// The value in [0, 1] shown for data value `x` (NaN stays NaN).
    @inlinable
    public func normalize(_ x: Double) -> Double {
        var v = windowed(x)
        for c in curves { v = c.apply(v) }
        return v
    }

    /// The data value shown at normalised value `y` (inverse of ``normalize(_:)`` inside the window).
    public func dataValue(atNormalized y: Double) -> Double {
        var v = y
        for c in curves.reversed() { v = c.inverse(v) }
        return low + v * (high - low)
    }

    /// Applies the mapping to every element, storing `output(v)`; parallel over blocks.
    @inlinable
    func apply<T: ArrayElement, U: ArrayElement>(_ array: NDArray<T>, _ output: (Double) -> U) -> NDArray<U> {
        var r = array.withUnsafeBufferPointer { src in
            NDArray<U>(unsafeUninitializedShape: array.shape) { dst in
                let s = UncheckedSendable(src.baseAddress), d = UncheckedSendable(dst.baseAddress)
                Parallel.forEachChunk(0..<src.count, minimumChunk: 1 << 15) { range in
                    for i in range { d.value![i] = output(normalize(s.value![i].doubleValue)) }
                }
            }
        }
        r.calibration = array.calibration
        r.metadata = array.metadata
        return r
    }
}

/// Picks the 2-D frame to render from any-dtype data.
enum RenderInput {
    /// Frame `i` of a 2-D image or a `[frames, rows, cols]` stack, as a typed array inside an ``AnyArray``;
    /// complex data becomes its modulus.
    static func frame(of array: AnyArray, _ i: Int) throws -> AnyArray {
        let shape = array.shape
        guard shape.count == 2 || shape.count == 3 else {
            throw ScopeKitError.badInput("cannot render a \(shape.count)-D array of shape \(shape); "
                                         + "need [rows, cols] or [frames, rows, cols]")
        }
        guard i >= 0 && i < array.frameCount else {
            throw ScopeKitError.usage("frame \(i) out of range 0..<\(array.frameCount)")
        }
        let f = array.frame(i)
        guard f.shape[0] > 0 && f.shape[1] > 0 else {
            throw ScopeKitError.badInput("cannot render an empty image of shape \(f.shape)")
        }
        if case .complex64(let z) = f {
            var m = z.map { Float(($0.real * $0.real + $0.imaginary * $0.imaginary).squareRoot()) }
            m.calibration = z.calibration
            return .float32(m)
        }
        return f
    }
}

extension IntensityMapping {
    /// ``normalized(_:)`` of the typed array inside `array`.
    func normalized(_ array: AnyArray) throws -> NDArray<Float> {
        let m = try array.applying(ResolveMapping(mapping: self))
        return array.applying(MapValues(mapping: m, levels: false)).normalized!
    }

    /// ``levels(_:)`` of the typed array inside `array`.
    func levels(_ array: AnyArray) throws -> NDArray<UInt8> {
        let m = try array.applying(ResolveMapping(mapping: self))
        return array.applying(MapValues(mapping: m, levels: true)).levels!
    }
}

/// Resolves a validated window, specialised per dtype.
struct ResolveWindow: TypedArrayOperation {
    let window: IntensityWindow
    func callAsFunction<T: ArrayElement>(_ array: NDArray<T>) -> (low: Double, high: Double) {
        window.resolveValidated(array)
    }
}

/// Validates a mapping and resolves its window, specialised per dtype.
struct ResolveMapping: TypedArrayOperation {
    typealias Failure = any Error
    let mapping: IntensityMapping
    func callAsFunction<T: ArrayElement>(_ array: NDArray<T>) throws -> ResolvedIntensityMapping {
        try mapping.validate()
        let (low, high) = mapping.window.resolveValidated(array)
        return ResolvedIntensityMapping(low: low, high: high, curves: mapping.curves)
    }
}

/// Maps every value to [0, 1] (or to its 8-bit level), specialised per dtype.
struct MapValues: TypedArrayOperation {
    let mapping: ResolvedIntensityMapping
    let levels: Bool
    func callAsFunction<T: ArrayElement>(_ array: NDArray<T>) -> (normalized: NDArray<Float>?, levels: NDArray<UInt8>?) {
        if levels { return (nil, mapping.apply(array) { UInt8(truncatingIfNeeded: Colormap.level(of: $0)) }) }
        return (mapping.apply(array) { Float($0) }, nil)
    }
}
