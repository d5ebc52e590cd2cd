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
    /// Where links point when configured (`serve --public-url`): then the request's `Host` is
    /// not believed at all. Otherwise links follow `Host`, and every answer says `Vary: Host,
    /// X-Forwarded-Proto`, so a shared cache never serves one host's links to another.
    var publicURL: String? = nil
    /// The working calendar for `include=hours` on station items (the deadlines' calendar).
    let calendar: @Sendable () -> WorkingCalendar
    var now: @Sendable () -> Date = { Date() }

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
        return list.map { endpoint in
            let handler = endpoint.handler
            return Endpoint(method: endpoint.method, path: endpoint.path, access: endpoint.access) { request, context in
                var response = try await handler(request, context)
                response.headers[.vary] = "Host, X-Forwarded-Proto"
                return response
            }
        }
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

    // MARK: Handlers

    /// `GET /ogc`: what the service is and where its parts are.
    @Sendable func landing(_ request: Request, context: AppRequestContext) throws -> Response {
        var q = QueryReader(request, allowed: ["f"])
        Self.readFormat(&q)
        try q.check()
        let base = LinkBase(request, publicURL: publicURL)
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
        let base = LinkBase(request, publicURL: publicURL)
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
        let body = info(collection, snapshot: finder.snapshot, base: LinkBase(request, publicURL: publicURL))
        return JSONResponse.make(Array(try JSONOutput.encode(body)), for: request, contentType: Self.jsonType)
    }

    /// `GET /ogc/collections/{collection}/items?bbox&datetime&limit&cursor&f`: one page of features.
    func items(_ collection: Collection, _ request: Request, _ context: AppRequestContext) throws -> Response {
        var q = QueryReader(request, allowed: ["f", "bbox", "datetime", "limit", "cursor", "include"])
        Self.readFormat(&q)
        let include = collection == .stations ? Include.read(&q, allowed: [.hours]) : []
        if collection == .counties, q.string("include") != nil {
            q.add(InvalidParameter(name: "include", reason: "is for the stations collection only: leave it out"))
        }
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
        let base = LinkBase(request, publicURL: publicURL)
        let path = "/ogc/collections/\(collection.rawValue)/items"
        // Every parameter that selects features goes into the self and next links, as read.
        var selection: [(String, String)] = []
        if let f = q.string("f") { selection.append(("f", f)) }
        if let text = q.string("bbox") { selection.append(("bbox", text)) }
        if let datetime { selection.append(("datetime", datetime)) }
        if q.string("limit") != nil { selection.append(("limit", String(limit))) }
        if let text = q.string("include") { selection.append(("include", text)) }
        let selfQuery = selection + (q.string("cursor").map { [("cursor", $0)] } ?? [])

        func respond<Item, Feature: Encodable>(_ page: OGCPage<Item>, id: (Item) -> String, feature: (Item) -> Feature) throws -> Response {
            var links = [base.link(path, query: selfQuery, rel: "self", type: Self.geoJSONType, title: "This page")]
            if page.more, let last = page.items.last {
                links.append(base.link(path, query: selection + [("cursor", Cursor.encode(id(last)))], rel: "next", type: Self.geoJSONType, title: "The next page"))
            }
            links.append(base.link("/ogc/collections/\(collection.rawValue)", rel: "collection", type: Self.jsonType, title: "The collection"))
            let body = ItemCollection(
                type: "FeatureCollection", features: page.items.map(feature), links: links,
                timeStamp: Date.now.formatted(.iso8601), numberMatched: page.matched, numberReturned: page.items.count)
            // Not cacheable: timeStamp makes every answer different.
            return JSONResponse.make(Array(try JSONOutput.encode(body)), for: request, contentType: Self.geoJSONType, cacheable: false)
        }

        switch collection {
        case .stations:
            let page = OGCPage(snapshot.activeStations, id: \.id, after: after, limit: limit) { box?.contains($0.location) ?? true }
            let (instant, calendar) = (now(), self.calendar())
            return try respond(page, id: \.id) {
                StationItem($0, snapshot: snapshot, opening: include.contains(.hours) ? $0.hours.opening(at: instant, calendar: calendar) : nil)
            }
        case .counties:
            let page = OGCPage(snapshot.counties.counties, id: \.adcode, after: after, limit: limit) { box?.intersects($0.boundary) ?? true }
            return try respond(page, id: \.adcode) { CountyItem($0) }
        }
    }

    /// `GET /ogc/collections/{collection}/items/{featureId}`: one feature, with links.
    func feature(_ collection: Collection, _ request: Request, _ context: AppRequestContext) throws -> Response {
        var q = QueryReader(request, allowed: ["f"])
        Self.readFormat(&q)
        try q.check()
        let id = context.path("featureId")
        let base = LinkBase(request, publicURL: publicURL)
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
            body = try JSONOutput.encode(StationItem(station, snapshot: snapshot, links: links))
        case .counties:
            guard let county = snapshot.counties.county(code: id) else { throw Problem.notFound("no county with adcode \(id) in the counties collection") }
            body = try JSONOutput.encode(CountyItem(county, links: links))
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
