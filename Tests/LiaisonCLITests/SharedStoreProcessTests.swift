import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import LiaisonTestSupport

/// Several real processes on one SpatiaLite file: servers and the CLI, as operators run them.
/// A change made by one process reaches the others' answers within the register poll
/// (`serve --register-poll`, 0.2 s by default) plus a snapshot rebuild.
@Suite(.tags(.slow)) struct SharedStoreProcessTests {
    let sandbox: Sandbox
    init() throws { sandbox = try Sandbox(databases: ["shared.sqlite"]) }

    var db: String { sandbox.path("shared.sqlite") }

    /// How long a test waits for another process's change before it fails (far above the bound).
    static let patience: Duration = .seconds(15)

    func adminToken() async throws -> String {
        let result = try await sandbox.run(["tokens", "create", "--name", "admin-1", "--role", "admin", "--db", db])
        try #require(result.status == 0, "\(result)")
        // Today's ratings first: otherwise a server's watch rates every station as it starts,
        // which changes their representation (and ETags) under the test.
        let rated = try await sandbox.run(["ratings", "compute", "--db", db])
        try #require(rated.status == 0, "\(rated)")
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Polls `condition` until it holds; returns how long that took, or nil after ``patience``.
    func waitUntil(_ condition: () async throws -> Bool) async throws -> Duration? {
        let clock = ContinuousClock(), start = clock.now
        while clock.now - start < Self.patience {
            if try await condition() { return clock.now - start }
            try await Task.sleep(for: .milliseconds(10))
        }
        return nil
    }

    func nearestID(_ server: ServerProcess) async throws -> String? {
        let (status, _, body) = try await server.send("GET", "/v1/stations/nearest?lat=30.259&lng=120.13&limit=1")
        #expect(status == 200)
        return ((try JSONSerialization.jsonObject(with: body) as? [String: Any])?["stations"] as? [[String: Any]])?.first?["id"] as? String
    }

    @Test func aStationRetiredByTheCLIDisappearsFromARunningServer() async throws {
        let server = try await ServerProcess(["--db", db], sandbox: sandbox)
        let retired = try #require(try await nearestID(server))
        let result = try await sandbox.run(["stations", "retire", retired, "--reason", "并入邻村联络站", "--db", db])
        try #require(result.status == 0, "\(result)")

        let took = try await waitUntil { try await nearestID(server) != retired }
        #expect(took != nil, "the server still answers with \(retired) after \(Self.patience)")
        print("register change seen by the server \(took.map { "\($0)" } ?? "never") after the CLI exited")
        let (status, _, body) = try await server.send("GET", "/v1/stations/\(retired)")
        #expect(status == 200)
        #expect((try JSONSerialization.jsonObject(with: body) as? [String: Any])?["status"] as? String == "retired")
        #expect(try await server.stop() == 0)
    }

    @Test func aStationAddedThroughOneServerIsFoundByAnotherAndETagsFollowChanges() async throws {
        let token = try await adminToken()
        let a = try await ServerProcess(["--db", db], sandbox: sandbox)
        let b = try await ServerProcess(["--db", db], sandbox: sandbox)

        let (created, createdHeaders, createdBody) = try await a.send("POST", "/v1/stations", json: Self.draft, token: token)
        try #require(created == 201, "\(String(decoding: createdBody, as: UTF8.self))")
        let id = try #require((try JSONSerialization.jsonObject(with: createdBody) as? [String: Any])?["id"] as? String)
        let found = try await waitUntil { try await b.send("GET", "/v1/stations/\(id)").0 == 200 }
        #expect(found != nil, "server b never found \(id)")
        let nearB = try await b.send("GET", "/v1/stations/nearest?lat=30.22&lng=120.08&limit=1")
        #expect(String(decoding: nearB.2, as: UTF8.self).contains("\"\(id)\""))

        // Both servers give the same ETag, the one the write answered with.
        let etag = try #require(createdHeaders["ETag"])
        #expect(try await a.send("GET", "/v1/stations/\(id)").1["ETag"] == etag)
        #expect(try await b.send("GET", "/v1/stations/\(id)").1["ETag"] == etag)

        // An edit through b changes the ETag on both.
        let (patched, patchedHeaders, _) = try await b.send("PATCH", "/v1/stations/\(id)", json: ["phone": "0571-88888888"], token: token)
        #expect(patched == 200)
        let newTag = try #require(patchedHeaders["ETag"])
        #expect(newTag != etag)
        #expect(try await waitUntil { try await a.send("GET", "/v1/stations/\(id)").1["ETag"] == newTag } != nil)
        #expect(try await b.send("GET", "/v1/stations/\(id)").1["ETag"] == newTag)
        #expect(try await a.stop() == 0)
        #expect(try await b.stop() == 0)
    }

    @Test func aStaleServerNeitherRevivesNorOverwritesAStation() async throws {
        let token = try await adminToken()
        let a = try await ServerProcess(["--db", db], sandbox: sandbox)
        // b polls the register only once a minute: its snapshot stays stale for this test.
        let b = try await ServerProcess(["--db", db, "--register-poll", "60"], sandbox: sandbox)
        let id = "330106-0001"
        let (_, readHeaders, before) = try await a.send("GET", "/v1/stations/\(id)")
        let etag = try #require(readHeaders["ETag"])

        // If-Match: the current ETag is accepted once; the same ETag again is stale.
        let first = try await a.send("PATCH", "/v1/stations/\(id)", json: ["capacity": 42], token: token, headers: ["If-Match": etag])
        #expect(first.0 == 200)
        let stale = try await b.send("PATCH", "/v1/stations/\(id)", json: ["capacity": 43], token: token, headers: ["If-Match": etag])
        #expect(stale.0 == 412, "\(String(decoding: stale.2, as: UTF8.self))")
        #expect(stale.1["Content-Type"]?.hasPrefix("application/problem+json") == true)

        // Retired through a; b (still showing it active) is refused and changes nothing.
        let retired = try await a.send("POST", "/v1/stations/\(id)/retire", json: ["reason": "站点撤并"], token: token)
        #expect(retired.0 == 200)
        let after = try await a.send("GET", "/v1/stations/\(id)")
        let phone = try await b.send("PATCH", "/v1/stations/\(id)", json: ["phone": "0571-88888888"], token: token)
        #expect(phone.0 == 409, "\(String(decoding: phone.2, as: UTF8.self))")
        let now = try await a.send("GET", "/v1/stations/\(id)")
        #expect(now.2 == after.2, "the station is as the retire left it")
        #expect(now.2 != before)
        let object = try #require(try JSONSerialization.jsonObject(with: now.2) as? [String: Any])
        #expect(object["status"] as? String == "retired")
        #expect(object["capacity"] as? Int == 42)
        #expect(try await a.stop() == 0)
        #expect(try await b.stop() == 0)
    }

    static var draft: [String: Any] { [
        "name": "两进程测试联络站",
        "location": ["lat": 30.2200, "lng": 120.0800, "coordsys": "wgs84"],
        "address": ["town": "转塘街道", "village": "测试村"],
        "phone": "0571-87000000",
        "hours": ["mon": ["08:30-11:30"], "tue": [], "wed": [], "thu": [], "fri": [], "sat": [], "sun": []],
        "modes": ["offline", "video"],
        "capacity": 10,
        "staff": [["name": "王测试", "role": "站长", "mobile": "+86 199 9999 0001"]],
    ] }
}

extension ServerProcess {
    /// One request; the status, the response headers and the body.
    func send(_ method: String, _ path: String, json: Any? = nil, token: String? = nil,
              headers: [String: String] = [:]) async throws -> (Int, [String: String], Data) {
        var request = URLRequest(url: URL(string: base + path)!)
        request.httpMethod = method
        request.cachePolicy = .reloadIgnoringLocalCacheData
        if let json {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = try JSONSerialization.data(withJSONObject: json)
        }
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        // A filing carries an Idempotency-Key (required): a fresh one unless the test gives its own.
        if method == "POST" && path == "/v1/complaints" { request.setValue(UUID().uuidString, forHTTPHeaderField: "Idempotency-Key") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (body, response) = try await URLSession.shared.data(for: request)
        let http = response as? HTTPURLResponse
        var fields: [String: String] = [:]
        for (name, value) in http?.allHeaderFields ?? [:] {
            if let name = name as? String, let value = value as? String { fields[name] = value }
        }
        // Header names as the server wrote them may differ in case: look them up case-insensitively.
        return (http?.statusCode ?? 0, CaseInsensitive(fields).fields, body)
    }
}

/// Response headers keyed the way the tests spell them (`ETag`, `Content-Type`).
struct CaseInsensitive {
    let fields: [String: String]
    init(_ raw: [String: String]) {
        var out: [String: String] = [:]
        for (name, value) in raw {
            for spelled in ["ETag", "Content-Type", "Location"] where spelled.lowercased() == name.lowercased() { out[spelled] = value }
            out[name] = value
        }
        fields = out
    }
}
