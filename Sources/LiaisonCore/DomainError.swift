/// What kind of refusal a domain error is. The HTTP edge maps each kind to a problem
/// (`EdgeMiddleware`, one switch) and the CLI to an exit code (`storeCall`, one switch), so a
/// new error only says which kind it is.
public enum Refusal: Sendable, Hashable {
    /// The input breaks a rule, naming each bad field (``InvalidInput``): 400; CLI exit 64.
    case invalidInput
    /// A location outside the area the stations serve: 422 naming `location`; CLI exit 64.
    case outsideServiceArea
    /// Something named does not exist: 404; CLI exit 1.
    case notFound
    /// The caller's role does not cover it: 403; CLI exit 1.
    case forbidden
    /// The data as it stands refuses it: 409 with this problem type and title; CLI exit 1.
    case conflict(type: String, title: String)
    /// The caller's precondition (`If-Match`) no longer holds: 412; CLI exit 1.
    case preconditionFailed
    /// Too many requests from one source for now: 429 with `Retry-After`; CLI exit 1.
    case rateLimited(retryAfterSeconds: Int)
    /// A well-formed field whose value the data as it stands cannot honour (a chosen station
    /// that cannot take the complaint): 422 naming `field`, with this problem type and title; CLI exit 1.
    case unprocessable(field: String, type: String, title: String)
}

/// An error the caller can act on: its description says what happened and what is allowed.
public protocol DomainError: Error, Sendable, CustomStringConvertible {
    var refusal: Refusal { get }
    /// The description in Chinese, for callers that ask for it (`Accept-Language: zh-CN`);
    /// nil when only the English one exists (the problem then repeats it after a Chinese title).
    var chineseDescription: String? { get }
}

extension DomainError {
    public var chineseDescription: String? { nil }
}

extension InvalidInput: DomainError {
    public var refusal: Refusal { .invalidInput }
}

extension NotFound: DomainError {
    public var refusal: Refusal { .notFound }
}

extension OutsideServiceArea: DomainError {
    public var refusal: Refusal { .outsideServiceArea }
}

extension IllegalTransition: DomainError {
    public var refusal: Refusal { .conflict(type: "illegal-transition", title: "Not allowed in this state") }
}
