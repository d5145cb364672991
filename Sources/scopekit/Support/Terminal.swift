import ArgumentParser
import Foundation
import ScopeKit
#if canImport(Glibc)
import Glibc
#endif

/// Terminal output shared by all commands: one-line errors, exit codes, the progress bar.
enum Terminal {
    /// Writes `text` to stderr.
    static func printError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// Prints `error` the ScopeKit way and returns the exit code (0 for help and version requests).
    static func report(_ error: Error) -> Int32 {
        switch error {
        case let e as ScopeKitError:
            printError("scopekit: error: \(e.description)")
            return e.kind.exitCode
        case let e as ExitCode:
            return e.rawValue
        default:
            let code = ScopeKitCommand.exitCode(for: error)
            let message = ScopeKitCommand.fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { print(message) }
                return 0
            }
            let firstLine = message.split(separator: "\n").first.map(String.init) ?? "\(error)"
            let text = firstLine.hasPrefix("Error: ") ? String(firstLine.dropFirst(7)) : firstLine
            printError("scopekit: error: \(text)")
            if message.contains("Usage:") { printError("See 'scopekit help' for usage.") }
            return ScopeKitError.Kind.usage.exitCode
        }
    }

    /// True when stderr is an interactive terminal (progress bars are shown only then).
    static var stderrIsTerminal: Bool { isatty(2) != 0 }

    /// A progress counter that draws a bar on stderr when it is a terminal (and not `--quiet`).
    static func progress(total: Int, label: String, quiet: Bool) -> WorkProgress {
        guard !quiet, stderrIsTerminal, total > 1 else { return .silent(total: total) }
        let bar = ProgressBar()
        return WorkProgress(total: total, label: label) { done, total, label in bar.draw(done, total, label) }
    }
}

/// Draws `label [#####.....] 42/100` on stderr, at most ~20 times a second.
final class ProgressBar: @unchecked Sendable {
    private let lock = NSLock()
    private var lastDraw = 0.0

    func draw(_ done: Int, _ total: Int, _ label: String) {
        lock.withLock {
            let now = Date().timeIntervalSince1970
            guard done == total || now - lastDraw > 0.05 else { return }
            lastDraw = now
            let width = 30
            let filled = total > 0 ? width * done / total : width
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            var line = "\r\(label) [\(bar)] \(done)/\(total)"
            if done == total { line += "\n" }
            FileHandle.standardError.write(Data(line.utf8))
        }
    }
}
