import Foundation
import Testing

@Suite("CLI errors and exit codes")
struct CLIErrorTests {
    @Test("a missing input is bad input: one line, exit 2")
    func missingInput() throws {
        let r = try CLI.run(["info", "/nonexistent/file.tif"])
        #expect(r.status == 2)
        #expect(r.stderr == "scopekit: error: /nonexistent/file.tif: no such file\n")
    }

    @Test("an unknown option is a usage error: exit 1")
    func unknownOption() throws {
        let r = try CLI.run(["info", "--no-such-option", "x.tif"])
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("scopekit: error: "))
    }

    @Test("an unrecognised file is bad input")
    func unrecognised() throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("garbage.bin")
        try Data("this is not an image".utf8).write(to: file)
        let r = try CLI.run(["info", file.path])
        #expect(r.status == 2)
        #expect(r.stderr.contains("unrecognised file format"))
        #expect(r.stderr.split(separator: "\n").count == 1)
    }

    @Test("--help and --version exit 0")
    func help() throws {
        #expect(try CLI.run(["--help"]).status == 0)
        let v = try CLI.run(["--version"])
        #expect(v.status == 0)
        #expect(v.stdout.contains("0."))
    }
}
