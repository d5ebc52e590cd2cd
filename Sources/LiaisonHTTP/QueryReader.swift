import Hummingbird
import LiaisonCore

/// Reads query parameters into typed values, collecting every problem instead of stopping
/// at the first, and rejecting parameters the endpoint does not know (typos like `limt`).
struct QueryReader {
    private let parameters: Parameters
    private(set) var problems: [InvalidParameter] = []

    init(_ request: Request, allowed: Set<String>) {
        parameters = request.uri.queryParameters
        var seen: Set<String> = []
        for (key, _) in parameters {
            let name = String(key)
            if !allowed.contains(name) {
                problems.append(InvalidParameter(name: name, reason: "unknown parameter: expected one of \(allowed.sorted().joined(separator: ", "))"))
            } else if !seen.insert(name).inserted {
                problems.append(InvalidParameter(name: name, reason: "given more than once: expected a single value"))
            }
        }
    }

    func string(_ name: String) -> String? {
        parameters.get(name).map { String($0) }
    }

    mutating func double(_ name: String, required: Bool = false, allowed: String) -> Double? {
        guard let text = string(name) else {
            if required { problems.append(InvalidParameter(name: name, reason: "is required: expected \(allowed)")) }
            return nil
        }
        guard let value = Double(text), value.isFinite else {
            problems.append(InvalidParameter(name: name, reason: "\"\(text)\" is not a finite number: expected \(allowed)"))
            return nil
        }
        return value
    }

    mutating func integer(_ name: String, allowed: String) -> Int? {
        guard let text = string(name) else { return nil }
        guard let value = Int(text) else {
            problems.append(InvalidParameter(name: name, reason: "\"\(text)\" is not an integer: expected \(allowed)"))
            return nil
        }
        return value
    }

    mutating func add(_ problem: InvalidParameter) {
        problems.append(problem)
    }

    /// Throws a 400 problem naming every bad parameter so far, if any.
    func check() throws(Problem) {
        if !problems.isEmpty { throw Problem.invalid(InvalidInput(problems)) }
    }
}
