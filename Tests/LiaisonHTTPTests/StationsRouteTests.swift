import Foundation
import Geodesy
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LiaisonCore
import LiaisonHTTP
import Testing

@Suite struct NearestRouteTests {
    @Test func nearestIsTheCLIsJSON() async throws {
        try await Fixture.app().test(.router) { client in
            for (lat, lng, extra) in [(30.259, 120.13, ""), (30.26, 120.14, "&coordsys=gcj02&limit=7&mode=video"), (29.0, 121.0, "&county=331082&radius_km=80")] {
                try await client.execute(uri: "/v1/stations/nearest?lat=\(lat)&lng=\(lng)\(extra)", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                    let params = Dictionary(uniqueKeysWithValues: extra.split(separator: "&").map { $0.split(separator: "=").map(String.init) }.map { ($0[0], $0[1]) })
                    let query = try NearestQuery.validated(
                        latitude: lat, longitude: lng, coordsys: params["coordsys"], limit: params["limit"].flatMap { Int($0) },
                        mode: params["mode"], county: params["county"], radiusKilometers: params["radius_km"].flatMap { Double($0) },
                        counties: Fixture.snapshot.counties)
                    let expected = try JSONOutput.encode(NearestResponse(query: query, results: Fixture.snapshot.nearest(query), counties: Fixture.snapshot.counties))
                    #expect(Data(buffer: response.body) == expected)
                }
            }
        }
    }

    /// A point outside Zhejiang (Shanghai, the Gulf of Guinea at 0,0) is answered with the same
    /// nearest stations, and says it is outside and how far: the same distance `GET
    /// /v1/regions/lookup` gives to its nearest county. A point inside says so, with no distance.
    @Test func nearestSaysWhenThePointIsOutsideZhejiang() async throws {
        try await Fixture.app().test(.router) { client in
            for (lat, lng) in [(31.2304, 121.4737), (0.0, 0.0), (30.259, 120.13)] {
                let nearest = try await client.execute(uri: "/v1/stations/nearest?lat=\(lat)&lng=\(lng)&limit=3", method: .get)
                let lookup = try await client.execute(uri: "/v1/regions/lookup?lat=\(lat)&lng=\(lng)", method: .get)
                #expect(nearest.status == .ok && lookup.status == .ok)
                let query = try #require(try nearest.json()["query"] as? [String: Any])
                let region = try lookup.json()
                let inside = try #require(query["inside_zhejiang"] as? Bool)
                #expect(inside == (region["inside_zhejiang"] as? Bool), "\(lat),\(lng)")
                #expect(inside == (lat == 30.259))
                let distance = query["distance_to_zhejiang_m"] as? Double
                #expect(distance == ((region["nearest"] as? [String: Any])?["distance_m"] as? Double), "\(lat),\(lng): \(query)")
                #expect(inside ? distance == nil : (distance ?? 0) > 1000)
                // The stations are the register's nearest, whether or not the point is inside.
                let ids = (try nearest.json()["stations"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
                let brute = Fixture.snapshot.stations.filter { $0.status == .active }.map { ($0.id, Geodesic.wgs84.distanceMeters(from: Coordinate(latitude: lat, longitude: lng), to: $0.location)) }
                    .sorted { ($0.1, $0.0) < ($1.1, $1.0) }.prefix(3).map(\.0)
                #expect(ids == Array(brute), "\(lat),\(lng)")
            }
        }
    }

    /// Every bad parameter is a 400 problem+json naming it.
    @Test(arguments: [
        ("lng=120", ["lat"]),
        ("lat=abc&lng=120", ["lat"]),
        ("lat=nan&lng=120", ["lat"]),
        ("lat=inf&lng=120", ["lat"]),
        ("lat=91&lng=120", ["lat"]),
        ("lat=30&lng=-180.5", ["lng"]),
        ("lat=30&lng=120&limit=0", ["limit"]),
        ("lat=30&lng=120&limit=51", ["limit"]),
        ("lat=30&lng=120&limit=5.5", ["limit"]),
        ("lat=30&lng=120&coordsys=gcj", ["coordsys"]),
        ("lat=30&lng=120&mode=phone", ["mode"]),
        ("lat=30&lng=120&county=339999", ["county"]),
        ("lat=30&lng=120&radius_km=0", ["radius_km"]),
        ("lat=30&lng=120&radius_km=1000.5", ["radius_km"]),
        ("lat=30&lng=120&limt=5", ["limt"]),
        ("lat=30&lat=31&lng=120", ["lat"]),
        ("lat=x&lng=y&limit=0&coordsys=z", ["lat", "lng", "limit", "coordsys"]),
        ("lat=0x1p3&lng=120", ["lat"]),
        ("lat=%2B30&lng=120", ["lat"]),
        ("lat=.5&lng=120", ["lat"]),
        ("lat=30.&lng=120", ["lat"]),
        ("lat=30&lng=120&limit=%2B3", ["limit"]),
    ])
    func badParametersAreNamed(_ query: String, _ names: [String]) async throws {
        try await Fixture.app().test(.router) { client in
            try await client.execute(uri: "/v1/stations/nearest?\(query)", method: .get) { response in
                #expect(response.status == .badRequest)
                #expect(response.headers[.contentType] == "application/problem+json")
                let body = try response.json()
                #expect(body["status"] as? Int == 400)
                #expect((body["type"] as? String)?.hasSuffix("invalid-parameters") == true)
                let reported = try response.invalidParameterNames()
                #expect(Set(reported) == Set(names))
                let reasons = (body["invalid_params"] as? [[String: Any]] ?? []).compactMap { $0["reason"] as? String }
                #expect(reasons.allSatisfy { $0.contains("expected") })
            }
        }
    }
}

@Suite struct StationListRouteTests {
    /// Walking every page of a box yields exactly the active stations in it, by id, once each.
    @Test(arguments: [CoordinateSystem.wgs84, .gcj02, .bd09])
    func pagesCoverTheBoxExactly(_ system: CoordinateSystem) async throws {
        let box = BoundingBox(minLongitude: 119.8, minLatitude: 29.9, maxLongitude: 120.6, maxLatitude: 30.5)
        let expected = Fixture.snapshot.activeStations.filter { box.contains(system.fromWGS84($0.location)) }.map(\.id)
        #expect(expected.count > 40)
        try await Fixture.app().test(.router) { client in
            var seen: [String] = []
            var cursor: String?
            repeat {
                let uri = "/v1/stations?bbox=119.8,29.9,120.6,30.5&coordsys=\(system.rawValue)&limit=17" + (cursor.map { "&cursor=\($0)" } ?? "")
                cursor = try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .ok)
                    let body = try response.json()
                    let stations = body["stations"] as? [[String: Any]] ?? []
                    #expect(stations.count <= 17)
                    #expect(body["count"] as? Int == stations.count)
                    for s in stations {
                        let location = s["location"] as? [String: Any] ?? [:]
                        #expect(location["coordsys"] as? String == system.rawValue)
                    }
                    seen += stations.compactMap { $0["id"] as? String }
                    return body["next_cursor"] as? String
                }
            } while cursor != nil
            #expect(seen == expected)
        }
    }

    @Test(arguments: [
        ("bbox=1,2,3", "bbox"), ("bbox=120,31,121,30", "bbox"), ("bbox=a,b,c,d", "bbox"), ("bbox=120,30,181,31", "bbox"),
        // One decimal grammar with every other number: no hex, no sign, no padding.
        ("bbox=0x1p7,30,121,31", "bbox"), ("bbox=%2B120,30,121,31", "bbox"), ("bbox=120,%2030,121,31", "bbox"),
        ("limit=0", "limit"), ("limit=501", "limit"), ("cursor=zzz", "cursor"), ("cursor=", "cursor"),
        ("coordsys=utm", "coordsys"), ("mode=x", "mode"), ("county=12", "county"), ("page=2", "page"),
    ])
    func badListParametersAreNamed(_ query: String, _ name: String) async throws {
        try await Fixture.app().test(.router) { client in
            try await client.execute(uri: "/v1/stations?\(query)", method: .get) { response in
                #expect(response.status == .badRequest)
                let names = try response.invalidParameterNames()
                #expect(names == [name])
            }
        }
    }

    @Test func countyAndModeFilter() async throws {
        let expected = Fixture.snapshot.activeStations.filter { $0.countyCode == "330127" && $0.modes.contains(.video) }.map(\.id)
        try await Fixture.app().test(.router) { client in
            try await client.execute(uri: "/v1/stations?county=330127&mode=video&limit=500", method: .get) { response in
                let ids = (try response.json()["stations"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                #expect(ids == expected)
                #expect(!ids.isEmpty)
            }
        }
    }
}

@Suite struct StationDetailRouteTests {
    @Test func detailMasksStaffMobilesButNotTheStationPhone() async throws {
        let station = try #require(Fixture.snapshot.station(id: "330106-0001"))
        try await Fixture.app().test(.router) { client in
            try await client.execute(uri: "/v1/stations/330106-0001?coordsys=gcj02", method: .get) { response in
                #expect(response.status == .ok)
                let text = response.text
                #expect(text.contains(station.phone))
                for member in station.staff {
                    #expect(!text.contains(member.mobile))
                    #expect(text.contains(MobileNumber.masked(member.mobile)))
                }
                let location = try response.json()["location"] as? [String: Any] ?? [:]
                let gcj = ChinaOffset.wgs84ToGCJ02(station.location)
                #expect(abs((location["lat"] as? Double ?? 0) - gcj.latitude) < 1e-7)
                #expect(location["coordsys"] as? String == "gcj02")
            }
        }
    }

    @Test func percentEncodedIDsAndKeysAreDecoded() async throws {
        try await Fixture.app().test(.router) { client in
            try await client.execute(uri: "/v1/stations/330105%2D0007", method: .get) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/v1/stations/nearest?l%61t=30.259&lng=120.13&mo%64e=video", method: .get) { response in
                #expect(response.status == .ok)
                let json = try response.json()
                #expect((json["query"] as? [String: Any])?["mode"] as? String == "video")
            }
        }
    }

    @Test func unknownStationIs404Problem() async throws {
        try await Fixture.app().test(.router) { client in
            for id in ["330106-9999", "nope", "%E4%B8%AD"] {
                try await client.execute(uri: "/v1/stations/\(id)", method: .get) { response in
                    #expect(response.status == .notFound)
                    #expect(response.headers[.contentType] == "application/problem+json")
                    let json = try response.json()
                    #expect(json["status"] as? Int == 404)
                }
            }
        }
    }

    /// ETags let backends revalidate; a register change changes the ETag of what changed.
    @Test func etagRevalidationAndChange() async throws {
        let finder = StationFinder(Fixture.snapshot)
        try await Fixture.app(finder: finder).test(.router) { client in
            let etag = try await client.execute(uri: "/v1/stations/330106-0001", method: .get) { response in
                try #require(response.headers[.eTag])
            }
            try await client.execute(uri: "/v1/stations/330106-0001", method: .get, headers: [.ifNoneMatch: etag]) { response in
                #expect(response.status == .notModified)
                #expect(response.body.readableBytes == 0)
                #expect(response.headers[.eTag] == etag)
            }
            try await client.execute(uri: "/v1/stations/330106-0001", method: .get, headers: [.ifNoneMatch: "\"other\", " + etag]) { response in
                #expect(response.status == .notModified)
            }
            let nearestETag = try await client.execute(uri: "/v1/stations/nearest?lat=30.259&lng=120.13", method: .get) { $0.headers[.eTag] }
            #expect(nearestETag != nil && nearestETag != etag)

            // The register changes: the station's capacity and phone.
            var stations = Fixture.snapshot.stations
            let i = try #require(stations.firstIndex { $0.id == "330106-0001" })
            stations[i].phone = "0571-00000000"
            finder.replace(with: StationSnapshot(stations: stations, counties: Fixture.snapshot.counties.counties))
            try await client.execute(uri: "/v1/stations/330106-0001", method: .get, headers: [.ifNoneMatch: etag]) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.eTag] != etag)
                #expect(response.text.contains("0571-00000000"))
            }
            try await client.execute(uri: "/v1/stations/nearest?lat=30.259&lng=120.13", method: .get) { response in
                #expect(response.headers[.eTag] != nearestETag)
            }
        }
    }
}

@Suite struct RegionRouteTests {
    @Test func insideAndOutside() async throws {
        try await Fixture.app().test(.router) { client in
            try await client.execute(uri: "/v1/regions/lookup?lat=30.259&lng=120.13", method: .get) { response in
                let body = try response.json()
                #expect(body["inside_zhejiang"] as? Bool == true)
                #expect((body["region"] as? [String: Any])?["county_code"] as? String == "330106")
            }
            try await client.execute(uri: "/v1/regions/lookup?lat=39.9042&lng=116.4074&coordsys=gcj02", method: .get) { response in
                let body = try response.json()
                #expect(body["inside_zhejiang"] as? Bool == false)
                let nearest = try #require(body["nearest"] as? [String: Any])
                #expect((nearest["county_code"] as? String)?.hasPrefix("33") == true)
                #expect((nearest["distance_m"] as? Double ?? 0) > 600_000)
            }
            try await client.execute(uri: "/v1/regions/lookup?lat=30&lng=999", method: .get) { response in
                #expect(response.status == .badRequest)
                let names = try response.invalidParameterNames()
                #expect(names == ["lng"])
            }
        }
    }
}
