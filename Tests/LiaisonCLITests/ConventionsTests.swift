import Foundation
import LiaisonTestSupport
import Testing

/// What a well-made command-line tool offers besides its commands: shell completions and a
/// manual, both from the same definitions as `--help`.
@Suite(.tags(.slow)) final class ConventionsTests {
    let sandbox: Sandbox

    init() throws {
        sandbox = try Sandbox()
    }

    @Test(arguments: ["bash", "zsh", "fish"])
    func completionScriptsKnowTheCommandsAndTheirFlags(shell: String) async throws {
        let r = try await sandbox.run(["--generate-completion-script", shell])
        try #require(r.status == 0, "\(r)")
        for word in ["nearest", "where", "complaints", "input", "output-format", "coordsys", "lat-column"] {
            #expect(r.stdout.contains(word), "the \(shell) script lacks \(word)")
        }
        #expect(try sandbox.files().isEmpty, "no database for a completion script")
    }

    /// The manual is what swift-argument-parser's generate-manual plugin writes
    /// (`swift package generate-manual`); its tool is built beside `liaison`.
    @Test func theManualDescribesBatchLookupsAndExitCodes() async throws {
        let liaison = try LiaisonExecutable.require()
        let tool = liaison.deletingLastPathComponent().appendingPathComponent("generate-manual")
        try #require(FileManager.default.isExecutableFile(atPath: tool.path), "generate-manual is built with the package (swift build)")
        let r = try await ChildProcess.run(tool, [liaison.path, "--output-directory", "-"], in: sandbox.cwd)
        try #require(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains(".Dt LIAISON 1"))
        for word in ["lat-column", "output-format", "exit status 65", "EXIT CODES"] {
            #expect(r.stdout.contains(word), "the manual lacks \(word)")
        }
    }
}
