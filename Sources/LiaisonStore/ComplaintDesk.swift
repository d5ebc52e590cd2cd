import Crypto
import Foundation
import GRDB
import Synchronization
import Geodesy
import LiaisonCore

/// Complaint intake, dispatch and lifecycle: every change is one IMMEDIATE transaction that
/// writes the complaint, its events and its capacity claim together, and returns only after
/// the commit (WAL, `synchronous = FULL`), so whatever a caller was told survives a crash.
///
/// ```swift
/// let desk = ComplaintDesk(database: db, finder: finder)
/// let submitted = try desk.submit(body, idempotencyKey: "order-42")
/// ```
/// Calls block on SQLite: call them off the event loop.
public final class ComplaintDesk: Sendable {
    public struct Settings: Sendable {
        /// Deadlines: the service-level rules and the working-day calendar (from `geodata/`).
        public var serviceClock: ServiceClock
        public var policy: AssignmentPolicy
        /// Where video rooms live (for example a self-hosted Jitsi): links are `BASE/ROOM#role=...`.
        public var videoBaseURL: String
        /// Complaints one phone number may file (each one sends it texts).
        public var rateLimit: RateLimit
        /// The courts failed mediations are handed to (`geodata/courts.json`).
        public var courts: CourtRegister

        public static let defaultVideoBaseURL = "https://meet.liaison.zj"

        public init(serviceClock: ServiceClock, policy: AssignmentPolicy = AssignmentPolicy(), videoBaseURL: String = Settings.defaultVideoBaseURL,
                    rateLimit: RateLimit = RateLimit(), courts: CourtRegister = .empty) {
            self.serviceClock = serviceClock
            self.policy = policy
            self.videoBaseURL = videoBaseURL
            self.rateLimit = rateLimit
            self.courts = courts
        }
    }

    /// At most this many complaints per phone number per hour and per day, so the intake cannot
    /// be used to send texts to someone else's phone.
    public struct RateLimit: Sendable {
        public var perHour: Int
        public var perDay: Int

        public init(perHour: Int = 5, perDay: Int = 20) {
            self.perHour = perHour
            self.perDay = perDay
        }
    }

    /// The phone number filed too many complaints recently.
    public struct RateLimited: DomainError {
        public let retryAfterSeconds: Int
        public let description: String
        public var refusal: Refusal { .rateLimited(retryAfterSeconds: retryAfterSeconds) }
    }

    public let database: LiaisonDatabase
    public let finder: StationFinder
    public let settings: Settings
    let now: @Sendable () -> Date
    /// The service clock with the official schedules imported into the store
    /// (`calendar_notices`), reloaded in a write transaction when they change; with the days off
    /// on which no mediation sessions are proposed or scheduled.
    let clockCache: Mutex<(key: String, clock: ServiceClock, daysOff: Set<LocalDate>)>

    public init(database: LiaisonDatabase, finder: StationFinder, settings: Settings, now: @escaping @Sendable () -> Date = { Date() }) {
        self.database = database
        self.finder = finder
        self.settings = settings
        self.now = now
        clockCache = Mutex(("", settings.serviceClock, settings.serviceClock.calendar.daysOff))
    }

    /// The deadlines' clock as of the last refresh (``current(in:)``).
    public var clock: ServiceClock { clockCache.withLock { $0.clock } }
    var holidays: Set<LocalDate> { clockCache.withLock { $0.daysOff } }
    /// The state machine with the clock and days off as of the last refresh.
    var workflow: ComplaintWorkflow { clockCache.withLock { ComplaintWorkflow(clock: $0.clock, daysOff: $0.daysOff) } }

    /// The stations as committed now, after bringing the clock up to the store's imported notices.
    func current(in db: Database) throws -> StationSnapshot {
        try refreshClock(db)
        return try database.snapshot(current: finder, in: db)
    }

    // MARK: - Errors

    /// The Idempotency-Key was used before with a different body.
    public struct IdempotencyConflict: DomainError {
        public let key: String
        public let number: String
        public var refusal: Refusal { .conflict(type: "idempotency-key-reused", title: "Idempotency-Key reused") }
        public var description: String {
            "Idempotency-Key \"\(key)\" was already used for complaint \(number) with a different body: use a new key for a new complaint"
        }
    }

    /// The token's role does not cover the complaint's station or county.
    public struct Forbidden: DomainError {
        public let description: String
        public var refusal: Refusal { .forbidden }
    }

    /// The action is allowed in the state, but something it needs is missing (nothing to confirm, no capacity).
    public struct Unfulfillable: DomainError {
        public let description: String
        public var refusal: Refusal { .conflict(type: "unfulfillable", title: "Cannot be done now") }
    }

    // MARK: - Intake

    public struct Submitted: Sendable {
        /// The 201 body (with the tracking token), byte-identical on an idempotent replay.
        public let body: Data
        public let number: String
        public let replayed: Bool
    }

    /// Files a complaint: validates it, numbers it, assigns it and stores it with its first events.
    ///
    /// - Parameters:
    ///   - body: the JSON body (see ``ComplaintIntake``).
    ///   - idempotencyKey: a retry with the same key and body returns the first answer; the same
    ///     key with another body throws ``IdempotencyConflict``.
    /// - Throws: ``InvalidInput``, ``OutsideServiceArea``, ``IdempotencyConflict``.
    public func submit(_ body: Data, idempotencyKey: String?) throws -> Submitted {
        if let key = idempotencyKey {
            guard (1...128).contains(key.utf8.count), key.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
                throw InvalidInput(name: "Idempotency-Key", reason: "expected 1 to 128 printable ASCII characters without spaces")
            }
        }
        let intake = try ComplaintIntake.validate(body)
        _ = try finder.snapshot.counties.servingCounty(of: intake.location)
        let fingerprint = Data(SHA256.hash(data: ComplaintIntake.canonical(body)))

        return try database.writeImmediate { db in
            if let key = idempotencyKey,
               let row = try Row.fetchOne(db, sql: "SELECT fingerprint, number, response FROM idempotency_keys WHERE key = ?", arguments: [key]) {
                guard (row["fingerprint"] as Data) == fingerprint else { throw IdempotencyConflict(key: key, number: row["number"]) }
                return Submitted(body: row["response"], number: row["number"], replayed: true)
            }
            let filed = try file(intake, client: nil, in: db)
            let response = try render(filed.complaint, events: try ComplaintRecord.events(db, number: filed.complaint.number),
                                      audience: .consumer, snapshot: filed.snapshot, includeToken: true, sameMerchantOpen: filed.sameMerchantOpen)
            if let key = idempotencyKey {
                try db.execute(sql: "INSERT INTO idempotency_keys (key, fingerprint, number, response, created_at) VALUES (?, ?, ?, ?, ?)",
                               arguments: [key, fingerprint, filed.complaint.number, response, Timestamp.string(filed.complaint.submittedAt)])
            }
            return Submitted(body: response, number: filed.complaint.number, replayed: false)
        }
    }

    /// Files a complaint that an Open311 client sent, in the client's name (its key's name):
    /// the same intake, rules and texts as ``submit(_:idempotencyKey:)``.
    ///
    /// - Throws: ``OutsideServiceArea``, ``RateLimited``.
    public func submit(_ intake: ComplaintIntake, client: String) throws -> (Complaint, [ComplaintEvent]) {
        _ = try finder.snapshot.counties.servingCounty(of: intake.location)
        return try database.writeImmediate { db in
            let filed = try file(intake, client: client, in: db)
            return (filed.complaint, try ComplaintRecord.events(db, number: filed.complaint.number))
        }
    }

    /// Inside the intake transaction: numbers, places, links and assigns a complaint, and stores
    /// it with its first events and texts.
    private func file(_ intake: ComplaintIntake, client: String?, in db: Database)
        throws -> (complaint: Complaint, snapshot: StationSnapshot, sameMerchantOpen: [ConsumerComplaintRef]) {
        // The stations as committed now: another process may have changed the register.
        let snapshot = try current(in: db)
        let (county, border) = try snapshot.counties.servingPlacement(of: intake.location)
        let at = now()
        try checkRateLimit(phone: intake.consumerPhone, at: at, in: db)
        let clock = self.clock
        var notes: [String] = []
        var complaint = Complaint(
            number: try ComplaintRecord.nextNumber(day: ComplaintNumber.day(of: at), in: db),
            trackingToken: ComplaintNumber.newTrackingToken(), status: .submitted, intake: intake, countyCode: county.adcode,
            mode: intake.preferredMode, submittedAt: at, updatedAt: at)
        complaint.client = client
        complaint.borderCounties = border.candidates.map(BorderCounty.init)
        if !complaint.borderCounties.isEmpty {
            notes.append("near the border of " + complaint.borderCounties.map { "\($0.county_code) \($0.county_name) (\($0.distance_m) m)" }.joined(separator: ", ")
                         + ": their staff may claim it")
        }
        let caseID = try MerchantCases.caseID(for: intake, countyCode: county.adcode, at: at, in: db)
        complaint.merchantCase = caseID
        complaint.repeatOf = try MerchantCases.repeatOf(phone: intake.consumerPhone, caseID: caseID, at: at, in: db)
        if let previous = complaint.repeatOf { notes.append("repeats \(previous) (same consumer and merchant within \(Merchant.repeatWithinDays) days)") }
        let sameMerchantOpen = try MerchantCases.consumerComplaints(phone: intake.consumerPhone, caseID: caseID, excluding: nil, openOnly: true, in: db)
        if let rule = UrgentRule.firstMatch(clock.rules.urgentRules, for: intake) {
            complaint.urgent = Complaint.Urgent(reason: rule.name, markedAt: at, dueBy: try clock.deadline(clock.rules.urgent, from: at))
            notes.append("urgent: \(rule.name)")
        }
        // An urgent complaint goes to a station at once, never first to the enterprise.
        let enterprise = complaint.urgent == nil ? try EnterpriseRecord.enrolled(code: intake.merchantCode, merchantID: intake.merchantID, in: db) : nil
        var events = [ComplaintEvent(at: at, actor: client.map { "open311:\($0)" } ?? "consumer", action: .submit, from: nil, to: .submitted, stationID: nil,
                                     note: notes.isEmpty ? nil : notes.joined(separator: "; "))]
        if let enterprise, try refer(&complaint, to: enterprise, at: at, events: &events) {
            // With the enterprise; no station yet, and no station clocks until it leaves.
        } else {
            workflow.startStationClocks(&complaint, at: at, events: &events)
            try dispatch(&complaint, county: county, excluding: [], snapshot: snapshot, at: at, events: &events, in: db)
        }
        try save(complaint, events: events, inserting: true, snapshot: snapshot, at: at, in: db)
        return (complaint, snapshot, sameMerchantOpen)
    }

    /// Writes the complaint, appends its new events and, in the same transaction, the texts they send.
    func save(_ complaint: Complaint, events: [ComplaintEvent], inserting: Bool, snapshot: StationSnapshot, at: Date, in db: Database) throws {
        if inserting { try ComplaintRecord.insert(complaint, in: db) } else { try ComplaintRecord.update(complaint, in: db) }
        let stored = try events.map { try ComplaintRecord.append($0, number: complaint.number, in: db) }
        let enterprisePhone = try events.contains(where: { $0.action == .refer }) ? complaint.directTrain.flatMap {
            try EnterpriseRecord.fetchOne(db, code: $0.enterpriseCode)?.contactPhone
        } : nil
        let courts = settings.courts
        let messages = SMSTemplates.messages(for: stored, complaint: complaint, station: { snapshot.station(id: $0) },
                                             court: { courts.court(id: $0) }, enterprisePhone: enterprisePhone)
        try SMSOutbox.enqueue(messages, at: at, in: db)
    }

    private func checkRateLimit(phone: String, at: Date, in db: Database) throws {
        for (window, limit, words) in [(3600.0, settings.rateLimit.perHour, "an hour"), (86400.0, settings.rateLimit.perDay, "a day")] {
            let recent = try String.fetchAll(db, sql: """
                SELECT submitted_at FROM complaints INDEXED BY complaints_by_phone
                WHERE consumer_phone = ? AND submitted_at > ? ORDER BY submitted_at DESC LIMIT ?
                """, arguments: [phone, Timestamp.string(at.addingTimeInterval(-window)), limit])
            if recent.count >= limit, let oldest = recent.last.flatMap(Timestamp.parse) {
                let wait = max(1, Int((oldest.addingTimeInterval(window).timeIntervalSince(at)).rounded(.up)))
                throw RateLimited(retryAfterSeconds: wait,
                                  description: "\(MobileNumber.masked(phone)) filed \(limit) complaints within \(words), the most allowed: try again in \(wait) s")
            }
        }
    }

    /// Runs the assignment policy and records the result; leaves the complaint waiting when no station qualifies.
    func dispatch(_ complaint: inout Complaint, county: County, excluding excluded: Set<String>, snapshot: StationSnapshot,
                          at: Date, events: inout [ComplaintEvent], in db: Database) throws {
        let assignment = try settings.policy.assign(point: complaint.intake.location, county: county, preferred: complaint.intake.preferredMode,
                                                    in: snapshot, excluding: excluded) { try ComplaintRecord.openCount(db, stationID: $0.id) }
        guard let assignment else {
            complaint.stationID = nil
            complaint.distanceMeters = nil
            complaint.assignmentReason = "no station offering \(complaint.intake.preferredMode.rawValue) or offline mediation has free capacity"
                + (excluded.isEmpty ? "" : " (excluding \(excluded.sorted().joined(separator: ", ")), which refused it)")
                + "; waiting for staff to dispatch"
            return
        }
        try workflow.assign(&complaint, to: assignment.station, distanceMeters: assignment.distanceMeters, mode: assignment.mode,
                   reason: assignment.reason, action: .assign, actor: "system", note: assignment.reason, at: at, events: &events)
    }

    // MARK: - Staff

    /// Applies a staff action (see ``StaffCommand``) after checking the token covers the complaint.
    ///
    /// - Throws: ``NotFound``, ``Forbidden``, ``IllegalTransition``, ``InvalidInput`` (a bad
    ///   slot or target station), ``Unfulfillable``.
    @discardableResult
    public func act(on number: String, _ command: StaffCommand, by staff: StaffToken) throws -> (Complaint, [ComplaintEvent]) {
        return try database.writeImmediate { db in
            let snapshot = try current(in: db)
            guard var complaint = try ComplaintRecord.fetchOne(db, number: number) else { throw NotFound(what: "complaint", id: number) }
            if command.action == .claim {
                try authorizeClaim(staff, of: complaint)
            } else {
                try authorize(staff, for: complaint, snapshot: snapshot)
            }
            let at = now()
            var events: [ComplaintEvent] = []
            let note = command.note
            let station = complaint.stationID.flatMap { snapshot.station(id: $0) }
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
                guard ComplaintLifecycle.next(from: complaint.status, on: .reassign) != nil else {
                    throw IllegalTransition(number: number, status: complaint.status, action: .reassign, allowed: ComplaintView.allowedActions(complaint, party: .staff))
                }
                // Taken from the enterprise by staff: the station clocks start now.
                let fromEnterprise = complaint.status == .with_enterprise
                if fromEnterprise { workflow.endDirectTrain(&complaint, .recalled, at: at) }
                if let targetID = command.stationID {
                    let target = try reassignmentTarget(targetID, for: complaint, snapshot: snapshot, in: db)
                    let distance = Geodesic.wgs84.inverse(from: complaint.intake.location, to: target.location).distanceMeters
                    try workflow.assign(&complaint, to: target, distanceMeters: distance, mode: complaint.mode,
                               reason: "reassigned by \(staff.name): \(note ?? "")", action: .reassign, actor: staff.name, note: note, at: at, events: &events)
                } else {
                    var excluded = try refusers(of: number, in: db)
                    if let current = complaint.stationID { excluded.insert(current) }
                    let county = snapshot.counties.county(code: complaint.countyCode)
                    guard let county, let assignment = try settings.policy.assign(
                        point: complaint.intake.location, county: county, preferred: complaint.intake.preferredMode, in: snapshot,
                        excluding: excluded, openComplaints: { try ComplaintRecord.openCount(db, stationID: $0.id) }) else {
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
                 .settle, .decline, .accept_settlement, .reject_settlement:
                throw InvalidInput(name: "action", reason: "\(command.action.rawValue) is not a staff action: expected one of \(ComplaintAction.staffActionNames)")
            }
            try save(complaint, events: events, inserting: false, snapshot: snapshot, at: at, in: db)
            return (complaint, try ComplaintRecord.events(db, number: number))
        }
    }

    /// A border county's staff take a complaint over: it moves to their county and to the
    /// station the policy picks there (never one that refused it); the county it leaves
    /// becomes one the location may be in, so its staff may claim it back.
    private func claim(_ complaint: inout Complaint, by staff: StaffToken, note: String?, snapshot: StationSnapshot, at: Date,
                       events: inout [ComplaintEvent], in db: Database) throws {
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
            excluding: excluded, openComplaints: { try ComplaintRecord.openCount(db, stationID: $0.id) }) else {
            throw Unfulfillable(description: "no station with free capacity can take complaint \(complaint.number) for \(county.name)")
        }
        complaint.countyCode = county.adcode
        complaint.borderCounties = snapshot.counties.borderCheck(complaint.intake.location, placedIn: county).candidates.map(BorderCounty.init)
        let why = "claimed by \(county.name) from \(snapshot.counties.county(code: from)?.name ?? from)"
        try workflow.assign(&complaint, to: assignment.station, distanceMeters: assignment.distanceMeters, mode: assignment.mode,
                   reason: why + "; " + assignment.reason, action: .claim, actor: staff.name,
                   note: [why, note].compactMap { $0 }.joined(separator: ": "), at: at, events: &events)
    }

    private func authorizeClaim(_ staff: StaffToken, of complaint: Complaint) throws {
        guard case .county(let code) = staff.role, complaint.borderCounties.contains(where: { $0.county_code == code }) else {
            let counties = complaint.borderCounties.map(\.county_code)
            throw Forbidden(description: "token \(staff.name) (\(staff.role)) may not claim complaint \(complaint.number): "
                + (counties.isEmpty ? "its location is not near a county border" : "only the staff of \(counties.joined(separator: ", ")) may"))
        }
    }

    /// After a refusal: the next station the policy picks, or waiting for staff.
    func redispatch(_ complaint: inout Complaint, excluding refusers: Set<String>, snapshot: StationSnapshot, at: Date,
                            events: inout [ComplaintEvent], in db: Database) throws {
        guard let county = snapshot.counties.county(code: complaint.countyCode) else { return }
        try dispatch(&complaint, county: county, excluding: refusers, snapshot: snapshot, at: at, events: &events, in: db)
    }

    /// The stations that refused a complaint: it never goes back to them.
    func refusers(of number: String, in db: Database) throws -> Set<String> {
        try Set(String.fetchAll(db, sql: "SELECT station_id FROM complaint_events WHERE number = ? AND action = 'refuse' AND station_id IS NOT NULL",
                                arguments: [number]))
    }

    /// Assigns the complaints waiting for a station (none had free capacity, or every candidate
    /// refused) to the station the policy picks now, if any; returns how many were assigned.
    @discardableResult
    public func dispatchWaiting(at now: Date? = nil) throws -> Int {
        let at = now ?? self.now()
        return try database.writeImmediate { db in
            let snapshot = try current(in: db)
            let waiting = try ComplaintRecord.fetchAll(db, sql: "WHERE status IN ('submitted', 'refused') AND station_id IS NULL",
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

    func reassignmentTarget(_ id: String, for complaint: Complaint, snapshot: StationSnapshot, in db: Database) throws -> Station {
        guard let target = snapshot.station(id: id), target.status == .active else {
            throw InvalidInput(name: "station_id", reason: "no active station \(id)")
        }
        guard target.id != complaint.stationID else {
            throw InvalidInput(name: "station_id", reason: "\(id) already holds complaint \(complaint.number)")
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
        let stationCounty = complaint.stationID.flatMap { snapshot.station(id: $0) }?.countyCode
        guard staff.role.permits(countyCode: stationCounty ?? complaint.countyCode) else {
            throw Forbidden(description: "token \(staff.name) (\(staff.role)) may not act on complaint \(complaint.number): it is held in county \(stationCounty ?? complaint.countyCode)")
        }
    }

    /// A complaint for staff: 403 outside the token's county (the staff of a county the
    /// location may be in see it too, to decide whether to claim it).
    public func complaint(_ number: String, for staff: StaffToken) throws -> (Complaint, [ComplaintEvent]) {
        let snapshot = finder.snapshot
        let found = try database.read { db in
            try ComplaintRecord.fetchOne(db, number: number).map { ($0, try ComplaintRecord.events(db, number: number)) }
        }
        guard let found else { throw NotFound(what: "complaint", id: number) }
        if case .county(let code) = staff.role, found.0.borderCounties.contains(where: { $0.county_code == code }) { return found }
        try authorize(staff, for: found.0, snapshot: snapshot)
        return found
    }

    /// Does this staff token see the consumer's phone? Only the assigned station's county staff do.
    public func seesPhone(_ staff: StaffToken, of complaint: Complaint) -> Bool {
        guard case .county(let code) = staff.role, let id = complaint.stationID else { return false }
        return finder.snapshot.station(id: id)?.countyCode == code
    }

    /// A station's complaints, newest number last, optionally of one status.
    public func complaints(stationID: String, status: ComplaintStatus?, by staff: StaffToken, limit: Int = 500) throws -> [Complaint] {
        guard let station = finder.snapshot.station(id: stationID) else { throw NotFound(what: "station", id: stationID) }
        guard staff.role.permits(countyCode: station.countyCode) else {
            throw Forbidden(description: "token \(staff.name) (\(staff.role)) may not see the complaints of station \(stationID) in county \(station.countyCode)")
        }
        return try database.read { db in
            try ComplaintRecord.fetchAll(db, sql: "WHERE station_id = ?" + (status == nil ? "" : " AND status = ?"),
                                         arguments: StatementArguments([stationID] + (status.map { [$0.rawValue] } ?? [])), limit: limit, urgentFirst: true)
        }
    }

    /// Complaints for operators (the CLI): by county and status.
    public func complaints(countyCode: String?, status: ComplaintStatus?, urgentOnly: Bool = false, limit: Int = 500) throws -> [Complaint] {
        var clauses: [String] = []
        var args: [String] = []
        if let countyCode { clauses.append("county_code = ?"); args.append(countyCode) }
        if let status { clauses.append("status = ?"); args.append(status.rawValue) }
        if urgentOnly { clauses.append("urgent_reason IS NOT NULL") }
        let sql = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
        let arguments = args
        return try database.read { db in
            try ComplaintRecord.fetchAll(db, sql: sql, arguments: StatementArguments(arguments), limit: limit, urgentFirst: true)
        }
    }

    /// Open complaints whose location is near a border of `countyCode` (held by it, or
    /// claimable by it), or near any border when nil; in number order.
    public func nearBorderComplaints(countyCode: String?, status: ComplaintStatus?, limit: Int = 500) throws -> [Complaint] {
        var sql = "WHERE border_counties IS NOT NULL AND status NOT IN ('closed', 'withdrawn')"
        var args: [String] = []
        if let countyCode {
            sql += " AND (county_code = ? OR EXISTS (SELECT 1 FROM json_each(border_counties) WHERE json_extract(value, '$.county_code') = ?))"
            args += [countyCode, countyCode]
        }
        if let status { sql += " AND status = ?"; args.append(status.rawValue) }
        let query = sql, arguments = args
        return try database.read { db in try ComplaintRecord.fetchAll(db, sql: query, arguments: StatementArguments(arguments), limit: limit) }
    }

    /// The complaints an Open311 client filed: by number, or by category and submission period;
    /// newest first.
    public func clientComplaints(client: String, numbers: [String]?, category: ComplaintCategory?, from: Date?, to: Date?,
                                 limit: Int) throws -> [Complaint] {
        var sql = "WHERE client = ?"
        var args = [client]
        if let numbers {
            let wellFormed = numbers.filter(ComplaintNumber.isWellFormed)
            guard !wellFormed.isEmpty else { return [] }
            sql += " AND number IN (\(wellFormed.map { _ in "?" }.joined(separator: ", ")))"
            args += wellFormed
        }
        if let category { sql += " AND category = ?"; args.append(category.rawValue) }
        if let from { sql += " AND submitted_at >= ?"; args.append(Timestamp.string(from)) }
        if let to { sql += " AND submitted_at < ?"; args.append(Timestamp.string(to)) }
        let query = sql + " ORDER BY number DESC LIMIT \(limit)", arguments = args
        return try database.read { db in
            try Row.fetchAll(db, sql: "SELECT \(ComplaintRecord.columns) FROM complaints INDEXED BY complaints_by_client \(query)",
                             arguments: StatementArguments(arguments)).map(ComplaintRecord.complaint)
        }
    }

    // MARK: - Service levels

    /// Appends an `overdue` event (actor `system`) for every deadline that has passed with its
    /// clock still running, once per deadline; returns how many complaints got one.
    @discardableResult
    public func markOverdue(at now: Date? = nil) throws -> Int {
        let at = now ?? self.now()
        return try database.writeImmediate { db in
            let snapshot = try current(in: db)
            let stamp = Timestamp.string(at)
            let candidates = try ComplaintRecord.fetchAll(db, sql: Self.deadlinePassed, arguments: Self.deadlineArguments(stamp), limit: 100_000)
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
    private static let deadlinePassed = """
        WHERE (status NOT IN ('closed', 'withdrawn')
               AND (dispatch_by <= ? OR respond_by <= ? OR acceptance_by <= ? OR mediation_by <= ? OR urgent_by <= ?))
           OR (review_trigger IS NOT NULL AND review_finding IS NULL AND review_by <= ?)
        """

    private static func deadlineArguments(_ stamp: String) -> StatementArguments {
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
        let all = try database.read { db in try ComplaintRecord.fetchAll(db, sql: query, arguments: StatementArguments(arguments), limit: 100_000) }
        return Array(all.filter { !$0.overdue(at: at).isEmpty }.prefix(limit))
    }

    // MARK: - Consumer

    /// The complaint for its consumer; nil for an unknown number or a wrong token alike, so
    /// numbers cannot be probed.
    public func track(_ number: String, token: String) throws -> (Complaint, [ComplaintEvent])? {
        guard ComplaintNumber.isWellFormed(number) else { return nil }
        return try database.read { db in
            guard let complaint = try ComplaintRecord.fetchOne(db, number: number), Self.sameToken(complaint.trackingToken, token) else { return nil }
            return (complaint, try ComplaintRecord.events(db, number: number))
        }
    }

    /// Applies a consumer action; nil when the number is unknown or the token wrong.
    public func act(on number: String, _ command: ConsumerCommand, token: String) throws -> (Complaint, [ComplaintEvent])? {
        guard ComplaintNumber.isWellFormed(number) else { return nil }
        return try database.writeImmediate { db in
            let snapshot = try current(in: db)
            guard var complaint = try ComplaintRecord.fetchOne(db, number: number), Self.sameToken(complaint.trackingToken, token) else { return nil }
            let at = now()
            var events: [ComplaintEvent] = []
            switch command {
            case .withdraw(let reason):
                let withEnterprise = complaint.status.isWithEnterprise
                try workflow.transition(&complaint, .withdraw, party: .consumer, actor: "consumer", note: reason, stationID: nil, at: at, events: &events)
                if withEnterprise { workflow.endDirectTrain(&complaint, .withdrawn, at: at) }
            case .feedback(let satisfaction, let comment):
                try workflow.transition(&complaint, .feedback, party: .consumer, actor: "consumer", note: "satisfaction \(satisfaction)/5" + (comment.map { ": " + $0 } ?? ""),
                               stationID: nil, at: at, events: &events)
                complaint.feedback = Complaint.Feedback(satisfaction: satisfaction, comment: comment, at: at)
                if satisfaction <= 2 { try openReview(&complaint, .dissatisfied, at: at, events: &events) }
            case .acceptSettlement:
                try workflow.transition(&complaint, .accept_settlement, party: .consumer, actor: "consumer", note: nil, stationID: nil, at: at, events: &events)
                workflow.endDirectTrain(&complaint, .settled, at: at)
            case .rejectSettlement(let reason):
                if complaint.status == .settlement_offered, let replyBy = complaint.directTrain?.replyBy, at >= replyBy {
                    throw Unfulfillable(description: "the reply window of complaint \(number) ended at \(Timestamp.string(replyBy)): the settlement stands")
                }
                try workflow.transition(&complaint, .reject_settlement, party: .consumer, actor: "consumer", note: reason, stationID: nil, at: at, events: &events)
                try leaveEnterprise(&complaint, .rejected, snapshot: snapshot, at: at, events: &events, in: db)
                try openReview(&complaint, .rejected_settlement, at: at, events: &events)
            case .confirmAppointment:
                try workflow.transition(&complaint, .confirm_appointment, party: .consumer, actor: "consumer", note: nil, stationID: nil, at: at, events: &events)
                if var appointment = complaint.appointment, !appointment.confirmed {
                    appointment.confirmed = true
                    complaint.appointment = appointment
                    events[0].note = "appointment at \(Timestamp.string(appointment.startsAt)) confirmed"
                } else if var video = complaint.video, !video.confirmed {
                    video.confirmed = true
                    complaint.video = video
                    events[0].note = "video session at \(Timestamp.string(video.scheduledAt)) confirmed"
                } else {
                    throw Unfulfillable(description: "complaint \(number) has no proposed appointment or video session to confirm")
                }
            }
            try save(complaint, events: events, inserting: false, snapshot: snapshot, at: at, in: db)
            return (complaint, try ComplaintRecord.events(db, number: number))
        }
    }

    /// Compares tokens in time independent of where they differ.
    static func sameToken(_ a: String, _ b: String) -> Bool {
        constantTimeEquals(Array(a.utf8), Array(b.utf8))
    }

    // MARK: - Rendering

    /// The JSON of a complaint for an audience.
    public func render(_ complaint: Complaint, events: [ComplaintEvent], audience: ComplaintView.Audience,
                       snapshot: StationSnapshot? = nil, includeToken: Bool = false, links: ComplaintLinks? = nil,
                       sameMerchantOpen: [ConsumerComplaintRef]? = nil) throws -> Data {
        try JSONOutput.encode(ComplaintView(complaint, events: events, snapshot: snapshot ?? finder.snapshot, audience: audience,
                                            videoBaseURL: settings.videoBaseURL, includeToken: includeToken, links: links,
                                            sameMerchantOpen: sameMerchantOpen, courts: settings.courts))
    }

    /// What staff see of a complaint's relations (its repeat link, the consumer's other
    /// complaints about the merchant, the merchant case).
    public func links(of complaint: Complaint) throws -> ComplaintLinks {
        guard let caseID = complaint.merchantCase else { return ComplaintLinks(repeat_of: complaint.repeatOf, same_consumer: [], merchant_case: nil) }
        return try database.read { db in
            ComplaintLinks(repeat_of: complaint.repeatOf,
                           same_consumer: try MerchantCases.consumerComplaints(phone: complaint.intake.consumerPhone, caseID: caseID,
                                                                               excluding: complaint.number, openOnly: false, in: db),
                           merchant_case: try MerchantCases.summary(caseID: caseID, in: db))
        }
    }
}
