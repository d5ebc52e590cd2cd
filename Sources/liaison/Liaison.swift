import ArgumentParser
import Foundation
import Logging
import NIOCore
import NIOPosix
import LiaisonHTTP
import LiaisonPostgres
import LiaisonStore

@main
struct Liaison: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "liaison",
        abstract: "Find Zhejiang's consumer-rights liaison stations and manage their register.",
        discussion: """
            The store is a SpatiaLite file (default data/liaison.sqlite, or --db PATH, or \
            LIAISON_DB) or a PostgreSQL database with PostGIS (--db postgres://USER@HOST:PORT/DB). \
            When it does not exist yet (or is empty) it is created from geodata/: the counties and \
            the stations, or with --empty the counties only. `migrate` copies one into the other.

            EXIT CODES
              0   done
              1   not found, or refused by the state of the data (a conflict, a closed \
            complaint), or the store failed; the reason is on stderr
              64  usage: a bad flag, value or input file, named on stderr; nothing was written
              65  nearest or where with --input: some rows have no answer (each has an error \
            row, and stderr says how many)

            Output has no colour (so NO_COLOR changes nothing); progress lines go to stderr, \
            and only when it is a terminal. Shell completions: liaison \
            --generate-completion-script bash|zsh|fish.
            """,
        version: "liaison \(liaisonVersion) (schema: SpatiaLite \(sqliteSchemaVersion); PostgreSQL \(postgresSchemaVersion))",
        subcommands: [Nearest.self, Where.self, CoverageCommand.self, Stations.self, Complaints.self, Enterprises.self, Calendar.self, Stats.self, Merchants.self, Ratings.self, Import.self, Export.self, Backup.self, Restore.self, Upgrade.self, Migrate.self, Serve.self, Notify.self, Tokens.self, Clients.self]
    )

    /// Logs go to stderr as JSON lines so that stdout carries only results (JSON stays parseable).
    static func main() async {
        // Swift concurrency's jobs run on NIO's event loops, so a request is parsed, answered
        // and written on one thread, without hopping to the global pool and back.
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        LoggingSystem.bootstrap(JSONLineLogHandler.init)
        // Settings from LIAISON_* variables and the config file, as the flags not given.
        let environment = ProcessInfo.processInfo.environment
        var arguments = Array(CommandLine.arguments.dropFirst())
        do {
            let configuration = try Configuration(arguments: arguments, environment: environment)
            let (completed, applied) = configuration.complete(arguments, environment: environment)
            arguments = completed
            Configuration.applied.withLock { $0 = applied }
        } catch {
            printError("Error: \(error)")
            Foundation.exit(ExitCode.validationFailure.rawValue)
        }
        do {
            var command = try parseAsRoot(arguments)
            if var command = command as? AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
            JSONLineLogHandler.flush()
        } catch {
            JSONLineLogHandler.flush()
            // A bad value may have come from the environment or the file: say which settings did.
            if exitCode(for: error) == .validationFailure, let note = Configuration.note(for: Configuration.applied.withLock { $0 }) {
                let message = fullMessage(for: error)
                if !message.isEmpty { printError(message) }
                printError(note)
                Foundation.exit(ExitCode.validationFailure.rawValue)
            }
            exit(withError: error)
        }
    }
}
