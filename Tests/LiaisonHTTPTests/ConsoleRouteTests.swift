import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LiaisonCore
import LiaisonHTTP
import LiaisonStore
import LiaisonTestSupport
import Testing

/// The staff console's sign-in and files: a staff token exchanged for a strict cookie that
/// stands for it on the API, CSRF defences on every write, sign-out that ends the session in
/// the store, and pages that run nothing inline. The browser half is tools/console-check.
@Suite struct ConsoleRouteTests {
    let register: WritableRegister

    init() throws {
        register = try WritableRegister()
    }

    static let json: HTTPFields = [.contentType: "application/json"]

    static func signIn(_ token: String) -> ByteBuffer {
        ByteBuffer(bytes: try! JSONSerialization.data(withJSONObject: ["token": token]))
    }

    /// The `liaison_session=...` pair of a `Set-Cookie`, as a browser sends it back.
    static func cookiePair(_ response: TestResponse) throws -> String {
        let header = try #require(response.headers[.setCookie])
        return String(try #require(header.split(separator: ";").first))
    }

    static func headers(cookie: String, csrf: String? = nil, origin: String? = nil) -> HTTPFields {
        var h: HTTPFields = [.cookie: cookie, .contentType: "application/json"]
        if let csrf { h[HTTPField.Name("X-CSRF-Token")!] = csrf }
        if let origin { h[.origin] = origin }
        return h
    }

    @Test func signingInSetsAStrictCookieThatStandsForTheToken() async throws {
        try await register.app().test(.router) { client in
            let (cookie, csrf) = try await client.execute(uri: "/console/session", method: .post, headers: Self.json, body: Self.signIn(register.xihu)) { response in
                #expect(response.status == .created, "\(response.text)")
                let setCookie = try #require(response.headers[.setCookie])
                for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=28800"] { #expect(setCookie.contains(attribute), "\(setCookie)") }
                #expect(!setCookie.contains("Secure"), "plain http on loopback: no Secure")
                #expect(!setCookie.contains(register.xihu), "the cookie is a session id, not the token")
                let json = try response.json()
                #expect(json["name"] as? String == "xihu-1" && json["role"] as? String == "county:330106")
                #expect((json["county"] as? [String: Any])?["name"] as? String == "杭州市西湖区")
                return (try Self.cookiePair(response), try #require(json["csrf"] as? String))
            }
            let id = String(cookie.dropFirst("liaison_session=".count))
            #expect(csrf == StaffSession.csrfToken(for: id))
            // The cookie reads as the token reads, within the token's county.
            try await client.execute(uri: "/v1/complaints", method: .get, headers: Self.headers(cookie: cookie)) { response in
                #expect(response.status == .ok, "\(response.text)")
            }
            for uri in ["/v1/complaints?county=330105", "/v1/stats?county=330105"] {
                let bearer = try await client.execute(uri: uri, method: .get, headers: WritableRegister.headers(register.xihu)) { $0.status }
                try await client.execute(uri: uri, method: .get, headers: Self.headers(cookie: cookie)) { response in
                    #expect(response.status == bearer && bearer == .forbidden, "\(uri): \(response.text)")
                }
            }
            try await client.execute(uri: "/console/session", method: .get, headers: Self.headers(cookie: cookie)) { response in
                #expect(response.status == .ok)
                let json = try response.json()
                #expect(json["csrf"] as? String == csrf)
                #expect(response.headers[.setCookie] == nil)
            }
            // A Bearer header, when sent, is what counts.
            try await client.execute(uri: "/v1/complaints", method: .get, headers: [.cookie: cookie, .authorization: "Bearer lst_nope"]) { response in
                #expect(response.status == .unauthorized)
            }
        }
    }

    @Test func writesWithTheCookieNeedTheCSRFTokenAndOurOrigin() async throws {
        let station = try #require(register.finder.snapshot.activeStations.first { $0.countyCode == "330106" })
        let patch: HTTPFields = [.contentType: "application/merge-patch+json"]
        var settings = Fixture.settings()
        settings.publicURL = "https://liaison.example.gov.cn"
        try await register.app(settings: settings).test(.router) { client in
            let (cookie, csrf) = try await client.execute(uri: "/console/session", method: .post, headers: Self.json, body: Self.signIn(register.xihu)) { response in
                #expect(response.headers[.setCookie]?.hasSuffix("; Secure") == true, "served over https: Secure")
                return (try Self.cookiePair(response), try #require(try response.json()["csrf"] as? String))
            }
            let body = ByteBuffer(string: #"{"phone":"0571-87000001"}"#)
            for (csrf, origin, what) in [(nil, nil, "no token"), ("x" + csrf, nil, "a wrong token"), (csrf, "https://evil.example", "another origin")] as [(String?, String?, String)] {
                var headers = Self.headers(cookie: cookie, csrf: csrf, origin: origin)
                headers[.contentType] = patch[.contentType]
                try await client.execute(uri: "/v1/stations/\(station.id)", method: .patch, headers: headers, body: body) { response in
                    #expect(response.status == .forbidden, "\(what): \(response.text)")
                    let json = try response.json()
                    #expect(json["type"] as? String == Problem.typeBase + "csrf")
                }
            }
            try await client.execute(uri: "/v1/stations/\(station.id)", method: .get) { response in
                let json = try response.json()
                #expect(json["phone"] as? String == station.phone, "nothing was written")
            }
            var headers = Self.headers(cookie: cookie, csrf: csrf, origin: "https://liaison.example.gov.cn")
            headers[.contentType] = patch[.contentType]
            try await client.execute(uri: "/v1/stations/\(station.id)", method: .patch, headers: headers, body: body) { response in
                #expect(response.status == .ok, "\(response.text)")
                let json = try response.json()
                #expect(json["phone"] as? String == "0571-87000001")
            }
            // The change is recorded under the token's name, as with the bearer header.
            try await client.execute(uri: "/v1/stations/\(station.id)/history", method: .get, headers: Self.headers(cookie: cookie)) { response in
                let entries = try response.json()["entries"] as? [[String: Any]] ?? []
                #expect(entries.last?["actor"] as? String == "xihu-1")
            }
        }
    }

    @Test func signingOutEndsTheSessionInTheStore() async throws {
        try await register.app().test(.router) { client in
            let (cookie, csrf) = try await client.execute(uri: "/console/session", method: .post, headers: Self.json, body: Self.signIn(register.admin)) { response in
                (try Self.cookiePair(response), try #require(try response.json()["csrf"] as? String))
            }
            try await client.execute(uri: "/console/session", method: .get, headers: Self.headers(cookie: cookie)) { response in
                let json = try response.json()
                #expect(json["county"] is NSNull && json["role"] as? String == "admin")
            }
            try await client.execute(uri: "/console/session", method: .delete, headers: Self.headers(cookie: cookie)) { response in
                #expect(response.status == .forbidden, "sign-out is a write: it needs the CSRF token")
            }
            try await client.execute(uri: "/console/session", method: .delete, headers: Self.headers(cookie: cookie, csrf: csrf)) { response in
                #expect(response.status == .noContent)
                #expect(response.headers[.setCookie]?.contains("Max-Age=0") == true)
            }
            // The old cookie, replayed, signs nobody in.
            for uri in ["/v1/complaints", "/console/session"] {
                try await client.execute(uri: uri, method: .get, headers: Self.headers(cookie: cookie)) { response in
                    #expect(response.status == .unauthorized, "\(uri)")
                }
            }
        }
    }

    @Test func revokingTheTokenEndsItsSessions() async throws {
        try await register.app().test(.router) { client in
            let cookie = try await client.execute(uri: "/console/session", method: .post, headers: Self.json, body: Self.signIn(register.xihu)) { try Self.cookiePair($0) }
            #expect(try register.tokens.revoke(name: "xihu-1"))
            try await client.execute(uri: "/v1/complaints", method: .get, headers: Self.headers(cookie: cookie)) { response in
                #expect(response.status == .unauthorized)
            }
        }
    }

    @Test func onlyStaffTokensSignInAndBadBodiesNameTheField() async throws {
        let clientKey = try register.tokens.create(name: "mp-1", role: .client)
        try await register.app().test(.router) { client in
            for token in [clientKey, register.xihu + "x", "lst_unknown"] {
                try await client.execute(uri: "/console/session", method: .post, headers: Self.json, body: Self.signIn(token)) { response in
                    #expect(response.status == .unauthorized)
                    #expect(response.headers[.setCookie] == nil)
                }
            }
            for (body, names) in [(#"{"token":""}"#, ["token"]), (#"{"token":"lst_x","remember":true}"#, ["remember"]), ("[1]", ["body"]), ("{}", ["token"])] {
                try await client.execute(uri: "/console/session", method: .post, headers: Self.json, body: ByteBuffer(string: body)) { response in
                    #expect(response.status == .badRequest, "\(body)")
                    let named = try response.invalidParameterNames()
                    #expect(named == names, "\(body)")
                }
            }
            try await client.execute(uri: "/console/session", method: .post, headers: Self.json,
                                     body: ByteBuffer(string: #"{"token":""# + String(repeating: "a", count: 5000) + #""}"#)) { response in
                #expect(response.status == .contentTooLarge)
            }
            // A cookie that is not a session id is not looked up, and does not sign in.
            try await client.execute(uri: "/v1/complaints", method: .get, headers: Self.headers(cookie: "liaison_session=lss_short")) { response in
                #expect(response.status == .unauthorized)
            }
        }
    }

    /// Every file of `Sources/LiaisonHTTP/Console` is compiled in (CServedFiles lists them one by
    /// one: `#embed` cannot read a folder) and served as it is in the repo: a file added to the
    /// folder but not to `served_files.c` fails here, not only in the slow self-contained test.
    @Test func everyConsoleFileOfTheRepoIsServedByteForByte() async throws {
        let folder = Repository.root.appendingPathComponent("Sources/LiaisonHTTP/Console")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(names.count >= 10 && names.contains("index.html"))
        try await register.app().test(.router) { client in
            for name in names {
                let uri = name == "index.html" ? "/console" : "/console/app/\(name)"
                let expected = try Data(contentsOf: folder.appendingPathComponent(name))
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .ok, "\(uri)")
                    #expect(Data(buffer: response.body) == expected, "\(uri) differs from the repo's \(name)")
                }
            }
        }
    }

    @Test func thePageRunsNothingInlineAndServesOnlyItsOwnFiles() async throws {
        var settings = Fixture.settings()
        settings.console.tileURL = "https://t{s}.tianditu.gov.cn/vec_w/wmts?x={x}&y={y}&l={z}"
        settings.console.tileSubdomains = "01234567"
        let tileURL = settings.console.tileURL
        try await register.app(settings: settings).test(.router) { client in
            let csp = try await client.execute(uri: "/console", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                #expect(response.text.contains(#"lang="zh-CN""#))
                #expect(!response.text.contains("<script>") && !response.text.contains("style=\""), "no inline script or style")
                return try #require(response.headers[.contentSecurityPolicy])
            }
            #expect(csp.contains("script-src 'self'") && !csp.contains("unsafe"))
            #expect(csp.contains("img-src 'self' data: https://*.tianditu.gov.cn"), "\(csp)")
            #expect(csp.contains("frame-ancestors 'none'"))
            for uri in ["/console/app/..%2F..%2FPackage.swift", "/console/app/nothing.js", "/console/vendor/leaflet/..%2Fleaflet%2Fleaflet.js", "/console/app/openapi.json"] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .notFound, "\(uri)")
                }
            }
            try await client.execute(uri: "/console/config", method: .get) { response in
                let json = try response.json()
                #expect(json["tile_url"] as? String == tileURL)
                #expect(json["tile_crs"] as? String == "wgs84" && json["session_seconds"] as? Int == 28800)
            }
        }
        try await register.app().test(.router) { client in
            try await client.execute(uri: "/console/config", method: .get) { response in
                let json = try response.json()
                #expect(json["tile_url"] is NSNull, "no base map unless one is configured")
            }
            try await client.execute(uri: "/console", method: .get) { response in
                #expect(response.headers[.contentSecurityPolicy]?.contains("img-src 'self' data:;") == true)
            }
        }
    }
}
