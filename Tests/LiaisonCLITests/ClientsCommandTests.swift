import Foundation
import Testing
import LiaisonTestSupport

/// `liaison clients`: keys for the mini-program backends that file complaints, printed once,
/// stored as digests, revocable; and a server that, by default, files nothing without one.
@Suite(.tags(.slow)) struct ClientsCommandTests {
    @Test func aClientKeyFilesUntilRevokedAndIsNeverStored() async throws {
        let sandbox = try Sandbox(databases: ["liaison.sqlite"])
        let db = sandbox.path("liaison.sqlite")
        let created = try await sandbox.run(["clients", "create", "--name", "mp-zjxb", "--db", db])
        #expect(created.status == 0 && created.stderr.contains("shown only this once"), "\(created)")
        let key = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(key.count > 30)
        let listed = try await sandbox.run(["clients", "list", "--db", db])
        #expect(listed.stdout.contains("mp-zjxb") && listed.stdout.contains("active") && !listed.stdout.contains(key), "\(listed)")
        let again = try await sandbox.run(["clients", "create", "--name", "mp-zjxb", "--db", db])
        #expect(again.status == 64 && again.stderr.contains("--name"), "\(again)")
        let badName = try await sandbox.run(["clients", "create", "--name", "has space", "--db", db])
        #expect(badName.status == 64 && badName.stderr.contains("--name"), "\(badName)")

        let server = try await ServerProcess(["--db", db], sandbox: sandbox, anonymousIntake: false)
        let (anonymous, _, anonymousBody) = try await server.send("POST", "/v1/complaints", json: ComplaintBody.object())
        #expect(anonymous == 401, "\(String(decoding: anonymousBody, as: UTF8.self))")
        let (filed, headers, filedBody) = try await server.send("POST", "/v1/complaints", json: ComplaintBody.object(), headers: ["X-Client-Key": key])
        #expect(filed == 201 && headers.first { $0.key.lowercased() == "ratelimit-limit" }?.value == "60", "\(String(decoding: filedBody, as: UTF8.self))")

        let revoked = try await sandbox.run(["clients", "revoke", "mp-zjxb", "--db", db])
        #expect(revoked.status == 0, "\(revoked)")
        let (after, _, _) = try await server.send("POST", "/v1/complaints", json: ComplaintBody.object(phone: "13900139001"), headers: ["X-Client-Key": key])
        #expect(after == 401, "a revoked key still files")
        #expect(try await server.stop() == 0)

        // Neither the key nor its complaint's tracking token is anywhere in the database's files.
        let token = try #require((try JSONSerialization.jsonObject(with: filedBody) as? [String: Any])?["tracking_token"] as? String)
        let bytes = ["", "-wal", "-shm"].compactMap { FileManager.default.contents(atPath: db + $0) }.reduce(Data(), +)
        #expect(bytes.firstRange(of: Data(key.utf8)) == nil && bytes.firstRange(of: Data(token.utf8)) == nil)
    }
}
