import Foundation
import Geodesy

/// A consumer's complaint as the store holds it.
public struct Complaint: Sendable, Hashable {
    /// `ZJ-YYYYMMDD-NNNNNN`: the Asia/Shanghai date of submission and a daily sequence.
    public var number: String
    /// The SHA-256 (hex) of the tracking token that lets the consumer track the complaint
    /// (``TrackingKey/digest(_:)``). The token itself is derived from the number
    /// (``TrackingKey/token(for:)``) and shown once, in the intake answer; it is never stored.
    public var trackingDigest: String
    public var status: ComplaintStatus
    public var intake: ComplaintIntake
    /// The county that serves the complaint's location.
    public var countyCode: String
    /// The mode it will be mediated in (the preferred one unless no station offered it).
    public var mode: MediationMode
    public var stationID: String?
    /// Geodesic metres from the complaint to the assigned station.
    public var distanceMeters: Double?
    public var assignmentReason: String?
    public var submittedAt: Date
    public var updatedAt: Date
    public var appointment: Appointment?
    public var video: VideoSession?
    public var feedback: Feedback?
    public var deadlines: Deadlines
    /// When each service-level clock stopped.
    public var milestones = Milestones()
    /// Deadlines already reported overdue (each once).
    public var overdueReported: Set<ServiceDeadline> = []
    /// The other counties the location may be in (it is within the county polygons' accuracy
    /// of their borders), nearest first; empty when the county is certain. Their staff may claim it.
    public var borderCounties: [BorderCounty] = []
    /// The merchant case: the complaints about the same merchant (same credit code, or the same
    /// name key within ``Merchant/sameNameWithinMeters``), whoever filed them.
    public var merchantCase: Int64?
    /// The same consumer's last complaint about the same merchant within
    /// ``Merchant/repeatWithinDays`` days, when this one repeats it.
    public var repeatOf: String?
    /// The client key's name that filed the complaint (Open311, or `POST /v1/complaints` with
    /// `X-Client-Key`): its status callbacks get the events. Nil for anonymous intake and the CLI.
    public var client: String?
    /// The direct train: the enrolled enterprise the complaint went to first, and what came of it.
    public var directTrain: DirectTrain?
    /// Set when the complaint is urgent: a 24-hour mediation-or-verification clock.
    public var urgent: Urgent?
    /// The latest review of its outcome (a dissatisfied consumer, a rejected settlement).
    public var review: Review?
    /// A return visit (回访) when the closed complaint was sampled for one.
    public var returnVisit: ReturnVisit?
    /// The court's mediation a failed mediation was handed to.
    public var courtHandoff: CourtHandoff?
    /// Staff's decision not to accept it (不予受理), when they made it.
    public var decline: Decline?

    public var countyConfidence: CountyConfidence { borderCounties.isEmpty ? .inside : .near_border }

    public init(number: String, trackingDigest: String, status: ComplaintStatus, intake: ComplaintIntake, countyCode: String,
                mode: MediationMode, stationID: String? = nil, distanceMeters: Double? = nil, assignmentReason: String? = nil,
                submittedAt: Date, updatedAt: Date, appointment: Appointment? = nil, video: VideoSession? = nil,
                feedback: Feedback? = nil, deadlines: Deadlines = Deadlines()) {
        self.number = number
        self.trackingDigest = trackingDigest
        self.status = status
        self.intake = intake
        self.countyCode = countyCode
        self.mode = mode
        self.stationID = stationID
        self.distanceMeters = distanceMeters
        self.assignmentReason = assignmentReason
        self.submittedAt = submittedAt
        self.updatedAt = updatedAt
        self.appointment = appointment
        self.video = video
        self.feedback = feedback
        self.deadlines = deadlines
    }

    /// An offline mediation appointment at the station.
    public struct Appointment: Sendable, Hashable {
        public var startsAt: Date
        public var endsAt: Date
        /// The station proposes; the consumer confirms.
        public var confirmed: Bool

        public init(startsAt: Date, endsAt: Date, confirmed: Bool) {
            self.startsAt = startsAt
            self.endsAt = endsAt
            self.confirmed = confirmed
        }
    }

    /// An online multi-party mediation session.
    public struct VideoSession: Sendable, Hashable {
        /// Unguessable (128 random bits).
        public var room: String
        public var scheduledAt: Date
        public var confirmed: Bool

        public init(room: String, scheduledAt: Date, confirmed: Bool) {
            self.room = room
            self.scheduledAt = scheduledAt
            self.confirmed = confirmed
        }

        /// Join links for each party: the room on the configured base URL (for example a
        /// self-hosted Jitsi), each with its own signed token when a signer is configured; the
        /// bare room otherwise (no role can then be enforced: development only).
        public func links(base: String, signer: VideoSigner?) -> (consumer: String, merchant: String, mediator: String) {
            let url = base.hasSuffix("/") ? base + room : base + "/" + room
            guard let signer else { return (url, url, url) }
            let domain = URL(string: base)?.host ?? ""
            func link(_ role: VideoSigner.Role) -> String { url + "?jwt=" + signer.token(room: room, role: role, domain: domain, startsAt: scheduledAt) }
            return (link(.consumer), link(.merchant), link(.mediator))
        }
    }

    public struct Feedback: Sendable, Hashable {
        /// 1 (very dissatisfied) to 5 (very satisfied).
        public var satisfaction: Int
        public var comment: String?
        public var at: Date

        public init(satisfaction: Int, comment: String?, at: Date) {
            self.satisfaction = satisfaction
            self.comment = comment
            self.at = at
        }
    }

    /// Service-level deadlines, each stored when the transition that starts its clock happens.
    public struct Deadlines: Sendable, Hashable {
        public var dispatchBy: Date?
        public var respondBy: Date?
        public var acceptanceBy: Date?
        public var mediationBy: Date?
        /// The deadlines counted over days only the law layer of the calendar answers for (no
        /// official notice for their year yet): they may still move when the notice is loaded.
        public var provisional: Set<ServiceDeadline> = []

        public init(dispatchBy: Date? = nil, respondBy: Date? = nil, acceptanceBy: Date? = nil, mediationBy: Date? = nil) {
            self.dispatchBy = dispatchBy
            self.respondBy = respondBy
            self.acceptanceBy = acceptanceBy
            self.mediationBy = mediationBy
        }

        /// The deadline of one kind (nil for the urgent and review ones: ``Complaint/deadline(_:)`` has them).
        public subscript(kind: ServiceDeadline) -> Date? {
            switch kind {
            case .dispatch: dispatchBy
            case .response: respondBy
            case .acceptance: acceptanceBy
            case .mediation: mediationBy
            case .urgent, .review: nil
            }
        }
    }

    /// The deadline of one kind, the urgent and review ones included.
    public func deadline(_ kind: ServiceDeadline) -> Date? {
        switch kind {
        case .urgent: urgent?.dueBy
        case .review: review?.dueBy ?? nil
        case .dispatch, .response, .acceptance, .mediation: deadlines[kind]
        }
    }
}

extension Complaint {
    /// How the direct train's stage of a complaint went.
    public struct DirectTrain: Sendable, Hashable {
        public var enterpriseCode: String
        public var enterpriseName: String
        /// The end of the enterprise's self-settlement window.
        public var settleBy: Date
        /// What the enterprise and the consumer agreed, as the enterprise wrote it.
        public var settlement: String?
        public var offeredAt: Date?
        /// The end of the consumer's window to accept or reject the settlement (silence accepts it).
        public var replyBy: Date?
        public var outcome: Outcome?
        public var endedAt: Date?

        public init(enterpriseCode: String, enterpriseName: String, settleBy: Date) {
            self.enterpriseCode = enterpriseCode
            self.enterpriseName = enterpriseName
            self.settleBy = settleBy
        }

        public enum Outcome: String, Sendable, Hashable, CaseIterable, Codable {
            /// The consumer accepted the enterprise's settlement (or let the reply window pass).
            case settled
            case declined
            case timed_out
            /// The consumer rejected the settlement.
            case rejected
            /// Taken back: the complaint became urgent, staff reassigned it, or the enterprise left the direct train.
            case recalled
            case withdrawn
        }
    }

    public struct Urgent: Sendable, Hashable {
        public var reason: String
        public var markedAt: Date
        /// 24 hours (the `urgent` service level) after marking: mediation started or verification recorded by then.
        public var dueBy: Date
        /// When mediation started, the outcome came or a verification was recorded, whichever came first.
        public var metAt: Date?

        public init(reason: String, markedAt: Date, dueBy: Date, metAt: Date? = nil) {
            self.reason = reason
            self.markedAt = markedAt
            self.dueBy = dueBy
            self.metAt = metAt
        }
    }

    public struct Review: Sendable, Hashable {
        public enum Trigger: String, Sendable, Hashable, Codable {
            /// Feedback of 1 or 2.
            case dissatisfied
            case rejected_settlement
        }
        public enum Finding: String, Sendable, Hashable, CaseIterable, Codable {
            case upheld, reopened
        }
        public var trigger: Trigger
        public var openedAt: Date
        /// Nil only when the working-day calendar did not reach it (the event says so).
        public var dueBy: Date?
        public var finding: Finding?
        public var foundAt: Date?

        public init(trigger: Trigger, openedAt: Date, dueBy: Date?, finding: Finding? = nil, foundAt: Date? = nil) {
            self.trigger = trigger
            self.openedAt = openedAt
            self.dueBy = dueBy
            self.finding = finding
            self.foundAt = foundAt
        }

        public var isOpen: Bool { finding == nil }
    }

    public struct ReturnVisit: Sendable, Hashable {
        public var queuedAt: Date
        public var doneAt: Date?
        /// Whether the consumer was reached; whether they were satisfied (nil when not reached).
        public var reached: Bool?
        public var satisfied: Bool?

        public init(queuedAt: Date, doneAt: Date? = nil, reached: Bool? = nil, satisfied: Bool? = nil) {
            self.queuedAt = queuedAt
            self.doneAt = doneAt
            self.reached = reached
            self.satisfied = satisfied
        }
    }

    /// 不予受理: the reason (a code of ``DeclineReason``) and when it was decided.
    public struct Decline: Sendable, Hashable {
        public var reason: DeclineReason
        public var at: Date

        public init(reason: DeclineReason, at: Date) {
            self.reason = reason
            self.at = at
        }
    }

    public struct CourtHandoff: Sendable, Hashable {
        public var courtID: String
        public var at: Date

        public init(courtID: String, at: Date) {
            self.courtID = courtID
            self.at = at
        }
    }

    /// When each service-level clock stopped; nil while it runs.
    public struct Milestones: Sendable, Hashable {
        /// First assigned to a station (dispatch).
        public var dispatchedAt: Date?
        /// The station's first action on it (accept, refuse, schedule, start_mediation, resolve, fail).
        public var respondedAt: Date?
        public var acceptedAt: Date?
        public var outcome: ComplaintStatus?
        /// When mediation ended (resolved or failed).
        public var outcomeAt: Date?

        public init(dispatchedAt: Date? = nil, respondedAt: Date? = nil, acceptedAt: Date? = nil, outcome: ComplaintStatus? = nil, outcomeAt: Date? = nil) {
            self.dispatchedAt = dispatchedAt
            self.respondedAt = respondedAt
            self.acceptedAt = acceptedAt
            self.outcome = outcome
            self.outcomeAt = outcomeAt
        }
    }

    /// The deadlines that have passed with their clock still running at `now`.
    ///
    /// - dispatch: not yet assigned to any station;
    /// - response: no station has acted on it yet;
    /// - acceptance: not accepted;
    /// - mediation: accepted but no outcome;
    /// - urgent: urgent, and neither mediation started nor verification recorded;
    /// - review: a review of the outcome without a finding.
    /// Withdrawn and closed complaints are overdue only on an open review.
    public func overdue(at now: Date) -> Set<ServiceDeadline> {
        Set(runningDeadlines.filter { now >= $0.dueBy }.map(\.kind))
    }

    /// The deadlines whose clock is still running, passed or not, earliest first: what
    /// ``overdue(at:)`` checks, and what a staff queue shows as time left.
    public var runningDeadlines: [(kind: ServiceDeadline, dueBy: Date)] {
        var running: [(kind: ServiceDeadline, dueBy: Date)] = []
        // A review runs on finished complaints too.
        if let review, review.isOpen, let due = review.dueBy { running.append((.review, due)) }
        if !status.isTerminal {
            if let urgent, urgent.metAt == nil { running.append((.urgent, urgent.dueBy)) }
            if milestones.dispatchedAt == nil, let due = deadlines.dispatchBy { running.append((.dispatch, due)) }
            if milestones.respondedAt == nil, let due = deadlines.respondBy { running.append((.response, due)) }
            if milestones.acceptedAt == nil, let due = deadlines.acceptanceBy { running.append((.acceptance, due)) }
            if milestones.acceptedAt != nil, milestones.outcomeAt == nil, let due = deadlines.mediationBy { running.append((.mediation, due)) }
        }
        return running.sorted { $0.dueBy < $1.dueBy }
    }
}

/// A service-level deadline; a complaint keeps those overdue or provisional as a `Set`.
public enum ServiceDeadline: String, Sendable, Hashable, CaseIterable {
    case dispatch
    case response = "first_response"
    case acceptance
    case mediation
    case urgent
    case review

    /// Its name in JSON, events and the CLI (`first_response` for the response deadline).
    public var name: String { rawValue }
}

extension Set where Element == ServiceDeadline {
    /// `dispatch, acceptance`: the members' names in the order of ``ServiceDeadline/allCases``.
    public var names: [String] { ServiceDeadline.allCases.filter(contains).map(\.name) }
}

/// One step in a complaint's life. Append-only.
public struct ComplaintEvent: Sendable, Hashable {
    /// The event's id in the store: increasing over all complaints (texts refer to it).
    public var seq: Int
    /// Its place in its complaint's history: 1, 2, 3… (what views call `seq`).
    public var ordinal: Int
    public var at: Date
    /// A staff token's name, `consumer`, or `system`.
    public var actor: String
    public var action: ComplaintAction
    public var from: ComplaintStatus?
    public var to: ComplaintStatus
    /// The station holding the complaint after the event.
    public var stationID: String?
    public var note: String?

    public init(seq: Int = 0, ordinal: Int = 0, at: Date, actor: String, action: ComplaintAction, from: ComplaintStatus?, to: ComplaintStatus,
                stationID: String?, note: String?) {
        self.seq = seq
        self.ordinal = ordinal
        self.at = at
        self.actor = actor
        self.action = action
        self.from = from
        self.to = to
        self.stationID = stationID
        self.note = note
    }
}

/// Complaint numbers and tokens.
public enum ComplaintNumber {
    /// `ZJ-20261129-000123` for the 123rd complaint of 29 November 2026 (Asia/Shanghai).
    public static func format(day: String, sequence: Int) -> String {
        let digits = String(sequence)
        return "ZJ-\(day)-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }

    /// The `YYYYMMDD` of an instant in Asia/Shanghai (UTC+8 all year: China has no daylight saving time).
    public static func day(of instant: Date) -> String {
        let local = ShanghaiTime(instant)
        return String(format: "%04d%02d%02d", local.year, local.month, local.day)
    }

    /// Does `text` look like a complaint number? (Checked before any lookup.)
    public static func isWellFormed(_ text: String) -> Bool {
        let b = Array(text.utf8)
        guard b.count == 18, text.hasPrefix("ZJ-"), b[11] == UInt8(ascii: "-") else { return false }
        return (3..<11).allSatisfy { (48...57).contains(b[$0]) } && (12..<18).allSatisfy { (48...57).contains(b[$0]) }
    }

    /// A fresh video room id: 128 random bits, base32 lower case (URL- and voice-safe).
    public static func newRoom() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567")
        var rng = SystemRandomNumberGenerator()
        return "zj-" + String((0..<26).map { _ in alphabet[Int(rng.next(upperBound: UInt32(32)))] })
    }
}

/// Wall-clock time in Asia/Shanghai: UTC+8 all year (no daylight saving time since 1991).
public struct ShanghaiTime: Sendable, Hashable {
    public static let offsetSeconds = LocalDate.shanghaiOffsetSeconds
    /// The local calendar day.
    public let date: LocalDate
    public var year: Int { date.year }
    public var month: Int { date.month }
    public var day: Int { date.day }
    /// Minutes since local midnight.
    public let minuteOfDay: Int
    /// 0 = Monday ... 6 = Sunday.
    public let weekday: Int
    /// Days since 1970-01-01 (local).
    public let dayNumber: Int

    public init(_ instant: Date) {
        let local = Int(instant.timeIntervalSince1970.rounded(.down)) + Self.offsetSeconds
        dayNumber = Int((Double(local) / 86400).rounded(.down))
        minuteOfDay = (local - dayNumber * 86400) / 60
        weekday = ((dayNumber % 7) + 7 + 3) % 7   // 1970-01-01 was a Thursday
        date = LocalDate(daysSince1970: dayNumber)
    }

    /// The proleptic Gregorian date of a day counted from 1970-01-01 (``LocalDate``'s arithmetic).
    public static func civil(dayNumber: Int) -> (year: Int, month: Int, day: Int) {
        let date = LocalDate(daysSince1970: dayNumber)
        return (date.year, date.month, date.day)
    }

    /// The instant of local `minuteOfDay` on local day `dayNumber`.
    public static func instant(dayNumber: Int, minuteOfDay: Int) -> Date {
        Date(timeIntervalSince1970: Double(dayNumber * 86400 + minuteOfDay * 60 - offsetSeconds))
    }
}
