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
            Endpoint(method: .post, path: "/v1/complaints", access: .client, handler: submit),
            .get("/v1/consumers/{consumer_id}/complaints", access: .clientKey, consumerComplaints),
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
        // Required since 0.4: without a key, a retry after a lost answer files a second complaint.
        guard let key = request.headers[Self.idempotencyKey] else {
            throw Problem.invalid(InvalidInput(name: "Idempotency-Key", reason: Labels.idempotencyKeyRequired))
        }
        let body = try await collectBody(request, settings: settings)
        let desk = self.desk
        let client = context.caller?.name ?? "~"
        let consumer = request.headers[Limits.consumerIDHeader]   // checked by ClientIntakeMiddleware
        let submitted = try await blocking { try ComplaintFiling.submit(body, idempotencyKey: key, client: client, consumerID: consumer, to: desk) }
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
        let language = Language(request)
        var headers = JSONResponse.noStore
        headers.append(contentsOf: language.headers)
        return JSONResponse.make(try desk.render(complaint, events: events, audience: .consumer, language: language), status: .ok, headers: headers)
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

    /// A consumer's complaints as their client lists them, each with its tracking token.
    struct ConsumerComplaints: Encodable {
        struct Item: Encodable {
            struct Station: Encodable { let id: String; let name: String }
            let number: String
            let status: String
            let mode: String
            let category: String
            let merchant_name: String
            /// The station it is with now; absent while none is (waiting, with the enterprise, declined).
            let station: Station?
            let submitted_at: String
            let updated_at: String
            /// The complaint's tracking token: what `GET /v1/complaints/{number}` and the
            /// consumer's actions take. Derived again each time, never stored.
            let tracking_token: String
            let href: String
        }
        let complaints: [Item]
        /// The `after` of the next page; absent on the last.
        let next: String?
    }

    /// A client's consumer's complaints, newest first: how a mini-program shows "my complaints",
    /// and how a consumer who lost a tracking token gets it back. Only complaints this client
    /// filed with this `consumer.id` (or `X-Consumer-Id`) are listed.
    @Sendable func consumerComplaints(_ request: Request, context: AppRequestContext) async throws -> Response {
        let client = try context.authenticated()
        // The id as the client sent it in `consumer.id`: a path segment carries `/`, `%`… percent-encoded.
        let raw = context.parameters.get("consumer_id") ?? ""
        let consumerID = raw.removingPercentEncoding ?? raw
        var query = QueryReader(request, allowed: ["after", "limit"])
        if !ComplaintIntake.isConsumerID(consumerID) {
            query.add(InvalidParameter(name: "consumer_id", reason: "expected \(ComplaintIntake.consumerIDAllowed)"))
        }
        let limit = query.limit(default: 20, max: 100)
        let after = query.complaintCursor()
        try query.check()
        let desk = self.desk
        let found = try await blocking { try desk.consumerComplaints(client: client.name, consumerID: consumerID, after: after, limit: limit + 1) }
        let page = Array(found.prefix(limit))
        let names = desk.finder.snapshot
        let items = page.map { c in
            ConsumerComplaints.Item(
                number: c.number, status: c.status.rawValue, mode: c.mode.rawValue, category: c.intake.category.rawValue,
                merchant_name: c.intake.merchantName,
                station: c.stationID.map { ConsumerComplaints.Item.Station(id: $0, name: names.station(id: $0)?.name ?? $0) },
                submitted_at: Timestamp.shanghai(c.submittedAt), updated_at: Timestamp.shanghai(c.updatedAt),
                tracking_token: desk.settings.trackingKey.token(for: c.number), href: "/v1/complaints/\(c.number)")
        }
        return try JSONResponse.encoding(ConsumerComplaints(complaints: items, next: found.count > limit ? page.last?.number : nil),
                                         status: .ok, headers: JSONResponse.noStore)
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
        let language = Language(request)
        return JSONResponse.make(try desk.render(complaint, events: events, audience: .consumer, language: language), status: .ok, headers: language.headers)
    }

    struct QueueResponse: Encodable {
        let station_id: String
        let status: String?
        let complaints: [ComplaintSummary]
        /// The `after` of the next page; absent on the last.
        let next: String?
    }

    /// Staff: a station's complaints, newest first, `limit` (≤ 200) at a time after `after`.
    @Sendable func stationQueue(_ request: Request, context: AppRequestContext) async throws -> Response {
        let staff = try context.authenticated()
        var query = QueryReader(request, allowed: ["status", "after", "limit"])
        let statusText = query.string("status")
        let status = statusText.flatMap(ComplaintStatus.init(rawValue:))
        if let statusText, status == nil {
            query.add(InvalidParameter(name: "status", reason: "unknown status \"\(statusText)\": expected one of \(ComplaintStatus.allowedNames)"))
        }
        let limit = query.limit(default: 50, max: 200)
        let after = query.complaintCursor()
        try query.check()
        let id = context.path("id")
        guard let station = desk.finder.snapshot.station(id: id) else { throw Problem.notFound("no station \(id)") }
        guard staff.role.permits(countyCode: station.countyCode) else {
            throw Problem(status: .forbidden, kind: "forbidden", title: "Forbidden",
                          detail: "token \(staff.name) (\(staff.role)) may not see the complaints of station \(id) in county \(station.countyCode)")
        }
        var listQuery = ComplaintDesk.ListQuery(limit: limit)
        listQuery.stationID = id
        listQuery.statuses = status.map { [$0] } ?? []
        listQuery.after = after.map { ListCursor(number: $0) }
        let desk = self.desk, asked = listQuery
        let page = try await blocking { try desk.list(asked) }
        let summaries = page.complaints.map { ComplaintSummary($0, seesPhone: desk.seesPhone(staff, of: $0)) }
        return try JSONResponse.encoding(QueueResponse(station_id: id, status: status?.rawValue, complaints: summaries, next: page.next), for: request)
    }

    struct ListResponse: Encodable {
        let county: String?
        let status: String?
        let overdue: Bool
        let near_border: Bool
        let urgent: Bool
        let q: String?
        let sort: String
        let order: String
        let complaints: [ComplaintSummary]
        /// The `after` of the next page; absent on the last.
        let next: String?
    }

    /// `X-Export-Next`: on a CSV export cut at its row bound, the `after` that goes on from its last row.
    static let exportNext = HTTPField.Name("X-Export-Next")!

    /// Staff: complaints by county and status (repeated, or comma-separated), searched with `q`
    /// (``ComplaintSearch``), sorted by submission or by the nearest running deadline, `limit`
    /// (≤ 200) at a time after the cursor `after`; `overdue=true` for those past a deadline with
    /// its clock running. Every filter applies before paging. A county token lists its own county
    /// (the default) and no other (``Jurisdiction``). `format=csv` (or `Accept: text/csv`)
    /// exports the same list, at most ``ComplaintQueueCSV/maxRows`` rows, as a spreadsheet.
    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let staff = try context.authenticated()
        var query = QueryReader(request, allowed: ["county", "status", "overdue", "near_border", "urgent", "q", "sort", "order", "after", "limit",
                                                   "format", "tz", "bom"], repeatable: ["status"])
        let county = query.string("county")
        let statusTexts = query.strings("status")
        var statuses = Set<ComplaintStatus>()
        for name in statusTexts.flatMap({ $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }) {
            if let status = ComplaintStatus(rawValue: name) {
                statuses.insert(status)
            } else {
                query.add(InvalidParameter(name: "status", reason: "unknown status \"\(name)\": expected one or more (repeated or comma-separated) of \(ComplaintStatus.allowedNames)"))
            }
        }
        func flag(_ name: String) -> Bool {
            let text = query.string(name)
            if let text, text != "true", text != "false" {
                query.add(InvalidParameter(name: name, reason: "\"\(text)\" is not allowed: expected true or false"))
            }
            return text == "true"
        }
        let overdue = flag("overdue"), nearBorder = flag("near_border"), urgentOnly = flag("urgent")
        if let county, desk.finder.snapshot.counties.county(code: county) == nil {
            query.add(InvalidParameter(name: "county", reason: desk.finder.snapshot.counties.unknown(county)))
        }
        let qText = query.string("q")
        var search: ComplaintSearch?
        if let qText {
            do { search = try ComplaintSearch.parse(qText) } catch { error.parameters.forEach { query.add($0) } }
        }
        let sortText = query.string("sort") ?? ListSort.submitted.rawValue
        let sort = ListSort(rawValue: sortText)
        if sort == nil { query.add(InvalidParameter(name: "sort", reason: "\"\(sortText)\" is not allowed: expected one of \(ListSort.allowedNames)")) }
        let orderText = query.string("order")
        if let orderText, orderText != "asc", orderText != "desc" {
            query.add(InvalidParameter(name: "order", reason: "\"\(orderText)\" is not allowed: expected asc or desc"))
        }
        let descending = orderText.map { $0 == "desc" } ?? (sort ?? .submitted).defaultDescending
        let accept = request.headers[.accept] ?? ""
        let format = query.string("format") ?? (accept.contains("text/csv") ? "csv" : "json")
        if format != "json", format != "csv" {
            query.add(InvalidParameter(name: "format", reason: "\"\(format)\" is not allowed: expected json or csv"))
        }
        let csv = format == "csv"
        var clock = ComplaintQueueCSV.Clock.shanghai, bom = false
        if let tz = query.string("tz") {
            if tz == "utc" || tz == "asia_shanghai" {
                clock = tz == "utc" ? .utc : .shanghai
            } else {
                query.add(InvalidParameter(name: "tz", reason: "\"\(tz)\" is not allowed: expected asia_shanghai (the default) or utc"))
            }
        }
        // A byte order mark is for the CSV file only; JSON never starts with one (RFC 8259), so
        // the flag is checked but changes nothing there.
        if let bomText = query.string("bom") {
            if ["1", "true", "0", "false"].contains(bomText) {
                bom = bomText == "1" || bomText == "true"
            } else {
                query.add(InvalidParameter(name: "bom", reason: "\"\(bomText)\" is not allowed: expected 1 or 0 (true or false)"))
            }
        }
        // One range for both forms (the document's); a JSON page holds at most 200, `next` goes on.
        let askedLimit = query.limit(default: csv ? ComplaintQueueCSV.maxRows : 50, max: ComplaintQueueCSV.maxRows)
        let limit = csv ? askedLimit : min(askedLimit, 200)
        var after: ListCursor?
        if let afterText = query.string("after"), let sort {
            do { after = try ListCursor.parse(afterText, sort: sort, descending: descending) } catch { error.parameters.forEach { query.add($0) } }
        }
        try query.check()
        let scope: String?
        switch Jurisdiction.listScope(staff.role, asked: county) {
        case .success(let own): scope = own
        case .failure(let refused):
            throw Problem(status: .forbidden, kind: "forbidden", title: "Forbidden",
                          detail: "token \(staff.name) (\(staff.role)) may not list complaints of county \(refused.asked): only of \(refused.own)")
        }
        var listQuery = ComplaintDesk.ListQuery(countyCode: scope, limit: limit)
        listQuery.statuses = statuses
        listQuery.urgentOnly = urgentOnly
        listQuery.nearBorder = nearBorder
        listQuery.overdueAt = overdue ? Date() : nil
        listQuery.search = search
        listQuery.sort = sort ?? .submitted
        listQuery.descending = descending
        listQuery.after = after
        let desk = self.desk, asked = listQuery
        if csv {
            let clock = clock
            let (text, rows, next) = try await blocking {
                let page = try desk.export(asked, maxRows: limit)
                let text = ComplaintQueueCSV.encode(page.complaints, snapshot: desk.finder.snapshot, clock: clock) { desk.seesPhone(staff, of: $0) }
                return (text, page.complaints.count, page.next)
            }
            var headers = JSONResponse.noStore
            headers[.contentDisposition] = "attachment; filename=\"complaints-\(scope ?? "330000")-\(ComplaintNumber.day(of: Date())).csv\""
            headers[Self.exportRows] = "\(rows)"
            if let next { headers[Self.exportNext] = next }
            return JSONResponse.make((bom ? CSV.byteOrderMark : []) + Array(text.utf8), status: .ok, headers: headers, contentType: "text/csv; charset=utf-8")
        }
        let page = try await blocking { try desk.list(asked) }
        let summaries = page.complaints.map { ComplaintSummary($0, seesPhone: desk.seesPhone(staff, of: $0), utc: clock == .utc) }
        return try JSONResponse.encoding(ListResponse(county: scope, status: statusTexts.isEmpty ? nil : statusTexts.joined(separator: ","), overdue: overdue,
                                                      near_border: nearBorder, urgent: urgentOnly, q: qText, sort: listQuery.sort.rawValue,
                                                      order: descending ? "desc" : "asc", complaints: summaries, next: page.next), for: request)
    }

    /// `X-Export-Rows`: how many complaints a CSV export holds.
    static let exportRows = HTTPField.Name("X-Export-Rows")!

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
        // A station's staff mobiles in full only for admins and that station's county: the
        // complaint may have passed through other counties' stations before.
        let ownStaff: Set<String> = staff.role.isAdmin ? [] : Set(desk.finder.snapshot.stations
            .filter { Jurisdiction.seesStaffMobiles(staff.role, stationCounty: $0.countyCode) }.flatMap { $0.staff.map(\.mobile) })
        func shown(_ e: SMSOutbox.Entry) -> String {
            switch e.message.recipient {
            case .staff: staff.role.isAdmin || ownStaff.contains(e.message.phone) ? e.message.phone : MobileNumber.masked(e.message.phone)
            default: seesPhone ? e.message.phone : MobileNumber.masked(e.message.phone)
            }
        }
        let items = entries.map { e in
            NotificationsResponse.Item(id: e.message.id, recipient: e.message.recipient.rawValue,
                                       phone: shown(e),
                                       template: e.message.template, text: e.message.text, status: e.status, attempts: e.attempts,
                                       last_error: e.lastError, sent_at: e.sentAt.map(Timestamp.shanghai))
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
