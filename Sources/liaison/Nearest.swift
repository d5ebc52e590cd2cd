import ArgumentParser
import Geodesy
import LiaisonCore

extension Liaison {
    struct Nearest: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The stations nearest to a point, by WGS-84 geodesic distance.",
            discussion: "Example: liaison nearest --lat 30.2590 --lng 120.1300")

        @Option(parsing: .unconditional, help: "Latitude in degrees, -90 to 90.") var lat: Double
        @Option(parsing: .unconditional, help: "Longitude in degrees, -180 to 180.") var lng: Double
        @Option(parsing: .unconditional, help: "How many stations, 1 to \(NearestQuery.maxLimit).") var limit = NearestQuery.defaultLimit
        @Option(help: "Coordinate system of --lat/--lng and of the output: wgs84, gcj02 or bd09.") var coordsys = "wgs84"
        @Option(help: "Only stations offering this mediation mode: offline or video.") var mode: String?
        @Option(help: "Only stations in this county (6-digit adcode).") var county: String?
        @Option(name: .customLong("radius-km"), parsing: .unconditional, help: "Only stations within this many kilometres (up to 1000).") var radiusKm: Double?
        @Option(help: "table or json.") var format = OutputFormat.table
        @OptionGroup var store: StoreOptions

        func validate() throws {
            // Everything that needs no database is checked before the database is touched.
            do {
                _ = try query(counties: nil)
            } catch {
                throw ValidationError(flagMessage(error))
            }
        }

        func run() throws {
            let snapshot = try store.snapshot()
            let query: NearestQuery
            do {
                query = try self.query(counties: snapshot.counties)
            } catch {
                throw lateUsageError(flagMessage(error))
            }
            let response = NearestResponse(query: query, results: snapshot.nearest(query), counties: snapshot.counties)
            switch format {
            case .json: print(String(decoding: response.json(), as: UTF8.self))
            case .table: print(Table.nearest(response))
            }
        }

        /// With `counties` nil, the county is checked for shape only.
        private func query(counties: CountyLocator?) throws(InvalidInput) -> NearestQuery {
            if counties == nil, let county, !Adcode.isCounty(county) {
                throw InvalidInput(name: "county", reason: "\"\(county)\" is not a county adcode: expected 6 digits like 330106")
            }
            return try NearestQuery.validated(
                latitude: lat, longitude: lng, coordsys: coordsys, limit: limit, mode: mode,
                county: counties == nil ? nil : county, radiusKilometers: radiusKm, counties: counties ?? CountyLocator([]))
        }
    }
}
