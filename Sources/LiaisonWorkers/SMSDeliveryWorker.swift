import Foundation
import LiaisonCore
import LiaisonStore
import Logging
import NIOPosix
import ServiceLifecycle

/// Sends the outbox's due messages through a gateway, retrying with exponential backoff.
///
/// At least once: a message is marked sent only after the gateway accepted it, so a crash in
/// between sends it again (with the same id). After ``Policy/maxAttempts`` failures it is
/// marked `failed` and shown to staff with the complaint.
public final class SMSDeliveryWorker: Service, Sendable {
    public struct Policy: Sendable {
        public var maxAttempts: Int
        /// The wait after the first failure; doubled after each one, up to ``maxDelaySeconds``.
        public var baseDelaySeconds: Double
        public var maxDelaySeconds: Double
        /// How often the outbox is looked at.
        public var pollSeconds: Double
        public var batch: Int

        public init(maxAttempts: Int = 8, baseDelaySeconds: Double = 30, maxDelaySeconds: Double = 3600, pollSeconds: Double = 1, batch: Int = 100) {
            self.maxAttempts = maxAttempts
            self.baseDelaySeconds = baseDelaySeconds
            self.maxDelaySeconds = maxDelaySeconds
            self.pollSeconds = pollSeconds
            self.batch = batch
        }

        /// When to try again after the `attempts`-th failed attempt; nil: give up.
        public func retryAt(afterAttempts attempts: Int, now: Date) -> Date? {
            guard attempts < maxAttempts else { return nil }
            let delay = min(maxDelaySeconds, baseDelaySeconds * pow(2, Double(attempts - 1)))
            return now.addingTimeInterval(delay)
        }
    }

    public struct Report: Sendable, Hashable {
        public var sent = 0
        public var retrying = 0
        public var failed = 0
    }

    let outbox: SMSOutbox
    let gateway: any SMSGateway
    public let policy: Policy
    let logger: Logger

    public init(outbox: SMSOutbox, gateway: any SMSGateway, policy: Policy = Policy(), logger: Logger) {
        self.outbox = outbox
        self.gateway = gateway
        self.policy = policy
        self.logger = logger
    }

    /// Sends every message due now, once each; returns what happened.
    public func deliverDue() async throws -> Report {
        let outbox = self.outbox, batch = policy.batch
        let due = try await NIOThreadPool.singleton.runIfActive { try outbox.due(at: Date(), limit: batch) }
        var report = Report()
        for entry in due {
            // Stopping: what was not sent stays pending and goes out on the next start.
            if Task.isCancelled { break }
            do {
                try await gateway.send(entry.message)
                try await NIOThreadPool.singleton.runIfActive { try outbox.markSent(entry.message.id, at: Date()) }
                report.sent += 1
            } catch where Task.isCancelled {
                break
            } catch {
                let retryAt = policy.retryAt(afterAttempts: entry.attempts + 1, now: Date())
                let reason = "\(error)"
                try await NIOThreadPool.singleton.runIfActive { try outbox.markAttemptFailed(entry.message.id, error: reason, retryAt: retryAt) }
                if retryAt == nil { report.failed += 1 } else { report.retrying += 1 }
                logger.warning("sms not delivered", metadata: [
                    "sms.id": "\(entry.message.id)", "sms.attempt": "\(entry.attempts + 1)", "sms.gave_up": "\(retryAt == nil)", "error": "\(reason)",
                ])
            }
        }
        return report
    }

    /// Polls until the service group shuts down.
    public func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                // A send in flight is abandoned on shutdown (it stays pending), so a slow gateway cannot hold the stop up.
                _ = try await cancelWhenGracefulShutdown { try await self.deliverDue() }
            } catch where Task.isShuttingDownGracefully || Task.isCancelled {
                break
            } catch {
                logger.error("sms delivery pass failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(Int(self.policy.pollSeconds * 1000))) }
        }
    }
}

/// Keeps complaints moving between requests: assigns the ones waiting for a station once one
/// has free capacity, and marks complaints overdue as their deadlines pass (an `overdue`
/// event per deadline).
public final class ComplaintWatch: Service, Sendable {
    let desk: ComplaintDesk
    let intervalSeconds: Double
    let logger: Logger

    public init(desk: ComplaintDesk, intervalSeconds: Double = 60, logger: Logger) {
        self.desk = desk
        self.intervalSeconds = intervalSeconds
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                let desk = self.desk
                let (dispatched, marked) = try await NIOThreadPool.singleton.runIfActive { (try desk.dispatchWaiting(), try desk.markOverdue()) }
                if dispatched > 0 { logger.info("waiting complaints dispatched", metadata: ["complaints.dispatched": "\(dispatched)"]) }
                if marked > 0 { logger.info("complaints overdue", metadata: ["complaints.marked": "\(marked)"]) }
            } catch {
                logger.error("complaint watch pass failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(Int(self.intervalSeconds * 1000))) }
        }
    }
}
