import Foundation
import GRDB
import Geodesy
import LiaisonCore

/// The `stations` table. JSON columns hold the nested parts of a ``Station``.
enum StationRecord {
    enum Columns {
        static let all = "id, county_code, name, address, phone, hours, modes, capacity, status, staff, ST_X(geom) AS lng, ST_Y(geom) AS lat"
    }

    static func fetchAll(_ db: Database) throws -> [Station] {
        try Row.fetchAll(db, sql: "SELECT \(Columns.all) FROM stations ORDER BY id").map(station)
    }

    static func fetchOne(_ db: Database, id: String) throws -> Station? {
        try Row.fetchOne(db, sql: "SELECT \(Columns.all) FROM stations WHERE id = ?", arguments: [id]).map(station)
    }

    static func station(_ row: Row) throws -> Station {
        let decoder = JSONDecoder()
        func json<T: Decodable>(_ column: String) throws -> T {
            try decoder.decode(T.self, from: Data((row[column] as String).utf8))
        }
        let modes: [String] = try json("modes")
        return Station(
            id: row["id"], name: row["name"], countyCode: row["county_code"], address: try json("address"),
            phone: row["phone"], hours: try json("hours"), modes: modes.compactMap(MediationMode.init(rawValue:)),
            capacity: row["capacity"], status: StationStatus(rawValue: row["status"]) ?? .retired, staff: try json("staff"),
            location: try Coordinate.validated(latitude: row["lat"], longitude: row["lng"]))
    }

    /// The next free id in a county: `ADCODE-NNNN`, one above the highest in use.
    /// Active stations whose point lies in a box reaching at least `meters` from `center` in
    /// every direction (through the spatial index): the candidates for an exact distance check.
    static func fetchActive(around center: Coordinate, meters: Double, in db: Database) throws -> [Station] {
        // A degree of latitude is at least 110,574 m; a degree of longitude that times cos(latitude).
        let dLat = meters / 110_574
        let dLng = min(180, dLat / max(cos(center.latitude * .pi / 180), 1e-6))
        return try Row.fetchAll(db, sql: """
            SELECT \(Columns.all) FROM stations WHERE status = 'active' AND rowid IN (
                SELECT pkid FROM idx_stations_geom WHERE xmin <= ? AND xmax >= ? AND ymin <= ? AND ymax >= ?)
            ORDER BY id
            """, arguments: [center.longitude + dLng, center.longitude - dLng, center.latitude + dLat, center.latitude - dLat]).map(station)
    }

    static func nextID(county: String, in db: Database) throws -> String {
        let highest = try Int.fetchOne(db, sql: "SELECT max(CAST(substr(id, 8) AS INTEGER)) FROM stations WHERE county_code = ?", arguments: [county]) ?? 0
        guard highest < 9999 else { throw StoreError(message: "county \(county) has no free station id left (9999 in use)") }
        return county + "-" + String(format: "%04d", highest + 1)
    }

    /// Inserts new stations and updates changed ones, recording each change in the history;
    /// leaves identical ones untouched.
    static func upsert(_ stations: [Station], actor: String, action: String, reason: String? = nil,
                       in db: Database) throws -> LiaisonDatabase.ImportCounts {
        var counts = LiaisonDatabase.ImportCounts()
        let now = timestamp()
        for station in stations {
            let existing = try fetchOne(db, id: station.id)
            if existing == station { counts.unchanged += 1; continue }
            let args: StatementArguments = [
                station.id, station.countyCode, station.name, try text(station.address), station.phone, try text(station.hours),
                try text(station.modes.map(\.rawValue)), station.capacity, station.status.rawValue, try text(station.staff),
                now, now, station.location.longitude, station.location.latitude,
            ]
            try db.execute(sql: """
                INSERT INTO stations (id, county_code, name, address, phone, hours, modes, capacity, status, staff, created_at, updated_at, geom)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, MakePoint(?, ?, 4326))
                ON CONFLICT(id) DO UPDATE SET
                    county_code = excluded.county_code, name = excluded.name, address = excluded.address,
                    phone = excluded.phone, hours = excluded.hours, modes = excluded.modes, capacity = excluded.capacity,
                    status = excluded.status, staff = excluded.staff, updated_at = excluded.updated_at, geom = excluded.geom
                """, arguments: args)
            try StationHistoryRecord.append(stationID: station.id, actor: actor, action: action, reason: reason,
                                            before: existing, after: station, at: now, in: db)
            if existing == nil { counts.inserted += 1 } else { counts.updated += 1 }
        }
        return counts
    }

    static func text<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try JSONOutput.encode(value), as: UTF8.self)
    }
}
