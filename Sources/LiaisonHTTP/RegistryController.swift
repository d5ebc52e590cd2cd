import Foundation
import HTTPTypes
import Hummingbird
import LiaisonCore
import LiaisonStore
import NIOPosix

/// Staff writes: create, update, retire, history and bulk import, behind bearer tokens.
struct RegistryController {
    let registry: any StationRegisterStore
    let finder: StationFinder
    let settings: ServerSettings

    var endpoints: [Endpoint] {
        [
            Endpoint(method: .post, path: "/v1/stations", access: .staff, handler: create),
            Endpoint(method: .patch, path: "/v1/stations/{id}", access: .staff, handler: update),
            Endpoint(method: .post, path: "/v1/stations/{id}/retire", access: .staff, handler: retire),
            Endpoint(method: .post, path: "/v1/stations/{id}/staff", access: .staff, handler: addStaff),
            Endpoint(method: .patch, path: "/v1/stations/{id}/staff/{staff_id}", access: .staff, handler: editStaff),
            Endpoint(method: .delete, path: "/v1/stations/{id}/staff/{staff_id}", access: .staff, handler: removeStaff),
            .get("/v1/stations/{id}/history", access: .staff, history),
            Endpoint(method: .post, path: "/v1/imports/stations", access: .admin, handler: importStations),
        ]
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let staff = try context.authenticated()
        let body = try await self.body(request)
        let station = try await blocking { try registry.create(StationDraft.object(from: body), by: staff) }
        var response = try written(station, status: .created)
        response.headers[.location] = "/v1/stations/\(station.id)"
        return response
    }

    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> Response {
        let staff = try context.authenticated()
        let body = try await self.body(request)
        let id = stationID(context)
        let precondition = try ifMatch(request)
        return try written(try await blocking { try registry.update(id: id, patch: StationDraft.object(from: body), by: staff, precondition: precondition) },
                           status: .ok)
    }

    @Sendable func retire(_ request: Request, context: AppRequestContext) async throws -> Response {
        let staff = try context.authenticated()
        let body = try await self.body(request)
        let id = stationID(context)
        let object = try StationDraft.object(from: body)
        let unknown = object.keys.filter { $0 != "reason" && $0 != "force" }.sorted()
        guard unknown.isEmpty else {
            throw Problem.invalid(InvalidInput(unknown.map { InvalidParameter(name: $0, reason: "unknown field: expected only reason and force") }))
        }
        guard let reason = object["reason"] as? String else {
            throw Problem.invalid(InvalidInput(name: "reason", reason: "is required: a string of 1 to 500 characters saying why the station is retired"))
        }
        struct Force: Decodable { let force: Bool? }
        guard let force = try? JSONDecoder().decode(Force.self, from: body).force ?? false else {
            throw Problem.invalid(InvalidInput(name: "force", reason: "expected true or false: whether complaints in mediation or with a confirmed session move too"))
        }
        let precondition = try ifMatch(request)
        let retired = try await blocking {
            try registry.retire(id: id, reason: reason, force: force, by: staff, precondition: precondition)
        }
        return try written(retired.station, status: .ok)
    }

    struct StaffAdded: Encodable {
        /// The new member's id within the station.
        let id: String
        let station: StationDetail
    }

    /// `POST /v1/stations/{id}/staff`: one new member (`name`, `role`, `mobile`); answers its id and the station.
    @Sendable func addStaff(_ request: Request, context: AppRequestContext) async throws -> Response {
        let staff = try context.authenticated()
        let body = try await self.body(request)
        let id = stationID(context)
        let precondition = try ifMatch(request)
        let added = try await blocking {
            try registry.addStaff(stationID: id, member: StationDraft.object(from: body), by: staff, precondition: precondition)
        }
        let detail = StationDetail(added.station, counties: finder.snapshot.counties, rating: finder.snapshot.ratings[added.station.id])
        return try JSONResponse.encoding(StaffAdded(id: added.staffID, station: detail), status: .created)
    }

    /// `PATCH /v1/stations/{id}/staff/{staff_id}`: the fields given change; the others (the stored full mobile too) stay.
    @Sendable func editStaff(_ request: Request, context: AppRequestContext) async throws -> Response {
        let staff = try context.authenticated()
        let body = try await self.body(request)
        let id = stationID(context), staffID = context.path("staff_id")
        let precondition = try ifMatch(request)
        return try written(try await blocking {
            try registry.editStaff(stationID: id, staffID: staffID, fields: StationDraft.object(from: body), by: staff, precondition: precondition)
        }, status: .ok)
    }

    /// `DELETE /v1/stations/{id}/staff/{staff_id}`: refused for the station's only member (409).
    @Sendable func removeStaff(_ request: Request, context: AppRequestContext) async throws -> Response {
        let staff = try context.authenticated()
        let id = stationID(context), staffID = context.path("staff_id")
        let precondition = try ifMatch(request)
        return try written(try await blocking {
            try registry.removeStaff(stationID: id, staffID: staffID, by: staff, precondition: precondition)
        }, status: .ok)
    }

    struct HistoryResponse: Encodable {
        let station_id: String
        let entries: [StationHistoryEntry]
    }

    /// Staff mobiles in full for admins and the station's own county; masked for other counties.
    @Sendable func history(_ request: Request, context: AppRequestContext) async throws -> Response {
        let staff = try context.authenticated()
        let id = stationID(context)
        let entries = try await blocking { try registry.history(id: id) }
        let shown = Jurisdiction.seesStaffMobiles(staff.role, stationCounty: Jurisdiction.stationCounty(id)) ? entries : entries.map { $0.maskingStaffMobiles() }
        return try JSONResponse.encoding(HistoryResponse(station_id: id, entries: shown), for: request)
    }

    struct ImportResponse: Encodable {
        let inserted: Int
        let updated: Int
        let unchanged: Int
    }

    /// All or nothing: any bad feature rejects the whole collection with a report of every bad feature.
    @Sendable func importStations(_ request: Request, context: AppRequestContext) async throws -> Response {
        let staff = try context.authenticated()
        let body = try await self.body(request)
        let parsed: (stations: [Station], errors: [RegisterFile.FeatureError])
        do {
            parsed = try RegisterFile.parseStations(body, counties: finder.snapshot.counties)
        } catch let error as RegisterFile.FormatError {
            throw Problem.invalid(InvalidInput(name: "body", reason: error.description))
        }
        guard parsed.errors.isEmpty else {
            let report = parsed.errors.map { Problem.FeatureProblem(index: $0.index, id: $0.id, invalid_params: $0.problems) }
            let detail = "\(parsed.errors.count) of the features are invalid; nothing was imported"
            var problem = Problem(status: .unprocessableContent, kind: "invalid-features", title: "Invalid features", detail: detail,
                                  invalidParameters: parsed.errors.flatMap { e in e.problems.map { InvalidParameter(name: "features[\(e.index)].\($0.name)", reason: $0.reason) } })
            problem.features = report
            throw problem
        }
        let counts = try await blocking { try registry.importStations(parsed.stations, force: false, by: staff) }
        return try JSONResponse.encoding(ImportResponse(inserted: counts.inserted, updated: counts.updated, unchanged: counts.unchanged), for: request)
    }

    // MARK: - Plumbing

    private func stationID(_ context: AppRequestContext) -> String {
        context.path("id")
    }

    private func body(_ request: Request) async throws -> Data {
        try await collectBody(request, settings: settings)
    }

    /// The staff identity of the request's bearer token: 401 without a valid one.
    /// The station's detail (WGS-84) as `GET /v1/stations/{id}` writes it (with its rating), with its ETag.
    private static func detail(_ station: Station, snapshot: StationSnapshot) throws -> (body: Data, etag: String) {
        let body = try JSONOutput.encode(StationDetail(station, counties: snapshot.counties, rating: snapshot.ratings[station.id]))
        return (body, JSONResponse.etag(of: Array(body)))
    }

    /// `If-Match`: the write goes ahead only if the station, as committed now, still has one of
    /// the ETags the client names (the one it read from `GET /v1/stations/{id}` or a write's answer).
    private func ifMatch(_ request: Request) throws -> StationRegistry.Precondition? {
        guard let condition = request.headers[.ifMatch] else { return nil }
        guard let tags = JSONResponse.ifMatchTags(condition) else {
            throw Problem.invalid(InvalidInput(name: "If-Match", reason: "not an entity tag list: expected * or one or more quoted ETags such as \"0123456789abcdef\", separated by commas"))
        }
        let finder = self.finder
        return { current in
            // Inside the write transaction the finder holds the register as committed (ratings included).
            let etag = try Self.detail(current, snapshot: finder.snapshot).etag
            guard JSONResponse.matchesStrongly(tags, etag) else {
                throw StationRegistry.PreconditionFailed(
                    description: "station \(current.id) has changed since it was read (its ETag is now \(etag), If-Match gave \(condition)): read it again and reapply the change")
            }
        }
    }

    private func written(_ station: Station, status: HTTPResponse.Status) throws -> Response {
        let (body, etag) = try Self.detail(station, snapshot: finder.snapshot)
        return JSONResponse.make(body, status: status, headers: [.eTag: etag])
    }
}
