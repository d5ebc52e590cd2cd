/// One bad input field: its name as the caller wrote it and what is wrong with it,
/// including what is allowed.
public struct InvalidParameter: Sendable, Hashable, Codable, CustomStringConvertible {
    public let name: String
    public let reason: String

    public init(name: String, reason: String) {
        self.name = name
        self.reason = reason
    }

    public var description: String { "\(name): \(reason)" }
}

/// Input that failed validation; nothing was read or written because of it.
public struct InvalidInput: Error, Sendable, Hashable, CustomStringConvertible {
    public let parameters: [InvalidParameter]

    public init(_ parameters: [InvalidParameter]) {
        precondition(!parameters.isEmpty, "InvalidInput needs at least one parameter")
        self.parameters = parameters
    }

    public init(name: String, reason: String) {
        self.init([InvalidParameter(name: name, reason: reason)])
    }

    public var description: String { parameters.map(\.description).joined(separator: "; ") }
}

/// Something the caller named does not exist (a station id, a county code).
public struct NotFound: Error, Sendable, Hashable, CustomStringConvertible {
    public let what: String
    public let id: String

    public init(what: String, id: String) {
        self.what = what
        self.id = id
    }

    public var description: String { "no \(what) with id \(id)" }
}
