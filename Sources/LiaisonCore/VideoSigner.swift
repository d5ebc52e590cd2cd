import Crypto
import Foundation

/// Signs a video session's join links, one per role, for a self-hosted Jitsi with token
/// authentication (prosody `authentication = "token"`, the `jitsi-meet-tokens` claims): each
/// link carries a JWT (HS256, the shared `app_secret`) naming the room, the role and the window
/// it is valid in. A consumer who edits their link gets no mediator's rights (the signature
/// breaks); a rescheduled session has a new room, so earlier links no longer open it; links are
/// not shown once the complaint is over, and expire two hours after the session starts.
public struct VideoSigner: Sendable {
    private let key: SymmetricKey
    /// The Jitsi `app_id` (the JWT's `iss`).
    public let appID: String

    public init(secret: Data, appID: String) {
        key = SymmetricKey(data: secret)
        self.appID = appID
    }

    /// The secret in the file at `path` (the whole file, trailing white space removed; at least
    /// 32 bytes); a file others may read is refused.
    public static func file(_ path: String, appID: String) throws -> VideoSigner {
        let text = try TrackingKey.privateText(at: path)
        guard text.utf8.count >= 32 else { throw TrackingKey.KeyFileError(path: path, problem: "holds a secret shorter than 32 bytes") }
        return VideoSigner(secret: Data(text.utf8), appID: appID)
    }

    public enum Role: String, Sendable, CaseIterable {
        case consumer, merchant, mediator
        var displayName: String {
            switch self {
            case .consumer: "消费者"
            case .merchant: "经营者"
            case .mediator: "调解员"
            }
        }
    }

    /// Valid from 30 minutes before the session until 2 hours after it starts.
    public static let opensBefore: TimeInterval = 30 * 60, closesAfter: TimeInterval = 2 * 3600

    /// The JWT for `role` in `room` on the Jitsi at `domain`, for a session at `startsAt`.
    public func token(room: String, role: Role, domain: String, startsAt: Date) -> String {
        struct Header: Encodable { let alg = "HS256", typ = "JWT" }
        struct User: Encodable { let id: String, name: String, moderator: String }
        struct Context: Encodable { let user: User }
        struct Claims: Encodable {
            let aud: String, iss: String, sub: String, room: String
            let nbf: Int, exp: Int
            let moderator: Bool
            let context: Context
        }
        let claims = Claims(aud: "jitsi", iss: appID, sub: domain, room: room,
                            nbf: Int(startsAt.timeIntervalSince1970 - Self.opensBefore), exp: Int(startsAt.timeIntervalSince1970 + Self.closesAfter),
                            moderator: role == .mediator,
                            context: Context(user: User(id: role.rawValue, name: role.displayName, moderator: role == .mediator ? "true" : "false")))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let signing = Base64URL.encode((try? encoder.encode(Header())) ?? Data()) + "." + Base64URL.encode((try? encoder.encode(claims)) ?? Data())
        let signature = HMAC<SHA256>.authenticationCode(for: Data(signing.utf8), using: key)
        return signing + "." + Base64URL.encode(signature)
    }
}
