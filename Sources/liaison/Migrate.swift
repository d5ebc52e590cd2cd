import ArgumentParser
import Foundation
import LiaisonCore
import LiaisonPostgres
import LiaisonStore

extension Liaison {
    struct Migrate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "migrate",
            abstract: "Copy the whole store into an empty one of the other kind: SpatiaLite to PostgreSQL, or back.",
            discussion: """
                Copies counties, stations, their history, complaints, events, texts, Idempotency-Keys, \
                tokens, enterprises, merchant cases, ratings and the calendar from --db into --to \
                (an empty PostgreSQL database, or a new SpatiaLite file) in one transaction, then \
                checks each table's row count and SHA-256 digest on both sides before committing: \
                a mismatch writes nothing. Stop the servers first: what they write during the copy \
                is not copied. A round trip leaves `liaison export` byte-identical. Tracking tokens \
                are derived under the source's key file (--tracking-key): a new file gets a copy of \
                it beside it; a PostgreSQL copy's servers must be given it.
                """)

        @Option(help: ArgumentHelp("The target: postgres://USER@HOST:PORT/DB (empty), or a new .sqlite file.", valueName: "url|path"))
        var to: String
        @OptionGroup var store: StoreOptions

        func validate() throws {
            if PostgresURL.isPostgres(to) == store.isPostgres {
                throw ValidationError("--to: copies go between the two kinds of store: from a SpatiaLite file to PostgreSQL or back; "
                                      + "--db is \(store.isPostgres ? "PostgreSQL" : "a SpatiaLite file") and so is --to")
            }
            if !PostgresURL.isPostgres(to) && FileManager.default.fileExists(atPath: to) {
                throw ValidationError("--to: \(to) exists: expected a new file")
            }
        }

        func run() throws {
            let source = try store.store(connections: 2)
            let target: any SQLStore
            if PostgresURL.isPostgres(to) {
                target = try storeCall(flags: ["db": "--to"]) { try PostgresStore(url: to, maximumConnections: 2) }
            } else {
                target = try LiaisonDatabase.createBlank(path: to)
            }
            let tty = isatty(STDERR_FILENO) == 1
            let tables: [StoreCopy.Table]
            do {
                tables = try storeCall(flags: ["to": "--to"]) {
                    try StoreCopy.copy(from: source, to: target) { table in
                        if tty { FileHandle.standardError.write(Data("\rcopied \(table)\u{1B}[K".utf8)) }
                    }
                }
            } catch {
                if !PostgresURL.isPostgres(to) { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: to + suffix) } }
                throw error
            }
            if tty { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            let width = tables.map(\.name.count).max() ?? 0   // names are ASCII: characters are columns
            for table in tables { print("\(table.name.padding(toLength: width, withPad: " ", startingAt: 0)) \(String(table.rows).leftPadded(8))  sha256 \(table.digest)") }
            print("copied and verified: \(tables.count) tables, \(tables.map(\.rows).reduce(0, +)) rows")
            try handOverTrackingKey()
        }

        /// The copy's tracking tokens were derived under the source's key, and the copy recorded
        /// its fingerprint: a new file gets the key file beside it (its default place); for
        /// PostgreSQL the operator is told which file its servers need.
        func handOverTrackingKey() throws {
            let path = store.trackingKeyPath
            guard FileManager.default.fileExists(atPath: path) else {
                printError("note: no tracking key at \(path): the copy's servers need the key file the source's servers used (--tracking-key)")
                return
            }
            if PostgresURL.isPostgres(to) {
                printError("tracking key: serve the copy with --tracking-key \(path) (or the same file copied to each server)")
            } else if !FileManager.default.fileExists(atPath: to + ".tracking-key") {
                try FileManager.default.copyItem(atPath: path, toPath: to + ".tracking-key")
                printError("tracking key: \(path) copied to \(to).tracking-key")
            }
        }
    }
}

private extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
