import ScopeKitCore

/// An 8-bit colour with straight (not premultiplied) alpha.
///
/// ```swift
/// let bad = RGBAColor.transparent     // (0, 0, 0, 0)
/// let red = RGBAColor(255, 0, 0)      // opaque
/// ```
public struct RGBAColor: Sendable, Hashable, CustomStringConvertible {
    public var red: UInt8
    public var green: UInt8
    public var blue: UInt8
    /// 255 = opaque, 0 = fully transparent.
    public var alpha: UInt8

    /// Creates a colour from its components (alpha defaults to opaque).
    @inlinable
    public init(_ red: UInt8, _ green: UInt8, _ blue: UInt8, alpha: UInt8 = 255) {
        self.red = red
        self.green = green
        self.blue = blue
        self.alpha = alpha
    }

    /// Opaque black, the default colour for NaN pixels.
    public static let black = RGBAColor(0, 0, 0)
    /// Opaque white.
    public static let white = RGBAColor(255, 255, 255)
    /// Fully transparent black: NaN pixels become see-through (the image gets an alpha channel).
    public static let transparent = RGBAColor(0, 0, 0, alpha: 0)

    /// True when `alpha` is 255.
    @inlinable public var isOpaque: Bool { alpha == 255 }

    public var description: String { "RGBA(\(red), \(green), \(blue), \(alpha))" }
}

/// A 256-entry colour table that turns a normalised intensity in [0, 1] into a colour.
///
/// The built-in maps are matplotlib's (see ``names``): `gray`, the perceptually uniform `viridis`, `magma`,
/// `inferno`, `plasma`, `cividis`, and the diverging `RdBu_r` (blue for negative, white near 0, red for
/// positive) for difference images together with ``IntensityWindow/symmetric(percentile:)``. Any name with the
/// suffix `_r` is the reversed map (`viridis_r`, `RdBu` = `RdBu_r` reversed).
///
/// Entry *i* equals `round(255 · matplotlib.colormaps[name](i))`, and a normalised value *v* picks entry
/// ``level(of:)`` = `min(⌊256·v⌋, 255)`, exactly the bins matplotlib's `Colormap.__call__` uses. So
/// `colormap.color(at: v)` equals `np.round(cmap(v)[:3] * 255)`. (matplotlib's own `bytes=True` output truncates
/// instead of rounding and is up to 1 lower, e.g. 32 instead of 33 for `gray(33)`.)
///
/// ```swift
/// let map = try Colormap(named: "viridis")
/// map.color(at: 0)       // RGBA(68, 1, 84, 255)
/// map.color(at: 1)       // RGBA(253, 231, 37, 255)
/// Colormap.names         // ["gray", "viridis", "magma", "inferno", "plasma", "cividis", "RdBu_r"]
/// ```
public struct Colormap: Sendable, Equatable {
    /// The name the map is looked up by (`"viridis"`, `"RdBu_r"`, `"magma_r"`, …).
    public let name: String
    /// 256 RGB triples, 768 bytes: entry *i* at `table[3i..<3i+3]`.
    public let table: [UInt8]

    /// Creates a colour map from 256 RGB triples (768 bytes).
    ///
    /// - Throws: ``ScopeKitError/usage(_:)`` unless `table` holds exactly 768 bytes.
    public init(name: String, table: [UInt8]) throws {
        guard table.count == 768 else {
            throw ScopeKitError.usage("colormap '\(name)' needs 256 RGB entries (768 bytes), got \(table.count) bytes")
        }
        self.name = name
        self.table = table
    }

    private init(uncheckedName name: String, table: [UInt8]) {
        self.name = name
        self.table = table
    }

    /// Looks up a built-in map by name (case-insensitive; `grey` = `gray`; suffix `_r` reverses).
    ///
    /// - Throws: ``ScopeKitError/usage(_:)`` naming the known maps when `name` is unknown.
    public init(named name: String) throws {
        let key = name.lowercased()
        if let base = Colormap.builtIn(key) {
            self = base
        } else if key.hasSuffix("_r"), let base = Colormap.builtIn(String(key.dropLast(2))) {
            self = base.reversed
        } else if let base = Colormap.builtIn(key + "_r") {
            self = base.reversed            // "RdBu" is the reverse of the built-in "RdBu_r"
        } else {
            throw ScopeKitError.usage("unknown colormap '\(name)' (known: \(Colormap.names.joined(separator: ", ")), "
                                      + "or any of them with suffix _r)")
        }
    }

    /// The built-in map names, in the order shown by `--help`.
    public static let names: [String] = ["gray", "viridis", "magma", "inferno", "plasma", "cividis", "RdBu_r"]

    /// matplotlib `gray`: black to white, entry *i* = (i, i, i).
    public static let gray = Colormap(uncheckedName: "gray", table: ColormapTables.gray)
    /// matplotlib `viridis` (the default for images): dark blue through green to yellow.
    public static let viridis = Colormap(uncheckedName: "viridis", table: ColormapTables.viridis)
    /// matplotlib `magma`: black through purple and orange to light yellow.
    public static let magma = Colormap(uncheckedName: "magma", table: ColormapTables.magma)
    /// matplotlib `inferno`: black through purple and orange to yellow.
    public static let inferno = Colormap(uncheckedName: "inferno", table: ColormapTables.inferno)
    /// matplotlib `plasma`: blue through purple to yellow.
    public static let plasma = Colormap(uncheckedName: "plasma", table: ColormapTables.plasma)
    /// matplotlib `cividis`: blue to yellow, readable with colour-vision deficiency.
    public static let cividis = Colormap(uncheckedName: "cividis", table: ColormapTables.cividis)
    /// matplotlib `RdBu_r`, the diverging map for difference images: dark blue (0) to white (0.5) to dark red (1).
    public static let redBlueReversed = Colormap(uncheckedName: "RdBu_r", table: ColormapTables.redBlueReversed)

    private static func builtIn(_ key: String) -> Colormap? {
        switch key {
        case "gray", "grey": .gray
        case "viridis": .viridis
        case "magma": .magma
        case "inferno": .inferno
        case "plasma": .plasma
        case "cividis": .cividis
        case "rdbu_r": .redBlueReversed
        default: nil
        }
    }

    /// The map run backwards (entry *i* becomes entry 255 − *i*); its name gains or loses the suffix `_r`.
    public var reversed: Colormap {
        var t = [UInt8](repeating: 0, count: 768)
        for i in 0..<256 {
            for c in 0..<3 { t[3 * i + c] = table[3 * (255 - i) + c] }
        }
        let newName = name.hasSuffix("_r") ? String(name.dropLast(2)) : name + "_r"
        return Colormap(uncheckedName: newName, table: t)
    }

    /// The table entry for a normalised value: `min(⌊256·v⌋, 255)` for v in [0, 1] (values outside are
    /// clipped; NaN gives 0). Matches matplotlib's `Colormap.__call__` indexing.
    @inlinable
    public static func level(of v: Double) -> Int {
        guard v > 0 else { return 0 }          // also NaN
        guard v < 1 else { return 255 }
        return Swift.min(Int(v * 256), 255)
    }

    /// The colour of table entry `level` (0…255).
    @inlinable
    public subscript(level: Int) -> RGBAColor {
        precondition(level >= 0 && level < 256, "Colormap: level \(level) out of 0...255")
        return RGBAColor(table[3 * level], table[3 * level + 1], table[3 * level + 2])
    }

    /// The colour of a normalised value in [0, 1] (clipped), using ``level(of:)``.
    @inlinable
    public func color(at v: Double) -> RGBAColor { self[Colormap.level(of: v)] }
}
