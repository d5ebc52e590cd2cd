import ArgumentParser
import Foundation
import LiaisonCore
import LiaisonStore

extension Liaison {
    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "stats",
            abstract: "The service-level KPIs of the complaints submitted in a period (as GET /v1/stats).",
            discussion: """
                Shares are met/of: dispatched and answered by their deadlines (2 h and 24 h as shipped), \
                accepted within 7 working days, resolved of resolved + failed, satisfied (4 or 5) of those \
                with feedback; plus the median hours to resolution and the complaints overdue now. \
                See the README's KPIs section for the exact definitions.
                """)
        @Option(help: "Only complaints from this county (adcode, e.g. 330106).") var county: String?
        @Option(help: "Only complaints from this city's counties (adcode, e.g. 330100).") var city: String?
        @Option(help: "Only complaints held by this station (id, e.g. 330106-0001).") var station: String?
        @Option(help: "Submitted from: YYYY-MM-DD (00:00 Asia/Shanghai) or RFC 3339; inclusive.") var from: String?
        @Option(help: "Submitted before: YYYY-MM-DD or RFC 3339; exclusive (--to 2026-04-01 ends with 31 March).") var to: String?
        @Option(help: "table or json.") var format = OutputFormat.table
        @OptionGroup var store: StoreOptions

        static let flags = ["county": "--county", "city": "--city", "station": "--station", "from": "--from", "to": "--to"]

        func run() throws {
            let reports = try store.services().reports
            let filter = try storeCall(flags: Self.flags) {
                try ComplaintStats.filter(county: county, city: city, station: station, from: from, to: to, in: reports.finder.snapshot)
            }
            let report = try reports.kpis(filter, for: nil, now: Date())
            switch format {
            case .json: try printJSON(report)
            case .table: print(Self.table(report))
            }
        }

        /// One line for the totals, then one per city, county and station.
        static func table(_ r: ComplaintStats.Report) -> String {
            func share(_ s: ComplaintStats.Report.Share) -> String {
                s.share.map { String(format: "%.1f%% (%d/%d)", $0 * 100, s.met, s.of) } ?? "- (0/0)"
            }
            func row(_ level: String, _ code: String, _ name: String, _ m: ComplaintStats.Report.Metrics) -> [String] {
                [level, code, name, "\(m.complaints)", share(m.dispatch.counted), share(m.response.counted), share(m.acceptance.counted),
                 share(m.resolution), m.medianHoursToResolution.map { String(format: "%.2f", $0) } ?? "-", share(m.satisfaction), "\(m.overdue)"]
            }
            var rows = [row("total", "", "", r.totals)]
            rows += r.byCity.map { row("city", $0.code, $0.name, $0.metrics) }
            rows += r.byCounty.map { row("county", $0.code, $0.name, $0.metrics) }
            rows += r.byStation.map { row("station", $0.code, $0.name, $0.metrics) }
            let f = r.filter
            let period = "submitted " + (f.from.map { "from \(ShanghaiTime.string($0))" } ?? "since the start")
                + (f.to.map { " before \(ShanghaiTime.string($0))" } ?? " until now")
            let scope = [f.countyCode.map { "county \($0)" }, f.cityCode.map { "city \($0)" }, f.stationID.map { "station \($0)" }].compactMap { $0 }
            var lines = ["KPIs as of \(ShanghaiTime.string(r.asOf)), complaints \(period)" + (scope.isEmpty ? "" : ", " + scope.joined(separator: ", "))]
            lines.append(Table.render(["LEVEL", "CODE", "NAME", "COMPLAINTS", "DISPATCHED ON TIME", "ANSWERED ON TIME", "ACCEPTED ON TIME",
                                       "RESOLVED", "MEDIAN H", "SATISFIED", "OVERDUE"], rows, rightAligned: [3, 8, 10]))
            // The other tracks, per group.
            func tracks(_ level: String, _ code: String, _ name: String, _ m: ComplaintStats.Report.Metrics) -> [String] {
                let t = m.directTrain
                return [level, code, name, "\(t.sent)", share(t.self_settlement_rate), "\(t.declined)/\(t.timed_out)/\(t.rejected)", share(m.urgent.counted),
                        share(m.reviews.reviewed), "\(m.reviews.upheld)/\(m.reviews.reopened)/\(m.reviews.open)", "\(m.courtHandoffs)",
                        "\(m.returnVisits.done)/\(m.returnVisits.queued)"]
            }
            var trackRows = [tracks("total", "", "", r.totals)]
            trackRows += r.byCity.map { tracks("city", $0.code, $0.name, $0.metrics) }
            trackRows += r.byCounty.map { tracks("county", $0.code, $0.name, $0.metrics) }
            lines.append("")
            lines.append(Table.render(["LEVEL", "CODE", "NAME", "TO ENTERPRISES", "SELF-SETTLED", "DECL/TIMEOUT/REJ", "URGENT IN 24H",
                                       "REVIEWED", "UPHELD/REOPENED/OPEN", "TO COURT", "VISITS DONE"], trackRows, rightAligned: [3, 9]))
            if !r.byEnterprise.isEmpty {
                lines.append("")
                lines.append(Table.render(["ENTERPRISE", "NAME", "SENT", "PENDING", "SELF-SETTLED", "DECLINED", "TIMED OUT", "REJECTED", "RECALLED", "WITHDRAWN"],
                                          r.byEnterprise.map { e in
                                              let t = e.direct_train
                                              return [e.credit_code, e.name, "\(t.sent)", "\(t.pending)", share(t.self_settlement_rate), "\(t.declined)",
                                                      "\(t.timed_out)", "\(t.rejected)", "\(t.recalled)", "\(t.withdrawn)"]
                                          }, rightAligned: [2, 3, 5, 6, 7, 8, 9]))
            }
            let provisional = r.totals.acceptance.provisional
            if provisional > 0 {
                lines.append("\(provisional) of ACCEPTED ON TIME are judged on provisional deadlines (counted by the law alone: no official schedule for their year yet).")
            }
            let excluded = r.totals.acceptance.excludedNoDeadline
            if excluded > 0 {
                lines.append("\(excluded) complaints have no acceptance deadline (the working-day calendar does not reach it) and are left out of ACCEPTED ON TIME.")
            }
            return lines.joined(separator: "\n")
        }
    }
}
