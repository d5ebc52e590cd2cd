import Foundation
import GRDB
import Geodesy
import LiaisonCore

/// What staff do: act on complaints their token covers, and list them.
extension ComplaintDesk {
    /// Applies a staff action (see ``StaffCommand``) after checking the token covers the complaint.
    ///
    /// - Throws: ``NotFound``, ``Forbidden``, ``IllegalTransition``, ``InvalidInput`` (a bad
    ///   slot or target station), ``Unfulfillable``.
    @discardableResult
    public func act(on number: String, _ command: StaffCommand, by staff: StaffToken) throws -> (Complaint, [ComplaintEvent]) {
        return try database.writing { db in
            let snapshot = try current(in: db)
            guard var complaint = try ComplaintRecord.complaint(db, number: number) else { throw NotFound(what: "complaint", id: number) }
            if command.action == .claim {
                try authorizeClaim(staff, of: complaint)
            } else {
                try authorize(staff, for: complaint, snapshot: snapshot)
            }
            let at = now()
            var events: [ComplaintEvent] = []
            let note = command.note
            let station = complaint.stationID.flatMap { snapshot.station(id: $0) }
            if let station, station.status == .retired, Self.stationActions.contains(command.action) {
                throw StationRegistry.StateConflict(description: "station \(station.id) is retired and cannot \(command.action.rawValue) complaint \(number): reassign it to an active station")
            }
            switch command.action {
            case .accept:
                try workflow.transition(&complaint, .accept, party: .staff, actor: staff.name, note: note, stationID: nil, at: at, events: &events)
                if let station { workflow.propose(&complaint, station: station, at: at) }
            case .refuse:
                let refusing = complaint.stationID
                try workflow.transition(&complaint, .refuse, party: .staff, actor: staff.name, note: note, stationID: refusing, at: at, events: &events)
                complaint.stationID = nil
                complaint.distanceMeters = nil
                let refused = try refusers(of: number, in: db).union(refusing.map { [$0] } ?? [])
                try redispatch(&complaint, excluding: refused, snapshot: snapshot, at: at, events: &events, in: db)
            case .reassign:
                guard ComplaintView.allowedActions(complaint, party: .staff).contains(.reassign) else {
                    throw IllegalTransition(number: number, status: complaint.status, action: .reassign, allowed: ComplaintView.allowedActions(complaint, party: .staff))
                }
                // Taken from the enterprise by staff: the station clocks start now.
                let fromEnterprise = complaint.status == .with_enterprise
                if fromEnterprise { workflow.endDirectTrain(&complaint, .recalled, at: at) }
                if let targetID = command.stationID {
                    let target = try reassignmentTarget(targetID, for: complaint, snapshot: snapshot, in: db)
                    guard Jurisdiction.mayReassign(staff.role, into: target.countyCode) else {
                        throw Forbidden(description: "token \(staff.name) (\(staff.role)) may not reassign complaint \(number) to \(target.id) in county \(target.countyCode): "
                                        + "only within its own county; an admin may reassign across counties")
                    }
                    let distance = Geodesic.wgs84.inverse(from: complaint.intake.location, to: target.location).distanceMeters
                    try workflow.assign(&complaint, to: target, distanceMeters: distance, mode: complaint.mode,
                               reason: "reassigned by \(staff.name): \(note ?? "")", action: .reassign, actor: staff.name, note: note, at: at, events: &events)
                } else {
                    let county = snapshot.counties.county(code: complaint.countyCode)
                    guard let county, let assignment = try settings.policy.assign(
                        point: complaint.intake.location, county: county, preferred: complaint.intake.preferredMode, in: snapshot,
                        excluding: try refusers(of: number, in: db), movingFrom: complaint.stationID, openComplaints: ComplaintRecord.openCounter(db)) else {
                        throw Unfulfillable(description: "no other station with free capacity qualifies for complaint \(number); name one with station_id")
                    }
                    try workflow.assign(&complaint, to: assignment.station, distanceMeters: assignment.distanceMeters, mode: assignment.mode,
                               reason: assignment.reason, action: .reassign, actor: staff.name, note: note, at: at, events: &events)
                }
                if fromEnterprise { workflow.startStationClocks(&complaint, at: at, events: &events) }
            case .claim:
                try claim(&complaint, by: staff, note: note, snapshot: snapshot, at: at, events: &events, in: db)
            case .schedule:
                try workflow.transition(&complaint, .schedule, party: .staff, actor: staff.name, note: note, stationID: nil, at: at, events: &events)
                guard let station, let startsAt = command.startsAt else {
                    throw Unfulfillable(description: "complaint \(number) has no station to hold the session")
                }
                try MediationSchedule.check(startsAt, now: at, hours: station.hours, holidays: holidays)
                workflow.schedule(&complaint, startsAt: startsAt)
                events[events.count - 1].note = [note, "session at \(Timestamp.string(startsAt))"].compactMap { $0 }.joined(separator: "; ")
            case .decline:
                guard let reason = command.reason else {
                    throw InvalidInput(name: "reason", reason: "is required for decline (不予受理): one of \(DeclineReason.allowedNames)")
                }
                try workflow.decline(&complaint, reason: reason, actor: staff.name, note: note, at: at, events: &events)
            case .start_mediation, .resolve, .fail, .close:
                try workflow.transition(&complaint, command.action, party: .staff, actor: staff.name, note: note, stationID: nil, at: at, events: &events)
            case .mark_urgent:
                try markUrgent(&complaint, reason: note ?? "", actor: staff.name, snapshot: snapshot, at: at, events: &events, in: db)
            case .verify:
                guard let urgent = complaint.urgent, urgent.metAt == nil else {
                    throw Unfulfillable(description: "complaint \(number) is not urgent, or its urgent clock already stopped: nothing to verify")
                }
                try workflow.transition(&complaint, .verify, party: .staff, actor: staff.name, note: note, stationID: nil, at: at, events: &events)
            case .hand_off:
                try handOff(&complaint, courtID: command.courtID, actor: staff.name, note: note, at: at, events: &events)
            case .uphold, .reopen:
                try review(&complaint, command, actor: staff.name, snapshot: snapshot, at: at, events: &events, in: db)
            case .return_visit:
                guard var visit = complaint.returnVisit, visit.doneAt == nil else {
                    throw Unfulfillable(description: "complaint \(number) has no pending return visit")
                }
                let outcome = [command.reached == true ? "reached" : "not reached", command.satisfied.map { $0 ? "satisfied" : "not satisfied" }, note]
                try workflow.transition(&complaint, .return_visit, party: .staff, actor: staff.name, note: outcome.compactMap { $0 }.joined(separator: "; "),
                               stationID: nil, at: at, events: &events)
                visit.doneAt = at
                visit.reached = command.reached
                visit.satisfied = command.reached == true ? command.satisfied : nil
                complaint.returnVisit = visit
            case .submit, .assign, .overdue, .confirm_appointment, .withdraw, .feedback, .refer, .timeout, .recall, .lapse, .open_review, .deadline_update,
                 .settle, .accept_settlement, .reject_settlement:
                throw InvalidInput(name: "action", reason: "\(command.action.rawValue) is not a staff action: expected one of \(ComplaintAction.staffActionNames)")
            }
            try save(complaint, events: events, inserting: false, snapshot: snapshot, at: at, in: db)
            return (complaint, try ComplaintRecord.events(db, number: number))
        }
    }

    /// What only the station holding a complaint does; a retired station does none of it.
    static let stationActions: Set<ComplaintAction> = [.accept, .refuse, .schedule, .start_mediation, .resolve, .fail]

    /// A border county's staff take a complaint over: it moves to their county and to the
    /// station the policy picks there (never one that refused it); the county it leaves
    /// becomes one the location may be in, so its staff may claim it back.
    func claim(_ complaint: inout Complaint, by staff: StaffToken, note: String?, snapshot: StationSnapshot, at: Date,
                       events: inout [ComplaintEvent], in db: any SQLSession) throws {
        guard ComplaintLifecycle.next(from: complaint.status, on: .claim) != nil else {
            throw IllegalTransition(number: complaint.number, status: complaint.status, action: .claim,
                                    allowed: ComplaintView.allowedActions(complaint, party: .staff))
        }
        guard case .county(let code) = staff.role, let county = snapshot.counties.county(code: code) else {
            throw Forbidden(description: "only the staff of a county the complaint's location may be in can claim it")
        }
        let from = complaint.countyCode
        var excluded = try refusers(of: complaint.number, in: db)
        if let current = complaint.stationID { excluded.insert(current) }
        guard let assignment = try settings.policy.assign(
            point: complaint.intake.location, county: county, preferred: complaint.intake.preferredMode, in: snapshot,
            excluding: excluded, openComplaints: ComplaintRecord.openCounter(db)) else {
            throw Unfulfillable(description: "no station with free capacity can take complaint \(complaint.number) for \(county.name)")
        }
        complaint.countyCode = county.adcode
        complaint.borderCounties = snapshot.counties.borderCheck(complaint.intake.location, placedIn: county).candidates.map(BorderCounty.init)
        let why = "claimed by \(county.name) from \(snapshot.counties.county(code: from)?.name ?? from)"
        try workflow.assign(&complaint, to: assignment.station, distanceMeters: assignment.distanceMeters, mode: assignment.mode,
                   reason: why + "; " + assignment.reason, action: .claim, actor: staff.name,
                   note: [why, note].compactMap { $0 }.joined(separator: ": "), at: at, events: &events)
    }

    func authorizeClaim(_ staff: StaffToken, of complaint: Complaint) throws {
        guard case .county(let code) = staff.role, complaint.borderCounties.contains(where: { $0.county_code == code }) else {
            let counties = complaint.borderCounties.map(\.county_code)
            throw Forbidden(description: "token \(staff.name) (\(staff.role)) may not claim complaint \(complaint.number): "
                + (counties.isEmpty ? "its location is not near a county border" : "only the staff of \(counties.joined(separator: ", ")) may"))
        }
    }

    /// After a refusal: the next station the policy picks, or waiting for staff.
    func redispatch(_ complaint: inout Complaint, excluding refusers: Set<String>, snapshot: StationSnapshot, at: Date,
                            events: inout [ComplaintEvent], in db: any SQLSession) throws {
        guard let county = snapshot.counties.county(code: complaint.countyCode) else { return }
        try dispatch(&complaint, county: county, excluding: refusers, snapshot: snapshot, at: at, events: &events, in: db)
    }

    /// The stations that refused a complaint: it never goes back to them.
    func refusers(of number: String, in db: any SQLSession) throws -> Set<String> {
        try Set(String.fetchAll(db, sql: "SELECT station_id FROM complaint_events WHERE number = ? AND action = 'refuse' AND station_id IS NOT NULL",
                                arguments: [number]))
    }


    func reassignmentTarget(_ id: String, for complaint: Complaint, snapshot: StationSnapshot, in db: any SQLSession) throws -> Station {
        guard let target = snapshot.station(id: id), target.status == .active else {
            throw InvalidInput(name: "station_id", reason: "no active station \(id)")
        }
        guard target.id != complaint.stationID else {
            throw InvalidInput(name: "station_id", reason: "\(id) already holds complaint \(complaint.number)")
        }
        guard try !refusers(of: complaint.number, in: db).contains(target.id) else {
            throw InvalidInput(name: "station_id", reason: "\(id) refused complaint \(complaint.number) before: a complaint never goes back to a station that refused it")
        }
        guard target.modes.contains(complaint.mode) else {
            throw InvalidInput(name: "station_id", reason: "\(id) does not offer \(complaint.mode.rawValue) mediation")
        }
        let open = try ComplaintRecord.openCount(db, stationID: id)
        guard open < target.capacity else {
            throw Unfulfillable(description: "station \(id) is full: \(open) open complaints, capacity \(target.capacity)")
        }
        return target
    }

    func authorize(_ staff: StaffToken, for complaint: Complaint, snapshot: StationSnapshot) throws {
        guard Jurisdiction.covers(staff.role, complaint) else {
            throw Forbidden(description: "token \(staff.name) (\(staff.role)) may not act on complaint \(complaint.number): it belongs to county \(Jurisdiction.county(of: complaint))")
        }
    }

    /// A complaint for staff: 403 outside the token's county (the staff of a county the
    /// location may be in see it too, to decide whether to claim it).
    public func complaint(_ number: String, for staff: StaffToken) throws -> (Complaint, [ComplaintEvent]) {
        let snapshot = finder.snapshot
        let found = try database.reading { db in
            try ComplaintRecord.complaint(db, number: number).map { ($0, try ComplaintRecord.events(db, number: number)) }
        }
        guard let found else { throw NotFound(what: "complaint", id: number) }
        if Jurisdiction.mayClaim(staff.role, found.0) { return found }
        try authorize(staff, for: found.0, snapshot: snapshot)
        return found
    }

    /// Does this staff token see the consumer's phone? Only the assigned station's county staff do.
    public func seesPhone(_ staff: StaffToken, of complaint: Complaint) -> Bool {
        guard case .county = staff.role, complaint.stationID != nil else { return false }
        return Jurisdiction.covers(staff.role, complaint)
    }

    /// A station's complaints, newest number last, optionally of one status.
    public func complaints(stationID: String, status: ComplaintStatus?, by staff: StaffToken, limit: Int = 500) throws -> [Complaint] {
        guard let station = finder.snapshot.station(id: stationID) else { throw NotFound(what: "station", id: stationID) }
        guard staff.role.permits(countyCode: station.countyCode) else {
            throw Forbidden(description: "token \(staff.name) (\(staff.role)) may not see the complaints of station \(stationID) in county \(station.countyCode)")
        }
        return try database.reading { db in
            try ComplaintRecord.complaints(db, sql: "WHERE station_id = ?" + (status == nil ? "" : " AND status = ?"),
                                         arguments: StatementArguments([stationID] + (status.map { [$0.rawValue] } ?? [])), limit: limit, urgentFirst: true)
        }
    }

    /// Complaints for operators (the CLI): by county and status.
    public func complaints(countyCode: String?, status: ComplaintStatus?, urgentOnly: Bool = false, limit: Int = 500) throws -> [Complaint] {
        var clauses: [String] = []
        var args: [String] = []
        if let countyCode { clauses.append("holding_county = ?"); args.append(countyCode) }
        if let status { clauses.append("status = ?"); args.append(status.rawValue) }
        if urgentOnly { clauses.append("urgent_reason IS NOT NULL") }
        let sql = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
        let arguments = args
        return try database.reading { db in
            try ComplaintRecord.complaints(db, sql: sql, arguments: StatementArguments(arguments), limit: limit, urgentFirst: true)
        }
    }

    /// A county (the one `?`) is in the complaint's list of counties its location may be in
    /// (JSON objects with `county_code`): staff there may see it, to claim it.
    static func mayBeIn(_ dialect: SQLDialect) -> String {
        switch dialect {
        case .sqlite: "EXISTS (SELECT 1 FROM json_each(border_counties) WHERE json_extract(value, '$.county_code') = ?)"
        case .postgres: "EXISTS (SELECT 1 FROM jsonb_array_elements(border_counties::jsonb) AS b WHERE b ->> 'county_code' = ?)"
        }
    }

    /// Open complaints whose location is near a border of `countyCode` (held by it, or
    /// claimable by it), or near any border when nil; in number order.
    public func nearBorderComplaints(countyCode: String?, status: ComplaintStatus?, limit: Int = 500) throws -> [Complaint] {
        try database.reading { db in
            var sql = "WHERE border_counties IS NOT NULL AND status NOT IN ('closed', 'withdrawn')"
            var args: [String] = []
            if let countyCode {
                sql += " AND (holding_county = ? OR \(Self.mayBeIn(db.dialect)))"
                args += [countyCode, countyCode]
            }
            if let status { sql += " AND status = ?"; args.append(status.rawValue) }
            return try ComplaintRecord.complaints(db, sql: sql, arguments: StatementArguments(args), limit: limit)
        }
    }
}
