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
