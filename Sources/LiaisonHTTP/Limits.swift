import Foundation
import HTTPTypes
import Hummingbird
import LiaisonCore
import NIOCore

/// The rate limits of ``ServerSettings``, shared by every route of one server.
struct Limits: Sendable {
    /// Intake per client key (or for all anonymous intake together, when that is allowed).
    let intake: RateLimiter
    /// The client keys given a quota of their own (`--client-quota NAME=PER_MINUTE[/BURST]`).
    let clientIntake: [String: RateLimiter]
    /// Intake per consumer, by the id a client sends (`X-Consumer-Id`, e.g. a hashed openid).
    let consumers: RateLimiter
    /// Anonymous reads per IP address.
    let reads: RateLimiter
    let settings: ServerSettings

    init(_ settings: ServerSettings) {
        self.settings = settings
        let clock = settings.rateLimitClock
        intake = RateLimiter(perSecond: Double(settings.clientIntakePerMinute) / 60, burst: settings.clientIntakeBurst, clock: clock)
        clientIntake = settings.clientQuotas.mapValues { RateLimiter(perSecond: Double($0.perMinute) / 60, burst: $0.burst, maxKeys: 1, clock: clock) }
        consumers = RateLimiter(perSecond: Double(settings.consumerIntakePerHour) / 3600, burst: settings.consumerIntakeBurst, clock: clock)
        reads = RateLimiter(perSecond: Double(settings.readsPerMinutePerIP) / 60, burst: settings.readsBurstPerIP, clock: clock)
    }

    /// Takes one filing from the quota of `client` (nil: anonymous intake).
    func takeIntake(client: String?) -> RateLimiter.Decision {
        guard let client else { return intake.take("anonymous intake") }
        return (clientIntake[client] ?? intake).take("client " + client)
    }

    static let clientKeyHeader = HTTPField.Name("X-Client-Key")!
    static let consumerIDHeader = HTTPField.Name("X-Consumer-Id")!
    static let limitHeader = HTTPField.Name("RateLimit-Limit")!
    static let remainingHeader = HTTPField.Name("RateLimit-Remaining")!
    static let resetHeader = HTTPField.Name("RateLimit-Reset")!

    /// The RateLimit headers (draft-ietf-httpapi-ratelimit-headers, the `RateLimit-Limit`,
    /// `-Remaining` and `-Reset` fields) of a decision.
    static func headers(_ d: RateLimiter.Decision) -> HTTPFields {
        var fields = HTTPFields()
        fields[limitHeader] = String(d.limit)
        fields[remainingHeader] = String(d.remaining)
        fields[resetHeader] = String(d.resetSeconds)
        if !d.allowed { fields[.retryAfter] = String(d.resetSeconds) }
        return fields
    }

    static func refused(_ d: RateLimiter.Decision, detail: String) -> Problem {
        Problem(status: .tooManyRequests, kind: "rate-limited", title: "Too many requests", detail: detail, headers: headers(d))
    }
}

/// Complaint intake: the caller's client key (`X-Client-Key`, from `liaison clients create`)
/// checked and its quota taken before the body is read. Without a key the request is refused
/// unless the server allows anonymous intake (`--anonymous-intake`, for development), in which
/// case all anonymous intake shares one quota. A consumer id the client sends gets its own,
/// smaller quota.
struct ClientIntakeMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let auth: StaffAuthenticator
    let limits: Limits

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let who: String
        if let key = request.headers[Limits.clientKeyHeader] {
            let client = try await auth.client(key)
            context.caller = client
            who = "client " + client.name
        } else if limits.settings.anonymousIntake {
            who = "anonymous intake"
        } else {
            throw Problem(status: .unauthorized, kind: "unauthorized", title: "Unauthorized",
                          detail: "complaint intake needs an X-Client-Key header: a client key from `liaison clients create` (anonymous intake is off)")
        }
        let decision = limits.takeIntake(client: context.caller?.name)
        guard decision.allowed else {
            throw Limits.refused(decision, detail: "\(who) has filed \(decision.limit) complaints in quick succession: wait \(decision.resetSeconds) s")
        }
        if let consumer = request.headers[Limits.consumerIDHeader] {
            guard (1...128).contains(consumer.utf8.count), consumer.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
                throw Problem.invalid(InvalidInput(name: "X-Consumer-Id", reason: "expected 1 to 128 printable ASCII characters (a hash of the consumer's openid)"))
            }
            let perConsumer = limits.consumers.take(who + "\u{0}" + consumer)
            guard perConsumer.allowed else {
                throw Limits.refused(perConsumer, detail: "this consumer has filed \(perConsumer.limit) complaints recently: wait \(perConsumer.resetSeconds) s")
            }
        }
        var response = try await next(request, context)
        for field in Limits.headers(decision) { response.headers.append(field) }
        return response
    }
}

/// Anonymous reads (nearest, map view, detail, OGC, documents): a token bucket per IP address,
/// generous by default. Behind a proxy the address is the first of `X-Forwarded-For` when the
/// connection comes from one of `--trusted-proxy`.
struct ReadLimitMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let limits: Limits

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .get || request.method == .head, let ip = client(request, context) else { return try await next(request, context) }
        let decision = limits.reads.take(ip)
        guard decision.allowed else {
            throw Limits.refused(decision, detail: "too many requests from \(ip): wait \(decision.resetSeconds) s")
        }
        return try await next(request, context)
    }

    func client(_ request: Request, _ context: Context) -> String? {
        guard let peer = context.remoteIP else { return nil }
        if limits.settings.trustedProxies.contains(peer), let forwarded = request.headers[.xForwardedFor],
           let first = forwarded.split(separator: ",").first?.trimmingCharacters(in: .whitespaces), !first.isEmpty {
            return first
        }
        return peer
    }
}

extension HTTPField.Name {
    static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
}
