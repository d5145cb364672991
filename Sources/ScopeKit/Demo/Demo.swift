import Foundation

/// One job of `scopekit demo`: runs on generated (or given) sample data, writes results and PNG previews into
/// a folder, and returns summary lines.
///
/// Each ScopeKit family adds its job to ``Demo/jobs``.
public struct DemoJob: Sendable {
    /// Short name; the job writes into a sub-folder of this name.
    public let name: String
    /// One line saying what the job shows.
    public let summary: String
    /// Runs the job in `folder` (which exists), replacing earlier outputs when `overwrite` is true.
    public let run: @Sendable (_ folder: URL, _ overwrite: Bool) throws -> [String]

    public init(name: String, summary: String,
                run: @escaping @Sendable (_ folder: URL, _ overwrite: Bool) throws -> [String]) {
        self.name = name
        self.summary = summary
        self.run = run
    }
}

/// The demo: every family's job, run in order on deterministic sample data.
///
/// ```swift
/// let report = try Demo.run(jobs: Demo.jobs, in: URL(fileURLWithPath: "scopekit-demo"), overwrite: true)
/// ```
public enum Demo {
    /// All demo jobs, in the order `scopekit demo` runs them.
    public static var jobs: [DemoJob] { [FoundationDemo.job, ZSpacingDemo.job, LevellingDemo.job, FlatFieldDemo.job] }

    /// The result of one job.
    public struct JobReport: Sendable, Codable {
        public let name: String
        public let seconds: Double
        public let lines: [String]
    }

    /// Runs `jobs`, each in `folder/<job name>/`, and writes `folder/summary.json`.
    ///
    /// - Throws: the first job's error, attributed to the job.
    public static func run(jobs: [DemoJob], in folder: URL, overwrite: Bool,
                           progress: WorkProgress? = nil) throws -> [JobReport] {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var reports: [JobReport] = []
        for job in jobs {
            let sub = folder.appendingPathComponent(job.name)
            try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
            let start = DispatchTime.now().uptimeNanoseconds
            let lines = try job.run(sub, overwrite)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            reports.append(JobReport(name: job.name, seconds: seconds, lines: lines))
            progress?.advance()
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try OutputFile.write(Array(try encoder.encode(reports)), to: folder.appendingPathComponent("summary.json"),
                             overwrite: true)
        return reports
    }
}
