import Geodesy
import Testing

/// `Geodesic.wgs84` (PROJ's geod_inverse) against geographiclib 2.1 (Python), the reference
/// implementation of the same algorithm by its author.
@Suite struct GeodesicOracleTests {
    static let vectors = Fixtures.geodesics

    /// geographiclib's azimuth in (-180, 180] as a bearing in [0, 360).
    static func bearing(fromAzimuth azimuth: Double) -> Double {
        let b = azimuth < 0 ? azimuth + 360 : azimuth
        return b >= 360 ? b - 360 : b
    }

    /// The smaller angle between two bearings, degrees (so 359.9999999999 and 0 are close).
    static func angleBetween(_ a: Double, _ b: Double) -> Double {
        let d = abs(a - b).truncatingRemainder(dividingBy: 360)
        return min(d, 360 - d)
    }

    @Test func fixtureCoversTheHardCases() {
        #expect(Self.vectors.count == 302)
        #expect(Self.vectors.contains { $0.distance_m == 0 }, "coincident points")
        #expect(Self.vectors.contains { $0.distance_m > 0 && $0.distance_m < 0.01 }, "millimetre pairs")
        #expect(Self.vectors.contains { $0.distance_m > 20_000_000 }, "near-antipodal pairs")
        #expect(Self.vectors.contains { $0.azimuthIsDegenerate && $0.distance_m > 0 }, "poles and exact antipodes")
    }

    /// Both libraries claim about 15 nm for any pair, so they may differ by 30 nm, short or
    /// long (antipodes included). Measured on this fixture: 1.1e-9 m worst below 1,000 km and
    /// 2.9e-16 of the distance above (6 nm half way round the Earth).
    @Test(arguments: vectors)
    func distanceMatchesGeographicLib(_ v: Fixtures.GeodesicVector) {
        let got = Geodesic.wgs84.inverse(from: v.from, to: v.to)
        let tolerance = 3e-8
        #expect(abs(got.distanceMeters - v.distance_m) <= tolerance,
                "\(v): got \(got.distanceMeters) m, want \(v.distance_m) m")
        #expect(Geodesic.wgs84.distanceMeters(from: v.from, to: v.to) == got.distanceMeters)
    }

    /// Measured: 3.8e-10° worst.
    @Test(arguments: vectors.filter { !$0.azimuthIsDegenerate })
    func bearingMatchesGeographicLib(_ v: Fixtures.GeodesicVector) {
        let got = Geodesic.wgs84.inverse(from: v.from, to: v.to).initialBearingDegrees
        let want = Self.bearing(fromAzimuth: v.azimuth_deg)
        #expect(Self.angleBetween(got, want) <= 1e-9, "\(v): got \(got)°, want \(want)° (raw azimuth \(v.azimuth_deg))")
    }

    /// A bearing is always in [0, 360), never negative and never 360, including for the
    /// degenerate pairs (coincident, polar, antipodal) whose direction is arbitrary.
    @Test(arguments: vectors)
    func bearingIsInRange(_ v: Fixtures.GeodesicVector) {
        let bearing = Geodesic.wgs84.inverse(from: v.from, to: v.to).initialBearingDegrees
        #expect(bearing >= 0 && bearing < 360, "\(v): bearing \(bearing)")
    }

    /// Due west is 270°, not -90°: the one place a raw azimuth would leak through.
    @Test func westIsTwoHundredSeventy() {
        let hangzhou = Coordinate(latitude: 0, longitude: 120.13)
        let west = Geodesic.wgs84.inverse(from: hangzhou, to: Coordinate(latitude: 0, longitude: 120.0))
        #expect(abs(west.initialBearingDegrees - 270) <= 1e-9)
        let justWestOfNorth = Geodesic.wgs84.inverse(from: Coordinate(latitude: 30, longitude: 120),
                                                     to: Coordinate(latitude: 30.01, longitude: 119.999_999_9))
        #expect(justWestOfNorth.initialBearingDegrees > 359.99 && justWestOfNorth.initialBearingDegrees < 360)
    }

    @Test func distanceIsSymmetricAndZeroOnlyForTheSamePoint() {
        let westLake = Coordinate(latitude: 30.259, longitude: 120.13)
        let ningbo = Coordinate(latitude: 29.868, longitude: 121.544)
        let there = Geodesic.wgs84.distanceMeters(from: westLake, to: ningbo)
        let back = Geodesic.wgs84.distanceMeters(from: ningbo, to: westLake)
        #expect(abs(there - back) <= 1e-6)
        #expect(there > 140_000 && there < 150_000)
        #expect(Geodesic.wgs84.distanceMeters(from: westLake, to: westLake) == 0)
    }
}

@Suite struct GeodesicDirectTests {
    @Test func directIsTheInverseOfInverse() {
        let a = Coordinate(latitude: 30.2741, longitude: 120.1551)
        for (bearing, distance) in [(0.0, 100.0), (45, 1234.5), (200, 50_000), (359.5, 3)] {
            let b = Geodesic.wgs84.direct(from: a, bearingDegrees: bearing, distanceMeters: distance)
            let back = Geodesic.wgs84.inverse(from: a, to: b)
            #expect(abs(back.distanceMeters - distance) < 1e-6)
            #expect(abs(back.initialBearingDegrees - bearing) < 1e-6)
        }
    }
}
