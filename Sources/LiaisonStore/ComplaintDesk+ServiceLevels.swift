import Foundation
import GRDB
import LiaisonCore

/// What runs on the clock: overdue deadlines, and complaints waiting for a station.
extension ComplaintDesk {
    /// Appends an `overdue` event (actor `system`) for every deadline that has passed with its
    /// clock still running, once per deadline; returns how many complaints got one.
    @discardableResult
    public func markOverdue(at now: Date? = nil) throws -> Int {
        let at = now ?? self.now()
        return try database.writeImmediate { db in
            let snapshot = try current(in: db)
            let stamp = Timestamp.string(at)
            let candidates = try ComplaintRecord.complaints(db, sql: Self.deadlinePassed, arguments: Self.deadlineArguments(stamp), limit: 100_000)
            var marked = 0
            for var complaint in candidates {
                let late = complaint.overdue(at: at).subtracting(complaint.overdueReported)
                guard !late.isEmpty else { continue }
                complaint.overdueReported.formUnion(late)
                let passed = ServiceDeadline.allCases.filter(late.contains).map {
                    "\($0.name) deadline \(Timestamp.string(complaint.deadline($0) ?? at))"
                }
                let event = ComplaintEvent(at: at, actor: "system", action: .overdue, from: complaint.status, to: complaint.status,
                                           stationID: complaint.stationID, note: "overdue: " + passed.joined(separator: ", ") + " passed")
                try save(complaint, events: [event], inserting: false, snapshot: snapshot, at: at, in: db)
                marked += 1
            }
            return marked
        }
    }

    /// Complaints with at least one deadline at or before the bound (given six times): open ones,
    /// and finished ones with an open review. Those already reported overdue on every deadline
    /// they have passed are filtered in Swift (``Complaint/overdue(at:)``).
    static let deadlinePassed = """
        WHERE (status NOT IN ('closed', 'withdrawn')
               AND (dispatch_by <= ? OR respond_by <= ? OR acceptance_by <= ? OR mediation_by <= ? OR urgent_by <= ?))
           OR (review_trigger IS NOT NULL AND review_finding IS NULL AND review_by <= ?)
        """

    static func deadlineArguments(_ stamp: String) -> StatementArguments {
        StatementArguments(Array(repeating: stamp, count: 6))
    }

    /// Complaints with a deadline passed and its clock still running, in number order.
    public func overdueComplaints(countyCode: String?, at now: Date? = nil, limit: Int = 500) throws -> [Complaint] {
        let at = now ?? self.now()
        let stamp = Timestamp.string(at)
        var sql = "WHERE (" + Self.deadlinePassed.dropFirst(6) + ")"
        var args: [String] = Array(repeating: stamp, count: 6)
        if let countyCode { sql += " AND county_code = ?"; args.append(countyCode) }
        let query = sql, arguments = args
        let all = try database.read { db in try ComplaintRecord.complaints(db, sql: query, arguments: StatementArguments(arguments), limit: 100_000) }
        return Array(all.filter { !$0.overdue(at: at).isEmpty }.prefix(limit))
    }

    /// Assigns the complaints waiting for a station (none had free capacity, or every candidate
    /// refused) to the station the policy picks now, if any; returns how many were assigned.
    @discardableResult
    public func dispatchWaiting(at now: Date? = nil) throws -> Int {
        let at = now ?? self.now()
        return try database.writeImmediate { db in
            let snapshot = try current(in: db)
            let waiting = try ComplaintRecord.complaints(db, sql: "WHERE status IN ('submitted', 'refused') AND station_id IS NULL",
                                                       arguments: [], limit: 10_000, urgentFirst: true)
            var assigned = 0
            for var complaint in waiting {
                var events: [ComplaintEvent] = []
                try redispatch(&complaint, excluding: try refusers(of: complaint.number, in: db), snapshot: snapshot, at: at, events: &events, in: db)
                guard !events.isEmpty else { continue }
                try save(complaint, events: events, inserting: false, snapshot: snapshot, at: at, in: db)
                assigned += 1
            }
            return assigned
        }
    }

    public func acquireLease(_ name: String, holder: String, now: Date, until: Date) throws -> Bool {
        try database.acquireLease(name, holder: holder, now: now, until: until)
    }

    public func releaseLease(_ name: String, holder: String) throws {
        try database.releaseLease(name, holder: holder)
    }

    public func renewRatingsIfDue(now: Date) throws -> StationRatings.Summary? {
        try StationRatings(database: database, finder: finder, formula: settings.serviceClock.rules.ratings).computeIfDue(now: now)
    }
}
