import ArgumentParser
import Foundation
import ScopeKit

// Parses, runs, and maps every failure to ScopeKit's exit codes: 1 usage, 2 bad input, 3 processing.
ScopeKitFormats.registerAll()
do {
    var command = try ScopeKitCommand.parseAsRoot()
    try command.run()
} catch {
    exit(Terminal.report(error))
}
