import Foundation
import Geodesy
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LiaisonCore
import LiaisonHTTP
import Testing

/// The OGC API - Features service under `/ogc` (Part 1 Core + GeoJSON).
@Suite struct OGCRouteTests {
    static let core = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
    static let geojson = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson"
    /// Router tests send `Host: localhost`, so links are `http://localhost/...`.
    static let origin = "http://localhost"

    // MARK: Landing page, conformance, collections

    @Test func landingPageLinksTheDefinitionConformanceAndData() async throws {
        try await Fixture.app().test(.router) { client in
            let links = try await client.execute(uri: "/ogc", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json")
                let json = try response.json()
                #expect((json["title"] as? String)?.isEmpty == false)
                return try Self.links(json)
            }
            #expect(links["self"]?.href == "\(Self.origin)/ogc")
            #expect(links["service-desc"]?.href == "\(Self.origin)/openapi.json")
            #expect(links["service-desc"]?.type == "application/vnd.oai.openapi+json;version=3.1")
            #expect(links["conformance"]?.href == "\(Self.origin)/ogc/conformance")
            #expect(links["data"]?.href == "\(Self.origin)/ogc/collections")
            // Every link leads somewhere that answers 200 with the type it promises.
            for (rel, link) in links {
                try await client.execute(uri: Self.path(link.href), method: .get) { response in
                    #expect(response.status == .ok, "\(rel)")
                    let type = response.headers[.contentType] ?? ""
                    #expect(type.hasPrefix("application/json") || type == link.type, "\(rel): \(type)")
                }
            }
        }
    }

    @Test func conformanceDeclaresCoreAndGeoJSONOnly() async throws {
        try await Fixture.app().test(.router) { client in
            try await client.execute(uri: "/ogc/conformance", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json")
                let classes = try response.json()["conformsTo"] as? [String] ?? []
                #expect(classes.sorted() == [Self.core, Self.geojson])
            }
        }
    }

    @Test func collectionsDescribeStationsAndCountiesWithTheirExtents() async throws {
        let snapshot = Fixture.snapshot
        try await Fixture.app().test(.router) { client in
            let listed = try await client.execute(uri: "/ogc/collections", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json")
                let json = try response.json()
                #expect(try Self.links(json)["self"]?.href == "\(Self.origin)/ogc/collections")
                return json["collections"] as? [[String: Any]] ?? []
            }
            #expect(listed.compactMap { $0["id"] as? String } == ["stations", "counties"])
            let stationLngs = snapshot.activeStations.map(\.location.longitude), stationLats = snapshot.activeStations.map(\.location.latitude)
            let boundaries = snapshot.counties.counties.map(\.boundary)
            let expectedExtents: [String: [Double]] = [
                "stations": [stationLngs.min()!, stationLats.min()!, stationLngs.max()!, stationLats.max()!],
                "counties": [boundaries.map(\.minLongitude).min()!, boundaries.map(\.minLatitude).min()!,
                             boundaries.map(\.maxLongitude).max()!, boundaries.map(\.maxLatitude).max()!],
            ]
            for collection in listed {
                let id = try #require(collection["id"] as? String)
                let links = try Self.links(collection)
                #expect(links["items"]?.href == "\(Self.origin)/ogc/collections/\(id)/items")
                #expect(links["items"]?.type == "application/geo+json")
                #expect(links["self"]?.href == "\(Self.origin)/ogc/collections/\(id)")
                #expect(collection["itemType"] as? String == "feature")
                #expect(collection["crs"] as? [String] == ["http://www.opengis.net/def/crs/OGC/1.3/CRS84"])
                let spatial = (collection["extent"] as? [String: Any])?["spatial"] as? [String: Any]
                #expect(spatial?["bbox"] as? [[Double]] == [expectedExtents[id]!])
                // /req/core/sfc-md-success: the collection's own document is the same description.
                try await client.execute(uri: "/ogc/collections/\(id)", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentType] == "application/json")
                    let own = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? NSDictionary
                    #expect(own == collection as NSDictionary)
                }
            }
        }
    }

    // MARK: Items

    /// Following `next` links from the first page yields every active station once, in id order.
    @Test(arguments: [1000, 250, 7])
    func pagingCoversEveryStationOnceInOrder(limit: Int) async throws {
        let expected = Fixture.snapshot.activeStations.map(\.id)
        #expect(expected.count == 2045)
        try await Fixture.app().test(.router) { client in
            let (ids, pages) = try await Self.walk(client, "/ogc/collections/stations/items?limit=\(limit)", expectMatched: expected.count, pageSize: limit)
            #expect(ids == expected)
            #expect(pages == (expected.count + limit - 1) / limit)
        }
    }

    /// `bbox` selects exactly what a brute-force filter over the register selects, across pages;
    /// a west edge east of the east edge wraps across the antimeridian.
    @Test(arguments: [
        ("119.8,29.9,120.6,30.5", BoundingBox(minLongitude: 119.8, minLatitude: 29.9, maxLongitude: 120.6, maxLatitude: 30.5), false),
        ("121.0,28.0,122.5,29.5", BoundingBox(minLongitude: 121.0, minLatitude: 28.0, maxLongitude: 122.5, maxLatitude: 29.5), false),
        ("120.2,30.2,120.21,30.21", BoundingBox(minLongitude: 120.2, minLatitude: 30.2, maxLongitude: 120.21, maxLatitude: 30.21), false),
        ("0,0,1,1", BoundingBox(minLongitude: 0, minLatitude: 0, maxLongitude: 1, maxLatitude: 1), false),
        ("170,28.5,120.5,29.5", BoundingBox(minLongitude: 120.5, minLatitude: 28.5, maxLongitude: 170, maxLatitude: 29.5), true),
    ])
    func bboxSelectsWhatBruteForceSelects(_ text: String, _ box: BoundingBox, _ wraps: Bool) async throws {
        let expected = Fixture.snapshot.activeStations.filter { s in
            let inLatitude = (box.minLatitude...box.maxLatitude).contains(s.location.latitude)
            // A wrapping box holds what lies outside the open longitude band between its edges.
            let inLongitude = wraps ? !(box.minLongitude < s.location.longitude && s.location.longitude < box.maxLongitude)
                : (box.minLongitude...box.maxLongitude).contains(s.location.longitude)
            return inLatitude && inLongitude
        }.map(\.id)
        try await Fixture.app().test(.router) { client in
            let (ids, _) = try await Self.walk(client, "/ogc/collections/stations/items?bbox=\(text)&limit=100", expectMatched: expected.count, pageSize: 100)
            #expect(ids == expected)
        }
        if text.hasPrefix("119.8") || text.hasPrefix("170") { #expect(expected.count > 100) }
    }

    @Test func limitDefaultsTo10AndLargerLimitsAreServedAs1000() async throws {
        try await Fixture.app().test(.router) { client in
            for (query, returned) in [("", 10), ("?limit=1", 1), ("?limit=1000", 1000), ("?limit=1001", 1000), ("?limit=99999999999999999999999", 1000), ("?limit=007", 7)] {
                try await client.execute(uri: "/ogc/collections/stations/items\(query)", method: .get) { response in
                    #expect(response.status == .ok, "\(query)")
                    let json = try response.json()
                    #expect((json["features"] as? [Any])?.count == returned, "\(query)")
                    #expect(json["numberReturned"] as? Int == returned, "\(query)")
                    #expect(json["numberMatched"] as? Int == 2045)
                    // The next link carries the limit served, not the one asked for.
                    let next = try #require(try Self.links(json)["next"]?.href)
                    let limits = URLComponents(string: next)?.queryItems?.filter { $0.name == "limit" }.map(\.value) ?? []
                    #expect(limits == (query.isEmpty ? [] : ["\(returned)"]), "\(query): \(next)")
                }
            }
        }
    }

    @Test(arguments: [
        ("limit=0", "limit"), ("limit=-1", "limit"), ("limit=1.5", "limit"), ("limit=ten", "limit"), ("limit=", "limit"), ("limit=%2B5", "limit"),
        ("bbox=120,30,121", "bbox"), ("bbox=120,30,121,31,0,100", "bbox"), ("bbox=120,31,121,30", "bbox"), ("bbox=120,30,181,31", "bbox"),
        ("bbox=120,-91,121,31", "bbox"), ("bbox=1e2,30,121,31", "bbox"), ("bbox=0120,30,121,31", "bbox"), ("bbox=120,30,121,31%0A", "bbox"),
        ("bbox=a,b,c,d", "bbox"), ("bbox=", "bbox"),
        ("datetime=2024-05-01", "datetime"), ("datetime=../..", "datetime"), ("datetime=yesterday", "datetime"), ("datetime=2024-13-01T00:00:00Z", "datetime"),
        ("cursor=zzz", "cursor"), ("f=html", "f"), ("f=geojson", "f"),
        ("filter=name%3D1", "filter"), ("county_code=330106", "county_code"), ("limit=5&limit=6", "limit"),
    ])
    func badItemsParametersAre400NamingThem(_ query: String, _ name: String) async throws {
        try await Fixture.app().test(.router) { client in
            for collection in ["stations", "counties"] {
                try await client.execute(uri: "/ogc/collections/\(collection)/items?\(query)", method: .get) { response in
                    #expect(response.status == .badRequest, "\(collection)?\(query)")
                    #expect(response.headers[.contentType] == "application/problem+json")
                    let names = try response.invalidParameterNames()
                    #expect(names == [name], "\(collection)?\(query)")
                }
            }
        }
    }

    /// What the server accepts for `bbox` and `datetime` is what the patterns in openapi.json
    /// accept, so Schemathesis and clients reading the document see the server as it is.
    @Test func bboxAndDatetimeAcceptExactlyTheDocumentsPatterns() async throws {
        let document = try #require(try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.bytes)) as? [String: Any])
        let parameters = try #require((document["components"] as? [String: Any])?["parameters"] as? [String: [String: Any]])
        func pattern(_ name: String) throws -> NSRegularExpression {
            try NSRegularExpression(pattern: try #require((parameters[name]?["schema"] as? [String: Any])?["pattern"] as? String))
        }
        let cases: [(String, NSRegularExpression, [String])] = [
            ("bbox", try pattern("OGCBbox"), [
                "120,30,121,31", "-180,-90,180,90", "180.000,90.0,180,90", "119.99999999999999,29.1,120.5,30",
                "1.00000000000000008e-05,0,2.5e-3,1E-1", "-0,-0,0,0", "170,28,121,29",
                "180.1,30,181,31", "0120,30,121,31", "1e2,30,121,31", "120.,30,121,31", ".5,30,121,31", "+120,30,121,31",
                "120, 30,121,31", "120,30,121,31,0", "120,91,121,92", "12e-1,30,121,31", "1.5e+01,30,121,31",
            ]),
            ("datetime", try pattern("OGCDatetime"), [
                "2024-05-01T00:00:00Z", "2024-05-01t08:00:00.123+08:00", "2024-05-01T00:00:00Z/2024-06-01T00:00:00-05:30",
                "../2024-06-01T00:00:00Z", "/2024-06-01T00:00:00Z", "2024-05-01T00:00:00Z/..", "2024-05-01T00:00:00Z/",
                "2024-05-01", "2024-05-01T00:00:00", "../..", "/", "2024-05-01T24:00:00Z", "2024-05-01T00:00:00Z/2024",
            ]),
        ]
        try await Fixture.app().test(.router) { client in
            for (name, regex, values) in cases {
                var accepted = 0
                for value in values {
                    let documented = regex.firstMatch(in: value, range: NSRange(value.startIndex..., in: value)) != nil
                    let encoded = value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? value
                    try await client.execute(uri: "/ogc/collections/stations/items?\(name)=\(encoded)", method: .get) { response in
                        #expect((response.status == .ok) == documented, "\(name)=\(value): \(response.status), documented \(documented)")
                        if response.status == .ok { accepted += 1 }
                    }
                }
                // Both kinds are in each list.
                #expect(accepted > 2 && accepted < values.count - 2, "\(name)")
            }
        }
    }

    @Test func datetimeMatchesEveryFeatureSinceNoneHasATime() async throws {
        try await Fixture.app().test(.router) { client in
            for value in ["2024-05-01T00:00:00Z", "2024-05-01T00:00:00Z/..", "..%2F2000-01-01T00:00:00%2B08:00"] {
                try await client.execute(uri: "/ogc/collections/stations/items?datetime=\(value)", method: .get) { response in
                    #expect(response.status == .ok)
                    let json = try response.json()
                    #expect(json["numberMatched"] as? Int == 2045)
                }
            }
        }
    }

    @Test func pagesAreStampedAndLinkedAndTheLastHasNoNext() async throws {
        try await Fixture.app().test(.router) { client in
            let before = Date().addingTimeInterval(-1)
            let next = try await client.execute(uri: "/ogc/collections/stations/items?bbox=120,30,121,31&limit=2&f=json", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/geo+json")
                // timeStamp changes every second: no ETag to revalidate.
                #expect(response.headers[.eTag] == nil)
                let json = try response.json()
                #expect(json["type"] as? String == "FeatureCollection")
                let stamp = try #require(json["timeStamp"] as? String)
                let date = try #require(try? Date(stamp, strategy: .iso8601))
                #expect(date >= before && date <= Date().addingTimeInterval(1))
                let links = try Self.links(json)
                #expect(links["self"]?.href == "\(Self.origin)/ogc/collections/stations/items?f=json&bbox=120,30,121,31&limit=2")
                #expect(links["collection"]?.href == "\(Self.origin)/ogc/collections/stations")
                let next = try #require(links["next"])
                #expect(next.type == "application/geo+json")
                #expect(next.href.hasPrefix("\(Self.origin)/ogc/collections/stations/items?f=json&bbox=120,30,121,31&limit=2&cursor="))
                return next.href
            }
            // The self link of a later page repeats its cursor.
            try await client.execute(uri: Self.path(next), method: .get) { response in
                let links = try Self.links(try response.json())
                #expect(links["self"]?.href == next)
            }
            try await client.execute(uri: "/ogc/collections/counties/items?limit=90", method: .get) { response in
                let json = try response.json()
                #expect(json["numberReturned"] as? Int == 90)
                #expect(try Self.links(json)["next"] == nil)
            }
        }
    }

    /// Behind a TLS proxy links say https; a Host that is not a host name gives root-relative links.
    @Test func linksFollowTheRequestsSchemeAndHost() async throws {
        try await Fixture.app().test(.router) { client in
            try await client.execute(uri: "/ogc", method: .get, headers: [HTTPField.Name("X-Forwarded-Proto")!: "https"]) { response in
                let links = try Self.links(try response.json())
                #expect(links["data"]?.href == "https://localhost/ogc/collections")
            }
        }
        // Over TCP, with the Host header a client really sends.
        try await Fixture.app().test(.live) { client in
            let port = try #require(client.port)
            let (status, plain) = try await Self.get(port: port, path: "/ogc/collections", host: "127.0.0.1:\(port)")
            #expect(status == .ok)
            #expect(plain.contains(#""href":"http://127.0.0.1:\#(port)/ogc/collections""#), "\(plain.prefix(400))")
            let (oddStatus, odd) = try await Self.get(port: port, path: "/ogc", host: "evil.example/x?y")
            #expect(oddStatus == .ok)
            #expect(odd.contains(#""href":"/ogc/collections""#), "\(odd.prefix(400))")
        }
    }

    /// Links follow Host, so every answer says Vary: Host (a shared cache keyed on the URL alone
    /// would hand one host's links to another); with --public-url, Host is not believed at all.
    @Test func linksFromHostVaryOnItAndAPublicURLOverridesIt() async throws {
        try await Fixture.app().test(.router) { client in
            try await client.execute(uri: "/ogc/collections/stations/items?limit=1", method: .get) { response in
                #expect(response.headers[.vary] == "Host, X-Forwarded-Proto")
            }
        }
        var settings = Fixture.settings()
        settings.publicURL = "https://liaison.example.gov.cn/"
        try await Fixture.app(settings: settings).test(.live) { client in
            let port = try #require(client.port)
            let (status, body) = try await Self.get(port: port, path: "/ogc", host: "evil.example")
            #expect(status == .ok)
            #expect(body.contains(#""href":"https://liaison.example.gov.cn/ogc/collections""#) && !body.contains("evil.example"), "\(body.prefix(400))")
        }
    }

    // MARK: One feature

    @Test func aStationFeatureIsItsPublicRecordWithMaskedStaffMobiles() async throws {
        let station = try #require(Fixture.snapshot.station(id: "330106-0001"))
        let detailJSON = try JSONOutput.encode(StationDetail(station, counties: Fixture.snapshot.counties))
        try await Fixture.app().test(.router) { client in
            let alone = try await client.execute(uri: "/ogc/collections/stations/items/330106-0001", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/geo+json")
                #expect(response.headers[.eTag] != nil)
                let text = response.text
                #expect(text.contains(station.phone))
                for member in station.staff {
                    #expect(!text.contains(member.mobile))
                    #expect(text.contains(MobileNumber.masked(member.mobile)))
                }
                return try response.json()
            }
            #expect(alone["type"] as? String == "Feature")
            #expect(alone["id"] as? String == station.id)
            let geometry = alone["geometry"] as? [String: Any] ?? [:]
            #expect(geometry["type"] as? String == "Point")
            #expect(geometry["coordinates"] as? [Double] == [station.location.longitude, station.location.latitude])
            // The properties are the /v1/stations/{id} record less id and location, with the
            // rating as rating_stars (null: this register has never been rated).
            var record = try JSONSerialization.jsonObject(with: detailJSON) as? [String: Any] ?? [:]
            record["id"] = nil
            record["location"] = nil
            #expect(record["rating"] == nil)
            record["rating_stars"] = NSNull()
            #expect((alone["properties"] as? NSDictionary) == record as NSDictionary)
            let links = try Self.links(alone)
            #expect(links["self"]?.href == "\(Self.origin)/ogc/collections/stations/items/330106-0001")
            #expect(links["collection"]?.href == "\(Self.origin)/ogc/collections/stations")
            // The same feature as in the items, which carry no links of their own.
            try await client.execute(uri: "/ogc/collections/stations/items?bbox=\(station.location.longitude),\(station.location.latitude),\(station.location.longitude),\(station.location.latitude)", method: .get) { response in
                let features = try response.json()["features"] as? [[String: Any]] ?? []
                var expected = alone
                expected["links"] = nil
                #expect(features.count == 1)
                #expect(features.first.map { $0 as NSDictionary } == expected as NSDictionary)
            }
        }
    }

    @Test func noPageShowsAStaffMobileNumber() async throws {
        let mobiles = Set(Fixture.snapshot.activeStations.flatMap { $0.staff.map(\.mobile) })
        #expect(mobiles.count > 1000)
        try await Fixture.app().test(.router) { client in
            var uri: String? = "/ogc/collections/stations/items?limit=1000"
            var checked = 0
            while let current = uri {
                uri = try await client.execute(uri: current, method: .get) { response in
                    let text = response.text
                    // Every 11-digit run in the body is a phone of a station, never a staff mobile.
                    let regex = try NSRegularExpression(pattern: "(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
                    let found = regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { String(text[Range($0.range, in: text)!]) }
                    #expect(found.allSatisfy { !mobiles.contains($0) })
                    let features = try response.json()["features"] as? [[String: Any]] ?? []
                    for feature in features {
                        let staff = (feature["properties"] as? [String: Any])?["staff"] as? [[String: Any]] ?? []
                        #expect(!staff.isEmpty)
                        for member in staff {
                            #expect(member["mobile"] == nil)
                            let masked = member["mobile_masked"] as? String ?? ""
                            #expect(masked.range(of: #"^1[3-9][0-9]\*{4}[0-9]{4}$"#, options: .regularExpression) != nil, "\(masked)")
                        }
                        checked += 1
                    }
                    return try Self.links(try response.json())["next"].map { Self.path($0.href) }
                }
            }
            #expect(checked == 2045)
        }
    }

    @Test func unknownCollectionsAndFeaturesAre404Problems() async throws {
        try await Fixture.app().test(.router) { client in
            for uri in ["/ogc/collections/stations/items/330106-9999", "/ogc/collections/stations/items/nothing",
                        "/ogc/collections/counties/items/339999", "/ogc/collections/counties/items/330106-0001",
                        "/ogc/collections/rivers", "/ogc/collections/rivers/items", "/ogc/collections/rivers/items/1"] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .notFound, "\(uri)")
                    #expect(response.headers[.contentType] == "application/problem+json")
                    let json = try response.json()
                    #expect(json["status"] as? Int == 404)
                }
            }
            try await client.execute(uri: "/ogc/collections/stations/items", method: .post) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "GET, HEAD")
            }
        }
    }

    /// A retired station leaves the collection: not in the items, not counted, its feature 404.
    @Test func retiredStationsAreNotInTheCollection() async throws {
        var stations = Fixture.snapshot.stations
        let index = try #require(stations.firstIndex { $0.id == "330106-0001" })
        stations[index].status = .retired
        let finder = StationFinder(StationSnapshot(stations: stations, counties: Fixture.snapshot.counties.counties))
        try await Fixture.app(finder: finder).test(.router) { client in
            try await client.execute(uri: "/ogc/collections/stations/items/330106-0001", method: .get) { response in
                #expect(response.status == .notFound)
                let detail = try response.json()["detail"] as? String
                #expect(detail?.contains("retired") == true)
            }
            let (ids, _) = try await Self.walk(client, "/ogc/collections/stations/items?limit=1000", expectMatched: 2044, pageSize: 1000)
            #expect(ids.count == 2044)
            #expect(!ids.contains("330106-0001"))
        }
    }

    // MARK: Counties

    @Test func countiesAreMultiPolygonFeaturesWithTheirCities() async throws {
        let counties = Fixture.snapshot.counties.counties
        #expect(counties.count == 90)
        try await Fixture.app().test(.router) { client in
            let (ids, _) = try await Self.walk(client, "/ogc/collections/counties/items?limit=25", expectMatched: 90, pageSize: 25)
            #expect(ids == counties.map(\.adcode))
            let county = try #require(Fixture.snapshot.counties.county(code: "330106"))
            try await client.execute(uri: "/ogc/collections/counties/items/330106", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/geo+json")
                let json = try response.json()
                #expect(json["id"] as? String == "330106")
                let properties = json["properties"] as? [String: String]
                #expect(properties == ["adcode": "330106", "name": county.name, "city_code": county.cityCode, "city_name": county.cityName])
                let geometry = json["geometry"] as? [String: Any] ?? [:]
                #expect(geometry["type"] as? String == "MultiPolygon")
                let polygons = geometry["coordinates"] as? [[[[Double]]]] ?? []
                #expect(polygons == county.boundary.polygons.map { $0.map { $0.map { [$0.longitude, $0.latitude] } } })
                #expect(try Self.links(json)["collection"]?.href == "\(Self.origin)/ogc/collections/counties")
            }
        }
    }

    /// A county is selected when its boundary meets the box: surely when one of its vertices is in
    /// the box or the box lies inside it, never when their envelopes are apart.
    @Test(arguments: ["120.13,30.25,120.14,30.26", "119.0,29.0,120.0,30.0", "121.5,29.5,122.5,30.5", "118,27,123,31.5", "125,25,126,26"])
    func countyBboxSelectsTheCountiesItMeets(_ text: String) async throws {
        let n = text.split(separator: ",").compactMap { Double($0) }
        let box = BoundingBox(minLongitude: n[0], minLatitude: n[1], maxLongitude: n[2], maxLatitude: n[3])
        let counties = Fixture.snapshot.counties.counties
        let corner = Coordinate(latitude: n[1], longitude: n[0])
        let must = Set(counties.filter { c in c.boundary.polygons.joined().joined().contains { box.contains($0) } || c.boundary.contains(corner) }.map(\.adcode))
        let mustNot = Set(counties.filter { c in
            c.boundary.maxLongitude < box.minLongitude || c.boundary.minLongitude > box.maxLongitude
                || c.boundary.maxLatitude < box.minLatitude || c.boundary.minLatitude > box.maxLatitude
        }.map(\.adcode))
        try await Fixture.app().test(.router) { client in
            let (ids, _) = try await Self.walk(client, "/ogc/collections/counties/items?bbox=\(text)&limit=100", expectMatched: nil, pageSize: 100)
            #expect(must.isSubset(of: Set(ids)))
            #expect(mustNot.isDisjoint(with: Set(ids)))
            #expect(ids == ids.sorted())
            switch text {
            case "120.13,30.25,120.14,30.26": #expect(ids == ["330106"])  // inside West Lake district, touching no border
            case "118,27,123,31.5": #expect(ids.count == 90)
            case "125,25,126,26": #expect(ids.isEmpty)
            default: #expect(ids.count > 1)
            }
        }
    }

    // MARK: HTTP details

    @Test func documentsAreCachedAndAnswerHead() async throws {
        try await Fixture.app().test(.router) { client in
            for uri in ["/ogc", "/ogc/conformance", "/ogc/collections", "/ogc/collections/counties", "/ogc/collections/counties/items/330106"] {
                let etag = try await client.execute(uri: uri, method: .get) { try #require($0.headers[.eTag]) }
                try await client.execute(uri: uri, method: .get, headers: [.ifNoneMatch: etag]) { response in
                    #expect(response.status == .notModified, "\(uri)")
                }
                try await client.execute(uri: uri, method: .head) { response in
                    #expect(response.status == .ok)
                    #expect(response.body.readableBytes == 0)
                }
            }
            for uri in ["/ogc?f=xml", "/ogc/conformance?x=1", "/ogc/collections?limit=1", "/ogc/collections/stations?bbox=1,2,3,4",
                        "/ogc/collections/stations/items/330106-0001?f=html"] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .badRequest, "\(uri)")
                }
            }
        }
    }

    // MARK: Helpers

    struct Link: Equatable {
        let href: String
        let type: String
    }

    /// A document's links by relation (each relation appears once in this service).
    static func links(_ json: [String: Any]) throws -> [String: Link] {
        let list = try #require(json["links"] as? [[String: Any]])
        var byRel: [String: Link] = [:]
        for link in list {
            let rel = try #require(link["rel"] as? String)
            #expect(byRel[rel] == nil, "\(rel) twice")
            byRel[rel] = Link(href: try #require(link["href"] as? String), type: try #require(link["type"] as? String))
        }
        return byRel
    }

    /// A GET with the given `Host` (the test client always says `localhost`): status and body.
    /// HummingbirdTesting's own client, not a blocking socket, so no thread of the cooperative
    /// pool waits while the server needs one.
    static func get(port: Int, path: String, host: String) async throws -> (HTTPResponse.Status, String) {
        try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
            let response = try await client.execute(.init(path, method: .get, authority: host))
            return (response.head.status, response.body.map { String(buffer: $0) } ?? "")
        }
    }

    /// The path and query of a link, to request it from the router.
    static func path(_ href: String) -> String {
        guard let url = URL(string: href), url.host != nil else { return href }
        return url.path + (url.query.map { "?" + $0 } ?? "")
    }

    /// Follows `next` links from `start`; returns the ids seen and the number of pages. Checks
    /// each page's counts and that pages are full but the last.
    static func walk(_ client: some TestClientProtocol, _ start: String, expectMatched: Int?, pageSize: Int) async throws -> ([String], Int) {
        var ids: [String] = []
        var pages = 0
        var uri: String? = start
        while let current = uri {
            uri = try await client.execute(uri: current, method: .get) { response in
                #expect(response.status == .ok, "\(current)")
                #expect(response.headers[.contentType] == "application/geo+json")
                let json = try response.json()
                let features = json["features"] as? [[String: Any]] ?? []
                if let expectMatched { #expect(json["numberMatched"] as? Int == expectMatched) }
                #expect(json["numberReturned"] as? Int == features.count)
                ids += features.compactMap { $0["id"] as? String }
                let next = try Self.links(json)["next"]
                #expect(next == nil || features.count == pageSize, "a page before the last is full")
                return next.map { Self.path($0.href) }
            }
            pages += 1
            #expect(pages <= 3000)
            if pages > 3000 { break }
        }
        return (ids, pages)
    }
}
