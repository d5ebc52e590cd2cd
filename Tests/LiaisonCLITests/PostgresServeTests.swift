import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import LiaisonTestSupport

/// Two `liaison serve` processes on one PostgreSQL database, as a cluster runs them: what one
/// writes the other answers, and a restart of PostgreSQL is a 503 while it lasts (readiness
/// and writes), never a crash, with lookups still answered from memory.
@Suite(.tags(.slow)) struct PostgresServeTests {
    static let patience: Duration = .seconds(20)

    func waitUntil(_ condition: () async throws -> Bool) async throws -> Bool {
        let clock = ContinuousClock(), start = clock.now
        while clock.now - start < Self.patience {
            if (try? await condition()) == true { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    /// One request as a client told to honour `Retry-After` sends it: a 503 (a server on a
    /// loaded machine whose first connections are slow to come) is sent again, within patience.
    /// Only for steps before the outage, where a 503 says nothing about what is tested.
    func sendPatiently(_ server: ServerProcess, _ method: String, _ path: String, json: Any? = nil, token: String? = nil,
                       headers: [String: String] = [:]) async throws -> (Int, [String: String], Data) {
        let clock = ContinuousClock(), start = clock.now
        while true {
            let answer = try await server.send(method, path, json: json, token: token, headers: headers)
            guard answer.0 == 503, clock.now - start < Self.patience else { return answer }
            print("\(method) \(path) answered 503 before the outage; sent again in 1 s: \(String(decoding: answer.2, as: UTF8.self))")
            try await Task.sleep(for: .seconds(1))
        }
    }

    func object(_ body: Data) -> [String: Any] { (try? JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:] }

    @Test func twoServersShareOnePostgresAndRideOutItsRestart() async throws {
        let postgres = try PostgresServer()
        let sandbox = try Sandbox()
        let created = try await sandbox.run(["tokens", "create", "--name", "admin-1", "--role", "admin", "--db", postgres.url])
        try #require(created.status == 0, "\(created)")
        let token = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let a = try await ServerProcess(["--db", postgres.url], sandbox: sandbox)
        let b = try await ServerProcess(["--db", postgres.url], sandbox: sandbox)

        // Filed through a, tracked and worked through b.
        let (filed, _, filedBody) = try await sendPatiently(a, "POST", "/v1/complaints", json: ComplaintBody.object(), headers: ["Idempotency-Key": "mp-1"])
        try #require(filed == 201, "\(String(decoding: filedBody, as: UTF8.self))")
        let number = try #require(object(filedBody)["number"] as? String)
        let tracking = try #require(object(filedBody)["tracking_token"] as? String)
        let (tracked, _, trackedBody) = try await sendPatiently(b, "GET", "/v1/complaints/\(number)", headers: ["X-Tracking-Token": tracking])
        #expect(tracked == 200 && object(trackedBody)["number"] as? String == number)
        let (accepted, _, acceptedBody) = try await sendPatiently(b, "POST", "/v1/complaints/\(number)/events", json: ["action": "accept"], token: token)
        #expect(accepted == 200 && object(acceptedBody)["status"] as? String == "accepted", "\(String(decoding: acceptedBody, as: UTF8.self))")
        let (replayed, replayHeaders, replayBody) = try await sendPatiently(b, "POST", "/v1/complaints", json: ComplaintBody.object(), headers: ["Idempotency-Key": "mp-1"])
        #expect(replayed == 201 && replayHeaders["Idempotent-Replayed"] == "true" && replayBody == filedBody)

        // PostgreSQL goes down: not ready, writes refused with 503 and Retry-After, lookups still answered.
        try postgres.stop()
        #expect(try await waitUntil { try await a.send("GET", "/readyz").0 == 503 }, "a stays ready while the database is down")
        let (refused, refusedHeaders, refusedBody) = try await a.send("POST", "/v1/complaints", json: ComplaintBody.object(phone: "13900139000"),
                                                                      headers: ["Idempotency-Key": "mp-2"])
        #expect(refused == 503 && refusedHeaders["Retry-After"] == "5" && object(refusedBody)["type"] as? String != nil,
                "\(refused) \(String(decoding: refusedBody, as: UTF8.self))")
        #expect(try await b.send("GET", "/v1/stations/nearest?lat=30.259&lng=120.13&limit=1").0 == 200)
        // A server stopped while the database is down stops promptly and cleanly.
        let clock = ContinuousClock(), stopping = clock.now
        #expect(try await b.stop() == 0)
        print("a server stopped \(clock.now - stopping) after SIGTERM while PostgreSQL was down")

        // Back up: ready again, and the refused complaint goes through on retry, numbered next.
        try postgres.start()
        #expect(try await waitUntil { try await a.send("GET", "/readyz").0 == 200 })
        let (retried, _, retriedBody) = try await a.send("POST", "/v1/complaints", json: ComplaintBody.object(phone: "13900139000"),
                                                         headers: ["Idempotency-Key": "mp-2"])
        #expect(retried == 201 && (object(retriedBody)["number"] as? String)?.hasSuffix("-000002") == true, "\(String(decoding: retriedBody, as: UTF8.self))")
        #expect(try await a.stop() == 0)
    }

    /// A station retired by the CLI leaves a running server's answers at once, announced by
    /// PostgreSQL (LISTEN/NOTIFY), although the server polls only once a minute.
    @Test func aRegisterChangeIsAnnouncedToRunningServers() async throws {
        let sandbox = try Sandbox()
        let url = try ScratchPostgres.newDatabase("listen")
        let server = try await ServerProcess(["--db", url, "--register-poll", "60"], sandbox: sandbox)
        func nearest() async throws -> String? {
            let (_, _, body) = try await server.send("GET", "/v1/stations/nearest?lat=30.259&lng=120.13&limit=1")
            return (object(body)["stations"] as? [[String: Any]])?.first?["id"] as? String
        }
        let retired = try #require(try await nearest())
        // Let the poll's first pass go by, so that only the notice can bring the change.
        try await Task.sleep(for: .seconds(1))
        let result = try await sandbox.run(["stations", "retire", retired, "--reason", "并入邻村联络站", "--db", url])
        try #require(result.status == 0, "\(result)")
        let clock = ContinuousClock(), start = clock.now
        var seen = false
        while clock.now - start < .seconds(10), !seen {
            seen = try await nearest() != retired
            if !seen { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(seen, "the server still answers with \(retired) 10 s after the CLI retired it (poll: 60 s)")
        print("register change announced and served \(clock.now - start) after the CLI exited")
        #expect(try await server.stop() == 0)
    }
}
