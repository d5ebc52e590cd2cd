import Foundation
import HTTPTypes
import Hummingbird
import LiaisonCore
import LiaisonStore

/// The service-level KPIs for staff: `GET /v1/stats?county=&city=&station=&from=&to=`.
/// County tokens see their county only (the default when none is named).
struct StatsController {
    let reports: any ReportStore

    static let parameters: Set<String> = ["county", "city", "station", "from", "to"]

    var endpoints: [Endpoint] {
        [.get("/v1/stats", access: .staff, show)]
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        var query = QueryReader(request, allowed: Self.parameters)
        var filter = ComplaintStats.Filter()
        do {
            filter = try ComplaintStats.filter(county: query.string("county"), city: query.string("city"), station: query.string("station"),
                                               from: query.string("from"), to: query.string("to"), in: reports.finder.snapshot)
        } catch {
            error.parameters.forEach { query.add($0) }
        }
        try query.check()
        let staff = try context.authenticated()
        let reports = self.reports, requested = filter
        let report = try await ReportGate.shared.run { try reports.kpis(requested, for: staff, now: Date()) }
        // Counts move with every complaint and every passing deadline.
        return try JSONResponse.encoding(report, status: .ok, headers: JSONResponse.noStore)
    }
}
