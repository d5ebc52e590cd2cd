import HTTPTypes
import Hummingbird

/// One route, who may call it, and the function that answers it; controllers list theirs.
struct Endpoint: Sendable {
    typealias Handler = @Sendable (Request, AppRequestContext) async throws -> Response

    let method: HTTPRequest.Method
    /// With `{name}` for a path parameter, as in OpenAPI.
    let path: String
    /// Checked by the router before `handler` runs.
    let access: Access
    let handler: Handler
    /// In the OpenAPI document: every API route; not the console's page and files.
    let documented: Bool

    init(method: HTTPRequest.Method, path: String, access: Access = .anyone, documented: Bool = true, handler: @escaping Handler) {
        self.method = method
        self.path = path
        self.access = access
        self.documented = documented
        self.handler = handler
    }

    static func get(_ path: String, access: Access = .anyone, documented: Bool = true, _ handler: @escaping Handler) -> Endpoint {
        Endpoint(method: .get, path: path, access: access, documented: documented, handler: handler)
    }
}

/// Every route the server answers, as (method, path template): the source of the router's
/// 405 answers (`Allow`) and of the check that `openapi.json` documents each route.
public struct RouteTable: Sendable {
    public struct Route: Sendable, Hashable {
        public let method: HTTPRequest.Method
        /// With `{name}` for a path parameter, as in OpenAPI.
        public let path: String
        /// An API route, in the OpenAPI document (not a console page or file).
        public let documented: Bool
    }

    public let routes: [Route]

    init(_ endpoints: [Endpoint]) {
        routes = endpoints.map { Route(method: $0.method, path: $0.path, documented: $0.documented) }
    }

    /// The methods allowed on a concrete path, sorted (HEAD wherever GET is); empty when no
    /// route matches it. Empty segments are ignored, as the router ignores them.
    public func methods(for path: String) -> [String] {
        let segments = path.split(separator: "/")
        let matching = routes.filter { route in
            let template = route.path.split(separator: "/")
            return template.count == segments.count && zip(template, segments).allSatisfy { t, s in t.hasPrefix("{") || t == s }
        }
        // The most specific resource answers: /v1/stations/nearest, not /v1/stations/{id}.
        func literals(_ route: Route) -> Int { route.path.split(separator: "/").filter { !$0.hasPrefix("{") }.count }
        let most = matching.map(literals).max() ?? 0
        var methods = Set(matching.filter { literals($0) == most }.map(\.method.rawValue))
        if methods.contains("GET") { methods.insert("HEAD") }
        return methods.sorted()
    }
}
