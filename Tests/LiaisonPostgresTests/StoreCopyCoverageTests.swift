import Foundation
import GRDB
import LiaisonPostgres
import LiaisonStore
import LiaisonTestSupport
import Logging
import Testing

/// `liaison migrate` copies every table of each store's schema, or names it in
/// `StoreCopy.notCopied` with why. Without this, a table added by a migration is silently left
/// behind by the copy (`complaint_assignments` was: a copied store lost each station's
/// response clocks and the KPIs counted from them).
@Suite struct StoreCopyCoverageTests {
    static var accountedFor: Set<String> {
        Set(StoreCopy.plainTables.map(\.name)).union(["counties", "stations"]).union(StoreCopy.notCopied.keys)
    }

    @Test func everySpatiaLiteTableIsCopiedOrNamed() async throws {
        let folder = try ScratchFolder("copy-coverage")
        let ours = try TemplateDatabase.open(at: folder.path("liaison.sqlite")).reading { db in
            try db.fetchRows(sql: "SELECT name FROM sqlite_master WHERE type = 'table'", arguments: []).map { $0["name"] as String }
        }
        // SpatiaLite's own tables are whatever it makes in an empty file.
        let empty = folder.path("empty.sqlite")
        let made = try await ChildProcess.tool("spatialite", [empty, "SELECT InitSpatialMetadata(1);"], in: folder.url)
        #expect(made.status == 0, "\(made)")
        let listed = try await ChildProcess.tool("sqlite3", [empty, "SELECT name FROM sqlite_master WHERE type = 'table'"], in: folder.url)
        let spatialite = Set(listed.stdout.split(separator: "\n").map(String.init))
        #expect(spatialite.contains("spatial_ref_sys"), "\(listed)")
        // Also derived: SpatiaLite's R*Tree spatial indexes (idx_TABLE_geom…) and the full-text index's shadow tables.
        let schema = Set(ours).subtracting(spatialite).filter { !$0.hasPrefix("sqlite_") && !$0.hasPrefix("complaint_search_") && !$0.hasPrefix("idx_") }
        #expect(schema.contains("complaints") && schema.contains("complaint_assignments"))
        #expect(schema.subtracting(Self.accountedFor).isEmpty, "tables neither copied nor named: \(schema.subtracting(Self.accountedFor).sorted())")
    }

    @Test func everyPostgreSQLTableIsCopiedOrNamed() throws {
        let url = try ScratchPostgres.newDatabase("copy-coverage")
        let store = try PostgresStore(url: url, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        defer { store.close() }
        let tables = try store.reading { db in
            try db.fetchRows(sql: "SELECT table_name::text AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
                             arguments: []).map { $0["name"] as String }
        }
        let schema = Set(tables).subtracting(["spatial_ref_sys"])
        #expect(schema.contains("complaint_assignments"))
        #expect(schema.subtracting(Self.accountedFor).isEmpty, "tables neither copied nor named: \(schema.subtracting(Self.accountedFor).sorted())")
    }
}
