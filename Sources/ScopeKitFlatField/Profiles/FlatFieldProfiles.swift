import Foundation
import ScopeKitCore
import ScopeKitIO

/// Shading profiles of one channel: flat-field S, optional dark-field D and optional baseline.
///
/// Corrected image = (I − D)/S. The baseline is what the mesoSPIM task stores (a scalar) or what BaSiCPy
/// stores (one value per fitted image, ``Baseline/perImage(_:)``); see ``FlatFieldApplyOptions`` for how it
/// is used. Profiles are kept in `<models>/<channel>/profiles.npz` with the keys `flatfield`, `darkfield`
/// and `baseline`, readable by `numpy.load` and by BaSiCPy's `BaSiC.load_model` (``FlatFieldModelStore``).
///
/// ```swift
/// let p = try FlatFieldProfiles.load(models: URL(fileURLWithPath: "IllumModels"), channel: "488")
/// p.flatfield.shape        // [2048, 2048]
/// ```
public struct FlatFieldProfiles: Sendable, Equatable {
    /// The baseline stored with the profiles.
    public enum Baseline: Sendable, Equatable {
        /// One value for every image (the task's `median(basic.baseline)` or its empty-tile percentile).
        case scalar(Double)
        /// BaSiCPy's per-image baseline B_n (time-lapse), one value per fitted image.
        case perImage([Float])

        /// The scalar used for baseline subtraction: the value itself, or the median of the per-image values
        /// (what the task computes from a BaSiC fit).
        public var subtractionValue: Double {
            switch self {
            case let .scalar(v): return v
            case let .perImage(v):
                let s = v.sorted()
                guard !s.isEmpty else { return 0 }
                return s.count % 2 == 1 ? Double(s[s.count / 2]) : (Double(s[s.count / 2 - 1]) + Double(s[s.count / 2])) / 2
            }
        }
    }

    /// The flat-field S, `[rows, columns]`, finite and positive.
    public var flatfield: NDArray<Float>
    /// The dark-field D (same shape as S), or `nil` for none (D = 0).
    public var darkfield: NDArray<Float>?
    /// The baseline, if any.
    public var baseline: Baseline?

    /// Profiles from arrays, validated (see ``validate(file:)``).
    public init(flatfield: NDArray<Float>, darkfield: NDArray<Float>? = nil, baseline: Baseline? = nil) throws {
        self.flatfield = flatfield
        self.darkfield = darkfield
        self.baseline = baseline
        try validate()
    }

    /// The profiles of a BaSiC fit (flat-field, dark-field, per-image baseline).
    public init(_ basic: BaSiCProfiles, darkfield useDark: Bool) throws {
        try self.init(flatfield: basic.flatfield, darkfield: useDark ? basic.darkfield : nil,
                      baseline: .perImage(basic.baseline.elements))
    }

    /// Checks the profiles.
    ///
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` for a flat-field that is not 2-D, not finite or not
    ///   positive everywhere; a dark-field of another shape or with non-finite values; a non-finite baseline.
    public func validate(file: String? = nil) throws {
        guard flatfield.rank == 2, flatfield.shape.allSatisfy({ $0 > 0 }) else {
            throw ScopeKitError.badInput("flatfield must be 2-D [rows, columns], got shape \(flatfield.shape)", file: file)
        }
        try flatfield.withUnsafeBufferPointer { p in
            for i in p.indices where !(p[i].isFinite && p[i] > 0) {
                let (r, c) = i.quotientAndRemainder(dividingBy: flatfield.shape[1])
                throw ScopeKitError.badInput(p[i].isFinite
                    ? "flatfield must be positive; it is \(p[i]) at [\(r), \(c)]"
                    : "flatfield is not finite (\(p[i])) at [\(r), \(c)]", file: file)
            }
        }
        if let d = darkfield {
            guard d.shape == flatfield.shape else {
                throw ScopeKitError.badInput("darkfield has shape \(d.shape), flatfield \(flatfield.shape)", file: file)
            }
            try d.withUnsafeBufferPointer { p in
                if let i = p.firstIndex(where: { !$0.isFinite }) {
                    throw ScopeKitError.badInput("darkfield is not finite (\(p[i])) at index \(i)", file: file)
                }
            }
        }
        switch baseline {
        case let .scalar(v)? where !v.isFinite:
            throw ScopeKitError.badInput("baseline is not finite (\(v))", file: file)
        case let .perImage(v)? where v.contains(where: { !$0.isFinite }):
            throw ScopeKitError.badInput("baseline holds non-finite values", file: file)
        default: break
        }
    }

    /// The mean of the flat-field (1 for estimated profiles; loaded ones are used as they are).
    public var flatfieldMean: Double {
        flatfield.withUnsafeBufferPointer { p in p.reduce(0.0) { $0 + Double($1) } / Double(Swift.max(p.count, 1)) }
    }

    // MARK: - profiles.npz

    /// Reads `profiles.npz`: `flatfield` required; `darkfield` and `baseline` optional.
    ///
    /// A baseline of shape `[]` or `[1]` is a scalar; a 1-D one of length > 1 is per image; an empty one is
    /// no baseline. Any real dtype is accepted (float64 from numpy, float32 from BaSiCPy).
    ///
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` for a missing file or key, a wrong shape or dtype, and
    ///   the checks of ``validate(file:)``.
    public static func read(_ url: URL) throws -> FlatFieldProfiles {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ScopeKitError.badInput("no profiles.npz here", file: url.path)
        }
        let archive = try NPZArchive(url)
        let keys = archive.keys
        func real(_ key: String) throws -> NDArray<Float>? {
            guard keys.contains(key) else { return nil }
            let a = try archive.read(key)
            guard a.dtype != .bool, a.dtype != .complex64 else {
                throw ScopeKitError.badInput("\(key) must be real, got \(a.dtype)", file: url.path)
            }
            return a.asFloat32()
        }
        guard let flat = try real("flatfield") else {
            throw ScopeKitError.badInput("profiles.npz has no 'flatfield' (keys: \(keys.joined(separator: ", ")))",
                                         file: url.path)
        }
        var dark = try real("darkfield")
        if let d = dark, d.rank != 2 {
            throw ScopeKitError.badInput("darkfield must be 2-D, got shape \(d.shape)", file: url.path)
        }
        if let d = dark, d.elements.allSatisfy({ $0 == 0 }) { dark = nil }
        var baseline: Baseline? = nil
        if let b = try real("baseline") {
            switch b.shape {
            case [], [1]: baseline = .scalar(Double(b.elements[0]))
            case [0]: baseline = nil
            case let s where s.count == 1: baseline = .perImage(b.elements)
            default:
                throw ScopeKitError.badInput("baseline must be a scalar or 1-D, got shape \(b.shape)", file: url.path)
            }
        }
        let p = FlatFieldProfiles(unchecked: flat, dark, baseline)
        try p.validate(file: url.path)
        return p
    }

    /// The profiles of one channel of a models folder: `<models>/<channel>/profiles.npz` (the task's layout).
    ///
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` naming the missing channel folder (and the channels
    ///   present) or the errors of ``read(_:)``.
    public static func load(models: URL, channel: String) throws -> FlatFieldProfiles {
        let folder = models.appendingPathComponent(channel)
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDir), isDir.boolValue else {
            let present = ((try? FileManager.default.contentsOfDirectory(atPath: models.path)) ?? [])
                .filter { !$0.hasPrefix(".") }.sorted()
            throw ScopeKitError.badInput("no folder for channel '\(channel)' in the models folder (found: "
                                         + (present.isEmpty ? "nothing" : present.joined(separator: ", ")) + ")",
                                         file: models.path)
        }
        return try read(folder.appendingPathComponent("profiles.npz"))
    }

    init(unchecked flat: NDArray<Float>, _ dark: NDArray<Float>?, _ baseline: Baseline?) {
        flatfield = flat
        darkfield = dark
        self.baseline = baseline
    }

    /// The arrays written to `profiles.npz`: float32 `flatfield`, `darkfield` (zeros when there is none, since
    /// BaSiCPy's `load_model` needs the key) and `baseline` (a 0-d scalar, a vector, or an empty vector).
    public var npzArrays: [(String, AnyArray)] {
        let dark = darkfield ?? NDArray<Float>(repeating: 0, shape: flatfield.shape)
        let base: NDArray<Float>
        switch baseline {
        case let .scalar(v)?: base = NDArray<Float>([Float(v)], shape: [])
        case let .perImage(v)?: base = NDArray<Float>(v, shape: [v.count])
        case nil: base = NDArray<Float>([], shape: [0])
        }
        return [("flatfield", AnyArray(flatfield)), ("darkfield", AnyArray(dark)), ("baseline", AnyArray(base))]
    }
}
