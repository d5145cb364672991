import ScopeKitCore

/// The formats ScopeKit registers at start-up, in the order they are tried.
enum BuiltinFormats {
    static let readers: [any ImageFormat] = [TIFFFormat(), PNGFormat(), NPYFormat(), NPZFormat()]
    static let writers: [any ImageEncoder] = [TIFFEncoder(), PNGEncoder(), NPYEncoder(), NPZEncoder()]
}
