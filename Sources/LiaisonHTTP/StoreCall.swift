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

/// Bearer-token authentication for staff endpoints.
struct StaffAuthenticator: Sendable {
    let authenticator: any TokenStore

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
    func anyToken(_ request: Request) async throws -> StaffToken {
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
    let limit = settings.maxBodyBytes(path: request.uri.path)
    do {
        return Data(buffer: try await request.body.collect(upTo: limit))
    } catch {
        throw Problem(status: .contentTooLarge, kind: "body-too-large", title: "Content too large",
                      detail: "the request body is over \(limit) bytes")
    }
}
