import Foundation
import GRDB
import LiaisonCore

/// The append-only `station_history` table.
enum StationHistoryRecord {
    static func append(stationID: String, actor: String, action: String, reason: String?, before: Station?, after: Station,
                       at: String, in db: Database) throws {
        try db.execute(sql: """
            INSERT INTO station_history (station_id, at, actor, action, reason, before, after) VALUES (?, ?, ?, ?, ?, ?, ?)
            """, arguments: [stationID, at, actor, action, reason, try before.map { try StationRecord.text(StationFeature($0)) },
                             try StationRecord.text(StationFeature(after))])
    }

    static func entries(stationID: String, in db: Database) throws -> [StationHistoryEntry] {
        let decoder = JSONDecoder()
        return try Row.fetchAll(db, sql: "SELECT * FROM station_history WHERE station_id = ? ORDER BY seq", arguments: [stationID]).map { row in
            StationHistoryEntry(
                seq: row["seq"], station_id: row["station_id"], at: row["at"], actor: row["actor"], action: row["action"], reason: row["reason"],
                before: try (row["before"] as String?).map { try decoder.decode(StationFeature.self, from: Data($0.utf8)) },
                after: try decoder.decode(StationFeature.self, from: Data((row["after"] as String).utf8)))
        }
    }
}
