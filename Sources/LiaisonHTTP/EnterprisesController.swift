import Foundation
import HTTPTypes
import Hummingbird
import LiaisonCore
import LiaisonStore

/// The enterprise register and the direct train: staff register and enrol enterprises; an
/// enrolled enterprise lists and answers the complaints sent to it with its own key.
struct EnterprisesController {
    let register: any EnterpriseStore
    let desk: any StaffComplaintStore
    let settings: ServerSettings

    var endpoints: [Endpoint] {
        [
            Endpoint(method: .post, path: "/v1/enterprises", access: .admin, handler: add),
            .get("/v1/enterprises", access: .staff, list),
            .get("/v1/enterprises/{code}", access: .staff, show),
            Endpoint(method: .post, path: "/v1/enterprises/{code}/enrolment", access: .admin, handler: enrol),
            Endpoint(method: .delete, path: "/v1/enterprises/{code}/enrolment", access: .admin, handler: revoke),
            .get("/v1/enterprise/complaints", access: .enterprise, pending),
            .get("/v1/enterprise/complaints/{number}", access: .enterprise, complaint),
            Endpoint(method: .post, path: "/v1/enterprise/complaints/{number}/settle", access: .enterprise, handler: { try await answer(.settle, $0, $1) }),
            Endpoint(method: .post, path: "/v1/enterprise/complaints/{number}/decline", access: .enterprise, handler: { try await answer(.decline, $0, $1) }),
        ]
    }

    /// An enterprise as staff see it.
    struct EnterpriseView: Encodable {
        struct Contact: Encodable { let name: String; let phone: String }
        struct DirectTrain: Encodable {
            let enrolled: Bool
            let enrolled_at: String?
            /// The self-settlement window in working days (the service level's when not set).
            let settle_days: Int?
            let uses_default_window: Bool
        }
        let credit_code: String
        let name: String
        let merchant_id: String?
        let contact: Contact
        let direct_train: DirectTrain
        let created_at: String

        init(_ e: Enterprise, defaultDays: Int?) {
            credit_code = e.creditCode
            name = e.name
            merchant_id = e.merchantID
            contact = Contact(name: e.contactName, phone: e.contactPhone)
            direct_train = DirectTrain(enrolled: e.isEnrolled, enrolled_at: e.enrolledAt.map(Timestamp.string),
                                       settle_days: e.isEnrolled ? (e.settleDays ?? defaultDays) : nil, uses_default_window: e.settleDays == nil)
            created_at = Timestamp.string(e.createdAt)
        }
    }

    var defaultDays: Int? {
        if case .workingDays(let n) = desk.settings.serviceClock.rules.enterpriseSettlement { return n }
        return nil
    }

    @Sendable func add(_ request: Request, context: AppRequestContext) async throws -> Response {
        try QueryReader(request, allowed: []).check()
        let body = try await collectBody(request, settings: settings)
        let enterprise: Enterprise
        do { enterprise = try Enterprise.validate(body, at: Date()) } catch { throw Problem.invalid(error) }
        let register = self.register
        let added = try await blocking { try register.add(enterprise) }
        var response = try JSONResponse.encoding(EnterpriseView(added, defaultDays: defaultDays), for: request)
        response.status = .created
        response.headers[.location] = "/v1/enterprises/\(added.creditCode)"
        return response
    }

    struct ListResponse: Encodable {
        let enterprises: [EnterpriseView]
        /// Pass as `after` for the next page; nil on the last one.
        let next: String?
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        var query = QueryReader(request, allowed: ["enrolled", "after", "limit"])
        let enrolledText = query.string("enrolled")
        if let enrolledText, enrolledText != "true", enrolledText != "false" {
            query.add(InvalidParameter(name: "enrolled", reason: "\"\(enrolledText)\" is not allowed: expected true or false"))
        }
        let limit = query.limit(default: 100, max: 500)
        let after = query.string("after")
        try query.check()
        let register = self.register
        let found = try await blocking { try register.list(enrolled: enrolledText.map { $0 == "true" }, after: after, limit: limit + 1) }
        let page = Array(found.prefix(limit))
        return try JSONResponse.encoding(ListResponse(enterprises: page.map { EnterpriseView($0, defaultDays: defaultDays) },
                                                      next: found.count > limit ? page.last?.creditCode : nil), for: request)
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        try QueryReader(request, allowed: []).check()
        let code = self.code(context), register = self.register
        return try JSONResponse.encoding(EnterpriseView(try await blocking { try register.enterprise(code) }, defaultDays: defaultDays), for: request)
    }

    struct EnrolmentResponse: Encodable {
        let enterprise: EnterpriseView
        /// The enterprise's API key: shown this once, only its digest is kept. Any earlier key is revoked.
        let key: String
        let key_name: String
    }

    /// `{"settle_days": 5}` or an empty body (the service level's window).
    @Sendable func enrol(_ request: Request, context: AppRequestContext) async throws -> Response {
        try QueryReader(request, allowed: []).check()
        let body = try await collectBody(request, settings: settings)
        var days: Int?
        if !body.allSatisfy({ [0x20, 0x0A, 0x0D, 0x09].contains($0) }) {
            struct Body: Decodable { let settle_days: Int? }
            guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
                throw Problem.invalid(InvalidInput(name: "body", reason: "not a JSON object: expected nothing or {\"settle_days\": 1 to 30}"))
            }
            if let unknown = object.keys.sorted().first(where: { $0 != "settle_days" }) {
                throw Problem.invalid(InvalidInput(name: unknown, reason: "unknown field: expected only settle_days"))
            }
            if object["settle_days"] is NSNull {
                throw Problem.invalid(InvalidInput(name: "settle_days", reason: "is null: leave the field out instead (an empty body keeps the window)"))
            }
            guard let decoded = try? JSONDecoder().decode(Body.self, from: body) else {
                throw Problem.invalid(InvalidInput(name: "settle_days", reason: "expected an integer from 1 to 30 (working days)"))
            }
            days = decoded.settle_days
        }
        let code = self.code(context), register = self.register, chosen = days
        let (enterprise, key, name) = try await blocking { try register.enrol(code, settleDays: chosen) }
        var response = try JSONResponse.encoding(EnrolmentResponse(enterprise: EnterpriseView(enterprise, defaultDays: defaultDays), key: key, key_name: name),
                                                 for: request)
        response.headers[.cacheControl] = "no-store"
        return response
    }

    struct RevokeResponse: Encodable {
        let enterprise: EnterpriseView
        /// The complaints that were waiting for the enterprise and went on to stations.
        let recalled: [String]
    }

    @Sendable func revoke(_ request: Request, context: AppRequestContext) async throws -> Response {
        try QueryReader(request, allowed: []).check()
        let code = self.code(context), register = self.register
        let (enterprise, recalled) = try await blocking { try register.revoke(code) }
        return try JSONResponse.encoding(RevokeResponse(enterprise: EnterpriseView(enterprise, defaultDays: defaultDays), recalled: recalled), for: request)
    }

    // MARK: - The enterprise's own routes

    struct PendingResponse: Encodable {
        let status: String
        let complaints: [ComplaintView]
        let next: String?
    }

    /// `status=with_enterprise` (the default: waiting for the enterprise), `settlement_offered` or `all`.
    @Sendable func pending(_ request: Request, context: AppRequestContext) async throws -> Response {
        let code = try context.enterpriseCode()
        var query = QueryReader(request, allowed: ["status", "after", "limit"])
        let statusText = query.string("status") ?? "with_enterprise"
        let status: ComplaintStatus? = statusText == "all" ? nil : ComplaintStatus(rawValue: statusText)
        if statusText != "all", status == nil || !status!.isWithEnterprise {
            query.add(InvalidParameter(name: "status", reason: "\"\(statusText)\" is not allowed: expected with_enterprise, settlement_offered or all"))
        }
        let limit = query.limit(default: 50, max: 200)
        let after = query.complaintCursor()
        try query.check()
        let desk = self.desk
        let found = try await blocking { try desk.enterpriseComplaints(code: code, status: status, after: after, limit: limit + 1) }
        let page = Array(found.prefix(limit))
        let views = page.map { ComplaintView($0, events: [], snapshot: desk.finder.snapshot, audience: .enterprise, videoBaseURL: desk.settings.videoBaseURL) }
        return try JSONResponse.encoding(PendingResponse(status: statusText, complaints: views, next: found.count > limit ? page.last?.number : nil), for: request)
    }

    @Sendable func complaint(_ request: Request, context: AppRequestContext) async throws -> Response {
        let code = try context.enterpriseCode()
        try QueryReader(request, allowed: []).check()
        let number = self.number(context), desk = self.desk
        guard let (complaint, events) = try await blocking({ try desk.enterpriseComplaint(number, code: code) }) else {
            throw Problem.notFound("no complaint \(number) was sent to this enterprise")
        }
        return try JSONResponse.encoding(ComplaintView(complaint, events: events, snapshot: desk.finder.snapshot, audience: .enterprise,
                                                       videoBaseURL: desk.settings.videoBaseURL), for: request)
    }

    func answer(_ action: ComplaintAction, _ request: Request, _ context: AppRequestContext) async throws -> Response {
        let token = try context.authenticated(), code = try context.enterpriseCode()
        try QueryReader(request, allowed: []).check()
        let body = try await collectBody(request, settings: settings)
        let command: EnterpriseCommand
        do { command = try EnterpriseCommand.validate(body, action: action) } catch { throw Problem.invalid(error) }
        let number = self.number(context)
        guard ComplaintNumber.isWellFormed(number) else { throw Problem.notFound("no complaint \(number) was sent to this enterprise") }
        let desk = self.desk
        let (complaint, events) = try await blocking { try desk.act(on: number, command, enterprise: code, actor: "enterprise:\(token.name)") }
        return try JSONResponse.encoding(ComplaintView(complaint, events: events, snapshot: desk.finder.snapshot, audience: .enterprise,
                                                       videoBaseURL: desk.settings.videoBaseURL), for: request)
    }

    private func code(_ context: AppRequestContext) -> String {
        context.path("code")
    }

    private func number(_ context: AppRequestContext) -> String {
        context.path("number")
    }
}
