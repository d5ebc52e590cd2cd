import Geodesy
import Testing
import LiaisonTestSupport

/// Whether two coordinates agree to within `ulps` units in the last place of the expected value,
/// in both latitude and longitude.
func withinULPs(_ got: Coordinate, _ want: Coordinate, _ ulps: Double = 4) -> Bool {
    abs(got.latitude - want.latitude) <= ulps * want.latitude.ulp
        && abs(got.longitude - want.longitude) <= ulps * want.longitude.ulp
}

/// GCJ-02 and BD-09 against `coordtransform` 0.2.1, an independent implementation.
@Suite struct ChinaOffsetForwardTests {
    let vectors = Fixtures.transforms

    @Test func fixtureIsTheExpectedSize() {
        // 1 Hangzhou point, 199 random Zhejiang points, 23 other mainland cities; 14 outside.
        #expect(vectors.gcj02.count == 223)
        #expect(vectors.bd09.count == 223)
        #expect(vectors.outside.count == 14)
    }

    /// The Swift and Python code evaluate the same formula in the same order on the same libm:
    /// on this machine the results are bit-identical; a few ulps (about 1e-14°, 1 nm) are allowed
    /// for another libm.
    @Test func wgs84ToGCJ02MatchesCoordtransform() {
        for pair in vectors.gcj02 {
            let got = ChinaOffset.wgs84ToGCJ02(pair.wgs84.coordinate)
            #expect(withinULPs(got, pair.gcj02.coordinate), "WGS-84 \(pair.wgs84.coordinate): got \(got), want \(pair.gcj02.coordinate)")
            #expect(CoordinateSystem.gcj02.fromWGS84(pair.wgs84.coordinate) == got)
        }
    }

    @Test func gcj02ToBD09MatchesCoordtransform() {
        for pair in vectors.bd09 {
            let got = ChinaOffset.gcj02ToBD09(pair.gcj02.coordinate)
            #expect(withinULPs(got, pair.bd09.coordinate), "GCJ-02 \(pair.gcj02.coordinate): got \(got), want \(pair.bd09.coordinate)")
        }
    }

    /// WGS-84 → BD-09 in one call is GCJ-02 then BD-09; the fixture's BD-09 inputs are its
    /// GCJ-02 outputs, row for row.
    @Test func wgs84ToBD09ChainsBothOffsets() throws {
        for (g, b) in zip(vectors.gcj02, vectors.bd09) {
            try #require(g.gcj02.lat == b.gcj02.lat && g.gcj02.lng == b.gcj02.lng, "fixture rows out of step")
            let got = CoordinateSystem.bd09.fromWGS84(g.wgs84.coordinate)
            #expect(withinULPs(got, b.bd09.coordinate), "WGS-84 \(g.wgs84.coordinate): got \(got), want \(b.bd09.coordinate)")
        }
    }

    /// The offsets are metres to hundreds of metres in mainland China, so a transform that
    /// silently did nothing fails here (the fixture generator checked 1 m < offset < 1500 m).
    @Test func offsetsAreNotTheIdentityInsideChina() {
        for pair in vectors.gcj02 {
            let shift = meters(pair.wgs84.coordinate, ChinaOffset.wgs84ToGCJ02(pair.wgs84.coordinate))
            #expect(shift > 1 && shift < 1500, "GCJ-02 shift \(shift) m at \(pair.wgs84.coordinate)")
        }
    }

    /// Published values. The README of wandergis/coordtransform (the JavaScript original that
    /// the PyPI package `coordtransform` ports) lists, in (lng, lat) order:
    ///
    ///     wgs84togcj02(116.404, 39.915) -> [116.41024449916938, 39.91640428150164]
    ///     gcj02tobd09(116.404, 39.915)  -> [116.41036949371029, 39.92133699351021]
    ///
    /// Re-checked for this test with `pip install coordtransform==0.2.1` (Python 3):
    ///
    ///     >>> ct.wgs84_to_gcj02(116.404, 39.915)
    ///     [116.41024449916938, 39.91640428150164]
    ///     >>> ct.gcj02_to_bd09(116.404, 39.915)
    ///     [116.41036949371029, 39.92133699351021]
    @Test func publishedTiananmenValues() {
        let tiananmen = Coordinate(latitude: 39.915, longitude: 116.404)
        let gcj = ChinaOffset.wgs84ToGCJ02(tiananmen)
        #expect(withinULPs(gcj, Coordinate(latitude: 39.91640428150164, longitude: 116.41024449916938)), "got \(gcj)")
        let bd = ChinaOffset.gcj02ToBD09(tiananmen)
        #expect(withinULPs(bd, Coordinate(latitude: 39.92133699351021, longitude: 116.41036949371029)), "got \(bd)")
    }
}

/// The iterated inverses: what turns a GCJ-02 or BD-09 point from a WeChat, Tencent, Amap or
/// Baidu map into the WGS-84 point the register is searched with.
@Suite struct ChinaOffsetInverseTests {
    let vectors = Fixtures.transforms

    /// The brief allows 0.01 m; the iteration stops at 1e-12° steps, so it does far better
    /// (a few nanometres on this fixture). 1 µm still leaves a wide margin.
    static let inverseToleranceMeters = 1e-6

    @Test func gcj02ToWGS84IsExact() {
        for pair in vectors.gcj02 {
            let got = CoordinateSystem.gcj02.toWGS84(pair.gcj02.coordinate)
            let error = meters(got, pair.wgs84.coordinate)
            #expect(error <= Self.inverseToleranceMeters, "GCJ-02 \(pair.gcj02.coordinate): got \(got), \(error) m from \(pair.wgs84.coordinate)")
            #expect(ChinaOffset.gcj02ToWGS84(pair.gcj02.coordinate) == got)
        }
    }

    @Test func bd09ToGCJ02IsExact() {
        for pair in vectors.bd09 {
            let got = ChinaOffset.bd09ToGCJ02(pair.bd09.coordinate)
            let error = meters(got, pair.gcj02.coordinate)
            #expect(error <= Self.inverseToleranceMeters, "BD-09 \(pair.bd09.coordinate): got \(got), \(error) m from \(pair.gcj02.coordinate)")
        }
    }

    @Test func bd09ToWGS84IsExact() throws {
        for (g, b) in zip(vectors.gcj02, vectors.bd09) {
            try #require(g.gcj02.lat == b.gcj02.lat && g.gcj02.lng == b.gcj02.lng, "fixture rows out of step")
            let got = CoordinateSystem.bd09.toWGS84(b.bd09.coordinate)
            let error = meters(got, g.wgs84.coordinate)
            #expect(error <= Self.inverseToleranceMeters, "BD-09 \(b.bd09.coordinate): got \(got), \(error) m from \(g.wgs84.coordinate)")
        }
    }

    /// forward(inverse(p)) lands back on p (within 1e-9°, 0.1 mm), for every fixture point.
    @Test func roundTripsReturnToTheStartingPoint() {
        for pair in vectors.gcj02 {
            let g = pair.gcj02.coordinate
            let back = ChinaOffset.wgs84ToGCJ02(ChinaOffset.gcj02ToWGS84(g))
            #expect(degreesApart(back, g) <= 1e-9, "GCJ-02 \(g) came back as \(back)")
        }
        for pair in vectors.bd09 {
            let b = pair.bd09.coordinate
            let back = ChinaOffset.gcj02ToBD09(ChinaOffset.bd09ToGCJ02(b))
            #expect(degreesApart(back, b) <= 1e-9, "BD-09 \(b) came back as \(back)")
            let viaWGS = CoordinateSystem.bd09.fromWGS84(CoordinateSystem.bd09.toWGS84(b))
            #expect(degreesApart(viaWGS, b) <= 1e-9, "BD-09 \(b) came back through WGS-84 as \(viaWGS)")
        }
    }

    /// The same, for 5,000 seeded points over the whole of mainland China (kept 1° inside the
    /// box, where the offset cannot carry a point across its edge): inverse(forward(w)) == w.
    @Test func inverseUndoesForwardAcrossChina() {
        var rng = SplitMix64(seed: 20211130)
        for _ in 0..<5_000 {
            let w = Coordinate(latitude: .random(in: 2...54, using: &rng), longitude: .random(in: 73...136.8, using: &rng))
            for system in [CoordinateSystem.gcj02, .bd09] {
                let shown = system.fromWGS84(w)
                let back = system.toWGS84(shown)
                let error = meters(back, w)
                #expect(error <= Self.inverseToleranceMeters, "\(system): \(w) -> \(shown) -> \(back), \(error) m off")
                if error > Self.inverseToleranceMeters { return }
            }
        }
    }

    /// Why the inverse iterates: the common one-step inverse `p − (forward(p) − p)` misses the
    /// true WGS-84 point by metres somewhere in China (2.7 m worst on this fixture), enough to
    /// change which of two nearby stations is nearest.
    @Test func aOneStepInverseWouldBeOffByMetres() {
        var worst = 0.0
        for pair in vectors.gcj02 {
            let g = pair.gcj02.coordinate
            let f = ChinaOffset.wgs84ToGCJ02(g)
            let oneStep = Coordinate(latitude: 2 * g.latitude - f.latitude, longitude: 2 * g.longitude - f.longitude)
            worst = max(worst, meters(oneStep, pair.wgs84.coordinate))
        }
        #expect(worst > 0.5, "the one-step GCJ-02 inverse is never worse than \(worst) m on this fixture")
    }
}

/// Outside the customary mainland-China box, GCJ-02 and BD-09 are WGS-84.
@Suite struct ChinaOffsetOutsideTests {
    static let outside = Fixtures.transforms.outside.map(\.coordinate)

    @Test(arguments: outside)
    func everyTransformIsTheIdentity(_ p: Coordinate) {
        #expect(!ChinaOffset.isInsideChina(p))
        #expect(ChinaOffset.wgs84ToGCJ02(p) == p)
        #expect(ChinaOffset.gcj02ToWGS84(p) == p)
        #expect(ChinaOffset.gcj02ToBD09(p) == p)
        #expect(ChinaOffset.bd09ToGCJ02(p) == p)
        for system in CoordinateSystem.allCases {
            #expect(system.toWGS84(p) == p, "\(system).toWGS84")
            #expect(system.fromWGS84(p) == p, "\(system).fromWGS84")
        }
    }

    /// The box is closed: its corners are inside, a hair beyond each side is not.
    @Test func boxEdges() {
        #expect(ChinaOffset.isInsideChina(Coordinate(latitude: 0.8293, longitude: 72.004)))
        #expect(ChinaOffset.isInsideChina(Coordinate(latitude: 55.8271, longitude: 137.8347)))
        #expect(!ChinaOffset.isInsideChina(Coordinate(latitude: 0.8292, longitude: 100)))
        #expect(!ChinaOffset.isInsideChina(Coordinate(latitude: 55.8272, longitude: 100)))
        #expect(!ChinaOffset.isInsideChina(Coordinate(latitude: 30, longitude: 72.0039)))
        #expect(!ChinaOffset.isInsideChina(Coordinate(latitude: 30, longitude: 137.8348)))
        #expect(ChinaOffset.isInsideChina(Coordinate(latitude: 30.259, longitude: 120.13)))
    }

    @Test func wgs84IsAlwaysTheIdentity() {
        let hangzhou = Coordinate(latitude: 30.259, longitude: 120.13)
        #expect(CoordinateSystem.wgs84.toWGS84(hangzhou) == hangzhou)
        #expect(CoordinateSystem.wgs84.fromWGS84(hangzhou) == hangzhou)
    }
}
