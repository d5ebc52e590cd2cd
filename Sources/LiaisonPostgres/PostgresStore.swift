import Foundation
import Geodesy
import GRDB
import LiaisonCore
import LiaisonStore
import Logging
import PostgresNIO
import Synchronization

/// PostgreSQL with PostGIS: the shared store for several `liaison serve` processes (issue 16).
/// So far it holds the counties, the stations and their history with PostGIS geometry (SRID
/// 4326, GiST indexes), its own named migrations, the import from `geodata/` into an empty
/// database, the register's version (bumped by triggers, announced with NOTIFY), readiness,
/// and the API tokens (``PostgresTokens``). The complaint desk and the outbox follow.
///
/// The store seam is synchronous (the SQLite store is), so each method here runs its async
/// PostgresNIO work and waits for it. That work, and the pool's own, runs on the store's own
/// threads (``StoreExecutor``), never on Swift's cooperative pool: a caller that blocks a
/// cooperative thread (a synchronous test, say) cannot starve the work it waits for.
public final class PostgresStore: Sendable {
    let client: PostgresClient
    let logger: Logger
    private let running: Mutex<Task<Void, Never>?>
    /// Until when calls fail at once because the last one got no connection (see `withLeasedConnection`).
    let unreachableUntil = Mutex<Date?>(nil)
    static let unreachablePause = 2.0
    /// What the store was opened with, without a password.
    public let location: String

    /// Opens the database at `url` (`postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`) with a pool
    /// of at most `maximumConnections`, and runs the migrations it lacks; throws when the server
    /// does not answer within `openSeconds`.
    /// The longest one statement may take: a server's bound (8 s, well inside a proxy's timeout)
    /// by default; operators' commands, behind no proxy, give it longer (StoreOptions).
    public let statementSeconds: Double

    /// - Parameter upgrading: apply the migrations a database a former release made lacks
    ///   (`liaison upgrade`, `serve --migrate`); without it such a database is refused (``SchemaBehind``).
    public init(url: String, maximumConnections: Int = 8, openSeconds: Double = 30, statementSeconds: Double = 8,
                upgrading: Bool = false, logger: Logger = Logger(label: "liaison.store")) throws {
        self.statementSeconds = statementSeconds
        let parsed = try PostgresURL(url)
        var configuration = PostgresClient.Configuration(host: parsed.host, port: parsed.port, username: parsed.user,
                                                         password: parsed.password, database: parsed.database, tls: .disable)
        configuration.options.maximumConnections = maximumConnections
        configuration.options.connectTimeout = .seconds(5)
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        self.logger = logger
        self.location = parsed.redacted
        running = Mutex(Task(executorPreference: StoreExecutor.shared) { await client.run() })
        do {
            let location = parsed.redacted
            try wait(seconds: openSeconds) { try await PostgresMigrations.migrate(self.client, upgrading: upgrading, location: location, logger: logger) }
        } catch {
            close()
            throw error
        }
    }

    /// Ends the pool's connections.
    public func close() {
        running.withLock { task in
            task?.cancel()
            task = nil
        }
    }

    deinit { close() }

    /// Runs async database work from a synchronous caller and waits for it, at most `seconds`:
    /// while the server is unreachable the pool keeps trying to connect, and a caller gets an
    /// error naming the database instead of waiting for ever.
    func wait<T: Sendable>(seconds: Double = 10, _ body: @escaping @Sendable () async throws -> T) throws -> T {
        let outcome = Mutex<Result<T, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        let task = Task(executorPreference: StoreExecutor.shared) {
            let result: Result<T, any Error>
            do { result = .success(try await body()) } catch { result = .failure(Self.unwrapped(error)) }
            outcome.withLock { $0 = result }
            done.signal()
        }
        guard done.wait(timeout: .now() + seconds) == .success else {
            task.cancel()
            throw StoreUnavailable("the database \(location) did not answer within \(Int(seconds)) s")
        }
        return try outcome.withLock { $0! }.get()
    }

    /// The error a transaction's body threw, rather than PostgresNIO's wrapper of it.
    static func unwrapped(_ error: any Error) -> any Error {
        guard let wrapped = error as? PostgresTransactionError else { return PostgresError.classify(error) }
        return PostgresError.classify(wrapped.closureError ?? wrapped.beginError ?? wrapped.commitError ?? error)
    }

    // MARK: - The register

    /// Creates the register from `geodata/` when the database holds no county yet (a new
    /// database), in one transaction; an existing register is left as it is.
    @discardableResult
    public func createIfEmpty(from geodata: GeodataDirectory, contents: LiaisonDatabase.InitialContents = .countiesAndStations) throws -> Bool {
        guard try isEmpty() else { return false }
        let counties = try geodata.counties()
        let stations = contents == .countiesOnly ? [] : try geodata.stations(counties: CountyLocator(counties))
        let logger = self.logger
        let created = try wait(seconds: 300) {
            try await self.client.withTransaction(logger: logger) { connection in
                // One creator at a time: a second process starting at once waits, then finds the counties.
                try await connection.query("LOCK TABLE counties IN EXCLUSIVE MODE", logger: logger)
                let existing = try await connection.query("SELECT count(*) FROM counties", logger: logger).collect()
                guard try existing.first?.decode(Int.self) == 0 else { return false }
                for county in counties { try await PostgresRegister.insert(county, on: connection, logger: logger) }
                let at = Date()
                for station in stations {
                    try await PostgresRegister.insert(station, at: at, on: connection, logger: logger)
                    try await PostgresRegister.appendHistory(of: station, before: nil, actor: "geodata", action: "import", reason: nil, at: at,
                                                             on: connection, logger: logger)
                }
                return true
            }
        }
        if created {
            logger.info("created database from geodata", metadata: [
                "db.location": "\(location)", "import.counties": "\(counties.count)", "import.stations": "\(stations.count)",
            ])
        }
        return created
    }

    /// Whether the database holds no county yet (a new one).
    public func isEmpty() throws -> Bool {
        try wait { try await self.client.query("SELECT count(*) FROM counties").collect().first?.decode(Int.self) == 0 }
    }

    /// The whole register as a new immutable snapshot, stamped with its version, with the
    /// stations' ratings (one REPEATABLE READ transaction).
    public func snapshot() throws -> StationSnapshot {
        try reading { db in
            let session = db as! PostgresSession
            return try snapshot(in: session, version: try Int64.fetchOne(session, sql: Self.registerVersionSQL) ?? 0)
        }
    }

    static let registerVersionSQL = "SELECT version FROM register_version WHERE id = 1"

    /// The register's version: bumped by triggers on every change of a station or county.
    /// One indexed row, read several times a second by each server (``refresh(_:)``); like
    /// every call, it gives up within seconds while the database is unreachable.
    public func registerVersion() throws -> Int64 {
        let logger = self.logger
        return try withLeasedConnection { connection in
            try Int64.fetchOne(PostgresSession(connection: connection, logger: logger, locksRows: false),
                               sql: Self.registerVersionSQL) ?? 0
        }
    }

    /// Every station, active and retired, sorted by id.
    public func stations() throws -> [Station] {
        try reading { db in try PostgresRegister.stations(in: db as! PostgresSession, store: self) }
    }
}

extension PostgresStore {
    /// Listens for the register's change notices (`LISTEN liaison_register`) on a pooled
    /// connection held for it, calling `changed` for each, until cancelled or the connection
    /// is lost (then it throws).
    public func listenForRegisterChanges(_ changed: @escaping @Sendable () async -> Void) async throws {
        do {
            try await client.withConnection { connection in
                try await connection.listen(on: "liaison_register") { notices in
                    for try await _ in notices { await changed() }
                }
            }
        } catch {
            throw PostgresError.classify(error)
        }
    }
}

extension PostgresStore: StoreHealth {
    /// `SELECT 1`; throws (never crashes) while the database is unreachable.
    public func ping() throws {
        _ = try wait(seconds: 5) { try await self.client.query("SELECT 1").collect().count }
        // It answers again: calls need not wait out the pause after a failed one.
        unreachableUntil.withLock { $0 = nil }
    }
}

/// Runs the PostgreSQL store's async work on Dispatch's threads rather than the cooperative
/// pool, which synchronous callers may be blocking.
final class StoreExecutor: TaskExecutor {
    static let shared = StoreExecutor()
    private let queue = DispatchQueue(label: "liaison.postgres", attributes: .concurrent)

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}

/// `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE` (or `postgresql://`), as libpq takes it.
public struct PostgresURL: Sendable, Equatable {
    public let user: String
    public let password: String?
    public let host: String
    public let port: Int
    public let database: String

    /// Whether `value` names a PostgreSQL database rather than a SpatiaLite file.
    public static func isPostgres(_ value: String) -> Bool {
        value.hasPrefix("postgres://") || value.hasPrefix("postgresql://")
    }

    public init(_ value: String) throws {
        func invalid(_ why: String) -> InvalidInput {
            InvalidInput(name: "db", reason: "\(why): expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE")
        }
        guard Self.isPostgres(value), let components = URLComponents(string: value) else { throw invalid("not a PostgreSQL URL") }
        guard let user = components.user, !user.isEmpty else { throw invalid("no user") }
        guard let host = components.host, !host.isEmpty else { throw invalid("no host") }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else { throw invalid("no database name") }
        guard components.query == nil, components.fragment == nil else { throw invalid("options after the database name are not supported") }
        if let port = components.port, !(1...65_535).contains(port) { throw invalid("port \(port) is out of range") }
        self.user = user.removingPercentEncoding ?? user
        password = components.password.map { $0.removingPercentEncoding ?? $0 }
        self.host = host
        port = components.port ?? 5432
        self.database = database
    }

    /// The URL without its password, for logs and messages.
    public var redacted: String { "postgres://\(user)\(password == nil ? "" : ":***")@\(host):\(port)/\(database)" }
}
