import ArgumentParser
import Foundation
import LiaisonCore
import LiaisonHTTP
import LiaisonPostgres
import LiaisonStore
import LiaisonWorkers
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

extension Liaison {
    struct Serve: AsyncParsableCommand, Configurable {
        /// Not `migrate`: applying migrations is asked for each time.
        static let settingKeys = ["host", "port", "log-level", "min-free-disk-mb", "overdue-interval", "register-poll"]

        static let configuration = CommandConfiguration(
            commandName: "serve",
            abstract: "Run the HTTP API.",
            discussion: """
                Stops gracefully on SIGTERM or SIGINT: requests in flight finish first. SIGHUP is ignored \
                (a terminal closing, or a reload sent by habit, does not stop the service; settings change on a restart). \
                See /openapi.json.
                """)

        @Option(help: "Address to listen on.") var host = "127.0.0.1"
        @Option(help: "Port to listen on, 0 to 65535 (0: any free port; the port is printed).") var port = 8080
        @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.") var logLevel = "info"
        @Flag(help: "Apply this release's migrations first to a database a former release made (a SpatiaLite file is backed up first, as `liaison upgrade` does); without it such a database is refused.")
        var migrate = false
        @Option(name: .customLong("min-free-disk-mb"), help: "/readyz answers 503 when the database's disk has less free than this (MiB; 0 to 1000000).")
        var minFreeDiskMB: Int64 = 64
        @Option(name: .customLong("overdue-interval"), help: "How often waiting complaints are dispatched and deadlines checked (seconds).")
        var overdueIntervalSeconds = 60.0
        @Option(name: .customLong("register-poll"), help: "How often the register is checked for changes made by other processes (seconds; default 0.2 on a file, 2 on PostgreSQL, which also announces changes: LISTEN).")
        var registerPoll: Double?
        var registerPollSeconds: Double { registerPoll ?? (store.isPostgres ? 2 : 0.2) }
        @OptionGroup var dispatch: DispatchOptions
        @OptionGroup var sms: SMSOptions
        @OptionGroup var limits: LimitOptions
        @OptionGroup var console: ConsoleOptions
        @OptionGroup var store: StoreOptions

        func validate() throws {
            guard (0...1_000_000).contains(minFreeDiskMB) else {
                throw ValidationError("--min-free-disk-mb: \(minFreeDiskMB) is out of range: expected 0 to 1000000")
            }
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
            // A hang-up (a closed terminal, `kill -HUP` by habit) must not stop the service.
            signal(SIGHUP, SIG_IGN)
            let level = Logger.Level(rawValue: logLevel) ?? .info
            JSONLineLogHandler.processLevel.withLock { $0 = level }
            // Every logger of the process at the level asked for, the workers' too.
            func logger(_ label: String) -> Logger {
                var logger = Logger(label: label)
                logger.logLevel = level
                return logger
            }
            // Composed once: the HTTP application and the workers share these.
            // Store calls block a thread of NIO's blocking pool for each round trip to the
            // database: PostgreSQL, across the network, needs more of them than the file does
            // (the pool is made on first use, below).
            if store.isPostgres { NIOSingletons.blockingPoolThreadCountSuggestion = max(16, 4 * System.coreCount) }
            let store = self.store, settings = try dispatch.settings(store), gateway = try sms.makeGateway(store)
            // Which settings came from the environment or the config file (names, never values).
            let applied = Configuration.applied.withLock { $0 }
            if !applied.isEmpty {
                logger("liaison.config").notice("settings not given as flags", metadata: .init(uniqueKeysWithValues: applied.map { ($0.key, .string($0.source)) }))
            }
            // Blocking work, off the event loop (which runs this task): the store waits on it.
            let migrate = self.migrate
            let (services, examined, moved) = try await NIOThreadPool.singleton.runIfActive {
                if migrate, store.isPostgres || FileManager.default.fileExists(atPath: store.databasePath) {
                    printError(try Liaison.Upgrade.upgrade(store))
                }
                let services = try store.services(complaints: settings, connections: 8, statementSeconds: 8)
                // Deadlines set by an older calendar (provisional, or missing before the law layer) are
                // counted again with the calendar of this start: geodata/ and the imported notices.
                let (examined, moved) = try services.serviceLevels.recomputeDeadlines(reason: "the working calendar at start")
                return (services, examined, moved)
            }
            let host = self.host
            if !moved.isEmpty {
                logger("liaison.sla").notice("deadlines recomputed at start", metadata: ["complaints.examined": "\(examined)", "complaints.moved": "\(moved.count)"])
            }
            // The workers: texts go out through the gateway (claimed, so several processes can
            // share a store); deadlines are watched by one process at a time; the register is
            // re-read when another process changes it.
            var workers: [any Service] = [
                SMSDeliveryWorker(outbox: services.outbox, gateway: gateway, policy: sms.policy, logger: logger("liaison.sms")),
                // Status callbacks: the same claims, retries and failure marking as texts.
                CallbackDeliveryWorker(callbacks: services.callbacks, key: services.complaints.settings.trackingKey, policy: sms.policy, logger: logger("liaison.callbacks")),
                ComplaintWatch(desk: services.serviceLevels, intervalSeconds: overdueIntervalSeconds, logger: logger("liaison.sla")),
                RegisterWatch(register: services.registry, intervalSeconds: registerPollSeconds, logger: logger("liaison.register")),
            ]
            if let postgres = services.store as? PostgresStore {
                workers.append(RegisterNotices(store: postgres, register: services.registry, logger: logger("liaison.register")))
            }
            var server = ServerSettings(host: host, port: port)
            server.minFreeDiskBytes = minFreeDiskMB * 1_048_576
            limits.apply(to: &server)
            console.apply(to: &server)
            if server.anonymousIntake { logger("liaison.http").warning("anonymous intake is on: anyone can file complaints and send texts (development only)") }
            let app = buildApplication(settings: server, services: services,
                                       logger: logger("liaison.http"), workers: workers) { port in
                // One line on stdout, so scripts started with --port 0 can find the port.
                FileHandle.standardOutput.write(Data("listening on http://\(host):\(port)\n".utf8))
            }
            try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
            // Stopped cleanly: the WAL folded back into the file, so the file alone is complete.
            if let file = services.store as? LiaisonDatabase {
                let emptied = file.checkpointAndTruncate()
                logger("liaison.store").info("stopped", metadata: ["wal.truncated": "\(emptied)"])
            }
        }
    }
}

/// On PostgreSQL, a change of the register is announced (`NOTIFY liaison_register`, by the
/// triggers, at commit): this process listens on a connection of its own and refreshes its
/// snapshot at once, the poll staying as the fallback. A lost connection is listened on again
/// after a second. The listening runs in a task of its own that a stop cancels without waiting
/// for it: while the database is down, the pool's wait for a connection does not end on
/// cancellation, and must not hold the stop up.
struct RegisterNotices: Service {
    let store: PostgresStore
    let register: any StationRegisterStore
    let logger: Logger

    func run() async throws {
        let listening = Task { await listen() }
        try? await gracefulShutdown()
        listening.cancel()
    }

    private func listen() async {
        let register = self.register, logger = self.logger
        while !Task.isCancelled {
            do {
                try await store.listenForRegisterChanges {
                    if (try? await NIOThreadPool.singleton.runIfActive({ try register.refresh() })) == true {
                        logger.info("register change announced; snapshot refreshed", metadata: ["register.version": "\(register.finder.snapshot.version)"])
                    }
                }
            } catch where !Task.isCancelled {
                logger.warning("listening for register changes failed; the poll goes on", metadata: ["error": "\(error)"])
            } catch {}
            try? await Task.sleep(for: .seconds(1))
        }
    }
}
