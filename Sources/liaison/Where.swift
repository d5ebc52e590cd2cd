import ArgumentParser
import Geodesy
import LiaisonCore

extension Liaison {
    struct Where: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The county and city of a point.")

        @Option(parsing: .unconditional, help: "Latitude in degrees, -90 to 90.") var lat: Double
        @Option(parsing: .unconditional, help: "Longitude in degrees, -180 to 180.") var lng: Double
        @Option(help: "Coordinate system of --lat/--lng: wgs84, gcj02 or bd09.") var coordsys = "wgs84"
        @Option(help: "table or json.") var format = OutputFormat.table
        @OptionGroup var store: StoreOptions

        func validate() throws {
            _ = try point()
        }

        func run() throws {
            let (point, system) = try point()
            let lookup = RegionLookup(point: point, coordinateSystem: system, counties: try store.snapshot().counties)
            switch format {
            case .json: try printJSON(lookup)
            case .table: print(Table.region(lookup))
            }
        }

        private func point() throws -> (Coordinate, CoordinateSystem) {
            guard let system = CoordinateSystem(rawValue: coordsys) else {
                throw ValidationError("--coordsys: unknown coordinate system \"\(coordsys)\": expected one of \(CoordinateSystem.allowedNames)")
            }
            do {
                return (try Coordinate.validated(latitude: lat, longitude: lng), system)
            } catch {
                throw ValidationError("--\(error.field): \(error.value) is not allowed: expected \(error.allowed)")
            }
        }
    }
}
