import Foundation
import Geodesy
import StationIndex
import Testing
import LiaisonTestSupport

/// The register's stations, read straight from geodata/stations.geojson (no store involved).
let register: [IndexedStation] = {
    let url = Repository.geodata.appendingPathComponent("stations.geojson")
    struct File: Decodable {
        struct Feature: Decodable {
            struct Geometry: Decodable { let coordinates: [Double] }
            struct Properties: Decodable { let county_code: String; let modes: [String] }
            let id: String
            let geometry: Geometry
            let properties: Properties
        }
        let features: [Feature]
    }
    let file = try! JSONDecoder().decode(File.self, from: Data(contentsOf: url))
    return file.features.map { f in
        IndexedStation(id: f.id, location: Coordinate(latitude: f.geometry.coordinates[1], longitude: f.geometry.coordinates[0]),
                       modeMask: (f.properties.modes.contains("offline") ? 1 : 0) | (f.properties.modes.contains("video") ? 2 : 0),
                       countyCode: Int32(f.properties.county_code)!)
    }
}()

/// Asserts that the index answers exactly as the brute-force scan: same ids, same order,
/// bit-identical distances and bearings.
func expectExact(_ index: StationIndex, _ stations: [IndexedStation], _ q: Coordinate, limit: Int,
                 radius: Double = .infinity, filter: StationFilter = .all, sourceLocation: SourceLocation = #_sourceLocation) {
    let got = index.nearest(to: q, limit: limit, withinMeters: radius, filter: filter)
    let want = BruteForce.nearest(in: stations, to: q, limit: limit, withinMeters: radius, filter: filter)
    #expect(got == want, "query \(q) limit \(limit) radius \(radius) filter \(filter)", sourceLocation: sourceLocation)
}

@Suite struct StationIndexOracleTests {
    let index = StationIndex(register)

    @Test func registerIsTheFullProvince() {
        #expect(register.count == 2045)
        #expect(index.count == 2045)
    }

    /// 10,000 seeded random queries in and around Zhejiang, with random limits, radii and mode filters.
    @Test func tenThousandRandomQueriesMatchBruteForce() {
        var rng = SplitMix64(seed: 20211130)
        var mismatches = 0
        for i in 0..<10_000 {
            let q: Coordinate
            if i % 10 == 9 {
                // Around the province, out to sea and into the neighbours.
                q = Coordinate(latitude: .random(in: 25.0...33.0, using: &rng), longitude: .random(in: 116.0...125.0, using: &rng))
            } else {
                q = Coordinate(latitude: .random(in: 27.0...31.2, using: &rng), longitude: .random(in: 118.0...123.2, using: &rng))
            }
            let limit = i % 4 == 0 ? Int.random(in: 1...50, using: &rng) : 5
            let radius = i % 7 == 0 ? Double.random(in: 500...50_000, using: &rng) : .infinity
            let filter = StationFilter(requiredModes: i % 3 == 0 ? 2 : 0)
            let got = index.nearest(to: q, limit: limit, withinMeters: radius, filter: filter)
            let want = BruteForce.nearest(in: register, to: q, limit: limit, withinMeters: radius, filter: filter)
            if got != want {
                mismatches += 1
                Issue.record("mismatch for \(q), limit \(limit), radius \(radius), filter \(filter)")
                if mismatches > 5 { return }
            }
        }
    }

    @Test func queryExactlyAtAStationReturnsItFirstAtZeroMetres() throws {
        for station in register.prefix(50) {
            let first = try #require(index.nearest(to: station.location, limit: 3).first)
            #expect(first.id == station.id)
            #expect(first.distanceMeters == 0)
            expectExact(index, register, station.location, limit: 3)
        }
    }

    @Test(arguments: [
        ("county border 西湖区/拱墅区", 30.2870, 120.1200),
        ("Zhoushan islands, 定海", 30.0200, 122.1000),
        ("Shengsi islands", 30.7200, 122.4500),
        ("open East China Sea", 28.5000, 124.5000),
        ("Beijing", 39.9042, 116.4074),
        ("Urumqi", 43.8256, 87.6168),
        ("antimeridian east", 0.0, 180.0),
        ("antimeridian west", -10.0, -180.0),
        ("north pole", 90.0, 0.0),
        ("south pole", -90.0, 45.0),
        ("antipode of Hangzhou", -30.26, -59.87),
    ])
    func edgeCases(_ name: String, _ lat: Double, _ lng: Double) {
        let q = Coordinate(latitude: lat, longitude: lng)
        for limit in [1, 5, 50] {
            expectExact(index, register, q, limit: limit)
            expectExact(index, register, q, limit: limit, filter: StationFilter(requiredModes: 2))
        }
        expectExact(index, register, q, limit: 10, radius: 30_000)
    }

    @Test func limitLargerThanMatchesReturnsAllMatches() {
        let q = Coordinate(latitude: 30.259, longitude: 120.13)
        let within5km = index.nearest(to: q, limit: 50, withinMeters: 5_000)
        #expect(!within5km.isEmpty && within5km.count < 50)
        #expect(within5km.allSatisfy { $0.distanceMeters <= 5_000 })
        expectExact(index, register, q, limit: 50, radius: 5_000)
        let all = index.nearest(to: q, limit: 5_000)
        #expect(all.count == register.count)
        #expect(all == BruteForce.nearest(in: register, to: q, limit: 5_000))
    }

    @Test func filtersThatMatchNothingReturnNothing() {
        let q = Coordinate(latitude: 30.259, longitude: 120.13)
        #expect(index.nearest(to: q, limit: 5, filter: StationFilter(requiredModes: 4)).isEmpty)
        #expect(index.nearest(to: q, limit: 5, filter: StationFilter(countyCode: 110101)).isEmpty)
        #expect(index.nearest(to: q, limit: 5, withinMeters: 1).isEmpty)
        #expect(index.nearest(to: q, limit: 0).isEmpty)
        #expect(StationIndex([]).nearest(to: q, limit: 5).isEmpty)
    }

    @Test func countyFilterMatchesBruteForce() {
        var rng = SplitMix64(seed: 7)
        for county: Int32 in [330106, 330127, 330902, 331127, 330383] {
            for _ in 0..<50 {
                let q = Coordinate(latitude: .random(in: 27.0...31.2, using: &rng), longitude: .random(in: 118.0...123.2, using: &rng))
                expectExact(index, register, q, limit: 7, filter: StationFilter(countyCode: county))
            }
        }
    }
}

@Suite struct StationIndexTieTests {
    /// Stations stacked on the same points: equal distances must come out in id order.
    @Test func tiesAreBrokenByID() {
        var rng = SplitMix64(seed: 99)
        let spots = (0..<40).map { _ in Coordinate(latitude: .random(in: 29.0...30.0, using: &rng), longitude: .random(in: 120.0...121.0, using: &rng)) }
        // Ids deliberately not in insertion order.
        let stations = (0..<400).map { i in
            IndexedStation(id: String(format: "%06d-%04d", 330100 + (i * 7919) % 97, i), location: spots[i % spots.count], modeMask: 1, countyCode: 0)
        }
        let index = StationIndex(stations, leafSize: 4)
        for spot in spots.prefix(10) {
            let got = index.nearest(to: spot, limit: 10)
            #expect(got.count == 10)
            #expect(got.allSatisfy { $0.distanceMeters == 0 })
            #expect(got.map(\.id) == got.map(\.id).sorted())
            expectExact(index, stations, spot, limit: 10)
            expectExact(index, stations, spot, limit: 25)
        }
    }

    /// A denser synthetic register over the whole province, with small leaves, against brute force.
    @Test func fiftyThousandStationsMatchBruteForce() {
        var rng = SplitMix64(seed: 5)
        let stations = (0..<50_000).map { i in
            IndexedStation(id: String(format: "S%07d", i),
                           location: Coordinate(latitude: .random(in: 27.0...31.2, using: &rng), longitude: .random(in: 118.0...123.2, using: &rng)),
                           modeMask: UInt8.random(in: 1...3, using: &rng), countyCode: 0)
        }
        let index = StationIndex(stations)
        for i in 0..<100 {
            let q = Coordinate(latitude: .random(in: 26.5...31.7, using: &rng), longitude: .random(in: 117.5...123.7, using: &rng))
            expectExact(index, stations, q, limit: i % 2 == 0 ? 5 : 20, filter: StationFilter(requiredModes: i % 3 == 0 ? 2 : 0))
        }
    }
}
