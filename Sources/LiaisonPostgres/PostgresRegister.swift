import Foundation
import Geodesy
import LiaisonCore
import LiaisonStore
import Logging
import PostgresNIO

/// The register's rows in PostgreSQL: counties and their boundaries (WKB both ways, exact),
/// stations (``StoredStationTexts``, the point as PostGIS geometry)
/// and the append-only history.
enum PostgresRegister {
    static func insert(_ county: County, on connection: PostgresConnection, logger: Logger) async throws {
        let wkb = WKB.multiPolygon(county.boundary)
        try await connection.query("""
            INSERT INTO counties (adcode, name, city_code, city_name, geom)
            VALUES (\(county.adcode), \(county.name), \(county.cityCode), \(county.cityName), ST_Multi(ST_GeomFromWKB(\(wkb), 4326)))
            """, logger: logger)
    }

    static func counties(on connection: PostgresConnection, logger: Logger) async throws -> [County] {
        var counties: [County] = []
        let rows = try await connection.query("SELECT adcode, name, city_code, city_name, ST_AsBinary(geom) FROM counties ORDER BY adcode", logger: logger)
        for try await (adcode, name, cityCode, cityName, wkb) in rows.decode((String, String, String, String, Data).self) {
            counties.append(County(adcode: adcode, name: name, cityCode: cityCode, cityName: cityName, boundary: try WKB.readMultiPolygon(wkb)))
        }
        return counties
    }

    static func insert(_ station: Station, at: Date, on connection: PostgresConnection, logger: Logger) async throws {
        let texts = try StoredStationTexts(station)
        let address = texts.address, hours = texts.hours, modes = texts.modes, staff = texts.staff
        try await connection.query("""
            INSERT INTO stations (id, county_code, name, address, phone, hours, modes, capacity, status, staff, created_at, updated_at, geom)
            VALUES (\(station.id), \(station.countyCode), \(station.name), \(address), \(station.phone), \(hours), \(modes), \(station.capacity),
                    \(station.status.rawValue), \(staff), \(at), \(at), ST_SetSRID(ST_MakePoint(\(station.location.longitude), \(station.location.latitude)), 4326))
            """, logger: logger)
    }

    static func stations(on connection: PostgresConnection, logger: Logger) async throws -> [Station] {
        var stations: [Station] = []
        let rows = try await connection.query("""
            SELECT id, county_code, name, address, phone, hours, modes, capacity, status, staff, ST_X(geom), ST_Y(geom) FROM stations ORDER BY id
            """, logger: logger)
        for try await row in rows {
            let (id, county, name, address, phone, hours, modes, capacity, status, staff, lng, lat) =
                try row.decode((String, String, String, String, String, String, String, Int, String, String, Double, Double).self)
            guard let status = StationStatus(rawValue: status) else { throw StoreError(message: "stations.status of \(id) is \"\(status)\"") }
            stations.append(try StoredStationTexts(address: address, hours: hours, modes: modes, staff: staff)
                .station(id: id, name: name, countyCode: county, phone: phone, capacity: capacity, status: status,
                         location: Coordinate(latitude: lat, longitude: lng)))
        }
        return stations
    }

    static func appendHistory(of station: Station, before: Station?, actor: String, action: String, reason: String?, at: Date,
                              on connection: PostgresConnection, logger: Logger) async throws {
        let after = try JSONOutput.string(StationFeature(station)), previous = try before.map { try JSONOutput.string(StationFeature($0)) }
        try await connection.query("""
            INSERT INTO station_history (station_id, at, actor, action, reason, before, after)
            VALUES (\(station.id), \(at), \(actor), \(action), \(reason), \(previous), \(after))
            """, logger: logger)
    }

    static func version(on connection: PostgresConnection, logger: Logger) async throws -> Int64 {
        let rows = try await connection.query("SELECT version FROM register_version WHERE id = 1", logger: logger).collect()
        return try rows.first?.decode(Int64.self) ?? 0
    }
}
