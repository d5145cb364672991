import ArgumentParser
import Foundation
import ScopeKit

/// `scopekit demo [DIR]`: runs every family's demo job on deterministic sample data.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the demo jobs on generated sample data and write results, previews and a summary.",
        discussion: "Jobs: " + Demo.jobs.map { "\($0.name) (\($0.summary))" }.joined(separator: "; "))

    @Argument(help: "Output folder.")
    var folder: String = "scopekit-demo"

    @Option(help: "Run only these jobs (comma-separated names).")
    var only: String?

    @OptionGroup var outputOptions: OutputOptions
    @OptionGroup var common: CommonOptions

    func run() throws {
        common.apply()
        var jobs = Demo.jobs
        if let only {
            let names = Set(only.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            let unknown = names.subtracting(jobs.map(\.name))
            if !unknown.isEmpty {
                throw ScopeKitError.usage("unknown demo job(s): \(unknown.sorted().joined(separator: ", ")) "
                    + "(jobs: \(jobs.map(\.name).joined(separator: ", ")))")
            }
            jobs = jobs.filter { names.contains($0.name) }
        }
        let url = URL(fileURLWithPath: folder)
        let progress = Terminal.progress(total: jobs.count, label: "demo", quiet: common.quiet)
        let reports = try Demo.run(jobs: jobs, in: url, overwrite: outputOptions.force || !existsWithContent(url),
                                   progress: progress)
        if common.json {
            print(try JSONText.encode(reports))
            return
        }
        guard !common.quiet else { return }
        for report in reports {
            print("== \(report.name) (\(String(format: "%.2f", report.seconds)) s) → \(folder)/\(report.name)/")
            for line in report.lines { print("   \(line)") }
        }
        print("summary: \(folder)/summary.json")
    }

    /// True when `url` is a folder that already holds files (then outputs are replaced only with --force).
    private func existsWithContent(_ url: URL) -> Bool {
        let items = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return !items.isEmpty
    }
}
