import Geodesy
import Foundation
import Hummingbird
import LiaisonCore
import LiaisonStore

/// `/v1/stations`: nearest stations, stations in a map view, one station.
struct StationsController {
    let finder: StationFinder
    /// For `include=assignment` (intake's decision) and `include=hours` (the working calendar).
    let complaints: any ConsumerComplaintStore
    /// The instant `open_now` is answered for.
    var now: @Sendable () -> Date = { Date() }

    var endpoints: [Endpoint] {
        [.get("/v1/stations/nearest", nearest), .get("/v1/stations", list), .get("/v1/stations/{id}", detail)]
    }

    static let coordsysAllowed = "one of \(CoordinateSystem.allowedNames)"

    /// `GET /v1/stations/nearest?lat&lng&limit&coordsys&mode&county&radius_km`: the same JSON as `liaison nearest --format json`.
    @Sendable func nearest(_ request: Request, context: AppRequestContext) async throws -> Response {
        var q = QueryReader(request, allowed: ["lat", "lng", "limit", "coordsys", "mode", "county", "radius_km", "include"])
        let include = Include.read(&q, allowed: [.rating, .hours, .assignment])
        let lat = q.double("lat", required: true, allowed: "a number of degrees from -90 to 90")
        let lng = q.double("lng", required: true, allowed: "a number of degrees from -180 to 180")
        let limit = q.integer("limit", allowed: "an integer from 1 to \(NearestQuery.maxLimit)")
        let radius = q.double("radius_km", allowed: "a number of kilometres greater than 0 and at most 1000")
        let snapshot = finder.snapshot
        var query: NearestQuery?
        do {
            // Placeholders stand in for unparsable coordinates so every other field is still checked.
            query = try NearestQuery.validated(
                latitude: lat ?? 0, longitude: lng ?? 0, coordsys: q.string("coordsys"), limit: limit,
                mode: q.string("mode"), county: q.string("county"), radiusKilometers: radius, counties: snapshot.counties)
        } catch {
            error.parameters.forEach { q.add($0) }
        }
        try q.check()
        guard let query else { throw Problem.invalid(InvalidInput(name: "lat", reason: "is required")) }
        let results = snapshot.nearest(query)
        var response = NearestResponse(query: query, results: results, counties: snapshot.counties,
                                       ratings: include.contains(.rating) ? snapshot.ratings : nil)
        if include.contains(.hours) {
            let (instant, calendar) = (now(), complaints.clock.calendar)
            for i in response.stations.indices { response.stations[i].addHours(of: results[i].station, at: instant, calendar: calendar) }
        }
        if include.contains(.assignment) {
            // Without `mode`, for offline mediation: the mode every complaint can end in.
            // Off the event loop: the store blocks (see AssignmentPreviewController.preview).
            let point = query.wgs84, mode = query.mode ?? .offline
            let choice = try await blocking { try self.intakeChoice(at: point, mode: mode) }
            response.assignment = choice
            for i in response.stations.indices { response.stations[i].intake_choice = response.stations[i].id == choice.station_id }
        }
        return JSONResponse.make(response.json(), for: request)
    }

    struct ListResponse: Encodable {
        let bbox: [Double]?
        let coordsys: CoordinateSystem
        let count: Int
        let stations: [StationSummary]
        /// Pass as `cursor` for the next page; absent on the last page.
        let next_cursor: String?
    }

    static let maxListLimit = 500

    /// `GET /v1/stations?bbox&coordsys&mode&county&status&limit&cursor`: stations in a map view (active unless
    /// `status=retired`), by id, paginated.
    @Sendable func list(_ request: Request, context: AppRequestContext) throws -> Response {
        var q = QueryReader(request, allowed: ["bbox", "coordsys", "mode", "county", "status", "limit", "cursor", "include"])
        let include = Include.read(&q, allowed: [.hours])
        let snapshot = finder.snapshot
        var box = BoundingBox(minLongitude: -180, minLatitude: -90, maxLongitude: 180, maxLatitude: 90)
        if let text = q.string("bbox") {
            do { box = try BoundingBox.parse(text) } catch { error.parameters.forEach { q.add($0) } }
        }
        let parsedSystem = CoordinateSystem(rawValue: q.string("coordsys") ?? "wgs84")
        if parsedSystem == nil {
            q.add(InvalidParameter(name: "coordsys", reason: "unknown coordinate system \"\(q.string("coordsys") ?? "")\": expected \(Self.coordsysAllowed)"))
        }
        let mode = q.string("mode").map { MediationMode(rawValue: $0) }
        if case .some(.none) = mode {
            q.add(InvalidParameter(name: "mode", reason: "unknown mode \"\(q.string("mode") ?? "")\": expected one of \(MediationMode.allowedNames)"))
        }
        let status = StationStatus(rawValue: q.string("status") ?? "active")
        if status == nil {
            q.add(InvalidParameter(name: "status", reason: "unknown status \"\(q.string("status") ?? "")\": expected active or retired"))
        }
        let county = q.string("county")
        if let county, snapshot.counties.county(code: county) == nil {
            q.add(InvalidParameter(name: "county", reason: snapshot.counties.unknown(county)))
        }
        let limit = q.integer("limit", allowed: "an integer from 1 to \(Self.maxListLimit)") ?? 100
        if !(1...Self.maxListLimit).contains(limit) {
            q.add(InvalidParameter(name: "limit", reason: "\(limit) is out of range: expected an integer from 1 to \(Self.maxListLimit)"))
        }
        var after: String?
        if let cursor = q.string("cursor") {
            after = Cursor.decode(cursor)
            if after == nil { q.add(InvalidParameter(name: "cursor", reason: "not a cursor this API issued: pass next_cursor from a previous page unchanged")) }
        }
        try q.check()
        let system = parsedSystem ?? .wgs84
        let page = snapshot.stations(in: box, system: system, mode: mode ?? nil, countyCode: county, status: status ?? .active, after: after, limit: limit)
        let (instant, calendar) = (now(), complaints.clock.calendar)
        let body = ListResponse(
            bbox: q.string("bbox") == nil ? nil : box.array, coordsys: system, count: page.stations.count,
            stations: page.stations.map { station in
                var summary = StationSummary(station, counties: snapshot.counties, coordinateSystem: system)
                if include.contains(.hours) { summary.addHours(of: station, at: instant, calendar: calendar) }
                return summary
            },
            next_cursor: page.more ? page.stations.last.map { Cursor.encode($0.id) } : nil)
        return try JSONResponse.encoding(body, for: request)
    }

    /// `GET /v1/stations/{id}?coordsys`: one station's public record.
    @Sendable func detail(_ request: Request, context: AppRequestContext) throws -> Response {
        var q = QueryReader(request, allowed: ["coordsys"])
        let system = CoordinateSystem(rawValue: q.string("coordsys") ?? "wgs84")
        if system == nil {
            q.add(InvalidParameter(name: "coordsys", reason: "unknown coordinate system \"\(q.string("coordsys") ?? "")\": expected \(Self.coordsysAllowed)"))
        }
        try q.check()
        let id = context.path("id")
        let snapshot = finder.snapshot
        guard let station = snapshot.station(id: id) else { throw Problem.notFound("no station with id \(id)") }
        return try JSONResponse.encoding(StationDetail(station, counties: snapshot.counties, coordinateSystem: system ?? .wgs84,
                                                       rating: snapshot.ratings[station.id]), for: request)
    }
}

extension StationsController {
    /// Where intake would send a complaint filed at `point` (WGS-84) in `mode` now; outside the
    /// service area, no station and the reason intake would refuse it with.
    func intakeChoice(at point: Coordinate, mode: MediationMode) throws -> NearestResponse.IntakeChoice {
        let preview: AssignmentPreview
        do {
            preview = try complaints.previewAssignment(at: point, mode: mode)
        } catch let outside as OutsideServiceArea {
            return .init(station_id: nil, distance_m: nil, mode: nil, reason: outside.description)
        }
        guard let chosen = preview.decision.assignment else {
            return .init(station_id: nil, distance_m: nil, mode: nil, reason: preview.waitingReason ?? "")
        }
        return .init(station_id: chosen.station.id, distance_m: rounded(chosen.distanceMeters, 2), mode: chosen.mode, reason: chosen.reason)
    }
}

/// The `include` parameter of station answers: a comma-separated list of extras, each named
/// once (`include=hours,rating`). One parser, one message.
enum Include: String, CaseIterable {
    case rating, hours, assignment

    static func read(_ q: inout QueryReader, allowed: [Include]) -> Set<Include> {
        guard let text = q.string("include") else { return [] }
        var found: Set<Include> = []
        for name in text.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            guard let item = Include(rawValue: name), allowed.contains(item) else {
                q.add(InvalidParameter(name: "include", reason: "\"\(name)\" is not allowed: expected a comma-separated list of \(allowed.map(\.rawValue).joined(separator: ", "))"))
                return []
            }
            found.insert(item)
        }
        return found
    }
}

/// Opaque page cursors: the last id of the previous page, base64url-encoded.
enum Cursor {
    static func encode(_ id: String) -> String {
        Base64URL.encode(Array(("after:" + id).utf8))
    }

    static func decode(_ cursor: String) -> String? {
        guard cursor.count <= 64, let data = Base64URL.decode(cursor), let text = String(data: data, encoding: .utf8),
              text.hasPrefix("after:") else { return nil }
        let id = String(text.dropFirst(6))
        return id.isEmpty ? nil : id
    }
}
