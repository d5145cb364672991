import ArgumentParser
import ScopeKit

/// Options every command takes.
struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: "Worker threads (default: all cores). Results are identical for any value.")
    var threads: Int?

    @Flag(name: .long, help: "Print machine-readable JSON on stdout.")
    var json = false

    @Flag(name: .long, help: "Print nothing but errors; no progress bar.")
    var quiet = false

    func validate() throws {
        if let t = threads, t < 1 { throw ValidationError("--threads must be at least 1") }
    }

    /// Applies the thread count to the library.
    func apply() {
        if let threads { Parallel.threadCount = threads }
    }
}

/// Options of commands that write files.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Overwrite existing output files.")
    var force = false
}
