import Foundation
import GRDB
import LiaisonCore

/// One row of the `tokens` table: an API token by name and role, kept only as its SHA-256 digest.
struct TokenRecord: LiaisonRecord {
    static let databaseTableName = "tokens"

    var name: String
    var role: String
    var digest: Data
    var createdAt: Date
    var revokedAt: Date?

    enum CodingKeys: String, CodingKey, ColumnExpression {
        case name, role, digest, createdAt = "created_at", revokedAt = "revoked_at"
    }
    typealias Columns = CodingKeys

    static func insert(_ token: StaffToken, digest: Data, at: Date = Date(), in db: any SQLSession) throws {
        guard try String.fetchOne(db, sql: "SELECT name FROM tokens WHERE name = ?", arguments: [token.name]) == nil else {
            throw InvalidInput(name: "name", reason: "a token named \"\(token.name)\" already exists: pick another name or revoke it first")
        }
        try db.insert(TokenRecord(name: token.name, role: token.role.description, digest: digest, createdAt: at))
    }

    static func all(_ db: Database) throws -> [StaffToken.Listing] {
        try TokenRecord.order(Columns.name).fetchAll(db).compactMap { record in
            StaffRole(record.role).map {
                StaffToken.Listing(name: record.name, role: $0, createdAt: Timestamp.string(record.createdAt),
                                   revokedAt: record.revokedAt.map(Timestamp.string))
            }
        }
    }

    /// Active tokens with their digests, for the authenticator to compare in constant time.
    static func active(_ db: Database) throws -> [(token: StaffToken, digest: Data)] {
        try TokenRecord.filter(Columns.revokedAt == nil).fetchAll(db).compactMap { record in
            StaffRole(record.role).map { (StaffToken(name: record.name, role: $0), record.digest) }
        }
    }

    /// Revokes every active token of a role (an enterprise's keys), as of `at`.
    static func revoke(role: StaffRole, at: Date, in db: any SQLSession) throws {
        try db.execute(sql: "UPDATE tokens SET revoked_at = ? WHERE role = ? AND revoked_at IS NULL", arguments: [Timestamp.string(at), role.description])
    }

    static func revoke(name: String, at: Date = Date(), in db: Database) throws -> Bool {
        try TokenRecord.filter(Columns.name == name && Columns.revokedAt == nil).updateAll(db, Columns.revokedAt.set(to: Timestamp.string(at))) > 0
    }
}

/// One row of `console_sessions`: a staff console sign-in, kept only as the SHA-256 of its id.
struct SessionRecord: LiaisonRecord {
    static let databaseTableName = "console_sessions"

    var digest: Data
    var tokenName: String
    var createdAt: Date
    var expiresAt: Date

    enum CodingKeys: String, CodingKey, ColumnExpression {
        case digest, tokenName = "token_name", createdAt = "created_at", expiresAt = "expires_at"
    }
    typealias Columns = CodingKeys

    /// Expired sessions deleted per sign-in: the table stays small without a sweep of its own.
    static let expiredBatch = 100

    static func save(_ record: SessionRecord, in db: Database) throws {
        try db.execute(sql: """
            DELETE FROM console_sessions WHERE digest IN
                (SELECT digest FROM console_sessions WHERE expires_at <= ? ORDER BY expires_at LIMIT \(expiredBatch))
            """, arguments: [Timestamp.string(record.createdAt)])
        try record.insert(db)
    }

    /// The session's staff identity, while it runs and its token is not revoked.
    static func session(digest: Data, now: Date, in db: Database) throws -> StaffSession? {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT t.name, t.role, s.expires_at FROM console_sessions s JOIN tokens t ON t.name = s.token_name
            WHERE s.digest = ? AND s.expires_at > ? AND t.revoked_at IS NULL
            """, arguments: [digest, Timestamp.string(now)]),
              let role = StaffRole(row["role"] as String), let expires = Timestamp.parse(row["expires_at"] as String) else { return nil }
        return StaffSession(staff: StaffToken(name: row["name"], role: role), expiresAt: expires)
    }
}
