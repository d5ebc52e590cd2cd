import Foundation
import Geodesy
import LiaisonCore
import Testing

/// `liaison where` / the region endpoint: which county a map point is in.
@Suite struct RegionLookupTests {
    @Test(arguments: CoordinateSystem.allCases)
    func westLakeFromAnyMap(_ system: CoordinateSystem) {
        let lookup = RegionLookup(point: system.fromWGS84(westLake), coordinateSystem: system, counties: Geodata.locator)
        #expect(lookup.inside_zhejiang)
        #expect(lookup.region?.county_code == "330106" && lookup.region?.county_name == "西湖区")
        #expect(lookup.region?.city_code == "330100" && lookup.region?.city_name == "杭州市")
        #expect(lookup.region?.distance_m == nil)
        #expect(lookup.nearest == nil)
        #expect(abs(lookup.wgs84.lat - westLake.latitude) <= 1e-9 && abs(lookup.wgs84.lng - westLake.longitude) <= 1e-9)
        #expect(lookup.query.coordsys == system)
    }

    @Test func theSeaIsOutsideWithTheNearestCountyAndItsDistance() throws {
        let lookup = RegionLookup(point: Coordinate(latitude: 30.0, longitude: 123.5), coordinateSystem: .wgs84, counties: Geodata.locator)
        #expect(!lookup.inside_zhejiang)
        #expect(lookup.region == nil)
        let nearest = try #require(lookup.nearest)
        #expect(nearest.county_code.hasPrefix("3309"))
        let distance = try #require(nearest.distance_m)
        #expect(distance > 10_000 && (distance * 100).rounded() == distance * 100)
        let json = String(decoding: try JSONOutput.encode(lookup), as: UTF8.self)
        #expect(json.contains("\"inside_zhejiang\":false") && !json.contains("\"region\""))
    }
}
