import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LiaisonCore
@testable import LiaisonHTTP
import Synchronization
import Testing

/// Intake is for client keys, each with its quota, checked before the body is read; a consumer
/// id has its own quota; anonymous reads have one per IP address.
@Suite struct IntakeLimitTests {
    let register: WritableRegister
    /// A clock that does not move: the buckets hold exactly their burst for the whole test.
    static let stopped: @Sendable () -> ContinuousClock.Instant = { [start = ContinuousClock.now] in start }

    init() throws {
        register = try WritableRegister()
    }

    static let clientKey = HTTPField.Name("X-Client-Key")!
    static let consumerID = HTTPField.Name("X-Consumer-Id")!

    func intake(_ key: String?, phone: String, consumer: String? = nil) -> (HTTPFields, ByteBuffer) {
        var headers = intakeHeaders()
        if let key { headers[Self.clientKey] = key }
        if let consumer { headers[Self.consumerID] = consumer }
        return (headers, complaintJSON(["consumer": ["name": "张三", "phone": phone]]))
    }

    @Test func intakeNeedsAClientKeyCheckedBeforeTheBodyIsRead() async throws {
        var settings = ServerSettings(port: 0)
        settings.rateLimitClock = Self.stopped   // nothing refills while the test runs, however slow the machine
        settings.maxBodyBytes = 2048
        let client = try register.services.tokens.create(name: "mp-1", role: .client)
        let revoked = try register.services.tokens.create(name: "mp-old", role: .client)
        _ = try register.services.tokens.revoke(name: "mp-old")
        try await register.app(settings: settings).test(.router) { http in
            // No key: 401 whatever the body (a body that is not even JSON: it is never parsed).
            let anonymous = try await http.execute(uri: "/v1/complaints", method: .post, headers: intakeHeaders(),
                                                   body: ByteBuffer(repeating: 0x7B, count: 1500))
            #expect(anonymous.status == .unauthorized && anonymous.text.contains("X-Client-Key"), "\(anonymous.text)")
            // A body declared larger than allowed is refused by its length, before a byte of it is read.
            let oversized = try await http.execute(uri: "/v1/complaints", method: .post, headers: intakeHeaders(),
                                                   body: ByteBuffer(repeating: 0x20, count: 100_000))
            #expect(oversized.status == .contentTooLarge, "\(oversized.text)")
            for (key, status) in [(revoked, HTTPResponse.Status.unauthorized), ("not-a-key", .unauthorized), (register.admin, .forbidden)] {
                let (headers, body) = intake(key, phone: "13900000001")
                let r = try await http.execute(uri: "/v1/complaints", method: .post, headers: headers, body: body)
                #expect(r.status == status, "\(r.text)")
                #expect(r.headers[.contentType] == "application/problem+json")
            }
            let (headers, body) = intake(client, phone: "13900000001")
            let filed = try await http.execute(uri: "/v1/complaints", method: .post, headers: headers, body: body)
            #expect(filed.status == .created, "\(filed.text)")
            #expect(filed.headers[HTTPField.Name("RateLimit-Limit")!] == "60" && filed.headers[HTTPField.Name("RateLimit-Remaining")!] == "59")
            let listed = try await http.execute(uri: "/v1/complaints", method: .get, headers: WritableRegister.headers(register.admin))
            #expect((try listed.json()["complaints"] as? [Any])?.count == 1, "only the keyed filing went through")
        }
    }

    @Test func aFloodFromOneClientIsRefusedAndLeavesRoomForAnother() async throws {
        var settings = ServerSettings(port: 0)
        settings.rateLimitClock = Self.stopped   // nothing refills while the test runs, however slow the machine
        settings.clientIntakeBurst = 3
        settings.clientIntakePerMinute = 1
        let flood = try register.services.tokens.create(name: "mp-flood", role: .client)
        let fair = try register.services.tokens.create(name: "mp-fair", role: .client)
        try await register.app(settings: settings).test(.router) { http in
            var statuses: [Int] = []
            var refused: TestResponse?
            for i in 0..<6 {
                let (headers, body) = intake(flood, phone: "1390000010\(i)")
                let r = try await http.execute(uri: "/v1/complaints", method: .post, headers: headers, body: body)
                statuses.append(Int(r.status.code))
                if r.status == .tooManyRequests { refused = r }
            }
            #expect(statuses == [201, 201, 201, 429, 429, 429], "\(statuses)")
            let r = try #require(refused)
            #expect(r.headers[.contentType] == "application/problem+json" && r.text.contains("mp-flood"))
            let retry = Int(r.headers[.retryAfter] ?? "") ?? 0
            #expect((1...60).contains(retry) && r.headers[HTTPField.Name("RateLimit-Remaining")!] == "0", "Retry-After \(retry)")
            let (headers, body) = intake(fair, phone: "13900000200")
            #expect(try await http.execute(uri: "/v1/complaints", method: .post, headers: headers, body: body).status == .created)
        }
    }

    @Test func oneConsumerHasAQuotaOfTheirOwn() async throws {
        var settings = ServerSettings(port: 0)
        settings.rateLimitClock = Self.stopped   // nothing refills while the test runs, however slow the machine
        settings.consumerIntakeBurst = 2
        let client = try register.services.tokens.create(name: "mp-1", role: .client)
        try await register.app(settings: settings).test(.router) { http in
            var statuses: [Int] = []
            for i in 0..<3 {
                let (headers, body) = intake(client, phone: "1390000030\(i)", consumer: "sha256-openid-aaaa")
                statuses.append(Int(try await http.execute(uri: "/v1/complaints", method: .post, headers: headers, body: body).status.code))
            }
            #expect(statuses == [201, 201, 429], "made-up phones do not get one consumer past the quota: \(statuses)")
            let (headers, body) = intake(client, phone: "13900000310", consumer: "sha256-openid-bbbb")
            #expect(try await http.execute(uri: "/v1/complaints", method: .post, headers: headers, body: body).status == .created)
            let (badHeaders, badBody) = intake(client, phone: "13900000311", consumer: "has space")
            let bad = try await http.execute(uri: "/v1/complaints", method: .post, headers: badHeaders, body: badBody)
            #expect(bad.status == .badRequest && bad.text.contains("X-Consumer-Id"))
        }
    }

    @Test func anonymousReadsHaveAQuotaPerAddress() async throws {
        var settings = ServerSettings(port: 0)
        settings.rateLimitClock = Self.stopped   // nothing refills while the test runs, however slow the machine
        settings.readsBurstPerIP = 5
        settings.readsPerMinutePerIP = 1
        try await register.app(settings: settings).test(.live) { http in
            var statuses: [Int] = []
            for _ in 0..<7 {
                statuses.append(Int(try await http.execute(uri: "/v1/stations/nearest?lat=30.259&lng=120.13&limit=1", method: .get).status.code))
            }
            #expect(statuses == [200, 200, 200, 200, 200, 429, 429], "\(statuses)")
            // Behind the (trusted, loopback) proxy another client has its own bucket.
            let forwarded = try await http.execute(uri: "/v1/stations/nearest?lat=30.259&lng=120.13&limit=1", method: .get,
                                                   headers: [HTTPField.Name("X-Forwarded-For")!: "203.0.113.9"])
            #expect(forwarded.status == .ok)
            // Staff reads are not anonymous reads.
            #expect(try await http.execute(uri: "/v1/complaints", method: .get, headers: WritableRegister.headers(register.admin)).status == .ok)
        }
    }
}

extension IntakeLimitTests {
    /// A client key can be given its own quota (a big mini-program, a small test client).
    @Test func aClientKeyCanHaveAQuotaOfItsOwn() async throws {
        var settings = ServerSettings(port: 0)
        settings.rateLimitClock = Self.stopped   // nothing refills while the test runs, however slow the machine
        settings.clientIntakeBurst = 1
        settings.clientIntakePerMinute = 1
        settings.clientQuotas = ["mp-big": (perMinute: 1, burst: 4)]
        let big = try register.services.tokens.create(name: "mp-big", role: .client)
        let small = try register.services.tokens.create(name: "mp-small", role: .client)
        try await register.app(settings: settings).test(.router) { http in
            func file(_ key: String, _ i: Int) async throws -> Int {
                let (headers, body) = intake(key, phone: "13900\(key == big ? "5" : "6")0000\(i)")
                return Int(try await http.execute(uri: "/v1/complaints", method: .post, headers: headers, body: body).status.code)
            }
            var bigStatuses: [Int] = [], smallStatuses: [Int] = []
            for i in 0..<5 { bigStatuses.append(try await file(big, i)) }
            for i in 0..<2 { smallStatuses.append(try await file(small, i)) }
            #expect(bigStatuses == [201, 201, 201, 201, 429] && smallStatuses == [201, 429], "\(bigStatuses) \(smallStatuses)")
        }
    }

    /// Open311 filing takes from the same per-key quota as POST /v1/complaints.
    @Test func open311FilingHasTheClientsQuota() async throws {
        var settings = Fixture.settings()
        settings.rateLimitClock = Self.stopped
        settings.clientIntakeBurst = 2
        settings.clientIntakePerMinute = 1
        let key = try register.services.tokens.create(name: "civic-app", role: .client)
        try await register.app(settings: settings).test(.router) { http in
            var statuses: [Int] = []
            for i in 0..<3 {
                let fields = [("api_key", key), ("service_code", "price"), ("lat", "30.2590"), ("long", "120.1300"), ("last_name", "张"),
                              ("phone", "1380013810\(i)"), ("description", "乱收费"), ("attribute[merchant_name]", "某某理发店")]
                let r = try await http.execute(uri: "/open311/v2/requests.json", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                               body: ByteBuffer(string: fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)" }.joined(separator: "&")))
                statuses.append(Int(r.status.code))
                if r.status == .tooManyRequests { #expect(r.headers[.retryAfter] != nil && r.text.contains("civic-app"), "\(r.text)") }
            }
            #expect(statuses == [201, 201, 429], "\(statuses)")
        }
    }
}

/// Reports run one at a time, whoever asks: at most one of the blocking pool's threads.
@Suite struct ReportGateTests {
    final class Counts: Sendable {
        let state = Mutex((running: 0, most: 0, done: 0))
    }

    @Test func reportsRunOneAtATime() async throws {
        let gate = ReportGate()
        let counts = Counts()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    _ = try await gate.run {
                        counts.state.withLock { $0.running += 1; $0.most = max($0.most, $0.running) }
                        usleep(20_000)
                        counts.state.withLock { $0.running -= 1; $0.done += 1 }
                        return 0
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(counts.state.withLock { $0.most } == 1 && counts.state.withLock { $0.done } == 8)
    }
}
