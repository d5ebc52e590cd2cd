import Foundation
import Geodesy
import LiaisonCore
import Testing

/// Border honesty: `borderCheck` against brute force over every county (no bounding-box
/// shortcut), and on points whose answer is known by construction.
@Suite struct BorderCheckTests {
    let locator = Geodata.locator
    let accuracy = CountyLocator.borderAccuracyMeters

    /// Every other county whose boundary is within `reach` of the point, by brute force.
    func bruteForce(_ p: Coordinate, placedIn county: County, reach: Double) -> [String] {
        locator.counties.filter { $0.adcode != county.adcode }.filter {
            $0.boundary.contains(p) || $0.boundary.nearestBoundaryPoint(to: p).distanceMeters <= reach
        }.map(\.adcode).sorted()
    }

    /// Vertices of internal borders: points of one county's ring that another county's boundary passes within a metre of.
    static let sharedVertices: [(point: Coordinate, a: String, b: String)] = {
        let counties = Geodata.counties
        var found: [(Coordinate, String, String)] = []
        for (i, county) in counties.enumerated() where i % 9 == 0 {
            let ring = county.boundary.polygons[0][0]
            for point in stride(from: 0, to: ring.count, by: max(1, ring.count / 12)).map({ ring[$0] }) {
                if let other = counties.first(where: { $0.adcode != county.adcode && $0.boundary.nearestBoundaryPoint(to: point).distanceMeters < 1 }) {
                    found.append((point, county.adcode, other.adcode))
                }
            }
        }
        return found
    }()

    @Test func agreesWithBruteForceAroundBorders() throws {
        #expect(Self.sharedVertices.count >= 20, "the sample needs internal border vertices")
        var compared = 0, near = 0
        for (vertex, _, _) in Self.sharedVertices {
            // Points from 0 to 6 km from the vertex in eight directions, across the accuracy (2 km).
            for distance in [0.0, 300, 1500, 1990, 2010, 3000, 6000] {
                for bearing in stride(from: 0.0, to: 360, by: 45) {
                    let p = Geodesic.wgs84.direct(from: vertex, bearingDegrees: bearing, distanceMeters: distance)
                    guard let home = locator.containing(p) else { continue }
                    let check = locator.borderCheck(p, placedIn: home)
                    let expected = bruteForce(p, placedIn: home, reach: accuracy)
                    #expect(check.candidates.map(\.county.adcode).sorted() == expected, "\(p)")
                    #expect(check.confidence == (expected.isEmpty ? .inside : .near_border))
                    for c in check.candidates {
                        let d = c.county.boundary.contains(p) ? 0 : c.county.boundary.nearestBoundaryPoint(to: p).distanceMeters
                        #expect(abs(c.distanceMeters - d) < 1e-6)
                    }
                    compared += 1
                    if !expected.isEmpty { near += 1 }
                }
            }
        }
        #expect(compared > 500 && near > 100 && near < compared, "\(near) of \(compared) near a border")
    }

    @Test func theBoundedSearchAgreesWithTheFullScan() {
        // Seeded points over Zhejiang and around it; every county; several distances.
        var state: UInt64 = 20211130
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        var compared = 0, within = 0
        for _ in 0..<150 {
            let p = Coordinate(latitude: 27.0 + 4.2 * next(), longitude: 118.0 + 5.2 * next())
            for county in locator.counties {
                let full = county.boundary.nearestBoundaryPoint(to: p)
                for reach in [500.0, 2000, 10_000] {
                    let bounded = county.boundary.nearestBoundaryPoint(to: p, within: reach)
                    if full.distanceMeters <= reach {
                        #expect(bounded.map { abs($0.distanceMeters - full.distanceMeters) < 1e-6 } == true, "\(county.adcode) \(p) \(reach)")
                        within += 1
                    } else {
                        #expect(bounded == nil, "\(county.adcode) \(p) \(reach)")
                    }
                    compared += 1
                }
            }
        }
        #expect(compared == 150 * 90 * 3 && within > 100, "\(within) within of \(compared)")
    }

    @Test func aSharedVertexIsNearBothWays() throws {
        let (vertex, a, b) = try #require(Self.sharedVertices.first)
        let countyA = try #require(locator.county(code: a))
        let check = locator.borderCheck(vertex, placedIn: countyA)
        #expect(check.confidence == .near_border)
        #expect(check.candidates.first?.county.adcode == b || check.candidates.contains { $0.county.adcode == b })
    }

    @Test func aStationFarFromBordersIsInside() throws {
        // Stations are at least 150 m from their county's boundary; the one farthest from any other county is surely inside.
        let station = try #require(Geodata.stations.max { a, b in
            let da = locator.counties.filter { $0.adcode != a.countyCode }.map { $0.boundary.nearestBoundaryPoint(to: a.location).distanceMeters }.min()!
            let db = locator.counties.filter { $0.adcode != b.countyCode }.map { $0.boundary.nearestBoundaryPoint(to: b.location).distanceMeters }.min()!
            return da < db
        })
        let county = try #require(locator.county(code: station.countyCode))
        #expect(locator.borderCheck(station.location, placedIn: county) == .inside)
    }

    @Test func theCoastIsNotABorder() throws {
        // 普陀区's east coast: near the sea, far from any other county.
        let sea = Coordinate(latitude: 30.0, longitude: 123.5)
        guard case .outside(let nearest, let distance)? = locator.locate(sea) else { Issue.record("expected outside"); return }
        let check = locator.borderCheck(sea, placedIn: nearest, outsideBy: distance)
        #expect(check.candidates.map(\.county.adcode) == bruteForce(sea, placedIn: nearest, reach: distance + accuracy))
    }

    @Test func theGrownBoxHoldsEveryPointWithinTheDistance() {
        // The shortcut may only over-grow: points just inside the distance beyond each corner are held.
        for county in locator.counties {
            let b = county.boundary
            for corner in [Coordinate(latitude: b.minLatitude, longitude: b.minLongitude), Coordinate(latitude: b.maxLatitude, longitude: b.maxLongitude),
                           Coordinate(latitude: b.minLatitude, longitude: b.maxLongitude), Coordinate(latitude: b.maxLatitude, longitude: b.minLongitude)] {
                for bearing in stride(from: 0.0, to: 360, by: 30) {
                    let p = Geodesic.wgs84.direct(from: corner, bearingDegrees: bearing, distanceMeters: 999)
                    #expect(b.boundingBox(contains: p, grownBy: 1000), "\(county.adcode) \(bearing)")
                }
            }
        }
    }
}
