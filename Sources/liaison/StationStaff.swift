import ArgumentParser
import LiaisonCore
import LiaisonStore

extension Liaison.Stations {
    /// One staff member at a time, by the id reads show (`s2`): the others stay as stored,
    /// their mobiles included. The same writes as `/v1/stations/{id}/staff`.
    struct Staff: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "staff",
            abstract: "Add, edit or remove one staff member of a station by id.",
            subcommands: [Add.self, Edit.self, Remove.self])

        /// The member's fields as flags, named as the API names them.
        struct MemberOptions: ParsableArguments {
            @Option(help: "The member's name.") var name: String?
            @Option(help: "The member's role, e.g. 站长, 调解员, 联络员.") var role: String?
            @Option(help: "The member's mobile (11 digits, optionally +86).") var mobile: String?

            var fields: [String: Any] {
                var fields: [String: Any] = [:]
                fields["name"] = name
                fields["role"] = role
                fields["mobile"] = mobile
                return fields
            }

            /// Bad fields named as the flags that gave them.
            static let flags = ["name": "--name", "role": "--role", "mobile": "--mobile"]
        }

        struct Added: Encodable {
            let id: String
            let station: StationDetail
        }

        struct Add: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "add", abstract: "Add a staff member; prints the new member's id and the station (as POST /v1/stations/{id}/staff).")
            @Argument(help: "The station id.") var id: String
            @OptionGroup var member: MemberOptions
            @Flag(help: "The mobile is another active station's staff mobile, and that is intended.") var allowDuplicate = false
            @OptionGroup var store: StoreOptions

            func validate() throws {
                let missing = ["--name": member.name, "--role": member.role, "--mobile": member.mobile].filter { $0.value == nil }.keys.sorted()
                guard missing.isEmpty else { throw ValidationError("\(missing.joined(separator: ", ")): required for a new member") }
            }

            func run() throws {
                let registry = try store.registry()
                var fields = member.fields
                if allowDuplicate { fields["allow_duplicate"] = true }
                let added = try storeCall(flags: MemberOptions.flags) {
                    try registry.addStaff(stationID: id, member: fields, by: cliActor(), precondition: nil)
                }
                let snapshot = registry.finder.snapshot
                try printJSON(Added(id: added.staffID, station: StationDetail(added.station, counties: snapshot.counties, rating: snapshot.ratings[added.station.id])))
            }
        }

        struct Edit: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "edit", abstract: "Change a staff member's name, role or mobile; the fields not given stay (as PATCH /v1/stations/{id}/staff/{staff_id}).")
            @Argument(help: "The station id.") var id: String
            @Argument(help: "The member's id, e.g. s2 (stations show lists them).") var staffID: String
            @OptionGroup var member: MemberOptions
            @Flag(help: "The mobile is another active station's staff mobile, and that is intended.") var allowDuplicate = false
            @OptionGroup var store: StoreOptions

            func validate() throws {
                guard !member.fields.isEmpty else { throw ValidationError("nothing to change: give one or more of --name, --role and --mobile") }
            }

            func run() throws {
                let registry = try store.registry()
                var fields = member.fields
                if allowDuplicate { fields["allow_duplicate"] = true }
                let station = try storeCall(flags: MemberOptions.flags) {
                    try registry.editStaff(stationID: id, staffID: staffID, fields: fields, by: cliActor(), precondition: nil)
                }
                try printJSON(StationDetail(station, counties: registry.finder.snapshot.counties, rating: registry.finder.snapshot.ratings[station.id]))
            }
        }

        struct Remove: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "remove", abstract: "Remove a staff member (not the station's only one), as DELETE /v1/stations/{id}/staff/{staff_id}.")
            @Argument(help: "The station id.") var id: String
            @Argument(help: "The member's id, e.g. s2.") var staffID: String
            @OptionGroup var store: StoreOptions

            func run() throws {
                let registry = try store.registry()
                let station = try storeCall { try registry.removeStaff(stationID: id, staffID: staffID, by: cliActor(), precondition: nil) }
                try printJSON(StationDetail(station, counties: registry.finder.snapshot.counties, rating: registry.finder.snapshot.ratings[station.id]))
            }
        }
    }
}
