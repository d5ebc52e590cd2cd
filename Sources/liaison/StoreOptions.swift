import ArgumentParser
import Foundation
import LiaisonCore
import LiaisonPostgres
import LiaisonStore
import Logging

/// Where the database and the geodata it starts from are.
struct StoreOptions: ParsableArguments, Configurable {
    static let settingKeys = ["db", "geodata", "tracking-key"]

    @Option(name: .long, help: ArgumentHelp("The SpatiaLite database file, or a PostgreSQL database postgres://USER@HOST:PORT/DB (default: $LIAISON_DB, else data/liaison.sqlite).", valueName: "path|url"))
    var db: String?

    @Option(name: .long, help: ArgumentHelp("Folder with the GeoJSON a new database is made from (default: $LIAISON_GEODATA, else ./geodata, the repo's, ../share/liaison/geodata from the executable's folder, or /usr/share/liaison/geodata).", valueName: "dir"))
    var geodata: String?

    @Option(name: .long, help: ArgumentHelp("The file with the server key tracking tokens are derived from, created (mode 0600) when missing; every process serving one database needs the same file (default: $LIAISON_TRACKING_KEY, else the database file's path with .tracking-key added, or ./liaison.tracking-key for PostgreSQL).", valueName: "path"))
    var trackingKey: String?

    @Option(name: .long, help: ArgumentHelp("A file of settings, one `name = value` per line (a long option's name: db = /var/lib/liaison/liaison.sqlite); flags win over LIAISON_<NAME> variables, which win over the file (default: $LIAISON_CONFIG, else none).", valueName: "path"))
    var config: String?

    @Flag(name: .long, help: ArgumentHelp("When the database does not exist yet, create it with the counties only: an empty register, e.g. to import an export into. An existing database is opened as it is."))
    var empty = false

    var databasePath: String {
        db ?? "data/liaison.sqlite"
    }

    var trackingKeyPath: String {
        trackingKey ?? (isPostgres ? "liaison.tracking-key" : databasePath + ".tracking-key")
    }

    /// Whether `--db` names a PostgreSQL database rather than a SpatiaLite file.
    var isPostgres: Bool { PostgresURL.isPostgres(databasePath) }

    /// Opens the SpatiaLite file, creating it from geodata on first use (only then is geodata
    /// needed): counties and stations, or with `--empty` the counties only. For the commands
    /// that work on the file itself (counties import, `migrate` from it).
    func open(upgrading: Bool = false) throws -> LiaisonDatabase {
        if isPostgres {
            throw lateUsageError("--db: this command works on a SpatiaLite file only: give a file path, not a PostgreSQL URL")
        }
        if FileManager.default.fileExists(atPath: databasePath) { return try LiaisonDatabase(path: databasePath, upgrading: upgrading) }
        let geodata = try geodataDirectory()
        return try LiaisonDatabase.openOrCreate(path: databasePath, geodata: geodata, contents: empty ? .countiesOnly : .countiesAndStations)
    }

    /// Opens the PostgreSQL database `--db` names (a pool of at most `connections`), creating
    /// the register from geodata when it is empty.
    /// A command's statements may take up to a minute (a busy database, a lock held by a
    /// server); `serve` bounds them at 8 s, inside its proxy's timeout.
    func postgres(connections: Int = 4, statementSeconds: Double = 60, upgrading: Bool = false) throws -> PostgresStore {
        let store = try storeCall(flags: ["db": "--db"]) {
            try PostgresStore(url: databasePath, maximumConnections: connections, statementSeconds: statementSeconds, upgrading: upgrading,
                              logger: Logger(label: "liaison.store"))
        }
        if try store.isEmpty() { try store.createIfEmpty(from: try geodataDirectory(), contents: empty ? .countiesOnly : .countiesAndStations) }
        return store
    }

    /// The store `--db` names, either kind, created from geodata on first use.
    func store(connections: Int = 4) throws -> any RegisterStore {
        isPostgres ? try postgres(connections: connections) : try open()
    }
}

extension StoreOptions {
    /// `geodata/`: the register a new database starts from, and the complaint service levels and calendar.
    func geodataDirectory() throws -> GeodataDirectory {
        try GeodataDirectory.locate(geodata)
    }

    /// Every part of the service over the database, composed as `liaison serve` composes it
    /// (the complaint settings come from `geodata/`). Commands use the parts through the store
    /// seam's protocols.
    func services() throws -> LiaisonServices {
        let geodata = try geodataDirectory()
        return try services(complaints: ComplaintDesk.Settings(serviceClock: try geodata.serviceClock(), courts: try geodata.courts()))
    }

    /// The parts over the store with these complaint settings (`serve` takes them from its flags).
    /// The tracking key is read from its file (created on first use) and checked against the one
    /// the database recorded.
    func services(complaints settings: ComplaintDesk.Settings, connections: Int = 4, statementSeconds: Double = 60) throws -> LiaisonServices {
        var settings = settings
        settings.trackingKey = try trackingKeyFile()
        let services = isPostgres ? try LiaisonServices(postgres: try postgres(connections: connections, statementSeconds: statementSeconds), complaints: settings)
                                  : try LiaisonServices(database: try open(), complaints: settings)
        do {
            try ComplaintDesk.adopt(settings.trackingKey, in: services.store)
        } catch let error as TrackingKey.KeyFileError {
            throw lateUsageError("--tracking-key: \(error.description)")
        }
        return services
    }

    func trackingKeyFile() throws -> TrackingKey {
        do {
            return try TrackingKey.file(trackingKeyPath)
        } catch let error as TrackingKey.KeyFileError {
            throw lateUsageError("--tracking-key: \(error.description)")
        }
    }

    /// The complaint desk as staff use it.
    func desk() throws -> any StaffComplaintStore { try services().complaints }

    // The parts that need no complaint settings (so no `geodata/` once the database exists).

    /// The register's write path, with the complaint desk a retirement hands complaints to.
    func registry() throws -> any StationRegisterStore { try services().registry }

    func outbox() throws -> any OutboxStore { SMSOutbox(database: try store()) }

    func tokens() throws -> any TokenStore {
        guard isPostgres else { return TokenAuthenticator(database: try open()) }
        return PostgresTokens(store: try postgres(connections: 1))
    }

    /// The SpatiaLite file opened for a one-shot lookup (see ``LookupFile``); nil for PostgreSQL,
    /// and for a file that is missing or needs migrating, which ``snapshot()`` takes.
    func lookupFile() throws -> LookupFile? {
        isPostgres ? nil : try LookupFile(path: databasePath)
    }

    /// The register and counties as committed now, for lookups: from the SpatiaLite file, or
    /// from PostgreSQL (either created from geodata on first use).
    func snapshot() throws -> StationSnapshot {
        try store(connections: 1).snapshot()
    }
}

/// How results are printed.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table
    case json
}

/// The message for an ``InvalidInput``, one line per bad flag.
func flagMessage(_ error: InvalidInput) -> String {
    error.parameters.map { "--\($0.name.replacingOccurrences(of: "_", with: "-")): \($0.reason)" }.joined(separator: "\n")
}

/// "Not found": a message on stderr and exit code 1.
func notFound(_ message: String) -> ExitCode {
    printError("Error: \(message)")
    return ExitCode(1)
}

/// A usage error found only after opening the database (an unknown county, a bad file):
/// the message on stderr and exit code 64, without the root command's usage text.
func lateUsageError(_ message: String) -> ExitCode {
    printError("Error: \(message)")
    return ExitCode.validationFailure
}

func printJSON<T: Encodable>(_ value: T) throws {
    print(try JSONOutput.string(value))
}

/// Runs store work, turning its domain errors into the CLI's messages and exit codes (the one
/// mapping): 64 for bad input, naming the flag (`flags` maps a field to the flag that gave it),
/// and 1 for anything the state of the data refuses.
func storeCall<T>(flags: [String: String] = [:], _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as any DomainError {
        switch error.refusal {
        case .invalidInput:
            let parameters = (error as? InvalidInput)?.parameters ?? []
            throw lateUsageError(parameters.map { "\(flags[$0.name] ?? $0.name): \($0.reason)" }.joined(separator: "\n"))
        case .outsideServiceArea:
            throw lateUsageError("--lat/--lng: \(error.description)")
        case .notFound, .forbidden, .conflict, .preconditionFailed, .rateLimited, .unprocessable:
            throw notFound(error.description)
        }
    }
}
