import Foundation
import LiaisonCore
import LiaisonStore
import Logging
import NIOPosix
import ServiceLifecycle

/// Sends the outbox's due messages through a gateway, retrying with exponential backoff.
///
/// Several processes may send from one store (two servers, a server and `liaison notify`):
/// each claims a small batch of due messages with a lease before calling the gateway, so no
/// two send the same message while its claim holds. At least once: a message is marked sent
/// only after the gateway accepted it, so a crash in between sends it again (with the same
/// id) once the claim expires. After ``Policy/maxAttempts`` failures it is marked `failed`
/// and shown to staff with the complaint.
public final class SMSDeliveryWorker: Service, Sendable {
    public struct Policy: Sendable {
        public var maxAttempts: Int
        /// The wait after the first failure; doubled after each one, up to ``maxDelaySeconds``.
        public var baseDelaySeconds: Double
        public var maxDelaySeconds: Double
        /// How often the outbox is looked at.
        public var pollSeconds: Double
        /// Messages claimed at once.
        public var batch: Int
        /// How long a claim holds. Must exceed ``batch`` sends at the gateway's timeout; a send
        /// is not started with less than ``sendAllowanceSeconds`` of the claim left.
        public var leaseSeconds: Double
        public var sendAllowanceSeconds: Double
        /// At most this many messages in one pass, so a pass ends and the stop is checked.
        public var maxPerPass: Int

        public init(maxAttempts: Int = 8, baseDelaySeconds: Double = 30, maxDelaySeconds: Double = 3600, pollSeconds: Double = 1, batch: Int = 10,
                    leaseSeconds: Double = 120, sendAllowanceSeconds: Double = 15, maxPerPass: Int = 1000) {
            self.maxAttempts = maxAttempts
            self.baseDelaySeconds = baseDelaySeconds
            self.maxDelaySeconds = maxDelaySeconds
            self.pollSeconds = pollSeconds
            self.batch = batch
            self.leaseSeconds = leaseSeconds
            self.sendAllowanceSeconds = sendAllowanceSeconds
            self.maxPerPass = maxPerPass
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

    let outbox: any OutboxStore
    let gateway: any SMSGateway
    public let policy: Policy
    /// This sender's name in the claims it writes: unique per worker.
    public let sender: String
    let logger: Logger

    public init(outbox: any OutboxStore, gateway: any SMSGateway, policy: Policy = Policy(), logger: Logger) {
        self.outbox = outbox
        self.gateway = gateway
        self.policy = policy
        self.sender = WorkerIdentity.make("sms")
        self.logger = logger
    }

    /// Sends every message due when the pass starts (up to ``Policy/maxPerPass``), once each;
    /// returns what happened. A message that fails is due again only after its backoff, so a
    /// pass never tries one twice.
    public func deliverDue() async throws -> Report {
        var report = Report()
        var handled = 0
        let start = Date()
        while handled < policy.maxPerPass, !Task.isCancelled {
            let claimed = try await claim(dueAt: start, limit: min(policy.batch, policy.maxPerPass - handled))
            if claimed.entries.isEmpty { break }
            handled += claimed.entries.count
            try await send(claimed.entries, claimedUntil: claimed.until, into: &report)
        }
        return report
    }

    private func claim(dueAt start: Date, limit: Int) async throws -> (entries: [SMSOutbox.Entry], until: Date) {
        let outbox = self.outbox, sender = self.sender, lease = policy.leaseSeconds
        return try await NIOThreadPool.singleton.runIfActive {
            let until = Date().addingTimeInterval(lease)
            return (try outbox.claimDue(at: start, sender: sender, until: until, limit: limit), until)
        }
    }

    private func send(_ entries: [SMSOutbox.Entry], claimedUntil until: Date, into report: inout Report) async throws {
        let outbox = self.outbox
        for (i, entry) in entries.enumerated() {
            // Stopping, or too little of the claim left for one more send: give the rest back
            // (they stay pending) so another sender, or the next start, takes them at once.
            // Off the event loop but not through the thread pool: a cancelled task must still get this one short write done.
            if Task.isCancelled || Date().addingTimeInterval(policy.sendAllowanceSeconds) >= until {
                let rest = entries[i...].map(\.message.id), sender = self.sender
                _ = try? await offEventLoop { try outbox.release(sender: sender, ids: rest) }
                return
            }
            do {
                try await gateway.send(entry.message)
                // Recorded even if the stop comes now: the text went out, and must not go out again.
                try await recordSent(entry.message.id, claimedUntil: until)
                report.sent += 1
            } catch where Task.isCancelled {
                // The send in flight is abandoned: it and the rest stay pending, given back below or on stop.
                let rest = entries[i...].map(\.message.id), sender = self.sender
                _ = try? await offEventLoop { try outbox.release(sender: sender, ids: rest) }
                return
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
    }

    /// Marks a text sent. While the store is unreachable (a database restarting) it tries
    /// again every second for as long as this sender's claim holds, so that no other sender
    /// takes the text up again; only an outage longer than the claim can make it go out twice.
    /// A stopping sender tries for a few seconds only.
    private func recordSent(_ id: String, claimedUntil until: Date) async throws {
        let outbox = self.outbox
        var attempts = 0
        while true {
            attempts += 1
            do {
                return try await offEventLoop { try outbox.markSent(id, at: Date()) }
            } catch let error as StoreUnavailable where Date().addingTimeInterval(1) < until && !(Task.isCancelled && attempts >= 5) {
                logger.warning("sms sent but not yet recorded; trying again", metadata: ["sms.id": "\(id)", "error": "\(error)"])
                // A pause that a stop does not cut short (the loop itself is bounded).
                try await offEventLoop { Thread.sleep(forTimeInterval: 1) }
            }
        }
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
        // Whatever this sender still holds (a claim taken as the stop came) goes back now, so
        // the next sender need not wait for the claims to expire.
        let outbox = self.outbox, sender = self.sender
        _ = try? await offEventLoop { try outbox.release(sender: sender) }
    }
}

/// Names for the claims and leases a process writes: host, process id and a random part, so
/// two processes (or two workers of one) never share one.
enum WorkerIdentity {
    static func make(_ role: String) -> String {
        let host = ProcessInfo.processInfo.hostName
        let random = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        return "\(role):\(host):\(ProcessInfo.processInfo.processIdentifier):\(random)"
    }
}

/// Keeps complaints moving between requests: assigns the ones waiting for a station once one
/// has free capacity, and marks complaints overdue as their deadlines pass (an `overdue`
/// event per deadline).
///
/// One process at a time does this: each pass first takes or renews the store's
/// `complaint-watch` lease (``leaseSeconds``, three intervals by default); a process that
/// does not hold it skips the pass. When the holder stops it gives the lease back; when it
/// dies, another process takes over once the lease has run out.
public final class ComplaintWatch: Service, Sendable {
    public static let leaseName = "complaint-watch"
    let desk: any ServiceLevelStore
    let intervalSeconds: Double
    let leaseSeconds: Double
    /// This watch's name as the lease's holder.
    public let holder: String
    let logger: Logger

    public init(desk: any ServiceLevelStore, intervalSeconds: Double = 60, leaseSeconds: Double? = nil, logger: Logger) {
        self.desk = desk
        self.intervalSeconds = intervalSeconds
        self.leaseSeconds = leaseSeconds ?? max(3 * intervalSeconds, 5)
        self.holder = WorkerIdentity.make("watch")
        self.logger = logger
    }

    /// One pass, if this watch holds the lease: what it dispatched and marked, or nil when
    /// another process holds the lease.
    public func pass() throws -> Pass? {
        let now = Date()
        guard try desk.acquireLease(Self.leaseName, holder: holder, now: now, until: now.addingTimeInterval(leaseSeconds)) else {
            return nil
        }
        // Enterprise windows and settlement replies first: what times out joins the waiting.
        let (timedOut, lapsed) = try desk.sweepDirectTrain()
        // Idempotency-Keys past their 24 hours are forgotten, a batch at a time.
        _ = try desk.sweepIdempotencyKeys(at: now)
        // Station ratings are renewed once a day (Asia/Shanghai), by whichever process watches.
        return Pass(timedOut: timedOut, lapsed: lapsed, dispatched: try desk.dispatchWaiting(), marked: try desk.markOverdue(),
                    ratings: try desk.renewRatingsIfDue(now: now))
    }

    /// What one pass did.
    public struct Pass: Sendable {
        /// Complaints whose enterprise window passed (sent on to stations).
        public let timedOut: Int
        /// Settlements that stand because the consumer did not answer in time.
        public let lapsed: Int
        public let dispatched: Int
        public let marked: Int
        public let ratings: StationRatings.Summary?
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                if let pass = try await NIOThreadPool.singleton.runIfActive({ try self.pass() }) {
                    if pass.timedOut + pass.lapsed > 0 {
                        logger.info("direct train windows passed", metadata: ["complaints.timed_out": "\(pass.timedOut)", "complaints.lapsed": "\(pass.lapsed)"])
                    }
                    if pass.dispatched > 0 { logger.info("waiting complaints dispatched", metadata: ["complaints.dispatched": "\(pass.dispatched)"]) }
                    if pass.marked > 0 { logger.info("complaints overdue", metadata: ["complaints.marked": "\(pass.marked)"]) }
                    if let ratings = pass.ratings {
                        logger.info("station ratings computed", metadata: ["ratings.rated": "\(ratings.rated)", "ratings.changed": "\(ratings.changed)"])
                    }
                }
            } catch {
                logger.error("complaint watch pass failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(Int(self.intervalSeconds * 1000))) }
        }
        // Given back now (one short write, even as the task is cancelled), so another process takes over at once.
        let desk = self.desk, holder = self.holder
        _ = try? await offEventLoop { try desk.releaseLease(Self.leaseName, holder: holder) }
    }
}

/// Keeps this process's station snapshot as fresh as the store: polls the register's version
/// every ``intervalSeconds`` (one indexed row) and reads the register again when another
/// process changed it. A change made elsewhere is therefore served here within the interval
/// plus one snapshot rebuild.
public final class RegisterWatch: Service, Sendable {
    let register: any StationRegisterStore
    let intervalSeconds: Double
    let logger: Logger

    public init(register: any StationRegisterStore, intervalSeconds: Double = 0.2, logger: Logger) {
        self.register = register
        self.intervalSeconds = intervalSeconds
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                let register = self.register
                if try await NIOThreadPool.singleton.runIfActive({ try register.refresh() }) {
                    logger.info("register changed; snapshot refreshed", metadata: ["register.version": "\(register.finder.snapshot.version)"])
                }
            } catch {
                logger.error("register refresh failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(Int(self.intervalSeconds * 1000))) }
        }
    }
}

/// Runs a short blocking store call on a Dispatch thread and waits for it, even when the
/// task is cancelled (unlike `NIOThreadPool.runIfActive`): for the writes a stopping worker
/// must still make. Never on the event loop, where a store that waits on NIO would deadlock.
func offEventLoop<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result(catching: body)) }
    }
}
