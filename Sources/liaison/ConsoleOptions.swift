import ArgumentParser
import Foundation
import LiaisonCore
import LiaisonHTTP

/// How `liaison serve` serves the staff console (`/console`): its base map, how long a sign-in
/// lasts, and where Leaflet is (README, Staff console).
struct ConsoleOptions: ParsableArguments, Configurable {
    static let settingKeys = ["tile-url", "tile-crs", "tile-attribution", "tile-subdomains", "session-hours", "leaflet-dir"]

    @Option(name: .customLong("tile-url"), help: ArgumentHelp("A base-map tile layer for the console, with {z}, {x}, {y} (and optionally {s}): e.g. a 天地图 or 高德 template. Default: none, the counties alone (works without a tile server).", valueName: "url"))
    var tileURL: String?
    @Option(name: .customLong("tile-crs"), help: "The tiles' coordinate system: wgs84 (天地图) or gcj02 (高德, 腾讯). The console converts stations and clicks to it and back.")
    var tileCRS = "wgs84"
    @Option(name: .customLong("tile-attribution"), help: "The credit the tile provider asks for, shown on the map.")
    var tileAttribution: String?
    @Option(name: .customLong("tile-subdomains"), help: "The values {s} takes in --tile-url, e.g. 01234567.")
    var tileSubdomains: String?
    @Option(name: .customLong("session-hours"), help: "How long a console sign-in lasts, in hours (1 to 24).")
    var sessionHours = 8
    @Option(name: .customLong("leaflet-dir"), help: "Where Leaflet and Leaflet.markercluster are (Debian's libjs-leaflet, libjs-leaflet.markercluster).")
    var leafletDirectory = "/usr/share/javascript/leaflet"

    func validate() throws {
        if let tileURL {
            let local = tileURL.hasPrefix("http://127.0.0.1") || tileURL.hasPrefix("http://localhost") || tileURL.hasPrefix("http://[::1]")
            guard tileURL.hasPrefix("https://") || local, URL(string: tileURL.replacingOccurrences(of: "{", with: "").replacingOccurrences(of: "}", with: ""))?.host != nil,
                  ["{z}", "{x}", "{y}"].allSatisfy(tileURL.contains) else {
                throw ValidationError("--tile-url: \"\(tileURL)\" is not a tile URL template: expected https://HOST/...{z}...{x}...{y}... (http only on loopback)")
            }
            if tileURL.contains("{s}") && tileSubdomains == nil {
                throw ValidationError("--tile-subdomains: is required when --tile-url has {s}: the values it takes, e.g. 01234567")
            }
        }
        guard ["wgs84", "gcj02"].contains(tileCRS) else {
            throw ValidationError("--tile-crs: \"\(tileCRS)\" is not allowed: expected wgs84 or gcj02")
        }
        if let tileSubdomains, tileSubdomains.isEmpty || !tileSubdomains.allSatisfy({ $0.isLetter || $0.isNumber }) {
            throw ValidationError("--tile-subdomains: \"\(tileSubdomains)\" is not allowed: expected letters or digits, e.g. 01234567")
        }
        if let tileAttribution, let problem = FreeText.problems(in: ["tile_attribution": tileAttribution]).first {
            throw ValidationError("--tile-attribution: \(problem.reason)")
        }
        guard (1...24).contains(sessionHours) else {
            throw ValidationError("--session-hours: \(sessionHours) is out of range: expected 1 to 24")
        }
    }

    func apply(to settings: inout ServerSettings) {
        settings.console.tileURL = tileURL
        settings.console.tileCoordinateSystem = tileCRS
        settings.console.tileAttribution = tileAttribution
        settings.console.tileSubdomains = tileSubdomains
        settings.console.sessionSeconds = sessionHours * 3600
        settings.console.leafletDirectory = leafletDirectory
    }
}
