/// The error every ScopeKit API throws: what kind of failure, which file (if any), and a one-line reason.
///
/// The CLI prints it as `scopekit: error: <file>: <reason>` and exits with ``Kind/exitCode``.
///
/// ```swift
/// throw ScopeKitError.badInput("truncated TIFF: strip 3 ends at byte 9120 of 8192", file: url.path)
/// ```
public struct ScopeKitError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The class of failure, which decides the CLI exit code.
    public enum Kind: String, Sendable {
        /// The input is unreadable, truncated, corrupt, of the wrong shape or unsupported (exit 2).
        case badInput
        /// The caller asked for something invalid: a bad option or parameter (exit 1).
        case usage
        /// Processing failed on valid input (exit 3), e.g. an output could not be written.
        case processing

        /// The CLI exit code: 2 for bad input, 1 for usage, 3 for processing failures.
        public var exitCode: Int32 {
            switch self {
            case .badInput: 2
            case .usage: 1
            case .processing: 3
            }
        }
    }

    public var kind: Kind
    /// The file the error concerns, when there is one.
    public var file: String?
    /// One line saying what went wrong.
    public var reason: String

    public init(_ kind: Kind, _ reason: String, file: String? = nil) {
        self.kind = kind
        self.reason = reason
        self.file = file
    }

    /// Bad input: an unreadable, truncated, corrupt or unsupported file, or data of the wrong shape.
    public static func badInput(_ reason: String, file: String? = nil) -> ScopeKitError {
        ScopeKitError(.badInput, reason, file: file)
    }
    /// A usage error: an invalid parameter.
    public static func usage(_ reason: String) -> ScopeKitError { ScopeKitError(.usage, reason) }
    /// A processing failure.
    public static func processing(_ reason: String, file: String? = nil) -> ScopeKitError {
        ScopeKitError(.processing, reason, file: file)
    }

    /// The same error attributed to `file` (kept if it already names one).
    public func attributed(to file: String) -> ScopeKitError {
        var e = self
        if e.file == nil { e.file = file }
        return e
    }

    /// `<file>: <reason>` or just `<reason>`.
    public var description: String {
        if let file { return "\(file): \(reason)" }
        return reason
    }
}
