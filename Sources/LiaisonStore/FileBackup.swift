import Foundation
import GRDB

/// Online backup and restore of the SpatiaLite file.
///
/// A plain `cp` of a file a server is writing is not a backup: the last commits live in the
/// `-wal` file, and a copy of the main file alone silently misses them. ``backup(from:to:)``
/// copies through SQLite's backup API in one step, inside one read transaction of the source,
/// so the copy is the database as of one commit, whatever other processes write meanwhile.
///
/// ```swift
/// let summary = try FileBackup.backup(from: "data/liaison.sqlite", to: "/backups/liaison-2026-12-05.sqlite")
/// // summary.rows["complaints"] == 1234, summary.integrity == "ok"
/// ```
public enum FileBackup {
    /// What a database file holds, as checked after a backup or a restore.
    public struct Summary: Sendable {
        public let path: String
        public let bytes: Int64
        /// `PRAGMA integrity_check`'s answer: "ok" for a sound file.
        public let integrity: String
        /// Rows of the tables an operator asks about first, by table.
        public let rows: [(table: String, count: Int)]
        /// The newest complaint's number, nil when there is none.
        public let lastComplaint: String?
        /// The last migration applied (`liaison --version` names the one this build makes).
        public let schema: String?
    }

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    static let countedTables = ["stations", "counties", "complaints", "complaint_events", "sms_outbox", "tokens"]

    /// Copies the database at `source` to `destination`: written whole to `destination.partial`,
    /// checked, flushed to disk, then moved into place (an existing file there is replaced only
    /// by a complete, checked copy).
    ///
    /// - Throws: ``Failure`` when the source is not a liaison database or the copy does not check.
    public static func backup(from source: String, to destination: String) throws -> Summary {
        guard FileManager.default.fileExists(atPath: source) else { throw Failure(description: "no database at \(source)") }
        let partial = destination + ".partial"
        try? FileManager.default.removeItem(atPath: partial)
        do {
            // Not read-only: a read-only connection cannot set up the WAL index of a file no
            // other process has open. It only reads.
            var configuration = Configuration()
            configuration.busyMode = .timeout(60)
            let from = try DatabaseQueue(path: source, configuration: configuration)
            let to = try DatabaseQueue(path: partial)
            // One step (-1 pages): the whole database under one read transaction of the source.
            try from.backup(to: to)
            try to.writeWithoutTransaction { db in
                // A standalone file: no -wal beside it to forget when it is copied on.
                _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = DELETE")
            }
            try from.close()
            try to.close()
            let summary = try check(partial)
            guard summary.integrity == "ok" else { throw Failure(description: "the copy of \(source) fails its integrity check: \(summary.integrity)") }
            try flush(partial)
            guard rename(partial, destination) == 0 else {
                throw Failure(description: "cannot move \(partial) to \(destination): \(String(cString: strerror(errno)))")
            }
            try flush(URL(fileURLWithPath: destination).deletingLastPathComponent().path)
            // The file checked, under its own name (the rename moved the same bytes).
            return Summary(path: destination, bytes: summary.bytes, integrity: summary.integrity, rows: summary.rows,
                           lastComplaint: summary.lastComplaint, schema: summary.schema)
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw error
        }
    }

    /// Puts the backup at `backup` in place of the database at `target`, which no process may
    /// have open: a server's connection makes this refuse rather than pull the file from under it.
    /// A stale `-wal` or `-shm` of the target (left by a crash) is removed: replayed onto the
    /// restored file it would corrupt it.
    public static func restore(_ backup: String, to target: String) throws -> Summary {
        let checked = try check(backup)
        guard checked.integrity == "ok" else { throw Failure(description: "\(backup) fails its integrity check: \(checked.integrity)") }
        guard checked.schema != nil else { throw Failure(description: "\(backup) is not a liaison database (no migrations recorded)") }
        let manager = FileManager.default
        if manager.fileExists(atPath: target) {
            // Leaving WAL mode needs the only connection: it fails while a server has the file open.
            var configuration = Configuration()
            configuration.busyMode = .immediateError
            let queue = try DatabaseQueue(path: target, configuration: configuration)
            let inUse: Bool
            do {
                let mode = try queue.writeWithoutTransaction { db in try String.fetchOne(db, sql: "PRAGMA journal_mode = DELETE") }
                inUse = mode?.lowercased() != "delete"
            } catch {
                inUse = true
            }
            try queue.close()
            if inUse { throw Failure(description: "\(target) is in use (a server or another command has it open): stop it first, then restore") }
        }
        for suffix in ["-wal", "-shm", "-journal"] where manager.fileExists(atPath: target + suffix) {
            try manager.removeItem(atPath: target + suffix)
        }
        let partial = target + ".partial"
        try? manager.removeItem(atPath: partial)
        try manager.copyItem(atPath: backup, toPath: partial)
        try flush(partial)
        guard rename(partial, target) == 0 else {
            throw Failure(description: "cannot move \(partial) to \(target): \(String(cString: strerror(errno)))")
        }
        try flush(URL(fileURLWithPath: target).deletingLastPathComponent().path)
        let restored = try check(target)
        guard restored.integrity == "ok", restored.rows.map(\.count) == checked.rows.map(\.count) else {
            throw Failure(description: "the restored \(target) does not match \(backup): \(restored.integrity)")
        }
        return restored
    }

    /// Opens `path` read-only and reports its integrity and contents.
    public static func check(_ path: String) throws -> Summary {
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? queue.close() }
        let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? 0
        return try queue.read { db in
            let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "; ")
            let present = Set(try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'"))
            let rows = try countedTables.filter(present.contains).map { ($0, try Int.fetchOne(db, sql: "SELECT count(*) FROM \($0)") ?? 0) }
            let last = present.contains("complaints") ? try String.fetchOne(db, sql: "SELECT max(number) FROM complaints") : nil
            let schema = present.contains("grdb_migrations") ? try String.fetchOne(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid DESC LIMIT 1") : nil
            return Summary(path: path, bytes: bytes, integrity: integrity, rows: rows, lastComplaint: last, schema: schema)
        }
    }

    /// fsync of a file or a directory (a rename is durable once its directory is).
    static func flush(_ path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw Failure(description: "cannot open \(path) to flush it: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw Failure(description: "fsync \(path): \(String(cString: strerror(errno)))") }
    }
}
