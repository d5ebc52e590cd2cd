import Foundation
import Hummingbird
import LiaisonCore

/// Reads query parameters into typed values, collecting every problem instead of stopping
/// at the first, and rejecting parameters the endpoint does not know (typos like `limt`).
struct QueryReader {
    private let parameters: Parameters
    private(set) var problems: [InvalidParameter] = []

    /// `repeatable` names the parameters that may be given more than once (read with ``strings(_:)``).
    init(_ request: Request, allowed: Set<String>, repeatable: Set<String> = []) {
        parameters = request.uri.queryParameters
        var seen: Set<String> = []
        for (key, _) in parameters {
            let name = Self.decoded(key)
            if !allowed.contains(name) {
                problems.append(InvalidParameter(name: name, reason: "unknown parameter: expected one of \(allowed.sorted().joined(separator: ", "))"))
            } else if !seen.insert(name).inserted, !repeatable.contains(name) {
                problems.append(InvalidParameter(name: name, reason: "given more than once: expected a single value"))
            }
        }
    }

    func string(_ name: String) -> String? {
        if let value = parameters.get(name) { return String(value) }
        // A key written percent-encoded (`mo%64e`) names the same parameter.
        return parameters.first { $0.key.utf8.contains(UInt8(ascii: "%")) && Self.decoded($0.key) == name }.map { String($0.value) }
    }

    /// Every value of a repeatable parameter, in the order given (`status=a&status=b`).
    func strings(_ name: String) -> [String] {
        parameters.filter { Self.decoded($0.key) == name }.map { String($0.value) }
    }

    /// Keys arrive percent-encoded (Hummingbird decodes only values); most have no `%` at all.
    private static func decoded(_ key: Substring) -> String {
        guard key.utf8.contains(UInt8(ascii: "%")) else { return String(key) }
        return String(key).removingPercentEncoding ?? String(key)
    }

    mutating func double(_ name: String, required: Bool = false, allowed: String) -> Double? {
        guard let text = string(name) else {
            if required { problems.append(InvalidParameter(name: name, reason: "is required: expected \(allowed)")) }
            return nil
        }
        guard let value = DecimalNumber.parse(text) else {
            problems.append(InvalidParameter(name: name, reason: "\"\(text)\" is not a finite number: expected \(allowed)"))
            return nil
        }
        return value
    }

    mutating func integer(_ name: String, allowed: String) -> Int? {
        guard let text = string(name) else { return nil }
        guard text.utf8.allSatisfy({ (48...57).contains($0) || $0 == UInt8(ascii: "-") }), let value = Int(text) else {
            problems.append(InvalidParameter(name: name, reason: "\"\(text)\" is not an integer: expected \(allowed)"))
            return nil
        }
        return value
    }

    /// A page size `limit` from 1 to `max`, `defaultLimit` when absent.
    mutating func limit(default defaultLimit: Int, max: Int) -> Int {
        let allowed = "an integer from 1 to \(max)"
        let limit = integer("limit", allowed: allowed) ?? defaultLimit
        if !(1...max).contains(limit) { problems.append(InvalidParameter(name: "limit", reason: "is \(limit): expected \(allowed)")) }
        return limit
    }

    /// The `after` cursor of a list of complaints: the previous page's last number.
    mutating func complaintCursor() -> String? {
        let after = string("after")
        if let after, !ComplaintNumber.isWellFormed(after) {
            problems.append(InvalidParameter(name: "after", reason: "expected a complaint number ZJ-YYYYMMDD-NNNNNN (the previous page's next)"))
        }
        return after
    }

    mutating func add(_ problem: InvalidParameter) {
        problems.append(problem)
    }

    /// Throws a 400 problem naming every bad parameter so far, if any.
    func check() throws(Problem) {
        if !problems.isEmpty { throw Problem.invalid(InvalidInput(problems)) }
    }
}
