import Foundation
import GRDB
import Geodesy
import LiaisonCore

/// The `complaints` and `complaint_events` tables.
enum ComplaintRecord {
    static let columns = """
        number, tracking_token, status, category, description, amount_fen, preferred_mode, mode, consumer_name, consumer_phone,
        merchant_name, merchant_address, lat, lng, given_lat, given_lng, coordsys, county_code, station_id, distance_m,
        assignment_reason, submitted_at, updated_at, appointment_starts_at, appointment_ends_at, appointment_confirmed,
        video_room, video_scheduled_at, video_confirmed, satisfaction, feedback_comment, feedback_at,
        dispatch_by, respond_by, acceptance_by, mediation_by, dispatched_at, responded_at, accepted_at, outcome, outcome_at, overdue,
        merchant_code, merchant_key, merchant_case, repeat_of, border_counties, client,
        merchant_id, enterprise_code, enterprise_name, settle_by, settlement, settlement_at, reply_by, train_outcome, train_ended_at,
        urgent_reason, urgent_at, urgent_by, urgent_met_at, review_trigger, review_opened_at, review_by, review_finding, review_found_at,
        visit_queued_at, visit_done_at, visit_reached, visit_satisfied, court_id, handed_off_at, provisional_deadlines
        """
    private static let columnCount = columns.split(separator: ",").count

    static func fetchOne(_ db: Database, number: String) throws -> Complaint? {
        try Row.fetchOne(db, sql: "SELECT \(columns) FROM complaints WHERE number = ?", arguments: [number]).map(complaint)
    }

    /// In number order, or with urgent complaints first (the staff queues).
    static func fetchAll(_ db: Database, sql whereClause: String, arguments: StatementArguments, limit: Int, urgentFirst: Bool = false) throws -> [Complaint] {
        let order = urgentFirst ? "(urgent_reason IS NULL OR urgent_met_at IS NOT NULL), number" : "number"
        return try Row.fetchAll(db, sql: "SELECT \(columns) FROM complaints \(whereClause) ORDER BY \(order) LIMIT \(limit)", arguments: arguments).map(complaint)
    }

    static func insert(_ c: Complaint, in db: Database) throws {
        try db.execute(sql: "INSERT INTO complaints (\(columns), geom) VALUES (\(Array(repeating: "?", count: columnCount).joined(separator: ", ")), MakePoint(?, ?, 4326))",
                       arguments: StatementArguments(values(c) + [c.intake.location.longitude, c.intake.location.latitude]))
    }

    /// Writes the mutable part of a complaint back.
    static func update(_ c: Complaint, in db: Database) throws {
        let names = columns.split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        let assignments = names.dropFirst().map { "\($0) = ?" }.joined(separator: ", ")
        var args = Array(values(c).dropFirst())
        args.append(c.number)
        try db.execute(sql: "UPDATE complaints SET \(assignments) WHERE number = ?", arguments: StatementArguments(args))
    }

    private static func values(_ c: Complaint) -> [(any DatabaseValueConvertible)?] {
        let i = c.intake
        return [
            c.number, c.trackingToken, c.status.rawValue, i.category.rawValue, i.description, i.amountFen, i.preferredMode.rawValue,
            c.mode.rawValue, i.consumerName, i.consumerPhone, i.merchantName, i.merchantAddress, i.location.latitude,
            i.location.longitude, i.givenLocation.latitude, i.givenLocation.longitude, i.coordinateSystem.rawValue, c.countyCode,
            c.stationID, c.distanceMeters, c.assignmentReason, text(c.submittedAt), text(c.updatedAt),
            c.appointment.map { text($0.startsAt) }, c.appointment.map { text($0.endsAt) }, c.appointment.map(\.confirmed),
            c.video?.room, c.video.map { text($0.scheduledAt) }, c.video.map(\.confirmed),
            c.feedback?.satisfaction, c.feedback?.comment, c.feedback.map { text($0.at) },
            c.deadlines.dispatchBy.map(text), c.deadlines.respondBy.map(text), c.deadlines.acceptanceBy.map(text), c.deadlines.mediationBy.map(text),
            c.milestones.dispatchedAt.map(text), c.milestones.respondedAt.map(text), c.milestones.acceptedAt.map(text),
            c.milestones.outcome?.rawValue, c.milestones.outcomeAt.map(text), c.overdueReported.storedBits,
            i.merchantCode, Merchant.nameKey(i.merchantName), c.merchantCase, c.repeatOf,
            c.borderCounties.isEmpty ? nil : (try? JSONOutput.encode(c.borderCounties)).map { String(decoding: $0, as: UTF8.self) }, c.client,
            i.merchantID, c.directTrain?.enterpriseCode, c.directTrain?.enterpriseName, c.directTrain.map { text($0.settleBy) },
            c.directTrain?.settlement, c.directTrain?.offeredAt.map(text), c.directTrain?.replyBy.map(text), c.directTrain?.outcome?.rawValue,
            c.directTrain?.endedAt.map(text),
            c.urgent?.reason, c.urgent.map { text($0.markedAt) }, c.urgent.map { text($0.dueBy) }, c.urgent?.metAt.map(text),
            c.review?.trigger.rawValue, c.review.map { text($0.openedAt) }, c.review?.dueBy.map(text), c.review?.finding?.rawValue,
            c.review?.foundAt.map(text),
            c.returnVisit.map { text($0.queuedAt) }, c.returnVisit?.doneAt.map(text), c.returnVisit?.reached, c.returnVisit?.satisfied,
            c.courtHandoff?.courtID, c.courtHandoff.map { text($0.at) }, c.deadlines.provisional.storedBits,
        ]
    }

    static func complaint(_ row: Row) throws -> Complaint {
        func date(_ column: String) throws -> Date {
            guard let text: String = row[column], let date = Timestamp.parse(text) else {
                throw StoreError(message: "complaints.\(column) of \(row["number"] as String? ?? "?") is not a timestamp")
            }
            return date
        }
        func optionalDate(_ column: String) throws -> Date? {
            (row[column] as String?) == nil ? nil : try date(column)
        }
        func value<T: RawRepresentable>(_ column: String, as type: T.Type) throws -> T where T.RawValue == String {
            guard let raw: String = row[column], let value = T(rawValue: raw) else {
                throw StoreError(message: "complaints.\(column) of \(row["number"] as String? ?? "?") holds an unknown value")
            }
            return value
        }
        let intake = ComplaintIntake(
            location: Coordinate(latitude: row["lat"], longitude: row["lng"]),
            givenLocation: Coordinate(latitude: row["given_lat"], longitude: row["given_lng"]),
            coordinateSystem: try value("coordsys", as: CoordinateSystem.self),
            consumerName: row["consumer_name"], consumerPhone: row["consumer_phone"], merchantName: row["merchant_name"],
            merchantAddress: row["merchant_address"], merchantCode: row["merchant_code"], category: try value("category", as: ComplaintCategory.self),
            description: row["description"], preferredMode: try value("preferred_mode", as: MediationMode.self), amountFen: row["amount_fen"])
        var appointment: Complaint.Appointment?
        if let starts = try optionalDate("appointment_starts_at"), let ends = try optionalDate("appointment_ends_at") {
            appointment = Complaint.Appointment(startsAt: starts, endsAt: ends, confirmed: row["appointment_confirmed"] ?? false)
        }
        var video: Complaint.VideoSession?
        if let room: String = row["video_room"], let at = try optionalDate("video_scheduled_at") {
            video = Complaint.VideoSession(room: room, scheduledAt: at, confirmed: row["video_confirmed"] ?? false)
        }
        var feedback: Complaint.Feedback?
        if let satisfaction: Int = row["satisfaction"], let at = try optionalDate("feedback_at") {
            feedback = Complaint.Feedback(satisfaction: satisfaction, comment: row["feedback_comment"], at: at)
        }
        var complaint = Complaint(
            number: row["number"], trackingToken: row["tracking_token"], status: try value("status", as: ComplaintStatus.self),
            intake: intake, countyCode: row["county_code"], mode: try value("mode", as: MediationMode.self),
            stationID: row["station_id"], distanceMeters: row["distance_m"], assignmentReason: row["assignment_reason"],
            submittedAt: try date("submitted_at"), updatedAt: try date("updated_at"), appointment: appointment, video: video,
            feedback: feedback,
            deadlines: Complaint.Deadlines(dispatchBy: try optionalDate("dispatch_by"), respondBy: try optionalDate("respond_by"),
                                           acceptanceBy: try optionalDate("acceptance_by"), mediationBy: try optionalDate("mediation_by")))
        complaint.milestones = Complaint.Milestones(
            dispatchedAt: try optionalDate("dispatched_at"), respondedAt: try optionalDate("responded_at"), acceptedAt: try optionalDate("accepted_at"),
            outcome: (row["outcome"] as String?).flatMap(ComplaintStatus.init(rawValue:)), outcomeAt: try optionalDate("outcome_at"))
        complaint.overdueReported = Set(storedBits: row["overdue"])
        complaint.deadlines.provisional = Set(storedBits: row["provisional_deadlines"])
        if let border: String = row["border_counties"] {
            guard let counties = try? JSONDecoder().decode([BorderCounty].self, from: Data(border.utf8)) else {
                throw StoreError(message: "complaints.border_counties of \(complaint.number) is not a list of counties")
            }
            complaint.borderCounties = counties
        }
        complaint.merchantCase = row["merchant_case"]
        complaint.repeatOf = row["repeat_of"]
        complaint.client = row["client"]
        complaint.intake.merchantID = row["merchant_id"]
        if let code: String = row["enterprise_code"] {
            var train = Complaint.DirectTrain(enterpriseCode: code, enterpriseName: row["enterprise_name"] ?? "", settleBy: try date("settle_by"))
            train.settlement = row["settlement"]
            train.offeredAt = try optionalDate("settlement_at")
            train.replyBy = try optionalDate("reply_by")
            train.outcome = (row["train_outcome"] as String?).flatMap(Complaint.DirectTrain.Outcome.init(rawValue:))
            train.endedAt = try optionalDate("train_ended_at")
            complaint.directTrain = train
        }
        if let reason: String = row["urgent_reason"] {
            complaint.urgent = Complaint.Urgent(reason: reason, markedAt: try date("urgent_at"), dueBy: try date("urgent_by"), metAt: try optionalDate("urgent_met_at"))
        }
        if row["review_trigger"] as String? != nil {
            complaint.review = Complaint.Review(trigger: try value("review_trigger", as: Complaint.Review.Trigger.self), openedAt: try date("review_opened_at"),
                                                dueBy: try optionalDate("review_by"),
                                                finding: (row["review_finding"] as String?).flatMap(Complaint.Review.Finding.init(rawValue:)),
                                                foundAt: try optionalDate("review_found_at"))
        }
        if let queued = try optionalDate("visit_queued_at") {
            complaint.returnVisit = Complaint.ReturnVisit(queuedAt: queued, doneAt: try optionalDate("visit_done_at"), reached: row["visit_reached"],
                                                          satisfied: row["visit_satisfied"])
        }
        if let court: String = row["court_id"] {
            complaint.courtHandoff = Complaint.CourtHandoff(courtID: court, at: try date("handed_off_at"))
        }
        return complaint
    }

    // MARK: - Events

    /// Appends an event and returns it with its sequence number.
    @discardableResult
    static func append(_ event: ComplaintEvent, number: String, in db: Database) throws -> ComplaintEvent {
        try db.execute(sql: """
            INSERT INTO complaint_events (number, at, actor, action, from_status, to_status, station_id, note)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [number, text(event.at), event.actor, event.action.rawValue, event.from?.rawValue, event.to.rawValue,
                             event.stationID, event.note])
        var stored = event
        stored.seq = Int(db.lastInsertedRowID)
        return stored
    }

    static func events(_ db: Database, number: String) throws -> [ComplaintEvent] {
        try Row.fetchAll(db, sql: "SELECT * FROM complaint_events WHERE number = ? ORDER BY seq", arguments: [number]).map { row in
            guard let at = Timestamp.parse(row["at"]), let action = ComplaintAction(rawValue: row["action"]),
                  let to = ComplaintStatus(rawValue: row["to_status"]) else {
                throw StoreError(message: "complaint_events row \(row["seq"] as Int? ?? 0) is malformed")
            }
            return ComplaintEvent(seq: row["seq"], at: at, actor: row["actor"], action: action,
                                  from: (row["from_status"] as String?).flatMap(ComplaintStatus.init(rawValue:)), to: to,
                                  stationID: row["station_id"], note: row["note"])
        }
    }

    /// Open complaints (holding capacity) at a station.
    static func openCount(_ db: Database, stationID: String) throws -> Int {
        try Int.fetchOne(db, sql: """
            SELECT count(*) FROM complaints INDEXED BY complaints_open_by_station
            WHERE station_id = ? AND status IN ('assigned', 'accepted', 'mediating')
            """, arguments: [stationID]) ?? 0
    }

    /// The next number of the day: `ZJ-YYYYMMDD-NNNNNN`.
    static func nextNumber(day: String, in db: Database) throws -> String {
        let highest = try String.fetchOne(db, sql: "SELECT max(number) FROM complaints WHERE number >= ? AND number < ?",
                                          arguments: ["ZJ-\(day)-", "ZJ-\(day)-A"])
        let next = (highest.flatMap { Int($0.suffix(6)) } ?? 0) + 1
        guard next <= 999_999 else { throw StoreError(message: "complaint numbers of \(day) are exhausted (999,999 in one day)") }
        return ComplaintNumber.format(day: day, sequence: next)
    }

    private static func text(_ date: Date) -> String { Timestamp.string(date) }
}

extension Set where Element == ServiceDeadline {
    /// The stored form (columns `overdue`, `provisional_deadlines`): one bit per deadline in the
    /// order of ``ServiceDeadline/allCases``, dispatch = 1 … review = 32. The layout is the
    /// database's, fixed by migrations v1 and v7; nothing outside this file sees it.
    var storedBits: Int {
        ServiceDeadline.allCases.enumerated().reduce(0) { bits, kind in contains(kind.element) ? bits | 1 << kind.offset : bits }
    }

    init(storedBits: Int) {
        self.init(ServiceDeadline.allCases.enumerated().filter { storedBits & 1 << $0.offset != 0 }.map(\.element))
    }
}
