import Foundation
import GRDB
import Geodesy
import LiaisonCore
import Logging

/// The register's SpatiaLite database: the one owner of its connections.
///
/// ```swift
/// let db = try LiaisonDatabase.openOrCreate(path: "data/liaison.sqlite", geodata: geodataURL)
/// let snapshot = try db.snapshot()
/// ```
///
/// Every write is one transaction; with WAL and `synchronous = FULL`, a write that returned
/// survives a crash of the process or the machine.
public final class LiaisonDatabase: Sendable {
    let pool: DatabasePool
    private let caches: SpatiaLiteCaches
    public let path: String

    /// Opens an existing database, or throws if it does not exist. A database a former release
    /// made is migrated only with `upgrading` (`liaison upgrade`, `serve --migrate`); without it,
    /// ``SchemaBehind`` names both schemas.
    public init(path: String, upgrading: Bool = false, logger: Logger = Logger(label: "liaison.store")) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw StoreError(message: "no database at \(path)")
        }
        self.path = path
        caches = SpatiaLiteCaches()
        pool = try DatabasePool(path: path, configuration: Self.configuration(caches))
        try Self.syncEveryCommit(pool)
        try Self.refuseNewerSchema(pool, path: path)
        if !upgrading, let behind = try Self.schemaBehind(pool, path: path) { throw behind }
        try Migrations.migrator.migrate(pool)
        logger.debug("opened database", metadata: ["db.path": "\(path)"])
    }

    /// The schema `pool`'s database is at, when it lacks migrations this binary has.
    public static func schemaBehind(_ pool: DatabasePool, path: String) throws -> SchemaBehind? {
        let migrator = Migrations.migrator
        let applied = Set(try pool.read { db in try migrator.appliedIdentifiers(db) })
        guard applied.count < migrator.migrations.count else { return nil }
        let current = migrator.migrations.last { applied.contains($0) } ?? "none"
        return SchemaBehind(location: path, current: current, wanted: sqliteSchemaVersion)
    }

    /// A database a newer release migrated has tables and rules this binary does not know:
    /// writing to it could break them. Refused, naming both versions.
    static func refuseNewerSchema(_ pool: DatabasePool, path: String) throws {
        let migrator = Migrations.migrator
        let applied = try pool.read { db in try migrator.appliedIdentifiers(db) }
        let known = Set(migrator.migrations)
        if let unknown = applied.filter({ !known.contains($0) }).sorted().last {
            throw StoreError(message: "\(path) has migration \"\(unknown)\", which this liaison (schema \(sqliteSchemaVersion)) does not know: "
                             + "a newer release made it; run that release, or restore a backup made before it")
        }
    }

    deinit {
        // Fold the WAL back into the main file, so that the .sqlite file alone is complete
        // (for copies and backups), then close readers before the writer: GRDB's close()
        // closes the writer first, and the last connection to close is the one that could
        // have checkpointed. SpatiaLite's caches may be freed only once every connection is closed.
        _ = try? pool.writeWithoutTransaction { try $0.checkpoint(.truncate) }
        pool.releaseMemory()
        if (try? pool.close()) != nil { caches.freeAll() }
    }

    /// Folds the WAL back into the main file and truncates it (a clean stop: the `.sqlite` file
    /// alone is then complete). Returns whether the WAL is empty now; another process writing
    /// the same file may keep it from being folded back whole, and that is no error.
    @discardableResult
    public func checkpointAndTruncate() -> Bool {
        (try? pool.writeWithoutTransaction { db -> Bool in
            let result = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            return result.map { ($0[0] as Int) == 0 && ($0[1] as Int) <= 0 } ?? false
        }) ?? false
    }

    /// How many 1 ms polls a connection makes for a lock another process holds: about 10 s.
    static let busyPolls = 10_000

    /// Waits out another process's lock by polling every millisecond, up to ``busyPolls`` times.
    static let pollingBusyMode = Database.BusyMode.callback { tries in
        usleep(1000)
        return tries < busyPolls
    }

    @_spi(Benchmark) public static func configuration(_ caches: SpatiaLiteCaches) -> Configuration {
        var config = Configuration()
        // Another process (a CLI, a second server) may hold the write lock for a moment: wait up
        // to about 10 s, don't fail. Not with SQLite's own timeout: it polls ever more slowly
        // (every 100 ms after the first second), and a process writing back to back (a server
        // under intake load) frees the lock only for microseconds between its transactions, so
        // a slow poller could wait out the whole timeout (a server restarting next to a busy one
        // failed to start: tools/killtest). Polling every millisecond finds such a gap within a
        // fraction of a second.
        config.busyMode = pollingBusyMode
        config.prepareDatabase { db in
            try caches.initialize(db)
            // What is deleted or overwritten is zeroed, not left in free pages of the file.
            try db.execute(sql: "PRAGMA secure_delete = ON")
        }
        return config
    }

    /// Makes every commit fsync the WAL before it returns, so a write that was answered
    /// survives a power cut, not only a crash of the process.
    ///
    /// GRDB switches the writer to WAL and then to `synchronous = NORMAL` (which syncs only at
    /// checkpoints) after `prepareDatabase` has run, so FULL is set here, on the writer, once
    /// the pool is open. The writer connection lives as long as the pool; readers never commit.
    static func syncEveryCommit(_ writer: some DatabaseWriter) throws {
        try writer.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            guard try Int.fetchOne(db, sql: "PRAGMA synchronous") == 2 else {
                throw StoreError(message: "SQLite did not accept PRAGMA synchronous = FULL")
            }
        }
    }

    /// The writer connection's `PRAGMA synchronous` (2: FULL), for tests and diagnostics.
    public func writerSynchronous() throws -> Int {
        try pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    /// What a new database is given from `geodata/`.
    public enum InitialContents: Sendable {
        /// The counties and the station register.
        case countiesAndStations
        /// The counties only: an empty register, e.g. to import an exported one into.
        case countiesOnly
    }

    /// Runs `body` in an IMMEDIATE transaction: the write lock is taken before the first read,
    /// so what the transaction reads (a station's open complaints) cannot change before it
    /// commits, whichever process writes.
    func writeImmediate<T>(_ body: (Database) throws -> T) throws -> T {
        try pool.writeWithoutTransaction { db in
            var result: T?
            try db.inTransaction(.immediate) {
                result = try body(db)
                return .commit
            }
            return result!
        }
    }

    /// Opens the database at `path`, creating it from the files in `geodata` when it does not exist.
    ///
    /// Creation happens in a temporary file beside `path` that is linked into place only when
    /// complete, so a crash leaves no half-made database and two processes starting at once
    /// end up sharing one file. `contents` matters only when the database is created.
    public static func openOrCreate(path: String, geodata: GeodataDirectory, contents: InitialContents = .countiesAndStations,
                                    logger: Logger = Logger(label: "liaison.store")) throws -> LiaisonDatabase {
        if !FileManager.default.fileExists(atPath: path) {
            try create(path: path, geodata: geodata, contents: contents, logger: logger)
        }
        return try LiaisonDatabase(path: path, logger: logger)
    }

    /// Creates a database at `path` with the schema only: no county, no station (what
    /// `liaison migrate --to FILE` copies into). Throws if `path` exists.
    public static func createBlank(path: String, logger: Logger = Logger(label: "liaison.store")) throws -> LiaisonDatabase {
        guard !FileManager.default.fileExists(atPath: path) else { throw StoreError(message: "\(path) already exists: expected a new file") }
        try create(path: path, counties: [], stations: [], logger: logger)
        return try LiaisonDatabase(path: path, logger: logger)
    }

    private static func create(path: String, geodata: GeodataDirectory, contents: InitialContents, logger: Logger) throws {
        let counties = try geodata.counties()
        let stations = contents == .countiesOnly ? [] : try geodata.stations(counties: CountyLocator(counties))
        try create(path: path, counties: counties, stations: stations, logger: logger)
    }

    private static func create(path: String, counties: [County], stations: [Station], logger: Logger) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let temporary = path + ".creating-\(ProcessInfo.processInfo.processIdentifier)"
        try? FileManager.default.removeItem(atPath: temporary)
        defer { try? FileManager.default.removeItem(atPath: temporary) }
        // Readable by its owner only (it holds consumers' names and phones); SQLite gives the
        // WAL and shared-memory files the main file's mode.
        guard FileManager.default.createFile(atPath: temporary, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw StoreError(message: "could not create \(temporary)")
        }
        do {
            let caches = SpatiaLiteCaches()
            defer { caches.freeAll() }
            let queue = try DatabaseQueue(path: temporary, configuration: configuration(caches))
            try syncEveryCommit(queue)
            try Migrations.migrator.migrate(queue)
            try queue.write { db in
                _ = try CountyRecord.upsert(counties, in: db)
                _ = try StationRecord.upsert(stations, actor: "geodata", action: "import", in: db)
            }
            try queue.close()
        }
        // link(2) fails if `path` appeared meanwhile: then another process won the race.
        if link(temporary, path) != 0 && errno != EEXIST {
            throw StoreError(message: "could not create \(path): \(String(cString: strerror(errno)))")
        }
        guard !counties.isEmpty else { return }
        logger.info("created database from geodata", metadata: [
            "db.path": "\(path)", "import.counties": "\(counties.count)", "import.stations": "\(stations.count)",
        ])
    }

    /// Reads the whole register into a new immutable snapshot, stamped with the register's version.
    public func snapshot() throws -> StationSnapshot {
        try pool.read { db in try Self.snapshot(db, version: try Self.registerVersion(db)) }
    }

    /// The register as `db` sees it, stamped with `version` (read in the same transaction).
    static func snapshot(_ db: Database, version: Int64) throws -> StationSnapshot {
        StationSnapshot(stations: try StationRecord.stations(db), counties: try CountyRecord.fetchAll(db), version: version,
                        ratings: try StationRatings.current(db))
    }

    /// The register's version: bumped by triggers on every change of a station or county,
    /// whichever process made it. One indexed row: cheap enough to poll several times a second.
    public func registerVersion() throws -> Int64 {
        try pool.read { db in try Self.registerVersion(db) }
    }

    static func registerVersion(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT version FROM register_version WHERE id = 1") ?? 0
    }

    /// Reads the register again if another process (or this one) changed it since `finder`'s
    /// snapshot was read; returns whether a newer snapshot was swapped in.
    @discardableResult
    public func refresh(_ finder: StationFinder) throws -> Bool {
        guard try registerVersion() != finder.snapshot.version else { return false }
        return finder.offer(try snapshot())
    }

    /// Every station, active and retired, sorted by id.
    public func stations() throws -> [Station] {
        try pool.read { db in try StationRecord.stations(db) }
    }

    /// What an import did.
    public struct ImportCounts: Sendable, Hashable, CustomStringConvertible {
        public var inserted = 0
        public var updated = 0
        public var unchanged = 0

        public init() {}

        public var description: String { "\(inserted) inserted, \(updated) updated, \(unchanged) unchanged" }
    }

    /// Stores a new token's digest under its name and role.
    /// - Throws: ``InvalidInput`` when the name is taken.
    public func addToken(_ token: StaffToken, digest: Data) throws {
        try pool.write { db in try TokenRecord.insert(token, digest: digest, in: db) }
    }

    /// All tokens, revoked ones included; never the tokens themselves.
    public func tokens() throws -> [StaffToken.Listing] {
        try pool.read { db in try TokenRecord.all(db) }
    }

    /// Active tokens with their digests (for ``TokenAuthenticator``).
    public func activeTokens() throws -> [(token: StaffToken, digest: Data)] {
        try pool.read { db in try TokenRecord.active(db) }
    }

    /// Revokes a token; false if there is no active token of that name.
    public func revokeToken(name: String) throws -> Bool {
        try pool.write { db in try TokenRecord.revoke(name: name, in: db) }
    }

    /// Inserts or updates counties by adcode, all in one transaction.
    public func upsert(counties: [County]) throws -> ImportCounts {
        try pool.write { db in try CountyRecord.upsert(counties, in: db) }
    }

    /// Runs SQL for tests and tools that inspect the file (e.g. SpatiaLite's own functions).
    public func read<T: Sendable>(_ body: @Sendable (Database) throws -> T) throws -> T {
        try pool.read(body)
    }
}

extension LiaisonDatabase {
    /// Checks that the database answers a query (for readiness probes).
    public func ping() throws {
        _ = try pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }

    public func storageBytes() -> (database: Int64, wal: Int64, freeDisk: Int64)? {
        func size(_ file: String) -> Int64 { ((try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? NSNumber)?.int64Value ?? 0 }
        let free = (try? freeBytes()) ?? 0
        return (size(path), size(path + "-wal"), free)
    }

    /// The folder the file, its `-wal` and its `-shm` live in.
    private var folder: String {
        let folder = (path as NSString).deletingLastPathComponent
        return folder.isEmpty ? "." : folder
    }

    /// Free bytes for unprivileged users on the folder's file system.
    private func freeBytes() throws -> Int64 {
        var fs = statvfs()
        guard statvfs(folder, &fs) == 0 else {
            throw StoreNotWritable("cannot read the free space of \(folder): \(String(cString: strerror(errno)))")
        }
        return Int64(fs.f_bavail) * Int64(fs.f_frsize)
    }

    /// The file and its folder (where the `-wal` and `-shm` live) may be written, and the
    /// folder's file system has `minFreeBytes` free for unprivileged users: cheap checks, no
    /// write and no lock, so a probe never waits behind intake. (A read-only mount fails
    /// `access(W_OK)` even for root.)
    public func checkWritable(minFreeBytes: Int64) throws {
        for target in [path, folder] where access(target, W_OK) != 0 {
            throw StoreNotWritable("\(target) is not writable: \(String(cString: strerror(errno)))")
        }
        let free = try freeBytes()
        if free < minFreeBytes {
            throw StoreNotWritable("\(free / 1_048_576) MiB free on the database's disk, below the \(minFreeBytes / 1_048_576) MiB set aside (--min-free-disk-mb)")
        }
    }
}

extension LiaisonDatabase {
    /// For `liaison-bench intake` only: runs the writer at another `synchronous` level, to
    /// measure what FULL costs. Nothing in the service calls it.
    @_spi(Benchmark) public func setWriterSynchronous(_ level: String) throws {
        guard ["OFF", "NORMAL", "FULL", "EXTRA"].contains(level) else { throw StoreError(message: "unknown synchronous level \(level)") }
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = \(level)") }
    }

    /// For `liaison-bench` only: SpatiaLite's own search (`VirtualKNN`) on the writer connection.
    @_spi(Benchmark) public func writeWithoutTransaction<T>(_ body: (Database) throws -> T) throws -> T {
        try pool.writeWithoutTransaction(body)
    }
}
