import ArgumentParser
import Foundation
import LiaisonCore

extension Liaison {
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a GeoJSON FeatureCollection of stations or counties.",
            discussion: """
                One transaction, all or nothing: a bad feature aborts the import naming its index, \
                id and what is wrong, and nothing is written. Features are upserted by id, so \
                importing the same file again changes nothing.
                """)

        @Argument(help: "The GeoJSON file.") var path: String
        @OptionGroup var store: StoreOptions

        func run() throws {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw lateUsageError("cannot read \(path): expected a readable GeoJSON file")
            }
            let db = try store.open()
            let file: RegisterFile
            do {
                file = try RegisterFile.parse(data, counties: try db.snapshot().counties)
            } catch let error as RegisterFile.FeatureError {
                throw lateUsageError("\(path): \(error): nothing was imported")
            } catch let error as RegisterFile.FormatError {
                throw lateUsageError("\(path): \(error): nothing was imported")
            }
            switch file {
            case .stations(let stations):
                print("stations from \(path): \(try db.upsert(stations: stations))")
            case .counties(let counties):
                print("counties from \(path): \(try db.upsert(counties: counties))")
            }
        }
    }
}
