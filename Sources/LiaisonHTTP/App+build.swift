import Hummingbird
import HummingbirdCore
import LiaisonCore
import LiaisonStore
import Logging
import NIOCore
import ServiceLifecycle

/// Builds the HTTP application: the one function the CLI's `serve` and the tests both call.
///
/// ```swift
/// let app = buildApplication(settings: ServerSettings(port: 8080, complaints: .init(serviceClock: clock)), finder: finder, database: db, logger: logger)
/// try await app.runService()
/// ```
public func buildApplication(settings: ServerSettings, finder: StationFinder, database: LiaisonDatabase,
                             metrics: HTTPMetrics = HTTPMetrics(version: liaisonVersion),
                             logger: Logger,
                             services: [any Service] = [],
                             onServerRunning: @escaping @Sendable (_ port: Int) async -> Void = { _ in }) -> some ApplicationProtocol {
    let router = buildRouter(settings: settings, finder: finder, database: database, metrics: metrics, logger: logger)
    metrics.indexed(stations: finder.snapshot.activeCount)
    var decoder = HTTP1Channel.Configuration.DecoderConfiguration()
    // The decoder's own limits sit above ours, so oversized headers get our 431 answer.
    decoder.maxHeaderListSize = max(settings.maxHeaderBytes * 4, 65536)
    decoder.maxHeaderFieldSize = max(settings.maxHeaderBytes * 4, 65536)
    return Application(
        router: router,
        // Hummingbird's idle timeout counts decoded HTTP parts, not bytes, so a client dripping a
        // request head a byte at a time (slowloris) is cut off too (SlowClientTests).
        server: .http1(configuration: .init(idleTimeout: .seconds(settings.idleTimeoutSeconds), httpDecoderConfiguration: decoder)),
        configuration: ApplicationConfiguration(
            address: .hostname(settings.host, port: settings.port),
            serverName: "liaison",
            availableConnectionsDelegate: MaximumAvailableConnections(settings.maxConnections)),
        services: services,
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? settings.port) },
        logger: logger)
}

/// The router: the edge middleware, then every controller's endpoints.
public func buildRouter(settings: ServerSettings, finder: StationFinder, database: LiaisonDatabase, metrics: HTTPMetrics,
                        logger: Logger) -> Router<AppRequestContext> {
    let tokens = TokenAuthenticator(database: database)
    let endpoints = allEndpoints(finder: finder, database: database, tokens: tokens, metrics: metrics, settings: settings)
    // HEAD is answered wherever GET is (RFC 9110 9.1), without a body.
    let router = Router(context: AppRequestContext.self, options: .autoGenerateHeadEndpoints)
    // Middleware first: Hummingbird applies middleware to the routes added after it.
    router.add(middleware: EdgeMiddleware(routes: RouteTable(endpoints), settings: settings, metrics: metrics, logger: logger))
    // One group per kind of access, each behind the authentication it needs: the caller is known
    // before a handler reads a body or a parameter.
    let auth = StaffAuthenticator(authenticator: tokens)
    for access in Access.allCases {
        let group = router.group()
        if access != .anyone { group.add(middleware: BearerAuthentication(access: access, auth: auth)) }
        for endpoint in endpoints where endpoint.access == access {
            group.on(RouterPath(endpoint.path), method: endpoint.method, use: endpoint.handler)
        }
    }
    return router
}

func allEndpoints(finder: StationFinder, database: LiaisonDatabase, tokens: TokenAuthenticator, metrics: HTTPMetrics,
                  settings: ServerSettings) -> [Endpoint] {
    let desk = ComplaintDesk(database: database, finder: finder, settings: settings.complaints)
    return StationsController(finder: finder).endpoints
        + RegistryController(registry: StationRegistry(database: database, finder: finder), finder: finder, settings: settings).endpoints
        + ComplaintsController(desk: desk, outbox: SMSOutbox(database: database), settings: settings).endpoints
        + StatsController(stats: ComplaintStats(database: database, finder: finder)).endpoints
        + MerchantsController(hotspots: MerchantHotspots(database: database, finder: finder)).endpoints
        + RatingsController(ratings: StationRatings(database: database, finder: finder, formula: settings.complaints.serviceClock.rules.ratings)).endpoints
        + RegionsController(finder: finder).endpoints
        + Open311Controller(desk: desk, authenticator: tokens, settings: settings).endpoints
        + EnterprisesController(register: EnterpriseRegister(desk: desk), desk: desk, settings: settings).endpoints
        + ServiceController(finder: finder, database: database, metrics: metrics).endpoints
        + OGCController(finder: finder).endpoints
}

/// Every route the application serves (for the OpenAPI check).
public func routeTable(finder: StationFinder, database: LiaisonDatabase, settings: ServerSettings) -> RouteTable {
    RouteTable(allEndpoints(finder: finder, database: database, tokens: TokenAuthenticator(database: database),
                            metrics: HTTPMetrics(version: liaisonVersion), settings: settings))
}

/// Reported in `liaison_build_info`.
public let liaisonVersion = "0.3.1"
