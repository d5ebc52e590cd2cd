import Foundation
import GRDB
import Geodesy
import LiaisonCore

/// The tracks beside plain station mediation: the direct train (an enrolled enterprise settles
/// first), urgent complaints, reviews of dissatisfied outcomes, return visits and the hand-off
/// to court mediation. Each change is one IMMEDIATE transaction, like the rest of the desk.
extension ComplaintDesk {
    // MARK: - Direct train

    /// At intake: the complaint goes to the enterprise first (`refer`); the station clocks
    /// start when it leaves the enterprise. Returns false, and refers nothing, when the
    /// enterprise's window cannot be computed (the working-day calendar does not reach its end):
    /// the complaint then goes to a station as if the merchant were not enrolled.
    func refer(_ complaint: inout Complaint, to enterprise: Enterprise, at: Date, events: inout [ComplaintEvent]) throws -> Bool {
        let clock = self.clock
        let window = enterprise.settleDays.map(ServicePeriod.workingDays) ?? clock.rules.enterpriseSettlement
        let settleBy: Date
        do { settleBy = try clock.deadline(window, from: at) } catch {
            events[events.count - 1].note = ([events[events.count - 1].note].compactMap { $0 }
                + ["not sent to \(enterprise.name) in the direct train: its window (\(window)) cannot be computed: \(error)"]).joined(separator: "; ")
            return false
        }
        try workflow.transition(&complaint, .refer, party: .system, actor: "system",
                       note: "direct train: \(enterprise.name) (\(enterprise.creditCode)) settles first, within \(window), by \(Timestamp.string(settleBy))",
                       stationID: nil, at: at, events: &events)
        complaint.directTrain = Complaint.DirectTrain(enterpriseCode: enterprise.creditCode, enterpriseName: enterprise.name, settleBy: settleBy)
        complaint.assignmentReason = "with \(enterprise.name) in the direct train until \(Timestamp.string(settleBy))"
        return true
    }

    /// Leaves the enterprise (declined, timed out, rejected, recalled): the station clocks start
    /// now and the policy picks a station, with the whole history kept.
    func leaveEnterprise(_ complaint: inout Complaint, _ outcome: Complaint.DirectTrain.Outcome, snapshot: StationSnapshot, at: Date,
                         events: inout [ComplaintEvent], in db: any SQLSession) throws {
        workflow.endDirectTrain(&complaint, outcome, at: at)
        workflow.startStationClocks(&complaint, at: at, events: &events)
        complaint.assignmentReason = nil
        try redispatch(&complaint, excluding: try refusers(of: complaint.number, in: db), snapshot: snapshot, at: at, events: &events, in: db)
    }

    /// An enterprise answers a complaint sent to it: a settlement (the consumer then accepts or
    /// rejects it) or a refusal (the complaint goes on to a station).
    ///
    /// - Throws: ``NotFound`` for a complaint that was never sent to this enterprise (the same
    ///   as an unknown number), ``IllegalTransition``, ``Unfulfillable`` after the window.
    @discardableResult
    public func act(on number: String, _ command: EnterpriseCommand, enterprise code: String, actor: String) throws -> (Complaint, [ComplaintEvent]) {
        try database.writing { db in
            let snapshot = try current(in: db)
            guard var complaint = try ComplaintRecord.complaint(db, number: number), let train = complaint.directTrain, train.enterpriseCode == code else {
                throw NotFound(what: "complaint", id: number)
            }
            let at = now()
            if complaint.status == .with_enterprise, at >= train.settleBy {
                throw Unfulfillable(description: "the settlement window of complaint \(number) ended at \(Timestamp.string(train.settleBy)): it goes to a station")
            }
            var events: [ComplaintEvent] = []
            switch command {
            case .settle(let agreement):
                try workflow.transition(&complaint, .settle, party: .enterprise, actor: actor, note: agreement, stationID: nil, at: at, events: &events)
                complaint.directTrain?.settlement = agreement
                complaint.directTrain?.offeredAt = at
                do {
                    complaint.directTrain?.replyBy = try clock.deadline(clock.rules.settlementReply, from: at)
                } catch {
                    // No reply window: the settlement waits for the consumer's answer and never lapses.
                    events[events.count - 1].note = agreement + "; reply window not set: \(error)"
                }
            case .decline(let reason):
                try workflow.transition(&complaint, .decline, party: .enterprise, actor: actor, note: reason, stationID: nil, at: at, events: &events)
                try leaveEnterprise(&complaint, .declined, snapshot: snapshot, at: at, events: &events, in: db)
            }
            try save(complaint, events: events, inserting: false, snapshot: snapshot, at: at, in: db)
            return (complaint, try ComplaintRecord.events(db, number: number))
        }
    }

    /// The complaints sent to an enterprise, newest first: those waiting for it
    /// (`with_enterprise`), waiting for the consumer (`settlement_offered`), or all (nil).
    public func enterpriseComplaints(code: String, status: ComplaintStatus?, after: String?, limit: Int) throws -> [Complaint] {
        var sql = "WHERE enterprise_code = ?"
        var args = [code]
        if let status { sql += " AND status = ?"; args.append(status.rawValue) }
        if let after { sql += " AND number < ?"; args.append(after) }
        let query = sql, arguments = args
        return try database.reading { db in
            try ComplaintRecord.fetchAll(db, sql: "SELECT \(ComplaintRecord.columns) FROM complaints INDEXED BY complaints_by_enterprise \(query) ORDER BY number DESC LIMIT \(limit)",
                             arguments: StatementArguments(arguments)).map { try $0.complaint() }
        }
    }

    /// One complaint sent to the enterprise; nil for any other (unknown or not its own).
    public func enterpriseComplaint(_ number: String, code: String) throws -> (Complaint, [ComplaintEvent])? {
        guard ComplaintNumber.isWellFormed(number) else { return nil }
        return try database.reading { db in
            guard let complaint = try ComplaintRecord.complaint(db, number: number), complaint.directTrain?.enterpriseCode == code else { return nil }
            return (complaint, try ComplaintRecord.events(db, number: number))
        }
    }

    /// The timed work of the direct train at `now`: complaints whose enterprise window passed
    /// go on to a station (`timeout`); settlements the consumer left unanswered past the reply
    /// window stand (`lapse`). At most `limit` of each per call.
    @discardableResult
    public func sweepDirectTrain(at now: Date? = nil, limit: Int = 1000) throws -> (timedOut: Int, lapsed: Int) {
        let at = now ?? self.now()
        let stamp = Timestamp.string(at)
        return try database.writing { db in
            let snapshot = try current(in: db)
            var timedOut = 0, lapsed = 0
            for var complaint in try ComplaintRecord.complaints(db, sql: "WHERE status = 'with_enterprise' AND settle_by <= ?", arguments: [stamp], limit: limit) {
                var events: [ComplaintEvent] = []
                try workflow.transition(&complaint, .timeout, party: .system, actor: "system",
                               note: "\(complaint.directTrain?.enterpriseName ?? "the enterprise") did not answer by \(complaint.directTrain.map { Timestamp.string($0.settleBy) } ?? "")",
                               stationID: nil, at: at, events: &events)
                try leaveEnterprise(&complaint, .timed_out, snapshot: snapshot, at: at, events: &events, in: db)
                try save(complaint, events: events, inserting: false, snapshot: snapshot, at: at, in: db)
                timedOut += 1
            }
            for var complaint in try ComplaintRecord.complaints(db, sql: "WHERE status = 'settlement_offered' AND reply_by <= ?", arguments: [stamp], limit: limit) {
                var events: [ComplaintEvent] = []
                try workflow.transition(&complaint, .lapse, party: .system, actor: "system",
                               note: "no answer from the consumer by \(complaint.directTrain?.replyBy.map(Timestamp.string) ?? ""): the settlement stands",
                               stationID: nil, at: at, events: &events)
                workflow.endDirectTrain(&complaint, .settled, at: at)
                try save(complaint, events: events, inserting: false, snapshot: snapshot, at: at, in: db)
                lapsed += 1
            }
            return (timedOut, lapsed)
        }
    }

    // MARK: - Urgent

    func markUrgent(_ complaint: inout Complaint, reason: String, actor: String, snapshot: StationSnapshot, at: Date,
                    events: inout [ComplaintEvent], in db: any SQLSession) throws {
        guard complaint.urgent == nil else {
            throw Unfulfillable(description: "complaint \(complaint.number) is already urgent (\(complaint.urgent!.reason))")
        }
        let dueBy = try clock.deadline(clock.rules.urgent, from: at)
        complaint.urgent = Complaint.Urgent(reason: reason, markedAt: at, dueBy: dueBy)
        try workflow.transition(&complaint, .mark_urgent, party: .staff, actor: actor, note: reason, stationID: nil, at: at, events: &events)
        // Urgent complaints do not wait for an enterprise.
        if complaint.status == .with_enterprise {
            try workflow.transition(&complaint, .recall, party: .system, actor: "system", note: "urgent: taken back from \(complaint.directTrain?.enterpriseName ?? "the enterprise")",
                           stationID: nil, at: at, events: &events)
            try leaveEnterprise(&complaint, .recalled, snapshot: snapshot, at: at, events: &events, in: db)
        }
    }

    // MARK: - Court hand-off

    func handOff(_ complaint: inout Complaint, courtID: String?, actor: String, note: String?, at: Date, events: inout [ComplaintEvent]) throws {
        guard ComplaintLifecycle.next(from: complaint.status, on: .hand_off) != nil else {
            throw IllegalTransition(number: complaint.number, status: complaint.status, action: .hand_off,
                                    allowed: ComplaintView.allowedActions(complaint, party: .staff))
        }
        guard complaint.courtHandoff == nil else {
            throw Unfulfillable(description: "complaint \(complaint.number) was already handed to court \(complaint.courtHandoff!.courtID)")
        }
        guard complaint.status == .failed || complaint.milestones.outcome == .failed else {
            throw Unfulfillable(description: "complaint \(complaint.number) did not fail mediation: only a failed mediation is handed to a court")
        }
        let court: Court
        if let courtID {
            guard let found = settings.courts.court(id: courtID) else {
                throw InvalidInput(name: "court_id", reason: "no court \(courtID): expected an id of geodata/courts.json, e.g. \(complaint.countyCode)-C01")
            }
            court = found
        } else {
            guard let found = settings.courts.court(forCounty: complaint.countyCode) else {
                throw Unfulfillable(description: "no court is registered for county \(complaint.countyCode): name one with court_id")
            }
            court = found
        }
        complaint.courtHandoff = Complaint.CourtHandoff(courtID: court.id, at: at)
        try workflow.transition(&complaint, .hand_off, party: .staff, actor: actor,
                       note: ["handed to \(court.name) (\(court.id))", note].compactMap { $0 }.joined(separator: ": "), stationID: nil, at: at, events: &events)
    }

    // MARK: - Reviews

    func openReview(_ complaint: inout Complaint, _ trigger: Complaint.Review.Trigger, at: Date, events: inout [ComplaintEvent]) throws {
        var due: String
        let dueBy: Date?
        do {
            dueBy = try clock.deadline(clock.rules.review, from: at)
            due = "due \(Timestamp.string(dueBy!))"
        } catch {
            dueBy = nil
            due = "review deadline not set: \(error)"
        }
        complaint.review = Complaint.Review(trigger: trigger, openedAt: at, dueBy: dueBy)
        complaint.overdueReported.remove(.review)
        let why = trigger == .dissatisfied ? "the consumer is dissatisfied with the outcome" : "the consumer rejected the enterprise's settlement"
        try workflow.transition(&complaint, .open_review, party: .system, actor: "system", note: "review by the county: \(why); \(due)",
                       stationID: nil, at: at, events: &events)
    }

    /// A review's finding: `uphold` (the outcome stands) or `reopen` (mediation again, with the
    /// station named, else the last one when it can take it, else the one the policy picks).
    func review(_ complaint: inout Complaint, _ command: StaffCommand, actor: String, snapshot: StationSnapshot, at: Date,
                events: inout [ComplaintEvent], in db: any SQLSession) throws {
        guard let review = complaint.review, review.isOpen else {
            throw Unfulfillable(description: "complaint \(complaint.number) has no open review")
        }
        if command.action == .uphold {
            try workflow.transition(&complaint, .uphold, party: .staff, actor: actor, note: command.note, stationID: nil, at: at, events: &events)
            complaint.review?.finding = .upheld
            complaint.review?.foundAt = at
            return
        }
        guard ComplaintLifecycle.next(from: complaint.status, on: .reopen) != nil else {
            throw IllegalTransition(number: complaint.number, status: complaint.status, action: .reopen,
                                    allowed: ComplaintView.allowedActions(complaint, party: .staff))
        }
        let station: Station
        var distance: Double
        if let id = command.stationID {
            guard let target = snapshot.station(id: id), target.status == .active else { throw InvalidInput(name: "station_id", reason: "no active station \(id)") }
            guard target.modes.contains(complaint.mode) else {
                throw InvalidInput(name: "station_id", reason: "\(id) does not offer \(complaint.mode.rawValue) mediation")
            }
            let open = try ComplaintRecord.openCount(db, stationID: id)
            guard open < target.capacity else { throw Unfulfillable(description: "station \(id) is full: \(open) open complaints, capacity \(target.capacity)") }
            station = target
            distance = Geodesic.wgs84.inverse(from: complaint.intake.location, to: target.location).distanceMeters
        } else if let last = complaint.stationID.flatMap({ snapshot.station(id: $0) }), last.status == .active,
                  try ComplaintRecord.openCount(db, stationID: last.id) < last.capacity {
            station = last
            distance = complaint.distanceMeters ?? Geodesic.wgs84.inverse(from: complaint.intake.location, to: last.location).distanceMeters
        } else {
            guard let county = snapshot.counties.county(code: complaint.countyCode), let assignment = try settings.policy.assign(
                point: complaint.intake.location, county: county, preferred: complaint.intake.preferredMode, in: snapshot,
                excluding: try refusers(of: complaint.number, in: db), openComplaints: ComplaintRecord.openCounter(db)) else {
                throw Unfulfillable(description: "no station with free capacity can mediate complaint \(complaint.number) again; name one with station_id")
            }
            station = assignment.station
            distance = assignment.distanceMeters
        }
        try workflow.assign(&complaint, to: station, distanceMeters: distance, mode: complaint.mode, reason: "reopened by review: \(command.note ?? "")",
                   action: .reopen, actor: actor, note: command.note, at: at, events: &events)
        complaint.review?.finding = .reopened
        complaint.review?.foundAt = at
        // A new mediation: a new outcome will come (the acceptance record of the first one stays).
        complaint.milestones.outcome = nil
        complaint.milestones.outcomeAt = nil
        complaint.deadlines.mediationBy = nil
        complaint.deadlines.provisional.remove(.mediation)
        complaint.overdueReported.remove(.mediation)
    }

    /// Staff queues: open reviews (oldest deadline first) or pending return visits (oldest
    /// first) of a county, or of every county for nil.
    public func queue(_ kind: Queue, countyCode: String?, limit: Int, after: String?) throws -> [Complaint] {
        var sql: String
        switch kind {
        case .reviews: sql = "WHERE review_trigger IS NOT NULL AND review_finding IS NULL"
        case .returnVisits: sql = "WHERE visit_queued_at IS NOT NULL AND visit_done_at IS NULL"
        }
        var args: [String] = []
        if let countyCode { sql += " AND holding_county = ?"; args.append(countyCode) }
        if let after { sql += " AND number > ?"; args.append(after) }
        let query = sql, arguments = args
        return try database.reading { db in
            try ComplaintRecord.complaints(db, sql: query, arguments: StatementArguments(arguments), limit: limit)
        }
    }

    public enum Queue: String, Sendable, CaseIterable {
        case reviews
        case returnVisits = "return_visits"
    }
}

extension ComplaintDesk {
    /// The case file of a complaint for staff who may see it (or for an operator when `staff` is nil).
    public func caseFile(_ number: String, for staff: StaffToken?, at: Date = Date()) throws -> CaseFile {
        let (complaint, events): (Complaint, [ComplaintEvent])
        if let staff {
            (complaint, events) = try self.complaint(number, for: staff)
        } else {
            guard let found = try database.reading({ db in
                try ComplaintRecord.complaint(db, number: number).map { ($0, try ComplaintRecord.events(db, number: number)) }
            }) else { throw NotFound(what: "complaint", id: number) }
            (complaint, events) = found
        }
        return CaseFile(complaint, events: events, snapshot: finder.snapshot, courts: settings.courts, videoBaseURL: settings.videoBaseURL,
                        by: staff?.name ?? "operator", at: at)
    }
}
