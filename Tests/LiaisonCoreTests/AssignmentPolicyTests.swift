import Foundation
import Geodesy
import LiaisonCore
import StationIndex
import Testing
import LiaisonTestSupport

/// The dispatch rule, case by case on small synthetic registers, then against a brute-force
/// oracle over the real 2,045 stations.
///
/// The synthetic stations stand at chosen distances north of West Lake; the rule goes by a
/// station's county code, not by where its point falls, so only the counties are real.
@Suite struct AssignmentPolicyTests {
    /// 西湖区, West Lake's county; its neighbours 拱墅区 (330105) and 上城区 (330102) hold the "other" stations.
    static let xihu = Geodata.locator.county(code: "330106")!

    static let hours = WeeklyHours(mon: ["09:00-17:00"], tue: ["09:00-17:00"], wed: ["09:00-17:00"], thu: ["09:00-17:00"],
                                   fri: ["09:00-17:00"], sat: [], sun: [])

    /// A station built the way the register importer builds one; the county comes from the id.
    static func station(_ id: String, at location: Coordinate, modes: [MediationMode] = [.offline], capacity: Int = 10,
                        status: StationStatus = .active) -> Station {
        let code = String(id.prefix(6))
        let county = Geodata.locator.county(code: code)!
        return Station(id: id, name: "测试\(id.suffix(4))村消费维权联络站", countyCode: code,
                       address: StationAddress(city: county.cityName, county: county.name, town: "测试街道", village: "测试村"),
                       phone: "0571-87000000", hours: hours, modes: modes, capacity: capacity, status: status,
                       staff: [StaffMember(name: "王五", role: "站长", mobile: "13900000000")], location: location)
    }

    /// A point about `northKm` kilometres north of `origin` (111.2 km per degree of latitude).
    static func north(_ northKm: Double, of origin: Coordinate = westLake) -> Coordinate {
        Coordinate(latitude: origin.latitude + northKm / 111.2, longitude: origin.longitude)
    }

    static func snapshot(_ stations: [Station]) -> StationSnapshot {
        StationSnapshot(stations: stations, counties: Geodata.counties)
    }

    static func assign(_ stations: [Station], preferred: MediationMode = .offline, county: County = xihu, at point: Coordinate = westLake,
                       loads: [String: Int] = [:], excluding: Set<String> = [],
                       policy: AssignmentPolicy = AssignmentPolicy()) throws -> Assignment? {
        try policy.assign(point: point, county: county, preferred: preferred, in: snapshot(stations), excluding: excluding,
                          openComplaints: { loads[$0.id, default: 0] })
    }

    /// `12.35 km`: how reasons print a distance.
    static func km(_ station: Station, from point: Coordinate = westLake) -> String {
        String(format: "%.2f km", meters(point, station.location) / 1000)
    }

    @Test func ownCountyWithinReachWinsOverACloserNeighbour() throws {
        let own = Self.station("330106-0001", at: Self.north(5))
        let neighbour = Self.station("330105-0001", at: Self.north(1))
        let a = try #require(try Self.assign([own, neighbour]))
        #expect(a.station.id == "330106-0001")
        #expect(a.mode == .offline)
        #expect(a.distanceMeters == meters(westLake, own.location))
        #expect(abs(a.distanceMeters - 5000) < 50)
        #expect(a.reason.contains("西湖区"), "\(a.reason)")
        #expect(a.reason.contains(Self.km(own)), "\(a.reason)")
        #expect(!a.reason.contains("anywhere"), "\(a.reason)")
    }

    @Test func ownCountyBeyondReachFallsBackToTheNearestAnywhere() throws {
        let own = Self.station("330106-0001", at: Self.north(35))
        let neighbour = Self.station("330105-0001", at: Self.north(10))
        let a = try #require(try Self.assign([own, neighbour]))
        #expect(a.station.id == "330105-0001")
        #expect(a.distanceMeters == meters(westLake, neighbour.location))
        #expect(a.reason.contains("no station offering offline mediation with free capacity in 西湖区 within 30 km"), "\(a.reason)")
        #expect(a.reason.contains("nearest one anywhere: 拱墅区, \(Self.km(neighbour))"), "\(a.reason)")
    }

    /// Beyond reach, the own county's station still competes in the "anywhere" round.
    @Test func ownCountyBeyondReachCanStillBeTheNearestAnywhere() throws {
        let own = Self.station("330106-0001", at: Self.north(35))
        let neighbour = Self.station("330105-0001", at: Self.north(40))
        let a = try #require(try Self.assign([own, neighbour]))
        #expect(a.station.id == "330106-0001")
        #expect(a.reason.contains("nearest one anywhere: 西湖区, \(Self.km(own))"), "\(a.reason)")
    }

    @Test func aFullStationIsSkipped() throws {
        let full = Self.station("330106-0001", at: Self.north(2), capacity: 3)
        let overfull = Self.station("330106-0002", at: Self.north(3), capacity: 3)
        let free = Self.station("330106-0003", at: Self.north(6), capacity: 3)
        let stations = [full, overfull, free]
        let a = try #require(try Self.assign(stations, loads: ["330106-0001": 3, "330106-0002": 5, "330106-0003": 2]))
        #expect(a.station.id == "330106-0003")
        #expect(a.reason.contains("西湖区") && a.reason.contains(Self.km(free)), "\(a.reason)")
        // One below capacity is still free.
        let b = try #require(try Self.assign(stations, loads: ["330106-0001": 2]))
        #expect(b.station.id == "330106-0001")
    }

    @Test func retiredStationsAreNeverChosen() throws {
        let retired = Self.station("330106-0001", at: Self.north(1), status: .retired)
        let active = Self.station("330106-0002", at: Self.north(4))
        #expect(try Self.assign([retired, active])?.station.id == "330106-0002")
        #expect(try Self.assign([retired]) == nil)
    }

    @Test func excludedStationsAreSkippedAndNamed() throws {
        let refused = Self.station("330106-0001", at: Self.north(1))
        let next = Self.station("330106-0002", at: Self.north(4))
        let a = try #require(try Self.assign([refused, next], excluding: ["330106-0001"]))
        #expect(a.station.id == "330106-0002")
        #expect(a.reason.hasSuffix(" (excluding 330106-0001, which refused it)"), "\(a.reason)")
        // Excluding every station in the county sends it elsewhere.
        let elsewhere = Self.station("330105-0001", at: Self.north(9))
        let b = try #require(try Self.assign([refused, next, elsewhere], excluding: ["330106-0002", "330106-0001"]))
        #expect(b.station.id == "330105-0001")
        #expect(b.reason.hasSuffix(" (excluding 330106-0001, 330106-0002, which refused it)"), "\(b.reason)")
    }

    /// A station the complaint is moved away from (a staff reassignment, a retirement) is passed
    /// over like a refusing one, but the reason says it is being moved, not that it refused.
    @Test func theStationAComplaintMovesFromIsSkippedAndNamedAsSuch() throws {
        let current = Self.station("330106-0001", at: Self.north(1))
        let refusing = Self.station("330106-0002", at: Self.north(2))
        let next = Self.station("330106-0003", at: Self.north(4))
        let snapshot = Self.snapshot([current, refusing, next])
        let moved = try #require(try AssignmentPolicy().assign(point: westLake, county: Self.xihu, preferred: .offline, in: snapshot,
                                                              movingFrom: "330106-0001", openComplaints: { _ in 0 }))
        #expect(moved.station.id == "330106-0002")
        #expect(moved.reason.hasSuffix(" (moving it from 330106-0001)") && !moved.reason.contains("refused"), "\(moved.reason)")
        let both = try #require(try AssignmentPolicy().assign(point: westLake, county: Self.xihu, preferred: .offline, in: snapshot,
                                                             excluding: ["330106-0002"], movingFrom: "330106-0001", openComplaints: { _ in 0 }))
        #expect(both.station.id == "330106-0003")
        #expect(both.reason.hasSuffix(" (moving it from 330106-0001) (excluding 330106-0002, which refused it)"), "\(both.reason)")
    }

    @Test func videoWithNoFreeVideoStationFallsBackToOffline() throws {
        let offline = Self.station("330106-0001", at: Self.north(3))
        let fullVideo = Self.station("330106-0002", at: Self.north(2), modes: [.offline, .video], capacity: 1)
        let a = try #require(try Self.assign([offline, fullVideo], preferred: .video, loads: ["330106-0002": 1]))
        #expect(a.station.id == "330106-0001")
        #expect(a.mode == .offline)
        #expect(a.reason.hasPrefix("no station offering video mediation has free capacity, so offline mediation instead: "), "\(a.reason)")
        #expect(a.reason.contains("offering offline mediation in 西湖区") && a.reason.contains(Self.km(offline)), "\(a.reason)")
    }

    /// Video anywhere beats offline nearby: the fallback is only for when no video station is free at all.
    @Test func videoPrefersAFarVideoStationOverANearOfflineOne() throws {
        let offline = Self.station("330106-0001", at: Self.north(1))
        let farVideo = Self.station("330105-0001", at: Self.north(80), modes: [.video])
        let a = try #require(try Self.assign([offline, farVideo], preferred: .video))
        #expect(a.station.id == "330105-0001")
        #expect(a.mode == .video)
        #expect(!a.reason.contains("instead"), "\(a.reason)")
        #expect(a.reason.contains("no station offering video mediation with free capacity in 西湖区 within 30 km"), "\(a.reason)")
    }

    @Test func offlinePreferredNeverFallsBackToVideo() throws {
        let videoOnly = Self.station("330106-0001", at: Self.north(1), modes: [.video])
        #expect(try Self.assign([videoOnly], preferred: .offline) == nil)
        let both = Self.station("330106-0002", at: Self.north(20), modes: [.offline, .video])
        let a = try #require(try Self.assign([videoOnly, both], preferred: .offline))
        #expect(a.station.id == "330106-0002")
        #expect(a.mode == .offline)
    }

    @Test func tiesInDistanceGoToTheLowerID() throws {
        let spot = Self.north(3)
        let stations = ["330106-0007", "330106-0003", "330106-0005"].map { Self.station($0, at: spot) }
        #expect(try Self.assign(stations)?.station.id == "330106-0003")
        #expect(try Self.assign(stations, loads: ["330106-0003": 10])?.station.id == "330106-0005")
        // Also in the "anywhere" round, across counties.
        let far = Self.north(50)
        let apart = [Self.station("330105-0002", at: far), Self.station("330102-0009", at: far), Self.station("330106-0001", at: Self.north(60))]
        let a = try #require(try Self.assign(apart))
        #expect(a.station.id == "330102-0009")
        #expect(a.reason.contains("上城区"), "\(a.reason)")
    }

    @Test func nothingQualifiesGivesNil() throws {
        let a = Self.station("330106-0001", at: Self.north(1), modes: [.offline, .video], capacity: 2)
        let b = Self.station("330105-0001", at: Self.north(8), capacity: 1)
        let loads = ["330106-0001": 2, "330105-0001": 1]
        #expect(try Self.assign([a, b], preferred: .offline, loads: loads) == nil)
        #expect(try Self.assign([a, b], preferred: .video, loads: loads) == nil)
        #expect(try Self.assign([a, b], excluding: ["330106-0001", "330105-0001"]) == nil)
        #expect(try Self.assign([]) == nil)
    }

    @Test func reachIsConfigurable() throws {
        let own = Self.station("330106-0001", at: Self.north(8))
        let neighbour = Self.station("330105-0001", at: Self.north(2))
        let near = try #require(try Self.assign([own, neighbour], policy: AssignmentPolicy(reachMeters: 5_000)))
        #expect(near.station.id == "330105-0001")
        #expect(near.reason.contains("in 西湖区 within 5 km"), "\(near.reason)")
        let wide = try #require(try Self.assign([own, neighbour], policy: AssignmentPolicy(reachMeters: 10_000)))
        #expect(wide.station.id == "330106-0001")
        #expect(AssignmentPolicy().reachMeters == 30_000)
    }

    @Test func openComplaintsErrorsPropagate() {
        struct StoreDown: Error {}
        let s = Self.station("330106-0001", at: Self.north(1))
        #expect(throws: StoreDown.self) {
            try AssignmentPolicy().assign(point: westLake, county: Self.xihu, preferred: .offline, in: Self.snapshot([s]),
                                          openComplaints: { _ in throw StoreDown() })
        }
    }

    @Test func rankedListsActiveStationsOfTheModeByDistanceThenID() {
        let stations = [
            Self.station("330106-0002", at: Self.north(2)),
            Self.station("330106-0001", at: Self.north(2)),
            Self.station("330105-0001", at: Self.north(1), modes: [.offline, .video]),
            Self.station("330106-0003", at: Self.north(3), modes: [.video]),
            Self.station("330106-0004", at: Self.north(0.5), status: .retired),
        ]
        let snapshot = Self.snapshot(stations)
        #expect(snapshot.ranked(from: westLake, mode: nil).map(\.station.id) == ["330105-0001", "330106-0001", "330106-0002", "330106-0003"])
        #expect(snapshot.ranked(from: westLake, mode: .offline).map(\.station.id) == ["330105-0001", "330106-0001", "330106-0002"])
        #expect(snapshot.ranked(from: westLake, mode: .video).map(\.station.id) == ["330105-0001", "330106-0003"])
        #expect(snapshot.ranked(from: westLake, mode: nil, countyCode: "330106").map(\.station.id) == ["330106-0001", "330106-0002", "330106-0003"])
        #expect(snapshot.ranked(from: westLake, mode: nil, withinMeters: 2_500).map(\.station.id) == ["330105-0001", "330106-0001", "330106-0002"])
        #expect(snapshot.ranked(from: westLake, mode: nil, limit: 2).map(\.station.id) == ["330105-0001", "330106-0001"])
        #expect(snapshot.ranked(from: westLake, mode: nil, limit: 0).isEmpty)
        #expect(StationSnapshot.empty.ranked(from: westLake, mode: nil).isEmpty)
    }

    // MARK: - Oracle

    /// The rule read literally: scan every station.
    static func bruteForce(point: Coordinate, county: County, preferred: MediationMode, stations: [Station], excluded: Set<String>,
                           loads: [String: Int], reachMeters: Double) -> (id: String, mode: MediationMode, distanceMeters: Double)? {
        let distances = stations.map { meters(point, $0.location) }
        for mode in preferred == .video ? [MediationMode.video, .offline] : [preferred] {
            var best: (id: String, d: Double)?
            var bestLocal: (id: String, d: Double)?
            for (s, d) in zip(stations, distances) {
                guard s.status == .active, s.modes.contains(mode), !excluded.contains(s.id), loads[s.id, default: 0] < s.capacity else { continue }
                if best == nil || (d, s.id) < (best!.d, best!.id) { best = (s.id, d) }
                if s.countyCode == county.adcode, d <= reachMeters, bestLocal == nil || (d, s.id) < (bestLocal!.d, bestLocal!.id) {
                    bestLocal = (s.id, d)
                }
            }
            if let chosen = bestLocal ?? best { return (chosen.id, mode, chosen.d) }
        }
        return nil
    }

    @Test func matchesBruteForceOverTheRealRegister() throws {
        let stations = Geodata.stations
        let snapshot = Geodata.snapshot
        var rng = SplitMix64(seed: 20261129)
        var loads: [String: Int] = [:]
        var checked = 0, fallbacks = 0, elsewhere = 0, none = 0
        var attempts = 0
        while checked < 600 {
            attempts += 1
            try #require(attempts < 5_000, "too few random points fell inside Zhejiang")
            if checked % 50 == 0 {
                // A fresh load picture: about a third of the stations full, the rest part-loaded;
                // every fifth picture has every video station full, to exercise the fallback.
                let videoOutage = (checked / 50) % 5 == 4
                loads = Dictionary(uniqueKeysWithValues: stations.map { s in
                    let full = (videoOutage && s.modes.contains(.video)) || Double.random(in: 0..<1, using: &rng) < 0.35
                    return (s.id, full ? s.capacity + Int.random(in: 0...1, using: &rng) : Int.random(in: 0..<s.capacity, using: &rng))
                })
            }
            let point = Coordinate(latitude: Double.random(in: 27.0...31.2, using: &rng), longitude: Double.random(in: 118.0...123.0, using: &rng))
            guard case .inside(let county) = Geodata.locator.locate(point) else { continue }
            let preferred: MediationMode = Bool.random(using: &rng) ? .video : .offline
            let reach = checked % 2 == 0 ? Double.random(in: 1_000...40_000, using: &rng) : AssignmentPolicy.defaultReachMeters
            // Sometimes the nearest few stations refused it.
            var excluded: Set<String> = []
            if checked % 3 == 0 {
                excluded = Set(snapshot.ranked(from: point, mode: nil, limit: Int.random(in: 1...4, using: &rng)).map(\.station.id))
            }
            let want = Self.bruteForce(point: point, county: county, preferred: preferred, stations: stations, excluded: excluded,
                                       loads: loads, reachMeters: reach)
            let got = try AssignmentPolicy(reachMeters: reach).assign(point: point, county: county, preferred: preferred, in: snapshot,
                                                                      excluding: excluded, openComplaints: { loads[$0.id, default: 0] })
            let context = "point \(point.latitude),\(point.longitude) in \(county.adcode), \(preferred), reach \(reach), excluding \(excluded.sorted())"
            #expect(got?.station.id == want?.id, "\(context)")
            #expect(got?.mode == want?.mode, "\(context)")
            #expect(got?.distanceMeters == want?.distanceMeters, "\(context)")
            if let got, let want, want.mode != preferred { fallbacks += 1; #expect(got.reason.contains("instead")) }
            if let want, !want.id.hasPrefix(county.adcode) { elsewhere += 1 }
            if want == nil { none += 1 }
            checked += 1
        }
        // The draw must reach every branch of the rule, or it proves little.
        #expect(fallbacks > 10, "\(fallbacks) video fallbacks")
        #expect(elsewhere > 10, "\(elsewhere) assignments outside the own county")
        #expect(none == 0)
    }
}
