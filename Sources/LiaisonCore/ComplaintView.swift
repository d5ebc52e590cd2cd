import Foundation
import Geodesy

/// A complaint as JSON, for the consumer tracking it or for staff.
///
/// The consumer's phone is masked (`138****8000`) for everyone but the staff of the assigned
/// station's county; the mediator's video link is shown to staff only.
///
/// Consumers and enterprises never see what staff wrote for each other or the service wrote
/// for staff: an event's note only when their own party wrote it, actors as roles
/// (``publicActor(_:)``), the assignment reason only when the assignment policy wrote it, and an
/// urgent mark's reason only when it is the intake rule's. Staff see everything. Times are
/// Asia/Shanghai (`+08:00`) for every audience.
public struct ComplaintView: Sendable, Encodable {
    public enum Audience: Sendable, Hashable {
        case consumer
        /// Staff; `seesPhone` when the token belongs to the assigned station's county.
        case staff(seesPhone: Bool)
        /// The enterprise of the direct train: it sees the consumer's phone while the complaint
        /// is with it (to settle, it must call), masked afterwards.
        case enterprise
    }

    public struct Location: Sendable, Encodable {
        let lat: Double
        let lng: Double
        let coordsys: String
    }

    public struct Party: Sendable, Encodable {
        let name: String
        let phone: String?
        let address: String?
        /// The merchant's unified social credit code, when given.
        let code: String?
    }

    public struct CountyRef: Sendable, Encodable {
        let code: String
        let name: String
        let city_name: String
    }

    public struct StationRef: Sendable, Encodable {
        let id: String
        let name: String
        let distance_m: Double?
        let phone: String
        let address: String
        let county_code: String
        let county_name: String
        let hours: WeeklyHours
        /// In the coordinate system the complaint's location was given in (as ``ComplaintView/location``), to 1e-7 degrees.
        let location: Location
    }

    public struct AppointmentView: Sendable, Encodable {
        let starts_at: String
        let ends_at: String
        /// proposed or confirmed.
        let status: String
        let place: String?
    }

    public struct VideoView: Sendable, Encodable {
        let room: String
        let scheduled_at: String
        let status: String
        let links: [String: String]
    }

    public struct DeadlinesView: Sendable, Encodable {
        let dispatch_by: String?
        let respond_by: String?
        let acceptance_by: String?
        let mediation_by: String?
        /// The deadlines counted by the law alone (no official schedule for their year yet): they
        /// may move when the year's notice is loaded.
        let provisional: [String]
    }

    public struct FeedbackView: Sendable, Encodable {
        let satisfaction: Int
        let comment: String?
        let at: String
    }

    public struct DirectTrainView: Sendable, Encodable {
        let enterprise: EnterpriseRef
        let settle_by: String
        let settlement: String?
        let offered_at: String?
        /// Accept or reject by then; silence accepts.
        let reply_by: String?
        /// settled, declined, timed_out, rejected, recalled or withdrawn; nil while it runs.
        let outcome: String?
        let ended_at: String?
    }

    public struct EnterpriseRef: Sendable, Encodable {
        let credit_code: String
        let name: String
    }

    public struct UrgentView: Sendable, Encodable {
        let reason: String
        let marked_at: String
        let due_by: String
        let met_at: String?
    }

    public struct ReviewView: Sendable, Encodable {
        /// dissatisfied or rejected_settlement.
        let trigger: String
        let opened_at: String
        let due_by: String?
        /// upheld or reopened; nil while open.
        let finding: String?
        let found_at: String?
    }

    public struct ReturnVisitView: Sendable, Encodable {
        let queued_at: String
        let done_at: String?
        let reached: Bool?
        let satisfied: Bool?
    }

    public struct CourtHandoffView: Sendable, Encodable {
        let court: Court?
        let court_id: String
        let at: String
    }

    public struct DeclineView: Sendable, Encodable {
        /// A code of ``DeclineReason``.
        let reason: String
        let reason_label: String
        let at: String
    }

    public struct EventView: Sendable, Encodable {
        /// The event's id in the store, the same in every view and increasing over all
        /// complaints: what a receiver de-duplicates on.
        let id: Int
        /// Its place in this complaint's history: 1, 2, 3…
        let seq: Int
        let at: String
        let actor: String
        let action: String
        let from: String?
        let to: String
        let station_id: String?
        let note: String?
        /// Consumers asking in Chinese: the action and the actor's role, in Chinese.
        let action_label: String?
        let actor_label: String?
    }

    let number: String
    let tracking_token: String?
    let status: String
    /// Consumers asking in Chinese: the status in Chinese.
    let status_label: String?
    let category: String
    let category_label: String
    let description: String
    let amount_yuan: Double?
    let preferred_mode: String
    let mode: String
    let location: Location
    let county: CountyRef?
    /// `inside`, or `near_border` when the location is within the county polygons' accuracy of
    /// another county, whose staff may then claim the complaint.
    let county_confidence: String
    /// The other counties the location may be in, nearest first; empty when `inside`.
    let border_counties: [BorderCounty]
    let consumer: Party
    let merchant: Party
    let station: StationRef?
    let assignment_reason: String?
    let submitted_at: String
    let updated_at: String
    let deadlines: DeadlinesView
    let appointment: AppointmentView?
    let video: VideoView?
    let feedback: FeedbackView?
    /// What the consumer can do next when mediation failed (12315, courts).
    let next_steps: String?
    /// The direct train, when the merchant is an enrolled enterprise.
    let direct_train: DirectTrainView?
    let urgent: UrgentView?
    let review: ReviewView?
    /// Staff only.
    let return_visit: ReturnVisitView?
    let court_handoff: CourtHandoffView?
    /// Staff's decision not to accept the complaint (不予受理) and why.
    let decline: DeclineView?
    /// What the viewer may do now.
    let allowed_actions: [String]
    let events: [EventView]
    /// Staff only: the repeat link, the same consumer's other complaints about the merchant and the merchant case.
    let links: ComplaintLinks?
    /// In the intake answer only: the consumer's own open complaints about the same merchant.
    let same_merchant_open: [ConsumerComplaintRef]?

    /// What a consumer whose mediation failed is told.
    public static let failedNextSteps = "调解未能达成协议。您可以拨打 12315 或登录全国 12315 平台 (www.12315.cn) 继续投诉，也可以依法申请人民法院调解、申请仲裁或提起诉讼。"

    /// What consumers and enterprises see as the reason of an urgent mark staff made (their note is internal).
    public static let staffUrgentReason = "由站点工作人员列为紧急件"

    /// What a consumer whose complaint was not accepted is told, after the reason.
    public static let declinedNextSteps = "如有异议，您可以拨打 12315 或登录全国 12315 平台 (www.12315.cn) 咨询，也可以依法申请仲裁或向人民法院提起诉讼。"

    /// - Parameters:
    ///   - trackingToken: given only in the intake response (the one place the token is shown).
    ///   - videoBaseURL: where video rooms live (for example a self-hosted Jitsi).
    ///   - language: Chinese adds `status_label` and the events' `action_label` and `actor_label` to a consumer's view.
    public init(_ complaint: Complaint, events: [ComplaintEvent], snapshot: StationSnapshot, audience: Audience,
                videoBaseURL: String, trackingToken: String? = nil, links: ComplaintLinks? = nil, sameMerchantOpen: [ConsumerComplaintRef]? = nil,
                courts: CourtRegister = .empty, videoSigner: VideoSigner? = nil, language: Language = .english) {
        let c = complaint
        let labelled = audience == .consumer && language == .chinese
        number = c.number
        tracking_token = trackingToken
        status = c.status.rawValue
        status_label = labelled ? Labels.status(c.status).zh : nil
        category = c.intake.category.rawValue
        category_label = c.intake.category.label
        description = c.intake.description
        amount_yuan = c.intake.amountFen.map { Double($0) / 100 }
        preferred_mode = c.intake.preferredMode.rawValue
        mode = c.mode.rawValue
        location = Location(lat: c.intake.givenLocation.latitude, lng: c.intake.givenLocation.longitude, coordsys: c.intake.coordinateSystem.rawValue)
        county = snapshot.counties.county(code: c.countyCode).map { CountyRef(code: $0.adcode, name: $0.name, city_name: $0.cityName) }
        county_confidence = c.countyConfidence.rawValue
        border_counties = c.borderCounties
        if case .staff = audience { self.links = links } else { self.links = nil }
        same_merchant_open = trackingToken != nil ? (sameMerchantOpen ?? []) : nil
        let seesPhone = switch audience {
        case .staff(let sees): sees
        case .enterprise: c.status.isWithEnterprise
        case .consumer: false
        }
        consumer = Party(name: c.intake.consumerName, phone: seesPhone ? c.intake.consumerPhone : MobileNumber.masked(c.intake.consumerPhone), address: nil, code: nil)
        merchant = Party(name: c.intake.merchantName, phone: nil, address: c.intake.merchantAddress, code: c.intake.merchantCode)
        let station = audience == .enterprise ? nil : c.stationID.flatMap { snapshot.station(id: $0) }
        self.station = station.map { s in
            StationRef(id: s.id, name: s.name, distance_m: c.distanceMeters.map { rounded($0, 2) }, phone: s.phone, address: s.address.line,
                       county_code: s.countyCode, county_name: snapshot.counties.place(of: s).countyName, hours: s.hours,
                       location: Location(shown: s.location, in: c.intake.coordinateSystem))
        }
        let party: ComplaintParty = switch audience {
        case .consumer: .consumer
        case .staff: .staff
        case .enterprise: .enterprise
        }
        // Staff's reassignments, claims, reopenings and retirements write their token's name and
        // note into the reason; the policy's own reason (system `assign`) names only places.
        let lastAssignment = events.last { [.assign, .reassign, .claim, .reopen].contains($0.action) }
        assignment_reason = party == .staff || (lastAssignment?.action == .assign && lastAssignment?.actor == "system") ? c.assignmentReason : nil
        submitted_at = Timestamp.shanghai(c.submittedAt)
        updated_at = Timestamp.shanghai(c.updatedAt)
        deadlines = DeadlinesView(dispatch_by: c.deadlines.dispatchBy.map(Timestamp.shanghai), respond_by: c.deadlines.respondBy.map(Timestamp.shanghai),
                                  acceptance_by: c.deadlines.acceptanceBy.map(Timestamp.shanghai), mediation_by: c.deadlines.mediationBy.map(Timestamp.shanghai),
                                  provisional: c.deadlines.provisional.names)
        appointment = c.appointment.map {
            AppointmentView(starts_at: Timestamp.shanghai($0.startsAt), ends_at: Timestamp.shanghai($0.endsAt),
                            status: $0.confirmed ? "confirmed" : "proposed", place: station.map { $0.name + " (" + $0.address.line + ")" })
        }
        video = c.video.map { v in
            let links = v.links(base: videoBaseURL, signer: videoSigner)
            // Each party sees its own link only (staff hand the merchant theirs); none once the complaint is over.
            var shown: [String: String] = switch audience {
            case .consumer: ["consumer": links.consumer]
            case .enterprise: ["merchant": links.merchant]
            case .staff: ["consumer": links.consumer, "merchant": links.merchant, "mediator": links.mediator]
            }
            if [.resolved, .failed, .closed, .withdrawn].contains(c.status) { shown = [:] }
            return VideoView(room: v.room, scheduled_at: Timestamp.shanghai(v.scheduledAt), status: v.confirmed ? "confirmed" : "proposed", links: shown)
        }
        feedback = c.feedback.map { FeedbackView(satisfaction: $0.satisfaction, comment: $0.comment, at: Timestamp.shanghai($0.at)) }
        next_steps = c.status == .failed || (c.status == .closed && events.contains { $0.action == .fail }) ? Self.failedNextSteps
            : c.decline.map { "不予受理：\($0.reason.label)。" + Self.declinedNextSteps }
        direct_train = c.directTrain.map { t in
            DirectTrainView(enterprise: EnterpriseRef(credit_code: t.enterpriseCode, name: t.enterpriseName), settle_by: Timestamp.shanghai(t.settleBy),
                            settlement: t.settlement, offered_at: t.offeredAt.map(Timestamp.shanghai), reply_by: t.replyBy.map(Timestamp.shanghai),
                            outcome: t.outcome?.rawValue, ended_at: t.endedAt.map(Timestamp.shanghai))
        }
        let staffMarkedUrgent = party != .staff && events.contains { $0.action == .mark_urgent }
        urgent = c.urgent.map { UrgentView(reason: staffMarkedUrgent ? Self.staffUrgentReason : $0.reason, marked_at: Timestamp.shanghai($0.markedAt), due_by: Timestamp.shanghai($0.dueBy), met_at: $0.metAt.map(Timestamp.shanghai)) }
        review = c.review.map { ReviewView(trigger: $0.trigger.rawValue, opened_at: Timestamp.shanghai($0.openedAt), due_by: $0.dueBy.map(Timestamp.shanghai),
                                           finding: $0.finding?.rawValue, found_at: $0.foundAt.map(Timestamp.shanghai)) }
        return_visit = party == .staff ? c.returnVisit.map {
            ReturnVisitView(queued_at: Timestamp.shanghai($0.queuedAt), done_at: $0.doneAt.map(Timestamp.shanghai), reached: $0.reached, satisfied: $0.satisfied)
        } : nil
        decline = c.decline.map { DeclineView(reason: $0.reason.rawValue, reason_label: $0.reason.label, at: Timestamp.shanghai($0.at)) }
        court_handoff = c.courtHandoff.map { CourtHandoffView(court: courts.court(id: $0.courtID), court_id: $0.courtID, at: Timestamp.shanghai($0.at)) }
        allowed_actions = Self.allowedActions(c, party: party).map(\.rawValue)
        // The enterprise sees its own part of the timeline, not the station's.
        let directTrainActions: Set<ComplaintAction> = [.submit, .refer, .settle, .decline, .timeout, .recall, .accept_settlement, .reject_settlement, .lapse, .withdraw]
        let shownEvents = party == .enterprise ? events.filter { directTrainActions.contains($0.action) && ($0.action != .decline || $0.from?.isWithEnterprise == true) } : events
        self.events = shownEvents.map {
            let role = Self.publicActor($0)
            // Only staff see notes their colleagues and the service wrote (internal: configuration
            // paths, token names, working notes); the others see the notes their own party wrote.
            let note = party == .staff || $0.action.party(from: $0.from) == party ? $0.note : nil
            return EventView(id: $0.seq, seq: $0.ordinal, at: Timestamp.shanghai($0.at), actor: party == .staff ? $0.actor : role.rawValue,
                             action: $0.action.rawValue, from: $0.from?.rawValue, to: $0.to.rawValue, station_id: $0.stationID, note: note,
                             action_label: labelled ? Labels.event($0.action, from: $0.from).zh : nil, actor_label: labelled ? role.label.zh : nil)
        }
    }
}

extension ComplaintView {
    /// Who did something, as consumers and enterprises are shown it: `consumer`, `system`,
    /// `enterprise` or `station_staff`, never a token's or key's name.
    static func publicActor(_ event: ComplaintEvent) -> Labels.Actor {
        if event.actor == "consumer" || event.actor.hasPrefix("open311:") { return .consumer }
        if event.actor == "system" { return .system }
        return event.action.party(from: event.from) == .enterprise ? .enterprise : .station_staff
    }

    /// What `party` may do now: the state machine's actions, less those whose precondition the
    /// complaint does not meet (nothing to confirm, not near a border, no open review...).
    public static func allowedActions(_ c: Complaint, party: ComplaintParty) -> [ComplaintAction] {
        let proposal = c.appointment.map { !$0.confirmed } ?? c.video.map { !$0.confirmed } ?? false
        let reviewOpen = c.review?.isOpen == true
        return ComplaintLifecycle.allowed(in: c.status, for: party).filter { action in
            switch action {
            case .confirm_appointment: proposal
            case .claim: !c.borderCounties.isEmpty
            case .mark_urgent: c.urgent == nil
            case .verify: c.urgent != nil && c.urgent?.metAt == nil
            case .uphold, .reopen: reviewOpen
            case .return_visit: c.returnVisit != nil && c.returnVisit?.doneAt == nil
            case .hand_off: c.courtHandoff == nil && (c.status == .failed || c.milestones.outcome == .failed)
            // A mediation under way moves only with its station's forced retirement.
            case .reassign: c.status != .mediating
            default: true
            }
        }
    }
}

/// One of a consumer's complaints, as shown to that consumer or to staff.
public struct ConsumerComplaintRef: Sendable, Hashable, Codable {
    public let number: String
    public let status: String
    public let submitted_at: String

    public init(number: String, status: String, submitted_at: String) {
        self.number = number
        self.status = status
        self.submitted_at = submitted_at
    }
}

/// What staff see of a complaint's relations: the consumer's repeats and the merchant case.
public struct ComplaintLinks: Sendable, Encodable {
    /// The merchant case: every complaint about the same merchant, counted (not listed: other
    /// consumers' complaints are not this complaint's business).
    public struct Case: Sendable, Hashable, Encodable {
        public let id: Int64
        public let merchant_name: String
        public let merchant_code: String?
        public let complaints: Int
        public let consumers: Int
        public let first_at: String
        public let last_at: String

        public init(id: Int64, merchant_name: String, merchant_code: String?, complaints: Int, consumers: Int, first_at: String, last_at: String) {
            self.id = id
            self.merchant_name = merchant_name
            self.merchant_code = merchant_code
            self.complaints = complaints
            self.consumers = consumers
            self.first_at = first_at
            self.last_at = last_at
        }
    }

    /// The same consumer's earlier complaint about this merchant within 30 days, when this one repeats it.
    public let repeat_of: String?
    /// The same consumer's other complaints about this merchant, newest first (at most 20).
    public let same_consumer: [ConsumerComplaintRef]
    public let merchant_case: Case?

    public init(repeat_of: String?, same_consumer: [ConsumerComplaintRef], merchant_case: Case?) {
        self.repeat_of = repeat_of
        self.same_consumer = same_consumer
        self.merchant_case = merchant_case
    }
}

/// A line of a staff queue or of `liaison complaints list`; the phone masked unless `seesPhone`.
public struct ComplaintSummary: Sendable, Encodable {
    public let number: String
    public let status: String
    public let mode: String
    public let category: String
    public let station_id: String?
    public let county_code: String
    /// `inside`, or `near_border` (another county's staff may claim it).
    public let county_confidence: String
    /// The same consumer's earlier complaint about the same merchant within 30 days.
    public let repeat_of: String?
    public let consumer_phone: String
    public let submitted_at: String
    public let updated_at: String
    /// Urgent and its 24-hour clock still running: such complaints come first in the queues.
    public let urgent: Bool
    /// The enterprise of the direct train, when it went to one.
    public let enterprise_code: String?
    /// An open review's deadline, a pending return visit's queueing time.
    public let review_due_by: String?
    public let return_visit_queued_at: String?
    /// Deadlines counted by the law alone (see ``Complaint/Deadlines/provisional``).
    public let provisional_deadlines: [String]
    /// The earliest deadline whose clock still runs (passed or not): a queue shows it as time left.
    public let next_deadline: NextDeadline?

    public struct NextDeadline: Sendable, Encodable {
        public let kind: String
        public let due_by: String
    }

    /// - Parameter utc: times in UTC (`…Z`, for machines) instead of Asia/Shanghai's `+08:00`.
    public init(_ c: Complaint, seesPhone: Bool, utc: Bool = false) {
        let time: (Date) -> String = { utc ? Timestamp.string($0) : Timestamp.shanghai($0) }
        provisional_deadlines = c.deadlines.provisional.names
        next_deadline = c.runningDeadlines.first.map { NextDeadline(kind: $0.kind.rawValue, due_by: time($0.dueBy)) }
        urgent = c.urgent != nil && c.urgent?.metAt == nil
        enterprise_code = c.directTrain?.enterpriseCode
        review_due_by = c.review.flatMap { $0.isOpen ? $0.dueBy.map(time) : nil }
        return_visit_queued_at = c.returnVisit.flatMap { $0.doneAt == nil ? time($0.queuedAt) : nil }
        county_confidence = c.countyConfidence.rawValue
        repeat_of = c.repeatOf
        number = c.number
        status = c.status.rawValue
        mode = c.mode.rawValue
        category = c.intake.category.rawValue
        station_id = c.stationID
        county_code = c.countyCode
        consumer_phone = seesPhone ? c.intake.consumerPhone : MobileNumber.masked(c.intake.consumerPhone)
        submitted_at = time(c.submittedAt)
        updated_at = time(c.updatedAt)
    }
}

/// RFC 3339 timestamps in UTC with milliseconds (`2026-11-29T07:38:47.123Z`): sortable as text.
public enum Timestamp {
    public static func string(_ date: Date) -> String {
        // Date keeps its time as a Double from 2001, so a whole millisecond may come back a hair
        // below itself: round to the microsecond first, then drop to the millisecond.
        let micros = Int((date.timeIntervalSince1970 * 1_000_000).rounded())
        let ms = micros >= 0 ? micros / 1000 : (micros - 999) / 1000
        let seconds = Int((Double(ms) / 1000).rounded(.down))
        let day = Int((Double(seconds) / 86400).rounded(.down))
        let time = seconds - day * 86400
        let civil = LocalDate(daysSince1970: day)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", civil.year, civil.month, civil.day,
                      time / 3600, time % 3600 / 60, time % 60, ms - seconds * 1000)
    }

    /// The same instant in Asia/Shanghai's offset (`2026-11-29T15:38:47.123+08:00`): how complaint
    /// views and staff queues show times to people (UTC+8 all year, no daylight saving time since 1991).
    public static func shanghai(_ date: Date) -> String {
        let utc = string(date.addingTimeInterval(Double(ShanghaiTime.offsetSeconds)))
        return String(utc.dropLast()) + "+08:00"
    }

    /// A stored (UTC) timestamp in Asia/Shanghai's offset; the text as it is if it does not parse.
    public static func shanghai(stored text: String) -> String {
        parse(text).map(shanghai) ?? text
    }

    /// Parses RFC 3339: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, up to 9 fraction digits,
    /// a real calendar date (proleptic Gregorian), hours 00-23, offsets up to ±23:59.
    ///
    /// Read byte by byte rather than with `ISO8601DateFormatter`: every stored timestamp goes
    /// through here when a complaint is read, and the formatter is costly to make and more
    /// lenient than the documented shape.
    public static func parse(_ text: String) -> Date? {
        let b = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= b.count else { return nil }
            var value = 0
            for i in range {
                guard (48...57).contains(b[i]) else { return nil }
                value = value * 10 + Int(b[i] - 48)
            }
            return value
        }
        func byte(_ i: Int, _ c: UInt8) -> Bool { i < b.count && b[i] == c }
        guard let year = number(0..<4), byte(4, UInt8(ascii: "-")), let month = number(5..<7), byte(7, UInt8(ascii: "-")),
              let day = number(8..<10), byte(10, UInt8(ascii: "T")), let hour = number(11..<13), byte(13, UInt8(ascii: ":")),
              let minute = number(14..<16), byte(16, UInt8(ascii: ":")), let second = number(17..<19),
              let date = LocalDate(year: year, month: month, day: day), hour < 24, minute < 60, second < 60 else { return nil }
        var i = 19
        var fraction = 0.0
        if byte(i, UInt8(ascii: ".")) {
            let start = i + 1
            i = start
            while i < b.count, (48...57).contains(b[i]) { i += 1 }
            guard i > start, i - start <= 9, let digits = number(start..<i) else { return nil }
            fraction = Double(digits) / pow(10, Double(i - start))
        }
        var offsetSeconds = 0
        if byte(i, UInt8(ascii: "Z")) {
            guard i + 1 == b.count else { return nil }
        } else {
            guard byte(i, UInt8(ascii: "+")) || byte(i, UInt8(ascii: "-")), let h = number(i + 1..<i + 3), byte(i + 3, UInt8(ascii: ":")),
                  let m = number(i + 4..<i + 6), i + 6 == b.count, h < 24, m < 60 else { return nil }
            offsetSeconds = (h * 3600 + m * 60) * (b[i] == UInt8(ascii: "-") ? -1 : 1)
        }
        let seconds = date.daysSince1970 * 86400 + hour * 3600 + minute * 60 + second - offsetSeconds
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }
}

extension ComplaintView.Location {
    /// A WGS-84 location as shown to a caller in `system` (see ``NearestResponse/Point/shown(_:in:)``).
    init(shown wgs84: Coordinate, in system: CoordinateSystem) {
        let point = NearestResponse.Point.shown(wgs84, in: system)
        self.init(lat: point.lat, lng: point.lng, coordsys: system.rawValue)
    }
}
