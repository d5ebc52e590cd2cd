import Hummingbird
import LiaisonCore

/// Who may call an endpoint. The router puts each endpoint behind ``BearerAuthentication`` for
/// its access, so the caller is known before the handler reads the body or validates a
/// parameter: an anonymous caller never learns which counties, stations or complaints exist,
/// and never gets a large body read.
enum Access: Sendable, Hashable, CaseIterable {
    /// No token is needed, and one sent is not looked at.
    case anyone
    /// A staff token (county or admin).
    case staff
    /// A staff token with the admin role.
    case admin
    /// An enterprise key (the direct train).
    case enterprise
    /// Anyone; a staff token when an `Authorization` header (or a console session cookie) is sent (complaint tracking answers
    /// staff with their token and consumers with their tracking token).
    case staffIfBearer
    /// A client key (`X-Client-Key`) and its quota: complaint intake (``ClientIntakeMiddleware``).
    case client
    /// A client key (`X-Client-Key`), always, without the intake quota: a client's own reads
    /// (its consumers' complaints), which anonymous intake never opens.
    case clientKey
}

/// Authenticates the bearer token an endpoint's ``Access`` asks for and hands the caller to the
/// handler in ``AppRequestContext/caller``: 401 without a valid token, 403 for one of the wrong kind.
struct BearerAuthentication: RouterMiddleware {
    typealias Context = AppRequestContext
    let access: Access
    let auth: StaffAuthenticator

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        switch access {
        case .anyone:
            break
        case .staff:
            context.caller = try await auth.staff(request)
        case .admin:
            context.caller = try await auth.admin(request)
        case .enterprise:
            context.caller = try await auth.enterprise(request)
        case .staffIfBearer:
            if request.headers[.authorization] != nil || ConsoleSession.id(in: request) != nil { context.caller = try await auth.staff(request) }
        case .client:
            break   // ClientIntakeMiddleware
        case .clientKey:
            guard let key = request.headers[Limits.clientKeyHeader] else {
                throw Problem(status: .unauthorized, kind: "unauthorized", title: "Unauthorized",
                              detail: "this endpoint needs an X-Client-Key header: a client key from `liaison clients create`")
            }
            context.caller = try await auth.client(key)
        }
        return try await next(request, context)
    }
}

extension AppRequestContext {
    /// The authenticated caller of a staff, admin or enterprise endpoint. The router's
    /// ``BearerAuthentication`` has set it before the handler runs; a handler reached without
    /// it (a route registered with the wrong ``Access``) answers 401, never a crash.
    func authenticated() throws -> StaffToken {
        guard let caller else {
            throw Problem(status: .unauthorized, kind: "unauthorized", title: "Unauthorized", detail: "this endpoint needs an Authorization: Bearer KEY header")
        }
        return caller
    }

    /// The credit code of the enterprise whose key called an enterprise endpoint.
    func enterpriseCode() throws -> String {
        let caller = try authenticated()
        guard case .enterprise(let code) = caller.role else {
            throw Problem(status: .forbidden, kind: "forbidden", title: "Forbidden", detail: "\(caller.name) is not an enterprise key")
        }
        return code
    }
}
