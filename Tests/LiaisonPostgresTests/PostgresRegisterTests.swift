import Foundation
import LiaisonCore
import LiaisonPostgres
import LiaisonStore
import LiaisonTestSupport
import Logging
import Testing

/// The register in PostgreSQL against the SpatiaLite store's, on a real server
/// (``ScratchPostgres``: a scratch PostgreSQL 15 + PostGIS started for the test process).
@Suite struct PostgresRegisterTests {
    let quiet = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    /// The same geodata makes the same register in both stores: every station field and every
    /// county boundary's doubles, exactly.
    @Test func geodataMakesTheSameRegisterAsSpatiaLite() throws {
        let url = try ScratchPostgres.newDatabase("register")
        let store = try PostgresStore(url: url, logger: quiet)
        defer { store.close() }
        #expect(try store.createIfEmpty(from: GeodataDirectory(url: Repository.geodata)))
        #expect(try !store.createIfEmpty(from: GeodataDirectory(url: Repository.geodata)), "an existing register is left as it is")

        let folder = try ScratchFolder("pg-register")
        let reference = try TemplateDatabase.open(at: folder.path("liaison.sqlite")).snapshot()
        let snapshot = try store.snapshot()
        #expect(snapshot.stations.count == 2045)
        #expect(snapshot.stations == reference.stations)
        #expect(snapshot.counties.counties.count == 90 && snapshot.counties.counties.count == reference.counties.counties.count)
        for (county, expected) in zip(snapshot.counties.counties, reference.counties.counties) {
            #expect(county == expected, "\(county.adcode)")
        }
        #expect(try store.stations() == reference.stations)
    }

    /// Named migrations run once, by one process at a time; a schema from a newer release is refused.
    @Test func migrationsRunOnceAndANewerSchemaIsRefused() throws {
        let url = try ScratchPostgres.newDatabase("migrations")
        try PostgresStore(url: url, logger: quiet).close()
        try PostgresStore(url: url, logger: quiet).close()
        // What `liaison --version` names is the last of them: vN is the Nth, once (1/0 fails otherwise).
        let number = try #require(Int(postgresSchemaVersion.dropFirst().prefix { $0.isNumber }))
        try ScratchPostgres.execute("""
            SELECT 1 / ((SELECT count(*) FROM liaison_migrations) = \(number)
                        AND (SELECT count(*) FROM liaison_migrations WHERE name = '\(postgresSchemaVersion)') = 1)::int
            """, in: url)
        try ScratchPostgres.execute("INSERT INTO liaison_migrations (name) VALUES ('v99 from the future')", in: url)
        let error = #expect(throws: StoreError.self) { try PostgresStore(url: url, logger: self.quiet) }
        #expect(error?.message.contains("v99 from the future") == true)
        #expect(error?.message.contains("newer release") == true)
    }

    /// Every change of the register moves its version, whoever writes; the history refuses edits.
    @Test func theVersionMovesAndTheHistoryIsAppendOnly() throws {
        let url = try ScratchPostgres.newDatabase("version")
        let store = try PostgresStore(url: url, logger: quiet)
        defer { store.close() }
        try store.createIfEmpty(from: GeodataDirectory(url: Repository.geodata))
        let before = try store.registerVersion()
        try ScratchPostgres.execute("UPDATE stations SET capacity = capacity + 1 WHERE id = '330102-0001'", in: url)
        #expect(try store.registerVersion() == before + 1)
        #expect(try store.snapshot().version == before + 1)
        #expect(throws: (any Error).self) { try ScratchPostgres.execute("UPDATE station_history SET actor = 'x'", in: url) }
        #expect(throws: (any Error).self) { try ScratchPostgres.execute("DELETE FROM station_history", in: url) }
        try store.ping()
    }

    /// An unreachable server is an error that names it, within the time given; never a hang or a crash.
    @Test func anUnreachableServerIsAnError() throws {
        let error = #expect(throws: StoreUnavailable.self) {
            try PostgresStore(url: "postgres://nobody@127.0.0.1:1/none", openSeconds: 3, logger: self.quiet)
        }
        #expect(error?.description == "the database postgres://nobody@127.0.0.1:1/none did not answer within 3 s")
    }

    @Test(arguments: [
        ("postgres://127.0.0.1/liaison", "no user"),
        ("postgres://u@/liaison", "no host"),
        ("postgres://u@h:5432/", "no database name"),
        ("postgres://u@h:5432/db?sslmode=require", "options"),
        ("mysql://u@h/db", "not a PostgreSQL URL"),
    ])
    func badURLsNameTheProblem(url: String, problem: String) {
        let error = #expect(throws: InvalidInput.self) { try PostgresURL(url) }
        #expect(error?.parameters.first?.name == "db")
        #expect(error?.parameters.first?.reason.contains(problem) == true, "\(error?.parameters.first?.reason ?? "")")
    }

    @Test func aURLKeepsItsPartsAndHidesItsPassword() throws {
        let url = try PostgresURL("postgresql://liaison:s%40cret@db.example:6432/zj")
        let same = try PostgresURL("postgres://liaison:s%40cret@db.example:6432/zj")
        #expect(url == same)
        #expect(url.user == "liaison" && url.password == "s@cret" && url.host == "db.example" && url.port == 6432 && url.database == "zj")
        #expect(url.redacted == "postgres://liaison:***@db.example:6432/zj")
    }
}
