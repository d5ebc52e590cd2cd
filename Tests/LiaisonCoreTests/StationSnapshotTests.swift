import Geodesy
import LiaisonCore
import StationIndex
import Testing
import LiaisonTestSupport

@Suite struct StationSnapshotTests {
    let snapshot = Geodata.snapshot

    /// Asserts that the snapshot answers as the brute-force scan over its active stations:
    /// same stations, same order, same distances and bearings.
    static func expectMatchesBruteForce(_ snapshot: StationSnapshot, _ q: NearestQuery, sourceLocation: SourceLocation = #_sourceLocation) {
        let active = indexed(snapshot.stations.filter { $0.status == .active })
        let filter = StationFilter(requiredModes: q.mode?.bit ?? 0, countyCode: q.countyCode.map { Int32($0)! })
        let want = BruteForce.nearest(in: active, to: q.wgs84, limit: q.limit,
                                      withinMeters: q.radiusKilometers.map { $0 * 1000 } ?? .infinity, filter: filter)
        let got = snapshot.nearest(q)
        #expect(got.map(\.station.id) == want.map(\.id), "query \(q)", sourceLocation: sourceLocation)
        #expect(got.map(\.distanceMeters) == want.map(\.distanceMeters), "query \(q)", sourceLocation: sourceLocation)
        #expect(got.map(\.bearingDegrees) == want.map(\.bearingDegrees), "query \(q)", sourceLocation: sourceLocation)
    }

    @Test func holdsTheWholeRegister() {
        #expect(snapshot.stations.count == 2045)
        #expect(snapshot.activeCount == 2045)
        #expect(snapshot.stations.map(\.id) == snapshot.stations.map(\.id).sorted())
        #expect(snapshot.counties.counties.count == 90)
    }

    @Test func countyAndModeFilteredQueriesMatchBruteForce() throws {
        var rng = SplitMix64(seed: 20211130)
        let codes = Geodata.locator.counties.map(\.adcode)
        for i in 0..<400 {
            let lat = Double.random(in: 26.8...31.4, using: &rng), lng = Double.random(in: 117.8...123.4, using: &rng)
            let county = i % 2 == 0 ? codes[Int.random(in: 0..<codes.count, using: &rng)] : nil
            let mode: String? = [nil, "offline", "video"][i % 3]
            let radius: Double? = i % 5 == 0 ? Double.random(in: 1...80, using: &rng) : nil
            let q = try NearestQuery.validated(latitude: lat, longitude: lng, limit: Int.random(in: 1...50, using: &rng), mode: mode,
                                               county: county, radiusKilometers: radius, counties: snapshot.counties)
            Self.expectMatchesBruteForce(snapshot, q)
        }
    }

    @Test func filtersAreHonoured() throws {
        let q = try NearestQuery.validated(latitude: westLake.latitude, longitude: westLake.longitude, limit: 50, mode: "video",
                                           county: "330106", radiusKilometers: 20, counties: snapshot.counties)
        let got = snapshot.nearest(q)
        #expect(!got.isEmpty)
        #expect(got.allSatisfy { $0.station.countyCode == "330106" && $0.station.modes.contains(.video) && $0.distanceMeters <= 20_000 })
        #expect(got.map(\.distanceMeters) == got.map(\.distanceMeters).sorted())
    }

    /// A GCJ-02 query from the WeChat map is answered at the true WGS-84 point.
    @Test func mapQueriesAreAnsweredAtTheirWGS84Point() throws {
        let shown = CoordinateSystem.gcj02.fromWGS84(westLake)
        let q = try NearestQuery.validated(latitude: shown.latitude, longitude: shown.longitude, coordsys: "gcj02", limit: 10,
                                           counties: snapshot.counties)
        let w = try NearestQuery.validated(latitude: westLake.latitude, longitude: westLake.longitude, limit: 10, counties: snapshot.counties)
        #expect(snapshot.nearest(q).map(\.station.id) == snapshot.nearest(w).map(\.station.id))
        Self.expectMatchesBruteForce(snapshot, q)
    }

    @Test func retiredStationsAreNeverReturned() throws {
        let q = try NearestQuery.validated(latitude: westLake.latitude, longitude: westLake.longitude, limit: 10, counties: snapshot.counties)
        let before = snapshot.nearest(q).map(\.station.id)
        let retiredIDs = Set(before.prefix(3))
        let stations = Geodata.stations.map { s -> Station in
            var s = s
            if retiredIDs.contains(s.id) { s.status = .retired }
            return s
        }
        let updated = StationSnapshot(stations: stations, counties: Geodata.counties)
        #expect(updated.stations.count == 2045)
        #expect(updated.activeCount == 2042)
        let after = updated.nearest(q).map(\.station.id)
        #expect(after.count == 10)
        #expect(retiredIDs.isDisjoint(with: after))
        #expect(Array(after.prefix(7)) == Array(before.dropFirst(3)))
        Self.expectMatchesBruteForce(updated, q)
        // The retired station is still on record, just not offered.
        for id in retiredIDs {
            #expect(updated.station(id: id)?.status == .retired)
        }
        // Also when filtering by its county.
        let countyCode = try #require(updated.station(id: before[0])?.countyCode)
        let inCounty = try NearestQuery.validated(latitude: westLake.latitude, longitude: westLake.longitude, limit: 50, county: countyCode,
                                                  counties: updated.counties)
        #expect(retiredIDs.isDisjoint(with: updated.nearest(inCounty).map(\.station.id)))
        Self.expectMatchesBruteForce(updated, inCounty)
    }

    @Test func countyWithoutActiveStationsReturnsNothing() throws {
        let stations = Geodata.stations.map { s -> Station in
            var s = s
            if s.countyCode == "330106" { s.status = .retired }
            return s
        }
        let updated = StationSnapshot(stations: stations, counties: Geodata.counties)
        let q = try NearestQuery.validated(latitude: westLake.latitude, longitude: westLake.longitude, county: "330106", counties: updated.counties)
        #expect(updated.nearest(q).isEmpty)
    }

    /// A query validated against another register's counties (a county this snapshot does not
    /// know) gets an empty answer, not another county's stations.
    @Test func unknownCountyCodeReturnsNothing() throws {
        let square = MultiPolygon(polygons: [[[Coordinate(latitude: 30, longitude: 120), Coordinate(latitude: 30, longitude: 120.1),
                                               Coordinate(latitude: 30.1, longitude: 120.1), Coordinate(latitude: 30, longitude: 120)]]])
        let other = CountyLocator(Geodata.counties + [County(adcode: "339999", name: "测试县", cityCode: "339900", cityName: "测试市", boundary: square)])
        let q = try NearestQuery.validated(latitude: westLake.latitude, longitude: westLake.longitude, county: "339999", counties: other)
        #expect(snapshot.nearest(q).isEmpty)
        let notANumber = CountyLocator([County(adcode: "33010x", name: "x", cityCode: "330100", cityName: "x", boundary: square)])
        let q2 = try NearestQuery.validated(latitude: westLake.latitude, longitude: westLake.longitude, county: "33010x", counties: notANumber)
        #expect(snapshot.nearest(q2).isEmpty)
    }

    @Test func stationByID() throws {
        let some = Geodata.stations[1234]
        #expect(snapshot.station(id: some.id) == some)
        #expect(snapshot.station(id: "330103-0001") == nil)
        #expect(snapshot.station(id: "") == nil)
    }

    @Test func emptySnapshotAnswersNothing() throws {
        let q = try NearestQuery.validated(latitude: westLake.latitude, longitude: westLake.longitude, counties: Geodata.locator)
        #expect(StationSnapshot.empty.nearest(q).isEmpty)
        #expect(StationSnapshot.empty.activeCount == 0)
    }

    @Test func finderSwapsWholeSnapshots() throws {
        let finder = StationFinder(.empty)
        let q = try NearestQuery.validated(latitude: westLake.latitude, longitude: westLake.longitude, counties: Geodata.locator)
        #expect(finder.snapshot.nearest(q).isEmpty)
        finder.replace(with: snapshot)
        #expect(finder.snapshot.nearest(q).map(\.station.id) == snapshot.nearest(q).map(\.station.id))
        #expect(finder.snapshot.nearest(q).count == 5)
    }
}
