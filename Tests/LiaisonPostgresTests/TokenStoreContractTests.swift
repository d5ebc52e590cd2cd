import Foundation
import LiaisonCore
import LiaisonPostgres
import LiaisonStore
import LiaisonTestSupport
import Logging
import Testing

/// The stores behind the seam, each made fresh for one test.
enum Backend: String, CaseIterable, CustomTestStringConvertible {
    case spatialite, postgres

    var testDescription: String { rawValue }

    /// A fresh token store; `keep` holds what must outlive the call (a scratch folder, a pool).
    func tokens(keep: inout [Any]) throws -> any TokenStore {
        switch self {
        case .spatialite:
            let folder = try ScratchFolder("contract")
            keep.append(folder)
            return TokenAuthenticator(database: try TemplateDatabase.open(at: folder.path("liaison.sqlite")))
        case .postgres:
            let store = try PostgresStore(url: try ScratchPostgres.newDatabase("tokens"), logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
            keep.append(store)
            return PostgresTokens(store: store)
        }
    }

    /// Every part of the service over a fresh store holding the shipped register, as
    /// `liaison serve` composes it, and the store itself.
    func services(_ settings: ComplaintDesk.Settings, keep: inout [Any]) throws -> (services: LiaisonServices, store: any RegisterStore) {
        switch self {
        case .spatialite:
            let folder = try ScratchFolder("contract")
            keep.append(folder)
            let database = try TemplateDatabase.open(at: folder.path("liaison.sqlite"))
            return (try LiaisonServices(database: database, complaints: settings), database)
        case .postgres:
            let store = try PostgresStore(url: try ScratchPostgres.newDatabase("desk"), logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
            keep.append(store)
            try store.createIfEmpty(from: try GeodataDirectory(url: Repository.geodata))
            return (try LiaisonServices(postgres: store, complaints: settings), store)
        }
    }
}

/// ``TokenStore`` as its users rely on it, the same on every backend.
@Suite struct TokenStoreContractTests {
    @Test(arguments: Backend.allCases)
    func aTokenAuthenticatesUntilRevoked(backend: Backend) throws {
        var keep: [Any] = []
        let tokens = try backend.tokens(keep: &keep)
        let county = try tokens.create(name: "xihu-1", role: .county("330106"))
        let admin = try tokens.create(name: "admin-1", role: .admin)
        #expect(county.hasPrefix("lst_") && county != admin)
        #expect(try tokens.authenticate(county) == StaffToken(name: "xihu-1", role: .county("330106")))
        #expect(try tokens.authenticate(admin) == StaffToken(name: "admin-1", role: .admin))
        #expect(try tokens.authenticate(county + "x") == nil)
        #expect(try tokens.authenticate("") == nil)

        let listed = try tokens.list()
        #expect(listed.map(\.name) == ["admin-1", "xihu-1"])
        #expect(listed.allSatisfy { Timestamp.parse($0.createdAt) != nil && $0.revokedAt == nil })
        #expect(!listed.map(\.createdAt).contains { $0.contains(county) }, "the token itself is never listed")

        #expect(try tokens.revoke(name: "xihu-1"))
        #expect(try !tokens.revoke(name: "xihu-1"), "a revoked token cannot be revoked again")
        #expect(try !tokens.revoke(name: "nobody"))
        #expect(try tokens.authenticate(county) == nil)
        #expect(try tokens.authenticate(admin) != nil)
        #expect(try tokens.list().first { $0.name == "xihu-1" }?.revokedAt != nil)
    }

    /// A console session stands for its staff token until it is ended, expires or loses its
    /// token; the store keeps only its digest; keys that are not staff tokens do not sign in.
    @Test(arguments: Backend.allCases)
    func aSessionLastsUntilEndedExpiredOrRevoked(backend: Backend) throws {
        var keep: [Any] = []
        let tokens = try backend.tokens(keep: &keep)
        let county = try tokens.create(name: "xihu-1", role: .county("330106"))
        let admin = try tokens.create(name: "admin-1", role: .admin)
        let client = try tokens.create(name: "mp-1", role: .client)
        let now = Date()
        let (id, session) = try #require(try tokens.startSession(token: county, lifetimeSeconds: 3600, now: now))
        #expect(id.hasPrefix("lss_") && id.utf8.count == 47)
        #expect(session.staff == StaffToken(name: "xihu-1", role: .county("330106")))
        #expect(try tokens.session(id, now: now.addingTimeInterval(3599))?.staff == session.staff)
        #expect(try tokens.session(id, now: now.addingTimeInterval(3601)) == nil, "expired")
        #expect(try tokens.session(id + "x", now: now) == nil)
        #expect(try tokens.startSession(token: client, now: now) == nil, "a client key does not sign in")
        #expect(try tokens.startSession(token: county + "x", now: now) == nil)

        // Ended: the same id signs nobody in again; ending twice says so.
        #expect(try tokens.endSession(id))
        #expect(try tokens.session(id, now: now) == nil)
        #expect(try !tokens.endSession(id))

        // Revoking the token ends every session started with it.
        let (second, _) = try #require(try tokens.startSession(token: county, now: now))
        let (third, _) = try #require(try tokens.startSession(token: admin, now: now))
        #expect(try tokens.revoke(name: "xihu-1"))
        #expect(try tokens.session(second, now: now) == nil)
        #expect(try tokens.session(third, now: now)?.staff.name == "admin-1")

        // Only the digest is kept: the id itself finds nothing when taken for a digest.
        #expect(try tokens.session(digest: StaffSession.digest(third), now: now)?.staff.name == "admin-1")
        #expect(try tokens.session(digest: Data(third.utf8), now: now) == nil)
    }

    @Test(arguments: Backend.allCases)
    func namesAreCheckedAndUnique(backend: Backend) throws {
        var keep: [Any] = []
        let tokens = try backend.tokens(keep: &keep)
        _ = try tokens.create(name: "a", role: .admin)
        let taken = #expect(throws: InvalidInput.self) { try tokens.create(name: "a", role: .admin) }
        #expect(taken?.parameters.first?.name == "name" && taken?.parameters.first?.reason.contains("already exists") == true)
        let bad = #expect(throws: InvalidInput.self) { try tokens.create(name: "has space", role: .admin) }
        #expect(bad?.parameters.first?.name == "name")
        #expect(try tokens.list().count == 1)
    }
}
