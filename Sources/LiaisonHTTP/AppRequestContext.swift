import Hummingbird
import LiaisonCore
import Logging

/// The per-request context: Hummingbird's core storage plus the request id.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The `X-Request-Id` echoed in the response and logged with the request.
    public var requestID: String = ""
    /// Who called, once ``BearerAuthentication`` has checked the token its endpoint's ``Access`` needs.
    public var caller: StaffToken?

    /// The peer's IP address (the proxy's, behind one), for per-address limits.
    public let remoteIP: String?

    public init(source: Source) {
        coreContext = .init(source: source)
        remoteIP = source.channel.remoteAddress?.ipAddress
    }

    /// Handlers collect bodies with their own limits (ServerSettings); this caps anything else.
    public var maxUploadSize: Int { 64 << 20 }
}

extension AppRequestContext {
    /// A path parameter (`{name}` in the route), percent-decoded; empty when the route has none
    /// of that name. The one way handlers read them.
    func path(_ name: String) -> String {
        let raw = parameters.get(name) ?? ""
        return raw.removingPercentEncoding ?? raw
    }
}
