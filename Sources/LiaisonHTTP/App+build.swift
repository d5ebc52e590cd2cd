import Hummingbird
import HummingbirdCore
import LiaisonCore
import LiaisonStore
import Logging
import NIOCore
import ServiceLifecycle

/// Builds the HTTP application: the one function the CLI's `serve` and the tests both call,
/// over services composed once (``LiaisonServices``) and shared with the `workers`.
///
/// ```swift
/// let services = try LiaisonServices(database: db, complaints: .init(serviceClock: clock))
/// let app = buildApplication(settings: ServerSettings(port: 8080), services: services, logger: logger)
/// try await app.runService()
/// ```
public func buildApplication(settings: ServerSettings, services: LiaisonServices,
                             metrics: HTTPMetrics = HTTPMetrics(version: liaisonVersion),
                             logger: Logger,
                             workers: [any Service] = [],
                             onServerRunning: @escaping @Sendable (_ port: Int) async -> Void = { _ in }) -> some ApplicationProtocol {
    let router = buildRouter(settings: settings, services: services, metrics: metrics, logger: logger)
    metrics.indexed(stations: services.finder.snapshot.activeCount)
    var decoder = HTTP1Channel.Configuration.DecoderConfiguration()
    // The decoder's own limits sit above ours, so oversized headers get our 431 answer.
    decoder.maxHeaderListSize = max(settings.maxHeaderBytes * 4, 65536)
    decoder.maxHeaderFieldSize = max(settings.maxHeaderBytes * 4, 65536)
    return Application(
        router: router,
        // Hummingbird's idle timeout counts decoded HTTP parts, not bytes, so a client dripping a
        // request head a byte at a time (slowloris) is cut off too (SlowClientTests); a body dripped
        // a chunk at a time resets it, so each request also has a deadline from head to end.
        server: .http1(configuration: .init(additionalChannelHandlers: [RequestDeadlineHandler(deadline: .seconds(settings.requestDeadlineSeconds))],
                                            idleTimeout: .seconds(settings.idleTimeoutSeconds), httpDecoderConfiguration: decoder)),
        configuration: ApplicationConfiguration(
            address: .hostname(settings.host, port: settings.port),
            serverName: "liaison",
            availableConnectionsDelegate: MaximumAvailableConnections(settings.maxConnections)),
        services: workers,
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? settings.port) },
        logger: logger)
}

/// The router: the edge middleware, then every controller's endpoints, each behind the
/// authentication its ``Access`` needs.
public func buildRouter(settings: ServerSettings, services: LiaisonServices, metrics: HTTPMetrics,
                        logger: Logger) -> Router<AppRequestContext> {
    let limits = Limits(settings)
    let endpoints = allEndpoints(services, metrics: metrics, settings: settings, limits: limits)
    // HEAD is answered wherever GET is (RFC 9110 9.1), without a body.
    let router = Router(context: AppRequestContext.self, options: .autoGenerateHeadEndpoints)
    // Middleware first: Hummingbird applies middleware to the routes added after it.
    router.add(middleware: EdgeMiddleware(routes: RouteTable(endpoints), settings: settings, metrics: metrics, logger: logger))
    // One group per kind of access, each behind the authentication it needs: the caller is known
    // before a handler reads a body or a parameter.
    let auth = StaffAuthenticator(authenticator: services.tokens, publicURL: settings.publicURL)
    for access in Access.allCases {
        let group = router.group()
        switch access {
        case .anyone, .staffIfBearer: group.add(middleware: ReadLimitMiddleware(limits: limits))
        default: break
        }
        switch access {
        case .anyone: break
        case .client: group.add(middleware: ClientIntakeMiddleware(auth: auth, limits: limits))
        default: group.add(middleware: BearerAuthentication(access: access, auth: auth))
        }
        for endpoint in endpoints where endpoint.access == access {
            group.on(RouterPath(endpoint.path), method: endpoint.method, use: endpoint.handler)
        }
    }
    return router
}

func allEndpoints(_ s: LiaisonServices, metrics: HTTPMetrics, settings: ServerSettings, limits: Limits) -> [Endpoint] {
    StationsController(finder: s.finder, complaints: s.complaints).endpoints
        + RegistryController(registry: s.registry, finder: s.finder, settings: settings).endpoints
        + ComplaintsController(desk: s.complaints, outbox: s.outbox, settings: settings).endpoints
        + AssignmentPreviewController(complaints: s.complaints).endpoints
        + StatsController(reports: s.reports).endpoints
        + MerchantsController(reports: s.reports).endpoints
        + RatingsController(reports: s.reports).endpoints
        + RegionsController(finder: s.finder).endpoints
        + CoverageController(finder: s.finder).endpoints
        + Open311Controller(desk: s.complaints, authenticator: s.tokens, settings: settings, limits: limits).endpoints
        + EnterprisesController(register: s.enterprises, desk: s.complaints, settings: settings).endpoints
        + ClientsController(callbacks: s.callbacks, tokens: s.tokens, key: s.complaints.settings.trackingKey, settings: settings).endpoints
        + ServiceController(finder: s.finder, health: s.health, outbox: s.outbox, serviceLevels: s.serviceLevels, metrics: metrics, minFreeDiskBytes: settings.minFreeDiskBytes).endpoints
        + LabelsController().endpoints
        + OGCController(finder: s.finder, publicURL: settings.publicURL, calendar: { s.complaints.clock.calendar }).endpoints
        + ConsoleController(auth: StaffAuthenticator(authenticator: s.tokens, publicURL: settings.publicURL), finder: s.finder, settings: settings,
                            assets: ConsoleAssets(leafletDirectory: settings.console.leafletDirectory)).endpoints
}

/// Every route the application serves (for the OpenAPI check).
public func routeTable(services: LiaisonServices, settings: ServerSettings) -> RouteTable {
    RouteTable(allEndpoints(services, metrics: HTTPMetrics(version: liaisonVersion), settings: settings, limits: Limits(settings)))
}

/// Reported in `liaison_build_info`.
public let liaisonVersion = "0.4.0"
