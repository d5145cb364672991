import ArgumentParser
import Foundation
import ScopeKit

/// The `scopekit` command: a thin layer over the ScopeKit library, one file per subcommand.
struct ScopeKitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scopekit",
        abstract: "Correct and analyse microscopy images.",
        discussion: """
            Exit codes: 0 success, 1 usage error, 2 bad input, 3 processing failure.
            Errors print one line: scopekit: error: <file>: <what went wrong>.
            """,
        version: ScopeKitVersion.string,
        subcommands: [InfoCommand.self, ConvertCommand.self, PreviewCommand.self, ZSpacingCommand.self, LevelCommand.self,
                      FlatFieldCommand.self, DemoCommand.self])
}
