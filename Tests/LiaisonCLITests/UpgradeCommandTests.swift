import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LiaisonTestSupport
import Testing

/// Only `liaison upgrade` and `serve --migrate` change a database's schema, a file backed up
/// first; every other command refuses a database a former release made, naming both schemas.
@Suite(.tags(.slow)) struct UpgradeCommandTests {
    let sandbox: Sandbox
    init() throws { sandbox = try Sandbox() }

    /// A database as release 0.3 left it: this release's file with its two newest migrations
    /// undone (their tables dropped, their records removed), one complaint in it.
    func olderDatabase(_ name: String) async throws -> String {
        let path = sandbox.path(name)
        let filed = try await sandbox.run(["complaints", "submit", "--lat", "30.259", "--lng", "120.13", "--name", "张三", "--phone", "13800138000",
                                           "--merchant", "某某超市", "--category", "price", "--description", "多收费", "--mode", "offline", "--db", path])
        try #require(filed.status == 0, "\(filed)")
        let undo = try await ChildProcess.tool("sqlite3", [path, """
            DROP TABLE consumer_complaints; DROP TABLE callback_outbox; DROP TABLE client_callbacks;
            DROP INDEX complaints_open;
            DELETE FROM grdb_migrations WHERE identifier IN ('v12 client callbacks', 'v13 consumer ids', 'v14 open complaints gauge');
            """], in: sandbox.root)
        try #require(undo.status == 0, "\(undo)")
        return path
    }

    func migrations(_ path: String) async throws -> [String] {
        try await ChildProcess.tool("sqlite3", [path, "SELECT identifier FROM grdb_migrations ORDER BY rowid"], in: sandbox.root)
            .stdout.split(separator: "\n").map(String.init)
    }

    @Test func anOlderDatabaseIsRefusedUntilUpgradedWithABackup() async throws {
        let path = try await olderDatabase("old.sqlite")
        let refused = try await sandbox.run(["nearest", "--lat", "30.259", "--lng", "120.13", "--db", path])
        #expect(refused.status != 0 && refused.stdout.isEmpty, "\(refused)")
        #expect(refused.stderr.contains("is at schema v11 complaint search, older than this liaison's v14 open complaints gauge")
                && refused.stderr.contains("liaison upgrade --db \(path)"), "\(refused.stderr)")
        #expect(try await migrations(path).last == "v11 complaint search", "a refused command changes nothing")

        let upgraded = try await sandbox.run(["upgrade", "--db", path, "--backup", sandbox.path("before.sqlite")])
        #expect(upgraded.status == 0, "\(upgraded)")
        #expect(upgraded.stdout.contains("upgraded \(path) from schema v11 complaint search to v14 open complaints gauge"), "\(upgraded.stdout)")
        #expect(upgraded.stderr.contains("backed up \(path) (schema v11 complaint search) to \(sandbox.path("before.sqlite"))"), "\(upgraded.stderr)")
        #expect(try await migrations(path).suffix(3) == ["v12 client callbacks", "v13 consumer ids", "v14 open complaints gauge"])
        // The backup is the database as it was: the old schema, the complaint.
        #expect(try await migrations(sandbox.path("before.sqlite")).last == "v11 complaint search")
        let kept = try await ChildProcess.tool("sqlite3", [sandbox.path("before.sqlite"), "SELECT count(*) FROM complaints"], in: sandbox.root)
        #expect(kept.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "1")

        let works = try await sandbox.run(["nearest", "--lat", "30.259", "--lng", "120.13", "--db", path])
        #expect(works.status == 0, "\(works)")
        let again = try await sandbox.run(["upgrade", "--db", path])
        #expect(again.status == 0 && again.stdout.contains("already at schema v14 open complaints gauge"), "\(again)")
    }

    @Test func serveRefusesAnOlderDatabaseAndMigratesItWhenAsked() async throws {
        let path = try await olderDatabase("served.sqlite")
        // Bounded: a server that wrongly starts would otherwise never end (timeout exits 124).
        let refused = try await ChildProcess.run(URL(fileURLWithPath: "/usr/bin/timeout"),
                                                 ["60", try LiaisonExecutable.require().path, "serve", "--port", "0", "--db", path], in: sandbox.cwd)
        #expect(refused.status != 0 && refused.status != 124 && refused.stderr.contains("liaison serve --migrate"), "\(refused)")
        let server = try await ServerProcess(["--db", path, "--migrate"], sandbox: sandbox)
        let (_, ready) = try await URLSession.shared.data(from: try #require(URL(string: server.base + "/readyz")))
        #expect((ready as? HTTPURLResponse)?.statusCode == 200)
        #expect(try await server.stop() == 0)
        #expect(try await migrations(path).last == "v14 open complaints gauge")
        let backups = try FileManager.default.contentsOfDirectory(atPath: (path as NSString).deletingLastPathComponent)
            .filter { $0.hasPrefix("served.sqlite.before-v11-") && $0.hasSuffix(".sqlite") }
        #expect(backups.count == 1, "\(backups)")
    }
}
