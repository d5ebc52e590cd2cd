import Geodesy
import Foundation
import LiaisonCore

// The store seam: what the HTTP edge, the CLI and the workers need of a store, grouped by who
// acts. The SpatiaLite file is one conformer (the register, desk, outbox and tokens over a
// `LiaisonDatabase`); a second database adds its own conformers and a `LiaisonServices` over
// them, without touching the edge, the CLI or the workers. Default arguments live in the
// extensions at the end, so a conformer implements each requirement once.

/// The station register's writes and history (reads go through the finder's snapshot).
public protocol StationRegisterStore: Sendable {
    /// The snapshot every reader queries; a write swaps in the register as committed.
    var finder: StationFinder { get }
    func create(_ draft: [String: Any], by actor: StaffToken) throws -> Station
    func update(id: String, patch: [String: Any], by actor: StaffToken, precondition: StationRegistry.Precondition?) throws -> Station
    /// One staff member by id, through the same write path as `update` (history, checks, snapshot).
    func addStaff(stationID: String, member: [String: Any], by actor: StaffToken,
                  precondition: StationRegistry.Precondition?) throws -> (station: Station, staffID: String)
    func editStaff(stationID: String, staffID: String, fields: [String: Any], by actor: StaffToken,
                   precondition: StationRegistry.Precondition?) throws -> Station
    func removeStaff(stationID: String, staffID: String, by actor: StaffToken, precondition: StationRegistry.Precondition?) throws -> Station
    /// Retires the station and hands its open complaints on (in mediation or with a confirmed
    /// session only with `force`); returns it and the numbers handed over.
    func retire(id: String, reason: String, force: Bool, by actor: StaffToken,
                precondition: StationRegistry.Precondition?) throws -> (station: Station, handedOver: [String])
    func history(id: String) throws -> [StationHistoryEntry]
    func importStations(_ stations: [Station], force: Bool, by actor: StaffToken) throws -> LiaisonDatabase.ImportCounts
    /// Swaps in the register as committed when another process changed it; whether it did.
    func refresh() throws -> Bool
}

/// What consumers and mini-program backends do: file, track, act on their own complaint.
public protocol ConsumerComplaintStore: Sendable {
    var finder: StationFinder { get }
    var settings: ComplaintDesk.Settings { get }
    /// Files a complaint for `client` (a client key's name; nil: anonymous or the CLI) and
    /// stores `respond`'s answer; the same replay key and fingerprint answer the same bytes again.
    func file(_ intake: ComplaintIntake, client: String?, replay: ComplaintDesk.Replay?,
              respond: (ComplaintDesk.Filed) throws -> Data) throws -> ComplaintDesk.Submitted
    /// A client's consumer's complaints, newest first (by number), older than `after`.
    func consumerComplaints(client: String, consumerID: String, after: String?, limit: Int) throws -> [Complaint]
    /// Files a complaint for an API client (Open311).
    func submit(_ intake: ComplaintIntake, client: String) throws -> (Complaint, [ComplaintEvent])
    func track(_ number: String, token: String) throws -> (Complaint, [ComplaintEvent])?
    func act(on number: String, _ command: ConsumerCommand, token: String) throws -> (Complaint, [ComplaintEvent])?
    func clientComplaints(client: String, numbers: [String]?, category: ComplaintCategory?, from: Date?, to: Date?,
                          limit: Int) throws -> [Complaint]
    /// Which station a complaint filed at `point` (WGS-84) now would go to, and why: intake's own
    /// decision in a read transaction.
    func previewAssignment(at point: Coordinate, mode: MediationMode) throws -> AssignmentPreview
    /// The deadlines' clock, with the imported notices; its calendar also answers opening hours.
    var clock: ServiceClock { get }
}

/// What county and provincial staff do with complaints, and what enterprises in the direct train do.
public protocol StaffComplaintStore: ConsumerComplaintStore {
    func act(on number: String, _ command: StaffCommand, by staff: StaffToken) throws -> (Complaint, [ComplaintEvent])
    func act(on number: String, _ command: EnterpriseCommand, enterprise code: String, actor: String) throws -> (Complaint, [ComplaintEvent])
    func complaint(_ number: String, for staff: StaffToken) throws -> (Complaint, [ComplaintEvent])
    func seesPhone(_ staff: StaffToken, of complaint: Complaint) -> Bool
    func links(of complaint: Complaint) throws -> ComplaintLinks
    func complaints(stationID: String, status: ComplaintStatus?, by staff: StaffToken, limit: Int) throws -> [Complaint]
    func complaints(countyCode: String?, status: ComplaintStatus?, urgentOnly: Bool, limit: Int) throws -> [Complaint]
    func nearBorderComplaints(countyCode: String?, status: ComplaintStatus?, limit: Int) throws -> [Complaint]
    func overdueComplaints(countyCode: String?, at now: Date?, limit: Int) throws -> [Complaint]
    func queue(_ kind: ComplaintDesk.Queue, countyCode: String?, limit: Int, after: String?) throws -> [Complaint]
    func list(_ query: ComplaintDesk.ListQuery) throws -> ComplaintDesk.ListPage
    func enterpriseComplaints(code: String, status: ComplaintStatus?, after: String?, limit: Int) throws -> [Complaint]
    func enterpriseComplaint(_ number: String, code: String) throws -> (Complaint, [ComplaintEvent])?
    func caseFile(_ number: String, for staff: StaffToken?, at: Date) throws -> CaseFile
}

/// What runs on the clock: deadlines, the direct train's windows, waiting complaints, the
/// calendar, the daily ratings; one process at a time, by a lease.
public protocol ServiceLevelStore: Sendable {
    /// Takes or renews the lease `name` for `holder` until `until`; false while another holder has it.
    func acquireLease(_ name: String, holder: String, now: Date, until: Date) throws -> Bool
    func releaseLease(_ name: String, holder: String) throws
    /// Renews the station ratings once a day (Asia/Shanghai); nil when they are not due.
    func renewRatingsIfDue(now: Date) throws -> StationRatings.Summary?
    func markOverdue(at now: Date?) throws -> Int
    func sweepIdempotencyKeys(at now: Date?) throws -> Int
    func sweepDirectTrain(at now: Date?, limit: Int) throws -> (timedOut: Int, lapsed: Int)
    func dispatchWaiting(at now: Date?) throws -> Int
    /// Open complaints, and those of them reported overdue, for `/metrics`.
    func openComplaintCounts() throws -> (open: Int, overdue: Int)
    func recomputeDeadlines(reason: String) throws -> (examined: Int, moved: [String])
    /// A year's days off and worked weekend days, each with its source.
    func calendarYear(_ year: Int) throws -> [(day: LocalDate, working: Bool, source: String, name: String?)]
    /// Stores a year's official holiday notice and recomputes the provisional deadlines it settles.
    func importNotice(_ json: Data, by actor: String) throws -> ComplaintDesk.NoticeImport
}

/// The text messages waiting to go out, claimed by one sender at a time.
public protocol OutboxStore: Sendable {
    func claimDue(at now: Date, sender: String, until: Date, limit: Int) throws -> [SMSOutbox.Entry]
    func release(sender: String, ids: [String]?) throws
    func markSent(_ id: String, at: Date) throws
    func markAttemptFailed(_ id: String, error: String, retryAt: Date?) throws
    func messages(number: String) throws -> [SMSOutbox.Entry]
    func counts() throws -> [String: Int]
    func waitingAndFailed() throws -> [String: Int]
    /// When the oldest text still waiting was queued; nil when none waits.
    func oldestPending() throws -> Date?
}

/// Status callbacks: clients' callback URLs and the deliveries waiting to be POSTed, claimed
/// by one sender at a time as texts are (``CallbackOutbox``, in the SQL both stores speak).
public protocol CallbackStore: Sendable {
    func setCallback(client: String, url: String, at: Date) throws
    func clearCallback(client: String, at: Date) throws -> Bool
    func callbackURL(client: String) throws -> String?
    func claimDue(at now: Date, sender: String, until: Date, limit: Int) throws -> [CallbackOutbox.Delivery]
    func release(sender: String, ids: [String]?) throws
    func markSent(_ id: String, at: Date) throws
    func markAttemptFailed(_ id: String, error: String, retryAt: Date?) throws
    func deliveries(number: String) throws -> [CallbackOutbox.Delivery]
    func counts() throws -> [String: Int]
}

/// API tokens and keys: made once, kept as digests, checked in constant time.
public protocol TokenStore: Sendable {
    func create(name: String, role: StaffRole) throws -> String
    func authenticate(_ token: String) throws -> StaffToken?
    func list() throws -> [StaffToken.Listing]
    func revoke(name: String) throws -> Bool
    /// Keeps a console session's digest for the active token `name` until `expiresAt`, and
    /// deletes a bounded batch of expired ones.
    func saveSession(digest: Data, tokenName: String, createdAt: Date, expiresAt: Date) throws
    /// The session of a digest while it has not expired or ended and its token is active.
    func session(digest: Data, now: Date) throws -> StaffSession?
    /// Ends a session; false when there was none.
    func deleteSession(digest: Data) throws -> Bool
}

extension TokenStore {
    /// Exchanges an active staff token for a console session lasting `lifetimeSeconds`: the
    /// new session id (shown once, kept as a digest) and the session. Nil for an unknown or
    /// revoked token, or a key that is not a staff token (client and enterprise keys do not sign in).
    public func startSession(token: String, lifetimeSeconds: Int = StaffSession.defaultLifetimeSeconds,
                             now: Date = Date()) throws -> (id: String, session: StaffSession)? {
        guard let staff = try authenticate(token), staff.role.isStaff else { return nil }
        let id = StaffSession.generateID(), expires = now.addingTimeInterval(TimeInterval(lifetimeSeconds))
        try saveSession(digest: StaffSession.digest(id), tokenName: staff.name, createdAt: now, expiresAt: expires)
        return (id, StaffSession(staff: staff, expiresAt: expires))
    }

    /// The session of a console cookie, or nil for an unknown, expired or ended one, or one
    /// whose token has been revoked since.
    public func session(_ id: String, now: Date = Date()) throws -> StaffSession? {
        try session(digest: StaffSession.digest(id), now: now)
    }

    /// Ends the session of a console cookie (sign-out): the cookie signs nobody in any more.
    @discardableResult
    public func endSession(_ id: String) throws -> Bool {
        try deleteSession(digest: StaffSession.digest(id))
    }
}

/// The reports staff read, all computed from complaints: KPIs, merchant hot spots, station ratings.
public protocol ReportStore: Sendable {
    var finder: StationFinder { get }
    /// The KPIs of the complaints `filter` covers, narrowed to what `staff` may see (all for nil).
    func kpis(_ filter: ComplaintStats.Filter, for staff: StaffToken?, now: Date) throws -> ComplaintStats.Report
    /// Merchant hot spots, narrowed to what `staff` may see (all for nil).
    func hotspots(_ query: MerchantHotspots.Query, for staff: StaffToken?) throws -> MerchantHotspots.Page
    /// The stations' latest ratings, best first.
    func ratings(countyCode: String?, limit: Int, offset: Int) -> StationRatings.Page
    func ratingHistory(stationID: String, limit: Int) throws -> [StationRating]
    /// Rates every active station now (the watch does it once a day).
    func rateStations(now: Date) throws -> StationRatings.Summary
}

/// The direct train's enterprise register: enterprises, their enrolment and their API keys.
public protocol EnterpriseStore: Sendable {
    func add(_ enterprise: Enterprise) throws -> Enterprise
    func enterprise(_ code: String) throws -> Enterprise
    func list(enrolled: Bool?, after: String?, limit: Int) throws -> [Enterprise]
    /// Enrols (or enrols again, with a new key); the key is returned once and stored as a digest.
    func enrol(_ code: String, settleDays: Int?, at: Date) throws -> (enterprise: Enterprise, key: String, keyName: String)
    /// Ends the enrolment: the keys are revoked and waiting complaints go on to stations.
    func revoke(_ code: String) throws -> (enterprise: Enterprise, recalled: [String])
}

/// Whether the store answers (for `/readyz`).
public protocol StoreHealth: Sendable {
    func ping() throws
    /// Whether the store can take writes now, with at least `minFreeBytes` free on its disk:
    /// throws ``StoreNotWritable`` saying why not. (PostgreSQL's disk is its server's: it
    /// answers for itself, as SQLSTATE 53100.)
    func checkWritable(minFreeBytes: Int64) throws
    /// The file's size, its WAL's and the free space of its disk, for `/metrics`; nil for a
    /// store without a file here (PostgreSQL).
    func storageBytes() -> (database: Int64, wal: Int64, freeDisk: Int64)?
}

extension StoreHealth {
    public func checkWritable(minFreeBytes: Int64) throws {}
    public func storageBytes() -> (database: Int64, wal: Int64, freeDisk: Int64)? { nil }
}

extension StationRegistry: StationRegisterStore {}
extension ComplaintDesk: StaffComplaintStore, ServiceLevelStore {}
extension SMSOutbox: OutboxStore {}
extension CallbackOutbox: CallbackStore {}
extension TokenAuthenticator: TokenStore {}
extension EnterpriseRegister: EnterpriseStore {}
extension LiaisonDatabase: StoreHealth {}

extension ConsumerComplaintStore {
    /// Files a complaint for no client (anonymous intake, the CLI).
    public func file(_ intake: ComplaintIntake, replay: ComplaintDesk.Replay?,
                     respond: (ComplaintDesk.Filed) throws -> Data) throws -> ComplaintDesk.Submitted {
        try file(intake, client: nil, replay: replay, respond: respond)
    }
}

extension StaffComplaintStore {
    public func complaints(stationID: String, status: ComplaintStatus?, by staff: StaffToken) throws -> [Complaint] {
        try complaints(stationID: stationID, status: status, by: staff, limit: 500)
    }

    public func complaints(countyCode: String?, status: ComplaintStatus?, urgentOnly: Bool = false) throws -> [Complaint] {
        try complaints(countyCode: countyCode, status: status, urgentOnly: urgentOnly, limit: 500)
    }

    public func nearBorderComplaints(countyCode: String?, status: ComplaintStatus?) throws -> [Complaint] {
        try nearBorderComplaints(countyCode: countyCode, status: status, limit: 500)
    }

    public func overdueComplaints(countyCode: String?, at now: Date? = nil) throws -> [Complaint] {
        try overdueComplaints(countyCode: countyCode, at: now, limit: 500)
    }

    public func caseFile(_ number: String, for staff: StaffToken?) throws -> CaseFile {
        try caseFile(number, for: staff, at: Date())
    }
}

extension ServiceLevelStore {
    public func markOverdue() throws -> Int { try markOverdue(at: nil) }
    public func dispatchWaiting() throws -> Int { try dispatchWaiting(at: nil) }
    public func sweepDirectTrain(at now: Date? = nil) throws -> (timedOut: Int, lapsed: Int) { try sweepDirectTrain(at: now, limit: 1000) }
}

extension EnterpriseStore {
    public func enrol(_ code: String, settleDays: Int?) throws -> (enterprise: Enterprise, key: String, keyName: String) {
        try enrol(code, settleDays: settleDays, at: Date())
    }
}

extension ReportStore {
    public func ratingHistory(stationID: String) throws -> [StationRating] { try ratingHistory(stationID: stationID, limit: 100) }
}

extension OutboxStore {
    public func release(sender: String) throws { try release(sender: sender, ids: nil) }
}
