import Foundation
import Hummingbird
import LiaisonCore
import LiaisonStore

/// Merchant hot spots for staff: `GET /v1/merchants/hotspots?county=&from=&to=&min=&limit=&offset=`.
/// County tokens see their county only (the default when none is named).
struct MerchantsController {
    let reports: any ReportStore

    var endpoints: [Endpoint] {
        [.get("/v1/merchants/hotspots", access: .staff, list)]
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let staff = try context.authenticated()
        var reader = QueryReader(request, allowed: ["county", "from", "to", "min", "limit", "offset"])
        var query: MerchantHotspots.Query?
        do {
            query = try MerchantHotspots.query(county: reader.string("county"), from: reader.string("from"), to: reader.string("to"),
                                               min: reader.string("min"), limit: reader.string("limit"), offset: reader.string("offset"),
                                               now: Date(), in: reports.finder.snapshot)
        } catch {
            error.parameters.forEach { reader.add($0) }
        }
        try reader.check()
        guard let query else { throw Problem.notFound("no query") }
        let reports = self.reports
        let page = try await ReportGate.shared.run { try reports.hotspots(query, for: staff) }
        return try JSONResponse.encoding(page, for: request)
    }
}
