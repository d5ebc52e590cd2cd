import Foundation
import HTTPTypes
import Hummingbird
import LiaisonCore

/// The staff console's session cookie: how it is read from a request, written in an answer,
/// and what a request carrying it must also show (``StaffAuthenticator/session(_:)``).
enum ConsoleSession {
    static let cookieName = "liaison_session"
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!

    /// The session id of the request's `Cookie` header(s), when one has the shape of an id
    /// (`lss_` and 43 base64url characters); anything else is not looked up.
    static func id(in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == cookieName else { continue }
                let value = parts[1].trimmingCharacters(in: .whitespaces)
                if value.utf8.count == 47, value.hasPrefix("lss_"), Base64URL.decode(String(value.dropFirst(4)))?.count == 32 {
                    return value
                }
            }
        }
        return nil
    }

    /// `Set-Cookie` for a new session: script cannot read it (`HttpOnly`), no other site's page
    /// sends it (`SameSite=Strict`), it expires with the session, and it travels over TLS only
    /// (`Secure`) when the service is reached over https.
    static func cookie(id: String, maxAgeSeconds: Int, secure: Bool) -> String {
        "\(cookieName)=\(id); Path=/; Max-Age=\(maxAgeSeconds); HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "")
    }

    /// `Set-Cookie` that makes the browser forget the session (sign-out).
    static func expiredCookie(secure: Bool) -> String {
        cookie(id: "", maxAgeSeconds: 0, secure: secure)
    }

    /// Whether the browser reached the service over https: its public address says so, or the
    /// proxy in front of it does (`X-Forwarded-Proto`). A client that claims https for itself
    /// only makes its own cookie stricter.
    static func secure(_ request: Request, publicURL: String?) -> Bool {
        if let publicURL { return publicURL.lowercased().hasPrefix("https://") }
        return request.headers[LinkBase.forwardedProto]?.lowercased() == "https"
    }

    /// Whether `origin` (the `Origin` header: `scheme://host[:port]`) is this service: the
    /// host and port of its public address when configured, else of the request's `Host`
    /// (the proxy passes it on). The scheme is not compared: TLS ends at the proxy.
    static func sameOrigin(_ origin: String, request: Request, publicURL: String?) -> Bool {
        guard let given = authority(of: origin) else { return false }
        if let publicURL { return authority(of: publicURL) == given }
        guard let host = request.head.authority?.lowercased() else { return false }
        // The Host header leaves out a default port the Origin may name.
        return host == given || given.hasSuffix(":80") && host == given.dropLast(3) || given.hasSuffix(":443") && host == given.dropLast(4)
    }

    /// `host[:port]` of an absolute http(s) URL, lowercased; nil for anything else (`null`).
    static func authority(of url: String) -> String? {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty else { return nil }
        let name = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return (components.port.map { "\(name):\($0)" } ?? name).lowercased()
    }
}
