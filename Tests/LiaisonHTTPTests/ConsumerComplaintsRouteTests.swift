import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LiaisonCore
import LiaisonHTTP
import LiaisonTestSupport
import Testing

/// `GET /v1/consumers/{consumer_id}/complaints`: a client's consumer's complaints, newest first,
/// paged, each with a tracking token that works; only that client's, only that consumer's; the
/// id itself never stored.
@Suite struct ConsumerComplaintsRouteTests {
    let register: WritableRegister
    static let clientKey = HTTPField.Name("X-Client-Key")!
    static let consumerHeader = HTTPField.Name("X-Consumer-Id")!
    /// An openid-like id, distinctive enough to look for in the database's bytes.
    static let openid = "oQ7x-Zk3pLm9TfVw2Rb8"

    init() throws { register = try WritableRegister() }

    func file(_ http: some TestClientProtocol, key: String, phone: String, consumerID: String?, header: String? = nil) async throws -> TestResponse {
        var headers = intakeHeaders()
        headers[Self.clientKey] = key
        if let header { headers[Self.consumerHeader] = header }
        var consumer: [String: Any] = ["name": "张三", "phone": phone]
        if let consumerID { consumer["id"] = consumerID }
        return try await http.execute(uri: "/v1/complaints", method: .post, headers: headers, body: complaintJSON(["consumer": consumer]))
    }

    func list(_ http: some TestClientProtocol, _ consumer: String, key: String?, query: String = "") async throws -> TestResponse {
        var headers = HTTPFields()
        if let key { headers[Self.clientKey] = key }
        return try await http.execute(uri: "/v1/consumers/\(consumer)/complaints\(query)", method: .get, headers: headers)
    }

    static func numbers(_ r: TestResponse) throws -> [String] {
        (try r.json()["complaints"] as? [[String: Any]] ?? []).compactMap { $0["number"] as? String }
    }

    @Test func aClientListsItsConsumersComplaintsWithWorkingTokens() async throws {
        let a = try register.services.tokens.create(name: "mp-a", role: .client)
        let b = try register.services.tokens.create(name: "mp-b", role: .client)
        try await register.app().test(.live) { http in
            var mine: [String] = []
            for i in 0..<3 {
                let r = try await file(http, key: a, phone: "1390000100\(i)", consumerID: Self.openid)
                #expect(r.status == .created, "\(r.text)")
                mine.append(try #require(try r.json()["number"] as? String))
            }
            let byHeader = try await file(http, key: a, phone: "13900001010", consumerID: nil, header: "other-consumer")
            #expect(byHeader.status == .created)
            let otherClient = try await file(http, key: b, phone: "13900001020", consumerID: Self.openid)
            #expect(otherClient.status == .created)
            let noID = try await file(http, key: a, phone: "13900001030", consumerID: nil)
            #expect(noID.status == .created)

            // Newest first, every token works for tracking; answers are not cached.
            let listed = try await list(http, Self.openid, key: a)
            #expect(listed.status == .ok, "\(listed.text)")
            #expect(listed.headers[.cacheControl] == "no-store")
            #expect(try Self.numbers(listed) == mine.reversed())
            for item in try listed.json()["complaints"] as? [[String: Any]] ?? [] {
                let number = try #require(item["number"] as? String), token = try #require(item["tracking_token"] as? String)
                #expect((item["submitted_at"] as? String)?.hasSuffix("+08:00") == true)
                #expect((item["station"] as? [String: Any])?["name"] as? String != nil, "\(item)")
                let tracked = try await http.execute(uri: item["href"] as? String ?? "", method: .get,
                                                     headers: [HTTPField.Name("X-Tracking-Token")!: token])
                let trackedNumber = try tracked.json()["number"] as? String
                #expect(tracked.status == .ok && trackedNumber == number)
            }
            // Pages of two: the first names where the second starts; the last names none.
            let first = try await list(http, Self.openid, key: a, query: "?limit=2")
            let next = try #require(try first.json()["next"] as? String)
            let second = try await list(http, Self.openid, key: a, query: "?limit=2&after=\(next)")
            let both = try Self.numbers(first) + Self.numbers(second)
            #expect(both == mine.reversed())
            #expect(try second.json()["next"] == nil)
            // Another client's consumer with the same id is another consumer; the header names one too.
            #expect(try Self.numbers(try await list(http, Self.openid, key: b)) == [try #require(try otherClient.json()["number"] as? String)])
            #expect(try Self.numbers(try await list(http, "other-consumer", key: a)) == [try #require(try byHeader.json()["number"] as? String)])
            #expect(try Self.numbers(try await list(http, "nobody", key: a)).isEmpty)
        }
        // The id is kept only as a keyed hash: its bytes are nowhere in the file.
        guard !WritableRegister.onPostgres else { return }
        let path = register.folder.appendingPathComponent("liaison.sqlite").path
        for file in [path, path + "-wal"] where FileManager.default.fileExists(atPath: file) {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
            #expect(bytes.firstRange(of: Data(Self.openid.utf8)) == nil, "\(file) holds the consumer id")
        }
    }

    @Test func onlyAClientKeyListsAndBadInputIsNamed() async throws {
        let a = try register.services.tokens.create(name: "mp-a", role: .client)
        try await register.app().test(.live) { http in
            #expect(try await list(http, Self.openid, key: nil).status == .unauthorized)
            #expect(try await list(http, Self.openid, key: "lck_not-a-key").status == .unauthorized)
            #expect(try await list(http, Self.openid, key: register.admin).status == .forbidden)
            let staff = try await http.execute(uri: "/v1/consumers/\(Self.openid)/complaints", method: .get, headers: WritableRegister.headers(register.admin))
            #expect(staff.status == .unauthorized, "a staff token is not a client key")
            for (path, field) in [("has%20space", "consumer_id"), (String(repeating: "x", count: 129), "consumer_id")] {
                let r = try await list(http, path, key: a)
                let names = try r.invalidParameterNames()
                #expect(r.status == .badRequest && names == [field], "\(r.text)")
            }
            for (query, field) in [("?limit=0", "limit"), ("?limit=101", "limit"), ("?after=ZJ-1", "after"), ("?page=2", "page")] {
                let r = try await list(http, Self.openid, key: a, query: query)
                let names = try r.invalidParameterNames()
                #expect(r.status == .badRequest && names == [field], "\(query): \(r.text)")
            }
            // A body and a header naming two consumers: refused, nothing filed.
            let mixed = try await file(http, key: a, phone: "13900002000", consumerID: Self.openid, header: "someone-else")
            let mixedNames = try mixed.invalidParameterNames()
            #expect(mixed.status == .badRequest && mixedNames == ["consumer.id"], "\(mixed.text)")
            let badID = try await file(http, key: a, phone: "13900002001", consumerID: "has space")
            let badNames = try badID.invalidParameterNames()
            #expect(badID.status == .badRequest && badNames == ["consumer.id"], "\(badID.text)")
            #expect(try Self.numbers(try await list(http, Self.openid, key: a)).isEmpty)
        }
    }
}
