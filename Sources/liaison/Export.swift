import ArgumentParser
import Foundation
import LiaisonCore

extension Liaison {
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Write the whole register as GeoJSON or CSV.",
            discussion: """
                Every station, active and retired, sorted by id. GeoJSON has the schema of \
                geodata/stations.geojson, one feature per line, keys sorted; CSV has a header row \
                and one row per station (the README describes its columns). `liaison import` reads \
                either back: export, import into a new database made with --empty, and export \
                again gives the same bytes.
                """)

        enum Format: String, ExpressibleByArgument, CaseIterable {
            case geojson
            case csv

            var file: RegisterFile.Format {
                switch self {
                case .geojson: .geojson
                case .csv: .csv
                }
            }
        }

        @Option(help: "The file format.") var format: Format
        @Option(help: ArgumentHelp("Write to this file (replaced only once complete) instead of stdout.", valueName: "path"))
        var out: String?
        @Flag(help: "Start the CSV with a UTF-8 byte order mark, so that Excel reads it as UTF-8.") var bom = false
        @OptionGroup var store: StoreOptions

        func validate() throws {
            if bom && format != .csv {
                throw ValidationError("--bom: only with --format csv: GeoJSON (RFC 7946) must not start with a byte order mark")
            }
            if let out {
                var isDirectory: ObjCBool = false
                let folder = URL(fileURLWithPath: out).deletingLastPathComponent().path
                if FileManager.default.fileExists(atPath: out, isDirectory: &isDirectory), isDirectory.boolValue {
                    throw ValidationError("--out: \(out) is a directory: expected a file path")
                }
                guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
                    throw ValidationError("--out: no directory \(folder) to write \(out) in")
                }
            }
        }

        func run() throws {
            let stations = try store.store(connections: 1).stations()
            let data = try RegisterFile.encode(stations: stations, format: format.file, byteOrderMark: bom)
            guard let out else {
                FileHandle.standardOutput.write(data)
                return
            }
            do {
                try data.write(to: URL(fileURLWithPath: out), options: .atomic)
            } catch {
                FileHandle.standardError.write(Data("Error: cannot write \(out): \(error.localizedDescription)\n".utf8))
                throw ExitCode(1)
            }
            print("\(stations.count) stations to \(out) (\(format.rawValue))")
        }
    }
}
