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

    static func insert(_ token: StaffToken, digest: Data, at: Date = Date(), in db: Database) throws {
        guard try !exists(db, key: token.name) else {
            throw InvalidInput(name: "name", reason: "a token named \"\(token.name)\" already exists: pick another name or revoke it first")
        }
        try TokenRecord(name: token.name, role: token.role.description, digest: digest, createdAt: at).insert(db)
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
    static func revoke(role: StaffRole, at: Date, in db: Database) throws {
        try TokenRecord.filter(Columns.role == role.description && Columns.revokedAt == nil).updateAll(db, Columns.revokedAt.set(to: Timestamp.string(at)))
    }

    static func revoke(name: String, at: Date = Date(), in db: Database) throws -> Bool {
        try TokenRecord.filter(Columns.name == name && Columns.revokedAt == nil).updateAll(db, Columns.revokedAt.set(to: Timestamp.string(at))) > 0
    }
}
