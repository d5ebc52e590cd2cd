import Foundation
import HTTPTypes
import Hummingbird
import LiaisonCore

/// An error answered as `application/problem+json` (RFC 9457), in English unless the caller
/// prefers Chinese (`Accept-Language: zh-CN`): then the title is the type's Chinese title
/// (``Labels/problems``) and the detail the error's Chinese description, or for the errors
/// that have none, the Chinese title followed by the English detail. Every problem says its
/// `Content-Language` and `Vary: Accept-Language`.
///
/// ```json
/// {"type":"https://liaison.example/problems/invalid-parameters","title":"Invalid parameters","status":400,
///  "detail":"lat: ...","invalid_params":[{"name":"lat","reason":"..."}]}
/// ```
public struct Problem: Error, HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    /// A short slug naming the kind of problem; the `type` URI ends with it.
    public var kind: String
    public var title: String
    public var detail: String
    /// The detail in Chinese, when the error has one (``DomainError/chineseDescription``).
    public var chineseDetail: String?
    public var invalidParameters: [InvalidParameter] = []
    public var headers: HTTPFields = [:]
    /// For a rejected import: every bad feature with its own problems.
    public var features: [FeatureProblem]?

    /// One bad feature of a collection.
    public struct FeatureProblem: Sendable, Encodable {
        public let index: Int
        public let id: String?
        public let invalid_params: [InvalidParameter]
    }

    public static let typeBase = "https://liaison.zj/problems/"

    public init(status: HTTPResponse.Status, kind: String, title: String, detail: String,
                invalidParameters: [InvalidParameter] = [], headers: HTTPFields = [:]) {
        self.status = status
        self.kind = kind
        self.title = title
        self.detail = detail
        self.invalidParameters = invalidParameters
        self.headers = headers
    }

    /// 400 for input that failed validation, naming every bad parameter.
    public static func invalid(_ input: InvalidInput) -> Problem {
        Problem(input)
    }

    public static func notFound(_ detail: String) -> Problem {
        Problem(status: .notFound, kind: "not-found", title: "Not found", detail: detail)
    }

    /// The one mapping of domain errors to problems.
    public init(_ error: any DomainError) {
        self.init(refusing: error)
        chineseDetail = error.chineseDescription
    }

    private init(refusing error: any DomainError) {
        let detail = error.description
        switch error.refusal {
        case .invalidInput:
            let parameters = (error as? InvalidInput)?.parameters ?? []
            self.init(status: .badRequest, kind: "invalid-parameters", title: "Invalid parameters", detail: detail, invalidParameters: parameters)
        case .outsideServiceArea:
            self.init(status: .unprocessableContent, kind: "outside-service-area", title: "Outside the service area", detail: detail,
                      invalidParameters: [InvalidParameter(name: "location", reason: detail)])
        case .notFound:
            self.init(status: .notFound, kind: "not-found", title: "Not found", detail: detail)
        case .forbidden:
            self.init(status: .forbidden, kind: "forbidden", title: "Forbidden", detail: detail)
        case .conflict(let type, let title):
            self.init(status: .conflict, kind: type, title: title, detail: detail)
        case .preconditionFailed:
            self.init(status: .preconditionFailed, kind: "precondition-failed", title: "Precondition failed", detail: detail)
        case .rateLimited(let seconds):
            var headers = HTTPFields()
            headers[.retryAfter] = String(seconds)
            self.init(status: .tooManyRequests, kind: "rate-limited", title: "Too many complaints from this phone", detail: detail, headers: headers)
        case .unprocessable(let field, let type, let title):
            self.init(status: .unprocessableContent, kind: type, title: title, detail: detail,
                      invalidParameters: [InvalidParameter(name: field, reason: detail)])
        }
    }

    struct Body: Encodable {
        let type: String
        let title: String
        let status: Int
        let detail: String
        let instance: String?
        let request_id: String?
        let invalid_params: [InvalidParameter]?
        let features: [FeatureProblem]?
    }

    /// The title, detail and parameters in `language`. In Chinese each parameter's reason is
    /// translated where its shape is known (``Labels/chinese(reason:)``); the values, lists and
    /// examples inside it, and the features of a rejected import, stay English.
    func text(in language: Language) -> (title: String, detail: String, parameters: [InvalidParameter]) {
        guard language == .chinese else { return (title, detail, invalidParameters) }
        let title = Labels.problemTitle(kind: kind, status: Int(status.code))
        let detail = chineseDetail ?? (invalidParameters.isEmpty ? "\(title)：\(self.detail)" : Labels.chineseDetail(invalidParameters))
        // A parameter whose reason is the whole detail (outside-service-area) takes the Chinese detail.
        let parameters = invalidParameters.map {
            InvalidParameter(name: $0.name, reason: $0.reason == self.detail ? detail : Labels.chinese(reason: $0.reason))
        }
        return (title, detail, parameters)
    }

    public func response(from request: Request, context: some RequestContext) -> Response {
        let requestID = (context as? AppRequestContext)?.requestID
        let language = Language(request)
        let text = text(in: language)
        let body = Body(type: Self.typeBase + kind, title: text.title, status: Int(status.code), detail: text.detail,
                        instance: request.uri.path, request_id: requestID,
                        invalid_params: text.parameters.isEmpty ? nil : text.parameters, features: features)
        var headers = headers
        headers.append(contentsOf: language.headers)
        headers[.contentType] = "application/problem+json"
        // Encoding these few strings and numbers cannot fail; the fallback is for form's sake.
        let bytes = (try? JSONOutput.encode(body)) ?? Data("{\"status\":\(status.code)}".utf8)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
