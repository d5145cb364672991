import Foundation

/// Where the tests find their inputs: the committed fixtures (`Tests/Fixtures/<domain>`) and the shared corpus
/// of real files that lives beside the repository (`../shared/corpus`).
///
/// One place for every test target, so a moved folder or a new corpus location is one edit.
///
/// ```swift
/// let url = TestPaths.fixtures("tiff").appendingPathComponent("expected.json")
/// guard let afm = TestPaths.corpus("afm") else { return }   // skipped when the corpus is absent
/// ```
public enum TestPaths {
    /// The repository root, found from this source file's path.
    public static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// `Tests/Fixtures/<domain>`: the small reference files written by `Scripts/fixtures/<domain>.py`.
    public static func fixtures(_ domain: String) -> URL {
        repository.appendingPathComponent("Tests/Fixtures").appendingPathComponent(domain)
    }

    /// The shared corpus: `$SCOPEKIT_CORPUS` when set, else `shared/corpus` beside the repository (or beside
    /// the folder that holds it, for worktrees one level down); `nil` when none exists.
    public static let corpusRoot: URL? = {
        var candidates: [URL] = []
        if let env = ProcessInfo.processInfo.environment["SCOPEKIT_CORPUS"], !env.isEmpty {
            candidates.append(URL(fileURLWithPath: env))
        }
        let parent = repository.deletingLastPathComponent()
        candidates.append(parent.appendingPathComponent("shared/corpus"))
        candidates.append(parent.deletingLastPathComponent().appendingPathComponent("shared/corpus"))
        return candidates.first { FileManager.default.fileExists(atPath: $0.path) }?.standardizedFileURL
    }()

    /// A folder or file inside the shared corpus, or `nil` when the corpus (or that path) is absent.
    public static func corpus(_ path: String) -> URL? {
        guard let url = corpusRoot?.appendingPathComponent(path),
              FileManager.default.fileExists(atPath: url.path) else { return nil }
        return url
    }
}
