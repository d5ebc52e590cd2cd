import Geodesy
import LiaisonCore
import Testing

/// Raw nearest-query input as an HTTP or CLI caller sends it; valid unless a field is changed.
struct RawQuery: Sendable, CustomStringConvertible {
    var lat = 30.259
    var lng = 120.13
    var coordsys: String?
    var limit: Int?
    var mode: String?
    var county: String?
    var radiusKilometers: Double?

    func validated(_ counties: CountyLocator = Geodata.locator) throws(InvalidInput) -> NearestQuery {
        try NearestQuery.validated(latitude: lat, longitude: lng, coordsys: coordsys, limit: limit, mode: mode,
                                   county: county, radiusKilometers: radiusKilometers, counties: counties)
    }

    /// The validation error, or nil when the input is accepted.
    var rejection: InvalidInput? {
        do throws(InvalidInput) {
            _ = try validated()
            return nil
        } catch {
            return error
        }
    }

    var description: String {
        "lat=\(lat) lng=\(lng) coordsys=\(coordsys ?? "-") limit=\(limit.map(String.init) ?? "-") mode=\(mode ?? "-") county=\(county ?? "-") radius_km=\(radiusKilometers.map { "\($0)" } ?? "-")"
    }
}

@Suite struct NearestQueryValidationTests {
    /// (input, the field named, words the reason must contain to say what is allowed).
    static let badInputs: [(RawQuery, String, String)] = [
        (RawQuery(lat: .nan), "lat", "from -90 to 90"),
        (RawQuery(lat: .infinity), "lat", "from -90 to 90"),
        (RawQuery(lat: -.infinity), "lat", "from -90 to 90"),
        (RawQuery(lat: 90.0001), "lat", "from -90 to 90"),
        (RawQuery(lat: -91), "lat", "from -90 to 90"),
        (RawQuery(lng: .nan), "lng", "from -180 to 180"),
        (RawQuery(lng: .infinity), "lng", "from -180 to 180"),
        (RawQuery(lng: -180.0001), "lng", "from -180 to 180"),
        (RawQuery(lng: 200), "lng", "from -180 to 180"),
        (RawQuery(coordsys: "mars"), "coordsys", "wgs84, gcj02, bd09"),
        (RawQuery(coordsys: ""), "coordsys", "wgs84, gcj02, bd09"),
        (RawQuery(limit: 0), "limit", "from 1 to 50"),
        (RawQuery(limit: 51), "limit", "from 1 to 50"),
        (RawQuery(limit: -3), "limit", "from 1 to 50"),
        (RawQuery(mode: "phone"), "mode", "offline, video"),
        (RawQuery(mode: ""), "mode", "offline, video"),
        (RawQuery(county: "330103"), "county", "6-digit adcode"),   // abolished in 2021
        (RawQuery(county: "330100"), "county", "6-digit adcode"),   // a city, not a county
        (RawQuery(county: "110101"), "county", "6-digit adcode"),   // Beijing
        (RawQuery(radiusKilometers: 0), "radius_km", "greater than 0 and at most 1000"),
        (RawQuery(radiusKilometers: -1), "radius_km", "greater than 0 and at most 1000"),
        (RawQuery(radiusKilometers: 1000.1), "radius_km", "greater than 0 and at most 1000"),
        (RawQuery(radiusKilometers: .nan), "radius_km", "greater than 0 and at most 1000"),
        (RawQuery(radiusKilometers: .infinity), "radius_km", "greater than 0 and at most 1000"),
    ]

    @Test(arguments: badInputs)
    func eachBadFieldIsNamedWithWhatIsAllowed(_ input: RawQuery, _ field: String, _ allowed: String) throws {
        let error = try #require(input.rejection, "\(input) was accepted")
        #expect(error.parameters.map(\.name) == [field])
        let reason = try #require(error.parameters.first?.reason)
        #expect(reason.contains(allowed), "reason: \(reason)")
        #expect(error.description.hasPrefix("\(field): "))
    }

    /// The county error says how many counties there are, so the caller knows the list is finite.
    @Test func unknownCountyEchoesTheInput() throws {
        let error = try #require(RawQuery(county: "330103").rejection)
        let reason = try #require(error.parameters.first?.reason)
        #expect(reason.contains("\"330103\"") && reason.contains("90"), "reason: \(reason)")
    }

    @Test func severalBadFieldsAreReportedTogether() throws {
        let input = RawQuery(lat: .nan, coordsys: "mars", limit: 0, mode: "phone", county: "330103", radiusKilometers: -1)
        let error = try #require(input.rejection)
        #expect(error.parameters.map(\.name) == ["lat", "coordsys", "limit", "mode", "county", "radius_km"])
    }

    /// "Every problem is reported, each naming its field" (NearestQuery.validated's contract):
    /// a caller that swapped or garbled both coordinates should learn about both at once.
    @Test func badLatitudeAndLongitudeAreBothReported() throws {
        let error = try #require(RawQuery(lat: 120.13, lng: .nan).rejection)
        #expect(error.parameters.map(\.name) == ["lat", "lng"])
    }

    @Test(arguments: [
        RawQuery(lat: 90, lng: 180), RawQuery(lat: -90, lng: -180), RawQuery(limit: 1), RawQuery(limit: 50),
        RawQuery(radiusKilometers: 1000), RawQuery(radiusKilometers: 0.001), RawQuery(mode: "offline"),
        RawQuery(mode: "video"), RawQuery(county: "330106"), RawQuery(county: "330383"), RawQuery(coordsys: "bd09"),
    ])
    func boundaryValuesAreAccepted(_ input: RawQuery) {
        #expect(input.rejection == nil, "\(input) was rejected")
    }

    @Test func defaults() throws {
        let q = try RawQuery().validated()
        #expect(q.coordinateSystem == .wgs84)
        #expect(q.limit == NearestQuery.defaultLimit && q.limit == 5)
        #expect(q.mode == nil && q.countyCode == nil && q.radiusKilometers == nil)
        #expect(q.point == westLake && q.wgs84 == westLake)
    }

    @Test func fieldsAreKept() throws {
        let q = try RawQuery(limit: 12, mode: "video", county: "330106", radiusKilometers: 7.5).validated()
        #expect(q.limit == 12)
        #expect(q.mode == .video)
        #expect(q.countyCode == "330106")
        #expect(q.radiusKilometers == 7.5)
    }

    /// A WeChat map (GCJ-02) or Baidu (BD-09) point is searched at its true WGS-84 position:
    /// the point as shown on that map is what the converted point maps back to.
    @Test(arguments: [CoordinateSystem.gcj02, .bd09])
    func mapCoordinatesAreConvertedToWGS84(_ system: CoordinateSystem) throws {
        let shown = system.fromWGS84(westLake)
        let q = try RawQuery(lat: shown.latitude, lng: shown.longitude, coordsys: system.rawValue).validated()
        #expect(q.coordinateSystem == system)
        #expect(q.point == shown)
        #expect(meters(q.wgs84, westLake) < 1e-6, "searched at \(q.wgs84), \(meters(q.wgs84, westLake)) m from the true point")
        // The offset is hundreds of metres here: searching at the raw map point would be wrong.
        #expect(meters(shown, westLake) > 300)
    }
}
