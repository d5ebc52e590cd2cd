import Foundation
import Geodesy
import HTTPTypes
import Hummingbird
import LiaisonCore

/// An OGC bounding box: one longitude/latitude rectangle, or two when it crosses the antimeridian.
struct OGCBox {
    let parts: [BoundingBox]

    init(west: Double, south: Double, east: Double, north: Double) {
        if west <= east {
            parts = [BoundingBox(minLongitude: west, minLatitude: south, maxLongitude: east, maxLatitude: north)]
        } else {
            parts = [BoundingBox(minLongitude: west, minLatitude: south, maxLongitude: 180, maxLatitude: north),
                     BoundingBox(minLongitude: -180, minLatitude: south, maxLongitude: east, maxLatitude: north)]
        }
    }

    func contains(_ c: Coordinate) -> Bool { parts.contains { $0.contains(c) } }
    func intersects(_ area: MultiPolygon) -> Bool { parts.contains { $0.intersects(area) } }
}

/// One page of a sorted list: the items whose key follows `after`, at most `limit`, how many
/// match in all (the page's `numberMatched`), and whether more follow.
struct OGCPage<Item> {
    let items: [Item]
    let matched: Int
    let more: Bool

    init(_ sorted: [Item], id: (Item) -> String, after: String?, limit: Int, where matches: (Item) -> Bool) {
        var items: [Item] = []
        var matched = 0
        var more = false
        for item in sorted where matches(item) {
            matched += 1
            if let after, id(item) <= after { continue }
            if items.count < limit { items.append(item) } else { more = true }
        }
        self.items = items
        self.matched = matched
        self.more = more
    }
}

/// The smallest longitude/latitude box around some points: a collection's extent.
struct Bounds {
    private(set) var west = Double.infinity, south = Double.infinity, east = -Double.infinity, north = -Double.infinity

    mutating func add(_ longitude: Double, _ latitude: Double) {
        (west, south, east, north) = (min(west, longitude), min(south, latitude), max(east, longitude), max(north, latitude))
    }

    /// `[west, south, east, north]`, or nil when no point was added.
    var box: [Double]? { west <= east ? [west, south, east, north] : nil }
}

/// Where links point: `http://HOST` from the request (`https` behind a proxy that says
/// `X-Forwarded-Proto: https`), or root-relative paths when the request names no usable host.
struct LinkBase {
    let prefix: String

    static let forwardedProto = HTTPField.Name("X-Forwarded-Proto")!
    /// RFC 3986 unreserved characters: everything else in a query value is percent-encoded.
    static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
    /// Also left as they are in query values: they are allowed there and read better (`bbox=1,2,3,4`).
    static let queryValue = unreserved.union(CharacterSet(charactersIn: ",:/"))

    init(_ request: Request, publicURL: String? = nil) {
        if let publicURL {
            prefix = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
            return
        }
        let scheme = request.headers[Self.forwardedProto]?.lowercased() == "https" ? "https" : "http"
        if let host = request.head.authority, (1...255).contains(host.utf8.count),
           host.utf8.allSatisfy({ Self.isHostByte($0) }) {
            prefix = "\(scheme)://\(host)"
        } else {
            prefix = ""
        }
    }

    /// Letters, digits, `-`, `.`, `:` and `[`/`]` (IPv6): a name or address and a port, nothing else.
    private static func isHostByte(_ b: UInt8) -> Bool {
        (48...58).contains(b) || (65...90).contains(b) || (97...122).contains(b) || b == 45 || b == 46 || b == 91 || b == 93
    }

    func link(_ path: String, query: [(String, String)] = [], rel: String, type: String, title: String? = nil) -> OGCController.Link {
        var href = prefix + path
        if !query.isEmpty {
            href += "?" + query.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: Self.queryValue) ?? $0.1)" }.joined(separator: "&")
        }
        return OGCController.Link(href: href, rel: rel, type: type, title: title)
    }
}

/// A regular expression that must match a whole string (compiled once; NSRegularExpression
/// is immutable and safe to share).
struct WholeMatch: @unchecked Sendable {
    let regex: NSRegularExpression

    init(_ pattern: String) {
        regex = try! NSRegularExpression(pattern: pattern)
    }

    func matchesWhole(_ text: String) -> Bool {
        let range = NSRange(text.startIndex..., in: text)
        return regex.firstMatch(in: text, options: [.anchored], range: range)?.range == range
    }
}
