import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LiaisonCore
import LiaisonHTTP
import LiaisonStore
import LiaisonTestSupport
import LiaisonWorkers
import Logging
import Synchronization
import Testing

/// A client's backend on loopback: checks each callback's signature on its own (HMAC-SHA-256
/// of `timestamp + "." + body` under the client's secret, as the README tells integrators to),
/// fails the first `failures` attempts of each event id, then answers 200, and keeps a
/// delivery log.
final class CallbackReceiver: Sendable {
    struct Received: Sendable {
        let client: String
        let id: String
        let number: String
        let event: String
        let status: String
        let time: String
        let signatureOK: Bool
        /// This event id's attempt number at this receiver: 1, 2, 3…
        let attempt: Int
        let accepted: Bool
        /// The `complaint` object, re-encoded (sorted keys).
        let complaint: Data
    }

    let failures: Int
    /// The secret each client's path verifies with (set once the admin route answered it).
    let secrets = Mutex<[String: String]>([:])
    let received = Mutex<[Received]>([])
    let log = Mutex<[String]>([])

    init(failures: Int) {
        self.failures = failures
    }

    /// Independent of the server's code: what a receiver would write.
    static func expectedSignature(secret: String, timestamp: String, body: Data) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data((timestamp + ".").utf8) + body, using: SymmetricKey(data: Data(secret.utf8)))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    var router: Router<BasicRequestContext> {
        let router = Router()
        router.post("/hooks/{client}") { request, context -> HTTPResponse.Status in
            let client = context.parameters.get("client") ?? ""
            let body = Data(buffer: try await request.body.collect(upTo: 1 << 20))
            let timestamp = request.headers[HTTPField.Name("X-Liaison-Timestamp")!] ?? ""
            let signature = request.headers[HTTPField.Name("X-Liaison-Signature")!] ?? ""
            let secret = self.secrets.withLock { $0[client] } ?? ""
            let fresh = Int(timestamp).map { abs(Date().timeIntervalSince1970 - Double($0)) < 300 } ?? false
            let signatureOK = fresh && signature == Self.expectedSignature(secret: secret, timestamp: timestamp, body: body)
            let object = (try? JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:]
            let id = object["id"] as? String ?? ""
            let complaint = (try? JSONSerialization.data(withJSONObject: object["complaint"] ?? [:], options: [.sortedKeys])) ?? Data()
            return self.received.withLock { all in
                let attempt = all.filter { $0.id == id }.count + 1
                let accepted = signatureOK && attempt > self.failures
                let received = Received(client: client, id: id, number: object["number"] as? String ?? "", event: object["event"] as? String ?? "",
                                        status: object["status"] as? String ?? "", time: object["time"] as? String ?? "", signatureOK: signatureOK,
                                        attempt: attempt, accepted: accepted, complaint: complaint)
                all.append(received)
                if accepted {
                    let n = all.filter(\.accepted).count
                    let line = "delivery \(n): event \(id) status=\(received.status) signature ok (attempt \(attempt) after \(attempt - 1) failures)"
                    self.log.withLock { $0.append(line) }
                    print(line)
                }
                return !signatureOK ? .unauthorized : accepted ? .ok : .serviceUnavailable
            }
        }
        return router
    }
}

/// Status callbacks over a real server and a real receiver on loopback: the admin route sets
/// the URL and answers the secret, client-filed complaints' events are POSTed signed, at least
/// once, and other clients' complaints are not.
@Suite struct CallbackRouteTests {
    let register: WritableRegister
    let miniA: String
    let miniB: String
    static let clientKey = HTTPField.Name("X-Client-Key")!

    init() throws {
        register = try WritableRegister()
        miniA = try register.tokens.create(name: "mini-a", role: .client)
        miniB = try register.tokens.create(name: "mini-b", role: .client)
    }

    var key: TrackingKey { register.services.complaints.settings.trackingKey }

    func worker(maxAttempts: Int = 5) -> CallbackDeliveryWorker {
        CallbackDeliveryWorker(callbacks: register.services.callbacks, key: key,
                               policy: .init(maxAttempts: maxAttempts, baseDelaySeconds: 0.01, maxDelaySeconds: 0.05),
                               logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
    }

    /// Files a complaint over HTTP, with a client key or anonymously; its number and tracking token.
    func file(_ client: some TestClientProtocol, key: String?, phone: String) async throws -> (number: String, token: String) {
        var headers = intakeHeaders()
        if let key { headers[Self.clientKey] = key }
        let filed = try await client.execute(uri: "/v1/complaints", method: .post, headers: headers, body: ByteBuffer(bytes: ComplaintBody.json(phone: phone)))
        try #require(filed.status == .created, "\(filed.text)")
        let body = try filed.json()
        return (try #require(body["number"] as? String), try #require(body["tracking_token"] as? String))
    }

    func setCallback(_ client: some TestClientProtocol, name: String, url: String) async throws -> TestResponse {
        try await client.execute(uri: "/v1/clients/\(name)/callback", method: .put, headers: WritableRegister.headers(register.admin),
                                 body: ByteBuffer(string: #"{"url":"\#(url)"}"#))
    }

    /// Runs delivery passes until nothing is pending (or `passes` run out).
    func drain(_ worker: CallbackDeliveryWorker, passes: Int = 60) async throws {
        for _ in 0..<passes where try register.services.callbacks.counts()["pending", default: 0] > 0 {
            _ = try await worker.deliverDue()
            try await Task.sleep(for: .milliseconds(30))
        }
    }

    @Test func aReceiverThatFailsTwiceGetsEachEventOnceAfterRecovering() async throws {
        let receiver = CallbackReceiver(failures: 2)
        let hooks = Application(router: receiver.router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await hooks.test(.live) { hooksClient in
            let port = try #require(hooksClient.port)
            try await register.app().test(.live) { client in
                for name in ["mini-a", "mini-b"] {
                    let set = try await setCallback(client, name: name, url: "http://127.0.0.1:\(port)/hooks/\(name)")
                    #expect(set.status == .ok, "\(set.text)")
                    #expect(set.headers[.cacheControl] == "no-store")
                    let secret = try #require(try set.json()["secret"] as? String)
                    #expect(secret == key.callbackSecret(client: name) && secret.hasPrefix("cbs_"))
                    receiver.secrets.withLock { $0[name] = secret }
                }
                let a = try await file(client, key: miniA, phone: "13800138001")
                let b = try await file(client, key: miniB, phone: "13800138002")
                let anonymous = try await file(client, key: nil, phone: "13800138003")
                // A consumer step after filing: the withdrawal is an event of A's complaint too.
                let withdrawn = try await client.execute(uri: "/v1/complaints/\(a.number)/withdraw?token=\(a.token)", method: .post,
                                                         headers: [.contentType: "application/json"], body: ByteBuffer(string: "{}"))
                #expect(withdrawn.status == .ok, "\(withdrawn.text)")
                #expect(try register.services.callbacks.deliveries(number: anonymous.number).isEmpty, "anonymous intake has no client")

                try await drain(worker())

                let received = receiver.received.withLock { $0 }
                let accepted = received.filter(\.accepted)
                #expect(received.allSatisfy { $0.signatureOK })
                let (complaintA, eventsA) = try #require(try register.services.complaints.track(a.number, token: a.token))
                let (_, eventsB) = try #require(try register.services.complaints.track(b.number, token: b.token))
                #expect(eventsA.count >= 3 && eventsA.last?.action == .withdraw)
                // Each event of A's complaint went to A's URL, once accepted, after two failures.
                let expectedA = eventsA.map { "\(a.number)-\($0.ordinal)" }
                #expect(accepted.filter { $0.client == "mini-a" }.map(\.id).sorted() == expectedA.sorted())
                #expect(accepted.filter { $0.client == "mini-b" }.map(\.id).sorted() == eventsB.map { "\(b.number)-\($0.ordinal)" }.sorted())
                #expect(accepted.allSatisfy { $0.attempt == 3 })
                #expect(received.count == 3 * (eventsA.count + eventsB.count))
                // Nobody else's complaints: A's URL sees only A's, B's only B's, the anonymous one nowhere.
                #expect(received.allSatisfy { ($0.client == "mini-a" && $0.number == a.number) || ($0.client == "mini-b" && $0.number == b.number) })
                // The payload: the event, its status, Shanghai time and the consumer view as tracking shows it.
                for event in eventsA {
                    let got = try #require(accepted.first { $0.id == "\(a.number)-\(event.ordinal)" })
                    #expect(got.event == event.action.rawValue && got.status == event.to.rawValue && got.time.hasSuffix("+08:00"))
                }
                let last = try #require(accepted.first { $0.id == expectedA.last })
                let view = try #require(try JSONSerialization.jsonObject(with: last.complaint) as? [String: Any])
                #expect(view["number"] as? String == a.number && view["status"] as? String == complaintA.status.rawValue)
                #expect(view["tracking_token"] == nil && (view["consumer"] as? [String: Any])?["phone"] as? String == "138****8001")
                let states = try register.services.callbacks.deliveries(number: a.number)
                #expect(states.allSatisfy { $0.status == "sent" && $0.attempts == 3 })
                // Nothing is due any more: another pass sends nothing again.
                #expect(try await worker().deliverDue().sent == 0)
                #expect(receiver.received.withLock { $0.count } == received.count)
            }
        }
    }

    /// A receiver that checks with another secret refuses every callback; they fail for good after the cap.
    @Test func aWrongSecretFailsTheSignatureCheck() async throws {
        let receiver = CallbackReceiver(failures: 0)
        let hooks = Application(router: receiver.router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await hooks.test(.live) { hooksClient in
            let port = try #require(hooksClient.port)
            try await register.app().test(.live) { client in
                let set = try await setCallback(client, name: "mini-a", url: "http://127.0.0.1:\(port)/hooks/mini-a")
                #expect(set.status == .ok)
                receiver.secrets.withLock { $0["mini-a"] = key.callbackSecret(client: "mini-b") }
                let a = try await file(client, key: miniA, phone: "13800138004")
                try await drain(worker(maxAttempts: 2))
                let received = receiver.received.withLock { $0 }
                #expect(!received.isEmpty && received.allSatisfy { !$0.signatureOK && !$0.accepted })
                let states = try register.services.callbacks.deliveries(number: a.number)
                #expect(!states.isEmpty && states.allSatisfy { $0.status == "failed" && $0.attempts == 2 && $0.lastError?.contains("401") == true })
            }
        }
        // The signature covers the timestamp and every byte of the body.
        let body = Data(#"{"id":"x"}"#.utf8), secret = key.callbackSecret(client: "mini-a")
        let signature = ClientCallback.signature(secret: secret, timestamp: 1_764_900_000, body: body)
        #expect(signature == CallbackReceiver.expectedSignature(secret: secret, timestamp: "1764900000", body: body))
        #expect(ClientCallback.verify(signature: signature, secret: secret, timestamp: 1_764_900_000, body: body))
        #expect(!ClientCallback.verify(signature: signature, secret: secret, timestamp: 1_764_900_001, body: body))
        #expect(!ClientCallback.verify(signature: signature, secret: secret, timestamp: 1_764_900_000, body: Data(#"{"id":"y"}"#.utf8)))
    }

    @Test func onlyAdminsSetCallbacksAndBadInputNamesTheField() async throws {
        try await register.app().test(.live) { client in
            let url = #"{"url":"https://backend.example.com/liaison"}"#
            // Authentication first: no token is a 401 even for a bad body.
            let anonymous = try await client.execute(uri: "/v1/clients/mini-a/callback", method: .put, headers: [.contentType: "application/json"],
                                                     body: ByteBuffer(string: "{not json"))
            #expect(anonymous.status == .unauthorized)
            let county = try await client.execute(uri: "/v1/clients/mini-a/callback", method: .put, headers: WritableRegister.headers(register.xihu),
                                                  body: ByteBuffer(string: url))
            #expect(county.status == .forbidden)
            let admin = WritableRegister.headers(register.admin)
            for (body, field) in [(#"{"url":"ftp://backend.example.com/x"}"#, "url"), (#"{"url":"https:///nohost"}"#, "url"), (#"{"url":42}"#, "url"),
                                  (#"{"url":"https://user:pw@backend.example.com/"}"#, "url"), (#"{}"#, "url"),
                                  (#"{"url":"https://a.example.com","secret":"x"}"#, "secret"), ("[1]", "body")] {
                let bad = try await client.execute(uri: "/v1/clients/mini-a/callback", method: .put, headers: admin, body: ByteBuffer(string: body))
                #expect(bad.status == .badRequest, "\(body)")
                #expect(try bad.invalidParameterNames() == [field], "\(body): \(bad.text)")
            }
            // Only an active client key has callbacks: not an unknown name, not a staff token.
            for name in ["nobody", "admin-1"] {
                let unknown = try await client.execute(uri: "/v1/clients/\(name)/callback", method: .put, headers: admin, body: ByteBuffer(string: url))
                #expect(unknown.status == .notFound, "\(name)")
            }
            let set = try await client.execute(uri: "/v1/clients/mini-a/callback", method: .put, headers: admin, body: ByteBuffer(string: url))
            #expect(set.status == .ok)
            #expect(try register.services.callbacks.callbackURL(client: "mini-a") == "https://backend.example.com/liaison")
            // Pending deliveries of a cleared callback have nowhere to go: failed.
            let filed = try await file(client, key: miniA, phone: "13800138005")
            let pending = try register.services.callbacks.deliveries(number: filed.number)
            #expect(!pending.isEmpty && pending.allSatisfy { $0.status == "pending" })
            let cleared = try await client.execute(uri: "/v1/clients/mini-a/callback", method: .delete, headers: admin)
            #expect(cleared.status == .noContent)
            #expect(try register.services.callbacks.deliveries(number: filed.number).map(\.status) == pending.map { _ in "failed" })
            let again = try await client.execute(uri: "/v1/clients/mini-a/callback", method: .delete, headers: admin)
            #expect(again.status == .notFound)
            // With no callback URL, filing writes no delivery.
            let later = try await file(client, key: miniA, phone: "13800138006")
            #expect(try register.services.callbacks.deliveries(number: later.number).isEmpty)
        }
    }
}
