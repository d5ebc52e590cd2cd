import Foundation
import GRDB
import LiaisonCore
import LiaisonStore
import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// One pooled PostgreSQL connection inside a transaction, as the desk's ``SQLSession``: the
/// desk's SQL (written once, with `?` placeholders) runs here with the placeholders numbered,
/// its values sent as text for PostgreSQL to read as the column's type (blobs as bytea), and the rows read
/// back into GRDB rows, so the records decode as they do from SQLite.
///
/// Calls block the calling thread (never an event loop): the store seam is synchronous.
final class PostgresSession: SQLSession {
    let connection: PostgresConnection
    let logger: Logger
    let locksRows: Bool
    /// The longest one statement may take (``PostgresStore/statementSeconds``).
    let statementSeconds: Double
    var dialect: SQLDialect { .postgres }

    init(connection: PostgresConnection, logger: Logger, locksRows: Bool, statementSeconds: Double = PostgresSession.statementSeconds) {
        self.connection = connection
        self.logger = logger
        self.locksRows = locksRows
        self.statementSeconds = statementSeconds
    }

    func fetchRows(sql: String, arguments: StatementArguments) throws -> [Row] {
        try run(sql, arguments).rows.map(Self.row)
    }

    func fetchValues(sql: String, arguments: StatementArguments) throws -> [DatabaseValue] {
        try run(sql, arguments).rows.map { row in
            var cells = row.makeIterator()
            return try cells.next().map(Self.value) ?? .null
        }
    }

    func forEachRow(sql: String, arguments: StatementArguments, _ body: (Row) throws -> Void) throws {
        // The rows arrive whole, then are handed over one by one (a cursor would bound the
        // memory; the reports that call this read one period's complaints).
        for row in try run(sql, arguments).rows { try body(Self.row(row)) }
    }

    func execute(sql: String, arguments: StatementArguments) throws {
        _ = try run(sql, arguments)
    }

    func insertReturningKey(sql: String, arguments: StatementArguments, key: String) throws -> Int64 {
        guard let id = try fetchValues(sql: sql + " RETURNING " + key, arguments: arguments).first.flatMap(Int64.fromDatabaseValue) else {
            throw StoreError(message: "the insert returned no \(key)")
        }
        return id
    }

    /// Runs one statement and waits for all its rows.
    func run(_ sql: String, _ arguments: StatementArguments, seconds: Double? = nil) throws -> PostgresQueryResult {
        let seconds = seconds ?? statementSeconds
        var binds = PostgresBindings()
        for value in try Self.values(of: arguments) {
            switch value.storage {
            case .null: binds.appendNull()
            case .int64(let v): binds.append(UntypedText(String(v)))
            case .double(let v): binds.append(UntypedText("\(v)"))
            case .string(let v): binds.append(UntypedText(v))
            case .blob(let v): try binds.append(v)   // bytea, as is: blobs only ever meet bytea
            }
        }
        let query = PostgresQuery(unsafeSQL: SQLTranslation.postgres(sql), binds: binds)
        let future: EventLoopFuture<PostgresQueryResult> = connection.query(query, logger: logger)
        // Waited for with a bound: a connection caught in a server restart has been seen to
        // leave a statement unanswered for good. Then the connection is closed (the pool drops
        // it) and the caller gets a 503, rather than a thread lost and a server that cannot stop.
        let answered = DispatchSemaphore(value: 0)
        let outcome = Mutex<Result<PostgresQueryResult, any Error>?>(nil)
        future.whenComplete { result in
            outcome.withLock { $0 = result }
            answered.signal()
        }
        guard answered.wait(timeout: .now() + seconds) == .success else {
            connection.close().whenComplete { _ in }
            throw StoreUnavailable("the database did not answer a statement within \(Int(seconds)) s; its connection was closed")
        }
        do {
            return try outcome.withLock { $0! }.get()
        } catch {
            throw PostgresError.classify(error)
        }
    }

    /// The longest one statement of a server may take (the desk's take milliseconds). With the wait for a
    /// connection and a retry on a fresh one, a call ends well before a proxy in front gives up
    /// on it (nginx: 15 s), so a stuck call is this process's 503, not the proxy's 504 that
    /// would mark the process failed.
    static let statementSeconds = 8.0
    /// A transaction's BEGIN: the first word on a pooled connection, which shows whether it still lives.
    static let beginSeconds = 2.0

    /// The positional values of `arguments`. GRDB keeps them to itself (it binds them to
    /// SQLite statements), so they are read by reflection; a GRDB that stores them otherwise
    /// fails here, loudly, rather than sending wrong values.
    static func values(of arguments: StatementArguments) throws -> [DatabaseValue] {
        guard let values = Mirror(reflecting: arguments).children.first(where: { $0.label == "values" })?.value as? [DatabaseValue] else {
            throw StoreError(message: "could not read the statement's arguments (GRDB changed how it keeps them)")
        }
        return values
    }

    static func row(_ row: PostgresRow) throws -> Row {
        var values: [String: (any DatabaseValueConvertible)?] = [:]
        for cell in row { values[cell.columnName] = try value(cell) }
        return Row(values)
    }

    /// A cell as the value SQLite would have given: integers, doubles, text, blobs; times as
    /// ``Timestamp`` text.
    static func value(_ cell: PostgresCell) throws -> DatabaseValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2: return Int64(try cell.decode(Int16.self)).databaseValue
        case .int4: return Int64(try cell.decode(Int32.self)).databaseValue
        case .int8: return try cell.decode(Int64.self).databaseValue
        case .float4: return Double(try cell.decode(Float.self)).databaseValue
        case .float8: return try cell.decode(Double.self).databaseValue
        case .numeric: return NSDecimalNumber(decimal: try cell.decode(Decimal.self)).doubleValue.databaseValue
        case .bool: return (try cell.decode(Bool.self) ? 1 : 0).databaseValue
        case .bytea: return try cell.decode(Data.self).databaseValue
        case .timestamptz, .timestamp: return Timestamp.string(try cell.decode(Date.self)).databaseValue
        case .text, .varchar, .bpchar, .name: return try cell.decode(String.self).databaseValue
        default:
            // Geometry and other types the desk never reads: text when sent as text, else nothing.
            guard cell.format == .text, let bytes = cell.bytes else { return .null }
            return String(buffer: bytes).databaseValue
        }
    }
}

/// What PostgreSQL refused, said plainly for logs and operators: its SQLSTATE and message
/// (PostgresNIO hides both by default, lest values leak; the desk's messages name no values,
/// and the statement's values are never included).
public struct PostgresError: Error, CustomStringConvertible {
    /// The SQLSTATE, e.g. `40P01` (deadlock detected), `23505` (unique violation); nil when the
    /// connection failed before the server answered.
    public let sqlState: String?
    public let message: String

    init(_ error: PSQLError) {
        sqlState = error.serverInfo?[.sqlState]
        message = error.serverInfo?[.message] ?? "\(error.code)"
    }

    public var description: String { "PostgreSQL: \(message)" + (sqlState.map { " (SQLSTATE \($0))" } ?? "") }

    /// A PostgresNIO error as the store reports it: ``StoreUnavailable`` when the server could
    /// not be reached or went away (no answer, connection errors, class 08, shutting down or
    /// starting up), else what the server refused. Other errors pass through.
    static func classify(_ error: any Error) -> any Error {
        guard let error = error as? PSQLError else { return error }
        let refused = PostgresError(error)
        guard let state = refused.sqlState else { return StoreUnavailable("the database is unreachable: \(error.code)") }
        if state.hasPrefix("08") || ["57P01", "57P02", "57P03"].contains(state) {
            return StoreUnavailable("the database is unavailable: \(refused.message) (SQLSTATE \(state))")
        }
        // disk_full, read_only_sql_transaction (a standby, or default_transaction_read_only).
        if ["53100", "25006"].contains(state) {
            return StoreNotWritable("the database refuses writes: \(refused.message) (SQLSTATE \(state))")
        }
        return refused
    }
}

/// A value sent as text with no type (OID 0): PostgreSQL reads it as whatever the column or
/// expression it meets needs, as it reads a literal, so one SQL text serves both stores.
struct UntypedText: PostgresDynamicTypeEncodable {
    let text: String
    init(_ text: String) { self.text = text }

    var psqlType: PostgresDataType { .null }
    var psqlFormat: PostgresFormat { .text }

    func encode<JSONEncoder: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        byteBuffer.writeString(text)
    }
}

/// The desk's SQL as PostgreSQL takes it: `?` placeholders numbered `$1`, `$2`, … (outside
/// quotes), and SQLite's index hints (`INDEXED BY name`), which PostgreSQL's planner does not
/// take, left out. Translations are kept: the desk has a few dozen statements.
enum SQLTranslation {
    private static let cache = Mutex<[String: String]>([:])

    static func postgres(_ sql: String) -> String {
        if let known = cache.withLock({ $0[sql] }) { return known }
        var out = ""
        var n = 0
        var quote: Character?
        for c in sql {
            if let q = quote {
                if c == q { quote = nil }
                out.append(c)
            } else if c == "'" || c == "\"" {
                quote = c
                out.append(c)
            } else if c == "?" {
                n += 1
                out += "$\(n)"
            } else {
                out.append(c)
            }
        }
        let translated = out.replacing(/\s+INDEXED BY\s+\w+/, with: "")
        cache.withLock { if $0.count < 10_000 { $0[sql] = translated } }
        return translated
    }
}

extension PostgresStore: SQLStore {
    /// A transaction on one pooled connection, run on the calling thread. Writes run at READ
    /// COMMITTED with row locks (`FOR UPDATE`) on what they change and on the stations whose
    /// capacity they count; a transaction PostgreSQL aborts to break a deadlock or a
    /// serialization conflict is run again (at most 5 times). COMMIT returns once the WAL is
    /// flushed (`synchronous_commit` on, PostgreSQL's default).
    public func writing<T>(_ body: (any SQLSession) throws -> T) throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try transaction(begin: "BEGIN", locksRows: true, body)
            } catch let error as PostgresError where attempt < 5 && ["40001", "40P01"].contains(error.sqlState) {
                logger.info("transaction retried", metadata: ["db.sqlstate": "\(error.sqlState ?? "")", "db.attempt": "\(attempt)"])
                continue
            }
        }
    }

    public func reading<T>(_ body: (any SQLSession) throws -> T) throws -> T {
        try transaction(begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", locksRows: false, body)
    }

    private func transaction<T>(begin: String, locksRows: Bool, _ body: (any SQLSession) throws -> T) throws -> T {
        let logger = self.logger
        // A pooled connection the server closed (it restarted) fails on its first statement,
        // before anything was done: then a fresh connection is tried, once.
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try withLeasedConnection { connection in
                    let session = PostgresSession(connection: connection, logger: logger, locksRows: locksRows, statementSeconds: statementSeconds)
                    do {
                        _ = try session.run(begin, [], seconds: PostgresSession.beginSeconds)
                    } catch let error as StoreUnavailable {
                        throw StaleConnection(underlying: error)
                    }
                    return try run(body, in: session)
                }
            } catch let stale as StaleConnection {
                guard attempt < 2 else { throw stale.underlying }
                logger.info("connection closed by the server; trying another", metadata: ["db.attempt": "\(attempt)"])
            }
        }
    }

    private struct StaleConnection: Error {
        let underlying: StoreUnavailable
    }

    /// Runs `body` in the transaction `session` began, and commits it (or rolls it back).
    private func run<T>(_ body: (any SQLSession) throws -> T, in session: PostgresSession) throws -> T {
        do {
            let result = try body(session)
            try session.execute(sql: "COMMIT")
            return result
        } catch {
            try? session.execute(sql: "ROLLBACK")
            throw error
        }
    }

    public func snapshot(current finder: StationFinder, in db: any SQLSession) throws -> StationSnapshot {
        guard let session = db as? PostgresSession else { throw StoreError(message: "a PostgreSQL snapshot needs a PostgreSQL session") }
        let held = finder.snapshot
        let version = try Int64.fetchOne(session, sql: PostgresStore.registerVersionSQL) ?? 0
        guard version != held.version else { return held }
        let fresh = try snapshot(in: session, version: version)
        finder.offer(fresh)
        return fresh
    }

    /// The register as `session` sees it, stamped with `version`.
    func snapshot(in session: PostgresSession, version: Int64) throws -> StationSnapshot {
        let connection = session.connection, logger = self.logger
        let (stations, counties) = try wait {
            (try await PostgresRegister.stations(on: connection, logger: logger), try await PostgresRegister.counties(on: connection, logger: logger))
        }
        return StationSnapshot(stations: stations, counties: counties, version: version, ratings: try StationRatings.current(session))
    }

    @discardableResult
    public func refresh(_ finder: StationFinder) throws -> Bool {
        guard try registerVersion() != finder.snapshot.version else { return false }
        return finder.offer(try snapshot())
    }

    /// Leases a pooled connection to `body`, which runs on the calling thread; gives it back
    /// when `body` returns. Waits at most `seconds` for a connection (the pool is bounded; the
    /// server may be down), then throws ``StoreUnavailable``; for ``unreachablePause`` after
    /// that, calls fail at once rather than each waiting again (the threads they would hold
    /// serve the lookups, which need no database).
    func withLeasedConnection<T>(seconds: Double = 4, _ body: (PostgresConnection) throws -> T) throws -> T {
        if let until = unreachableUntil.withLock({ $0 }), Date() < until {
            throw StoreUnavailable("the database \(location) did not give a connection a moment ago: not tried again before \(Timestamp.string(until))")
        }
        let lease = ConnectionLease()
        let client = self.client
        let task = Task(executorPreference: StoreExecutor.shared) {
            do {
                try await client.withConnection { connection in
                    await lease.hold(connection)
                }
            } catch {
                lease.fail(error)
            }
        }
        guard let connection = try lease.connection(within: seconds) else {
            task.cancel()
            unreachableUntil.withLock { $0 = Date().addingTimeInterval(Self.unreachablePause) }
            throw StoreUnavailable("the database \(location) gave no connection within \(Int(seconds)) s")
        }
        unreachableUntil.withLock { $0 = nil }
        defer { lease.giveBack() }
        return try body(connection)
    }
}

/// Hands a connection from the pool's task to a synchronous caller and keeps the task (and so
/// the lease) until the caller gives it back. The task waits suspended, holding no thread:
/// the store's threads are few, and the pool's own work needs them.
private final class ConnectionLease: Sendable {
    private struct State {
        var connection: PostgresConnection?
        var error: (any Error)?
        var abandoned = false
        var givenBack = false
        var release: CheckedContinuation<Void, Never>?
    }
    private let state = Mutex(State())
    private let leased = DispatchSemaphore(value: 0)

    /// In the pool's task: offers the connection and waits, suspended, until it is given back.
    func hold(_ connection: PostgresConnection) async {
        await withCheckedContinuation { (release: CheckedContinuation<Void, Never>) in
            let done = state.withLock { state in
                state.connection = connection
                guard !state.abandoned, !state.givenBack else { return true }
                state.release = release
                return false
            }
            if done { release.resume() } else { leased.signal() }
        }
    }

    func fail(_ error: any Error) {
        state.withLock { $0.error = error }
        leased.signal()
    }

    /// The connection, nil after `seconds` without one (the lease is then abandoned: a
    /// connection that comes later goes straight back to the pool).
    func connection(within seconds: Double) throws -> PostgresConnection? {
        guard leased.wait(timeout: .now() + seconds) == .success else {
            state.withLock { $0.abandoned = true }
            giveBack()
            return nil
        }
        let (connection, error) = state.withLock { ($0.connection, $0.error) }
        if let error { throw PostgresStore.unwrapped(error) }
        return connection
    }

    /// Ends the lease: the pool's task resumes and the connection goes back to the pool.
    func giveBack() {
        let release = state.withLock { state in
            state.givenBack = true
            defer { state.release = nil }
            return state.release
        }
        release?.resume()
    }
}
