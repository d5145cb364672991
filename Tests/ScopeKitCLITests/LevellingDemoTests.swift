import Foundation
import Testing
import ScopeKit

@Suite("levelling demo job")
struct LevellingDemoTests {
    @Test("synthetic HS-AFM movie: the recipe's residual is near the noise, iterative-peaks' below the input's; files written")
    func demo() throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let report = try LevellingDemo.run(in: folder, overwrite: false, frames: 3, size: 128)
        #expect(report.residualBefore > 1)
        #expect(report.residual < 1.2 * report.noise, "\(report.lines)")
        #expect(report.residualRoutine < report.residualBefore)
        for name in report.files { #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path)) }
        #expect(report.lines.count == 4 && report.lines[2].contains("residual"))
        #expect(throws: ScopeKitError.self) { try LevellingDemo.run(in: folder, overwrite: false, frames: 2, size: 32) }
        let (a, _, _) = LevellingDemo.syntheticMovie(frames: 2, rows: 16, cols: 16, seed: 1)
        let (b, _, _) = LevellingDemo.syntheticMovie(frames: 2, rows: 16, cols: 16, seed: 1)
        #expect(a == b)
        print(report.lines.joined(separator: "\n"))
    }
}
