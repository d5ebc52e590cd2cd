import Foundation
import Synchronization

/// Token buckets by key (a client's name, a consumer id, an IP address), in this process's
/// memory: `rate` tokens a second up to `burst`; a request takes one or is refused with the
/// seconds until one is back. Several processes behind a load balancer each keep their own
/// buckets (the limit is then per process; README, Security).
///
/// Bounded: at most `maxKeys` buckets. When full, buckets that have refilled completely (which
/// say nothing a fresh bucket would not) are dropped, and if none have, the oldest are.
final class RateLimiter: Sendable {
    struct Bucket {
        var tokens: Double
        var at: ContinuousClock.Instant
    }

    /// What one request was told.
    struct Decision: Sendable {
        let allowed: Bool
        let limit: Int
        let remaining: Int
        /// Seconds until a token is back (refused), or until the bucket is full again (allowed).
        let resetSeconds: Int
    }

    let rate: Double
    let burst: Int
    private let maxKeys: Int
    private let clock: @Sendable () -> ContinuousClock.Instant
    private let buckets = Mutex<[String: Bucket]>([:])

    /// - Parameter clock: the time buckets refill by (tests stop it, so that a slow machine
    ///   refills nothing between two requests).
    init(perSecond: Double, burst: Int, maxKeys: Int = 100_000, clock: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        rate = perSecond
        self.burst = max(1, burst)
        self.maxKeys = maxKeys
        self.clock = clock
    }

    func take(_ key: String, now given: ContinuousClock.Instant? = nil) -> Decision {
        let now = given ?? clock()
        return buckets.withLock { buckets in
            var bucket = buckets[key] ?? Bucket(tokens: Double(burst), at: now)
            let elapsed = Double((now - bucket.at).components.seconds) + Double((now - bucket.at).components.attoseconds) / 1e18
            bucket.tokens = min(Double(burst), bucket.tokens + max(0, elapsed) * rate)
            bucket.at = now
            let allowed = bucket.tokens >= 1
            if allowed { bucket.tokens -= 1 }
            if buckets[key] == nil, buckets.count >= maxKeys { Self.evict(&buckets, burst: Double(burst), rate: rate, now: now) }
            buckets[key] = bucket
            let reset = allowed ? (Double(burst) - bucket.tokens) / max(rate, 1e-9) : (1 - bucket.tokens) / max(rate, 1e-9)
            return Decision(allowed: allowed, limit: burst, remaining: Int(bucket.tokens), resetSeconds: max(1, Int(reset.rounded(.up))))
        }
    }

    private static func evict(_ buckets: inout [String: Bucket], burst: Double, rate: Double, now: ContinuousClock.Instant) {
        let full = buckets.filter { _, b in b.tokens + Double((now - b.at).components.seconds) * rate >= burst }.map(\.key)
        for key in full { buckets[key] = nil }
        if full.isEmpty {
            for key in buckets.sorted(by: { $0.value.at < $1.value.at }).prefix(max(1, buckets.count / 10)).map(\.key) { buckets[key] = nil }
        }
    }
}
