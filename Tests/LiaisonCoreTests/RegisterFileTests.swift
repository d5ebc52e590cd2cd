import Foundation
import Geodesy
import LiaisonCore
import Testing

@Suite struct RegisterFileTests {
    /// The stations file as plain JSON objects, to break in ways the typed model cannot.
    static func stationsJSON() throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Geodata.stationsData) as? [String: Any])
    }

    static func features(_ json: [String: Any]) throws -> [[String: Any]] {
        try #require(json["features"] as? [[String: Any]])
    }

    static func parse(_ json: Any) throws -> RegisterFile {
        try RegisterFile.parse(try JSONSerialization.data(withJSONObject: json), counties: Geodata.locator)
    }

    @Test func shippedFilesParse() {
        #expect(Geodata.counties.count == 90)
        #expect(Set(Geodata.counties.map(\.adcode)).count == 90)
        #expect(Geodata.stations.count == 2045)
        #expect(Set(Geodata.stations.map(\.id)).count == 2045)
        let codes = Set(Geodata.counties.map(\.adcode))
        #expect(codes.isSuperset(of: ["330113", "330114", "330383", "330106", "330902", "331127"]))
        #expect(codes.isDisjoint(with: ["330103", "330104"]), "abolished districts")
        #expect(Set(Geodata.counties.map(\.cityCode)).count == 11)
        #expect(Geodata.stations.allSatisfy { codes.contains($0.countyCode) })
    }

    @Test func badFeatureInTheMiddleIsNamedByIndexAndID() throws {
        var json = try Self.stationsJSON()
        var features = try Self.features(json)
        var properties = try #require(features[1000]["properties"] as? [String: Any])
        var staff = try #require(properties["staff"] as? [[String: Any]])
        staff[0]["mobile"] = "12345"
        properties["staff"] = staff
        properties["capacity"] = 0
        features[1000]["properties"] = properties
        let id = try #require(features[1000]["id"] as? String)
        json["features"] = features

        let error = #expect(throws: RegisterFile.FeatureError.self) { try Self.parse(json) }
        let e = try #require(error)
        #expect(e.index == 1000)
        #expect(e.id == id)
        #expect(Set(e.problems.map(\.name)) == ["properties.staff[0].mobile", "properties.capacity"])
        #expect(e.description.contains("1000") && e.description.contains(id), "\(e)")
    }

    @Test func duplicatedIDIsAnError() throws {
        var json = try Self.stationsJSON()
        var features = try Self.features(json)
        features[7] = features[6]
        json["features"] = features
        let error = #expect(throws: RegisterFile.FeatureError.self) { try Self.parse(json) }
        let e = try #require(error)
        #expect(e.index == 7)
        #expect(e.id == features[6]["id"] as? String)
        #expect(e.problems.map(\.name) == ["id"])
        #expect(e.problems.first?.reason.contains("more than once") == true)
    }

    @Test func missingRequiredKeyIsNamed() throws {
        var json = try Self.stationsJSON()
        var features = try Self.features(json)
        var properties = try #require(features[3]["properties"] as? [String: Any])
        properties["phone"] = nil
        features[3]["properties"] = properties
        json["features"] = features
        let error = #expect(throws: RegisterFile.FeatureError.self) { try Self.parse(json) }
        let e = try #require(error)
        #expect(e.index == 3)
        #expect(e.id == features[3]["id"] as? String)
        // The name is the key's path, from the file (`features[3].properties.phone`).
        let problem = try #require(e.problems.first)
        #expect(e.problems.count == 1)
        #expect(problem.name.hasSuffix("properties.phone"), "\(problem)")
        #expect(problem.reason == "is required")
    }

    @Test func missingIDIsNamed() throws {
        var json = try Self.stationsJSON()
        var features = try Self.features(json)
        features[2]["id"] = nil
        json["features"] = features
        let error = #expect(throws: RegisterFile.FeatureError.self) { try Self.parse(json) }
        let e = try #require(error)
        #expect(e.index == 2)
        #expect(e.id == nil)
        #expect(e.problems.count == 1)
        #expect(e.problems.first?.name.hasSuffix("id") == true, "\(e)")
        #expect(e.problems.first?.reason == "is required")
        #expect(e.description.contains("missing"), "\(e)")
    }

    /// `geometry` is as required as `properties.phone`: a station file with one feature
    /// lacking it should name that feature, like any other missing key, so the operator can
    /// find it among 2,045.
    @Test(arguments: ["absent", "null"])
    func missingGeometryNamesTheFeature(_ how: String) throws {
        var json = try Self.stationsJSON()
        var features = try Self.features(json)
        if how == "null" { features[10]["geometry"] = NSNull() } else { features[10]["geometry"] = nil }
        let id = try #require(features[10]["id"] as? String)
        json["features"] = features
        let error = #expect(throws: RegisterFile.FeatureError.self) { try Self.parse(json) }
        let e = try #require(error)
        #expect(e.index == 10 && e.id == id)
        #expect(e.problems.first?.name.hasSuffix("geometry") == true, "\(e)")
    }

    @Test func wrongValueTypeIsNamed() throws {
        var json = try Self.stationsJSON()
        var features = try Self.features(json)
        var properties = try #require(features[4]["properties"] as? [String: Any])
        properties["capacity"] = "twelve"
        features[4]["properties"] = properties
        json["features"] = features
        let error = #expect(throws: RegisterFile.FeatureError.self) { try Self.parse(json) }
        let e = try #require(error)
        #expect(e.index == 4)
        #expect(e.problems.count == 1)
        #expect(e.problems.first?.name.hasSuffix("properties.capacity") == true, "\(e)")
        #expect(e.problems.first?.reason.contains("wrong type") == true, "\(e)")
    }

    @Test(arguments: [
        #"{"type":"Feature","features":[]}"#,
        #"{"type":"GeometryCollection","features":[]}"#,
        #"{"features":[]}"#,
        #"[1, 2, 3]"#,
        #"not JSON at all"#,
        "",
    ])
    func notAFeatureCollectionIsAFormatError(_ text: String) {
        #expect(throws: RegisterFile.FormatError.self) {
            try RegisterFile.parse(Data(text.utf8), counties: Geodata.locator)
        }
    }

    @Test func wrongTopLevelTypeSaysWhatIsExpected() throws {
        let error = #expect(throws: RegisterFile.FormatError.self) {
            try RegisterFile.parse(Data(#"{"type":"Feature","features":[]}"#.utf8), counties: Geodata.locator)
        }
        let e = try #require(error)
        #expect(e.description.contains("\"Feature\"") && e.description.contains("FeatureCollection"), "\(e)")
    }

    @Test func mixedPointsAndPolygonsIsAFormatError() throws {
        let stations = try Self.features(try Self.stationsJSON())
        let counties = try #require((try JSONSerialization.jsonObject(with: Geodata.countiesData) as? [String: Any])?["features"] as? [[String: Any]])
        let mixed: [String: Any] = ["type": "FeatureCollection", "features": [stations[0], counties[0], stations[1]]]
        let error = #expect(throws: RegisterFile.FormatError.self) { try Self.parse(mixed) }
        let e = try #require(error)
        #expect(e.description.contains("Point") && e.description.contains("MultiPolygon"), "\(e)")
    }

    @Test func emptyCollectionIsAnEmptyRegister() throws {
        guard case .stations(let stations) = try RegisterFile.parse(Data(#"{"type":"FeatureCollection","features":[]}"#.utf8), counties: Geodata.locator) else {
            Issue.record("an empty collection is not an empty list of stations")
            return
        }
        #expect(stations.isEmpty)
    }

    @Test func badCountyFeatureIsNamed() throws {
        var json = try #require(try JSONSerialization.jsonObject(with: Geodata.countiesData) as? [String: Any])
        var features = try Self.features(json)
        var properties = try #require(features[40]["properties"] as? [String: Any])
        properties["city_code"] = "330100"
        features[40]["properties"] = properties
        let id = try #require(features[40]["id"] as? String)
        try #require(!id.hasPrefix("3301"))
        json["features"] = features
        let error = #expect(throws: RegisterFile.FeatureError.self) {
            try RegisterFile.parse(try JSONSerialization.data(withJSONObject: json), counties: CountyLocator([]))
        }
        let e = try #require(error)
        #expect(e.index == 40 && e.id == id)
        #expect(e.problems.map(\.name) == ["properties.city_code"])
    }

    /// Export then import gives back the same register (what `liaison import`/export rely on).
    @Test func stationsRoundTripThroughGeoJSON() throws {
        let data = try JSONOutput.encode(FeatureCollection(features: Geodata.stations.map(StationFeature.init)))
        guard case .stations(let back) = try RegisterFile.parse(data, counties: Geodata.locator) else {
            Issue.record("exported stations did not parse as stations")
            return
        }
        #expect(back == Geodata.stations)
    }

    @Test func countiesRoundTripThroughGeoJSON() throws {
        let data = try JSONOutput.encode(FeatureCollection(features: Geodata.counties.map(CountyFeature.init)))
        guard case .counties(let back) = try RegisterFile.parse(data, counties: CountyLocator([])) else {
            Issue.record("exported counties did not parse as counties")
            return
        }
        #expect(back == Geodata.counties)
    }
}
