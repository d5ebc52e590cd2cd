import Foundation
import Geodesy
import GRDB
import LiaisonCore

/// Intake: a complaint filed by a consumer (through a mini-program backend) or an API client,
/// numbered, clocked and dispatched in one transaction.
extension ComplaintDesk {
    public struct Submitted: Sendable {
        /// The 201 body (with the tracking token), byte-identical on an idempotent replay (the
        /// stored copy holds a marker where the token was; the token is derived again).
        public let body: Data
        public let number: String
        public let replayed: Bool
    }

    /// A complaint as the intake transaction filed it: what its first answer is rendered from.
    public struct Filed: Sendable {
        public let complaint: Complaint
        /// Its tracking token, to show the consumer this once.
        public let trackingToken: String
        public let events: [ComplaintEvent]
        /// The register as committed when it was assigned.
        public let snapshot: StationSnapshot
        /// The consumer's other open complaints about the same merchant.
        public let sameMerchantOpen: [ConsumerComplaintRef]
    }

    /// A retry key (already checked by the edge) and the fingerprint of the body it came with.
    /// Keys are the caller's own: stored under its scope (the client key's name), so another
    /// client cannot replay or probe them; they expire after ``Replay/lifetime``.
    public struct Replay: Sendable {
        public let key: String
        public let fingerprint: Data
        /// Whose key it is: a client's name, `~` for anonymous intake, `~cli` for the CLI.
        public let scope: String

        public init(key: String, fingerprint: Data, scope: String = "~") {
            self.key = key
            self.fingerprint = fingerprint
            self.scope = scope
        }

        /// How it is stored: scope and key (names hold no `:`, so the first one splits them).
        var stored: String { scope + ":" + key }

        /// A retry after this long files anew (Stripe keeps keys 24 hours too).
        public static let lifetime: TimeInterval = 86_400
    }

    /// Files a complaint: numbers it, assigns it and stores it with its first events and texts.
    /// `respond` renders its first answer inside the same transaction; with `replay`, the
    /// answer is kept (opaque bytes) under the key, and a retry with the same key and
    /// fingerprint gets those bytes back without filing again. `client` is the client key's
    /// name that filed it (nil: anonymous or the CLI): its status callbacks get the events.
    ///
    /// - Parameter client: the filing client's name (`~` anonymous, `~cli` the CLI): the scope of
    ///   the intake's consumer id, so each client lists only its own consumers' complaints.
    /// - Throws: ``OutsideServiceArea``, ``RateLimited``, ``IdempotencyConflict`` (the key
    ///   came with another body before).
    public func file(_ intake: ComplaintIntake, client: String?, replay: Replay?, respond: (Filed) throws -> Data) throws -> Submitted {
        _ = try finder.snapshot.counties.servingCounty(of: intake.location)
        return try database.writing { db in
            // On PostgreSQL two retries with one key may arrive at once: they take turns on the
            // key (a transaction-level advisory lock), so the second finds the first's answer.
            if let replay, db.dialect == .postgres {
                try db.execute(sql: "SELECT pg_advisory_xact_lock(hashtext(?))", arguments: [replay.stored])
            }
            if let replay {
                // An expired key is forgotten: this request files anew.
                try db.execute(sql: "DELETE FROM idempotency_keys WHERE key = ? AND created_at < ?",
                               arguments: [replay.stored, Timestamp.string(now().addingTimeInterval(-Replay.lifetime))])
            }
            if let replay,
               let row = try Row.fetchOne(db, sql: "SELECT fingerprint, number, response FROM idempotency_keys WHERE key = ?", arguments: [replay.stored]) {
                guard (row["fingerprint"] as Data) == replay.fingerprint else { throw IdempotencyConflict(key: replay.key, number: row["number"]) }
                let number: String = row["number"]
                let token = settings.trackingKey.token(for: number)
                return Submitted(body: Self.replacing(Self.tokenMarker, with: Data(token.utf8), in: row["response"]), number: number, replayed: true)
            }
            let filed = try file(intake, client: client, actor: "consumer", in: db)
            let token = settings.trackingKey.token(for: filed.complaint.number)
            let response = try respond(Filed(complaint: filed.complaint, trackingToken: token,
                                             events: try ComplaintRecord.events(db, number: filed.complaint.number),
                                             snapshot: filed.snapshot, sameMerchantOpen: filed.sameMerchantOpen))
            if let replay {
                // Kept without the token: a marker that no JSON can contain (a raw NUL) stands in its place.
                let kept = Self.replacing(Data(token.utf8), with: Self.tokenMarker, in: response)
                try db.execute(sql: "INSERT INTO idempotency_keys (key, fingerprint, number, response, created_at) VALUES (?, ?, ?, ?, ?)",
                               arguments: [replay.stored, replay.fingerprint, filed.complaint.number, kept, Timestamp.string(filed.complaint.submittedAt)])
            }
            return Submitted(body: response, number: filed.complaint.number, replayed: false)
        }
    }

    /// Files a complaint that an Open311 client sent, in the client's name (its key's name):
    /// the same intake, rules and texts as ``file(_:replay:respond:)``.
    ///
    /// - Throws: ``OutsideServiceArea``, ``RateLimited``.
    public func submit(_ intake: ComplaintIntake, client: String) throws -> (Complaint, [ComplaintEvent]) {
        _ = try finder.snapshot.counties.servingCounty(of: intake.location)
        return try database.writing { db in
            let filed = try file(intake, client: client, actor: "open311:\(client)", in: db)
            return (filed.complaint, try ComplaintRecord.events(db, number: filed.complaint.number))
        }
    }

    /// Inside the intake transaction: numbers, places, links and assigns a complaint, and stores
    /// it with its first events and texts.
    func file(_ intake: ComplaintIntake, client: String?, actor: String, in db: any SQLSession)
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
            trackingDigest: "", status: .submitted, intake: intake, countyCode: county.adcode,
            mode: intake.preferredMode, submittedAt: at, updatedAt: at)
        complaint.trackingDigest = TrackingKey.digest(settings.trackingKey.token(for: complaint.number))
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
        var events = [ComplaintEvent(at: at, actor: actor, action: .submit, from: nil, to: .submitted, stationID: nil,
                                     note: notes.isEmpty ? nil : notes.joined(separator: "; "))]
        if let enterprise, try refer(&complaint, to: enterprise, at: at, events: &events) {
            // With the enterprise; no station yet, and no station clocks until it leaves. A chosen
            // station applies to intake's dispatch only: the event says it was not used.
            if let chosen = intake.preferredStationID {
                events[0].note = (events[0].note.map { $0 + "; " } ?? "") + "preferred station \(chosen) not used: the complaint goes to the enterprise first"
            }
        } else {
            workflow.startStationClocks(&complaint, at: at, events: &events)
            try dispatch(&complaint, county: county, excluding: [], preferredStationID: intake.preferredStationID,
                         fallback: intake.preferredStationFallback, snapshot: snapshot, at: at, events: &events, in: db)
        }
        try save(complaint, events: events, inserting: true, snapshot: snapshot, at: at, in: db)
        if let id = intake.consumerID {
            try db.execute(sql: "INSERT INTO consumer_complaints (number, consumer_key) VALUES (?, ?)",
                           arguments: [complaint.number, settings.trackingKey.consumerKey(client: client ?? "~", consumerID: id)])
        }
        return (complaint, snapshot, sameMerchantOpen)
    }


    /// Records the fingerprint of `key` in a database that has none yet, and refuses a key other
    /// than the one recorded: tokens already handed out were derived under that one. An
    /// ephemeral key (tests, benchmarks) is neither recorded nor checked.
    public static func adopt(_ key: TrackingKey, in store: any SQLStore) throws {
        guard let path = key.path else { return }
        let select = "SELECT fingerprint FROM server_keys WHERE name = 'tracking'"
        // Read first: once recorded (every start but the first), a start takes no write lock,
        // which another process under load may hold for a long while (tools/killtest).
        var recorded = try store.reading { db in try String.fetchOne(db, sql: select) }
        if recorded == nil {
            recorded = try store.writing { db in
                // Two processes starting at once: one inserts, both compare.
                try db.execute(sql: "INSERT INTO server_keys (name, fingerprint) VALUES ('tracking', ?) ON CONFLICT (name) DO NOTHING", arguments: [key.fingerprint])
                return try String.fetchOne(db, sql: select)
            }
        }
        guard recorded == key.fingerprint else {
            throw TrackingKey.KeyFileError(path: path, problem: "is not the key this database's tracking tokens were derived under "
                                           + "(fingerprint \(recorded ?? "none")): give every process the same key file, "
                                           + "or the consumers' tokens stop working")
        }
    }

    /// Forgets the Idempotency-Keys older than ``Replay/lifetime``, a batch per transaction;
    /// returns how many.
    @discardableResult
    public func sweepIdempotencyKeys(at now: Date? = nil) throws -> Int {
        let before = Timestamp.string((now ?? self.now()).addingTimeInterval(-Replay.lifetime))
        return try inBatches { db, _ in
            let keys = try String.fetchAll(db, sql: "SELECT key FROM idempotency_keys WHERE created_at < ? ORDER BY created_at LIMIT \(Self.sweepBatch)",
                                           arguments: [before])
            for key in keys { try db.execute(sql: "DELETE FROM idempotency_keys WHERE key = ?", arguments: [key]) }
            return (keys.count, nil, keys.count)
        }
    }

    /// Stands for the tracking token in a stored answer. JSON escapes every control character,
    /// so these bytes never occur in a rendered answer, whatever the consumer wrote.
    static let tokenMarker = Data([0, 0x74, 0x72, 0x6B, 0])   // NUL "trk" NUL

    /// `data` with every occurrence of `target` replaced by `replacement`.
    static func replacing(_ target: Data, with replacement: Data, in data: Data) -> Data {
        var out = Data(), rest = data[...]
        while let found = rest.firstRange(of: target) {
            out.append(contentsOf: rest[..<found.lowerBound])
            out.append(replacement)
            rest = rest[found.upperBound...]
        }
        out.append(contentsOf: rest)
        return out
    }

    func checkRateLimit(phone: String, at: Date, in db: any SQLSession) throws {
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
    ///
    /// - Parameters:
    ///   - preferredStationID: the consumer's chosen station, taken when eligible; otherwise
    ///     refused (``PreferredStationIneligible``) or, with `fallback`, replaced by the rule's
    ///     choice with the reason recorded.
    func dispatch(_ complaint: inout Complaint, county: County, excluding excluded: Set<String>, preferredStationID: String? = nil,
                  fallback: Bool = false, snapshot: StationSnapshot, at: Date, events: inout [ComplaintEvent], in db: any SQLSession) throws {
        let decision = try decide(at: complaint.intake.location, county: county, mode: complaint.intake.preferredMode, excluding: excluded,
                                  preferredStationID: preferredStationID, explain: false, snapshot: snapshot, in: db)
        if let refused = decision.preferredRefused, !fallback { throw PreferredStationIneligible(refused) }
        let replaced = decision.preferredRefused.map { "preferred station \($0.station.id) cannot take it (\($0.detail)), so the rule's choice instead: " } ?? ""
        guard let chosen = decision.assignment else {
            complaint.stationID = nil
            complaint.distanceMeters = nil
            complaint.assignmentReason = replaced + "no station offering \(complaint.intake.preferredMode.rawValue) or offline mediation has free capacity"
                + (excluded.isEmpty ? "" : " (excluding \(excluded.sorted().joined(separator: ", ")), which refused it)")
                + "; waiting for staff to dispatch"
            return
        }
        let reason = replaced + chosen.reason
        try workflow.assign(&complaint, to: chosen.station, distanceMeters: chosen.distanceMeters, mode: chosen.mode,
                   reason: reason, action: .assign, actor: "system", note: reason, at: at, events: &events)
    }

    /// The policy's decision for a complaint at `point` (WGS-84) in `county`, against the
    /// stations' open counts in `db`: the one call intake's dispatch and the preview make.
    func decide(at point: Coordinate, county: County, mode: MediationMode, excluding excluded: Set<String>, preferredStationID: String?,
                explain: Bool, snapshot: StationSnapshot, in db: any SQLSession) throws -> AssignmentDecision {
        do {
            return try settings.policy.decide(point: point, county: county, preferred: mode, in: snapshot, excluding: excluded,
                                              preferredStationID: preferredStationID, openComplaints: ComplaintRecord.openCounter(db), explain: explain)
        } catch let unknown as UnknownStation {
            throw InvalidInput(name: "preferred_station_id", reason: "no station with id \(unknown.id): choose one from /v1/stations/nearest")
        }
    }

    /// Which station a complaint filed at `point` now would go to, and why, without filing it:
    /// the same decision as intake's dispatch (``decide(at:county:mode:excluding:preferredStationID:explain:snapshot:in:)``)
    /// in a read transaction, with the stations passed over. A complaint about a merchant in the
    /// direct train goes to its enterprise first; this answers for the station step.
    ///
    /// - Throws: ``OutsideServiceArea``.
    public func previewAssignment(at point: Coordinate, mode: MediationMode) throws -> AssignmentPreview {
        _ = try finder.snapshot.counties.servingCounty(of: point)
        // The register as this process holds it (kept current by the register watch), not
        // re-read from the database: a preview is advisory and anonymous, and reloading the
        // register on every call after a change made it slow enough on PostgreSQL under load
        // to time out (503). Only the open complaints, for capacity, are read.
        let snapshot = finder.snapshot
        return try database.reading { db in
            let (county, _) = try snapshot.counties.servingPlacement(of: point)
            let decision = try decide(at: point, county: county, mode: mode, excluding: [], preferredStationID: nil, explain: true, snapshot: snapshot, in: db)
            return AssignmentPreview(county: county, decision: decision, snapshot: snapshot,
                                     waitingReason: decision.assignment == nil
                                        ? "no station offering \(mode.rawValue)\(mode == .video ? " or offline" : "") mediation has free capacity; it would wait for staff to dispatch"
                                        : nil)
        }
    }
}

/// What ``ComplaintDesk/previewAssignment(at:mode:)`` answers.
public struct AssignmentPreview: Sendable {
    /// The county that would serve the complaint.
    public let county: County
    public let decision: AssignmentDecision
    /// The register the decision was made against.
    public let snapshot: StationSnapshot
    /// Why no station would take it; nil when one would.
    public let waitingReason: String?
}

/// The consumer's chosen station cannot take the complaint, and the caller did not allow the
/// rule's choice instead (`preferred_station_fallback`).
public struct PreferredStationIneligible: DomainError {
    public let passedOver: PassedOver

    init(_ passedOver: PassedOver) { self.passedOver = passedOver }

    public var refusal: Refusal {
        .unprocessable(field: "preferred_station_id", type: "preferred-station-ineligible", title: "The chosen station cannot take this complaint")
    }

    public var description: String {
        "preferred_station_id \(passedOver.station.id) cannot take this complaint (\(passedOver.reason.rawValue)): \(passedOver.detail); "
            + "choose another station, leave preferred_station_id out, or send preferred_station_fallback: true to let the rule choose"
    }

    public var chineseDescription: String? {
        let why: [PassedOver.Reason: String] = [.otherCounty: "不在本区县", .modeNotOffered: "不提供所选调解方式", .atCapacity: "受理已满",
                                                .retired: "已撤销", .refused: "曾退回该投诉", .outOfReach: "距离超出受理范围"]
        return "所选联络站 \(passedOver.station.id) 无法受理该投诉（\(why[passedOver.reason] ?? passedOver.reason.rawValue)）："
            + "请改选其他联络站、不指定联络站，或发送 preferred_station_fallback: true 由系统分派"
    }
}
