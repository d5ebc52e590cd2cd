import Geodesy
import Hummingbird
import LiaisonCore

/// `GET /v1/regions/lookup?lat&lng&coordsys`: the county and city of a point.
struct RegionsController {
    let finder: StationFinder

    var endpoints: [Endpoint] { [.get("/v1/regions/lookup", lookup)] }

    @Sendable func lookup(_ request: Request, context: AppRequestContext) throws -> Response {
        var q = QueryReader(request, allowed: ["lat", "lng", "coordsys"])
        let lat = q.double("lat", required: true, allowed: "a number of degrees from -90 to 90")
        let lng = q.double("lng", required: true, allowed: "a number of degrees from -180 to 180")
        let system = CoordinateSystem(rawValue: q.string("coordsys") ?? "wgs84")
        if system == nil {
            q.add(InvalidParameter(name: "coordsys", reason: "unknown coordinate system \"\(q.string("coordsys") ?? "")\": expected one of \(CoordinateSystem.allowedNames)"))
        }
        var point: Coordinate?
        if let lat, let lng {
            do { point = try Coordinate.validated(latitude: lat, longitude: lng) } catch {
                q.add(InvalidParameter(name: error.field, reason: "\(error.value) is out of range: expected \(error.allowed)"))
            }
        }
        try q.check()
        guard let point, let system else { throw Problem.invalid(InvalidInput(name: "lat", reason: "is required")) }
        return try JSONResponse.encoding(RegionLookup(point: point, coordinateSystem: system, counties: finder.snapshot.counties), for: request)
    }
}
