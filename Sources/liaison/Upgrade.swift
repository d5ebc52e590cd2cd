import ArgumentParser
import Foundation
import LiaisonCore
import LiaisonPostgres
import LiaisonStore

extension Liaison {
    /// `liaison upgrade`: the one command (with `serve --migrate`) that applies a release's
    /// migrations to a database a former release made; every other command refuses such a
    /// database, naming both schemas. A SpatiaLite file is backed up first.
    struct Upgrade: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "upgrade",
            abstract: "Apply this release's migrations to a database a former release made; a SpatiaLite file is backed up first.",
            discussion: """
                Prints the schema before and after, and where the backup is. A database already at this \
                release's schema is left as it is. On PostgreSQL take a pg_dump first (see the README's \
                "Backup and restore"): the migrations run in one transaction, so a failure leaves the \
                database as it was.
                """)

        @Option(help: ArgumentHelp("Where the backup goes (default: beside the database: NAME.before-SCHEMA-TIME.sqlite).", valueName: "file"))
        var backup: String?
        @OptionGroup var store: StoreOptions

        func run() throws {
            print(try Self.upgrade(store, backup: backup))
        }

        /// Upgrades the database `store` names if it is behind; what was done, in one line.
        static func upgrade(_ store: StoreOptions, backup: String? = nil) throws -> String {
            if store.isPostgres {
                let database = try store.postgres(connections: 1, upgrading: true)
                database.close()
                return "\(database.location) is at schema \(postgresSchemaVersion)"
            }
            let path = store.databasePath
            guard FileManager.default.fileExists(atPath: path) else {
                throw lateUsageError("--db: no database at \(path): `liaison serve` or any command creates a new one at this release's schema")
            }
            let behind: SchemaBehind
            do {
                _ = try LiaisonDatabase(path: path)
                return "\(path) is already at schema \(sqliteSchemaVersion): nothing to do"
            } catch let error as SchemaBehind {
                behind = error
            }
            let stamp = Timestamp.string(Date()).prefix(19).replacingOccurrences(of: ":", with: "")
            let version = behind.current.split(separator: " ").first.map(String.init) ?? "old"
            let target = backup ?? "\(path).before-\(version)-\(stamp).sqlite"
            let summary = try FileBackup.backup(from: path, to: target)
            printError("backed up \(path) (schema \(behind.current)) to \(target): \(summary.bytes) bytes, integrity ok")
            _ = try LiaisonDatabase(path: path, upgrading: true)
            return "upgraded \(path) from schema \(behind.current) to \(sqliteSchemaVersion); the backup is \(target)"
        }
    }
}
