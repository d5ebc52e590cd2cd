import ArgumentParser
import Foundation
import LiaisonCore

extension Liaison {
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Import stations from GeoJSON or CSV, or counties from GeoJSON.",
            discussion: """
                The format is read from the file: GeoJSON when it starts with "{", else CSV with \
                the header row `liaison export --format csv` writes (a UTF-8 byte order mark is \
                allowed). Both go through the same validation. One transaction, all or nothing: bad \
                features or rows abort the import, each named (up to 1,000) by its index or row, \
                its id and what is wrong, and nothing is written. Stations are upserted by id, so importing the same \
                file again changes nothing. To load an export into a new database holding nothing \
                else, add --empty. A station the file retires hands its open complaints on, as \
                `liaison stations retire` does (--force to move those in mediation too).
                """)

        @Argument(help: "The GeoJSON or CSV file.") var path: String
        @Flag(help: "Stations the file retires also hand on complaints in mediation or with a confirmed session.") var force = false
        @OptionGroup var store: StoreOptions

        func run() throws {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw lateUsageError("cannot read \(path): expected a readable GeoJSON or CSV file")
            }
            let db = try store.store()
            let file: RegisterFile
            do {
                file = try RegisterFile.parseReportingEveryError(data, path: path, counties: try db.snapshot().counties)
            } catch let error as RegisterFile.FeatureError {
                throw lateUsageError("\(path): \(error): nothing was imported")
            } catch let error as RegisterFile.FeatureErrors {
                throw lateUsageError("\(path): \(error)\nnothing was imported")
            } catch let error as RegisterFile.FormatError {
                throw lateUsageError("\(path): \(error): nothing was imported")
            }
            switch file {
            case .stations(let stations):
                let registry = try store.registry()
                print("stations from \(path): \(try storeCall { try registry.importStations(stations, force: force, by: cliActor()) })")
            case .counties(let counties):
                print("counties from \(path): \(try store.open().upsert(counties: counties))")
            }
        }
    }
}
