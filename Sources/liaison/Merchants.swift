import ArgumentParser
import Foundation
import LiaisonCore
import LiaisonStore

extension Liaison {
    struct Merchants: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "merchants",
            abstract: "Merchants complained about: hot spots by county and period.",
            subcommands: [Hotspots.self])

        struct Hotspots: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "hotspots",
                abstract: "The merchants with the most complaints in a county and period (as GET /v1/merchants/hotspots).",
                discussion: """
                    Complaints about one merchant share a case: the same unified social credit code, or the same \
                    name (ignoring spaces, punctuation and full-width forms) within 200 m. A repeat is a \
                    consumer's complaint about a merchant they complained about within 30 days.
                    """)
            @Option(help: "Only complaints from this county (adcode, e.g. 330106); default the whole province.") var county: String?
            @Option(help: "Submitted from: YYYY-MM-DD (00:00 Asia/Shanghai) or RFC 3339; alone: the 30 days from it; default 30 days before --to.") var from: String?
            @Option(help: "Submitted before: YYYY-MM-DD or RFC 3339; default now. At most 366 days after --from.") var to: String?
            @Option(help: "Only merchants with at least this many complaints in the period (1 to 10000).") var min: String?
            @Option(help: "At most this many merchants (1 to 200).") var limit: String?
            @Option(help: "Skip this many (for the next page).") var offset: String?
            @Option(help: "table or json.") var format = OutputFormat.table
            @OptionGroup var store: StoreOptions

            static let flags = ["county": "--county", "from": "--from", "to": "--to", "min": "--min", "limit": "--limit", "offset": "--offset"]

            func run() throws {
                let reports = try store.services().reports
                let query = try storeCall(flags: Self.flags) {
                    try MerchantHotspots.query(county: county, from: from, to: to, min: min, limit: limit, offset: offset, now: Date(),
                                               in: reports.finder.snapshot)
                }
                let page = try reports.hotspots(query, for: nil)
                switch format {
                case .json: try printJSON(page)
                case .table:
                    print("Merchant hot spots, complaints submitted from \(page.from) before \(page.to)" + (page.county.map { ", county \($0)" } ?? "")
                          + ", at least \(page.min_complaints) each")
                    let rows = page.hotspots.map { h in
                        ["\(h.case_id)", h.merchant_name, h.merchant_code ?? "-", h.county_name, "\(h.complaints)", "\(h.consumers)", "\(h.repeats)",
                         h.categories.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")]
                    }
                    print(Table.render(["CASE", "MERCHANT", "CODE", "COUNTY", "COMPLAINTS", "CONSUMERS", "REPEATS", "CATEGORIES"], rows, rightAligned: [0, 4, 5, 6]))
                    if let next = page.next_offset { print("more: --offset \(next)") }
                }
            }
        }
    }
}
