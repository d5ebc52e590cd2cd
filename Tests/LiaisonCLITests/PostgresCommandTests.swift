import Foundation
import LiaisonTestSupport
import Testing

/// `--db postgres://…`: the lookups answer from PostgreSQL exactly what they answer from the
/// SpatiaLite file, tokens are kept there; commands that do not run there yet say so (exit 64)
/// and touch nothing.
@Suite struct PostgresCommandTests {
    @Test func lookupsAnswerTheSameFromPostgres() async throws {
        let sandbox = try Sandbox(databases: ["x.sqlite"])
        let url = try ScratchPostgres.newDatabase("cli")
        let lookups = [
            ["nearest", "--lat", "30.259", "--lng", "120.13", "--limit", "5"],
            ["nearest", "--lat", "30.2565", "--lng", "120.1365", "--coordsys", "gcj02", "--mode", "video", "--format", "json"],
            ["where", "--lat", "29.87", "--lng", "121.55", "--format", "json"],
            ["stations", "list", "--county", "330106"],
            ["stations", "show", "330102-0001"],
        ]
        for arguments in lookups {
            let fromFile = try await sandbox.run(arguments + ["--db", sandbox.path("x.sqlite")])
            let fromPostgres = try await sandbox.run(arguments + ["--db", url])
            #expect(fromFile.status == 0 && !fromFile.stdout.isEmpty, "\(fromFile)")
            #expect(fromPostgres.status == 0, "\(fromPostgres)")
            #expect(fromPostgres.stdout == fromFile.stdout, "\(arguments)")
        }
        // Tokens: made, listed (never shown again) and revoked in PostgreSQL.
        let created = try await sandbox.run(["tokens", "create", "--name", "xihu-1", "--role", "county:330106", "--db", url])
        #expect(created.status == 0 && created.stdout.hasPrefix("lst_"), "\(created)")
        let unknownCounty = try await sandbox.run(["tokens", "create", "--name", "x", "--role", "county:999999", "--db", url])
        #expect(unknownCounty.status == 64, "\(unknownCounty)")
        let listed = try await sandbox.run(["tokens", "list", "--db", url])
        #expect(listed.stdout.contains("xihu-1") && listed.stdout.contains("county:330106") && !listed.stdout.contains("lst_"), "\(listed)")
        #expect(try await sandbox.run(["tokens", "revoke", "xihu-1", "--db", url]).status == 0)
        #expect(try await sandbox.run(["tokens", "revoke", "xihu-1", "--db", url]).status == 1)

        let refused = try await sandbox.run(["complaints", "list", "--db", url])
        #expect(refused.status == 64 && refused.stderr.contains("does not run on PostgreSQL yet"), "\(refused)")
        let badURL = try await sandbox.run(["nearest", "--lat", "30", "--lng", "120", "--db", "postgres://nouser/x"])
        #expect(badURL.status == 64 && badURL.stderr.contains("--db: no user"), "\(badURL)")
    }
}
