import Foundation
import Testing
import ScopeKit

@Suite("z-spacing demo job")
struct ZSpacingDemoTests {
    @Test("synthetic stack with known spacing: correction beats uniform spacing; files written")
    func demo() throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let report = try ZSpacingDemo.generateAndCorrect(in: folder, overwrite: false, sections: 120, size: 128)
        #expect(report.truth.count == 120)
        #expect(report.truth.first == 0 && report.truth.last == 119)
        #expect(report.uniformRMSE > 1)
        #expect(report.frozenRMSE < 0.6 * report.uniformRMSE)
        #expect(report.fijiRMSE < report.uniformRMSE)
        for name in report.files { #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path)) }
        #expect(report.files.count == 8)
        // Same seed, same stack: the demo is deterministic.
        let a = ZSpacingDemo.syntheticStack(sections: 10, size: 8, rho: 0.9, gaps: 1...5, seed: 3)
        let b = ZSpacingDemo.syntheticStack(sections: 10, size: 8, rho: 0.9, gaps: 1...5, seed: 3)
        #expect(a.stack == b.stack && a.z == b.z)
        #expect(zip(a.z.dropFirst(), a.z).allSatisfy { (1...5).contains($0 - $1) })
        // Existing files are refused without overwrite.
        #expect(throws: ScopeKitError.self) { try ZSpacingDemo.run(in: folder, overwrite: false, sections: 20, size: 16) }
        let lines = try ZSpacingDemo.run(in: folder, overwrite: true, sections: 120, size: 128)
        #expect(lines.count == 3 && lines[1].contains("RMSE"))
        print(lines.joined(separator: "\n"))
    }
}
