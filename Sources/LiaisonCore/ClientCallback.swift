import Crypto
import Foundation

/// Status callbacks: a client's URL that every event of the complaints it filed is POSTed to,
/// signed under the client's own secret.
///
/// The secret is never stored: it is derived from the server key (``TrackingKey/callbackSecret(client:)``),
/// so the store keeps only the URL, and the worker derives the secret again for each delivery.
///
/// ```swift
/// let url = try ClientCallback.checkedURL("https://backend.example.com/liaison")
/// let signature = ClientCallback.signature(secret: secret, timestamp: 1_764_900_000, body: body)   // "sha256=…"
/// ```
public enum ClientCallback {
    /// The longest URL accepted.
    public static let maxURLLength = 2048

    /// The URL as given, when it is an absolute `http` or `https` URL with a host, no user or
    /// password (it would be stored in clear) and no fragment.
    ///
    /// - Throws: ``InvalidInput`` naming `url`.
    public static func checkedURL(_ text: String) throws -> String {
        func invalid(_ why: String) -> InvalidInput {
            InvalidInput(name: "url", reason: "\(why): expected an absolute http:// or https:// URL with a host, at most \(maxURLLength) characters, "
                         + "without user, password or #fragment")
        }
        guard !text.isEmpty else { throw invalid("is empty") }
        guard text.utf8.count <= maxURLLength else { throw invalid("is \(text.utf8.count) bytes long") }
        guard text.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else { throw invalid("holds spaces, control or non-ASCII characters") }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else { throw invalid("\"\(text)\" is not a URL") }
        guard scheme == "http" || scheme == "https" else { throw invalid("the scheme \"\(scheme)\" is not allowed") }
        guard let host = components.host, !host.isEmpty else { throw invalid("\"\(text)\" has no host") }
        guard components.user == nil, components.password == nil else { throw invalid("a user or password in the URL would be stored in clear") }
        guard components.fragment == nil else { throw invalid("a #fragment is never sent") }
        if let port = components.port, !(1...65_535).contains(port) { throw invalid("port \(port) is out of range") }
        return text
    }

    /// `sha256=` and the lower-case hex HMAC-SHA-256, keyed with the secret's UTF-8 bytes, of
    /// `"<timestamp>.<body>"`: what `X-Liaison-Signature` carries.
    public static func signature(secret: String, timestamp: Int, body: Data) -> String {
        var signed = Data("\(timestamp).".utf8)
        signed.append(body)
        let mac = HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: Data(secret.utf8)))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    /// Whether `signature` is the one of `body` at `timestamp` under `secret` (compared in
    /// constant time): what a receiver does, here for tests and tools.
    public static func verify(signature: String, secret: String, timestamp: Int, body: Data) -> Bool {
        constantTimeEquals(Array(signature.utf8), Array(Self.signature(secret: secret, timestamp: timestamp, body: body).utf8))
    }

    /// The stable id of a complaint's event in callbacks: its number and the event's place in
    /// its history (the view's `events[].seq`), e.g. `ZJ-20261205-000001-3`.
    public static func eventID(number: String, ordinal: Int) -> String {
        "\(number)-\(ordinal)"
    }

    /// The body POSTed for one event: `{"complaint":VIEW,"event":…,"id":…,"number":…,"status":…,"time":…}`,
    /// keys sorted; `view` is the consumer view as the tracking route answers it.
    public static func payload(number: String, event: ComplaintEvent, consumerView view: Data) throws -> Data {
        struct Head: Encodable {
            let event: String
            let id: String
            let number: String
            let status: String
            let time: String
        }
        var head = try JSONOutput.encode(Head(event: event.action.rawValue, id: eventID(number: number, ordinal: event.ordinal), number: number,
                                              status: event.to.rawValue, time: Timestamp.shanghai(event.at)))
        // {"event":… → {"complaint":VIEW,"event":…: "complaint" sorts first.
        var body = Data("{\"complaint\":".utf8)
        body.append(view)
        body.append(UInt8(ascii: ","))
        head.removeFirst()
        body.append(head)
        return body
    }
}
