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

    /// `--version` names the release and the schema each store is made to (what an operator
    /// compares before an upgrade), and touches no database.
    @Test func versionNamesTheReleaseAndTheSchemas() async throws {
        let r = try await sandbox.run(["--version"])
        try #require(r.status == 0, "\(r)")
        #expect(r.stdout.range(of: #"^liaison [0-9]+\.[0-9]+\.[0-9]+ \(schema: SpatiaLite v[0-9]+ [^;]+; PostgreSQL v[0-9]+ [^)]+\)\n$"#, options: .regularExpression) != nil,
                "\(r.stdout)")
        #expect(try sandbox.files().isEmpty, "no database for --version")
    }

    /// The manual is what swift-argument-parser's generate-manual plugin writes
    /// (`swift package generate-manual`) from `liaison --experimental-dump-help`: the same
    /// definitions, so the exit codes and the batch flags must be in that dump.
    @Test func theManualsSourceDescribesBatchLookupsAndExitCodes() async throws {
        let r = try await sandbox.run(["--experimental-dump-help"])
        try #require(r.status == 0, "\(r.stderr)")
        let dump = try #require(try r.jsonObject() as? [String: Any])
        let command = try #require(dump["command"] as? [String: Any])
        #expect(command["commandName"] as? String == "liaison")
        let text = r.stdout.replacingOccurrences(of: "\\/", with: "/")
        for word in ["lat-column", "output-format", "exit status 65", "EXIT CODES", "coverage"] {
            #expect(text.contains(word), "the manual's source lacks \(word)")
        }
        #expect(try sandbox.files().isEmpty, "no database for the manual")
    }
}
