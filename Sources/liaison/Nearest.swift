import Foundation
import ArgumentParser
import Geodesy
import LiaisonCore

extension Liaison {
    struct Nearest: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "nearest",
            abstract: "The stations nearest to a point, by WGS-84 geodesic distance.",
            discussion: """
                Examples: liaison nearest --lat 30.2590 --lng 120.1300
                          liaison nearest --input points.csv --limit 1 > answers.csv
                With --input, every row of a CSV file (a header line naming the lat and lng columns; \
                other columns pass through) or JSON Lines file gets one answer, in order; a bad row \
                gets an error row and the run goes on (exit status 65 when any row failed).
                """)

        @Option(parsing: .unconditional, help: "Latitude in degrees, -90 to 90.") var lat: Double?
        @Option(parsing: .unconditional, help: "Longitude in degrees, -180 to 180.") var lng: Double?
        @Option(parsing: .unconditional, help: "How many stations, 1 to \(NearestQuery.maxLimit).") var limit = NearestQuery.defaultLimit
        @Option(help: "Coordinate system of --lat/--lng and of the output: wgs84, gcj02 or bd09.") var coordsys = "wgs84"
        @Option(help: "Only stations offering this mediation mode: offline or video.") var mode: String?
        @Option(help: "Only stations in this county (6-digit adcode).") var county: String?
        @Option(name: .customLong("radius-km"), parsing: .unconditional, help: "Only stations within this many kilometres (up to 1000).") var radiusKm: Double?
        @Option(help: "table or json (default table); for --input see --output-format.") var format: OutputFormat?
        @OptionGroup(title: "Many points") var batch: BatchOptions
        @OptionGroup var store: StoreOptions

        func validate() throws {
            try batch.validate(lat: lat, lng: lng, format: format)
            // Everything that needs no database is checked before the database is touched.
            do {
                _ = try query(counties: nil)
            } catch {
                throw ValidationError(flagMessage(error))
            }
        }

        func run() throws {
            // One point from a SpatiaLite file: read without SpatiaLite, only what the answer needs.
            if !batch.given, let file = try store.lookupFile(), let response = try file.read({ register in
                let query = try checkedQuery(counties: register.counties)
                return NearestResponse(query: query, results: try register.nearest(query), counties: register.counties)
            }) {
                return show(response)
            }
            let snapshot = try store.snapshot()
            let query = try checkedQuery(counties: snapshot.counties)
            if batch.given {
                return try BatchLookup(options: batch, answer: NearestAnswer(query: query, snapshot: snapshot), command: "liaison nearest").run()
            }
            show(NearestResponse(query: query, results: snapshot.nearest(query), counties: snapshot.counties))
        }

        private func show(_ response: NearestResponse) {
            switch format ?? .table {
            case .json: print(String(decoding: response.json(), as: UTF8.self))
            case .table: print(Table.nearest(response))
            }
            if let outside = response.query.distance_to_zhejiang_m {
                printError(String(format: "note: the point is outside Zhejiang, %.2f km from its nearest county; no station serves it", outside / 1000))
            }
        }

        /// The query against the register's counties: an unknown county is a usage error.
        private func checkedQuery(counties: CountyLocator) throws -> NearestQuery {
            do {
                return try query(counties: counties)
            } catch {
                throw lateUsageError(flagMessage(error))
            }
        }

        /// With `counties` nil, the county is checked for shape only.
        private func query(counties: CountyLocator?) throws(InvalidInput) -> NearestQuery {
            if counties == nil, let county, !Adcode.isCounty(county) {
                throw InvalidInput(name: "county", reason: "\"\(county)\" is not a county adcode: expected 6 digits like 330106")
            }
            return try NearestQuery.validated(
                latitude: lat ?? 0, longitude: lng ?? 0, coordsys: coordsys, limit: limit, mode: mode,
                county: counties == nil ? nil : county, radiusKilometers: radiusKm, counties: counties ?? CountyLocator([]))
        }
    }
}

/// `liaison nearest --input`: each row's stations, as in the single answer.
struct NearestAnswer: BatchAnswer {
    /// The options, checked once; each row moves it to its point.
    let query: NearestQuery
    let snapshot: StationSnapshot

    var columns: [String] {
        let fields = ["station_id", "station_name", "county_code", "distance_m", "bearing_deg"]
        if query.limit == 1 { return fields }
        return (1...query.limit).flatMap { rank in fields.map { "\($0)_\(rank)" } }
    }

    var member: String { "stations" }

    func worker() -> any BatchWorker { Worker(answer: self) }

    struct Worker: BatchWorker {
        let answer: NearestAnswer
        let encoder: JSONEncoder = {
            let e = JSONEncoder()
            e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return e
        }()

        func results(_ latitude: Double, _ longitude: Double) throws(BatchRowError) -> [NearestStation] {
            do {
                return answer.snapshot.nearest(try answer.query.at(latitude: latitude, longitude: longitude))
            } catch {
                throw BatchRowError(reason: "\(error.field): \(error.value) is not allowed: expected \(error.allowed)")
            }
        }

        func cells(latitude: Double, longitude: Double) throws(BatchRowError) -> [String] {
            let found = try results(latitude, longitude)
            var cells: [String] = []
            cells.reserveCapacity(5 * answer.query.limit)
            for rank in 0..<answer.query.limit {
                guard rank < found.count else { cells += ["", "", "", "", ""]; continue }
                let s = found[rank]
                cells += [s.station.id, s.station.name, s.station.countyCode,
                          "\(rounded(s.distanceMeters, 2))", "\(roundedBearing(s.bearingDegrees))"]
            }
            return cells
        }

        func json(latitude: Double, longitude: Double) throws(BatchRowError) -> [UInt8] {
            let items = NearestResponse.items(try results(latitude, longitude), in: answer.query.coordinateSystem, counties: answer.snapshot.counties)
            return Array((try? encoder.encode(items)) ?? Data("[]".utf8))
        }
    }
}
