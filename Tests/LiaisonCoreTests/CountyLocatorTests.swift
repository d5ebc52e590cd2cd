import Geodesy
import LiaisonCore
import Testing

@Suite struct CountyLocatorTests {
    let locator = Geodata.locator

    @Test func everyStationLiesInItsDeclaredCounty() {
        var misplaced: [String] = []
        for station in Geodata.stations {
            guard case .inside(let county) = locator.locate(station.location), county.adcode == station.countyCode else {
                misplaced.append(station.id)
                continue
            }
        }
        #expect(misplaced.isEmpty, "\(misplaced.count) stations not inside their county polygon: \(misplaced.prefix(10))")
    }

    @Test func westLakeIsInXihuDistrictOfHangzhou() throws {
        guard case .inside(let county) = locator.locate(westLake) else {
            Issue.record("West Lake is not inside a county")
            return
        }
        #expect(county.adcode == "330106")
        #expect(county.name == "西湖区")
        #expect(county.cityCode == "330100")
        #expect(county.cityName == "杭州市")
    }

    /// The least distance from `p` to any vertex of the county: an upper bound of the distance
    /// to its boundary; that minus half the county's longest edge (and a metre for the edges'
    /// curvature) is a lower bound, since every boundary point is that close to a vertex.
    static func vertexBounds(_ p: Coordinate, _ county: County) -> (lower: Double, upper: Double) {
        var upper = Double.infinity, longestEdge = 0.0
        for polygon in county.boundary.polygons {
            for ring in polygon {
                for (a, b) in zip(ring, ring.dropFirst()) {
                    upper = min(upper, meters(p, a))
                    longestEdge = max(longestEdge, meters(a, b))
                }
            }
        }
        return (upper - longestEdge / 2 - 1, upper)
    }

    @Test func beijingIsOutsideWithAZhejiangCountyNearest() throws {
        let beijing = Coordinate(latitude: 39.9042, longitude: 116.4074)
        guard case .outside(let nearest, let distance) = locator.locate(beijing) else {
            Issue.record("Beijing was placed inside Zhejiang")
            return
        }
        #expect(nearest.adcode.hasPrefix("33"))
        #expect(distance > 600_000 && distance < 1_200_000, "\(distance) m")
        let own = Self.vertexBounds(beijing, nearest)
        #expect(distance >= own.lower && distance <= own.upper + 1e-6, "\(distance) m not within \(own)")
        for other in locator.counties where other.adcode != nearest.adcode {
            #expect(distance <= Self.vertexBounds(beijing, other).upper + 1e-6, "\(other.adcode) has a vertex nearer than \(distance) m")
        }
    }

    @Test func seaEastOfZhoushanIsNearestToZhoushan() throws {
        let sea = Coordinate(latitude: 30.0, longitude: 123.5)
        guard case .outside(let nearest, let distance) = locator.locate(sea) else {
            Issue.record("the sea east of Zhoushan was placed inside a county")
            return
        }
        #expect(nearest.adcode.hasPrefix("3309"), "nearest is \(nearest.adcode) \(nearest.name)")
        #expect(nearest.cityName == "舟山市")
        #expect(distance > 10_000 && distance < 150_000, "\(distance) m")
        let own = Self.vertexBounds(sea, nearest)
        #expect(distance >= own.lower && distance <= own.upper + 1e-6)
    }

    @Test func countiesAreSortedAndFoundByCode() throws {
        #expect(locator.counties.count == 90)
        #expect(locator.counties.map(\.adcode) == locator.counties.map(\.adcode).sorted())
        #expect(locator.county(code: "330106")?.name == "西湖区")
        #expect(locator.county(code: "330383")?.name == "龙港市")
        #expect(locator.county(code: "330103") == nil)
        #expect(locator.county(code: "") == nil)
    }

    @Test func emptyLocatorPlacesNothing() {
        #expect(CountyLocator([]).locate(westLake) == nil)
    }
}
