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

    /// `clients create --callback-url` and `clients set-callback`: the URL checked before anything
    /// is written, the signing secret printed (the same for the same name and server key) and
    /// never stored, a clear that says when there was nothing to clear.
    @Test func aCallbackURLIsSetWithItsSecretAndCleared() async throws {
        let sandbox = try Sandbox(databases: ["liaison.sqlite"])
        let db = sandbox.path("liaison.sqlite")
        let badURL = try await sandbox.run(["clients", "create", "--name", "mp-cb", "--callback-url", "ftp://mp.example.com/x", "--db", db])
        #expect(badURL.status == 64 && badURL.stderr.contains("--callback-url") && badURL.stderr.contains("http"), "\(badURL)")
        #expect(try await sandbox.run(["clients", "list", "--db", db]).stdout.contains("mp-cb") == false, "a refused URL creates no key")

        let created = try await sandbox.run(["clients", "create", "--name", "mp-cb", "--callback-url", "https://mp.example.com/liaison", "--db", db])
        #expect(created.status == 0, "\(created)")
        let lines = created.stdoutLines
        #expect(lines.count == 2 && lines[0].hasPrefix("lst_") && lines[1].hasPrefix("cbs_"), "\(created)")
        let secret = lines.last ?? ""

        let reset = try await sandbox.run(["clients", "set-callback", "mp-cb", "--url", "http://127.0.0.1:9/hook", "--db", db])
        #expect(reset.status == 0 && reset.stdoutLines == [secret], "the same name and server key give the same secret: \(reset)")
        let listed = try await sandbox.run(["clients", "list", "--db", db])
        #expect(listed.stdoutLines.contains { $0.hasPrefix("mp-cb") && $0.hasSuffix("http://127.0.0.1:9/hook") } && !listed.stdout.contains(secret), "\(listed)")
        for arguments in [["mp-cb"], ["mp-cb", "--url", "https://a.example.com", "--clear"], ["mp-cb", "--url", "mailto:x@example.com"]] {
            let usage = try await sandbox.run(["clients", "set-callback"] + arguments + ["--db", db])
            #expect(usage.status == 64, "\(usage)")
        }
        let unknown = try await sandbox.run(["clients", "set-callback", "nobody", "--url", "https://a.example.com", "--db", db])
        #expect(unknown.status == 1 && unknown.stderr.contains("nobody"), "\(unknown)")

        let cleared = try await sandbox.run(["clients", "set-callback", "mp-cb", "--clear", "--db", db])
        #expect(cleared.status == 0, "\(cleared)")
        let again = try await sandbox.run(["clients", "set-callback", "mp-cb", "--clear", "--db", db])
        #expect(again.status == 1, "\(again)")

        // The secret is derived, never stored.
        let bytes = ["", "-wal", "-shm"].compactMap { FileManager.default.contents(atPath: db + $0) }.reduce(Data(), +)
        #expect(bytes.firstRange(of: Data(secret.utf8)) == nil)
    }
}
