import Hummingbird
import Logging

/// The per-request context: Hummingbird's core storage plus the request id.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The `X-Request-Id` echoed in the response and logged with the request.
    public var requestID: String = ""

    public init(source: Source) {
        coreContext = .init(source: source)
    }

    /// Handlers collect bodies with their own limits (ServerSettings); this caps anything else.
    public var maxUploadSize: Int { 64 << 20 }
}
