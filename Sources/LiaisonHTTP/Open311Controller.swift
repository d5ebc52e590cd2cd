import Foundation
import HTTPTypes
import Hummingbird
import LiaisonCore
import LiaisonStore

/// Open311 GeoReport v2 under `/open311/v2`, in JSON: existing civic-reporting clients file
/// and track complaints here with a client key (`liaison tokens create --role client`) as
/// `api_key`. Errors use the standard's format, `[{"code": 400, "description": "..."}]`.
///
/// A client reads back only the requests it filed itself: complaints hold personal data.
struct Open311Controller {
    let desk: any ConsumerComplaintStore
    let authenticator: any TokenStore
    let settings: ServerSettings
    /// The same intake quota per client key as `POST /v1/complaints`.
    let limits: Limits

    static let base = "/open311/v2"
    /// Requests `requests.json` lists at most (the standard allows up to 1000).
    static let maxListed = 200

    var endpoints: [Endpoint] {
        [
            .get("\(Self.base)/services.json", services),
            .get("\(Self.base)/services/{code}.json", service),
            Endpoint(method: .post, path: "\(Self.base)/requests.json", handler: file),
            .get("\(Self.base)/requests.json", requests),
            .get("\(Self.base)/requests/{id}.json", request),
        ]
    }

    @Sendable func services(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await open311 {
            try Self.checkQuery(request, allowed: ["jurisdiction_id", "api_key"])
            return try JSONResponse.encoding(ComplaintCategory.allCases.map(Open311.Service.init), for: request)
        }
    }

    @Sendable func service(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await open311 {
            try Self.checkQuery(request, allowed: ["jurisdiction_id", "api_key"])
            let code = context.path("code")
            guard let category = ComplaintCategory(rawValue: code) else {
                throw Problem.notFound("no service \(code): see services.json")
            }
            return try JSONResponse.encoding(Open311.Definition(category), for: request)
        }
    }

    /// `POST requests.json`: the key in the query string is checked before the body is read;
    /// one in the form (where clients put it) after reading at most the small body limit.
    @Sendable func file(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await open311 {
            var client: StaffToken?
            if let key = request.uri.queryParameters.get("api_key"), !key.isEmpty { client = try await authenticate(String(key)) }
            let type = request.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
            guard type == "application/x-www-form-urlencoded" else {
                throw Problem(status: .unsupportedMediaType, kind: "unsupported-media-type", title: "Unsupported media type",
                              detail: "send the request as application/x-www-form-urlencoded (media uploads are not accepted: give media_url)")
            }
            let body = try await collectBody(request, settings: settings)
            guard let pairs = Open311.form(body) else {
                throw Problem(status: .badRequest, kind: "invalid-parameters", title: "Invalid parameters", detail: "the form body has a malformed % escape")
            }
            var fields: [String: String] = [:]
            var problems: [InvalidParameter] = []
            for (key, value) in pairs {
                if fields[key] != nil { problems.append(InvalidParameter(name: key, reason: "is given twice: give it once")) }
                fields[key] = value
            }
            if client == nil {
                guard let key = fields["api_key"], !key.isEmpty else { throw Self.unauthorized }
                client = try await authenticate(key)
            }
            guard let client else { throw Self.unauthorized }
            let decision = limits.takeIntake(client: client.name)
            guard decision.allowed else {
                throw Limits.refused(decision, detail: "client \(client.name) has filed \(decision.limit) requests in quick succession: wait \(decision.resetSeconds) s")
            }
            let attributes = Set(Open311.attributeCodes.map { "attribute[\($0)]" })
            for key in fields.keys.sorted() where !Open311.standardFields.contains(key) && !attributes.contains(key) {
                problems.append(InvalidParameter(name: key, reason: "unknown field: expected the GeoReport v2 fields and attribute[\(Open311.attributeCodes.joined(separator: "|"))]"))
            }
            for name in ["lat", "long"] {
                guard let text = fields[name] else {
                    problems.append(InvalidParameter(name: name, reason: "is required: complaints are placed by location (WGS-84 lat and long)"))
                    continue
                }
                if !DecimalNumber.isDecimal(text) { problems.append(InvalidParameter(name: name, reason: "\"\(text)\" is not a decimal number of degrees")) }
            }
            if fields["phone"] == nil { problems.append(InvalidParameter(name: "phone", reason: "is required: the consumer's mobile, to which progress texts are sent")) }
            if (fields["first_name"] ?? "") + (fields["last_name"] ?? "") == "" {
                problems.append(InvalidParameter(name: "last_name", reason: "first_name or last_name is required: the consumer's name"))
            }
            if fields["attribute[merchant_name]"] == nil {
                problems.append(InvalidParameter(name: "attribute[merchant_name]", reason: "is required: the merchant complained about"))
            }
            guard problems.isEmpty else { throw Problem.invalid(InvalidInput(problems)) }
            let intake: ComplaintIntake
            do {
                intake = try ComplaintIntake.validate(Open311.intakeBody(fields))
            } catch let error as InvalidInput {
                throw Problem.invalid(InvalidInput(error.parameters.map {
                    InvalidParameter(name: Open311.fieldNames[$0.name] ?? $0.name, reason: $0.reason)
                }))
            }
            let desk = self.desk, name = client.name
            let (complaint, _) = try await blocking { try desk.submit(intake, client: name) }
            struct Filed: Encodable {
                let service_request_id: String
                let service_notice: String?
                let account_id: String?
            }
            return try Self.private([Filed(service_request_id: complaint.number, service_notice: complaint.assignmentReason, account_id: nil)],
                                    status: .created)
        }
    }

    /// `GET requests.json?api_key=&service_request_id=&service_code=&start_date=&end_date=&status=`:
    /// the client's own requests, newest first, at most ``maxListed``; by default of the last 90 days.
    @Sendable func requests(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await open311 {
            let client = try await authenticate(request.uri.queryParameters.get("api_key").map { String($0) } ?? "")
            var q = QueryReader(request, allowed: ["api_key", "jurisdiction_id", "service_request_id", "service_code", "start_date", "end_date", "status"])
            let ids = q.string("service_request_id").map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            if let ids, ids.count > 50 { q.add(InvalidParameter(name: "service_request_id", reason: "\(ids.count) ids: at most 50 at a time")) }
            let code = q.string("service_code")
            if let code, ComplaintCategory(rawValue: code) == nil {
                q.add(InvalidParameter(name: "service_code", reason: "unknown service \"\(code)\": expected one of \(ComplaintCategory.allowedNames)"))
            }
            let status = q.string("status")
            if let status, status != "open", status != "closed" {
                q.add(InvalidParameter(name: "status", reason: "\"\(status)\" is not allowed: expected open or closed"))
            }
            var dates: [String: Date] = [:]
            for name in ["start_date", "end_date"] {
                guard let text = q.string(name) else { continue }
                if let date = Timestamp.parse(text) ?? LocalDate(text)?.startInShanghai { dates[name] = date } else {
                    q.add(InvalidParameter(name: name, reason: "\"\(text)\" is not a date: expected W3C/RFC 3339, e.g. 2026-12-01T00:00:00+08:00"))
                }
            }
            try q.check()
            let end = dates["end_date"] ?? Date()
            let start = dates["start_date"] ?? end.addingTimeInterval(-90 * 86_400)
            let desk = self.desk, name = client.name
            let complaints = try await blocking {
                try desk.clientComplaints(client: name, numbers: ids, category: code.flatMap(ComplaintCategory.init(rawValue:)),
                                          from: ids == nil ? start : nil, to: ids == nil ? end : nil, limit: Self.maxListed * 4)
            }
            let snapshot = desk.finder.snapshot
            let shown = complaints.map { Open311.Request($0, snapshot: snapshot) }.filter { status == nil || $0.status == status }
            return try Self.private(Array(shown.prefix(Self.maxListed)))
        }
    }

    @Sendable func request(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await open311 {
            let client = try await authenticate(request.uri.queryParameters.get("api_key").map { String($0) } ?? "")
            try Self.checkQuery(request, allowed: ["api_key", "jurisdiction_id"])
            let id = context.path("id")
            let desk = self.desk, name = client.name
            let found = try await blocking { try desk.clientComplaints(client: name, numbers: [id], category: nil, from: nil, to: nil, limit: 1) }
            guard let complaint = found.first else { throw Problem.notFound("no request \(id) filed with this api_key") }
            return try Self.private([Open311.Request(complaint, snapshot: desk.finder.snapshot)])
        }
    }

    // MARK: - Plumbing

    static let unauthorized = Problem(status: .forbidden, kind: "forbidden", title: "Forbidden",
                                      detail: "api_key is required: a client key (liaison tokens create --role client)")

    /// The client of a key: 403 for a missing, unknown, revoked or non-client key.
    private func authenticate(_ key: String) async throws -> StaffToken {
        guard !key.isEmpty else { throw Self.unauthorized }
        let authenticator = self.authenticator
        guard let token = try await blocking({ try authenticator.authenticate(key) }), token.role == .client else {
            throw Problem(status: .forbidden, kind: "forbidden", title: "Forbidden", detail: "api_key is unknown, revoked or not a client key")
        }
        return token
    }

    /// JSON that no cache keeps: requests carry the consumer's complaint.
    private static func `private`<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        try JSONResponse.encoding(value, status: status, headers: JSONResponse.noStore)
    }

    private static func checkQuery(_ request: Request, allowed: Set<String>) throws {
        try QueryReader(request, allowed: allowed).check()
    }

    /// Runs a handler, answering its problems in the GeoReport v2 error format.
    private func open311(_ body: () async throws -> Response) async throws -> Response {
        do {
            return try await body()
        } catch let error as any DomainError {
            return try Self.georeport(Problem(error))
        } catch let problem as Problem {
            return try Self.georeport(problem)
        }
    }

    /// A problem in the GeoReport v2 error format: a list of `{code, description}`.
    private static func georeport(_ problem: Problem) throws -> Response {
        let description = problem.invalidParameters.isEmpty ? problem.detail : problem.invalidParameters.map(\.description).joined(separator: "; ")
        var response = try Self.private([Open311.ErrorItem(code: Int(problem.status.code), description: description)], status: problem.status)
        for field in problem.headers { response.headers[field.name] = field.value }
        return response
    }
}
