import Foundation
import GRDB
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

    /// Every station as `session` sees it, sorted by id.
    static func stations(in session: PostgresSession, store: PostgresStore) throws -> [Station] {
        let connection = session.connection, logger = session.logger
        return try store.wait { try await stations(on: connection, logger: logger) }
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

/// The register's writes in PostgreSQL: the same rules as the SQLite store's
/// (``StationRegistry``), with an advisory lock taking register writes in turn and PostGIS
/// for the point and the nearby box.
extension PostgresStore: RegisterStore {
    /// Register writes take turns until the commit (a transaction-level advisory lock).
    public func lockRegister(in db: any SQLSession) throws {
        try db.execute(sql: "SELECT pg_advisory_xact_lock(7305107)")
    }

    public func station(id: String, in db: any SQLSession) throws -> Station? {
        try Row.fetchOne(db, sql: "SELECT \(Self.stationColumns) FROM stations WHERE id = ?\(db.forUpdate)", arguments: [id]).map(Self.station)
    }

    public func activeStations(around center: Coordinate, meters: Double, in db: any SQLSession) throws -> [Station] {
        // A degree of latitude is at least 110,574 m; a degree of longitude that times cos(latitude).
        let dLat = meters / 110_574
        let dLng = min(180, dLat / max(cos(center.latitude * .pi / 180), 1e-6))
        return try Row.fetchAll(db, sql: """
            SELECT \(Self.stationColumns) FROM stations
            WHERE status = 'active' AND geom && ST_MakeEnvelope(?, ?, ?, ?, 4326) ORDER BY id
            """, arguments: [center.longitude - dLng, center.latitude - dLat, center.longitude + dLng, center.latitude + dLat]).map(Self.station)
    }

    public func upsert(_ stations: [Station], actor: String, action: String, reason: String?, in db: any SQLSession) throws -> LiaisonDatabase.ImportCounts {
        var counts = LiaisonDatabase.ImportCounts()
        let now = Date(), stamp = Timestamp.string(now)
        for station in stations {
            let before = try self.station(id: station.id, in: db)
            if before == station { counts.unchanged += 1; continue }
            let texts = try StoredStationTexts(station)
            let values: [any DatabaseValueConvertible] = [station.countyCode, station.name, texts.address, station.phone, texts.hours, texts.modes,
                                                          station.capacity, station.status.rawValue, texts.staff, stamp,
                                                          station.location.longitude, station.location.latitude]
            if before != nil {
                try db.execute(sql: """
                    UPDATE stations SET county_code = ?, name = ?, address = ?, phone = ?, hours = ?, modes = ?, capacity = ?, status = ?, staff = ?,
                        updated_at = ?, geom = ST_SetSRID(ST_MakePoint(?, ?), 4326)
                    WHERE id = ?
                    """, arguments: StatementArguments(values + [station.id]))
                counts.updated += 1
            } else {
                try db.execute(sql: """
                    INSERT INTO stations (county_code, name, address, phone, hours, modes, capacity, status, staff, updated_at, geom, id, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ST_SetSRID(ST_MakePoint(?, ?), 4326), ?, ?)
                    """, arguments: StatementArguments(values + [station.id, stamp]))
                counts.inserted += 1
            }
            try appendHistory(stationID: station.id, actor: actor, action: action, reason: reason, before: before, after: station, at: now, in: db)
        }
        return counts
    }

    static let stationColumns = "id, county_code, name, address, phone, hours, modes, capacity, status, staff, ST_X(geom) AS lng, ST_Y(geom) AS lat"

    static func station(_ row: Row) throws -> Station {
        let id: String = row["id"], status: String = row["status"]
        guard let status = StationStatus(rawValue: status) else { throw StoreError(message: "stations.status of \(id) is \"\(status)\"") }
        return try StoredStationTexts(address: row["address"], hours: row["hours"], modes: row["modes"], staff: row["staff"])
            .station(id: id, name: row["name"], countyCode: row["county_code"], phone: row["phone"], capacity: row["capacity"], status: status,
                     location: Coordinate(latitude: row["lat"], longitude: row["lng"]))
    }
}

extension LiaisonServices {
    /// The service's parts over PostgreSQL: the desk, the outbox and the reports in the SQL
    /// both stores speak, the register's writes (``PostgresStore``'s ``RegisterStore``), the
    /// tokens (``PostgresTokens``), and readiness.
    public init(postgres store: PostgresStore, complaints: ComplaintDesk.Settings) throws {
        let finder = StationFinder(try store.snapshot())
        self.init(store: store, finder: finder, complaints: complaints, registry: { StationRegistry(database: store, finder: finder, handOver: $0) },
                  tokens: PostgresTokens(store: store), health: store)
    }
}
