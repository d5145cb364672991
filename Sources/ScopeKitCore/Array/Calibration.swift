import OrderedCollections

/// Free-form key/value metadata read from a file, kept in file order.
///
/// Keys are namespaced by their source where useful (`"tiff.Software"`, `"imagej.spacing"`), values are
/// strings as the file stated them.
///
/// ```swift
/// var m: Metadata = ["tiff.Software": "tifffile"]
/// m["imagej.unit"] = "micron"
/// for (key, value) in m { print(key, value) }
/// ```
public struct Metadata: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral, Codable {
    public private(set) var entries: OrderedDictionary<String, String>

    public init() { entries = [:] }
    public init(dictionaryLiteral elements: (String, String)...) {
        entries = OrderedDictionary(elements, uniquingKeysWith: { _, last in last })
    }

    /// The value for `key`; assigning `nil` removes it.
    public subscript(key: String) -> String? {
        get { entries[key] }
        set { entries[key] = newValue }
    }

    /// The keys in insertion order.
    public var keys: [String] { Array(entries.keys) }
    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }

    public func makeIterator() -> some IteratorProtocol<(key: String, value: String)> { entries.makeIterator() }

    /// Adds every entry of `other`, replacing equal keys.
    public mutating func merge(_ other: Metadata) {
        for (k, v) in other.entries { entries[k] = v }
    }

    public init(from decoder: Decoder) throws {
        let plain = try [String: String](from: decoder)
        entries = OrderedDictionary(uniqueKeysWithValues: plain.sorted { $0.key < $1.key })
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: MetadataKey.self)
        for (k, v) in entries { try container.encode(v, forKey: MetadataKey(stringValue: k)) }
    }

    private struct MetadataKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

/// Physical calibration of one axis: coordinate = origin + index · scale, in `unit`.
///
/// ```swift
/// let x = AxisCalibration(name: "x", scale: 0.5, unit: "nm")   // 0.5 nm per pixel
/// x.coordinate(ofIndex: 10)                                   // 5.0
/// ```
public struct AxisCalibration: Sendable, Equatable, Codable {
    /// The axis name (`"z"`, `"y"`, `"x"`, `"frame"`, `"channel"`, …); empty when unknown.
    public var name: String
    /// The size of one pixel (step between samples) in `unit`.
    public var scale: Double
    /// The coordinate of index 0 in `unit`.
    public var origin: Double
    /// The physical unit (`"nm"`, `"µm"`, `"s"`); `"px"` when uncalibrated.
    public var unit: String

    public init(name: String = "", scale: Double = 1, origin: Double = 0, unit: String = "px") {
        self.name = name
        self.scale = scale
        self.origin = origin
        self.unit = unit
    }

    /// True when this axis carries no physical calibration.
    public var isIdentity: Bool { scale == 1 && origin == 0 && unit == "px" }

    /// The physical coordinate of (fractional) index `i`.
    public func coordinate(ofIndex i: Double) -> Double { origin + i * scale }
}

/// Linear intensity calibration: physical value = offset + scale · stored value, in `unit`.
public struct IntensityCalibration: Sendable, Equatable, Codable {
    public var offset: Double
    public var scale: Double
    public var unit: String

    public init(offset: Double = 0, scale: Double = 1, unit: String = "") {
        self.offset = offset
        self.scale = scale
        self.unit = unit
    }

    /// True when stored values are the physical values.
    public var isIdentity: Bool { offset == 0 && scale == 1 }

    /// The physical value of a stored value.
    @inlinable public func physical(_ stored: Double) -> Double { offset + scale * stored }
}

/// The calibration an array carries: one ``AxisCalibration`` per axis and one ``IntensityCalibration``.
public struct Calibration: Sendable, Equatable, Codable {
    /// One entry per array axis, slowest first.
    public var axes: [AxisCalibration]
    /// How stored values map to physical values.
    public var intensity: IntensityCalibration

    public init(axes: [AxisCalibration], intensity: IntensityCalibration = .init()) {
        self.axes = axes
        self.intensity = intensity
    }

    /// Default calibration for `rank` axes, named by the ScopeKit convention (`…, z|frame, y, x`).
    public init(rank: Int) {
        let names: [String]
        switch rank {
        case 1: names = ["x"]
        case 2: names = ["y", "x"]
        case 3: names = ["z", "y", "x"]
        default: names = Array(repeating: "", count: max(rank - 2, 0)) + ["y", "x"]
        }
        self.init(axes: names.map { AxisCalibration(name: $0) })
    }

    /// True when no axis and not the intensity carries calibration.
    public var isIdentity: Bool { axes.allSatisfy(\.isIdentity) && intensity.isIdentity }

    /// The calibration of a sub-array that drops the first axis (a frame of a stack).
    public func droppingFirstAxis() -> Calibration {
        Calibration(axes: Array(axes.dropFirst()), intensity: intensity)
    }

    /// The calibration with a new first axis.
    public func prependingAxis(_ axis: AxisCalibration) -> Calibration {
        Calibration(axes: [axis] + axes, intensity: intensity)
    }

    /// The calibration after a reshape: trailing axes with unchanged extents keep theirs.
    public func reshaped(from old: [Int], to new: [Int]) -> Calibration {
        var result = Calibration(rank: new.count)
        result.intensity = intensity
        var i = old.count - 1, j = new.count - 1
        while i >= 0, j >= 0, old[i] == new[j], i < axes.count {
            result.axes[j] = axes[i]
            i -= 1
            j -= 1
        }
        return result
    }
}
