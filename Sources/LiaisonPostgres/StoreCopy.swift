import Crypto
import Foundation
import GRDB
import LiaisonCore
import LiaisonStore

/// `liaison migrate`: copies a whole store into an empty one of the other kind (SpatiaLite to
/// PostgreSQL or back) in one transaction on the target, and checks, before that transaction
/// commits, that every table holds the same rows on both sides: the same count and the same
/// SHA-256 over its rows in key order (the values as the desk reads them; geometry as WKB and
/// coordinates). A mismatch rolls the copy back: nothing is written.
///
/// What is not copied is ``notCopied``, each with why; a test holds every table of the schema
/// to be copied or named there, so a new table cannot be left behind unnoticed (as
/// `complaint_assignments` once was).
public enum StoreCopy {
    /// One table's rows on both sides.
    public struct Table: Sendable, Equatable {
        public let name: String
        public let rows: Int
        public let digest: String
    }

    /// The tables in the order they are copied (every reference points to an earlier table),
    /// each with its key; counties and stations carry geometry and are copied by their own SQL.
    public static let plainTables: [(name: String, key: String)] = [
        ("station_history", "seq"), ("enterprises", "credit_code"), ("merchant_cases", "id"), ("complaints", "number"),
        ("complaint_events", "seq"), ("complaint_assignments", "number, ordinal"), ("consumer_complaints", "number"), ("idempotency_keys", "key"), ("sms_outbox", "id"), ("callback_outbox", "id"),
        ("tokens", "name"), ("client_callbacks", "client"),
        ("station_ratings", "seq"), ("calendar_notices", "year"), ("job_runs", "name"), ("server_keys", "name"),
    ]

    /// The tables a store has that are not copied, and why. (`counties` and `stations` are
    /// copied by their own SQL, for their geometry.)
    public static let notCopied: [String: String] = [
        "leases": "a claim on the watch by a process of the old store",
        "console_sessions": "staff sign in to the console again",
        "register_version": "a counter the target keeps itself, bumped by its own triggers",
        "complaint_search": "SQLite's full-text index of complaints, rebuilt by triggers as rows are copied",
        "complaint_counters": "PostgreSQL's numbering, derived from the copied numbers",
        "grdb_migrations": "the SpatiaLite store's own migration record",
        "liaison_migrations": "the PostgreSQL store's own migration record",
    ]

    /// Copies `source` into `target` (which must hold no county yet) and verifies it; returns
    /// each table's count and digest. Throws, leaving the target as it was, when the target is
    /// not empty or the copy does not match.
    public static func copy(from source: any SQLStore, to target: any SQLStore, progress: (String) -> Void = { _ in }) throws -> [Table] {
        try source.reading { from in
            try target.writing { to in
                guard try Int.fetchOne(to, sql: "SELECT count(*) FROM counties") == 0 else {
                    throw InvalidInput(name: "to", reason: "the target already holds a register: expected an empty database")
                }
                try copyCounties(from, to)
                progress("counties")
                try copyStations(from, to)
                progress("stations")
                for table in plainTables {
                    try copyRows(table.name, key: table.key, from, to)
                    progress(table.name)
                }
                try finish(to)
                let copied = try digests(of: from), written = try digests(of: to)
                guard copied == written else {
                    let differing = zip(copied, written).filter { $0 != $1 }.map { "\($0.0.name) (\($0.0.rows) rows read, \($0.1.rows) written)" }
                    throw StoreError(message: "the copy does not match the source in \(differing.joined(separator: ", ")): nothing was written")
                }
                return copied
            }
        }
    }

    /// Every table's count and digest, as `db` sees it.
    public static func digests(of db: any SQLSession) throws -> [Table] {
        var tables = [try table("counties", db, sql: "SELECT adcode, name, city_code, city_name, ST_AsBinary(geom) AS wkb FROM counties ORDER BY adcode"),
                      try table("stations", db, sql: "SELECT \(stationColumns) FROM stations ORDER BY id")]
        for plain in plainTables {
            tables.append(try table(plain.name, db, sql: "SELECT * FROM \(plain.name) ORDER BY \(plain.key)"))
        }
        return tables
    }

    static let stationColumns = "id, county_code, name, address, phone, hours, modes, capacity, status, staff, created_at, updated_at, ST_X(geom) AS lng, ST_Y(geom) AS lat"

    private static func copyCounties(_ from: any SQLSession, _ to: any SQLSession) throws {
        for row in try Row.fetchAll(from, sql: "SELECT adcode, name, city_code, city_name, ST_AsBinary(geom) AS wkb FROM counties ORDER BY adcode") {
            // Read and written as WKB; the boundary is decoded and encoded again so that both
            // databases get the same bytes whatever WKB flavour the source wrote.
            let wkb = WKB.multiPolygon(try WKB.readMultiPolygon(row["wkb"]))
            try to.execute(sql: "INSERT INTO counties (adcode, name, city_code, city_name, geom) VALUES (?, ?, ?, ?, ST_GeomFromWKB(?, 4326))",
                           arguments: [row["adcode"] as String, row["name"] as String, row["city_code"] as String, row["city_name"] as String, wkb])
        }
    }

    private static func copyStations(_ from: any SQLSession, _ to: any SQLSession) throws {
        let point = to.dialect == .postgres ? "ST_SetSRID(ST_MakePoint(?, ?), 4326)" : "MakePoint(?, ?, 4326)"
        for row in try Row.fetchAll(from, sql: "SELECT \(stationColumns) FROM stations ORDER BY id") {
            let columns = ["id", "county_code", "name", "address", "phone", "hours", "modes", "capacity", "status", "staff", "created_at", "updated_at"]
            try to.execute(sql: "INSERT INTO stations (\(columns.joined(separator: ", ")), geom) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")), \(point))",
                           arguments: StatementArguments(columns.map { row[$0] as DatabaseValue } + [row["lng"] as DatabaseValue, row["lat"] as DatabaseValue]))
        }
    }

    private static func copyRows(_ table: String, key: String, _ from: any SQLSession, _ to: any SQLSession) throws {
        // PostgreSQL's station history numbers itself (GENERATED ALWAYS): the copy keeps the source's numbers.
        let overriding = to.dialect == .postgres && table == "station_history" ? " OVERRIDING SYSTEM VALUE" : ""
        try from.forEachRow(sql: "SELECT * FROM \(table) ORDER BY \(key)", arguments: []) { row in
            // The complaint's point is derived (PostgreSQL) or set from lat and lng at the end (SQLite).
            let columns = row.columnNames.filter { $0 != "geom" }
            try to.execute(sql: "INSERT INTO \(table) (\(columns.joined(separator: ", ")))\(overriding) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))",
                           arguments: StatementArguments(columns.map { row[$0] as DatabaseValue }))
        }
    }

    /// What the target derives from the copied rows: complaint points (SQLite), and on
    /// PostgreSQL the identity counters and the per-day complaint counters.
    private static func finish(_ to: any SQLSession) throws {
        switch to.dialect {
        case .sqlite:
            try to.execute(sql: "UPDATE complaints SET geom = MakePoint(lng, lat, 4326)")
        case .postgres:
            for (table, column) in [("station_history", "seq"), ("merchant_cases", "id"), ("complaint_events", "seq"), ("station_ratings", "seq")] {
                try to.execute(sql: "SELECT setval(pg_get_serial_sequence('\(table)', '\(column)'), coalesce(max(\(column)), 0) + 1, false) FROM \(table)")
            }
            try to.execute(sql: """
                INSERT INTO complaint_counters (day, last)
                SELECT substr(number, 4, 8), max(CAST(substr(number, 13) AS INTEGER)) FROM complaints GROUP BY substr(number, 4, 8)
                """)
        }
    }

    /// A table's rows in key order, each value in one text form whichever database gave it.
    private static func table(_ name: String, _ db: any SQLSession, sql: String) throws -> Table {
        var hash = SHA256()
        var count = 0
        try db.forEachRow(sql: sql, arguments: []) { row in
            count += 1
            var line = ""
            for column in row.columnNames.filter({ $0 != "geom" }).sorted() {
                line += column + "=" + canonical(row[column] as DatabaseValue, column: column) + "\u{1F}"
            }
            hash.update(data: Data((line + "\u{1E}").utf8))
        }
        return Table(name: name, rows: count, digest: hex(hash.finalize()))
    }

    private static func canonical(_ value: DatabaseValue, column: String) -> String {
        switch value.storage {
        case .null: return "\u{0}"
        case .int64(let v): return String(v)
        case .double(let v): return "\(v)"
        case .string(let v): return v
        case .blob(let v):
            // County boundaries: compared as the boundary they describe.
            if column == "wkb", let boundary = try? WKB.readMultiPolygon(v) { return hex(WKB.multiPolygon(boundary)) }
            return hex(v)
        }
    }

    private static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }
}
