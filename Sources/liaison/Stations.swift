import ArgumentParser
import LiaisonCore

extension Liaison {
    struct Stations: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "stations",
            abstract: "Look at the station register.",
            subcommands: [Show.self, List.self, Add.self, Update.self, Retire.self, History.self, Staff.self])

        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(commandName: "show", abstract: "One station's full record (staff mobiles masked).")

            @Argument(help: "The station id, e.g. 330127-0012.") var id: String
            @Option(help: "table or json.") var format = OutputFormat.table
            @OptionGroup var store: StoreOptions

            func run() throws {
                let snapshot = try store.snapshot()
                guard let station = snapshot.station(id: id) else { throw notFound("no station with id \(id)") }
                let detail = StationDetail(station, counties: snapshot.counties, rating: snapshot.ratings[station.id])
                switch format {
                case .json: try printJSON(detail)
                case .table: print(Table.detail(detail))
                }
            }
        }

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(commandName: "list", abstract: "Stations, by id; optionally of one county.")

            @Option(help: "Only stations in this county (6-digit adcode).") var county: String?
            @Option(help: "table or json.") var format = OutputFormat.table
            @OptionGroup var store: StoreOptions

            func validate() throws {
                if let county, !Adcode.isCounty(county) {
                    throw ValidationError("--county: \"\(county)\" is not a county adcode: expected 6 digits like 330106")
                }
            }

            func run() throws {
                let snapshot = try store.snapshot()
                if let county, snapshot.counties.county(code: county) == nil {
                    throw lateUsageError("--county: " + snapshot.counties.unknown(county))
                }
                let details = snapshot.stations.filter { county == nil || $0.countyCode == county }
                    .map { StationDetail($0, counties: snapshot.counties, rating: snapshot.ratings[$0.id]) }
                switch format {
                case .json: try printJSON(details)
                case .table: print(Table.list(details))
                }
            }
        }
    }
}
