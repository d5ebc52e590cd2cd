import Crypto
import Foundation
import LiaisonCore

/// API tokens: made here, stored only as SHA-256 digests, checked in constant time.
public struct TokenAuthenticator: Sendable {
    let database: LiaisonDatabase

    public init(database: LiaisonDatabase) {
        self.database = database
    }

    /// A new token: `lst_` and 256 random bits in base64url. Shown once, never stored.
    public static func generate() -> String {
        "lst_" + Base64URL.random(bytes: 32)
    }

    /// The SHA-256 digest the store keeps for a token.
    public static func digest(_ token: String) -> Data {
        Data(SHA256.hash(data: Data(token.utf8)))
    }

    /// Creates a token for `name` with `role`, stores its digest and returns the token.
    public func create(name: String, role: StaffRole) throws -> String {
        guard StaffToken.validName(name) else {
            throw InvalidInput(name: "name", reason: "\"\(name)\" is not a token name: expected 1 to 64 characters of A-Z a-z 0-9 . _ -")
        }
        let token = Self.generate()
        try database.addToken(StaffToken(name: name, role: role), digest: Self.digest(token))
        return token
    }

    /// Every token by name, active or revoked (never the token itself).
    public func list() throws -> [StaffToken.Listing] {
        try database.tokens()
    }

    /// Revokes the active token `name`; false when there is none.
    public func revoke(name: String) throws -> Bool {
        try database.revokeToken(name: name)
    }

    public func saveSession(digest: Data, tokenName: String, createdAt: Date, expiresAt: Date) throws {
        try database.pool.write { db in
            try SessionRecord.save(SessionRecord(digest: digest, tokenName: tokenName, createdAt: createdAt, expiresAt: expiresAt), in: db)
        }
    }

    public func session(digest: Data, now: Date) throws -> StaffSession? {
        try database.pool.read { db in try SessionRecord.session(digest: digest, now: now, in: db) }
    }

    public func deleteSession(digest: Data) throws -> Bool {
        try database.pool.write { db in try SessionRecord.deleteOne(db, key: digest) }
    }

    /// The staff identity of a bearer token, or nil for an unknown or revoked one.
    ///
    /// Every active digest is compared, each in constant time, so the time taken says
    /// nothing about how close a guess came.
    public func authenticate(_ token: String) throws -> StaffToken? {
        let presented = Self.digest(token)
        var found: StaffToken?
        for candidate in try database.activeTokens() where constantTimeEquals(candidate.digest, presented) {
            found = candidate.token
        }
        return found
    }
}
