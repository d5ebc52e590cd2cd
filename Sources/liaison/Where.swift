import Foundation
import ArgumentParser
import Geodesy
import LiaisonCore

extension Liaison {
    struct Where: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "where",
            abstract: "The county and city of a point.",
            discussion: """
                Examples: liaison where --lat 30.2590 --lng 120.1300
                          liaison where --input points.csv > counties.csv
                With --input, every row of a CSV or JSON Lines file gets one answer, in order \
                (see liaison nearest --help).
                """)

        @Option(parsing: .unconditional, help: "Latitude in degrees, -90 to 90.") var lat: Double?
        @Option(parsing: .unconditional, help: "Longitude in degrees, -180 to 180.") var lng: Double?
        @Option(help: "Coordinate system of --lat/--lng (and of every row with --input): wgs84, gcj02 or bd09.") var coordsys = "wgs84"
        @Option(help: "table or json (default table); for --input see --output-format.") var format: OutputFormat?
        @OptionGroup(title: "Many points") var batch: BatchOptions
        @OptionGroup var store: StoreOptions

        func validate() throws {
            try batch.validate(lat: lat, lng: lng, format: format)
            _ = try point()
        }

        func run() throws {
            let (point, system) = try point()
            if batch.given {
                let answer = WhereAnswer(system: system, counties: try store.snapshot().counties)
                return try BatchLookup(options: batch, answer: answer, command: "liaison where").run()
            }
            // From a SpatiaLite file, only the counties are read, without SpatiaLite.
            let counties = try store.lookupFile()?.read { $0.counties } ?? store.snapshot().counties
            let lookup = RegionLookup(point: point, coordinateSystem: system, counties: counties)
            switch format ?? .table {
            case .json: try printJSON(lookup)
            case .table: print(Table.region(lookup))
            }
        }

        private func point() throws -> (Coordinate, CoordinateSystem) {
            guard let system = CoordinateSystem(rawValue: coordsys) else {
                throw ValidationError("--coordsys: unknown coordinate system \"\(coordsys)\": expected one of \(CoordinateSystem.allowedNames)")
            }
            do {
                return (try Coordinate.validated(latitude: lat ?? 0, longitude: lng ?? 0), system)
            } catch {
                throw ValidationError("--\(error.field): \(error.value) is not allowed: expected \(error.allowed)")
            }
        }
    }
}

/// `liaison where --input`: each row's county, as in the single answer.
struct WhereAnswer: BatchAnswer {
    let system: CoordinateSystem
    let counties: CountyLocator

    var columns: [String] {
        ["inside_zhejiang", "county_code", "county_name", "city_code", "city_name", "county_confidence", "distance_m"]
    }

    var member: String { "region" }

    func worker() -> any BatchWorker { Worker(answer: self) }

    struct Worker: BatchWorker {
        let answer: WhereAnswer
        let encoder: JSONEncoder = {
            let e = JSONEncoder()
            e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return e
        }()

        func lookup(_ latitude: Double, _ longitude: Double) throws(BatchRowError) -> RegionLookup {
            do {
                let point = try Coordinate.validated(latitude: latitude, longitude: longitude)
                return RegionLookup(point: point, coordinateSystem: answer.system, counties: answer.counties)
            } catch {
                throw BatchRowError(reason: "\(error.field): \(error.value) is not allowed: expected \(error.allowed)")
            }
        }

        func cells(latitude: Double, longitude: Double) throws(BatchRowError) -> [String] {
            let found = try lookup(latitude, longitude)
            guard let region = found.region ?? found.nearest else { return ["false", "", "", "", "", "", ""] }
            return ["\(found.inside_zhejiang)", region.county_code, region.county_name, region.city_code, region.city_name,
                    found.county_confidence?.rawValue ?? "", region.distance_m.map { "\($0)" } ?? ""]
        }

        func json(latitude: Double, longitude: Double) throws(BatchRowError) -> [UInt8] {
            Array((try? encoder.encode(try lookup(latitude, longitude))) ?? Data("null".utf8))
        }
    }
}
