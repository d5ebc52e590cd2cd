import Foundation
import Geodesy
import HTTPTypes
import Hummingbird
import LiaisonCore

/// The register as an OGC API - Features service (Part 1: Core, GeoJSON) under `/ogc`, for GIS
/// tools (QGIS, GDAL's OAPIF driver, ArcGIS): read-only, two collections.
///
/// - `stations`: the active stations as points, in id order, with the public record of
///   `/v1/stations/{id}` as properties (staff mobiles masked). Retired stations are not in the
///   collection (as on the public map); `/v1/stations/{id}` still shows them.
/// - `counties`: Zhejiang's 90 county-level divisions as multipolygons, in adcode order.
///
/// Items take `bbox` (CRS84 lon/lat; west above east crosses the antimeridian), `datetime`
/// (checked, then matching every feature: none has a time), `limit` (default 10; above 1000
/// served as 1000, as the standard asks, not an error), `cursor` (from a `next` link) and
/// `f=json`. As requirement /req/core/query-param-unknown asks, any other parameter is a 400.
/// Links are absolute, built from the request's `Host` (and `X-Forwarded-Proto: https`
/// behind a TLS proxy), since GDAL follows `next` links as they are written.
struct OGCController {
    let finder: StationFinder

    enum Collection: String, CaseIterable {
        case stations, counties
    }

    var endpoints: [Endpoint] {
        var list: [Endpoint] = [.get("/ogc", landing), .get("/ogc/conformance", conformance), .get("/ogc/collections", collections)]
        for collection in Collection.allCases {
            let base = "/ogc/collections/\(collection.rawValue)"
            list += [
                .get(base) { try self.collection(collection, $0, $1) },
                .get(base + "/items") { try self.items(collection, $0, $1) },
                .get(base + "/items/{featureId}") { try self.feature(collection, $0, $1) },
            ]
        }
        return list
    }

    static let jsonType = "application/json"
    static let geoJSONType = "application/geo+json"
    static let crs84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
    /// Only what is implemented: not `oas30` (the API document is OpenAPI 3.1) nor `html`.
    static let conformanceClasses = [
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    ]
    static let defaultLimit = 10
    static let maxLimit = 1000

    // MARK: Documents

    struct Link: Encodable {
        let href: String
        let rel: String
        let type: String
        let title: String?
    }

    struct LandingPage: Encodable {
        let title: String
        let description: String
        let links: [Link]
    }

    struct Conformance: Encodable {
        let conformsTo: [String]
    }

    struct CollectionInfo: Encodable {
        struct Extent: Encodable {
            struct Spatial: Encodable {
                let bbox: [[Double]]
                let crs: String
            }
            let spatial: Spatial
        }
        let id: String
        let title: String
        let description: String
        let links: [Link]
        let extent: Extent?
        let itemType: String
        let crs: [String]
    }

    struct Collections: Encodable {
        let links: [Link]
        let collections: [CollectionInfo]
    }

    struct PointGeometry: Encodable {
        let type: String
        let coordinates: [Double]
    }

    /// A station's public record (``StationDetail``) less its id and location, which the
    /// feature carries as `id` and `geometry`.
    struct StationProperties: Encodable {
        let name: String
        let status: StationStatus
        let county_code: String
        let county_name: String
        let city_code: String
        let city_name: String
        let address: StationAddress
        let address_line: String
        let phone: String
        let hours: WeeklyHours
        let modes: [MediationMode]
        let capacity: Int
        let staff: [StationDetail.Staff]
        /// 1 to 5 stars; null when not yet rated or never computed.
        let rating_stars: Int?

        init(_ d: StationDetail) {
            (name, status, county_code, county_name, city_code, city_name) = (d.name, d.status, d.county_code, d.county_name, d.city_code, d.city_name)
            (address, address_line, phone, hours, modes, capacity, staff) = (d.address, d.address_line, d.phone, d.hours, d.modes, d.capacity, d.staff)
            rating_stars = d.rating?.stars
        }

        func encode(to encoder: any Encoder) throws {
            // rating_stars is written as null rather than left out: a GIS client's attribute
            // table wants the same columns on every feature.
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encode(status, forKey: .status)
            try c.encode(county_code, forKey: .county_code)
            try c.encode(county_name, forKey: .county_name)
            try c.encode(city_code, forKey: .city_code)
            try c.encode(city_name, forKey: .city_name)
            try c.encode(address, forKey: .address)
            try c.encode(address_line, forKey: .address_line)
            try c.encode(phone, forKey: .phone)
            try c.encode(hours, forKey: .hours)
            try c.encode(modes, forKey: .modes)
            try c.encode(capacity, forKey: .capacity)
            try c.encode(staff, forKey: .staff)
            try c.encode(rating_stars, forKey: .rating_stars)
        }

        enum CodingKeys: String, CodingKey {
            case name, status, county_code, county_name, city_code, city_name, address, address_line, phone, hours, modes, capacity, staff, rating_stars
        }
    }

    struct StationFeature: Encodable {
        let type: String
        let id: String
        let geometry: PointGeometry
        let properties: StationProperties
        let links: [Link]?

        init(_ station: Station, snapshot: StationSnapshot, links: [Link]? = nil) {
            type = "Feature"
            id = station.id
            geometry = PointGeometry(type: "Point", coordinates: [station.location.longitude, station.location.latitude])
            properties = StationProperties(StationDetail(station, counties: snapshot.counties, rating: snapshot.ratings[station.id]))
            self.links = links
        }
    }

    /// The schema of `geodata/zhejiang-counties.geojson` (``CountyFeature``), with links when alone.
    struct CountyFeatureOut: Encodable {
        let type: String
        let id: String
        let geometry: CountyFeature.Geometry
        let properties: CountyFeature.Properties
        let links: [Link]?

        init(_ county: County, links: [Link]? = nil) {
            let feature = CountyFeature(county)
            type = feature.type
            id = county.adcode
            geometry = feature.geometry
            properties = feature.properties
            self.links = links
        }
    }

    struct FeatureCollectionOut<Feature: Encodable>: Encodable {
        let type: String
        let features: [Feature]
        let links: [Link]
        let timeStamp: String
        let numberMatched: Int
        let numberReturned: Int
    }

    // MARK: Handlers

    /// `GET /ogc`: what the service is and where its parts are.
    @Sendable func landing(_ request: Request, context: AppRequestContext) throws -> Response {
        var q = QueryReader(request, allowed: ["f"])
        Self.readFormat(&q)
        try q.check()
        let base = LinkBase(request)
        let page = LandingPage(
            title: "Zhejiang consumer-rights liaison stations",
            description: "The register of Zhejiang's village consumer-rights liaison stations (村级消费维权联络站) and the province's county-level divisions, as OGC API - Features. Read-only; WGS 84 longitude/latitude (CRS84).",
            links: [
                base.link("/ogc", rel: "self", type: Self.jsonType, title: "This document"),
                base.link("/openapi.json", rel: "service-desc", type: "application/vnd.oai.openapi+json;version=3.1", title: "The API definition (OpenAPI 3.1)"),
                base.link("/ogc/conformance", rel: "conformance", type: Self.jsonType, title: "Conformance classes implemented"),
                base.link("/ogc/collections", rel: "data", type: Self.jsonType, title: "The feature collections"),
            ])
        return JSONResponse.make(Array(try JSONOutput.encode(page)), for: request, contentType: Self.jsonType)
    }

    /// `GET /ogc/conformance`.
    @Sendable func conformance(_ request: Request, context: AppRequestContext) throws -> Response {
        var q = QueryReader(request, allowed: ["f"])
        Self.readFormat(&q)
        try q.check()
        return JSONResponse.make(Array(try JSONOutput.encode(Conformance(conformsTo: Self.conformanceClasses))), for: request, contentType: Self.jsonType)
    }

    /// `GET /ogc/collections`.
    @Sendable func collections(_ request: Request, context: AppRequestContext) throws -> Response {
        var q = QueryReader(request, allowed: ["f"])
        Self.readFormat(&q)
        try q.check()
        let base = LinkBase(request)
        let snapshot = finder.snapshot
        let body = Collections(
            links: [base.link("/ogc/collections", rel: "self", type: Self.jsonType, title: "This document")],
            collections: Collection.allCases.map { info($0, snapshot: snapshot, base: base) })
        return JSONResponse.make(Array(try JSONOutput.encode(body)), for: request, contentType: Self.jsonType)
    }

    /// `GET /ogc/collections/{collection}`: the same description as in `/ogc/collections`.
    func collection(_ collection: Collection, _ request: Request, _ context: AppRequestContext) throws -> Response {
        var q = QueryReader(request, allowed: ["f"])
        Self.readFormat(&q)
        try q.check()
        let body = info(collection, snapshot: finder.snapshot, base: LinkBase(request))
        return JSONResponse.make(Array(try JSONOutput.encode(body)), for: request, contentType: Self.jsonType)
    }

    /// `GET /ogc/collections/{collection}/items?bbox&datetime&limit&cursor&f`: one page of features.
    func items(_ collection: Collection, _ request: Request, _ context: AppRequestContext) throws -> Response {
        var q = QueryReader(request, allowed: ["f", "bbox", "datetime", "limit", "cursor"])
        Self.readFormat(&q)
        let box = Self.readBox(&q)
        let datetime = q.string("datetime")
        if let datetime, !Self.datetimeRegex.matchesWhole(datetime) {
            q.add(InvalidParameter(name: "datetime", reason: "\"\(datetime)\" is not an RFC 3339 date-time or interval: expected for example 2024-05-01T00:00:00Z, 2024-05-01T00:00:00Z/2024-06-01T00:00:00+08:00, ../2024-06-01T00:00:00Z or 2024-05-01T00:00:00Z/.."))
        }
        let limit = Self.readLimit(&q)
        var after: String?
        if let cursor = q.string("cursor") {
            after = Cursor.decode(cursor)
            if after == nil { q.add(InvalidParameter(name: "cursor", reason: "not a cursor this API issued: follow the next link of a previous page unchanged")) }
        }
        try q.check()

        let snapshot = finder.snapshot
        let base = LinkBase(request)
        let path = "/ogc/collections/\(collection.rawValue)/items"
        // Every parameter that selects features goes into the self and next links, as read.
        var selection: [(String, String)] = []
        if let f = q.string("f") { selection.append(("f", f)) }
        if let text = q.string("bbox") { selection.append(("bbox", text)) }
        if let datetime { selection.append(("datetime", datetime)) }
        if q.string("limit") != nil { selection.append(("limit", String(limit))) }
        let selfQuery = selection + (q.string("cursor").map { [("cursor", $0)] } ?? [])

        func respond<Item, Feature: Encodable>(_ page: OGCPage<Item>, id: (Item) -> String, feature: (Item) -> Feature) throws -> Response {
            var links = [base.link(path, query: selfQuery, rel: "self", type: Self.geoJSONType, title: "This page")]
            if page.more, let last = page.items.last {
                links.append(base.link(path, query: selection + [("cursor", Cursor.encode(id(last)))], rel: "next", type: Self.geoJSONType, title: "The next page"))
            }
            links.append(base.link("/ogc/collections/\(collection.rawValue)", rel: "collection", type: Self.jsonType, title: "The collection"))
            let body = FeatureCollectionOut(
                type: "FeatureCollection", features: page.items.map(feature), links: links,
                timeStamp: Date.now.formatted(.iso8601), numberMatched: page.matched, numberReturned: page.items.count)
            // Not cacheable: timeStamp makes every answer different.
            return JSONResponse.make(Array(try JSONOutput.encode(body)), for: request, contentType: Self.geoJSONType, cacheable: false)
        }

        switch collection {
        case .stations:
            let page = OGCPage(snapshot.activeStations, id: \.id, after: after, limit: limit) { box?.contains($0.location) ?? true }
            return try respond(page, id: \.id) { StationFeature($0, snapshot: snapshot) }
        case .counties:
            let page = OGCPage(snapshot.counties.counties, id: \.adcode, after: after, limit: limit) { box?.intersects($0.boundary) ?? true }
            return try respond(page, id: \.adcode) { CountyFeatureOut($0) }
        }
    }

    /// `GET /ogc/collections/{collection}/items/{featureId}`: one feature, with links.
    func feature(_ collection: Collection, _ request: Request, _ context: AppRequestContext) throws -> Response {
        var q = QueryReader(request, allowed: ["f"])
        Self.readFormat(&q)
        try q.check()
        let raw = context.parameters.get("featureId") ?? ""
        let id = raw.removingPercentEncoding ?? raw
        let base = LinkBase(request)
        let snapshot = finder.snapshot
        let path = "/ogc/collections/\(collection.rawValue)"
        let links = [
            base.link(path + "/items/" + (id.addingPercentEncoding(withAllowedCharacters: LinkBase.unreserved) ?? id), rel: "self", type: Self.geoJSONType, title: "This feature"),
            base.link(path, rel: "collection", type: Self.jsonType, title: "The collection"),
        ]
        let body: Data
        switch collection {
        case .stations:
            guard let station = snapshot.station(id: id) else { throw Problem.notFound("no station with id \(id) in the stations collection") }
            guard station.status == .active else {
                throw Problem.notFound("station \(id) is retired: the stations collection holds active stations only (its record stays at /v1/stations/\(id))")
            }
            body = try JSONOutput.encode(StationFeature(station, snapshot: snapshot, links: links))
        case .counties:
            guard let county = snapshot.counties.county(code: id) else { throw Problem.notFound("no county with adcode \(id) in the counties collection") }
            body = try JSONOutput.encode(CountyFeatureOut(county, links: links))
        }
        return JSONResponse.make(Array(body), for: request, contentType: Self.geoJSONType)
    }

    private func info(_ collection: Collection, snapshot: StationSnapshot, base: LinkBase) -> CollectionInfo {
        let path = "/ogc/collections/\(collection.rawValue)"
        let title: String, description: String
        var bounds = Bounds()
        switch collection {
        case .stations:
            title = "Consumer-rights liaison stations"
            description = "The active village consumer-rights liaison stations (村级消费维权联络站) of Zhejiang, as points, in id order: name, county and city, address, public phone, opening hours, mediation modes, capacity and staff (mobile numbers masked). Retired stations are not included."
            for station in snapshot.activeStations { bounds.add(station.location.longitude, station.location.latitude) }
        case .counties:
            title = "County-level divisions"
            description = "Zhejiang's county-level divisions (区, 县, 县级市) as multipolygons simplified to about 100 m, in adcode order, with their prefecture city."
            for county in snapshot.counties.counties {
                bounds.add(county.boundary.minLongitude, county.boundary.minLatitude)
                bounds.add(county.boundary.maxLongitude, county.boundary.maxLatitude)
            }
        }
        return CollectionInfo(
            id: collection.rawValue, title: title, description: description,
            links: [
                base.link(path, rel: "self", type: Self.jsonType, title: "This collection"),
                base.link(path + "/items", rel: "items", type: Self.geoJSONType, title: "The features"),
            ],
            extent: bounds.box.map { .init(spatial: .init(bbox: [$0], crs: Self.crs84)) },
            itemType: "feature", crs: [Self.crs84])
    }

    // MARK: Parameters

    static func readFormat(_ q: inout QueryReader) {
        if let f = q.string("f"), f != "json" {
            q.add(InvalidParameter(name: "f", reason: "unsupported format \"\(f)\": expected json (JSON and GeoJSON are the only encodings served)"))
        }
    }

    /// `limit`: an integer of at least 1; above ``maxLimit`` served as ``maxLimit`` (OGC API -
    /// Features 1.0.1, /req/core/fc-limit-response-1: a larger limit is not an error).
    static func readLimit(_ q: inout QueryReader) -> Int {
        guard let text = q.string("limit") else { return defaultLimit }
        let allowed = "an integer of at least 1 (above \(maxLimit) is served as \(maxLimit))"
        guard !text.isEmpty, text.utf8.allSatisfy({ (48...57).contains($0) }) else {
            q.add(InvalidParameter(name: "limit", reason: "\"\(text)\" is not a whole number: expected \(allowed)"))
            return defaultLimit
        }
        let digits = text.drop { $0 == "0" }
        guard !digits.isEmpty else {
            q.add(InvalidParameter(name: "limit", reason: "\(text) is below 1: expected \(allowed)"))
            return defaultLimit
        }
        return digits.count > 4 ? maxLimit : min(Int(digits) ?? maxLimit, maxLimit)
    }

    /// A CRS84 longitude: plain decimals from -180 to 180, or C's `%g` exponent form for magnitudes
    /// under 10 (as GDAL writes numbers near 0, `1.5e-05`). The same text is `openapi.json`'s pattern.
    static let longitudePattern = #"-?(?:180(?:\.0+)?|(?:1[0-7][0-9]|[1-9]?[0-9])(?:\.[0-9]+)?|[0-9](?:\.[0-9]+)?[eE]-[0-9]+)"#
    static let latitudePattern = #"-?(?:90(?:\.0+)?|[1-8]?[0-9](?:\.[0-9]+)?|[0-9](?:\.[0-9]+)?[eE]-[0-9]+)"#
    static let bboxPattern = "^\(longitudePattern),\(latitudePattern),\(longitudePattern),\(latitudePattern)$"
    static let bboxRegex = WholeMatch(bboxPattern)

    static let dateTimePattern = #"[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])[Tt](?:[01][0-9]|2[0-3]):[0-5][0-9]:(?:[0-5][0-9]|60)(?:\.[0-9]+)?(?:[Zz]|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])"#
    /// A date-time, or an interval with `..` or nothing for an open end (OGC API - Features
    /// /req/core/fc-time-response); the same text is `openapi.json`'s pattern.
    static let datetimePattern = "^(?:\(dateTimePattern)(?:/(?:\(dateTimePattern)|\\.\\.)?)?|(?:\\.\\.)?/\(dateTimePattern))$"
    static let datetimeRegex = WholeMatch(datetimePattern)

    /// `bbox=west,south,east,north` in CRS84; west above east crosses the antimeridian.
    static func readBox(_ q: inout QueryReader) -> OGCBox? {
        guard let text = q.string("bbox") else { return nil }
        let allowed = "west,south,east,north: four numbers in WGS 84 longitude/latitude (CRS84), longitudes -180 to 180, latitudes -90 to 90, south not above north (west above east crosses the antimeridian)"
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).compactMap { Double($0) }
        guard bboxRegex.matchesWhole(text), parts.count == 4 else {
            q.add(InvalidParameter(name: "bbox", reason: "\"\(text)\" is not a bounding box: expected \(allowed)"))
            return nil
        }
        guard parts[1] <= parts[3] else {
            q.add(InvalidParameter(name: "bbox", reason: "\"\(text)\": the south edge \(parts[1]) is above the north edge \(parts[3]): expected \(allowed)"))
            return nil
        }
        return OGCBox(west: parts[0], south: parts[1], east: parts[2], north: parts[3])
    }
}

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

    init(_ request: Request) {
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
