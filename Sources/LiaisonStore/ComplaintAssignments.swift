import Foundation
import GRDB
import LiaisonCore

/// Each time a complaint is handed to a station, a row of `complaint_assignments`: that
/// station's own response clock and what it did, so the KPIs hold every station that held a
/// complaint to account for its own part (a refusal is that station's response) rather than
/// crediting the last one with the first one's.
///
/// - An assignment starts with an `assign`, `reassign`, `claim` or `reopen` event that hands the
///   complaint to a station; its response deadline is ``ServiceLevelRules/firstResponse`` after
///   that (24 h as shipped), the same deadline the station's text quotes.
/// - Its response is the station's first `accept`, `refuse`, `schedule`, `start_mediation`,
///   `resolve`, `fail` or `decline` (不予受理) while it holds the complaint.
/// - It ends with the next assignment, or when the complaint leaves the stations (refused with
///   no other station, withdrawn, declined, closed). An assignment that ended unanswered before
///   its deadline is not held against the station.
///
/// Rows are written in the transaction that appends the events (``ComplaintDesk/save``);
/// migrations fill them for earlier complaints from the events with ``backfill(_:)``, which
/// applies the same rules in SQL.
public enum ComplaintAssignments {
    static let starts: [ComplaintAction] = [.assign, .reassign, .claim, .reopen]
    static let responses: [ComplaintAction] = [.accept, .refuse, .schedule, .start_mediation, .resolve, .fail, .decline]
    /// States in which no station holds the complaint any more.
    static let leaving: [ComplaintStatus] = [.refused, .withdrawn, .declined, .closed, .submitted, .with_enterprise]

    /// Records what `events` (just appended, in order) did to the complaint's assignments.
    static func record(_ events: [ComplaintEvent], number: String, responseDeadline: (Date) -> Date?, in db: any SQLSession) throws {
        for event in events {
            if starts.contains(event.action), event.to == .assigned, let station = event.stationID {
                try end(number: number, at: event.at, by: event.action, in: db)
                let ordinal = try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(ordinal), 0) + 1 FROM complaint_assignments WHERE number = ?", arguments: [number]) ?? 1
                try db.execute(sql: """
                    INSERT INTO complaint_assignments (number, ordinal, station_id, county_code, assigned_at, respond_by)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """, arguments: [number, ordinal, station, Jurisdiction.stationCounty(station), Timestamp.string(event.at),
                                     responseDeadline(event.at).map(Timestamp.string)])
                continue
            }
            if responses.contains(event.action), let station = event.stationID {
                try db.execute(sql: """
                    UPDATE complaint_assignments SET responded_at = ?, response = ?
                    WHERE number = ? AND station_id = ? AND ended_at IS NULL AND responded_at IS NULL
                    """, arguments: [Timestamp.string(event.at), event.action.rawValue, number, station])
            }
            if leaving.contains(event.to) {
                try end(number: number, at: event.at, by: event.action, in: db)
            }
        }
    }

    private static func end(number: String, at: Date, by action: ComplaintAction, in db: any SQLSession) throws {
        try db.execute(sql: "UPDATE complaint_assignments SET ended_at = ?, ended_by = ? WHERE number = ? AND ended_at IS NULL",
                       arguments: [Timestamp.string(at), action.rawValue, number])
    }

    /// One SQL statement that fills `complaint_assignments` from `complaint_events` by the rules
    /// above, for a database made before assignments were recorded. Response deadlines are 24 h
    /// after each assignment (the shipped rule: a migration has no service-level file).
    public static func backfill(_ dialect: SQLDialect) -> String {
        let list = { (items: [String]) in items.map { "'\($0)'" }.joined(separator: ", ") }
        let startActions = list(starts.map(\.rawValue)), responseActions = list(responses.map(\.rawValue))
        let leavingStates = list(leaving.map(\.rawValue))
        let (county, plus24h, last) = switch dialect {
        case .sqlite: ("substr(s.station_id, 1, instr(s.station_id, '-') - 1)", "strftime('%Y-%m-%dT%H:%M:%fZ', s.at, '+24 hours')", "9223372036854775807")
        case .postgres: ("split_part(s.station_id, '-', 1)",
                         "to_char((s.at::timestamptz + interval '24 hours') AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')",
                         "9223372036854775807")
        }
        return """
            INSERT INTO complaint_assignments (number, ordinal, station_id, county_code, assigned_at, respond_by,
                                               responded_at, response, ended_at, ended_by)
            SELECT s.number, s.n, s.station_id, \(county), s.at, \(plus24h),
                   (SELECT e.at FROM complaint_events e WHERE e.number = s.number AND e.seq > s.seq AND e.seq < s.until
                       AND e.station_id = s.station_id AND e.action IN (\(responseActions)) ORDER BY e.seq LIMIT 1),
                   (SELECT e.action FROM complaint_events e WHERE e.number = s.number AND e.seq > s.seq AND e.seq < s.until
                       AND e.station_id = s.station_id AND e.action IN (\(responseActions)) ORDER BY e.seq LIMIT 1),
                   (SELECT e.at FROM complaint_events e WHERE e.number = s.number AND e.seq > s.seq AND e.seq <= s.until
                       AND (e.seq = s.until OR e.to_status IN (\(leavingStates))) ORDER BY e.seq LIMIT 1),
                   (SELECT e.action FROM complaint_events e WHERE e.number = s.number AND e.seq > s.seq AND e.seq <= s.until
                       AND (e.seq = s.until OR e.to_status IN (\(leavingStates))) ORDER BY e.seq LIMIT 1)
            FROM (SELECT number, seq, at, station_id,
                         row_number() OVER (PARTITION BY number ORDER BY seq) AS n,
                         COALESCE(lead(seq) OVER (PARTITION BY number ORDER BY seq), \(last)) AS until
                  FROM complaint_events
                  WHERE action IN (\(startActions)) AND to_status = 'assigned' AND station_id IS NOT NULL) s
            """
    }
}
