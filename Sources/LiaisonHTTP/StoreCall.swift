import Foundation
import HTTPTypes
import Hummingbird
import LiaisonCore
import LiaisonStore
import NIOPosix

/// Runs store work on NIO's blocking pool (the event loops also run Swift concurrency here).
/// Its errors pass through as they are; the edge turns domain errors into problems.
func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await NIOThreadPool.singleton.runIfActive(body)
}

/// Bearer-token authentication for staff endpoints, and the staff console's session cookie in
/// its place (``ConsoleSession``).
struct StaffAuthenticator: Sendable {
    let authenticator: any TokenStore
    /// The service's public address, when configured: a console request's `Origin` must be it.
    var publicURL: String? = nil

    /// The staff identity of the request's bearer token: 401 without a valid one, 403 for a
    /// client or enterprise key.
    func staff(_ request: Request) async throws -> StaffToken {
        let staff = try await anyToken(request)
        guard staff.role.isStaff else {
            let what = if case .enterprise = staff.role { "an enterprise key (for /v1/enterprise)" } else { "a client key (for /open311/v2)" }
            throw Problem(status: .forbidden, kind: "forbidden", title: "Forbidden", detail: "\(staff.name) is \(what), not a staff token")
        }
        return staff
    }

    /// The identity of the request's bearer token, whatever its role: 401 without a valid one.
    /// Without an `Authorization` header, the console's session cookie stands for the token it
    /// was started with (``session(_:)``).
    func anyToken(_ request: Request) async throws -> StaffToken {
        if request.headers[.authorization] == nil, ConsoleSession.id(in: request) != nil {
            return try await session(request).session.staff
        }
        var headers = HTTPFields()
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "), header.count > 7 else {
            headers[.wwwAuthenticate] = #"Bearer realm="liaison""#
            throw Problem(status: .unauthorized, kind: "unauthorized", title: "Unauthorized",
                          detail: "this endpoint needs an Authorization: Bearer KEY header", headers: headers)
        }
        let token = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        let authenticator = self.authenticator
        guard let found = try await blocking({ try authenticator.authenticate(token) }) else {
            headers[.wwwAuthenticate] = #"Bearer realm="liaison", error="invalid_token""#
            throw Problem(status: .unauthorized, kind: "unauthorized", title: "Unauthorized", detail: "the bearer token is unknown or revoked", headers: headers)
        }
        return found
    }

    /// The console session of the request's cookie: 401 without a running one. A request that
    /// changes something (any method but GET and HEAD) must also carry the session's CSRF token
    /// in `X-CSRF-Token` and, when it names its `Origin`, come from this service: 403 otherwise.
    func session(_ request: Request) async throws -> (id: String, session: StaffSession) {
        guard let id = ConsoleSession.id(in: request) else {
            throw Problem(status: .unauthorized, kind: "unauthorized", title: "Unauthorized",
                          detail: "not signed in to the console: POST /console/session with a staff token first")
        }
        let authenticator = self.authenticator
        guard let session = try await blocking({ try authenticator.session(id) }) else {
            throw Problem(status: .unauthorized, kind: "unauthorized", title: "Unauthorized",
                          detail: "the console session has ended, expired or lost its token: sign in again")
        }
        if request.method != .get && request.method != .head {
            guard let presented = request.headers[ConsoleSession.csrfHeader],
                  constantTimeEquals(Array(presented.utf8), Array(StaffSession.csrfToken(for: id).utf8)) else {
                throw Problem(status: .forbidden, kind: "csrf", title: "Forbidden",
                              detail: "a console request that changes something needs the session's X-CSRF-Token header (from POST or GET /console/session)")
            }
            if let origin = request.headers[.origin], !ConsoleSession.sameOrigin(origin, request: request, publicURL: publicURL) {
                throw Problem(status: .forbidden, kind: "csrf", title: "Forbidden",
                              detail: "Origin \(origin) is not this service: the console's requests come from its own pages")
            }
        }
        return (id, session)
    }

    /// The enterprise of the request's bearer key (the direct train): 401 without a valid key,
    /// 403 for a key of another kind.
    func enterprise(_ request: Request) async throws -> StaffToken {
        let token = try await anyToken(request)
        guard case .enterprise = token.role else {
            throw Problem(status: .forbidden, kind: "forbidden", title: "Forbidden",
                          detail: "\(token.name) is not an enterprise key: /v1/enterprise routes answer the direct train's enterprises only")
        }
        return token
    }

    /// The client (a mini-program backend) whose key is `key`: 401 for an unknown or revoked
    /// key, 403 for a key of another kind.
    func client(_ key: String) async throws -> StaffToken {
        let authenticator = self.authenticator
        guard let found = try await blocking({ try authenticator.authenticate(key.trimmingCharacters(in: .whitespaces)) }) else {
            throw Problem(status: .unauthorized, kind: "unauthorized", title: "Unauthorized", detail: "the X-Client-Key is unknown or revoked")
        }
        guard case .client = found.role else {
            throw Problem(status: .forbidden, kind: "forbidden", title: "Forbidden", detail: "\(found.name) is not a client key: X-Client-Key takes a key from `liaison clients create`")
        }
        return found
    }

    /// Staff with the admin role: 403 for any other.
    func admin(_ request: Request) async throws -> StaffToken {
        let staff = try await self.staff(request)
        guard staff.role.isAdmin else {
            throw Problem(status: .forbidden, kind: "forbidden", title: "Forbidden",
                          detail: "token \(staff.name) (\(staff.role)) may not \(request.method) \(request.uri.path): it needs the admin role")
        }
        return staff
    }
}

/// Reads a request body up to the configured limit: 413 beyond it.
func collectBody(_ request: Request, settings: ServerSettings) async throws -> Data {
    try await collectBody(request, limit: settings.maxBodyBytes(path: request.uri.path))
}

/// The request body, up to `limit` bytes: 413 above.
func collectBody(_ request: Request, limit: Int) async throws -> Data {
    do {
        return Data(buffer: try await request.body.collect(upTo: limit))
    } catch {
        throw Problem(status: .contentTooLarge, kind: "body-too-large", title: "Content too large",
                      detail: "the request body is over \(limit) bytes")
    }
}

/// Runs reports (KPIs, hot spots: reads over a period's complaints) one at a time per process,
/// waiting suspended for their turn, so however many are asked for at once they take one of
/// the blocking pool's threads, and token checks and intake keep the others.
actor ReportGate {
    static let shared = ReportGate()
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        if busy {
            await withCheckedContinuation { waiting.append($0) }
        }
        busy = true
        defer {
            if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
        }
        return try await blocking(body)
    }
}
