import Foundation
import Synchronization
import HTTPTypes
import Hummingbird
import LiaisonCore
import LiaisonStore
import Logging

/// The outermost middleware: request ids, request limits, errors as problem+json, the
/// access log and the request metrics. Every response, error or not, passes through here.
struct EdgeMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    let routes: RouteTable
    let settings: ServerSettings
    let metrics: HTTPMetrics
    let logger: Logger

    static let requestIDHeader = HTTPField.Name("X-Request-Id")!
    private static let processPrefix: String = {
        var rng = SystemRandomNumberGenerator()
        return JSONResponse.hex(rng.next())
    }()
    private static let requestCounter = Atomic<UInt64>(0)

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        var context = context
        context.requestID = Self.requestID(from: request)
        var response: Response
        do {
            try checkLimits(request)
            response = try await next(request, context)
        } catch {
            response = problem(for: error, request: request).response(from: request, context: context)
        }
        response.headers[Self.requestIDHeader] = context.requestID

        let duration = ContinuousClock.now - started
        let route = context.endpointPath ?? "unmatched"
        metrics.record(method: request.method.rawValue, route: route, status: Int(response.status.code), duration: duration)
        logger.info("request", metadata: [
            "http.method": "\(request.method.rawValue)",
            "http.route": "\(route)",
            "http.status": "\(response.status.code)",
            "http.duration_ms": "\(Self.milliseconds(duration))",
            "request.id": "\(context.requestID)",
        ])
        return response
    }

    /// `1.234`: milliseconds with three decimals, without Foundation's slow `String(format:)`.
    static func milliseconds(_ d: Duration) -> String {
        let micros = d.components.seconds * 1_000_000 + d.components.attoseconds / 1_000_000_000_000
        let fraction = String(micros % 1000)
        return "\(micros / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }

    /// The caller's `X-Request-Id` when it is 1-128 characters of `A-Z a-z 0-9 . _ -`, else a new one.
    static func requestID(from request: Request) -> String {
        if let given = request.headers[requestIDHeader], (1...128).contains(given.utf8.count),
           given.utf8.allSatisfy({ isIDByte($0) }) {
            return given
        }
        // A random per-process prefix and a counter: unique across a fleet, without a
        // getrandom(2) call per request.
        return processPrefix + JSONResponse.hex(requestCounter.add(1, ordering: .relaxed).oldValue)
    }

    private static func isIDByte(_ b: UInt8) -> Bool {
        (48...57).contains(b) || (65...90).contains(b) || (97...122).contains(b) || b == 45 || b == 46 || b == 95
    }

    private func checkLimits(_ request: Request) throws(Problem) {
        let uriBytes = request.uri.string.utf8.count
        if uriBytes > settings.maxURIBytes {
            throw Problem(status: .uriTooLong, kind: "uri-too-long", title: "URI too long",
                          detail: "the request target is \(uriBytes) bytes: at most \(settings.maxURIBytes) are accepted")
        }
        let headerBytes = request.headers.reduce(0) { $0 + $1.name.rawName.utf8.count + $1.value.utf8.count }
        if headerBytes > settings.maxHeaderBytes {
            throw Problem(status: .requestHeaderFieldsTooLarge, kind: "headers-too-large", title: "Request header fields too large",
                          detail: "the request headers are \(headerBytes) bytes: at most \(settings.maxHeaderBytes) are accepted")
        }
        let limit = settings.maxBodyBytes(path: request.uri.path)
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw Problem(status: .contentTooLarge, kind: "body-too-large", title: "Content too large",
                          detail: "the request body is \(length) bytes: at most \(limit) are accepted")
        }
    }

    /// Any error as a problem. Errors that are not the client's are logged: they are bugs.
    private func problem(for error: any Error, request: Request) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case let error as any DomainError:
            return Problem(error)
        case let error where StoreNotWritable.classify(error) != nil:
            // Not a bug and not the client's: the operator must free space or remount; nothing was written.
            let refusal = StoreNotWritable.classify(error)!
            logger.error("store refuses writes", metadata: ["error": "\(refusal)", "http.path": "\(request.uri.path)"])
            var headers = HTTPFields()
            headers[.retryAfter] = "60"
            return Problem(status: .serviceUnavailable, kind: "storage-unavailable", title: "Service unavailable",
                           detail: "the database cannot take writes just now (\(refusal)): nothing was done; try again later", headers: headers)
        case let error as StoreUnavailable:
            // Not a bug and not the client's: the database is down or restarting. Retry shortly.
            logger.warning("store unavailable", metadata: ["error": "\(error)", "http.path": "\(request.uri.path)"])
            var headers = HTTPFields()
            headers[.retryAfter] = "5"
            return Problem(status: .serviceUnavailable, kind: "store-unavailable", title: "Service unavailable",
                           detail: "the database does not answer just now: nothing was done; try again in a few seconds", headers: headers)
        case let error as HTTPError where error.status == .notFound:
            let allowed = routes.methods(for: request.uri.path)
            if !allowed.isEmpty {
                var headers = HTTPFields()
                headers[.allow] = allowed.joined(separator: ", ")
                return Problem(status: .methodNotAllowed, kind: "method-not-allowed", title: "Method not allowed",
                               detail: "\(request.method.rawValue) is not allowed on \(request.uri.path): allowed \(allowed.joined(separator: ", "))",
                               headers: headers)
            }
            return .notFound("no resource at \(request.uri.path): see /openapi.json for the API")
        case let error as HTTPError:
            return Problem(status: error.status, kind: "http-\(error.status.code)", title: error.status.reasonPhrase,
                           detail: error.body ?? error.status.reasonPhrase)
        default:
            logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))", "http.path": "\(request.uri.path)"])
            return Problem(status: .internalServerError, kind: "internal", title: "Internal server error",
                           detail: "the server failed to answer; the error is logged with this request id")
        }
    }
}
