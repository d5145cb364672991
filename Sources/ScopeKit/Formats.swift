/// Registration of the readers that live outside ScopeKitIO (AFM formats, later DM3/DM4 and MIB).
///
/// `ImageIO` knows TIFF, PNG, NPY and NPZ by itself. Call ``registerAll()`` once at start-up (the `scopekit`
/// tool does) to make `ImageIO.open`/`read` recognise every format ScopeKit can read.
///
/// ```swift
/// ScopeKitFormats.registerAll()
/// let movie = try ImageIO.read(URL(fileURLWithPath: "movie.asd"))
/// ```
public enum ScopeKitFormats {
    /// Registers every family's readers with ``ImageIO`` (idempotent).
    public static func registerAll() {
        once
    }

    private static let once: Void = {
        AFMFormats.registerAll()
    }()
}
