import ScopeKitCore

/// The formats ScopeKit registers at start-up, in the order they are tried.
enum BuiltinFormats {
    static let readers: [any ImageFormat] = [PNGFormat(), NPYFormat(), NPZFormat()]
    static let writers: [any ImageEncoder] = [PNGEncoder(), NPYEncoder(), NPZEncoder()]
}
