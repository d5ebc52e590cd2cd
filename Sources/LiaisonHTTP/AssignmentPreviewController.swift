import Foundation
import Geodesy
import Hummingbird
import LiaisonCore
import LiaisonStore

/// `/v1/assignment-preview`: which station a complaint filed at a point now would go to, and
/// why, without filing it. The answer is intake's own decision (``ComplaintDesk/previewAssignment(at:mode:)``
/// calls what intake's dispatch calls), so the two cannot drift; a complaint filed a moment
/// later may still differ when a station fills up or the register changes in between. A point
/// outside the service area is answered (200, `outcome: refused`), not refused: the question is valid.
struct AssignmentPreviewController {
    let complaints: any ConsumerComplaintStore

    var endpoints: [Endpoint] {
        [.get("/v1/assignment-preview", preview)]
    }

    struct Body: Encodable {
        struct Query: Encodable {
            let input: NearestResponse.Point
            let wgs84: NearestResponse.Point
            let mode: MediationMode
            /// The county that would serve the complaint; absent outside the service area.
            let county_code: String?
            let county_name: String?
        }

        struct StationRef: Encodable {
            let id: String
            let name: String
            let county_code: String
            let county_name: String
            let address: String
            let phone: String
            let modes: [MediationMode]
            let status: StationStatus
            /// In the caller's coordinate system.
            let location: NearestResponse.Point
            /// Geodesic metres from the point, rounded to 0.01 m.
            let distance_m: Double
        }

        struct Passed: Encodable {
            let station: StationRef
            /// `other_county`, `mode_not_offered`, `at_capacity`, `retired`, `refused`, `out_of_reach`.
            let reason: String
            let detail: String
        }

        let query: Query
        /// `assigned` (to ``station``), `waiting` (no station has room: staff dispatch it later) or
        /// `refused` (outside the service area: intake would answer 422).
        let outcome: String
        /// Absent when no station would take it now: it would wait for staff to dispatch.
        let station: StationRef?
        /// The mode it would be mediated in (offline when no video station has room).
        let mode: MediationMode?
        /// Why, in the words the complaint's `assignment_reason` would use.
        let reason: String
        /// The stations nearer than the chosen one, nearest first (at most 10), each with why it was not taken.
        let passed_over: [Passed]
        /// The register version the decision was made against.
        let register_version: Int64
    }

    /// `GET /v1/assignment-preview?lat&lng&coordsys&mode`.
    @Sendable func preview(_ request: Request, context: AppRequestContext) async throws -> Response {
        var q = QueryReader(request, allowed: ["lat", "lng", "coordsys", "mode"])
        let lat = q.double("lat", required: true, allowed: "a number of degrees from -90 to 90")
        let lng = q.double("lng", required: true, allowed: "a number of degrees from -180 to 180")
        if q.string("mode") == nil {
            q.add(InvalidParameter(name: "mode", reason: "is required: the preferred_mode the complaint would be filed with, one of \(MediationMode.allowedNames)"))
        }
        var query: NearestQuery?
        do {
            // The nearest query's one validation of the point, system and mode; placeholders
            // stand in for unparsable coordinates so every other field is still checked.
            query = try NearestQuery.validated(latitude: lat ?? 0, longitude: lng ?? 0, coordsys: q.string("coordsys"), mode: q.string("mode"),
                                               counties: complaints.finder.snapshot.counties)
        } catch {
            error.parameters.forEach { q.add($0) }
        }
        try q.check()
        guard let query, let mode = query.mode else { throw Problem.invalid(InvalidInput(name: "mode", reason: "is required")) }
        let system = query.coordinateSystem
        let input = NearestResponse.Point(lat: query.point.latitude, lng: query.point.longitude, coordsys: system)
        let wgs84 = NearestResponse.Point(lat: rounded(query.wgs84.latitude, 9), lng: rounded(query.wgs84.longitude, 9), coordsys: nil)
        let preview: AssignmentPreview
        do {
            // Off the event loop: the store blocks (on PostgreSQL, waiting on the very event loop
            // that would carry the answer, which stalled every other call until a 2 s timeout).
            let complaints = self.complaints, point = query.wgs84
            preview = try await blocking { try complaints.previewAssignment(at: point, mode: mode) }
        } catch let outside as OutsideServiceArea {
            // A question about a point outside is answered, not refused: intake would refuse it.
            let body = Body(query: .init(input: input, wgs84: wgs84, mode: mode, county_code: nil, county_name: nil), outcome: "refused",
                            station: nil, mode: nil, reason: outside.description, passed_over: [], register_version: complaints.finder.snapshot.version)
            return JSONResponse.make(Array(try JSONOutput.encode(body)), for: request)
        }
        let snapshot = preview.snapshot
        func ref(_ station: Station, _ distanceMeters: Double) -> Body.StationRef {
            Body.StationRef(id: station.id, name: station.name, county_code: station.countyCode,
                                county_name: snapshot.counties.place(of: station).countyName, address: station.address.line,
                                phone: station.phone, modes: station.modes, status: station.status,
                                location: .shown(station.location, in: system), distance_m: rounded(distanceMeters, 2))
        }
        let chosen = preview.decision.assignment
        let body = Body(
            query: .init(input: input, wgs84: wgs84, mode: mode, county_code: preview.county.adcode, county_name: preview.county.name),
            outcome: chosen == nil ? "waiting" : "assigned",
            station: chosen.map { ref($0.station, $0.distanceMeters) }, mode: chosen?.mode,
            reason: chosen?.reason ?? preview.waitingReason ?? "",
            passed_over: preview.decision.passedOver.map { Body.Passed(station: ref($0.station, $0.distanceMeters), reason: $0.reason.rawValue, detail: $0.detail) },
            register_version: snapshot.version)
        // Revalidated each time (`no-cache` with the body's ETag): capacity changes with every complaint filed.
        return JSONResponse.make(Array(try JSONOutput.encode(body)), for: request)
    }
}
