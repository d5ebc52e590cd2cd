import ArgumentParser
import Logging
import NIOCore
import NIOPosix

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
            """,
        subcommands: [Nearest.self, Where.self, Stations.self, Complaints.self, Enterprises.self, Calendar.self, Stats.self, Merchants.self, Ratings.self, Import.self, Export.self, Migrate.self, Serve.self, Notify.self, Tokens.self, Clients.self]
    )

    /// Logs go to stderr as JSON lines so that stdout carries only results (JSON stays parseable).
    static func main() async {
        // Swift concurrency's jobs run on NIO's event loops, so a request is parsed, answered
        // and written on one thread, without hopping to the global pool and back.
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        LoggingSystem.bootstrap(JSONLineLogHandler.init)
        do {
            var command = try parseAsRoot()
            if var command = command as? AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
            JSONLineLogHandler.flush()
        } catch {
            JSONLineLogHandler.flush()
            exit(withError: error)
        }
    }
}
