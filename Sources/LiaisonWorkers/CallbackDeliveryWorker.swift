import AsyncHTTPClient
import Foundation
import LiaisonCore
import LiaisonStore
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// POSTs the status callbacks of the callback outbox to the clients' URLs, signed, at least
/// once: claimed with a lease, retried with the text worker's backoff and marked `failed`
/// after ``SMSDeliveryWorker/Policy/maxAttempts`` (the same ``SMSDeliveryWorker/Policy``).
///
/// Each POST carries `X-Liaison-Timestamp` (Unix seconds, when it was sent) and
/// `X-Liaison-Signature: sha256=HEX`, the HMAC-SHA-256 of `"<timestamp>.<body>"` under the
/// client's secret (``TrackingKey/callbackSecret(client:)``, derived here, never stored).
/// A 2xx answer within ``timeoutSeconds`` is delivery; anything else, a redirect included, is
/// a failed attempt. The body's `id` is the same on every attempt: receivers drop repeats by it.
public final class CallbackDeliveryWorker: Service, Sendable {
    public static let timestampHeader = "X-Liaison-Timestamp"
    public static let signatureHeader = "X-Liaison-Signature"

    public typealias Report = SMSDeliveryWorker.Report

    let callbacks: any CallbackStore
    let key: TrackingKey
    let client: HTTPClient
    public let policy: SMSDeliveryWorker.Policy
    public let timeoutSeconds: Int64
    /// This sender's name in the claims it writes: unique per worker.
    public let sender: String
    let logger: Logger

    /// A client that gives up connecting after a few seconds and follows no redirect (a signed
    /// POST goes where it was registered to go, or fails).
    public static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(3), read: .seconds(10))
        configuration.connectionPool = .init(idleTimeout: .seconds(60))
        configuration.redirectConfiguration = .disallow
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    public init(callbacks: any CallbackStore, key: TrackingKey, policy: SMSDeliveryWorker.Policy = SMSDeliveryWorker.Policy(),
                timeoutSeconds: Int64 = 10, client: HTTPClient = CallbackDeliveryWorker.client, logger: Logger) {
        self.callbacks = callbacks
        self.key = key
        self.client = client
        self.policy = policy
        self.timeoutSeconds = timeoutSeconds
        self.sender = WorkerIdentity.make("callbacks")
        self.logger = logger
    }

    /// POSTs every delivery due when the pass starts (up to ``SMSDeliveryWorker/Policy/maxPerPass``), once each.
    public func deliverDue() async throws -> Report {
        var report = Report()
        var handled = 0
        let start = Date()
        let callbacks = self.callbacks, sender = self.sender, lease = policy.leaseSeconds
        while handled < policy.maxPerPass, !Task.isCancelled {
            let limit = min(policy.batch, policy.maxPerPass - handled)
            let (claimed, until) = try await NIOThreadPool.singleton.runIfActive {
                let until = Date().addingTimeInterval(lease)
                return (try callbacks.claimDue(at: start, sender: sender, until: until, limit: limit), until)
            }
            if claimed.isEmpty { break }
            handled += claimed.count
            try await send(claimed, claimedUntil: until, into: &report)
        }
        return report
    }

    private func send(_ deliveries: [CallbackOutbox.Delivery], claimedUntil until: Date, into report: inout Report) async throws {
        let callbacks = self.callbacks, sender = self.sender
        for (i, delivery) in deliveries.enumerated() {
            // Stopping, or too little of the claim left for one more POST: the rest go back.
            if Task.isCancelled || Date().addingTimeInterval(policy.sendAllowanceSeconds) >= until {
                let rest = deliveries[i...].map(\.id)
                _ = try? await offEventLoop { try callbacks.release(sender: sender, ids: rest) }
                return
            }
            do {
                try await post(delivery)
                try await offEventLoop { try callbacks.markSent(delivery.id, at: Date()) }
                report.sent += 1
            } catch where Task.isCancelled {
                let rest = deliveries[i...].map(\.id)
                _ = try? await offEventLoop { try callbacks.release(sender: sender, ids: rest) }
                return
            } catch {
                // No URL any more (cleared as it was claimed): nothing to retry.
                let retryAt = delivery.url == nil ? nil : policy.retryAt(afterAttempts: delivery.attempts + 1, now: Date())
                let reason = "\(error)"
                try await NIOThreadPool.singleton.runIfActive { try callbacks.markAttemptFailed(delivery.id, error: reason, retryAt: retryAt) }
                if retryAt == nil { report.failed += 1 } else { report.retrying += 1 }
                logger.warning("callback not delivered", metadata: [
                    "callback.id": "\(delivery.id)", "callback.client": "\(delivery.client)", "callback.attempt": "\(delivery.attempts + 1)",
                    "callback.gave_up": "\(retryAt == nil)", "error": "\(reason)",
                ])
            }
        }
    }

    /// One signed POST; throws unless the receiver answered 2xx in time.
    func post(_ delivery: CallbackOutbox.Delivery) async throws {
        guard let url = delivery.url else { throw GatewayError("client \(delivery.client) has no callback URL") }
        let timestamp = Int(Date().timeIntervalSince1970)
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        request.headers.add(name: "User-Agent", value: "liaison-callbacks")
        request.headers.add(name: Self.timestampHeader, value: String(timestamp))
        request.headers.add(name: Self.signatureHeader,
                            value: ClientCallback.signature(secret: key.callbackSecret(client: delivery.client), timestamp: timestamp, body: delivery.body))
        request.body = .bytes(ByteBuffer(bytes: delivery.body))
        let response = try await client.execute(request, timeout: .seconds(timeoutSeconds))
        // Drain (and bound) the body so the connection can be reused.
        _ = try? await response.body.collect(upTo: 64 * 1024)
        guard (200..<300).contains(response.status.code) else {
            throw GatewayError("callback URL answered \(response.status.code) \(response.status.reasonPhrase)")
        }
    }

    /// Polls until the service group shuts down.
    public func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                _ = try await cancelWhenGracefulShutdown { try await self.deliverDue() }
            } catch where Task.isShuttingDownGracefully || Task.isCancelled {
                break
            } catch {
                logger.error("callback delivery pass failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(Int(self.policy.pollSeconds * 1000))) }
        }
        let callbacks = self.callbacks, sender = self.sender
        _ = try? await offEventLoop { try callbacks.release(sender: sender, ids: nil) }
    }
}
