import Foundation
import GRDB
import LiaisonCore

/// What runs on the clock: overdue deadlines, and complaints waiting for a station.
extension ComplaintDesk {
    /// Appends an `overdue` event (actor `system`) for every deadline that has passed with its
    /// clock still running, once per deadline; returns how many complaints got one. Works in
    /// batches of ``sweepBatch`` complaints, each its own transaction, so the write lock is let go
    /// between them (intake goes on during a large sweep); at most ``sweepBatches`` a call.
    @discardableResult
    public func markOverdue(at now: Date? = nil) throws -> Int {
        let at = now ?? self.now()
        let stamp = Timestamp.string(at)
        return try inBatches { db, after in
            let snapshot = try current(in: db)
            let candidates = try ComplaintRecord.complaints(db, sql: "WHERE (" + Self.deadlinePassed.dropFirst(6) + ") AND number > ?",
                                                            arguments: StatementArguments(Array(repeating: stamp, count: 6) + [after]), limit: Self.sweepBatch)
            var count = 0
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
                count += 1
            }
            return (candidates.count, candidates.last?.number, count)
        }
    }

    /// Complaints a clock-driven sweep takes per transaction, and transactions per call.
    static let sweepBatch = 200, sweepBatches = 500

    /// Runs `batch` in write transactions of its own, each given the last number the one before
    /// reached ("" at first), until one reads fewer than ``sweepBatch`` rows (or ``sweepBatches``
    /// have run), so the write lock is let go between them; returns the sum of what they did.
    func inBatches(_ batch: (any SQLSession, String) throws -> (rows: Int, last: String?, done: Int)) throws -> Int {
        var total = 0, after = ""
        for _ in 0..<Self.sweepBatches {
            let (rows, last, done) = try database.writing { db in try batch(db, after) }
            total += done
            after = last ?? after
            if rows < Self.sweepBatch { break }
        }
        return total
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

    /// The complaints still open (neither closed nor withdrawn), and how many of them the watch
    /// has reported overdue on at least one deadline, for `/metrics`: counted on the open set's
    /// own index (`complaints_open`), so a scrape costs the open complaints, not every one filed.
    public func openComplaintCounts() throws -> (open: Int, overdue: Int) {
        try database.reading { db in
            let row = try Row.fetchOne(db, sql: """
                SELECT count(*) AS open, coalesce(sum(CASE WHEN overdue <> 0 THEN 1 ELSE 0 END), 0) AS overdue
                FROM complaints INDEXED BY complaints_open WHERE status NOT IN ('closed', 'withdrawn')
                """)
            return (row?["open"] ?? 0, row?["overdue"] ?? 0)
        }
    }

    /// Complaints with a deadline passed and its clock still running, in number order.
    public func overdueComplaints(countyCode: String?, at now: Date? = nil, limit: Int = 500) throws -> [Complaint] {
        let at = now ?? self.now()
        let stamp = Timestamp.string(at)
        var sql = "WHERE (" + Self.deadlinePassed.dropFirst(6) + ")"
        var args: [String] = Array(repeating: stamp, count: 6)
        if let countyCode { sql += " AND holding_county = ?"; args.append(countyCode) }
        let query = sql, arguments = args
        let all = try database.reading { db in try ComplaintRecord.complaints(db, sql: query, arguments: StatementArguments(arguments), limit: 100_000) }
        return Array(all.filter { !$0.overdue(at: at).isEmpty }.prefix(limit))
    }

    /// Assigns the complaints waiting for a station (none had free capacity, or every candidate
    /// refused) to the station the policy picks now, if any; returns how many were assigned.
    /// Urgent ones first; in batches of ``sweepBatch``, each its own transaction.
    @discardableResult
    public func dispatchWaiting(at now: Date? = nil) throws -> Int {
        let at = now ?? self.now()
        return try [true, false].reduce(0) { assigned, urgent in
            try assigned + inBatches { db, after in
                let snapshot = try current(in: db)
                let waiting = try ComplaintRecord.complaints(
                    db, sql: "WHERE status IN ('submitted', 'refused') AND station_id IS NULL AND urgent_reason IS \(urgent ? "NOT NULL" : "NULL") AND number > ?",
                    arguments: [after], limit: Self.sweepBatch)
                var count = 0
                for var complaint in waiting {
                    var events: [ComplaintEvent] = []
                    try redispatch(&complaint, excluding: try refusers(of: complaint.number, in: db), snapshot: snapshot, at: at, events: &events, in: db)
                    guard !events.isEmpty else { continue }
                    try save(complaint, events: events, inserting: false, snapshot: snapshot, at: at, in: db)
                    count += 1
                }
                return (waiting.count, waiting.last?.number, count)
            }
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
