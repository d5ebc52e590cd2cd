import ArgumentParser
import Foundation
import LiaisonStore

extension Liaison {
    struct Backup: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "backup",
            abstract: "Copy the SpatiaLite file while it is in use: a consistent, checked backup.",
            discussion: """
                Copies the database as of one commit through SQLite's backup API (a plain cp of a file \
                a server writes misses what is still in its -wal file), writes it whole to OUT.partial, \
                runs PRAGMA integrity_check, flushes it to disk and moves it to --out; then prints what \
                it holds. Safe while `liaison serve` runs. PostgreSQL: use pg_dump (the README shows how).
                """)
        @Option(help: ArgumentHelp("The backup file to write (replaced only by a complete, checked copy).", valueName: "path")) var out: String
        @OptionGroup var store: StoreOptions

        func validate() throws {
            if store.isPostgres {
                throw ValidationError("--db: backup copies a SpatiaLite file; for PostgreSQL use pg_dump -Fc (see the README's Backup and restore)")
            }
            let folder = URL(fileURLWithPath: out).deletingLastPathComponent().path
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ValidationError("--out: no directory \(folder) to write \(out) in")
            }
            if FileManager.default.fileExists(atPath: out, isDirectory: &isDirectory), isDirectory.boolValue {
                throw ValidationError("--out: \(out) is a directory: expected a file path")
            }
            if URL(fileURLWithPath: out).standardizedFileURL == URL(fileURLWithPath: store.databasePath).standardizedFileURL {
                throw ValidationError("--out: \(out) is the database itself: name another file")
            }
        }

        func run() throws {
            guard FileManager.default.fileExists(atPath: store.databasePath) else {
                throw lateUsageError("--db: no database at \(store.databasePath)")
            }
            let summary = try storeCall { try FileBackup.backup(from: store.databasePath, to: out) }
            print(Self.describe(summary))
        }

        static func describe(_ s: FileBackup.Summary) -> String {
            var lines = ["\(s.path): \(s.bytes) bytes, integrity \(s.integrity), schema \(s.schema ?? "none")"]
            lines += s.rows.map { "  \($0.table) \($0.count)" }
            if let last = s.lastComplaint { lines.append("  last complaint \(last)") }
            return lines.joined(separator: "\n")
        }
    }

    struct Restore: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "restore",
            abstract: "Put a backup in place of the SpatiaLite file (no process may have it open).",
            discussion: """
                Checks the backup, refuses when a server or another command has --db open (stop it \
                first), removes a stale -wal/-shm of --db (replayed onto the restored file it would \
                corrupt it), copies the backup in whole, flushes it and moves it into place, and \
                checks the result.
                """)
        @Argument(help: ArgumentHelp("The backup file (from `liaison backup`).", valueName: "backup")) var backup: String
        @OptionGroup var store: StoreOptions

        func validate() throws {
            if store.isPostgres {
                throw ValidationError("--db: restore writes a SpatiaLite file; for PostgreSQL use pg_restore (see the README's Backup and restore)")
            }
            guard FileManager.default.fileExists(atPath: backup) else { throw ValidationError("<backup>: no file \(backup)") }
        }

        func run() throws {
            let summary = try storeCall { try FileBackup.restore(backup, to: store.databasePath) }
            print(Backup.describe(summary))
        }
    }
}
