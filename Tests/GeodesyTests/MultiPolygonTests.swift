import Geodesy
import Testing
import LiaisonTestSupport

/// A closed ring from (lat, lng) corners.
func ring(_ corners: [(Double, Double)]) -> [Coordinate] {
    let points = corners.map { Coordinate(latitude: $0.0, longitude: $0.1) }
    return points + [points[0]]
}

/// A lat/lng rectangle as a closed ring, counter-clockwise.
func rectangle(lat: ClosedRange<Double>, lng: ClosedRange<Double>) -> [Coordinate] {
    ring([(lat.lowerBound, lng.lowerBound), (lat.lowerBound, lng.upperBound), (lat.upperBound, lng.upperBound), (lat.upperBound, lng.lowerBound)])
}

@Suite struct MultiPolygonContainsTests {
    static let square = MultiPolygon(polygons: [[rectangle(lat: 30.0...30.1, lng: 120.0...120.1)]])
    static let squareWithHole = MultiPolygon(polygons: [[
        rectangle(lat: 30.0...30.1, lng: 120.0...120.1),
        rectangle(lat: 30.04...30.06, lng: 120.04...120.06),
    ]])
    static let twoIslands = MultiPolygon(polygons: [
        [rectangle(lat: 30.0...30.1, lng: 120.0...120.1)],
        [rectangle(lat: 30.2...30.3, lng: 120.3...120.4)],
    ])
    /// An L: the square minus its north-east quarter (a concave outline, no hole).
    static let lShape = MultiPolygon(polygons: [[ring([(30.0, 120.0), (30.0, 120.1), (30.05, 120.1), (30.05, 120.05), (30.1, 120.05), (30.1, 120.0)])]])

    @Test func square() {
        #expect(Self.square.contains(Coordinate(latitude: 30.05, longitude: 120.05)))
        #expect(Self.square.contains(Coordinate(latitude: 30.0001, longitude: 120.0999)))
        #expect(!Self.square.contains(Coordinate(latitude: 30.05, longitude: 120.1001)))
        #expect(!Self.square.contains(Coordinate(latitude: 29.9999, longitude: 120.05)))
    }

    @Test func squareWithAHole() {
        #expect(!Self.squareWithHole.contains(Coordinate(latitude: 30.05, longitude: 120.05)), "in the hole")
        #expect(Self.squareWithHole.contains(Coordinate(latitude: 30.02, longitude: 120.05)), "between hole and outline")
        #expect(Self.squareWithHole.contains(Coordinate(latitude: 30.05, longitude: 120.07)))
        #expect(!Self.squareWithHole.contains(Coordinate(latitude: 30.05, longitude: 120.2)))
    }

    @Test func twoPartMultiPolygon() {
        #expect(Self.twoIslands.contains(Coordinate(latitude: 30.05, longitude: 120.05)), "first part")
        #expect(Self.twoIslands.contains(Coordinate(latitude: 30.25, longitude: 120.35)), "second part")
        // Inside the combined bounding box but in neither part.
        #expect(!Self.twoIslands.contains(Coordinate(latitude: 30.15, longitude: 120.2)))
        #expect(!Self.twoIslands.contains(Coordinate(latitude: 30.25, longitude: 120.05)))
        #expect(!Self.twoIslands.contains(Coordinate(latitude: 30.05, longitude: 120.35)))
    }

    @Test func concaveOutline() {
        #expect(Self.lShape.contains(Coordinate(latitude: 30.025, longitude: 120.075)))
        #expect(Self.lShape.contains(Coordinate(latitude: 30.075, longitude: 120.025)))
        #expect(!Self.lShape.contains(Coordinate(latitude: 30.075, longitude: 120.075)), "in the notch")
    }

    @Test func pointsOutsideTheBoundingBox() {
        for p in [Coordinate(latitude: 31, longitude: 120.05), Coordinate(latitude: 30.05, longitude: 121),
                  Coordinate(latitude: -30.05, longitude: 120.05), Coordinate(latitude: 30.05, longitude: -120.05),
                  Coordinate(latitude: 90, longitude: 0)] {
            #expect(!Self.square.contains(p))
            #expect(!Self.twoIslands.contains(p))
        }
        #expect(!MultiPolygon(polygons: []).contains(Coordinate(latitude: 30, longitude: 120)))
    }

    /// The even-odd result does not depend on the ring's orientation.
    @Test func clockwiseRingsWorkToo() {
        let clockwise = MultiPolygon(polygons: [[Array(rectangle(lat: 30.0...30.1, lng: 120.0...120.1).reversed())]])
        #expect(clockwise.contains(Coordinate(latitude: 30.05, longitude: 120.05)))
        #expect(!clockwise.contains(Coordinate(latitude: 30.15, longitude: 120.05)))
    }
}

/// `nearestBoundaryPoint` against a dense brute-force sampling of the boundary.
@Suite struct NearestBoundaryPointTests {
    /// An irregular outline a few kilometres across near Hangzhou (edges 1-4 km), with a hole.
    static let outline = ring([(30.250, 120.100), (30.255, 120.135), (30.275, 120.142), (30.290, 120.120),
                               (30.282, 120.098), (30.268, 120.112)])
    static let hole = ring([(30.265, 120.122), (30.262, 120.128), (30.270, 120.130)])
    static let polygon = MultiPolygon(polygons: [[outline, hole]])

    /// Every ~1 m along every edge (linear in longitude/latitude, as GeoJSON edges are drawn).
    static let samples: [Coordinate] = {
        var out: [Coordinate] = []
        for r in [outline, hole] {
            for (a, b) in zip(r, r.dropFirst()) {
                let n = Int((meters(a, b) / 1.0).rounded(.up))
                for i in 0...n {
                    let t = Double(i) / Double(n)
                    out.append(Coordinate(latitude: a.latitude + t * (b.latitude - a.latitude),
                                          longitude: a.longitude + t * (b.longitude - a.longitude)))
                }
            }
        }
        return out
    }()

    static func bruteForceDistance(_ p: Coordinate) -> Double {
        samples.reduce(Double.infinity) { min($0, meters(p, $1)) }
    }

    @Test func samplingIsDense() {
        #expect(Self.samples.count > 10_000)
    }

    @Test func matchesBruteForceInsideAndOutside() {
        var rng = SplitMix64(seed: 11)
        var inside = 0, outside = 0
        for _ in 0..<60 {
            let p = Coordinate(latitude: .random(in: 30.240...30.300, using: &rng), longitude: .random(in: 120.090...120.152, using: &rng))
            if Self.polygon.contains(p) { inside += 1 } else { outside += 1 }
            let (point, distance) = Self.polygon.nearestBoundaryPoint(to: p)
            let want = Self.bruteForceDistance(p)
            #expect(abs(distance - want) <= 0.5, "\(p): got \(distance) m, brute force \(want) m")
            // The distance is the one to the point returned, and that point is on the boundary.
            #expect(abs(meters(p, point) - distance) <= 1e-6)
            #expect(Self.bruteForceDistance(point) <= 0.6, "\(point) is not on the boundary")
        }
        #expect(inside >= 10 && outside >= 10, "inside \(inside), outside \(outside)")
    }

    /// Far points (tens of kilometres) and points right next to an edge or in the hole.
    @Test(arguments: [
        Coordinate(latitude: 30.0, longitude: 120.0),
        Coordinate(latitude: 30.6, longitude: 120.5),
        Coordinate(latitude: 30.266, longitude: 120.126),   // in the hole
        Coordinate(latitude: 30.2525, longitude: 120.1175), // near the south edge
        Coordinate(latitude: 30.275, longitude: 120.142),   // on a vertex
    ])
    func matchesBruteForceAtChosenPoints(_ p: Coordinate) {
        let (_, distance) = Self.polygon.nearestBoundaryPoint(to: p)
        let want = Self.bruteForceDistance(p)
        #expect(abs(distance - want) <= 0.5, "\(p): got \(distance) m, brute force \(want) m")
    }

    /// The county file's longest edges are about 15 km. There the distance is measured to the
    /// chord-lifted edge while GeoJSON draws the edge straight in longitude/latitude; the two
    /// differ by the edge's sag (about 2.5 m for a 15 km east-west edge at 30°N), which is what
    /// the doc's "good to a few metres" allows. Far below the polygons' 100 m simplification.
    @Test func fifteenKilometreEdgesAreGoodToAFewMetres() {
        let outline = ring([(30.0, 120.0), (30.0, 120.156), (30.135, 120.156), (30.135, 120.0)])
        let square = MultiPolygon(polygons: [[outline]])
        var samples: [Coordinate] = []
        for (a, b) in zip(outline, outline.dropFirst()) {
            let n = Int(meters(a, b).rounded(.up))
            for i in 0...n {
                let t = Double(i) / Double(n)
                samples.append(Coordinate(latitude: a.latitude + t * (b.latitude - a.latitude), longitude: a.longitude + t * (b.longitude - a.longitude)))
            }
        }
        var rng = SplitMix64(seed: 5)
        for _ in 0..<40 {
            let p = Coordinate(latitude: .random(in: 29.95...30.185, using: &rng), longitude: .random(in: 119.95...120.2, using: &rng))
            let got = square.nearestBoundaryPoint(to: p).distanceMeters
            let want = samples.reduce(Double.infinity) { min($0, meters(p, $1)) }
            #expect(abs(got - want) <= 5, "\(p): got \(got) m, brute force \(want) m")
        }
    }

    @Test func emptyPolygonHasNoBoundary() {
        let p = Coordinate(latitude: 30, longitude: 120)
        #expect(MultiPolygon(polygons: []).nearestBoundaryPoint(to: p).distanceMeters == .infinity)
    }
}
