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

    /// Nothing here reads request bodies beyond this (413 above it).
    public var maxUploadSize: Int { ServerSettings.defaultMaxBodyBytes }
}
