import Foundation
import Geodesy
import LiaisonCore
import Testing

/// The keys of every JSON object in `json`, in the order they are written.
func objectKeysInOrder(_ json: String) -> [[String]] {
    var objects: [[String]] = []
    var stack: [(object: Int?, expectingKey: Bool)] = []
    let chars = Array(json.unicodeScalars)
    var i = 0
    while i < chars.count {
        switch chars[i] {
        case "{":
            objects.append([])
            stack.append((objects.count - 1, true))
        case "[":
            stack.append((nil, false))
        case "}", "]":
            stack.removeLast()
        case ",":
            if stack.last?.object != nil { stack[stack.count - 1].expectingKey = true }
        case "\"":
            var text = String.UnicodeScalarView()
            i += 1
            while chars[i] != "\"" {
                if chars[i] == "\\" { i += 1 }
                text.append(chars[i])
                i += 1
            }
            if let top = stack.last, let object = top.object, top.expectingKey {
                objects[object].append(String(text))
                stack[stack.count - 1].expectingKey = false
            }
        default:
            break
        }
        i += 1
    }
    return objects
}

/// The literal texts of every number written for `key`.
func numberLiterals(_ json: String, key: String) -> [String] {
    let pattern = try! NSRegularExpression(pattern: "\"\(key)\":(-?[0-9][0-9.eE+-]*)")
    let range = NSRange(json.startIndex..., in: json)
    return pattern.matches(in: json, range: range).map { String(json[Range($0.range(at: 1), in: json)!]) }
}

/// A JSON number as JSONSerialization hands it over (NSNumber or NSDecimalNumber), read back
/// from its exact decimal text.
func double(_ value: Any?) -> Double? {
    value.flatMap { Double("\($0)") }
}

/// Whether a number literal has at most `digits` decimals and no exponent.
func hasAtMostDecimals(_ literal: String, _ digits: Int) -> Bool {
    guard !literal.contains("e"), !literal.contains("E") else { return false }
    guard let dot = literal.firstIndex(of: ".") else { return true }
    return literal[literal.index(after: dot)...].count <= digits
}

@Suite struct NearestResponseTests {
    let snapshot = Geodata.snapshot

    func respond(_ q: NearestQuery) throws -> (response: NearestResponse, results: [NearestStation], json: String, object: [String: Any]) {
        let results = snapshot.nearest(q)
        let response = NearestResponse(query: q, results: results, counties: snapshot.counties)
        let data = try JSONOutput.encode(response)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return (response, results, String(decoding: data, as: UTF8.self), object)
    }

    func query(_ system: CoordinateSystem = .wgs84, limit: Int = 10, mode: String? = nil, county: String? = nil,
               radiusKilometers: Double? = nil) throws -> NearestQuery {
        let shown = system.fromWGS84(westLake)
        return try NearestQuery.validated(latitude: shown.latitude, longitude: shown.longitude, coordsys: system.rawValue, limit: limit,
                                          mode: mode, county: county, radiusKilometers: radiusKilometers, counties: snapshot.counties)
    }

    @Test func keysAreSnakeCaseAndSorted() throws {
        for q in [try query(), try query(.gcj02, mode: "video", county: "330106", radiusKilometers: 30)] {
            let (_, results, json, _) = try respond(q)
            try #require(!results.isEmpty)
            let objects = objectKeysInOrder(json)
            // The response, its query, input, wgs84, and per station the item and its location.
            #expect(objects.count == 4 + 2 * results.count)
            for keys in objects {
                #expect(keys == keys.sorted(), "keys out of order: \(keys)")
                #expect(keys.allSatisfy { $0.range(of: "^[a-z][a-z0-9]*(_[a-z0-9]+)*$", options: .regularExpression) != nil }, "\(keys)")
            }
        }
    }

    @Test func itemsCarryTheDocumentedFields() throws {
        let (_, results, _, object) = try respond(try query())
        #expect(Set(object.keys) == ["query", "stations"])
        let items = try #require(object["stations"] as? [[String: Any]])
        #expect(items.count == 10 && results.count == 10)
        for (item, result) in zip(items, results) {
            #expect(Set(item.keys) == ["address", "bearing_deg", "city_code", "city_name", "county_code", "county_name", "distance_m",
                                       "id", "location", "modes", "name", "phone", "rank"])
            let s = result.station
            let county = try #require(Geodata.locator.county(code: s.countyCode))
            #expect(item["id"] as? String == s.id)
            #expect(item["county_name"] as? String == county.name)
            #expect(item["city_code"] as? String == county.cityCode)
            #expect(item["city_name"] as? String == county.cityName)
            #expect(item["address"] as? String == s.address.city + s.address.county + s.address.town + s.address.village)
            #expect(item["phone"] as? String == s.phone, "the station's phone is public, unmasked")
            #expect(item["modes"] as? [String] == s.modes.map(\.rawValue))
        }
    }

    @Test func ranksCountFromOne() throws {
        let (response, _, _, object) = try respond(try query(limit: 17))
        let items = try #require(object["stations"] as? [[String: Any]])
        #expect(items.compactMap { double($0["rank"]) } == (1...17).map(Double.init))
        #expect(response.stations.map(\.rank) == Array(1...17))
    }

    @Test func distanceAndBearingAreRoundedToHundredths() throws {
        let (response, results, json, _) = try respond(try query(limit: 50))
        for (item, result) in zip(response.stations, results) {
            #expect(abs(item.distance_m - result.distanceMeters) <= 0.005 + 1e-9, "\(item.id)")
            #expect(abs(item.bearing_deg - result.bearingDegrees) <= 0.005 + 1e-9, "\(item.id)")
            #expect(item.distance_m == (result.distanceMeters * 100).rounded() / 100)
        }
        let distances = numberLiterals(json, key: "distance_m"), bearings = numberLiterals(json, key: "bearing_deg")
        #expect(distances.count == 50 && bearings.count == 50)
        #expect(distances.allSatisfy { hasAtMostDecimals($0, 2) }, "\(distances)")
        #expect(bearings.allSatisfy { hasAtMostDecimals($0, 2) }, "\(bearings)")
        #expect(response.stations.map(\.distance_m) == response.stations.map(\.distance_m).sorted())
    }

    /// Bearings are in [0, 360) everywhere else; rounding to 0.01 must not turn 359.996° into
    /// 360.0 (it is 0.0). A station 1 km due north of the caller, a hair west of the meridian.
    @Test func roundedBearingStaysBelow360() throws {
        let station = Geodata.stations[0]
        let caller = Coordinate(latitude: station.location.latitude - 0.01, longitude: station.location.longitude + 1e-7)
        let one = StationSnapshot(stations: [station], counties: Geodata.counties)
        let q = try NearestQuery.validated(latitude: caller.latitude, longitude: caller.longitude, counties: one.counties)
        let results = one.nearest(q)
        let raw = try #require(results.first?.bearingDegrees)
        try #require(raw > 359.995 && raw < 360, "set-up: raw bearing \(raw)")
        let shown = NearestResponse(query: q, results: results, counties: one.counties).stations[0].bearing_deg
        #expect(shown >= 0 && shown < 360, "bearing_deg \(shown) for a raw bearing of \(raw)")
    }

    @Test(arguments: CoordinateSystem.allCases)
    func locationsAreInTheCallersSystem(_ system: CoordinateSystem) throws {
        let (response, results, _, object) = try respond(try query(system))
        for (item, result) in zip(response.stations, results) {
            let want = system.fromWGS84(result.station.location)
            #expect(abs(item.location.lat - want.latitude) <= 1e-7 && abs(item.location.lng - want.longitude) <= 1e-7,
                    "\(item.id): \(item.location) vs \(want)")
            #expect(item.location.coordsys == system)
        }
        if system == .gcj02, let first = results.first {
            let want = ChinaOffset.wgs84ToGCJ02(first.station.location)
            #expect(abs(response.stations[0].location.lat - want.latitude) <= 1e-7)
            #expect(abs(response.stations[0].location.lng - want.longitude) <= 1e-7)
        }
        let items = try #require(object["stations"] as? [[String: Any]])
        let location = try #require(items.first?["location"] as? [String: Any])
        #expect(location["coordsys"] as? String == system.rawValue)
    }

    @Test func queryEchoesInputAndWGS84() throws {
        let q = try query(.bd09)
        let (_, _, _, object) = try respond(q)
        let echo = try #require(object["query"] as? [String: Any])
        let input = try #require(echo["input"] as? [String: Any])
        #expect(double(input["lat"]) == q.point.latitude && double(input["lng"]) == q.point.longitude, "\(input)")
        #expect(input["coordsys"] as? String == "bd09")
        let wgs84 = try #require(echo["wgs84"] as? [String: Any])
        #expect(Set(wgs84.keys) == ["lat", "lng"], "the WGS-84 echo names no coordsys: \(wgs84)")
        let lat = try #require(double(wgs84["lat"])), lng = try #require(double(wgs84["lng"]))
        #expect(abs(lat - westLake.latitude) <= 1e-9 && abs(lng - westLake.longitude) <= 1e-9)
        #expect(double(echo["limit"]) == 10)
    }

    @Test func optionalFiltersAppearOnlyWhenGiven() throws {
        let plain = try #require(try respond(try query()).object["query"] as? [String: Any])
        // The point's county, how sure it is and that it is inside are always there (the point is
        // in Zhejiang: no distance to the province).
        #expect(Set(plain.keys) == ["border_counties", "county_confidence", "input", "inside_zhejiang", "limit", "point_county_code", "wgs84"])
        let filtered = try #require(try respond(try query(mode: "video", county: "330106", radiusKilometers: 30)).object["query"] as? [String: Any])
        #expect(Set(filtered.keys) == ["border_counties", "county", "county_confidence", "input", "inside_zhejiang", "limit", "mode", "point_county_code", "radius_km", "wgs84"])
        #expect(filtered["mode"] as? String == "video")
        #expect(filtered["county"] as? String == "330106")
        #expect(double(filtered["radius_km"]) == 30)
    }

    @Test func emptyAnswerIsAnEmptyList() throws {
        let q = try NearestQuery.validated(latitude: 39.9042, longitude: 116.4074, radiusKilometers: 1, counties: snapshot.counties)
        let (_, results, json, object) = try respond(q)
        #expect(results.isEmpty)
        #expect((object["stations"] as? [Any])?.isEmpty == true)
        #expect(json.contains("\"stations\":[]"))
    }

    /// The same bytes in every process whatever its hash seed (every object's keys written
    /// sorted), and a `/` in the data written as it is, not escaped as `\/`.
    @Test func outputIsByteStable() throws {
        let q = try query(.gcj02)
        let nearest = try #require(snapshot.nearest(q).first).station.id
        var stations = Geodata.stations
        let i = try #require(stations.firstIndex { $0.id == nearest })
        stations[i].address.village = "新村/老村"
        let marked = StationSnapshot(stations: stations, counties: Geodata.counties)
        let json = String(decoding: try JSONOutput.encode(NearestResponse(query: q, results: marked.nearest(q), counties: marked.counties)),
                          as: UTF8.self)
        #expect(json.contains("新村/老村"), "slashes are not escaped")
        let objects = objectKeysInOrder(json)
        #expect(objects.count > 3)
        for keys in objects {
            #expect(keys == keys.sorted(), "\(keys)")
        }
    }
}
