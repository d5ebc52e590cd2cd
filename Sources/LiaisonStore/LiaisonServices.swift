import LiaisonCore

/// The service's parts over one store, composed once per process and handed to everything
/// that serves: the HTTP application (`buildApplication`) and the workers (texts, deadline
/// watch, register poll) share the same finder, desk and outbox.
///
/// ```swift
/// let services = try LiaisonServices(database: database, complaints: settings)
/// let app = buildApplication(settings: server, services: services, logger: logger, workers: [...])
/// ```
public struct LiaisonServices: Sendable {
    public let database: LiaisonDatabase
    /// The index snapshot every reader queries; writers swap it after each change.
    public let finder: StationFinder
    // Behind the store seam (StoreSeam.swift): what a second database provides its own of.
    public let registry: any StationRegisterStore
    public let complaints: any StaffComplaintStore
    public let serviceLevels: any ServiceLevelStore
    public let outbox: any OutboxStore
    public let tokens: any TokenStore
    public let reports: any ReportStore
    public let enterprises: any EnterpriseStore
    /// Whether the store answers (`/readyz`).
    public let health: any StoreHealth

    /// The parts over `database`, with a finder over the register as committed now.
    public init(database: LiaisonDatabase, complaints: ComplaintDesk.Settings) throws {
        self.init(database: database, complaints: complaints, finder: StationFinder(try database.snapshot()))
    }

    /// The parts over `database`, querying `finder`.
    public init(database: LiaisonDatabase, complaints: ComplaintDesk.Settings, finder: StationFinder) {
        let desk = ComplaintDesk(database: database, finder: finder, settings: complaints)
        self.database = database
        self.finder = finder
        registry = StationRegistry(database: database, finder: finder)
        self.complaints = desk
        serviceLevels = desk
        outbox = SMSOutbox(database: database)
        tokens = TokenAuthenticator(database: database)
        reports = ComplaintReports(database: database, finder: finder, formula: complaints.serviceClock.rules.ratings)
        enterprises = EnterpriseRegister(desk: desk)
        health = database
    }
}
