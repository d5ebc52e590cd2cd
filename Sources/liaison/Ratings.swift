import ArgumentParser
import Foundation
import LiaisonCore
import LiaisonStore

extension Liaison {
    struct Ratings: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ratings",
            abstract: "Station star ratings from the KPIs (formula in geodata/service-levels.json, see the README).",
            subcommands: [Compute.self, List.self, History.self])

        static func make(_ store: StoreOptions) throws -> any ReportStore {
            try store.services().reports
        }

        struct Compute: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "compute",
                abstract: "Rate every active station now (the watch of `liaison serve` does this once a day).")
            @Option(help: "table or json.") var format = OutputFormat.table
            @OptionGroup var store: StoreOptions

            func run() throws {
                let summary = try Ratings.make(store).rateStations(now: Date())
                switch format {
                case .json: try printJSON(summary)
                case .table:
                    print("rated \(summary.rated) of \(summary.stations) active stations over \(summary.window_from) to \(summary.window_to); \(summary.changed) ratings changed")
                }
            }
        }

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(commandName: "list", abstract: "Stations by rating: most stars first, not yet rated last.")
            @Option(help: "Only this county's stations (adcode, e.g. 330106).") var county: String?
            @Option(help: "At most this many (1 to 500).") var limit = 100
            @Option(help: "Skip this many (for the next page).") var offset = 0
            @Option(help: "table or json.") var format = OutputFormat.table
            @OptionGroup var store: StoreOptions

            func validate() throws {
                guard (1...StationRatings.maxLimit).contains(limit) else { throw ValidationError("--limit: \(limit) is out of range: expected 1 to \(StationRatings.maxLimit)") }
                guard offset >= 0 else { throw ValidationError("--offset: \(offset) is negative: expected 0 or more") }
            }

            func run() throws {
                let ratings = try Ratings.make(store)
                if let county, ratings.finder.snapshot.counties.county(code: county) == nil {
                    throw ValidationError("--county: " + ratings.finder.snapshot.counties.unknown(county))
                }
                let page = ratings.ratings(countyCode: county, limit: limit, offset: offset)
                switch format {
                case .json: try printJSON(page)
                case .table:
                    print(Table.render(["STATION", "NAME", "STARS", "SCORE", "COMPLAINTS", "ANSWERED 24H", "RESOLVED", "SATISFIED"], page.stations.map { e in
                        let r = e.rating
                        func share(_ s: StationRating.Share?) -> String { s.map { "\($0.met)/\($0.of)" } ?? "-" }
                        return [e.id, e.name, r?.stars.map { String(repeating: "★", count: $0) } ?? (r == nil ? "never computed" : "not yet rated"),
                                r?.score.map { String(format: "%.1f", $0) } ?? "-", r.map { "\($0.complaints)" } ?? "-",
                                share(r?.answered_within_24h), share(r?.resolution_rate), share(r?.satisfaction_rate)]
                    }, rightAligned: [3, 4, 5, 6, 7]))
                    if let next = page.next_offset { print("more: --offset \(next)") }
                }
            }
        }

        struct History: ParsableCommand {
            static let configuration = CommandConfiguration(commandName: "history", abstract: "A station's ratings, each time its inputs changed, newest first.")
            @Argument(help: "Station id, e.g. 330106-0001.") var id: String
            @Option(help: "table or json.") var format = OutputFormat.table
            @OptionGroup var store: StoreOptions

            func run() throws {
                let history = try storeCall { try Ratings.make(store).ratingHistory(stationID: id) }
                switch format {
                case .json: try printJSON(history)
                case .table:
                    print(Table.render(["COMPUTED", "STARS", "SCORE", "COMPLAINTS", "ANSWERED 24H", "RESOLVED", "SATISFIED"], history.map { r in
                        [r.computed_at, r.stars.map { "\($0)" } ?? "not yet rated", r.score.map { String(format: "%.1f", $0) } ?? "-", "\(r.complaints)",
                         "\(r.answered_within_24h.met)/\(r.answered_within_24h.of)", "\(r.resolution_rate.met)/\(r.resolution_rate.of)",
                         "\(r.satisfaction_rate.met)/\(r.satisfaction_rate.of)"]
                    }, rightAligned: [2, 3]))
                }
            }
        }
    }
}
