import Foundation
import Geodesy
import LiaisonCore
import Testing

/// `liaison coverage` and `GET /v1/coverage`: a hand-made county whose answer is known, and
/// the farthest point's distance against brute force over every station.
@Suite struct CoverageTests {
    /// A square county 0.2° on a side (about 22 km north-south, 19 km east-west) near Hangzhou,
    /// with a hole in one corner, so the even-odd rule is exercised.
    static let square: County = {
        let (s, w, n, e) = (30.0, 120.0, 30.2, 120.2)
        let outer = [Coordinate(latitude: s, longitude: w), Coordinate(latitude: s, longitude: e), Coordinate(latitude: n, longitude: e),
                     Coordinate(latitude: n, longitude: w), Coordinate(latitude: s, longitude: w)]
        let hole = [Coordinate(latitude: 30.0, longitude: 120.0), Coordinate(latitude: 30.0, longitude: 120.05), Coordinate(latitude: 30.05, longitude: 120.05),
                    Coordinate(latitude: 30.05, longitude: 120.0), Coordinate(latitude: 30.0, longitude: 120.0)]
        return County(adcode: "330106", name: "方块区", cityCode: "330100", cityName: "杭州市", boundary: MultiPolygon(polygons: [[outer, hole]]))
    }()

    static func station(_ id: String, _ lat: Double, _ lng: Double, modes: [MediationMode] = [.offline]) -> Station {
        Station(id: id, name: "测试村消费维权联络站", countyCode: String(id.prefix(6)),
                address: StationAddress(city: "杭州市", county: "西湖区", town: "测试街道", village: "测试村"), phone: "0571-87000000",
                hours: WeeklyHours(mon: ["09:00-17:00"], tue: [], wed: [], thu: [], fri: [], sat: [], sun: []), modes: modes, capacity: 5,
                status: .active, staff: [StaffMember(name: "王五", role: "站长", mobile: "13900000000")], location: Coordinate(latitude: lat, longitude: lng))
    }

    /// The reference answer by brute force on a grid 8 times finer than the report's, over the
    /// same polygon: area-weighted share of points farther than the reach from every station.
    static func referenceShare(_ county: County, stations: [Station], reachMeters: Double) -> Double {
        var inside = 0.0, far = 0.0
        let steps = 800
        let b = county.boundary
        for i in 0..<steps {
            let lat = b.minLatitude + (Double(i) + 0.5) / Double(steps) * (b.maxLatitude - b.minLatitude)
            let weight = cos(lat * .pi / 180)
            for j in 0..<steps {
                let p = Coordinate(latitude: lat, longitude: b.minLongitude + (Double(j) + 0.5) / Double(steps) * (b.maxLongitude - b.minLongitude))
                guard b.contains(p) else { continue }
                inside += weight
                if stations.allSatisfy({ Geodesic.wgs84.distanceMeters(from: p, to: $0.location) > reachMeters }) { far += weight }
            }
        }
        return far / inside
    }

    @Test func aHandMadeCountyHasTheShareBruteForceGives() throws {
        let stations = [Self.station("330106-0001", 30.1, 120.1), Self.station("330106-0002", 30.17, 120.17, modes: [.video])]
        let snapshot = StationSnapshot(stations: stations, counties: [Self.square])
        let report = Coverage.report(snapshot, counties: [Self.square], maxKilometers: 5, mode: nil, spacingMeters: 500)
        let c = try #require(report.counties.first)
        #expect(c.stations == 2)
        // The square less its corner: 0.2° × 0.2° less 0.05° × 0.05°, about 22.2 × 19.3 km less 1/16.
        let planar = 22.18 * 19.27 * (1 - 1.0 / 16)
        // Cells whose centres fall inside: off by at most the cells the boundary cuts (~2 % here).
        #expect(abs(c.area_km2 - planar) / planar < 0.03, "area \(c.area_km2) km², expected about \(planar)")
        let reference = Self.referenceShare(Self.square, stations: stations, reachMeters: 5000)
        #expect(abs(c.uncovered_share - reference) <= max(c.boundary_share / 4, 0.005),
                "share \(c.uncovered_share) against brute force \(reference) (boundary share \(c.boundary_share))")

        // Only video stations: one station left, more uncovered.
        let video = Coverage.report(snapshot, counties: [Self.square], maxKilometers: 5, mode: .video, spacingMeters: 500).counties[0]
        #expect(video.stations == 1 && video.uncovered_share > c.uncovered_share)
        let videoReference = Self.referenceShare(Self.square, stations: [stations[1]], reachMeters: 5000)
        #expect(abs(video.uncovered_share - videoReference) <= max(video.boundary_share / 4, 0.005), "\(video.uncovered_share) vs \(videoReference)")
    }

    @Test func theFarthestPointIsACornerAndItsDistanceIsExact() throws {
        // One station in the middle: the farthest points are the corners outside the hole.
        let stations = [Self.station("330106-0001", 30.1, 120.1)]
        let snapshot = StationSnapshot(stations: stations, counties: [Self.square])
        let c = try #require(Coverage.report(snapshot, counties: [Self.square], maxKilometers: 5, mode: nil).counties.first)
        let f = try #require(c.farthest)
        let exact = Geodesic.wgs84.distanceMeters(from: Coordinate(latitude: f.lat, longitude: f.lng), to: stations[0].location)
        #expect(abs(f.distance_m - exact) <= 0.005 + 1e-9, "reported \(f.distance_m), exact \(exact)")
        let corners = [(30.2, 120.2), (30.2, 120.0), (30.0, 120.2)].map { Geodesic.wgs84.distanceMeters(from: Coordinate(latitude: $0.0, longitude: $0.1), to: stations[0].location) }
        let best = corners.max()!
        // Refined on a grid of 50 m: about 70 m short of the true farthest corner at most, where
        // the 500 m grid alone can be 354 m short; never beyond it.
        #expect(f.distance_m <= best + 0.01 && best - f.distance_m < 100, "farthest \(f.distance_m) m, best corner \(best) m")
        #expect(f.station_id == "330106-0001")
    }

    /// The real register: every county of a city, the farthest point's distance against brute
    /// force over every active station (of any county).
    @Test(arguments: ["330106", "330127", "331127"])
    func theFarthestPointAgreesWithBruteForceOnTheRegister(code: String) throws {
        let county = try #require(Geodata.locator.county(code: code))
        let c = try #require(Coverage.report(Geodata.snapshot, counties: [county], maxKilometers: 3, mode: nil, spacingMeters: 1000).counties.first)
        let f = try #require(c.farthest)
        let p = Coordinate(latitude: f.lat, longitude: f.lng)
        #expect(county.boundary.contains(p), "the farthest point lies in the county")
        let brute = Geodata.snapshot.activeStations.map { ($0.id, Geodesic.wgs84.distanceMeters(from: p, to: $0.location)) }.min { $0.1 < $1.1 }!
        #expect(abs(f.distance_m - brute.1) <= 0.005 + 1e-9 && f.station_id == brute.0, "\(f) vs brute force \(brute)")
        #expect(c.stations == Geodata.snapshot.activeStations.filter { $0.countyCode == code }.count)
        #expect(c.uncovered_km2 <= c.area_km2 && (0...1).contains(c.uncovered_share))
    }

    @Test func limitsAreCheckedNamingTheParameter() {
        for (maxKm, spacing, name) in [(nil, nil, "max_km"), (0.0, nil, "max_km"), (101.0, nil, "max_km"), (Double.nan, nil, "max_km"),
                                       (5.0, 99.0, "spacing_m"), (5.0, 10_001.0, "spacing_m")] as [(Double?, Double?, String)] {
            #expect { _ = try Coverage.validated(maxKilometers: maxKm, spacingMeters: spacing) } throws: { error in
                (error as? InvalidInput)?.parameters.map(\.name) == [name]
            }
        }
        #expect(throws: Never.self) { _ = try Coverage.validated(maxKilometers: 5, spacingMeters: nil) }
    }
}
