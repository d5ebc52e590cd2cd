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

        @Flag(help: "One pass over the messages due now, then exit (the only mode; for operators and cron).") var once = false
        @OptionGroup var sms: SMSOptions
        @OptionGroup var store: StoreOptions

        func validate() throws {
            guard once else { throw ValidationError("--once: required (liaison serve runs the continuous worker)") }
        }

        func run() async throws {
            let database = try store.store()
            let outbox = SMSOutbox(database: database), callbacks = CallbackOutbox(database: database)
            let worker = SMSDeliveryWorker(outbox: outbox, gateway: sms.makeGateway(store), policy: sms.policy, logger: Logger(label: "liaison.sms"))
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
