import Foundation
import HTTPTypes
import Hummingbird
import LiaisonCore
import LiaisonStore

/// Clients' status callbacks, set by an admin: `PUT /v1/clients/{name}/callback` sets the URL
/// every event of the complaints the client files is POSTed to, and answers the secret they
/// are signed with; `DELETE` stops them.
struct ClientsController {
    let callbacks: any CallbackStore
    let tokens: any TokenStore
    let key: TrackingKey
    let settings: ServerSettings

    var endpoints: [Endpoint] {
        [
            Endpoint(method: .put, path: "/v1/clients/{name}/callback", access: .admin, handler: set),
            Endpoint(method: .delete, path: "/v1/clients/{name}/callback", access: .admin, handler: clear),
        ]
    }

    struct CallbackResponse: Encodable {
        let client: String
        let url: String
        /// The signing secret: derived from the server key, the same each time for this client; not stored.
        let secret: String
        let signature: String
    }

    static let signatureRule = "X-Liaison-Signature: sha256=HEX, the HMAC-SHA256 under the secret of X-Liaison-Timestamp + \".\" + the raw body"

    /// `{"url": "https://…"}`.
    @Sendable func set(_ request: Request, context: AppRequestContext) async throws -> Response {
        try QueryReader(request, allowed: []).check()
        let body = try await collectBody(request, settings: settings)
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            throw Problem.invalid(InvalidInput(name: "body", reason: "not a JSON object: expected {\"url\": \"https://…\"}"))
        }
        if let unknown = object.keys.sorted().first(where: { $0 != "url" }) {
            throw Problem.invalid(InvalidInput(name: unknown, reason: "unknown field: expected only url"))
        }
        guard let url = object["url"] as? String else {
            throw Problem.invalid(InvalidInput(name: "url", reason: "missing or not a string: expected an absolute http:// or https:// URL"))
        }
        let name = context.path("name"), callbacks = self.callbacks, tokens = self.tokens, key = self.key
        let secret = try await blocking { try callbacks.register(client: name, url: url, tokens: tokens, key: key) }
        return try JSONResponse.encoding(CallbackResponse(client: name, url: url, secret: secret, signature: Self.signatureRule), status: .ok,
                                         headers: [.cacheControl: "no-store"])
    }

    @Sendable func clear(_ request: Request, context: AppRequestContext) async throws -> Response {
        try QueryReader(request, allowed: []).check()
        let name = context.path("name"), callbacks = self.callbacks
        guard try await blocking({ try callbacks.clearCallback(client: name, at: Date()) }) else {
            throw Problem.notFound("client \(name) has no callback URL")
        }
        return Response(status: .noContent)
    }
}
