import Foundation
import GRDB
import LiaisonCore

/// The SQL a store speaks: the complaint desk, the outbox and the reports are written once,
/// in the SQL both speak, and differ only where a database has its own better means
/// (`FOR UPDATE SKIP LOCKED`, JSON functions), asked for by ``SQLSession/dialect``.
public enum SQLDialect: Sendable {
    case sqlite, postgres
}

/// One connection inside a transaction, of either store: SQL with `?` placeholders, read into
/// GRDB rows so that the records decode the same way from both. SQLite's `Database` is one;
/// PostgreSQL's session (in `LiaisonPostgres`) translates the placeholders and the values.
public protocol SQLSession {
    var dialect: SQLDialect { get }
    /// Whether rows read to be changed are locked until the commit (`FOR UPDATE`). SQLite's
    /// write transactions are IMMEDIATE, one writer at a time, and need no row locks.
    var locksRows: Bool { get }
    func fetchRows(sql: String, arguments: StatementArguments) throws -> [Row]
    /// The first column of each row.
    func fetchValues(sql: String, arguments: StatementArguments) throws -> [DatabaseValue]
    /// Calls `body` with each row in turn, without holding them all (reports over many complaints).
    func forEachRow(sql: String, arguments: StatementArguments, _ body: (Row) throws -> Void) throws
    func execute(sql: String, arguments: StatementArguments) throws
    /// Runs an INSERT and returns the integer key `key` it gave the new row.
    func insertReturningKey(sql: String, arguments: StatementArguments, key: String) throws -> Int64
}

/// A store the desk runs its transactions on: the SpatiaLite file or PostgreSQL.
public protocol SQLStore: Sendable {
    /// Runs `body` in a write transaction: what it reads to decide (a station's open
    /// complaints, a complaint's state) cannot change before it commits, whichever process
    /// writes; returns after the commit is durable.
    func writing<T>(_ body: (any SQLSession) throws -> T) throws -> T
    /// Runs `body` in a read transaction (one consistent view).
    func reading<T>(_ body: (any SQLSession) throws -> T) throws -> T
    /// Inside a transaction: the register as committed, which is `finder`'s snapshot unless
    /// another process changed the register since it was read; then the register is read
    /// again and offered to `finder`.
    func snapshot(current finder: StationFinder, in db: any SQLSession) throws -> StationSnapshot
    /// Reads the register again if it changed since `finder`'s snapshot; whether it did.
    @discardableResult
    func refresh(_ finder: StationFinder) throws -> Bool
}

extension Database: SQLSession {
    public var dialect: SQLDialect { .sqlite }
    public var locksRows: Bool { false }

    public func fetchRows(sql: String, arguments: StatementArguments) throws -> [Row] {
        try Row.fetchAll(self, sql: sql, arguments: arguments, adapter: nil)   // GRDB's own
    }

    public func fetchValues(sql: String, arguments: StatementArguments) throws -> [DatabaseValue] {
        try DatabaseValue.fetchAll(self, sql: sql, arguments: arguments, adapter: nil)
    }

    public func forEachRow(sql: String, arguments: StatementArguments, _ body: (Row) throws -> Void) throws {
        let rows = try Row.fetchCursor(self, sql: sql, arguments: arguments, adapter: nil)
        while let row = try rows.next() { try body(row) }
    }

    public func insertReturningKey(sql: String, arguments: StatementArguments, key: String) throws -> Int64 {
        try execute(sql: sql, arguments: arguments)
        return lastInsertedRowID
    }
}

extension LiaisonDatabase: SQLStore {
    public func writing<T>(_ body: (any SQLSession) throws -> T) throws -> T {
        try writeImmediate { db in try body(db) }
    }

    public func reading<T>(_ body: (any SQLSession) throws -> T) throws -> T {
        try pool.read { db in try body(db) }
    }

    public func snapshot(current finder: StationFinder, in session: any SQLSession) throws -> StationSnapshot {
        guard let db = session as? Database else { throw StoreError(message: "a SpatiaLite snapshot needs a SpatiaLite session") }
        let held = finder.snapshot
        let version = try Self.registerVersion(db)
        guard version != held.version else { return held }
        let fresh = try Self.snapshot(db, version: version)
        finder.offer(fresh)
        return fresh
    }
}

extension SQLStore {
    /// Takes or renews the lease `name` for `holder` until `until`, unless another holder's
    /// lease is still running at `now`: work that one process at a time may do (the complaint
    /// watch) runs only while its lease is held. Returns whether `holder` holds it now.
    public func acquireLease(_ name: String, holder: String, now: Date = Date(), until: Date) throws -> Bool {
        try writing { db in
            try db.execute(sql: """
                INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
                ON CONFLICT(name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
                WHERE leases.holder = excluded.holder OR leases.expires_at <= ?
                """, arguments: [name, holder, Timestamp.string(until), Timestamp.string(now)])
            return try String.fetchOne(db, sql: "SELECT holder FROM leases WHERE name = ?", arguments: [name]) == holder
        }
    }

    /// Ends `holder`'s lease `name` now (on a graceful stop), so another process takes over at once.
    public func releaseLease(_ name: String, holder: String) throws {
        try writing { db in
            try db.execute(sql: "DELETE FROM leases WHERE name = ? AND holder = ?", arguments: [name, holder])
        }
    }

}

// The reads and writes the desk makes, on either store. GRDB's own (taking a `Database`) are
// chosen when the session is SQLite's; these when it is any session.

extension SQLSession {
    public func execute(sql: String) throws { try execute(sql: sql, arguments: StatementArguments()) }

    /// Inserts a record's columns (but `omitting`) into its table.
    public func insert(_ record: some EncodableRecord & TableRecord, omitting: Set<String> = []) throws {
        let (sql, arguments) = try Self.insertion(record, omitting: omitting)
        try execute(sql: sql, arguments: arguments)
    }

    /// Inserts a record and returns the integer key `key` the database gave it.
    public func insertReturningKey(_ record: some EncodableRecord & TableRecord, key: String) throws -> Int64 {
        let (sql, arguments) = try Self.insertion(record, omitting: [key])
        return try insertReturningKey(sql: sql, arguments: arguments, key: key)
    }

    /// `INSERT INTO table (columns) VALUES (?, …)` with a record's values, but `omitting`.
    private static func insertion(_ record: some EncodableRecord & TableRecord, omitting: Set<String>) throws -> (String, StatementArguments) {
        let values = try record.databaseDictionary.filter { !omitting.contains($0.key) }.sorted { $0.key < $1.key }
        return ("INSERT INTO \(type(of: record).databaseTableName) (\(values.map(\.key).joined(separator: ", "))) VALUES (\(values.map { _ in "?" }.joined(separator: ", ")))",
                StatementArguments(values.map(\.value)))
    }

    /// Writes `columns` of a record back to the row whose `key` column equals `keyValue`.
    public func update(_ record: some EncodableRecord & TableRecord, columns: [String], key: String, keyValue: some DatabaseValueConvertible) throws {
        let values = try record.databaseDictionary
        try execute(sql: "UPDATE \(type(of: record).databaseTableName) SET \(columns.map { "\($0) = ?" }.joined(separator: ", ")) WHERE \(key) = ?",
                    arguments: StatementArguments(columns.map { values[$0] ?? .null } + [keyValue.databaseValue]))
    }

    /// ` FOR UPDATE` when the session locks the rows it reads to change.
    public var forUpdate: String { locksRows ? " FOR UPDATE" : "" }
}

extension FetchableRecord {
    public static func fetchAll(_ db: any SQLSession, sql: String, arguments: StatementArguments = StatementArguments()) throws -> [Self] {
        try db.fetchRows(sql: sql, arguments: arguments).map { try Self(row: $0) }
    }

    public static func fetchOne(_ db: any SQLSession, sql: String, arguments: StatementArguments = StatementArguments()) throws -> Self? {
        try db.fetchRows(sql: sql, arguments: arguments).first.map { try Self(row: $0) }
    }
}

extension Row {
    public static func fetchAll(_ db: any SQLSession, sql: String, arguments: StatementArguments = StatementArguments()) throws -> [Row] {
        try db.fetchRows(sql: sql, arguments: arguments)
    }

    public static func fetchOne(_ db: any SQLSession, sql: String, arguments: StatementArguments = StatementArguments()) throws -> Row? {
        try db.fetchRows(sql: sql, arguments: arguments).first
    }
}

extension DatabaseValueConvertible {
    /// The first column of each row, NULLs left out.
    public static func fetchAll(_ db: any SQLSession, sql: String, arguments: StatementArguments = StatementArguments()) throws -> [Self] {
        try db.fetchValues(sql: sql, arguments: arguments).compactMap(Self.fromDatabaseValue)
    }

    /// The first column of the first row; nil when there is none or it is NULL.
    public static func fetchOne(_ db: any SQLSession, sql: String, arguments: StatementArguments = StatementArguments()) throws -> Self? {
        try db.fetchValues(sql: sql, arguments: arguments).first.flatMap(Self.fromDatabaseValue)
    }
}
