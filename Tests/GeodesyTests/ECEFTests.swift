import Foundation
import Geodesy
import Testing
import LiaisonTestSupport

/// The chord lower bound the station index prunes with, and the ECEF round trip.
@Suite struct ECEFTests {
    /// The slack StationIndex subtracts from every chord bound (`roundingSlackMeters`): it
    /// covers the rounding error of the chord (ECEF coordinates near 6.4e6 m, so about 1e-9 m)
    /// and of the geodesic (about 1.5e-8 m), which decide the comparison at metre scale,
    /// where the true gap geodesic − chord is about d³/(24R²), 1e-15 m for d = 1 m.
    static let slackMeters = 1e-6

    static func chord(_ a: Coordinate, _ b: Coordinate) -> Double {
        ECEF(a).squaredDistance(to: ECEF(b)).squareRoot()
    }

    static func randomPoint(_ rng: inout SplitMix64) -> Coordinate {
        // Uniform on the sphere, so the poles are not over-weighted.
        let z = Double.random(in: -1...1, using: &rng)
        return Coordinate(latitude: asin(z) * 180 / .pi, longitude: .random(in: -180...180, using: &rng))
    }

    /// A point about `meters` away from `p` in a random direction (a local flat step; the exact
    /// length does not matter, only that the pair is that short).
    static func nearby(_ p: Coordinate, meters: Double, _ rng: inout SplitMix64) -> Coordinate {
        let heading = Double.random(in: 0..<(2 * .pi), using: &rng)
        let dLat = meters * cos(heading) / 111_000
        let cosLat = max(cos(p.latitude * .pi / 180), 1e-3)
        let dLng = meters * sin(heading) / (111_000 * cosLat)
        var lng = p.longitude + dLng
        if lng > 180 { lng -= 360 } else if lng < -180 { lng += 360 }
        return Coordinate(latitude: min(max(p.latitude + dLat, -90), 90), longitude: lng)
    }

    @Test func chordNeverExceedsGeodesicForShortPairs() {
        var rng = SplitMix64(seed: 1)
        for _ in 0..<20_000 {
            let a = Self.randomPoint(&rng)
            let b = Self.nearby(a, meters: [0.001, 1, 10, 100, 1_000, 10_000][Int.random(in: 0..<6, using: &rng)], &rng)
            let chord = Self.chord(a, b), geodesic = meters(a, b)
            #expect(chord <= geodesic + Self.slackMeters, "\(a) -> \(b): chord \(chord) m > geodesic \(geodesic) m")
            // ...and the bound is tight, which is what makes the index prune well.
            #expect(geodesic - chord <= 1e-3 * max(geodesic, 1), "\(a) -> \(b): chord \(chord) m, geodesic \(geodesic) m")
        }
    }

    @Test func chordNeverExceedsGeodesicInZhejiang() {
        var rng = SplitMix64(seed: 2)
        for _ in 0..<20_000 {
            let a = Coordinate(latitude: .random(in: 27.0...31.2, using: &rng), longitude: .random(in: 118.0...123.2, using: &rng))
            let b = Bool.random(using: &rng)
                ? Self.nearby(a, meters: 1, &rng)
                : Coordinate(latitude: .random(in: 27.0...31.2, using: &rng), longitude: .random(in: 118.0...123.2, using: &rng))
            let chord = Self.chord(a, b), geodesic = meters(a, b)
            #expect(chord <= geodesic + Self.slackMeters, "\(a) -> \(b): chord \(chord) m > geodesic \(geodesic) m")
        }
    }

    /// Long pairs, antipodes included: the chord is strictly shorter, by kilometres.
    @Test func chordIsStrictlyShorterForLongPairs() {
        var rng = SplitMix64(seed: 3)
        for _ in 0..<5_000 {
            let a = Self.randomPoint(&rng), b = Self.randomPoint(&rng)
            let chord = Self.chord(a, b), geodesic = meters(a, b)
            #expect(chord <= geodesic + Self.slackMeters, "\(a) -> \(b): chord \(chord) m > geodesic \(geodesic) m")
        }
        for (a, b) in [
            (Coordinate(latitude: 30.259, longitude: 120.13), Coordinate(latitude: -30.259, longitude: -59.87)),
            (Coordinate(latitude: 90, longitude: 0), Coordinate(latitude: -90, longitude: 0)),
            (Coordinate(latitude: 0, longitude: 0), Coordinate(latitude: 0, longitude: 180)),
            (Coordinate(latitude: 30.259, longitude: 120.13), Coordinate(latitude: 39.9042, longitude: 116.4074)),
        ] {
            let chord = Self.chord(a, b), geodesic = meters(a, b)
            #expect(chord < geodesic - 1_000, "\(a) -> \(b): chord \(chord) m, geodesic \(geodesic) m")
        }
    }

    @Test func coordinateRoundTrips() {
        var rng = SplitMix64(seed: 4)
        var points = (0..<20_000).map { _ in Self.randomPoint(&rng) }
        points += [
            Coordinate(latitude: 30.259, longitude: 120.13), Coordinate(latitude: 0, longitude: 0),
            Coordinate(latitude: 0, longitude: 90), Coordinate(latitude: -45, longitude: -135),
            Coordinate(latitude: 89.999_999, longitude: 10), Coordinate(latitude: -89.999_999, longitude: -10),
            Coordinate(latitude: 1e-12, longitude: 179.999_999),
        ]
        for p in points {
            let back = ECEF(p).coordinate
            #expect(abs(back.latitude - p.latitude) <= 1e-9, "\(p) came back as \(back)")
            var dLng = abs(back.longitude - p.longitude)
            dLng = min(dLng, 360 - dLng)
            #expect(dLng <= 1e-9, "\(p) came back as \(back)")
        }
    }

    /// At the poles and on the antimeridian the longitude is not unique; the point still is.
    @Test func polesAndAntimeridianRoundTripToTheSamePlace() {
        for p in [Coordinate(latitude: 90, longitude: 45), Coordinate(latitude: -90, longitude: -120),
                  Coordinate(latitude: 10, longitude: -180), Coordinate(latitude: -10, longitude: 180)] {
            let back = ECEF(p).coordinate
            #expect(meters(p, back) <= 1e-6, "\(p) came back as \(back)")
            #expect(abs(back.latitude - p.latitude) <= 1e-9)
        }
    }

    /// The surface point sits on the WGS-84 ellipsoid: a = 6378137 m at the equator,
    /// b = 6356752.314245 m at the poles.
    @Test func surfacePointsLieOnTheEllipsoid() {
        let equator = ECEF(Coordinate(latitude: 0, longitude: 0))
        #expect(abs(equator.x - 6_378_137) <= 1e-6 && abs(equator.y) <= 1e-6 && abs(equator.z) <= 1e-6)
        let north = ECEF(Coordinate(latitude: 90, longitude: 0))
        #expect(abs(north.z - 6_356_752.314245) <= 1e-5)
        let east = ECEF(Coordinate(latitude: 0, longitude: 90))
        #expect(abs(east.y - 6_378_137) <= 1e-6 && abs(east.x) <= 1e-6)
    }
}
