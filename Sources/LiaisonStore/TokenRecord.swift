import Foundation
import GRDB
import LiaisonCore

/// The `tokens` table: API tokens by name, role and SHA-256 digest.
enum TokenRecord {
    static func insert(_ token: StaffToken, digest: Data, in db: Database) throws {
        guard try Int.fetchOne(db, sql: "SELECT count(*) FROM tokens WHERE name = ?", arguments: [token.name]) == 0 else {
            throw InvalidInput(name: "name", reason: "a token named \"\(token.name)\" already exists: pick another name or revoke it first")
        }
        try db.execute(sql: "INSERT INTO tokens (name, role, digest, created_at) VALUES (?, ?, ?, ?)",
                       arguments: [token.name, token.role.description, digest, timestamp()])
    }

    static func all(_ db: Database) throws -> [StaffToken.Listing] {
        try Row.fetchAll(db, sql: "SELECT name, role, created_at, revoked_at FROM tokens ORDER BY name").compactMap { row in
            guard let role = StaffRole(row["role"] as String) else { return nil }
            return StaffToken.Listing(name: row["name"], role: role, createdAt: row["created_at"], revokedAt: row["revoked_at"])
        }
    }

    /// Active tokens with their digests, for the authenticator to compare in constant time.
    static func active(_ db: Database) throws -> [(token: StaffToken, digest: Data)] {
        try Row.fetchAll(db, sql: "SELECT name, role, digest FROM tokens WHERE revoked_at IS NULL").compactMap { row in
            guard let role = StaffRole(row["role"] as String) else { return nil }
            return (StaffToken(name: row["name"], role: role), row["digest"])
        }
    }

    /// Revokes every active token of a role (an enterprise's keys), as of `at`.
    static func revoke(role: StaffRole, at: String, in db: Database) throws {
        try db.execute(sql: "UPDATE tokens SET revoked_at = ? WHERE role = ? AND revoked_at IS NULL", arguments: [at, role.description])
    }

    static func revoke(name: String, in db: Database) throws -> Bool {
        try db.execute(sql: "UPDATE tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL", arguments: [timestamp(), name])
        return db.changesCount > 0
    }
}

func timestamp() -> String {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return f.string(from: Date())
}
