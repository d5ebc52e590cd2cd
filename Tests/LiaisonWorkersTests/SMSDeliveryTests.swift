import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import LiaisonCore
import LiaisonStore
import LiaisonTestSupport
import LiaisonWorkers
import Logging
import Synchronization
import Testing

/// A register with a few complaints whose texts wait in the outbox.
struct Outbox {
    /// Removed with the database when the last copy of this value goes away.
    let scratch: ScratchFolder
    var folder: URL { scratch.url }
    let database: LiaisonDatabase
    let desk: ComplaintDesk
    let outbox: SMSOutbox

    init(complaints: Int) throws {
        scratch = try ScratchFolder("liaison-sms")
        let geodata = GeodataDirectory(url: Repository.geodata)
        database = try TemplateDatabase.open(at: scratch.path("liaison.sqlite"))
        desk = ComplaintDesk(database: database, finder: StationFinder(try database.snapshot()),
                             settings: ComplaintDesk.Settings(serviceClock: try geodata.serviceClock()))
        outbox = SMSOutbox(database: database)
        for i in 0..<complaints {
            _ = try desk.submit(ComplaintBody.json(phone: "1380013800\(i)"), idempotencyKey: nil)
        }
    }
}

/// A stand-in SMS provider on loopback: fails the first `failures` attempts of each message id.
final class FlakyProvider: Sendable {
    struct Received: Sendable {
        let idempotencyKey: String?
        let body: [String: String]
        var authorization: String? = nil
    }

    let failures: Int
    /// How long each answer takes, so that concurrent senders overlap.
    let delay: Duration
    let received = Mutex<[Received]>([])

    init(failures: Int, delay: Duration = .zero) {
        self.failures = failures
        self.delay = delay
    }

    var router: Router<BasicRequestContext> {
        let router = Router()
        router.post("/sms") { request, _ -> HTTPResponse.Status in
            let data = Data(buffer: try await request.body.collect(upTo: 65536))
            let body = (try? JSONSerialization.jsonObject(with: data) as? [String: String]) ?? [:]
            let key = request.headers[HTTPField.Name("Idempotency-Key")!]
            if self.delay > .zero { try await Task.sleep(for: self.delay) }
            let attempt = self.received.withLock { all in
                all.append(Received(idempotencyKey: key, body: body, authorization: request.headers[.authorization]))
                return all.filter { $0.idempotencyKey == key }.count
            }
            return attempt <= self.failures ? .serviceUnavailable : .accepted
        }
        return router
    }
}

@Suite struct SMSDeliveryTests {
    let logger = Logger(label: "test")

    /// Retries with backoff until the provider takes each message; the id is the idempotency key.
    @Test func theWebhookGatewayRetriesUntilDelivered() async throws {
        let box = try Outbox(complaints: 2)
        let pending = try box.outbox.due(at: Date.distantFuture)
        try #require(pending.count >= 4, "each complaint texts its consumer and the station's staff")
        let provider = FlakyProvider(failures: 2)
        let app = Application(router: provider.router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let worker = SMSDeliveryWorker(outbox: box.outbox, gateway: WebhookGateway(url: "http://127.0.0.1:\(port)/sms"),
                                           policy: .init(maxAttempts: 5, baseDelaySeconds: 0.01, maxDelaySeconds: 0.05), logger: logger)
            var reports: [SMSDeliveryWorker.Report] = []
            for _ in 0..<50 where try box.outbox.counts()["pending", default: 0] > 0 {
                reports.append(try await worker.deliverDue())
                try await Task.sleep(for: .milliseconds(60))
            }
            #expect(reports.first?.retrying == pending.count, "every message failed its first attempt")
            let counts = try box.outbox.counts()
            #expect(counts["sent"] == pending.count && counts["pending"] == nil && counts["failed"] == nil, "\(counts)")
            for entry in pending {
                let number = entry.message.number
                let after = try box.outbox.messages(number: number).first { $0.message.id == entry.message.id }
                #expect(after?.status == "sent" && after?.attempts == 3, "\(entry.message.id): \(String(describing: after))")
            }
            let received = provider.received.withLock { $0 }
            #expect(received.count == pending.count * 3)
            #expect(Set(received.compactMap(\.idempotencyKey)) == Set(pending.map(\.message.id)))
            #expect(received.allSatisfy { $0.body["id"] == $0.idempotencyKey && $0.body["text"]?.hasPrefix(SMSTemplates.signature) == true })
            #expect(Set(received.compactMap { $0.body["to"] }) == Set(pending.map(\.message.phone)))
        }
    }

    /// The provider's credentials (`--sms-webhook-auth-file`) go in the Authorization header of
    /// every message, and only there.
    @Test func theWebhookGatewaySendsItsCredentialsAsTheAuthorizationHeader() async throws {
        let box = try Outbox(complaints: 1)
        let provider = FlakyProvider(failures: 0)
        let app = Application(router: provider.router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let gateway = WebhookGateway(url: "http://127.0.0.1:\(port)/sms", authorization: "Bearer tok-123")
            let worker = SMSDeliveryWorker(outbox: box.outbox, gateway: gateway, policy: .init(maxAttempts: 2, baseDelaySeconds: 0.01, maxDelaySeconds: 0.02),
                                           logger: logger)
            _ = try await worker.deliverDue()
            let received = provider.received.withLock { $0 }
            #expect(!received.isEmpty && received.allSatisfy { $0.authorization == "Bearer tok-123" }, "\(received.map(\.authorization))")
            #expect(received.allSatisfy { !$0.body.values.contains { $0.contains("tok-123") } }, "not in the body")
        }
    }

    /// After the cap, a message is failed for good and shows its last error.
    @Test func aMessageThatNeverGoesThroughIsMarkedFailed() async throws {
        let box = try Outbox(complaints: 1)
        let provider = FlakyProvider(failures: .max)
        let app = Application(router: provider.router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let worker = SMSDeliveryWorker(outbox: box.outbox, gateway: WebhookGateway(url: "http://127.0.0.1:\(port)/sms"),
                                           policy: .init(maxAttempts: 3, baseDelaySeconds: 0.01, maxDelaySeconds: 0.02), logger: logger)
            for _ in 0..<20 where try box.outbox.counts()["pending", default: 0] > 0 {
                _ = try await worker.deliverDue()
                try await Task.sleep(for: .milliseconds(40))
            }
            let failed = try box.outbox.messages(status: "failed")
            let failedCount = try box.outbox.counts()["failed"] ?? 0
            #expect(!failed.isEmpty && failed.count == failedCount)
            #expect(try box.outbox.counts()["pending"] == nil)
            #expect(failed.allSatisfy { $0.attempts == 3 && $0.lastError?.contains("503") == true })
        }
    }

    /// Backoff doubles from the base and stops at the cap; the last attempt gives up.
    @Test func backoff() {
        let policy = SMSDeliveryWorker.Policy(maxAttempts: 5, baseDelaySeconds: 30, maxDelaySeconds: 100)
        let now = Date(timeIntervalSince1970: 0)
        #expect((1...4).map { policy.retryAt(afterAttempts: $0, now: now)?.timeIntervalSince1970 } == [30, 60, 100, 100])
        #expect(policy.retryAt(afterAttempts: 5, now: now) == nil)
    }

    /// The log gateway appends one JSON line per message.
    @Test func theLogGatewayWritesJSONLines() async throws {
        let box = try Outbox(complaints: 1)
        let path = box.folder.appendingPathComponent("sms.log").path
        let worker = SMSDeliveryWorker(outbox: box.outbox, gateway: LogGateway(path: path), logger: logger)
        let report = try await worker.deliverDue()
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(report.sent == lines.count && report.sent >= 2)
        let first = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: String])
        #expect(first["template"] == "consumer.assign" && first["to"] == "13800138000")
        #expect(try box.outbox.counts()["sent"] == lines.count)
        // Nothing is due any more: a second pass sends nothing again.
        #expect(try await worker.deliverDue().sent == 0)
    }
}
