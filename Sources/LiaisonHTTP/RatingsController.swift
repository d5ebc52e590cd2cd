import Foundation
import Hummingbird
import LiaisonCore
import LiaisonStore

/// Stations by star rating for staff: `GET /v1/ratings?county=&limit=&offset=`, most stars
/// first, not yet rated last. County tokens see their county (the default); admins any county
/// or the whole province.
struct RatingsController {
    let reports: any ReportStore

    var endpoints: [Endpoint] {
        [.get("/v1/ratings", access: .staff, list)]
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let staff = try context.authenticated()
        var q = QueryReader(request, allowed: ["county", "limit", "offset"])
        var county = q.string("county")
        let limit = q.integer("limit", allowed: "an integer from 1 to \(StationRatings.maxLimit)") ?? 100
        let offset = q.integer("offset", allowed: "an integer from 0 to 100000") ?? 0
        if !(1...StationRatings.maxLimit).contains(limit) {
            q.add(InvalidParameter(name: "limit", reason: "\(limit) is not allowed: expected an integer from 1 to \(StationRatings.maxLimit)"))
        }
        if !(0...100_000).contains(offset) {
            q.add(InvalidParameter(name: "offset", reason: "\(offset) is not allowed: expected an integer from 0 to 100000"))
        }
        if let code = county, reports.finder.snapshot.counties.county(code: code) == nil {
            q.add(InvalidParameter(name: "county", reason: reports.finder.snapshot.counties.unknown(code)))
        }
        try q.check()
        if case .county(let own) = staff.role {
            guard county == nil || county == own else {
                throw Problem(status: .forbidden, kind: "forbidden", title: "Forbidden",
                              detail: "token \(staff.name) (\(staff.role)) may not list the ratings of county \(county ?? ""): only of \(own)")
            }
            county = own
        }
        return try JSONResponse.encoding(reports.ratings(countyCode: county, limit: limit, offset: offset), for: request)
    }
}
