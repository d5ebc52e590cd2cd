import ArgumentParser
import Foundation
import LiaisonCore
import LiaisonStore
import LiaisonWorkers

/// How complaints are dispatched and where video rooms live (`serve`).
struct DispatchOptions: ParsableArguments, Configurable {
    static let settingKeys = ["reach-km", "video-base-url", "video-jwt-secret-file", "video-app-id", "consumer-link"]

    @Option(name: .customLong("reach-km"), help: "How far a station in the complaint's own county may be before stations elsewhere are considered (km).")
    var reachKilometers = AssignmentPolicy.defaultReachMeters / 1000

    @Option(name: .customLong("video-base-url"), help: "Base URL of the video rooms (e.g. a self-hosted Jitsi), https (http only on loopback): links are BASE/ROOM?jwt=... per role.")
    var videoBaseURL = ComplaintDesk.Settings.defaultVideoBaseURL

    @Option(name: .customLong("video-jwt-secret-file"), help: ArgumentHelp("The Jitsi app_secret (mode 0600), to sign each party's join link (a JWT per role); without it links are bare rooms with no roles (development only).", valueName: "path"))
    var videoSecretFile: String?

    @Option(name: .customLong("video-app-id"), help: "The Jitsi app_id the links are signed as (the JWT's iss).")
    var videoAppID = "liaison"

    @Option(name: .customLong("consumer-link"), help: ArgumentHelp("The mini-program page of a complaint, {number} standing for its number (an https URL, e.g. a short link): consumers' texts end with it when it fits in two SMS segments.", valueName: "url"))
    var consumerLink: String?

    func validate() throws {
        guard reachKilometers.isFinite, reachKilometers >= 0, reachKilometers <= 1000 else {
            throw ValidationError("--reach-km: \(reachKilometers) is out of range: expected 0 to 1000")
        }
        guard let url = URL(string: videoBaseURL), let host = url.host, url.scheme == "https" || (url.scheme == "http" && ["127.0.0.1", "localhost", "::1"].contains(host)) else {
            throw ValidationError("--video-base-url: \"\(videoBaseURL)\" is not allowed: expected an https URL with a host (http only on loopback, for tests)")
        }
        if let consumerLink {
            let filled = consumerLink.replacingOccurrences(of: "{number}", with: "ZJ-20261205-000001")
            guard consumerLink.contains("{number}"), let url = URL(string: filled), url.scheme == "https", url.host != nil,
                  filled.count <= 60, filled.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) }) else {
                throw ValidationError("--consumer-link: \"\(consumerLink)\" is not allowed: expected an https URL with {number} in it, at most 60 characters with a number, e.g. https://s.zj.cn/c/{number}")
            }
        }
    }

    func settings(_ store: StoreOptions) throws -> ComplaintDesk.Settings {
        let geodata = try store.geodataDirectory()
        var settings = ComplaintDesk.Settings(serviceClock: try geodata.serviceClock(), policy: AssignmentPolicy(reachMeters: reachKilometers * 1000),
                                              videoBaseURL: videoBaseURL, courts: try geodata.courts())
        settings.consumerLink = consumerLink
        if let videoSecretFile {
            do {
                settings.videoSigner = try VideoSigner.file(videoSecretFile, appID: videoAppID)
            } catch let error as TrackingKey.KeyFileError {
                throw lateUsageError("--video-jwt-secret-file: the video secret file \(error.path) \(error.problem)")
            } catch {
                throw lateUsageError("--video-jwt-secret-file: cannot read \(videoSecretFile): \(error.localizedDescription)")
            }
        }
        return settings
    }
}

/// Which gateway sends the text messages (`serve`, `notify`).
struct SMSOptions: ParsableArguments, Configurable {
    static let settingKeys = ["sms-gateway", "sms-log", "sms-webhook", "sms-webhook-auth-file", "sms-max-attempts", "sms-retry-seconds"]

    enum Gateway: String, ExpressibleByArgument, CaseIterable {
        case log, webhook
    }

    @Option(name: .customLong("sms-gateway"), help: "log (each message as a JSON line in --sms-log) or webhook (POST to --sms-webhook).")
    var gateway = Gateway.log

    @Option(name: .customLong("sms-log"), help: ArgumentHelp("The log gateway's file (default: sms.log beside the database file; data/sms.log with PostgreSQL).", valueName: "path"))
    var logPath: String?

    @Option(name: .customLong("sms-webhook"), help: ArgumentHelp("The webhook gateway's URL.", valueName: "url"))
    var webhookURL: String?

    @Option(name: .customLong("sms-webhook-auth-file"), help: ArgumentHelp("A file (mode 0600) holding the webhook's Authorization header value on one line, e.g. Bearer TOKEN, sent with every message: the provider's credentials stay out of the URL and the command line.", valueName: "path"))
    var webhookAuthFile: String?

    @Option(name: .customLong("sms-max-attempts"), help: "Attempts before a message is marked failed.")
    var maxAttempts = SMSDeliveryWorker.Policy().maxAttempts

    @Option(name: .customLong("sms-retry-seconds"), help: "The wait after a first failed attempt, doubled after each further one (capped at an hour).")
    var retrySeconds = SMSDeliveryWorker.Policy().baseDelaySeconds

    var policy: SMSDeliveryWorker.Policy {
        SMSDeliveryWorker.Policy(maxAttempts: maxAttempts, baseDelaySeconds: retrySeconds, maxDelaySeconds: max(retrySeconds, 3600))
    }

    func validate() throws {
        guard (1...100).contains(maxAttempts) else { throw ValidationError("--sms-max-attempts: \(maxAttempts) is out of range: expected 1 to 100") }
        guard retrySeconds.isFinite, retrySeconds >= 0.01, retrySeconds <= 86400 else {
            throw ValidationError("--sms-retry-seconds: \(retrySeconds) is out of range: expected 0.01 to 86400")
        }
        switch gateway {
        case .log:
            if webhookURL != nil { throw ValidationError("--sms-webhook: only used with --sms-gateway webhook") }
        case .webhook:
            guard let webhookURL else { throw ValidationError("--sms-webhook: required with --sms-gateway webhook: the URL to POST messages to") }
            guard let url = URL(string: webhookURL), ["https", "http"].contains(url.scheme ?? ""), url.host != nil else {
                throw ValidationError("--sms-webhook: \"\(webhookURL)\" is not an http(s) URL with a host")
            }
            if logPath != nil { throw ValidationError("--sms-log: only used with --sms-gateway log") }
        }
        if webhookAuthFile != nil, gateway != .webhook {
            throw ValidationError("--sms-webhook-auth-file: only used with --sms-gateway webhook")
        }
    }

    /// The Authorization header value `--sms-webhook-auth-file` holds: one line of visible
    /// ASCII, in a file others may not read.
    func webhookAuthorization() throws -> String? {
        guard let path = webhookAuthFile else { return nil }
        let value: String
        do {
            value = try TrackingKey.privateText(at: path)
        } catch let error as TrackingKey.KeyFileError {
            throw lateUsageError("--sms-webhook-auth-file: \(path) \(error.problem)")
        } catch {
            throw lateUsageError("--sms-webhook-auth-file: cannot read \(path): \((error as NSError).localizedDescription)")
        }
        guard !value.isEmpty, value.count <= 4096, value.unicodeScalars.allSatisfy({ (0x20...0x7E).contains($0.value) }) else {
            throw lateUsageError("--sms-webhook-auth-file: \(path) must hold one line of visible ASCII (at most 4096 characters): the Authorization header's value, e.g. Bearer TOKEN")
        }
        return value
    }

    func makeGateway(_ store: StoreOptions) throws -> any SMSGateway {
        switch gateway {
        case .log:
            LogGateway(path: logPath ?? (store.isPostgres ? "data/sms.log"
                                         : URL(fileURLWithPath: store.databasePath).deletingLastPathComponent().appendingPathComponent("sms.log").path))
        case .webhook:
            WebhookGateway(url: webhookURL ?? "", authorization: try webhookAuthorization())
        }
    }
}
