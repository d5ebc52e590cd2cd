import Foundation
import GRDB
import LiaisonCore
@_spi(Benchmark) @testable import LiaisonStore
import Testing
import LiaisonTestSupport

/// The v6 migration rebuilds `complaints` and `sms_outbox` (SQLite changes a CHECK only that
/// way): a store made by v5 with complaints in it must come out with every row, its point
/// geometry registered again, the new states allowed and the events still append-only.
@Suite struct MigrationTests {
    /// What `liaison --version` says is the migrator's last migration.
    @Test func theSchemaVersionIsTheLastMigration() {
        #expect(Migrations.migrator.migrations.last == sqliteSchemaVersion)
    }

    /// A file a newer release migrated is refused, naming its migration and this build's schema;
    /// nothing is written to it.
    @Test func aNewerSchemaIsRefused() throws {
        let folder = try ScratchFolder()
        let path = folder.path("newer.sqlite")
        do {
            let database = try TemplateDatabase.open(at: path)
            try database.pool.write { db in try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99 from a later release')") }
        }
        func schema() throws -> [String] {
            let queue = try DatabaseQueue(path: path)
            defer { try? queue.close() }
            return try queue.read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations UNION ALL SELECT sql FROM sqlite_master WHERE sql IS NOT NULL") }
        }
        let before = try schema()
        let error = #expect(throws: StoreError.self) { try LiaisonDatabase(path: path) }
        #expect(error?.message.contains("v99 from a later release") == true && error?.message.contains(sqliteSchemaVersion) == true, "\(String(describing: error))")
        #expect(try schema() == before, "no migration ran")
    }

    @Test func aVersion5StoreKeepsEveryComplaintThroughTheRebuild() throws {
        let folder = try ScratchFolder()
        let path = folder.path("v5.sqlite")
        let caches = SpatiaLiteCaches()
        do {
            defer { caches.freeAll() }
            let queue = try DatabaseQueue(path: path, configuration: LiaisonDatabase.configuration(caches))
            try Migrations.migrator.migrate(queue, upTo: "v5 merchant cases, borders, ratings")
            try queue.write { db in
                _ = try CountyRecord.upsert(try GeodataDirectory(url: Repository.geodata).counties(), in: db)
                try db.execute(sql: """
                    INSERT INTO complaints (number, tracking_token, status, category, description, preferred_mode, mode, consumer_name,
                        consumer_phone, merchant_name, lat, lng, given_lat, given_lng, coordsys, county_code, submitted_at, updated_at,
                        dispatch_by, merchant_code, border_counties, geom)
                    VALUES ('ZJ-20261130-000001', 'trk_a', 'submitted', 'price', '多收费', 'offline', 'offline', '张三', '13800138000',
                        '某某超市', 30.259, 120.13, 30.259, 120.13, 'wgs84', '330106', '2026-11-30T02:00:00.000Z', '2026-11-30T02:00:00.000Z',
                        '2026-11-30T04:00:00.000Z', '91350100M000100Y43', '[{"county_code":"330105"}]', MakePoint(120.13, 30.259, 4326));
                    INSERT INTO complaint_events (number, at, actor, action, from_status, to_status)
                    VALUES ('ZJ-20261130-000001', '2026-11-30T02:00:00.000Z', 'consumer', 'submit', NULL, 'submitted');
                    INSERT INTO sms_outbox (id, number, event_seq, recipient, phone, template, body, status, next_attempt_at, created_at, claimed_by)
                    VALUES ('ZJ-20261130-000001-1-c', 'ZJ-20261130-000001', 1, 'consumer', '13800138000', 'consumer.submit', '【浙江消保】…',
                        'pending', '2026-11-30T02:00:00.000Z', '2026-11-30T02:00:00.000Z', 'sender-1');
                    """)
            }
            try queue.close()
        }

        let database = try LiaisonDatabase(path: path, upgrading: true)   // runs v6
        try database.pool.read { db in
            let row = try #require(try Row.fetchOne(db, sql: """
                SELECT number, status, dispatch_by, merchant_code, border_counties, ST_X(geom) AS x, ST_Y(geom) AS y, enterprise_code
                FROM complaints
                """))
            #expect(row["number"] as String == "ZJ-20261130-000001" && row["status"] as String == "submitted")
            #expect(row["dispatch_by"] as String == "2026-11-30T04:00:00.000Z" && row["merchant_code"] as String == "91350100M000100Y43")
            #expect(row["border_counties"] as String == #"[{"county_code":"330105"}]"#)
            #expect(row["x"] as Double == 120.13 && row["y"] as Double == 30.259)
            #expect(row["enterprise_code"] as String? == nil)
            // The point column is registered with SpatiaLite again, and its triggers check new rows.
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM geometry_columns WHERE f_table_name = 'complaints' AND f_geometry_column = 'geom' AND srid = 4326") == 1)
            #expect(try String.fetchOne(db, sql: "SELECT claimed_by FROM sms_outbox") == "sender-1")
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM complaint_events") == 1)
            let indexes = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'complaints' AND sql IS NOT NULL")
            #expect(Set(indexes).isSuperset(of: ["complaints_open_by_station", "complaints_by_phone", "complaints_by_case", "complaints_by_enterprise"]))
            #expect(try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").isEmpty)
            #expect(try String.fetchOne(db, sql: "PRAGMA integrity_check") == "ok")
        }
        try database.pool.write { db in
            // The new states and recipient are allowed.
            try db.execute(sql: "UPDATE complaints SET status = 'with_enterprise'")
            try db.execute(sql: "UPDATE sms_outbox SET recipient = 'enterprise'")
        }
        // An unknown state still is not; a geometry of the wrong type is refused by SpatiaLite's
        // triggers; events stay append-only. (Each in its own transaction: a failed one is over.)
        for refused in ["UPDATE complaints SET status = 'lost'",
                        "UPDATE complaints SET geom = MakeLine(MakePoint(0, 0, 4326), MakePoint(1, 1, 4326))",
                        "DELETE FROM complaint_events"] {
            #expect(throws: DatabaseError.self, "\(refused)") { try database.pool.write { db in try db.execute(sql: refused) } }
        }
    }
    /// v10 rebuilds `complaints` again (不予受理, `declined`), numbers each complaint's events
    /// and fills each station's assignments from the events of a store made by v9.
    @Test func aVersion9StoreGetsOrdinalsAndAssignments() throws {
        let folder = try ScratchFolder()
        let path = folder.path("v9.sqlite")
        let caches = SpatiaLiteCaches()
        do {
            defer { caches.freeAll() }
            let queue = try DatabaseQueue(path: path, configuration: LiaisonDatabase.configuration(caches))
            try Migrations.migrator.migrate(queue, upTo: "v9 console sessions")
            try queue.write { db in
                _ = try CountyRecord.upsert(try GeodataDirectory(url: Repository.geodata).counties(), in: db)
                try db.execute(sql: """
                    INSERT INTO complaints (number, tracking_digest, status, category, description, preferred_mode, mode, consumer_name,
                        consumer_phone, merchant_name, lat, lng, given_lat, given_lng, coordsys, county_code, station_id, submitted_at, updated_at,
                        merchant_key, holding_county, geom)
                    VALUES ('ZJ-20261130-000001', 'd1', 'accepted', 'price', '多收费', 'offline', 'offline', '张三', '13800138000',
                        '某某超市', 30.259, 120.13, 30.259, 120.13, 'wgs84', '330106', NULL, '2026-11-30T02:00:00.000Z', '2026-11-30T09:00:00.000Z',
                        '某某超市', '330106', MakePoint(120.13, 30.259, 4326)),
                           ('ZJ-20261130-000002', 'd2', 'assigned', 'price', '多收费', 'offline', 'offline', '李四', '13800138001',
                        '某某超市', 30.259, 120.13, 30.259, 120.13, 'wgs84', '330106', NULL, '2026-11-30T03:00:00.000Z', '2026-11-30T03:00:00.000Z',
                        '某某超市', '330106', MakePoint(120.13, 30.259, 4326));
                    INSERT INTO complaint_events (number, at, actor, action, from_status, to_status, station_id) VALUES
                        ('ZJ-20261130-000001', '2026-11-30T02:00:00.000Z', 'consumer', 'submit', NULL, 'submitted', NULL),
                        ('ZJ-20261130-000001', '2026-11-30T02:00:00.000Z', 'system', 'assign', 'submitted', 'assigned', '330106-0001'),
                        ('ZJ-20261130-000002', '2026-11-30T03:00:00.000Z', 'consumer', 'submit', NULL, 'submitted', NULL),
                        ('ZJ-20261130-000002', '2026-11-30T03:00:00.000Z', 'system', 'assign', 'submitted', 'assigned', '330106-0001'),
                        ('ZJ-20261130-000001', '2026-12-01T05:00:00.000Z', 'xihu-1', 'refuse', 'assigned', 'refused', '330106-0001'),
                        ('ZJ-20261130-000001', '2026-12-01T05:00:00.000Z', 'system', 'assign', 'refused', 'assigned', '330106-0003'),
                        ('ZJ-20261130-000001', '2026-12-01T09:00:00.000Z', 'xihu-1', 'accept', 'assigned', 'accepted', '330106-0003');
                    """)
            }
            try queue.close()
        }

        let database = try LiaisonDatabase(path: path, upgrading: true)   // runs v10
        try database.pool.read { db in
            let ordinals = try Row.fetchAll(db, sql: "SELECT number, ordinal FROM complaint_events ORDER BY seq").map { "\($0["number"] as String).\($0["ordinal"] as Int)" }
            #expect(ordinals == ["ZJ-20261130-000001.1", "ZJ-20261130-000001.2", "ZJ-20261130-000002.1", "ZJ-20261130-000002.2",
                                 "ZJ-20261130-000001.3", "ZJ-20261130-000001.4", "ZJ-20261130-000001.5"])
            let columns = ["station_id", "respond_by", "responded_at", "response", "ended_at", "ended_by"]
            let parts: [[String]] = try Row.fetchAll(db, sql: "SELECT * FROM complaint_assignments ORDER BY number, ordinal").map { row in
                columns.map { column -> String in (row[column] as String?) ?? "-" }
            }
            #expect(parts == [
                ["330106-0001", "2026-12-01T02:00:00.000Z", "2026-12-01T05:00:00.000Z", "refuse", "2026-12-01T05:00:00.000Z", "refuse"],
                ["330106-0003", "2026-12-02T05:00:00.000Z", "2026-12-01T09:00:00.000Z", "accept", "-", "-"],
                ["330106-0001", "2026-12-01T03:00:00.000Z", "-", "-", "-", "-"],
            ])
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM geometry_columns WHERE f_table_name = 'complaints' AND f_geometry_column = 'geom'") == 1)
            let indexes = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'complaints' AND sql IS NOT NULL")
            #expect(Set(indexes).isSuperset(of: ["complaints_by_holding_county", "complaints_open_by_station", "complaints_review_open"]))
            #expect(try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").isEmpty)
            #expect(try String.fetchOne(db, sql: "PRAGMA integrity_check") == "ok")
        }
        try database.pool.write { db in try db.execute(sql: "UPDATE complaints SET status = 'declined', decline_reason = 'time_barred' WHERE number = 'ZJ-20261130-000002'") }
        for refused in ["UPDATE complaints SET status = 'lost'", "UPDATE complaint_events SET ordinal = 9", "DELETE FROM complaint_events",
                        "INSERT INTO complaint_events (number, ordinal, at, actor, action, to_status) VALUES ('ZJ-20261130-000001', 5, '2026-12-02T00:00:00.000Z', 'x', 'close', 'closed')"] {
            #expect(throws: DatabaseError.self, "\(refused)") { try database.pool.write { db in try db.execute(sql: refused) } }
        }
    }
}
