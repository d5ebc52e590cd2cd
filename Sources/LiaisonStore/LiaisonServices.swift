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
    /// The store the desk, the outbox and the reports run their transactions on.
    public let store: any SQLStore
    /// The index snapshot every reader queries; writers swap it after each change.
    public let finder: StationFinder
    // Behind the store seam (StoreSeam.swift): what a second database provides its own of.
    public let registry: any StationRegisterStore
    public let complaints: any StaffComplaintStore
    public let serviceLevels: any ServiceLevelStore
    public let outbox: any OutboxStore
    /// Clients' callback URLs and the status callbacks waiting to be POSTed.
    public let callbacks: any CallbackStore
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
        self.init(store: database, finder: finder, complaints: complaints,
                  registry: { StationRegistry(database: database, finder: finder, handOver: $0) },
                  tokens: TokenAuthenticator(database: database), health: database)
    }

    /// The parts over any store: the desk, the outbox, the reports and the enterprise register
    /// run on `store` in the SQL both stores speak; the register's writes, the tokens and
    /// readiness are each store's own. `registry` is given the desk, which a retirement hands
    /// the station's complaints to.
    public init(store: any SQLStore, finder: StationFinder, complaints: ComplaintDesk.Settings,
                registry: (any RetirementHandOver) -> any StationRegisterStore, tokens: any TokenStore, health: any StoreHealth) {
        let desk = ComplaintDesk(database: store, finder: finder, settings: complaints)
        self.store = store
        self.finder = finder
        self.registry = registry(desk)
        self.complaints = desk
        serviceLevels = desk
        outbox = SMSOutbox(database: store)
        callbacks = CallbackOutbox(database: store)
        self.tokens = tokens
        reports = ComplaintReports(database: store, finder: finder, formula: complaints.serviceClock.rules.ratings)
        enterprises = EnterpriseRegister(desk: desk)
        self.health = health
    }
}
