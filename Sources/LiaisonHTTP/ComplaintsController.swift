import Foundation
import HTTPTypes
import Hummingbird
import LiaisonCaseFile
import LiaisonCore
import LiaisonStore

/// Complaints: one-tap intake, tracking with the tracking token, consumer actions, and the
/// staff queue and actions behind bearer tokens.
struct ComplaintsController {
    let desk: any StaffComplaintStore
    let outbox: any OutboxStore
    let settings: ServerSettings

    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    static let replayed = HTTPField.Name("Idempotent-Replayed")!
    static let trackingToken = HTTPField.Name("X-Tracking-Token")!

    var endpoints: [Endpoint] {
        [
            Endpoint(method: .post, path: "/v1/complaints", handler: submit),
            .get("/v1/complaints/{number}", access: .staffIfBearer, show),
            Endpoint(method: .post, path: "/v1/complaints/{number}/events", access: .staff, handler: staffAction),
            Endpoint(method: .post, path: "/v1/complaints/{number}/feedback", handler: feedback),
            Endpoint(method: .post, path: "/v1/complaints/{number}/withdraw", handler: withdraw),
            Endpoint(method: .post, path: "/v1/complaints/{number}/appointment/confirm", handler: confirm),
            Endpoint(method: .post, path: "/v1/complaints/{number}/settlement/accept", handler: acceptSettlement),
            Endpoint(method: .post, path: "/v1/complaints/{number}/settlement/reject", handler: rejectSettlement),
            .get("/v1/reviews", access: .staff, { try await queue(.reviews, $0, $1) }),
            .get("/v1/return-visits", access: .staff, { try await queue(.returnVisits, $0, $1) }),
            .get("/v1/stations/{id}/complaints", access: .staff, stationQueue),
            .get("/v1/complaints", access: .staff, list),
            .get("/v1/complaints/{number}/notifications", access: .staff, notifications),
            .get("/v1/complaints/{number}/case-file", access: .staff, caseFile),
        ]
    }

    @Sendable func submit(_ request: Request, context: AppRequestContext) async throws -> Response {
        let body = try await collectBody(request, settings: settings)
        let key = request.headers[Self.idempotencyKey]
        let desk = self.desk
        let submitted = try await blocking { try ComplaintFiling.submit(body, idempotencyKey: key, to: desk) }
        var headers = HTTPFields()
        headers[.location] = "/v1/complaints/\(submitted.number)"
        if submitted.replayed { headers[Self.replayed] = "true" }
        return JSONResponse.make(submitted.body, status: .created, headers: headers)
    }

    /// With a staff bearer token: the staff view. Otherwise the tracking token (header or
    /// `?token=`) is required, and a wrong or missing one is the same 404 as an unknown number.
    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        let number = self.number(context)
        let desk = self.desk
        if let staff = context.caller {
            try QueryReader(request, allowed: ["token"]).check()
            let body = try await blocking {
                let (complaint, events) = try desk.complaint(number, for: staff)
                return try desk.render(complaint, events: events, audience: .staff(seesPhone: desk.seesPhone(staff, of: complaint)),
                                       links: try desk.links(of: complaint))
            }
            return JSONResponse.make(body, status: .ok, headers: JSONResponse.noStore)
        }
        let token = try trackingToken(request)
        guard let (complaint, events) = try await blocking({ try desk.track(number, token: token ?? "") }) else { throw notFound(number) }
        return JSONResponse.make(try desk.render(complaint, events: events, audience: .consumer), status: .ok, headers: JSONResponse.noStore)
    }

    @Sendable func staffAction(_ request: Request, context: AppRequestContext) async throws -> Response {
        let staff = try context.authenticated()
        let body = try await collectBody(request, settings: settings)
        let command: StaffCommand
        do { command = try StaffCommand.validate(body) } catch { throw Problem.invalid(error) }
        let number = self.number(context)
        guard ComplaintNumber.isWellFormed(number) else { throw notFound(number) }
        let desk = self.desk
        let answer = try await blocking {
            let (complaint, events) = try desk.act(on: number, command, by: staff)
            return try desk.render(complaint, events: events, audience: .staff(seesPhone: desk.seesPhone(staff, of: complaint)),
                                   links: try desk.links(of: complaint))
        }
        return JSONResponse.make(answer, status: .ok)
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

    @Sendable func acceptSettlement(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await consumerAction(request, context: context) { _ throws(InvalidInput) in .acceptSettlement }
    }

    @Sendable func rejectSettlement(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await consumerAction(request, context: context) { body throws(InvalidInput) in try ConsumerCommand.rejectSettlement(body) }
    }

    struct QueueListResponse: Encodable {
        let queue: String
        let county: String?
        let complaints: [ComplaintSummary]
        let next: String?
    }

    /// Staff: open reviews or pending return visits, of the token's county (or any county for admin).
    func queue(_ kind: ComplaintDesk.Queue, _ request: Request, _ context: AppRequestContext) async throws -> Response {
        let staff = try context.authenticated()
        var query = QueryReader(request, allowed: ["county", "after", "limit"])
        let county = query.string("county")
        if let county, desk.finder.snapshot.counties.county(code: county) == nil {
            query.add(InvalidParameter(name: "county", reason: desk.finder.snapshot.counties.unknown(county)))
        }
        let limit = query.limit(default: 100, max: 500)
        let after = query.complaintCursor()
        try query.check()
        var scope = county
        if case .county(let own) = staff.role {
            guard county == nil || county == own else {
                throw Problem(status: .forbidden, kind: "forbidden", title: "Forbidden", detail: "token \(staff.name) (\(staff.role)) may not list the queues of county \(county ?? "")")
            }
            scope = own
        }
        let desk = self.desk, filter = scope
        let found = try await blocking { try desk.queue(kind, countyCode: filter, limit: limit + 1, after: after) }
        let page = Array(found.prefix(limit))
        return try JSONResponse.encoding(QueueListResponse(queue: kind.rawValue, county: scope, complaints: page.map { ComplaintSummary($0, seesPhone: desk.seesPhone(staff, of: $0)) },
                                                           next: found.count > limit ? page.last?.number : nil), for: request)
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
        return JSONResponse.make(try desk.render(complaint, events: events, audience: .consumer), status: .ok)
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
        let staff = try context.authenticated()
        let id = context.path("id")
        let desk = self.desk
        let complaints = try await blocking { try desk.complaints(stationID: id, status: status, by: staff) }
        let summaries = complaints.map { ComplaintSummary($0, seesPhone: desk.seesPhone(staff, of: $0)) }
        return try JSONResponse.encoding(QueueResponse(station_id: id, status: status?.rawValue, complaints: summaries), for: request)
    }

    struct ListResponse: Encodable {
        let county: String?
        let status: String?
        let overdue: Bool
        let near_border: Bool
        let urgent: Bool
        let complaints: [ComplaintSummary]
    }

    /// Staff: complaints by county and status; `overdue=true` for those past a deadline with its clock running.
    /// A county token lists its own county (the default) and no other.
    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        var query = QueryReader(request, allowed: ["county", "status", "overdue", "near_border", "urgent"])
        let county = query.string("county")
        let statusText = query.string("status")
        let status = statusText.flatMap(ComplaintStatus.init(rawValue:))
        if let statusText, status == nil {
            query.add(InvalidParameter(name: "status", reason: "unknown status \"\(statusText)\": expected one of \(ComplaintStatus.allowedNames)"))
        }
        let overdueText = query.string("overdue")
        if let overdueText, overdueText != "true", overdueText != "false" {
            query.add(InvalidParameter(name: "overdue", reason: "\"\(overdueText)\" is not allowed: expected true or false"))
        }
        let nearBorderText = query.string("near_border")
        if let nearBorderText, nearBorderText != "true", nearBorderText != "false" {
            query.add(InvalidParameter(name: "near_border", reason: "\"\(nearBorderText)\" is not allowed: expected true or false"))
        }
        let urgentText = query.string("urgent")
        if let urgentText, urgentText != "true", urgentText != "false" {
            query.add(InvalidParameter(name: "urgent", reason: "\"\(urgentText)\" is not allowed: expected true or false"))
        }
        if let county, desk.finder.snapshot.counties.county(code: county) == nil {
            query.add(InvalidParameter(name: "county", reason: desk.finder.snapshot.counties.unknown(county)))
        }
        try query.check()
        let staff = try context.authenticated()
        let urgentOnly = urgentText == "true"
        var scope = county
        if case .county(let own) = staff.role {
            guard county == nil || county == own else {
                throw Problem(status: .forbidden, kind: "forbidden", title: "Forbidden", detail: "token \(staff.name) (\(staff.role)) may not list complaints of county \(county ?? "")")
            }
            scope = own
        }
        let overdue = overdueText == "true", nearBorder = nearBorderText == "true"
        let desk = self.desk
        let filter = scope
        let now = Date()
        var complaints = try await blocking {
            // Near a border and overdue: those near the county's borders (held or claimable) that are overdue.
            if nearBorder { return try desk.nearBorderComplaints(countyCode: filter, status: status).filter { !overdue || !$0.overdue(at: now).isEmpty } }
            if overdue { return try desk.overdueComplaints(countyCode: filter, at: now) }
            return try desk.complaints(countyCode: filter, status: status, urgentOnly: urgentOnly)
        }
        if overdue, let status { complaints = complaints.filter { $0.status == status } }
        if urgentOnly { complaints = complaints.filter { $0.urgent != nil } }
        let summaries = complaints.map { ComplaintSummary($0, seesPhone: desk.seesPhone(staff, of: $0)) }
        return try JSONResponse.encoding(ListResponse(county: scope, status: status?.rawValue, overdue: overdue, near_border: nearBorder, urgent: urgentOnly, complaints: summaries), for: request)
    }

    struct NotificationsResponse: Encodable {
        struct Item: Encodable {
            let id: String
            let recipient: String
            let phone: String
            let template: String
            let text: String
            let status: String
            let attempts: Int
            let last_error: String?
            let sent_at: String?
        }
        let number: String
        let notifications: [Item]
    }

    /// Staff: the texts a complaint sent or will send, with their delivery state (failed ones need a call).
    @Sendable func notifications(_ request: Request, context: AppRequestContext) async throws -> Response {
        try QueryReader(request, allowed: []).check()
        let staff = try context.authenticated()
        let number = self.number(context)
        let desk = self.desk, outbox = self.outbox
        let (complaint, _) = try await blocking { try desk.complaint(number, for: staff) }
        let seesPhone = desk.seesPhone(staff, of: complaint)
        let entries = try await blocking { try outbox.messages(number: number) }
        let items = entries.map { e in
            NotificationsResponse.Item(id: e.message.id, recipient: e.message.recipient.rawValue,
                                       phone: seesPhone || e.message.recipient == .staff ? e.message.phone : MobileNumber.masked(e.message.phone),
                                       template: e.message.template, text: e.message.text, status: e.status, attempts: e.attempts,
                                       last_error: e.lastError, sent_at: e.sentAt.map(Timestamp.string))
        }
        return try JSONResponse.encoding(NotificationsResponse(number: number, notifications: items), for: request)
    }

    /// Staff: the case file for a court's mediation, as JSON (`format=json`, the default) or PDF
    /// (`format=pdf`, or `Accept: application/pdf`).
    @Sendable func caseFile(_ request: Request, context: AppRequestContext) async throws -> Response {
        let staff = try context.authenticated()
        var query = QueryReader(request, allowed: ["format"])
        let format = query.string("format") ?? (request.headers[.accept]?.contains("application/pdf") == true ? "pdf" : "json")
        if format != "json", format != "pdf" {
            query.add(InvalidParameter(name: "format", reason: "\"\(format)\" is not allowed: expected json or pdf"))
        }
        try query.check()
        let number = self.number(context)
        guard ComplaintNumber.isWellFormed(number) else { throw Problem.notFound("no complaint \(number)") }
        let desk = self.desk
        let file = try await blocking { try desk.caseFile(number, for: staff) }
        if format == "pdf" {
            let pdf = try await blocking { try CaseFilePDF.render(file.document) }
            var headers = JSONResponse.noStore
            headers[.contentType] = "application/pdf"
            headers[.contentDisposition] = "attachment; filename=\"\(number)-case-file.pdf\""
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: pdf)))
        }
        return try JSONResponse.encoding(file, status: .ok, headers: JSONResponse.noStore)
    }

    // MARK: - Plumbing

    private func number(_ context: AppRequestContext) -> String {
        context.path("number")
    }

    /// The tracking token from `X-Tracking-Token` or `?token=` (not both).
    private func trackingToken(_ request: Request) throws -> String? {
        let query = QueryReader(request, allowed: ["token"])
        let fromQuery = query.string("token")
        try query.check()
        return request.headers[Self.trackingToken] ?? fromQuery
    }

    private func notFound(_ number: String) -> Problem {
        Problem.notFound("no complaint \(number) with this tracking token")
    }
}
