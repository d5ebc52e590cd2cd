import ArgumentParser
import Foundation
import LiaisonHTTP
import LiaisonCore

/// What `liaison serve` lets callers do: who may file complaints, how often, and how long a
/// request may take to arrive (README, Security).
struct LimitOptions: ParsableArguments, Configurable {
    /// Not `anonymous-intake`: a development switch, given on the command line each time.
    static let settingKeys = ["client-intake-per-minute", "client-intake-burst", "client-quota", "consumer-intake-per-hour", "reads-per-minute",
                              "trusted-proxy", "public-url", "request-deadline"]

    @Flag(name: .customLong("anonymous-intake"), help: "Accept POST /v1/complaints without an X-Client-Key (development only: anyone can then file and send texts).")
    var anonymousIntake = false
    @Option(name: .customLong("client-intake-per-minute"), help: "Complaints each client key may file a minute, on average.")
    var clientIntakePerMinute = 30
    @Option(name: .customLong("client-intake-burst"), help: "Complaints a client key may file at once before the per-minute rate applies.")
    var clientIntakeBurst = 60
    @Option(name: .customLong("client-quota"), help: ArgumentHelp("A client key's own intake quota instead of the defaults (repeatable): its name, per minute and optionally the burst (default twice that).", valueName: "name=per-minute[/burst]"))
    var clientQuotas: [String] = []
    @Option(name: .customLong("consumer-intake-per-hour"), help: "Complaints one consumer (by X-Consumer-Id, per client) may file an hour.")
    var consumerIntakePerHour = 6
    @Option(name: .customLong("reads-per-minute"), help: "Anonymous reads (nearest, map view, detail, OGC) one IP address may make a minute, on average (bursts of a quarter of it).")
    var readsPerMinute = 1_200
    @Option(name: .customLong("trusted-proxy"), help: "The IP address of a proxy in front (repeatable; default 127.0.0.1 and ::1) whose X-Forwarded-For names the client.")
    var trustedProxies: [String] = []
    @Option(name: .customLong("public-url"), help: ArgumentHelp("The service's public address (e.g. https://liaison.example.gov.cn): OGC links are built on it, not on the request's Host.", valueName: "url"))
    var publicURL: String?
    @Option(name: .customLong("request-deadline"), help: "Seconds a request's head and body may take to arrive; the connection is closed after.")
    var requestDeadline: Int64 = 60

    func validate() throws {
        for (flag, value) in [("--client-intake-per-minute", clientIntakePerMinute), ("--client-intake-burst", clientIntakeBurst),
                              ("--consumer-intake-per-hour", consumerIntakePerHour), ("--reads-per-minute", readsPerMinute)] where !(1...1_000_000).contains(value) {
            throw ValidationError("\(flag): \(value) is out of range: expected an integer from 1 to 1000000")
        }
        _ = try parsedQuotas()
        guard (1...3600).contains(requestDeadline) else {
            throw ValidationError("--request-deadline: \(requestDeadline) is out of range: expected 1 to 3600 seconds")
        }
        if let publicURL {
            guard let url = URL(string: publicURL), ["https", "http"].contains(url.scheme ?? ""), url.host != nil, url.query == nil else {
                throw ValidationError("--public-url: \"\(publicURL)\" is not an http(s) URL with a host (and no query)")
            }
        }
        for proxy in trustedProxies where !(proxy.contains(".") || proxy.contains(":")) {
            throw ValidationError("--trusted-proxy: \"\(proxy)\" is not an IP address")
        }
    }

    /// `--client-quota mp-zjxb=120/240` as name → (per minute, burst).
    func parsedQuotas() throws -> [String: (perMinute: Int, burst: Int)] {
        var quotas: [String: (perMinute: Int, burst: Int)] = [:]
        for text in clientQuotas {
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            let numbers = parts.count == 2 ? parts[1].split(separator: "/").map { Int($0) } : []
            guard parts.count == 2, StaffToken.validName(parts[0]), (1...2).contains(numbers.count), numbers.allSatisfy({ ($0 ?? 0) >= 1 && ($0 ?? 0) <= 1_000_000 }),
                  let perMinute = numbers[0] else {
                throw ValidationError("--client-quota: \"\(text)\" is not allowed: expected NAME=PER_MINUTE or NAME=PER_MINUTE/BURST, e.g. mp-zjxb=120/240 (1 to 1000000)")
            }
            quotas[parts[0]] = (perMinute, numbers.count == 2 ? numbers[1]! : perMinute * 2)
        }
        return quotas
    }

    func apply(to settings: inout ServerSettings) {
        settings.clientQuotas = (try? parsedQuotas()) ?? [:]
        settings.anonymousIntake = anonymousIntake
        settings.clientIntakePerMinute = clientIntakePerMinute
        settings.clientIntakeBurst = clientIntakeBurst
        settings.consumerIntakePerHour = consumerIntakePerHour
        settings.consumerIntakeBurst = max(1, consumerIntakePerHour / 2)
        settings.readsPerMinutePerIP = readsPerMinute
        settings.readsBurstPerIP = max(10, readsPerMinute / 4)
        if !trustedProxies.isEmpty { settings.trustedProxies = Set(trustedProxies) }
        settings.requestDeadlineSeconds = requestDeadline
        settings.publicURL = publicURL
    }
}
