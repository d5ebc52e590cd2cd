import Foundation
import LiaisonCore
import LiaisonStore
import PostgresNIO

/// API tokens in PostgreSQL (``TokenStore``): made here, stored only as SHA-256 digests,
/// checked in constant time against every active digest, as the SQLite store does.
public struct PostgresTokens: TokenStore {
    let store: PostgresStore

    public init(store: PostgresStore) {
        self.store = store
    }

    public func create(name: String, role: StaffRole) throws -> String {
        guard StaffToken.validName(name) else {
            throw InvalidInput(name: "name", reason: "\"\(name)\" is not a token name: expected 1 to 64 characters of A-Z a-z 0-9 . _ -")
        }
        let token = TokenAuthenticator.generate(), digest = TokenAuthenticator.digest(token), role = role.description
        let inserted = try store.wait {
            try await self.store.client.query("""
                INSERT INTO tokens (name, role, digest, created_at) VALUES (\(name), \(role), \(digest), \(Date()))
                ON CONFLICT (name) DO NOTHING RETURNING name
                """, logger: self.store.logger).collect().count
        }
        guard inserted == 1 else {
            throw InvalidInput(name: "name", reason: "a token named \"\(name)\" already exists: pick another name or revoke it first")
        }
        return token
    }

    public func authenticate(_ token: String) throws -> StaffToken? {
        let presented = TokenAuthenticator.digest(token)
        let active = try store.wait {
            var active: [(String, String, Data)] = []
            let rows = try await self.store.client.query("SELECT name, role, digest FROM tokens WHERE revoked_at IS NULL", logger: self.store.logger)
            for try await row in rows.decode((String, String, Data).self) { active.append(row) }
            return active
        }
        var found: StaffToken?
        for (name, role, digest) in active where constantTimeEquals(digest, presented) {
            found = StaffRole(role).map { StaffToken(name: name, role: $0) }
        }
        return found
    }

    public func list() throws -> [StaffToken.Listing] {
        try store.wait {
            var listing: [StaffToken.Listing] = []
            let rows = try await self.store.client.query("SELECT name, role, created_at, revoked_at FROM tokens ORDER BY name",
                                                         logger: self.store.logger)
            for try await (name, role, created, revoked) in rows.decode((String, String, Date, Date?).self) {
                guard let role = StaffRole(role) else { continue }
                listing.append(StaffToken.Listing(name: name, role: role, createdAt: Timestamp.string(created), revokedAt: revoked.map(Timestamp.string)))
            }
            return listing
        }
    }

    public func saveSession(digest: Data, tokenName: String, createdAt: Date, expiresAt: Date) throws {
        try store.wait {
            try await self.store.client.withTransaction(logger: self.store.logger) { connection in
                try await connection.query("""
                    DELETE FROM console_sessions WHERE digest IN
                        (SELECT digest FROM console_sessions WHERE expires_at <= \(createdAt) ORDER BY expires_at LIMIT 100)
                    """, logger: self.store.logger)
                try await connection.query("""
                    INSERT INTO console_sessions (digest, token_name, created_at, expires_at)
                    VALUES (\(digest), \(tokenName), \(createdAt), \(expiresAt))
                    """, logger: self.store.logger)
            }
        }
    }

    public func session(digest: Data, now: Date) throws -> StaffSession? {
        try store.wait {
            let rows = try await self.store.client.query("""
                SELECT t.name, t.role, s.expires_at FROM console_sessions s JOIN tokens t ON t.name = s.token_name
                WHERE s.digest = \(digest) AND s.expires_at > \(now) AND t.revoked_at IS NULL
                """, logger: self.store.logger)
            for try await (name, role, expires) in rows.decode((String, String, Date).self) {
                if let role = StaffRole(role) { return StaffSession(staff: StaffToken(name: name, role: role), expiresAt: expires) }
            }
            return nil
        }
    }

    public func deleteSession(digest: Data) throws -> Bool {
        try store.wait {
            try await self.store.client.query("DELETE FROM console_sessions WHERE digest = \(digest) RETURNING token_name",
                                              logger: self.store.logger).collect().count == 1
        }
    }

    public func revoke(name: String) throws -> Bool {
        try store.wait {
            try await self.store.client.query("UPDATE tokens SET revoked_at = \(Date()) WHERE name = \(name) AND revoked_at IS NULL RETURNING name",
                                              logger: self.store.logger).collect().count == 1
        }
    }
}
