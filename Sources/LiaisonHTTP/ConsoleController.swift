internal import CServedFiles
import Foundation
import HTTPTypes
import Hummingbird
import LiaisonCore

/// `/console`: the staff console (README, "Staff console"). Its pages and scripts are files of
/// this module (`Console/`), Leaflet comes from Debian's `libjs-leaflet` (``ConsoleSettings/leafletDirectory``),
/// and the page talks to the same `/v1` API as everyone else, signed in with a session cookie
/// (``ConsoleSession``) that it gets here in exchange for a staff token.
struct ConsoleController {
    let auth: StaffAuthenticator
    let finder: StationFinder
    let settings: ServerSettings
    let assets: ConsoleAssets

    var endpoints: [Endpoint] {
        [
            .get("/console", documented: false, page),
            .get("/console/app/{file}", documented: false, app),
            .get("/console/vendor/leaflet/{file}", documented: false, vendor),
            .get("/console/vendor/leaflet/images/{file}", documented: false, vendorImage),
            .get("/console/config", config),
            Endpoint(method: .post, path: "/console/session", handler: signIn),
            .get("/console/session", current),
            Endpoint(method: .delete, path: "/console/session", handler: signOut),
        ]
    }

    // MARK: Pages and files

    /// The console's one page; everything else is drawn by its scripts.
    @Sendable func page(_ request: Request, context: AppRequestContext) throws -> Response {
        try file(assets.app["index.html"], name: "index.html", request: request)
    }

    @Sendable func app(_ request: Request, context: AppRequestContext) throws -> Response {
        let name = context.path("file")
        return try file(assets.app[name], name: name, request: request)
    }

    @Sendable func vendor(_ request: Request, context: AppRequestContext) throws -> Response {
        let name = context.path("file")
        return try file(assets.vendor(name), name: name, request: request, missing: assets.vendorMissing)
    }

    @Sendable func vendorImage(_ request: Request, context: AppRequestContext) throws -> Response {
        let name = context.path("file")
        return try file(assets.vendor("images/" + name), name: name, request: request, missing: assets.vendorMissing)
    }

    private func file(_ bytes: [UInt8]?, name: String, request: Request, missing: String? = nil) throws -> Response {
        guard let bytes, let type = ConsoleAssets.contentType(of: name) else {
            throw Problem.notFound("\(request.uri.path) is not a file of the console" + (missing.map { ": " + $0 } ?? ""))
        }
        var response = JSONResponse.make(bytes, for: request, contentType: type)
        response.headers.append(contentsOf: securityHeaders)
        return response
    }

    /// Sent with every file: the page runs only its own scripts and styles (no inline ones, so
    /// an injected `<script>` does nothing), talks only to this service, loads images only from
    /// here and the tile server, and is never framed.
    var securityHeaders: HTTPFields {
        let tiles = settings.console.tileURL.flatMap(ConsoleSettings.origin(of:)).map { " " + $0 } ?? ""
        return [
            .contentSecurityPolicy: "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:\(tiles); "
                + "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
            HTTPField.Name("X-Content-Type-Options")!: "nosniff",
            HTTPField.Name("Referrer-Policy")!: "no-referrer",
            HTTPField.Name("X-Frame-Options")!: "DENY",
        ]
    }

    // MARK: API

    struct ConfigResponse: Encodable {
        let tile_url: String?
        let tile_crs: String
        let tile_attribution: String?
        let tile_subdomains: String?
        let session_seconds: Int

        enum CodingKeys: CodingKey { case tile_url, tile_crs, tile_attribution, tile_subdomains, session_seconds }

        /// Every field, `null` where unset, as the schema says.
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(tile_url, forKey: .tile_url)
            try c.encode(tile_crs, forKey: .tile_crs)
            try c.encode(tile_attribution, forKey: .tile_attribution)
            try c.encode(tile_subdomains, forKey: .tile_subdomains)
            try c.encode(session_seconds, forKey: .session_seconds)
        }
    }

    /// `GET /console/config`: the base map the console draws under the counties, if any.
    @Sendable func config(_ request: Request, context: AppRequestContext) throws -> Response {
        try QueryReader(request, allowed: []).check()
        let c = settings.console
        return try JSONResponse.encoding(ConfigResponse(tile_url: c.tileURL, tile_crs: c.tileCoordinateSystem, tile_attribution: c.tileAttribution,
                                                        tile_subdomains: c.tileSubdomains, session_seconds: c.sessionSeconds), for: request)
    }

    struct SessionResponse: Encodable {
        struct CountyRef: Encodable {
            let code: String
            let name: String
        }
        let name: String
        let role: String
        let county: CountyRef?
        /// Send back in `X-CSRF-Token` with every request that changes something.
        let csrf: String
        let expires_at: String

        enum CodingKeys: CodingKey { case name, role, county, csrf, expires_at }

        /// `county` is `null` for an admin, as the schema says.
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encode(role, forKey: .role)
            try c.encode(county, forKey: .county)
            try c.encode(csrf, forKey: .csrf)
            try c.encode(expires_at, forKey: .expires_at)
        }
    }

    private func answer(_ id: String, _ session: StaffSession) -> SessionResponse {
        var county: SessionResponse.CountyRef?
        if case .county(let code) = session.staff.role {
            county = SessionResponse.CountyRef(code: code, name: finder.snapshot.counties.county(code: code).map { $0.cityName + $0.name } ?? code)
        }
        return SessionResponse(name: session.staff.name, role: session.staff.role.description, county: county,
                               csrf: StaffSession.csrfToken(for: id), expires_at: Timestamp.string(session.expiresAt))
    }

    /// `POST /console/session {"token": "lst_..."}`: a staff token exchanged for a session cookie.
    /// The token is read once and not kept; client and enterprise keys do not sign in.
    @Sendable func signIn(_ request: Request, context: AppRequestContext) async throws -> Response {
        let body = try await collectBody(request, limit: 4096)
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            throw Problem.invalid(InvalidInput(name: "body", reason: "not a JSON object: expected {\"token\": \"lst_...\"}"))
        }
        var problems = object.keys.filter { $0 != "token" }.sorted().map { InvalidParameter(name: $0, reason: "is not a field: expected token only") }
        let token = object["token"] as? String
        if token?.isEmpty ?? true { problems.append(InvalidParameter(name: "token", reason: "is required: a staff token (lst_...) from `liaison tokens create`")) }
        guard problems.isEmpty, let token else { throw Problem.invalid(InvalidInput(problems)) }
        let tokens = auth.authenticator, lifetime = settings.console.sessionSeconds
        guard let (id, session) = try await blocking({ try tokens.startSession(token: token.trimmingCharacters(in: .whitespaces), lifetimeSeconds: lifetime) }) else {
            throw Problem(status: .unauthorized, kind: "unauthorized", title: "Unauthorized",
                          detail: "the token is unknown, revoked or not a staff token: ask an administrator for one (`liaison tokens create`)")
        }
        let cookie = ConsoleSession.cookie(id: id, maxAgeSeconds: lifetime, secure: ConsoleSession.secure(request, publicURL: settings.publicURL))
        return try JSONResponse.encoding(answer(id, session), status: .created, headers: [.setCookie: cookie, .cacheControl: "no-store"])
    }

    /// `GET /console/session`: who is signed in, and the CSRF token (a reloaded page asks).
    @Sendable func current(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (id, session) = try await auth.session(request)
        return try JSONResponse.encoding(answer(id, session), status: .ok, headers: JSONResponse.noStore)
    }

    /// `DELETE /console/session`: sign-out. The session ends in the store, so the cookie signs
    /// nobody in again even if it was copied.
    @Sendable func signOut(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (id, _) = try await auth.session(request)
        let tokens = auth.authenticator
        _ = try await blocking { try tokens.endSession(id) }
        return Response(status: .noContent, headers: [
            .setCookie: ConsoleSession.expiredCookie(secure: ConsoleSession.secure(request, publicURL: settings.publicURL)),
            .cacheControl: "no-store",
        ])
    }
}

/// The console's files, read once at start: its own (`Console/` of this module) and Leaflet's.
public struct ConsoleAssets: Sendable {
    /// By file name (`index.html`, `app.js`).
    let app: [String: [UInt8]]
    /// Leaflet and Leaflet.markercluster, by name under the directory (`leaflet.js`, `images/marker-icon.png`).
    private let leaflet: [String: [UInt8]]
    /// Why Leaflet is missing, when it is.
    let vendorMissing: String?

    /// What the console loads from Debian's `libjs-leaflet` and `libjs-leaflet.markercluster`.
    static let vendorFiles = ["leaflet.js", "leaflet.css", "leaflet.markercluster.js", "MarkerCluster.css", "MarkerCluster.Default.css",
                              "images/layers.png", "images/layers-2x.png", "images/marker-icon.png", "images/marker-icon-2x.png", "images/marker-shadow.png"]

    /// Reads the console's files and Leaflet's from `leafletDirectory`; a missing Leaflet
    /// leaves the console's map blank and says why on its 404s (`tools/setup` installs it).
    public init(leafletDirectory: String) {
        app = Self.embedded
        var leaflet: [String: [UInt8]] = [:]
        for name in Self.vendorFiles {
            leaflet[name] = (try? Data(contentsOf: URL(fileURLWithPath: leafletDirectory).appendingPathComponent(name))).map(Array.init)
        }
        self.leaflet = leaflet
        let missing = Self.vendorFiles.filter { leaflet[$0] == nil }
        vendorMissing = missing.isEmpty ? nil
            : "\(missing.joined(separator: ", ")) not found in \(leafletDirectory): install libjs-leaflet and libjs-leaflet.markercluster (tools/setup) or give --leaflet-dir"
    }

    /// The files of `Console/`, compiled into the binary (CServedFiles), by name.
    static let embedded: [String: [UInt8]] = {
        var files: [String: [UInt8]] = [:]
        for index in 0..<liaison_console_file_count() {
            let file = liaison_console_file(index).pointee
            files[String(cString: file.name)] = file.contents
        }
        return files
    }()

    func vendor(_ name: String) -> [UInt8]? { leaflet[name] }

    /// The type of a file the console serves, by extension; nil for any other name.
    static func contentType(of name: String) -> String? {
        switch name.split(separator: ".").last {
        case "html": "text/html; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "js": "text/javascript; charset=utf-8"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        default: nil
        }
    }
}

/// How the console is served: its base map and its sessions.
public struct ConsoleSettings: Sendable {
    /// A tile layer's URL template (`https://t{s}.tianditu.gov.cn/...{z}/{x}/{y}...`); nil: no
    /// base map, the counties alone (an intranet without a tile server).
    public var tileURL: String?
    /// The coordinate system of the tiles: `wgs84` (天地图) or `gcj02` (高德, 腾讯).
    public var tileCoordinateSystem = "wgs84"
    public var tileAttribution: String?
    /// The letters `{s}` in the template takes (`01234567`).
    public var tileSubdomains: String?
    /// How long a sign-in lasts.
    public var sessionSeconds = StaffSession.defaultLifetimeSeconds
    /// Where Debian installs Leaflet and Leaflet.markercluster.
    public var leafletDirectory = "/usr/share/javascript/leaflet"

    public init() {}

    /// `scheme://host[:port]` of a tile URL template, for the page's Content-Security-Policy.
    static func origin(of template: String) -> String? {
        guard let schemeEnd = template.range(of: "://") else { return nil }
        let rest = template[schemeEnd.upperBound...]
        let host = rest.prefix { $0 != "/" }
        guard !host.isEmpty else { return nil }
        // A label with `{s}` in it stands for several subdomains: any subdomain of the rest.
        var labels = host.split(separator: ".").map(String.init)
        if let first = labels.firstIndex(where: { $0.contains("{") }) { labels = ["*"] + labels[(first + 1)...] }
        return String(template[..<schemeEnd.upperBound]) + labels.joined(separator: ".")
    }
}
