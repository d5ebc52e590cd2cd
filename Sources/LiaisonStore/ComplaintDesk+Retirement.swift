import Foundation
import GRDB
import LiaisonCore

/// What retiring a station does to the complaints it holds: run by ``StationRegistry`` inside
/// the retirement's own transaction, so a station is never retired with complaints left on it.
public protocol RetirementHandOver: Sendable {
    /// Hands every open complaint of `station` (assigned, accepted or in mediation) to the
    /// station the assignment policy picks, each with a `reassign` event and its texts; returns
    /// their numbers.
    /// - Throws: ``RetirementConflict`` (nothing is written): a complaint in mediation or with
    ///   a confirmed session and `force` false, or a complaint no other station can take.
    func handOver(from station: Station, reason: String, force: Bool, actor: String, in db: any SQLSession) throws -> [String]
}

/// The station holds complaints its retirement would move against the parties' plans, or that
/// no other station can take: 409, listing them.
public struct RetirementConflict: DomainError {
    public let stationID: String
    /// Each complaint and why it stops the retirement.
    public let complaints: [(number: String, reason: String)]
    public var refusal: Refusal { .conflict(type: "station-holds-complaints", title: "The station holds complaints that cannot move") }
    public var description: String {
        "station \(stationID) holds complaints that its retirement cannot move: "
            + complaints.map { "\($0.number) (\($0.reason))" }.joined(separator: "; ")
    }
}

extension ComplaintDesk: RetirementHandOver {
    /// At most this many complaints are handed over in one retirement (a station's capacity
    /// is at most 1,000).
    static let handOverLimit = 1_000

    public func handOver(from station: Station, reason: String, force: Bool, actor: String, in db: any SQLSession) throws -> [String] {
        let held = try ComplaintRecord.complaints(db, sql: "WHERE station_id = ? AND status IN ('assigned', 'accepted', 'mediating')",
                                                  arguments: [station.id], limit: Self.handOverLimit)
        if !force {
            let planned = held.compactMap { c -> (String, String)? in
                if c.status == .mediating { return (c.number, "in mediation") }
                if c.appointment?.confirmed == true || c.video?.confirmed == true { return (c.number, "a confirmed session") }
                return nil
            }
            guard planned.isEmpty else {
                throw RetirementConflict(stationID: station.id, complaints: planned.map { ($0.0, $0.1 + ": retire with force to move it") })
            }
        }
        let snapshot = try current(in: db)
        let at = now()
        let note = "station \(station.id) retired: \(reason)"
        var unplaced: [(number: String, reason: String)] = []
        var moved: [String] = []
        for var complaint in held {
            // The policy walks active stations only: the retiring one is named only while the
            // register still shows it active.
            let movingFrom = snapshot.station(id: station.id)?.status == .active ? station.id : nil
            guard let county = snapshot.counties.county(code: complaint.countyCode), let assignment = try settings.policy.assign(
                point: complaint.intake.location, county: county, preferred: complaint.intake.preferredMode, in: snapshot,
                excluding: try refusers(of: complaint.number, in: db), movingFrom: movingFrom, openComplaints: ComplaintRecord.openCounter(db)) else {
                unplaced.append((complaint.number, "no other station offering \(complaint.mode.rawValue) mediation has free capacity: reassign it first"))
                continue
            }
            var events: [ComplaintEvent] = []
            try workflow.assign(&complaint, to: assignment.station, distanceMeters: assignment.distanceMeters, mode: assignment.mode,
                                reason: note + "; " + assignment.reason, action: .reassign, actor: actor, note: note, at: at, events: &events)
            try save(complaint, events: events, inserting: false, snapshot: snapshot, at: at, in: db)
            moved.append(complaint.number)
        }
        guard unplaced.isEmpty else { throw RetirementConflict(stationID: station.id, complaints: unplaced) }
        return moved
    }
}
