import Foundation
import GRDB
import Geodesy
import LiaisonCore

/// One row of the `complaints` table as GRDB maps it: a property per column, named once in
/// ``CodingKeys`` (``Columns``). ``init(_:)`` flattens a ``Complaint`` into it and
/// ``complaint()`` builds one back; the nested parts of a complaint (appointment, video,
/// direct train, ...) are present when their leading column is.
struct ComplaintRecord: LiaisonRecord {
    static let databaseTableName = "complaints"
    /// Every column but `geom`, which only GIS tools read.
    static var databaseSelection: [any SQLSelectable] { Columns.allCases.filter { $0 != .geom } }
    /// The same selection for statements written in SQL (e.g. with `INDEXED BY`).
    static let columns = Columns.allCases.filter { $0 != .geom }.map(\.rawValue).joined(separator: ", ")
    /// The same columns of the table as it is named (aliased) in a join.
    static func columns(_ table: String) -> String {
        Columns.allCases.filter { $0 != .geom }.map { "\(table).\($0.rawValue)" }.joined(separator: ", ")
    }

    var number: String
    var trackingDigest: String
    var status: ComplaintStatus
    var category: ComplaintCategory
    var description: String
    var amountFen: Int?
    var preferredMode: MediationMode
    var mode: MediationMode
    var consumerName: String
    var consumerPhone: String
    var merchantName: String
    var merchantAddress: String?
    var lat: Double
    var lng: Double
    var givenLat: Double
    var givenLng: Double
    var coordsys: CoordinateSystem
    var countyCode: String
    var stationID: String?
    var distanceMeters: Double?
    var assignmentReason: String?
    var submittedAt: Date
    var updatedAt: Date
    var appointmentStartsAt: Date?
    var appointmentEndsAt: Date?
    var appointmentConfirmed: Bool?
    var videoRoom: String?
    var videoScheduledAt: Date?
    var videoConfirmed: Bool?
    var satisfaction: Int?
    var feedbackComment: String?
    var feedbackAt: Date?
    var dispatchBy: Date?
    var respondBy: Date?
    var acceptanceBy: Date?
    var mediationBy: Date?
    var dispatchedAt: Date?
    var respondedAt: Date?
    var acceptedAt: Date?
    var outcome: ComplaintStatus?
    var outcomeAt: Date?
    /// ``ServiceDeadline``s already reported overdue (``storedBits``).
    var overdue: Int
    var merchantCode: String?
    /// ``Merchant/nameKey(_:)`` of the merchant's name, for repeat detection.
    var merchantKey: String
    var merchantCase: Int64?
    var repeatOf: String?
    /// JSON list of ``BorderCounty``, NULL when the point is well inside its county.
    var borderCounties: String?
    var client: String?
    var merchantID: String?
    var enterpriseCode: String?
    var enterpriseName: String?
    var settleBy: Date?
    var settlement: String?
    var settlementAt: Date?
    var replyBy: Date?
    var trainOutcome: Complaint.DirectTrain.Outcome?
    var trainEndedAt: Date?
    var urgentReason: String?
    var urgentAt: Date?
    var urgentBy: Date?
    var urgentMetAt: Date?
    var reviewTrigger: Complaint.Review.Trigger?
    var reviewOpenedAt: Date?
    var reviewBy: Date?
    var reviewFinding: Complaint.Review.Finding?
    var reviewFoundAt: Date?
    var visitQueuedAt: Date?
    var visitDoneAt: Date?
    var visitReached: Bool?
    var visitSatisfied: Bool?
    var courtID: String?
    var handedOffAt: Date?
    /// ``ServiceDeadline``s counted without an official calendar (``storedBits``).
    var provisionalDeadlines: Int
    /// ``Jurisdiction/county(of:)``: the county it is listed and counted in, kept for the lists' index.
    var holdingCounty: String
    /// 不予受理: why (NULL: not declined) and when.
    var declineReason: DeclineReason?
    var declinedAt: Date?
    /// The point again, for GIS tools; written, never read back.
    var geom: SpatiaLitePoint?

    enum CodingKeys: String, CodingKey, ColumnExpression, CaseIterable {
        case number, trackingDigest = "tracking_digest", status, category, description, amountFen = "amount_fen"
        case preferredMode = "preferred_mode", mode, consumerName = "consumer_name", consumerPhone = "consumer_phone"
        case merchantName = "merchant_name", merchantAddress = "merchant_address", lat, lng, givenLat = "given_lat", givenLng = "given_lng"
        case coordsys, countyCode = "county_code", stationID = "station_id", distanceMeters = "distance_m", assignmentReason = "assignment_reason"
        case submittedAt = "submitted_at", updatedAt = "updated_at", appointmentStartsAt = "appointment_starts_at"
        case appointmentEndsAt = "appointment_ends_at", appointmentConfirmed = "appointment_confirmed", videoRoom = "video_room"
        case videoScheduledAt = "video_scheduled_at", videoConfirmed = "video_confirmed", satisfaction, feedbackComment = "feedback_comment"
        case feedbackAt = "feedback_at", dispatchBy = "dispatch_by", respondBy = "respond_by", acceptanceBy = "acceptance_by"
        case mediationBy = "mediation_by", dispatchedAt = "dispatched_at", respondedAt = "responded_at", acceptedAt = "accepted_at"
        case outcome, outcomeAt = "outcome_at", overdue, merchantCode = "merchant_code", merchantKey = "merchant_key"
        case merchantCase = "merchant_case", repeatOf = "repeat_of", borderCounties = "border_counties", client, merchantID = "merchant_id"
        case enterpriseCode = "enterprise_code", enterpriseName = "enterprise_name", settleBy = "settle_by", settlement
        case settlementAt = "settlement_at", replyBy = "reply_by", trainOutcome = "train_outcome", trainEndedAt = "train_ended_at"
        case urgentReason = "urgent_reason", urgentAt = "urgent_at", urgentBy = "urgent_by", urgentMetAt = "urgent_met_at"
        case reviewTrigger = "review_trigger", reviewOpenedAt = "review_opened_at", reviewBy = "review_by"
        case reviewFinding = "review_finding", reviewFoundAt = "review_found_at", visitQueuedAt = "visit_queued_at"
        case visitDoneAt = "visit_done_at", visitReached = "visit_reached", visitSatisfied = "visit_satisfied", courtID = "court_id"
        case handedOffAt = "handed_off_at", provisionalDeadlines = "provisional_deadlines", holdingCounty = "holding_county"
        case declineReason = "decline_reason", declinedAt = "declined_at", geom
    }
    typealias Columns = CodingKeys

    init(_ c: Complaint) throws {
        let i = c.intake
        number = c.number; trackingDigest = c.trackingDigest; status = c.status
        category = i.category; description = i.description; amountFen = i.amountFen; preferredMode = i.preferredMode; mode = c.mode
        consumerName = i.consumerName; consumerPhone = i.consumerPhone; merchantName = i.merchantName; merchantAddress = i.merchantAddress
        lat = i.location.latitude; lng = i.location.longitude; givenLat = i.givenLocation.latitude; givenLng = i.givenLocation.longitude
        coordsys = i.coordinateSystem; countyCode = c.countyCode; stationID = c.stationID; distanceMeters = c.distanceMeters
        assignmentReason = c.assignmentReason; submittedAt = c.submittedAt; updatedAt = c.updatedAt
        appointmentStartsAt = c.appointment?.startsAt; appointmentEndsAt = c.appointment?.endsAt; appointmentConfirmed = c.appointment?.confirmed
        videoRoom = c.video?.room; videoScheduledAt = c.video?.scheduledAt; videoConfirmed = c.video?.confirmed
        satisfaction = c.feedback?.satisfaction; feedbackComment = c.feedback?.comment; feedbackAt = c.feedback?.at
        dispatchBy = c.deadlines.dispatchBy; respondBy = c.deadlines.respondBy
        acceptanceBy = c.deadlines.acceptanceBy; mediationBy = c.deadlines.mediationBy
        dispatchedAt = c.milestones.dispatchedAt; respondedAt = c.milestones.respondedAt; acceptedAt = c.milestones.acceptedAt
        outcome = c.milestones.outcome; outcomeAt = c.milestones.outcomeAt; overdue = c.overdueReported.storedBits
        merchantCode = i.merchantCode; merchantKey = Merchant.nameKey(i.merchantName); merchantCase = c.merchantCase; repeatOf = c.repeatOf
        borderCounties = c.borderCounties.isEmpty ? nil : try JSONOutput.string(c.borderCounties)
        client = c.client; merchantID = i.merchantID
        enterpriseCode = c.directTrain?.enterpriseCode; enterpriseName = c.directTrain?.enterpriseName; settleBy = c.directTrain?.settleBy
        settlement = c.directTrain?.settlement; settlementAt = c.directTrain?.offeredAt; replyBy = c.directTrain?.replyBy
        trainOutcome = c.directTrain?.outcome; trainEndedAt = c.directTrain?.endedAt
        urgentReason = c.urgent?.reason; urgentAt = c.urgent?.markedAt; urgentBy = c.urgent?.dueBy; urgentMetAt = c.urgent?.metAt
        reviewTrigger = c.review?.trigger; reviewOpenedAt = c.review?.openedAt; reviewBy = c.review?.dueBy
        reviewFinding = c.review?.finding; reviewFoundAt = c.review?.foundAt
        visitQueuedAt = c.returnVisit?.queuedAt; visitDoneAt = c.returnVisit?.doneAt
        visitReached = c.returnVisit?.reached; visitSatisfied = c.returnVisit?.satisfied
        courtID = c.courtHandoff?.courtID; handedOffAt = c.courtHandoff?.at
        provisionalDeadlines = c.deadlines.provisional.storedBits
        holdingCounty = Jurisdiction.county(of: c)
        declineReason = c.decline?.reason; declinedAt = c.decline?.at
        geom = SpatiaLitePoint(coordinate: i.location)
    }

    func complaint() throws -> Complaint {
        func required(_ date: Date?, _ column: Columns) throws -> Date {
            guard let date else { throw StoreError(message: "complaints.\(column.rawValue) of \(number) is missing") }
            return date
        }
        let intake = ComplaintIntake(
            location: Coordinate(latitude: lat, longitude: lng), givenLocation: Coordinate(latitude: givenLat, longitude: givenLng),
            coordinateSystem: coordsys, consumerName: consumerName, consumerPhone: consumerPhone, merchantName: merchantName,
            merchantAddress: merchantAddress, merchantCode: merchantCode, category: category, description: description,
            preferredMode: preferredMode, amountFen: amountFen)
        var c = Complaint(
            number: number, trackingDigest: trackingDigest, status: status, intake: intake, countyCode: countyCode, mode: mode,
            stationID: stationID, distanceMeters: distanceMeters, assignmentReason: assignmentReason,
            submittedAt: submittedAt, updatedAt: updatedAt,
            appointment: appointmentStartsAt.flatMap { starts in appointmentEndsAt.map {
                Complaint.Appointment(startsAt: starts, endsAt: $0, confirmed: appointmentConfirmed ?? false) } },
            video: videoRoom.flatMap { room in videoScheduledAt.map {
                Complaint.VideoSession(room: room, scheduledAt: $0, confirmed: videoConfirmed ?? false) } },
            feedback: satisfaction.flatMap { satisfaction in feedbackAt.map {
                Complaint.Feedback(satisfaction: satisfaction, comment: feedbackComment, at: $0) } },
            deadlines: Complaint.Deadlines(dispatchBy: dispatchBy, respondBy: respondBy, acceptanceBy: acceptanceBy, mediationBy: mediationBy))
        c.milestones = Complaint.Milestones(dispatchedAt: dispatchedAt, respondedAt: respondedAt, acceptedAt: acceptedAt,
                                            outcome: outcome, outcomeAt: outcomeAt)
        c.overdueReported = Set(storedBits: overdue)
        c.deadlines.provisional = Set(storedBits: provisionalDeadlines)
        if let borderCounties {
            guard let counties = try? JSONDecoder().decode([BorderCounty].self, from: Data(borderCounties.utf8)) else {
                throw StoreError(message: "complaints.border_counties of \(number) is not a list of counties")
            }
            c.borderCounties = counties
        }
        c.merchantCase = merchantCase
        c.repeatOf = repeatOf
        c.client = client
        c.intake.merchantID = merchantID
        if let enterpriseCode {
            var train = Complaint.DirectTrain(enterpriseCode: enterpriseCode, enterpriseName: enterpriseName ?? "",
                                              settleBy: try required(settleBy, .settleBy))
            train.settlement = settlement
            train.offeredAt = settlementAt
            train.replyBy = replyBy
            train.outcome = trainOutcome
            train.endedAt = trainEndedAt
            c.directTrain = train
        }
        if let urgentReason {
            c.urgent = Complaint.Urgent(reason: urgentReason, markedAt: try required(urgentAt, .urgentAt), dueBy: try required(urgentBy, .urgentBy),
                                        metAt: urgentMetAt)
        }
        if let reviewTrigger {
            c.review = Complaint.Review(trigger: reviewTrigger, openedAt: try required(reviewOpenedAt, .reviewOpenedAt), dueBy: reviewBy,
                                        finding: reviewFinding, foundAt: reviewFoundAt)
        }
        if let visitQueuedAt {
            c.returnVisit = Complaint.ReturnVisit(queuedAt: visitQueuedAt, doneAt: visitDoneAt, reached: visitReached, satisfied: visitSatisfied)
        }
        if let declineReason {
            c.decline = Complaint.Decline(reason: declineReason, at: try required(declinedAt, .declinedAt))
        }
        if let courtID {
            c.courtHandoff = Complaint.CourtHandoff(courtID: courtID, at: try required(handedOffAt, .handedOffAt))
        }
        return c
    }
}

extension ComplaintRecord {
    static func complaint(_ db: any SQLSession, number: String) throws -> Complaint? {
        try fetchOne(db, sql: "SELECT \(columns) FROM complaints WHERE number = ?\(db.forUpdate)", arguments: [number])?.complaint()
    }

    /// Complaints matching `whereClause` (`WHERE …`, or empty for all), in number order or with
    /// urgent complaints first (the staff queues), at most `limit`.
    static func complaints(_ db: any SQLSession, sql whereClause: String, arguments: StatementArguments, limit: Int,
                           urgentFirst: Bool = false) throws -> [Complaint] {
        let order = urgentFirst ? "(urgent_reason IS NULL OR urgent_met_at IS NOT NULL), number" : "number"
        return try fetchAll(db, sql: "SELECT \(columns) FROM complaints \(whereClause) ORDER BY \(order) LIMIT \(limit)\(db.forUpdate)", arguments: arguments)
            .map { try $0.complaint() }
    }

    static func insert(_ c: Complaint, in db: any SQLSession) throws {
        // PostgreSQL derives the point from lat and lng (a generated PostGIS column).
        try db.insert(ComplaintRecord(c), omitting: db.dialect == .postgres ? [Columns.geom.rawValue] : [])
    }

    /// Writes the mutable part of a complaint back (every column but its number and point).
    static func update(_ c: Complaint, in db: any SQLSession) throws {
        try db.update(ComplaintRecord(c), columns: Columns.allCases.filter { $0 != .number && $0 != .geom }.map(\.rawValue),
                      key: Columns.number.rawValue, keyValue: c.number)
    }

    /// Appends events in order and returns them with their ids (`seq`) and their places in
    /// the complaint's history (`ordinal`, after the last stored one; the complaint's row is
    /// locked by the transaction, and a unique index backs it).
    /// A new complaint (`isNew`) has none stored yet, so nothing is read.
    static func append(_ events: [ComplaintEvent], number: String, isNew: Bool, in db: any SQLSession) throws -> [ComplaintEvent] {
        guard !events.isEmpty else { return [] }
        var ordinal = isNew ? 0 : try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(ordinal), 0) FROM complaint_events WHERE number = ?", arguments: [number]) ?? 0
        return try events.map { event in
            ordinal += 1
            var stored = event
            stored.ordinal = ordinal
            stored.seq = Int(try db.insertReturningKey(ComplaintEventRecord(stored, number: number), key: ComplaintEventRecord.Columns.seq.rawValue))
            return stored
        }
    }

    static func events(_ db: any SQLSession, number: String) throws -> [ComplaintEvent] {
        try ComplaintEventRecord.fetchAll(db, sql: "SELECT * FROM complaint_events WHERE number = ? ORDER BY seq", arguments: [number]).map(\.event)
    }

    /// Open complaints (holding capacity) at a station.
    ///
    /// On PostgreSQL the station's row is locked first, until the commit: two transactions
    /// that might both fill its last place count one after the other, and the second sees
    /// the first's complaint. (SQLite has one writer at a time.)
    /// The open complaints of each station the assignment policy asks about, for one
    /// transaction. On SQLite (one writer at a time) one query counts every station's the first
    /// time it is asked, rather than one query per station walked. On PostgreSQL each station
    /// consulted is locked and counted (the capacity claim is made under its row lock).
    static func openCounter(_ db: any SQLSession) -> (Station) throws -> Int {
        if db.locksRows { return { try openCount(db, stationID: $0.id) } }
        var counts: [String: Int]?
        return { station in
            if counts == nil {
                var all: [String: Int] = [:]
                for row in try Row.fetchAll(db, sql: """
                    SELECT station_id, count(*) AS open FROM complaints INDEXED BY complaints_open_by_station
                    WHERE status IN ('assigned', 'accepted', 'mediating') GROUP BY station_id
                    """, arguments: []) {
                    if let id: String = row["station_id"] { all[id] = row["open"] }
                }
                counts = all
            }
            return counts?[station.id] ?? 0
        }
    }

    static func openCount(_ db: any SQLSession, stationID: String) throws -> Int {
        if db.locksRows { try db.execute(sql: "SELECT 1 FROM stations WHERE id = ? FOR UPDATE", arguments: [stationID]) }
        return try Int.fetchOne(db, sql: """
            SELECT count(*) FROM complaints INDEXED BY complaints_open_by_station
            WHERE station_id = ? AND status IN ('assigned', 'accepted', 'mediating')
            """, arguments: [stationID]) ?? 0
    }

    /// The next number of the day: `ZJ-YYYYMMDD-NNNNNN`.
    ///
    /// On PostgreSQL a counter row per day gives it (locked until the commit, so numbers stay
    /// gapless and unique whichever process files); SQLite, one writer at a time, takes the
    /// highest number of the day.
    static func nextNumber(day: String, in db: any SQLSession) throws -> String {
        if db.dialect == .postgres {
            let next = try Int.fetchOne(db, sql: """
                INSERT INTO complaint_counters (day, last) VALUES (?, 1)
                ON CONFLICT (day) DO UPDATE SET last = complaint_counters.last + 1 RETURNING last
                """, arguments: [day]) ?? 0
            guard next <= 999_999 else { throw StoreError(message: "complaint numbers of \(day) are exhausted (999,999 in one day)") }
            return ComplaintNumber.format(day: day, sequence: next)
        }
        let highest = try String.fetchOne(db, sql: "SELECT max(number) FROM complaints WHERE number >= ? AND number < ?",
                                          arguments: ["ZJ-\(day)-", "ZJ-\(day)-A"])
        let next = (highest.flatMap { Int($0.suffix(6)) } ?? 0) + 1
        guard next <= 999_999 else { throw StoreError(message: "complaint numbers of \(day) are exhausted (999,999 in one day)") }
        return ComplaintNumber.format(day: day, sequence: next)
    }

}

/// One row of the append-only `complaint_events` table (triggers refuse updates and deletes).
struct ComplaintEventRecord: LiaisonRecord {
    static let databaseTableName = "complaint_events"

    var seq: Int64?
    var number: String
    var ordinal: Int
    var at: Date
    var actor: String
    var action: ComplaintAction
    var fromStatus: ComplaintStatus?
    var toStatus: ComplaintStatus
    var stationID: String?
    var note: String?

    enum CodingKeys: String, CodingKey, ColumnExpression {
        case seq, number, ordinal, at, actor, action, fromStatus = "from_status", toStatus = "to_status", stationID = "station_id", note
    }
    typealias Columns = CodingKeys

    init(_ event: ComplaintEvent, number: String) {
        self.number = number
        ordinal = event.ordinal
        at = event.at; actor = event.actor; action = event.action; fromStatus = event.from; toStatus = event.to
        stationID = event.stationID; note = event.note
    }

    var event: ComplaintEvent {
        ComplaintEvent(seq: Int(seq ?? 0), ordinal: ordinal, at: at, actor: actor, action: action, from: fromStatus, to: toStatus, stationID: stationID, note: note)
    }
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
