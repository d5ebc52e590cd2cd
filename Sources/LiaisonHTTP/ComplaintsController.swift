import Foundation
import HTTPTypes
import Hummingbird
import LiaisonCore
import LiaisonStore

/// Complaints: one-tap intake, tracking with the tracking token, consumer actions, and the
/// staff queue and actions behind bearer tokens.
struct ComplaintsController {
    let desk: ComplaintDesk
    let auth: StaffAuthenticator
    let settings: ServerSettings

    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    static let replayed = HTTPField.Name("Idempotent-Replayed")!
    static let trackingToken = HTTPField.Name("X-Tracking-Token")!

    var endpoints: [Endpoint] {
        [
            Endpoint(method: .post, path: "/v1/complaints", handler: submit),
            .get("/v1/complaints/{number}", show),
            Endpoint(method: .post, path: "/v1/complaints/{number}/events", handler: staffAction),
            Endpoint(method: .post, path: "/v1/complaints/{number}/feedback", handler: feedback),
            Endpoint(method: .post, path: "/v1/complaints/{number}/withdraw", handler: withdraw),
            Endpoint(method: .post, path: "/v1/complaints/{number}/appointment/confirm", handler: confirm),
            .get("/v1/stations/{id}/complaints", stationQueue),
        ]
    }

    @Sendable func submit(_ request: Request, context: AppRequestContext) async throws -> Response {
        let body = try await collectBody(request, settings: settings)
        let key = request.headers[Self.idempotencyKey]
        let desk = self.desk
        let submitted = try await blocking { try desk.submit(body, idempotencyKey: key) }
        var headers = HTTPFields()
        headers[.location] = "/v1/complaints/\(submitted.number)"
        if submitted.replayed { headers[Self.replayed] = "true" }
        return json(submitted.body, status: .created, headers: headers)
    }

    /// With a staff bearer token: the staff view. Otherwise the tracking token (header or
    /// `?token=`) is required, and a wrong or missing one is the same 404 as an unknown number.
    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        let number = self.number(context)
        let desk = self.desk
        if StaffAuthenticator.hasBearer(request) {
            try QueryReader(request, allowed: []).check()
            let staff = try await auth.staff(request)
            let (complaint, events) = try await blocking { try desk.complaint(number, for: staff) }
            let body = try desk.render(complaint, events: events, audience: .staff(seesPhone: desk.seesPhone(staff, of: complaint)))
            return json(body, status: .ok, headers: noStore)
        }
        let token = try trackingToken(request)
        guard let (complaint, events) = try await blocking({ try desk.track(number, token: token ?? "") }) else { throw notFound(number) }
        return json(try desk.render(complaint, events: events, audience: .consumer), status: .ok, headers: noStore)
    }

    @Sendable func staffAction(_ request: Request, context: AppRequestContext) async throws -> Response {
        let body = try await collectBody(request, settings: settings)
        let staff = try await auth.staff(request)
        let command: StaffCommand
        do { command = try StaffCommand.validate(body) } catch { throw Problem.invalid(error) }
        let number = self.number(context)
        guard ComplaintNumber.isWellFormed(number) else { throw notFound(number) }
        let desk = self.desk
        let (complaint, events) = try await blocking { try desk.act(on: number, command, by: staff) }
        return json(try desk.render(complaint, events: events, audience: .staff(seesPhone: desk.seesPhone(staff, of: complaint))), status: .ok)
    }

    @Sendable func feedback(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await consumerAction(request, context: context) { body throws(InvalidInput) in try ConsumerCommand.feedback(body) }
    }

    @Sendable func withdraw(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await consumerAction(request, context: context) { body throws(InvalidInput) in try ConsumerCommand.withdraw(body) }
    }

    @Sendable func confirm(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await consumerAction(request, context: context) { _ throws(InvalidInput) in .confirmAppointment }
    }

    private func consumerAction(_ request: Request, context: AppRequestContext,
                                _ parse: (Data) throws(InvalidInput) -> ConsumerCommand) async throws -> Response {
        let body = try await collectBody(request, settings: settings)
        let number = self.number(context)
        let token = try trackingToken(request)
        let command: ConsumerCommand
        do { command = try parse(body) } catch { throw Problem.invalid(error) }
        let desk = self.desk
        guard let (complaint, events) = try await blocking({ try desk.act(on: number, command, token: token ?? "") }) else { throw notFound(number) }
        return json(try desk.render(complaint, events: events, audience: .consumer), status: .ok)
    }

    struct QueueResponse: Encodable {
        let station_id: String
        let status: String?
        let complaints: [ComplaintSummary]
    }

    @Sendable func stationQueue(_ request: Request, context: AppRequestContext) async throws -> Response {
        var query = QueryReader(request, allowed: ["status"])
        let statusText = query.string("status")
        let status = statusText.flatMap(ComplaintStatus.init(rawValue:))
        if let statusText, status == nil {
            query.add(InvalidParameter(name: "status", reason: "unknown status \"\(statusText)\": expected one of \(ComplaintStatus.allowedNames)"))
        }
        try query.check()
        let staff = try await auth.staff(request)
        let raw = context.parameters.get("id") ?? ""
        let id = raw.removingPercentEncoding ?? raw
        let desk = self.desk
        let complaints = try await blocking { try desk.complaints(stationID: id, status: status, by: staff) }
        let summaries = complaints.map { ComplaintSummary($0, seesPhone: desk.seesPhone(staff, of: $0)) }
        return try JSONResponse.encoding(QueueResponse(station_id: id, status: status?.rawValue, complaints: summaries), for: request)
    }

    // MARK: - Plumbing

    private var noStore: HTTPFields {
        var headers = HTTPFields()
        headers[.cacheControl] = "no-store"
        return headers
    }

    private func number(_ context: AppRequestContext) -> String {
        let raw = context.parameters.get("number") ?? ""
        return raw.removingPercentEncoding ?? raw
    }

    /// The tracking token from `X-Tracking-Token` or `?token=` (not both).
    private func trackingToken(_ request: Request) throws -> String? {
        var query = QueryReader(request, allowed: ["token"])
        let fromQuery = query.string("token")
        try query.check()
        return request.headers[Self.trackingToken] ?? fromQuery
    }

    private func notFound(_ number: String) -> Problem {
        Problem.notFound("no complaint \(number) with this tracking token")
    }

    private func json(_ body: Data, status: HTTPResponse.Status, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
