import ArgumentParser
import Foundation
import LiaisonCore
import LiaisonStore
import LiaisonWorkers
import Logging

extension Liaison {
    struct Notify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "notify",
            abstract: "Send the pending text messages and status callbacks of the outbox (liaison serve does this continuously).",
            discussion: "Prints how many were sent, are waiting to be retried and have failed for good, texts then callbacks.")

        @Flag(help: "One pass over the messages due now, then exit (for operators and cron).") var once = false
        @Flag(name: .customLong("retry-failed"), help: "First put the texts and callbacks that failed for good back in the queue (once the gateway or the receiver is fixed); with --once, send them now, else serve sends them.")
        var retryFailed = false
        @Option(help: ArgumentHelp("With --retry-failed: only those queued since this day (YYYY-MM-DD, Asia/Shanghai) or instant (RFC 3339).", valueName: "date"))
        var since: String?
        @OptionGroup var sms: SMSOptions
        @OptionGroup var store: StoreOptions

        func validate() throws {
            guard once || retryFailed else { throw ValidationError("--once or --retry-failed: one is required (liaison serve runs the continuous worker)") }
            if since != nil && !retryFailed { throw ValidationError("--since: only with --retry-failed") }
            if let since, Self.instant(since) == nil {
                throw ValidationError("--since: \"\(since)\" is not a date: expected YYYY-MM-DD (Asia/Shanghai) or an RFC 3339 instant like 2026-12-01T08:00:00+08:00")
            }
        }

        /// A day (its start in Asia/Shanghai) or an RFC 3339 instant.
        static func instant(_ text: String) -> Date? {
            if let day = LocalDate(text) { return Timestamp.parse("\(day)T00:00:00+08:00") }
            return Timestamp.parse(text)
        }

        func run() async throws {
            let gateway = try sms.makeGateway(store)
            let database = try store.store()
            if retryFailed {
                let at = Date(), from = since.flatMap(Self.instant)
                let texts = try SMSOutbox(database: database).requeueFailed(since: from, at: at)
                let calls = try CallbackOutbox(database: database).requeueFailed(since: from, at: at)
                print("requeued \(texts) failed texts and \(calls) failed callbacks" + (since.map { " queued since \($0)" } ?? ""))
                guard once else { return }
            }
            let outbox = SMSOutbox(database: database), callbacks = CallbackOutbox(database: database)
            let worker = SMSDeliveryWorker(outbox: outbox, gateway: gateway, policy: sms.policy, logger: Logger(label: "liaison.sms"))
            let callbackWorker = CallbackDeliveryWorker(callbacks: callbacks, key: try store.serverKey(adoptedBy: database), policy: sms.policy,
                                                        logger: Logger(label: "liaison.callbacks"))
            let report = try await worker.deliverDue()
            let counts = try outbox.counts()
            print("sent \(report.sent), retrying \(report.retrying), failed \(report.failed); outbox: "
                  + ["pending", "sent", "failed"].map { "\($0) \(counts[$0] ?? 0)" }.joined(separator: ", "))
            let delivered = try await callbackWorker.deliverDue()
            let waiting = try callbacks.counts()
            print("callbacks: sent \(delivered.sent), retrying \(delivered.retrying), failed \(delivered.failed); callback outbox: "
                  + ["pending", "sent", "failed"].map { "\($0) \(waiting[$0] ?? 0)" }.joined(separator: ", "))
        }
    }
}
