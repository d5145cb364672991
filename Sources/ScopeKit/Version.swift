/// The ScopeKit version reported by `scopekit --version` and written into file metadata.
public enum ScopeKitVersion {
    public static let string = "0.1.0"
}
