import Foundation
import Hummingbird
import HummingbirdTesting
import LiaisonCore
import LiaisonStore
import LiaisonWorkers
import Logging
import Testing

/// Workers of two "processes" (two `LiaisonDatabase`s on one file, each with its own
/// connections) sharing one outbox and one watch.
@Suite struct SharedOutboxTests {
    let logger = Logger(label: "test")

    /// Both senders run at once against a provider that takes a while per message: each
    /// message reaches the provider exactly once.
    @Test func twoSendersDeliverEachMessageOnce() async throws {
        let box = try Outbox(complaints: 8)
        let other = try LiaisonDatabase(path: box.folder.appendingPathComponent("liaison.sqlite").path)
        let pending = try box.outbox.due(at: Date.distantFuture)
        try #require(pending.count >= 16)
        let provider = FlakyProvider(failures: 0, delay: .milliseconds(5))
        let app = Application(router: provider.router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let gateway = WebhookGateway(url: "http://127.0.0.1:\(port)/sms")
            let policy = SMSDeliveryWorker.Policy(batch: 3)
            let workers = [
                SMSDeliveryWorker(outbox: box.outbox, gateway: gateway, policy: policy, logger: logger),
                SMSDeliveryWorker(outbox: SMSOutbox(database: other), gateway: gateway, policy: policy, logger: logger),
            ]
            let reports = try await withThrowingTaskGroup(of: SMSDeliveryWorker.Report.self) { group in
                for worker in workers { group.addTask { try await worker.deliverDue() } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let received = provider.received.withLock { $0 }.compactMap(\.idempotencyKey)
            #expect(received.count == pending.count, "\(received.count) deliveries of \(pending.count) messages")
            #expect(Set(received) == Set(pending.map(\.message.id)))
            #expect(reports.map(\.sent).reduce(0, +) == pending.count)
            #expect(reports.allSatisfy { $0.sent > 0 }, "both senders took part: \(reports)")
            #expect(try box.outbox.counts() == ["sent": pending.count])
        }
    }

    /// Only the lease holder's pass runs; the other takes over when the holder stops.
    @Test func oneWatchPassesAtATime() async throws {
        let box = try Outbox(complaints: 0)
        let other = try LiaisonDatabase(path: box.folder.appendingPathComponent("liaison.sqlite").path)
        let otherDesk = ComplaintDesk(database: other, finder: StationFinder(try other.snapshot()), settings: box.desk.settings)
        let a = ComplaintWatch(desk: box.desk, intervalSeconds: 60, logger: logger)
        let b = ComplaintWatch(desk: otherDesk, intervalSeconds: 60, logger: logger)
        #expect(try a.pass() != nil)
        #expect(try b.pass() == nil, "a holds the lease")
        #expect(try a.pass() != nil, "a renews its own lease")
        try box.database.releaseLease(ComplaintWatch.leaseName, holder: a.holder)
        #expect(try b.pass() != nil)
        #expect(try a.pass() == nil)
    }
}
