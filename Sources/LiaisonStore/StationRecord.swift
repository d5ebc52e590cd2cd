import Foundation
import GRDB
import Geodesy
import LiaisonCore

/// One row of the `stations` table as GRDB maps it. The nested parts of a ``Station``
/// (address, hours, modes, staff) are ``StoredStationTexts``; the point is SpatiaLite's own
/// geometry, indexed by `idx_stations_geom`.
struct StationRecord: LiaisonRecord {
    static let databaseTableName = "stations"

    var id: String
    var countyCode: String
    var name: String
    var address: String
    var phone: String
    var hours: String
    var modes: String
    var capacity: Int
    var status: StationStatus
    var staff: String
    var createdAt: Date
    var updatedAt: Date
    var geom: SpatiaLitePoint

    enum CodingKeys: String, CodingKey, ColumnExpression, CaseIterable {
        case id, countyCode = "county_code", name, address, phone, hours, modes, capacity, status, staff
        case createdAt = "created_at", updatedAt = "updated_at", geom
    }
    typealias Columns = CodingKeys

    init(_ station: Station, at: Date) throws {
        let texts = try StoredStationTexts(station)
        id = station.id; countyCode = station.countyCode; name = station.name; address = texts.address
        phone = station.phone; hours = texts.hours; modes = texts.modes
        capacity = station.capacity; status = station.status; staff = texts.staff
        createdAt = at; updatedAt = at; geom = SpatiaLitePoint(coordinate: station.location)
    }

    func station() throws -> Station {
        try StoredStationTexts(address: address, hours: hours, modes: modes, staff: staff)
            .station(id: id, name: name, countyCode: countyCode, phone: phone, capacity: capacity, status: status, location: geom.coordinate)
    }

    static func stations(_ db: Database) throws -> [Station] {
        try order(Columns.id).fetchAll(db).map { try $0.station() }
    }

    static func station(_ db: Database, id: String) throws -> Station? {
        try fetchOne(db, key: id)?.station()
    }

    /// Active stations whose point lies in a box reaching at least `meters` from `center` in
    /// every direction (through the spatial index): the candidates for an exact distance check.
    static func activeStations(around center: Coordinate, meters: Double, in db: Database) throws -> [Station] {
        // A degree of latitude is at least 110,574 m; a degree of longitude that times cos(latitude).
        let dLat = meters / 110_574
        let dLng = min(180, dLat / max(cos(center.latitude * .pi / 180), 1e-6))
        return try StationRecord.fetchAll(db, sql: """
            SELECT * FROM stations WHERE status = 'active' AND rowid IN (
                SELECT pkid FROM idx_stations_geom WHERE xmin <= ? AND xmax >= ? AND ymin <= ? AND ymax >= ?)
            ORDER BY id
            """, arguments: [center.longitude + dLng, center.longitude - dLng, center.latitude + dLat, center.latitude - dLat])
            .map { try $0.station() }
    }

    /// Inserts new stations and updates changed ones, recording each change in the history;
    /// leaves identical ones untouched.
    static func upsert(_ stations: [Station], actor: String, action: String, reason: String? = nil,
                       in db: Database) throws -> LiaisonDatabase.ImportCounts {
        var counts = LiaisonDatabase.ImportCounts()
        let now = Date()
        for station in stations {
            let existing = try fetchOne(db, key: station.id)
            let before = try existing?.station()
            if before == station { counts.unchanged += 1; continue }
            var record = try StationRecord(station, at: now)
            if let existing {
                record.createdAt = existing.createdAt
                try record.update(db)
                counts.updated += 1
            } else {
                try record.insert(db)
                counts.inserted += 1
            }
            try StationHistoryRecord.append(stationID: station.id, actor: actor, action: action, reason: reason,
                                            before: before, after: station, at: now, in: db)
        }
        return counts
    }

}
