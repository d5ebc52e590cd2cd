import Crypto
import Foundation

/// A sign-in to the staff console: a staff token exchanged once for a session id, which the
/// browser keeps in an `HttpOnly` cookie. Stores keep only the id's SHA-256 (``digest(_:)``), so
/// a copy of the database signs nobody in; the CSRF token is derived from the id
/// (``csrfToken(for:)``), so it needs no column and dies with the session.
public struct StaffSession: Sendable, Hashable {
    /// Whose session it is: the token it was started with (its role and county).
    public let staff: StaffToken
    public let expiresAt: Date

    public init(staff: StaffToken, expiresAt: Date) {
        self.staff = staff
        self.expiresAt = expiresAt
    }

    /// A working day: a session started in the morning lasts until the evening.
    public static let defaultLifetimeSeconds = 8 * 3600

    /// A new session id: `lss_` and 256 random bits in base64url. Shown once (in the cookie).
    public static func generateID() -> String {
        "lss_" + Base64URL.random(bytes: 32)
    }

    /// The SHA-256 digest the store keeps for a session id.
    public static func digest(_ id: String) -> Data {
        Data(SHA256.hash(data: Data(id.utf8)))
    }

    /// The CSRF token of a session: a page of the console sends it in `X-CSRF-Token` with every
    /// request that changes something. Only a page that could read the session's answer has it;
    /// a forged cross-site form or fetch has the cookie at most (and `SameSite=Strict` stops even that).
    public static func csrfToken(for id: String) -> String {
        Base64URL.encode(SHA256.hash(data: Data(("liaison-csrf\u{0}" + id).utf8)))
    }
}
