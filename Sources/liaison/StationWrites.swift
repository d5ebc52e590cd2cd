import ArgumentParser
import Foundation
import LiaisonCore
import LiaisonStore

/// The CLI writes as an admin named after the operator's account (the file's permissions are its access control).
func cliActor() -> StaffToken {
    StaffToken(name: "cli:" + (ProcessInfo.processInfo.environment["USER"] ?? "unknown"), role: .admin)
}

/// The JSON object in `path` (`-` for stdin).
func readObject(_ path: String) throws -> [String: Any] {
    let data = path == "-" ? FileHandle.standardInput.readDataToEndOfFile() : FileManager.default.contents(atPath: path)
    guard let data else { throw lateUsageError("--file: cannot read \(path): expected a readable JSON file, or - for stdin") }
    do {
        return try StationDraft.object(from: data)
    } catch {
        throw lateUsageError("--file: \(path) is \(error.parameters[0].reason)")
    }
}

extension Liaison.Stations {
    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Register a new station from a JSON draft (the body POST /v1/stations takes).",
            discussion: "The id is assigned (ADCODE-NNNN, next in the county). Prints the new record.")
        @Option(help: "The JSON draft, or - for stdin.") var file: String
        @OptionGroup var store: StoreOptions

        func run() throws {
            let registry = try store.registry()
            let object = try readObject(file)
            let station = try storeCall { try registry.create(object, by: cliActor()) }
            try printJSON(StationDetail(station, counties: registry.finder.snapshot.counties, rating: registry.finder.snapshot.ratings[station.id]))
        }
    }

    struct Update: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "update", abstract: "Change a station with a JSON merge patch (RFC 7396), as PATCH /v1/stations/{id}.")
        @Argument(help: "The station id.") var id: String
        @Option(help: "The JSON merge patch, or - for stdin.") var file: String
        @OptionGroup var store: StoreOptions

        func run() throws {
            let registry = try store.registry()
            let patch = try readObject(file)
            let station = try storeCall { try registry.update(id: id, patch: patch, by: cliActor(), precondition: nil) }
            try printJSON(StationDetail(station, counties: registry.finder.snapshot.counties, rating: registry.finder.snapshot.ratings[station.id]))
        }
    }

    struct Retire: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "retire", abstract: "Retire a station (it stays in the register, with its history).")
        @Argument(help: "The station id.") var id: String
        @Option(help: "Why (1 to 500 characters).") var reason: String
        @Flag(help: "Also move the station's complaints that are in mediation or have a confirmed session (without it, such complaints stop the retirement).")
        var force = false
        @OptionGroup var store: StoreOptions

        func run() throws {
            let registry = try store.registry()
            let retired = try storeCall { try registry.retire(id: id, reason: reason, force: force, by: cliActor(), precondition: nil) }
            print("\(retired.station.id) retired" + (retired.handedOver.isEmpty ? "" :
                "; its open complaints went to the stations the assignment policy picked: \(retired.handedOver.joined(separator: ", "))"))
        }
    }

    struct History: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "history", abstract: "Every recorded change of a station: who, when, before and after.")
        @Argument(help: "The station id.") var id: String
        @Option(help: "table or json.") var format = OutputFormat.table
        @OptionGroup var store: StoreOptions

        func run() throws {
            let registry = try store.registry()
            let entries: [StationHistoryEntry]
            do {
                entries = try registry.history(id: id)
            } catch let error as NotFound {
                throw notFound(error.description)
            }
            switch format {
            case .json: try printJSON(entries)
            case .table:
                print(Table.render(["#", "AT", "ACTOR", "ACTION", "REASON"], entries.map { ["\($0.seq)", $0.at, $0.actor, $0.action, $0.reason ?? ""] }))
            }
        }
    }
}
