import Foundation
import GRDB
import Synchronization
import LiaisonCore

/// Complaint intake, dispatch and lifecycle: every change is one IMMEDIATE transaction that
/// writes the complaint, its events and its capacity claim together, and returns only after
/// the commit (WAL, `synchronous = FULL`), so whatever a caller was told survives a crash.
///
/// ```swift
/// let desk = ComplaintDesk(database: db, finder: finder)
/// let submitted = try ComplaintFiling.submit(body, idempotencyKey: "order-42", to: desk)   // LiaisonHTTP
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
        /// What tracking tokens are derived from. A server reads it from its key file
        /// (``TrackingKey/file(_:)``); the default lives only as long as the process.
        public var trackingKey: TrackingKey
        /// Signs video join links per role (`--video-jwt-secret-file`); nil: bare room links.
        public var videoSigner: VideoSigner?
        /// The mini-program page of a complaint, `{number}` standing for its number
        /// (`--consumer-link`): the consumer's texts end with it when it fits.
        public var consumerLink: String?

        public static let defaultVideoBaseURL = "https://meet.liaison.zj"

        /// How complaints are shown under these settings.
        public var presenter: ComplaintPresenter { ComplaintPresenter(videoBaseURL: videoBaseURL, courts: courts, videoSigner: videoSigner) }

        public init(serviceClock: ServiceClock, policy: AssignmentPolicy = AssignmentPolicy(), videoBaseURL: String = Settings.defaultVideoBaseURL,
                    rateLimit: RateLimit = RateLimit(), courts: CourtRegister = .empty, trackingKey: TrackingKey = .ephemeral()) {
            self.serviceClock = serviceClock
            self.policy = policy
            self.videoBaseURL = videoBaseURL
            self.rateLimit = rateLimit
            self.courts = courts
            self.trackingKey = trackingKey
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

    public let database: any SQLStore
    public let finder: StationFinder
    public let settings: Settings
    let now: @Sendable () -> Date
    /// The service clock with the official schedules imported into the store
    /// (`calendar_notices`), reloaded in a write transaction when they change; with the days off
    /// on which no mediation sessions are proposed or scheduled.
    let clockCache: Mutex<(key: String, clock: ServiceClock, daysOff: Set<LocalDate>)>

    public init(database: any SQLStore, finder: StationFinder, settings: Settings, now: @escaping @Sendable () -> Date = { Date() }) {
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
    func current(in db: any SQLSession) throws -> StationSnapshot {
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

    // MARK: - The transaction shell

    /// Writes the complaint, appends its new events and, in the same transaction, the texts they send.
    func save(_ complaint: Complaint, events: [ComplaintEvent], inserting: Bool, snapshot: StationSnapshot, at: Date, in db: any SQLSession) throws {
        if inserting { try ComplaintRecord.insert(complaint, in: db) } else { try ComplaintRecord.update(complaint, in: db) }
        let stored = try ComplaintRecord.append(events, number: complaint.number, isNew: inserting, in: db)
        let clock = self.clock
        try ComplaintAssignments.record(stored, number: complaint.number,
                                        responseDeadline: { try? clock.counted(clock.rules.firstResponse, from: $0).deadline }, in: db)
        let enterprisePhone = try events.contains(where: { $0.action == .refer }) ? complaint.directTrain.flatMap {
            try EnterpriseRecord.fetchOne(db, code: $0.enterpriseCode)?.contactPhone
        } : nil
        let courts = settings.courts
        let messages = SMSTemplates.messages(for: stored, complaint: complaint, station: { snapshot.station(id: $0) },
                                             court: { courts.court(id: $0) }, enterprisePhone: enterprisePhone, consumerLink: settings.consumerLink)
        try SMSOutbox.enqueue(messages, at: at, in: db)
        // The filing client's status callbacks, in the same transaction: each event is POSTed at least once.
        let presenter = settings.presenter
        try CallbackOutbox.enqueue(stored, complaint: complaint, at: at, in: db) {
            try presenter.json(complaint, events: try ComplaintRecord.events(db, number: complaint.number), audience: .consumer, snapshot: snapshot)
        }
    }

    /// What staff see of a complaint's relations (its repeat link, the consumer's other
    /// complaints about the merchant, the merchant case).
    public func links(of complaint: Complaint) throws -> ComplaintLinks {
        guard let caseID = complaint.merchantCase else { return ComplaintLinks(repeat_of: complaint.repeatOf, same_consumer: [], merchant_case: nil) }
        return try database.reading { db in
            ComplaintLinks(repeat_of: complaint.repeatOf,
                           same_consumer: try MerchantCases.consumerComplaints(phone: complaint.intake.consumerPhone, caseID: caseID,
                                                                               excluding: complaint.number, openOnly: false, in: db),
                           merchant_case: try MerchantCases.summary(caseID: caseID, in: db))
        }
    }
}
