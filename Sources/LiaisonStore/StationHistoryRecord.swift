import Foundation
import GRDB
import LiaisonCore

/// One row of the append-only `station_history` table: who changed a station when, with the
/// station before and after as GeoJSON features in ``JSONOutput``'s canonical form.
struct StationHistoryRecord: LiaisonRecord {
    static let databaseTableName = "station_history"

    var seq: Int64?
    var stationID: String
    var at: Date
    var actor: String
    var action: String
    var reason: String?
    var before: String?
    var after: String

    enum CodingKeys: String, CodingKey, ColumnExpression {
        case seq, stationID = "station_id", at, actor, action, reason, before, after
    }
    typealias Columns = CodingKeys

    static func append(stationID: String, actor: String, action: String, reason: String?, before: Station?, after: Station,
                       at: Date, in db: any SQLSession) throws {
        try db.insert(StationHistoryRecord(stationID: stationID, at: at, actor: actor, action: action, reason: reason,
                                           before: try before.map { try JSONOutput.string(StationFeature($0)) },
                                           after: try JSONOutput.string(StationFeature(after))), omitting: [Columns.seq.rawValue])
    }

    static func entries(stationID: String, in db: any SQLSession) throws -> [StationHistoryEntry] {
        let decoder = JSONDecoder()
        // Entries written before staff had ids show them numbered by position, as the station's own row reads.
        func feature(_ text: String) throws -> StationFeature {
            var feature = try decoder.decode(StationFeature.self, from: Data(text.utf8))
            feature.properties.staff = StaffMember.numbered(feature.properties.staff)
            return feature
        }
        return try StationHistoryRecord.fetchAll(db, sql: "SELECT * FROM station_history WHERE station_id = ? ORDER BY seq", arguments: [stationID]).map { record in
            StationHistoryEntry(
                seq: Int(record.seq ?? 0), station_id: record.stationID, at: Timestamp.string(record.at), actor: record.actor,
                action: record.action, reason: record.reason,
                before: try record.before.map(feature), after: try feature(record.after))
        }
    }
}
