import Foundation

/// The one reading of a JSON request body into an object, so every route says the same thing
/// about a body it cannot read, and says which of three things is wrong: the bytes are not
/// UTF-8, the text is not JSON (a lone surrogate escape such as `\ud800` names no character,
/// so it is not JSON text either), or the JSON is not an object.
public enum JSONBody {
    /// The body as a JSON object.
    ///
    /// ```swift
    /// let object = try JSONBody.object(body, expected: "{\"note\": \"...\"}")
    /// ```
    /// - Parameter expected: what the route takes, shown in every refusal.
    /// - Throws: ``InvalidInput`` on `body`.
    public static func object(_ body: Data, expected: String) throws(InvalidInput) -> [String: Any] {
        guard String(validating: body, as: UTF8.self) != nil else {
            throw InvalidInput(name: "body", reason: "is not UTF-8 text: expected \(expected)")
        }
        let value: Any
        do {
            value = try JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed])
        } catch {
            throw InvalidInput(name: "body", reason: "is not valid JSON (a string may not hold a lone surrogate escape such as \\ud800): expected \(expected)")
        }
        guard let object = value as? [String: Any] else {
            throw InvalidInput(name: "body", reason: "not a JSON object: expected \(expected)")
        }
        return object
    }
}
