import ArgumentParser
import Foundation
import LiaisonCore
import LiaisonHTTP
import LiaisonStore
import LiaisonWorkers
import Logging
import ServiceLifecycle

extension Liaison {
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the HTTP API.",
            discussion: "Stops gracefully on SIGTERM or SIGINT: requests in flight finish first. See /openapi.json.")

        @Option(help: "Address to listen on.") var host = "127.0.0.1"
        @Option(help: "Port to listen on, 0 to 65535 (0: any free port; the port is printed).") var port = 8080
        @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.") var logLevel = "info"
        @Option(name: .customLong("overdue-interval"), help: "How often waiting complaints are dispatched and deadlines checked (seconds).")
        var overdueIntervalSeconds = 60.0
        @Option(name: .customLong("register-poll"), help: "How often the register is checked for changes made by other processes (seconds).")
        var registerPollSeconds = 0.2
        @OptionGroup var dispatch: DispatchOptions
        @OptionGroup var sms: SMSOptions
        @OptionGroup var store: StoreOptions

        func validate() throws {
            guard overdueIntervalSeconds.isFinite, overdueIntervalSeconds >= 0.1 else {
                throw ValidationError("--overdue-interval: \(overdueIntervalSeconds) is out of range: expected at least 0.1 seconds")
            }
            guard registerPollSeconds.isFinite, (0.01...60).contains(registerPollSeconds) else {
                throw ValidationError("--register-poll: \(registerPollSeconds) is out of range: expected 0.01 to 60 seconds")
            }
            guard (0...65535).contains(port) else { throw ValidationError("--port: \(port) is out of range: expected 0 to 65535") }
            guard Logger.Level(rawValue: logLevel) != nil else {
                throw ValidationError("--log-level: unknown level \"\(logLevel)\": expected one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }

        func run() async throws {
            let level = Logger.Level(rawValue: logLevel) ?? .info
            // Every logger of the process at the level asked for, the workers' too.
            func logger(_ label: String) -> Logger {
                var logger = Logger(label: label)
                logger.logLevel = level
                return logger
            }
            // Composed once: the HTTP application and the workers share these.
            let services = try LiaisonServices(database: try store.open(), complaints: try dispatch.settings(store))
            let host = self.host
            // Deadlines set by an older calendar (provisional, or missing before the law layer) are
            // counted again with the calendar of this start: geodata/ and the imported notices.
            let (examined, moved) = try services.serviceLevels.recomputeDeadlines(reason: "the working calendar at start")
            if !moved.isEmpty {
                logger("liaison.sla").notice("deadlines recomputed at start", metadata: ["complaints.examined": "\(examined)", "complaints.moved": "\(moved.count)"])
            }
            // The workers: texts go out through the gateway (claimed, so several processes can
            // share a store); deadlines are watched by one process at a time; the register is
            // re-read when another process changes it.
            let workers: [any Service] = [
                SMSDeliveryWorker(outbox: services.outbox, gateway: sms.makeGateway(store), policy: sms.policy, logger: logger("liaison.sms")),
                ComplaintWatch(desk: services.serviceLevels, intervalSeconds: overdueIntervalSeconds, logger: logger("liaison.sla")),
                RegisterWatch(register: services.registry, intervalSeconds: registerPollSeconds, logger: logger("liaison.register")),
            ]
            let app = buildApplication(settings: ServerSettings(host: host, port: port), services: services,
                                       logger: logger("liaison.http"), workers: workers) { port in
                // One line on stdout, so scripts started with --port 0 can find the port.
                FileHandle.standardOutput.write(Data("listening on http://\(host):\(port)\n".utf8))
            }
            try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
        }
    }
}
