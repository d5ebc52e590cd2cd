import Foundation
import Geodesy
import LiaisonCore
import LiaisonStore
import Testing
import LiaisonTestSupport

/// A complaint body with a chosen merchant, consumer and place.
func merchantComplaint(lat: Double = 30.2590, lng: Double = 120.1300, phone: String = "13800138000", merchant: String = "某某超市",
                       code: String? = nil, category: String = "food_safety") -> Data {
    var m: [String: Any] = ["name": merchant]
    if let code { m["code"] = code }
    return ComplaintBody.json(phone: phone, ["location": ["lat": lat, "lng": lng], "merchant": m,
                                             "category": category, "description": "买到过期食品"])
}

/// Repeats, merchant cases and hot spots; border flags and claims; station ratings: against a real SpatiaLite file.
@Suite final class ComplaintInsightTests {
    let folder: ScratchFolder
    let database: LiaisonDatabase
    let desk: ComplaintDesk
    let admin = StaffToken(name: "admin-1", role: .admin)

    init() throws {
        folder = try ScratchFolder()
        database = try TemplateDatabase.open(at: folder.path("liaison.sqlite"))
        desk = ComplaintDesk(database: database, finder: StationFinder(try database.snapshot()), settings: complaintSettings)
    }

    func json(_ data: Data) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func complaint(_ number: String) throws -> Complaint {
        try desk.complaint(number, for: admin).0
    }

    // MARK: Repeats and merchant cases

    @Test func theSameConsumerAndMerchantWithin30DaysIsARepeat() throws {
        let first = try desk.submit(merchantComplaint(), idempotencyKey: nil)
        #expect(try json(first.body)["same_merchant_open"] as? [Any] != nil)
        #expect((try json(first.body)["same_merchant_open"] as? [Any])?.isEmpty == true)
        // Same consumer, the same merchant written differently (full-width brackets and a space).
        let second = try desk.submit(merchantComplaint(lng: 120.1305, merchant: "某某 超市"), idempotencyKey: nil)
        let a = try complaint(first.number), b = try complaint(second.number)
        #expect(a.merchantCase != nil && a.merchantCase == b.merchantCase)
        #expect(a.repeatOf == nil)
        #expect(b.repeatOf == first.number)
        // The intake answer shows the consumer's own open complaint about the merchant, and only that.
        let open = try #require(try json(second.body)["same_merchant_open"] as? [[String: Any]])
        #expect(open.map { $0["number"] as? String } == [first.number])
        // Another consumer about the same merchant: same case, no repeat, and the first consumer's complaints not shown.
        let other = try desk.submit(merchantComplaint(phone: "13900139000"), idempotencyKey: nil)
        #expect(try complaint(other.number).merchantCase == a.merchantCase)
        #expect(try complaint(other.number).repeatOf == nil)
        #expect((try json(other.body)["same_merchant_open"] as? [Any])?.isEmpty == true)
        // Staff see the links.
        let links = try desk.links(of: b)
        #expect(links.repeat_of == first.number)
        #expect(links.same_consumer.map(\.number) == [first.number])
        #expect(links.merchant_case?.complaints == 3 && links.merchant_case?.consumers == 2)
    }

    @Test func aRepeatNeedsTheSameMerchantPlaceAndARecentComplaint() throws {
        let first = try desk.submit(merchantComplaint(), idempotencyKey: nil)
        // Same name 300 m away (beyond 200 m): another merchant. A different name: another merchant.
        let far = Geodesic.wgs84.direct(from: Coordinate(latitude: 30.2590, longitude: 120.1300), bearingDegrees: 90, distanceMeters: 300)
        let farAway = try desk.submit(merchantComplaint(lat: far.latitude, lng: far.longitude), idempotencyKey: nil)
        let near = Geodesic.wgs84.direct(from: Coordinate(latitude: 30.2590, longitude: 120.1300), bearingDegrees: 270, distanceMeters: 150)
        let nearby = try desk.submit(merchantComplaint(lat: near.latitude, lng: near.longitude), idempotencyKey: nil)
        let renamed = try desk.submit(merchantComplaint(merchant: "另一家店"), idempotencyKey: nil)
        let c0 = try complaint(first.number).merchantCase
        #expect(try complaint(farAway.number).merchantCase != c0)
        #expect(try complaint(nearby.number).merchantCase == c0)
        #expect(try complaint(renamed.number).merchantCase != c0)
        #expect(try complaint(farAway.number).repeatOf == nil)
        #expect(try complaint(nearby.number).repeatOf == first.number)
        // 31 days later it is no longer a repeat.
        let later = ComplaintDesk(database: database, finder: desk.finder, settings: complaintSettings, now: { Date().addingTimeInterval(31 * 86_400) })
        let afterAMonth = try later.submit(merchantComplaint(), idempotencyKey: nil)
        #expect(try complaint(afterAMonth.number).merchantCase == c0)
        #expect(try complaint(afterAMonth.number).repeatOf == nil)
    }

    @Test func theCreditCodeJoinsComplaintsWhateverTheNameOrPlace() throws {
        let coded = try desk.submit(merchantComplaint(merchant: "甲商店", code: "91350100M000100Y43"), idempotencyKey: nil)
        let elsewhere = try desk.submit(merchantComplaint(lat: 30.30, lng: 120.20, phone: "13900139000", merchant: "甲商店（总店）", code: "91350100M000100Y43"),
                                        idempotencyKey: nil)
        #expect(try complaint(coded.number).merchantCase == complaint(elsewhere.number).merchantCase)
        // An uncoded case gets the code of the first coded complaint that joins it by name; another code is another merchant.
        let plain = try desk.submit(merchantComplaint(merchant: "乙商店"), idempotencyKey: nil)
        let joins = try desk.submit(merchantComplaint(merchant: "乙商店", code: "91110000600037341L"), idempotencyKey: nil)
        #expect(try complaint(plain.number).merchantCase == complaint(joins.number).merchantCase)
        #expect(throws: InvalidInput.self) { try self.desk.submit(merchantComplaint(code: "91350100M000100Y44"), idempotencyKey: nil) }
    }

    @Test func hotspotsCountTheMerchantsOfAPeriodByCategory() throws {
        for (i, category) in ["food_safety", "food_safety", "price", "food_safety"].enumerated() {
            _ = try desk.submit(merchantComplaint(phone: "1380013800\(i)", category: category), idempotencyKey: nil)
        }
        _ = try desk.submit(merchantComplaint(phone: "13800138000"), idempotencyKey: nil)   // a repeat of the first
        _ = try desk.submit(merchantComplaint(merchant: "只投诉一次的店"), idempotencyKey: nil)
        let hotspots = MerchantHotspots(database: database, finder: desk.finder)
        let now = Date().addingTimeInterval(1)
        let page = try hotspots.list(MerchantHotspots.query(county: "330106", from: nil, to: nil, min: nil, limit: nil, offset: nil,
                                                            now: now, in: desk.finder.snapshot))
        #expect(page.hotspots.count == 1, "the one-complaint merchant is below min 2")
        let top = try #require(page.hotspots.first)
        #expect(top.merchant_name == "某某超市" && top.complaints == 5 && top.consumers == 4 && top.repeats == 1)
        #expect(top.categories == ["food_safety": 4, "price": 1])
        #expect(page.next_offset == nil)
        // Another county's staff may not look; a county token sees its own by default.
        #expect(throws: ComplaintDesk.Forbidden.self) {
            try hotspots.list(MerchantHotspots.query(county: "330106", from: nil, to: nil, min: nil, limit: nil, offset: nil, now: now,
                                                     in: self.desk.finder.snapshot), by: StaffToken(name: "nb", role: .county("330203")))
        }
        let own = try hotspots.list(MerchantHotspots.query(county: nil, from: nil, to: nil, min: "1", limit: "1", offset: nil, now: now,
                                                           in: desk.finder.snapshot), by: StaffToken(name: "xh", role: .county("330106")))
        #expect(own.county == "330106" && own.hotspots.count == 1 && own.next_offset == 1)
        // Bad parameters are named.
        do {
            _ = try MerchantHotspots.query(county: "999999", from: "2026-01-01", to: "2027-06-01", min: "0", limit: "500", offset: "-1", now: now,
                                           in: desk.finder.snapshot)
            Issue.record("expected InvalidInput")
        } catch {
            #expect(Set(error.parameters.map(\.name)) == ["county", "min", "limit", "offset"])
        }
    }

    // MARK: Borders

    /// A point inside `a` within 60 m of county `b` (found from a shared border vertex).
    func nearBorderPoint() throws -> (point: Coordinate, home: String, other: String) {
        let counties = desk.finder.snapshot.counties
        for county in counties.counties {
            for vertex in county.boundary.polygons[0][0].prefix(200) {
                guard let other = counties.counties.first(where: { $0.adcode != county.adcode && $0.boundary.nearestBoundaryPoint(to: vertex).distanceMeters < 1 })
                else { continue }
                for bearing in stride(from: 0.0, to: 360, by: 30) {
                    let p = Geodesic.wgs84.direct(from: vertex, bearingDegrees: bearing, distanceMeters: 60)
                    if counties.containing(p)?.adcode == county.adcode, !other.boundary.contains(p) { return (p, county.adcode, other.adcode) }
                }
            }
        }
        Issue.record("no county border vertex found")
        throw CancellationError()
    }

    @Test func aComplaintNearABorderIsFlaggedAndTheNeighbourMayClaimIt() throws {
        let (p, home, other) = try nearBorderPoint()
        let submitted = try desk.submit(merchantComplaint(lat: p.latitude, lng: p.longitude), idempotencyKey: nil)
        let body = try json(submitted.body)
        #expect(body["county_confidence"] as? String == "near_border")
        let border = try #require(body["border_counties"] as? [[String: Any]])
        #expect(border.contains { $0["county_code"] as? String == other })
        var c = try complaint(submitted.number)
        #expect(c.countyCode == home)

        // The neighbour's staff see it and may claim it; a third county's may not.
        let neighbour = StaffToken(name: "neighbour", role: .county(other))
        #expect(try desk.complaint(submitted.number, for: neighbour).0.number == submitted.number)
        let third = desk.finder.snapshot.counties.counties.first { $0.adcode != home && !c.borderCounties.map(\.county_code).contains($0.adcode) }!
        #expect(throws: ComplaintDesk.Forbidden.self) {
            try self.desk.act(on: submitted.number, StaffCommand(action: .claim), by: StaffToken(name: "third", role: .county(third.adcode)))
        }
        #expect(try desk.nearBorderComplaints(countyCode: other, status: nil).map(\.number) == [submitted.number])
        let (claimed, events) = try desk.act(on: submitted.number, StaffCommand(action: .claim, note: "our side of the road"), by: neighbour)
        c = claimed
        #expect(c.countyCode == other && c.status == .assigned)
        let station = try #require(c.stationID.flatMap { desk.finder.snapshot.station(id: $0) })
        #expect(station.countyCode == other)
        #expect(events.last?.action == .claim && events.last?.actor == "neighbour")
        // The county it left may now claim it back.
        #expect(c.borderCounties.contains { $0.county_code == home })
        // Claiming is only before acceptance.
        _ = try desk.act(on: submitted.number, StaffCommand(action: .accept), by: neighbour)
        #expect(throws: IllegalTransition.self) {
            try self.desk.act(on: submitted.number, StaffCommand(action: .claim), by: StaffToken(name: "home", role: .county(home)))
        }
    }

    @Test func aComplaintFarFromBordersIsInsideAndCannotBeClaimed() throws {
        let snapshot = desk.finder.snapshot
        let inland = try #require(snapshot.activeStations.first { s in
            snapshot.counties.county(code: s.countyCode).map { snapshot.counties.borderCheck(s.location, placedIn: $0) == .inside } ?? false
        })
        let submitted = try desk.submit(merchantComplaint(lat: inland.location.latitude, lng: inland.location.longitude), idempotencyKey: nil)
        #expect(try json(submitted.body)["county_confidence"] as? String == "inside")
        #expect((try json(submitted.body)["border_counties"] as? [Any])?.isEmpty == true)
        #expect(throws: ComplaintDesk.Forbidden.self) {
            try self.desk.act(on: submitted.number, StaffCommand(action: .claim), by: StaffToken(name: "sc", role: .county("330102")))
        }
    }

    // MARK: Ratings

    /// Files a complaint near a station and works it to the end with the given satisfaction.
    func workedComplaint(at station: Station, satisfaction: Int, phone: String) throws {
        let submitted = try desk.submit(merchantComplaint(lat: station.location.latitude, lng: station.location.longitude, phone: phone,
                                                          merchant: "店\(phone)"), idempotencyKey: nil)
        let token = try #require(try json(submitted.body)["tracking_token"] as? String)
        for action in [ComplaintAction.accept, .start_mediation, .resolve] {
            _ = try desk.act(on: submitted.number, StaffCommand(action: action), by: admin)
        }
        _ = try desk.act(on: submitted.number, .feedback(satisfaction: satisfaction, comment: nil), token: token)
    }

    @Test func ratingsFollowTheFormulaAndChangeOnlyWithTheirInputs() throws {
        let formula = RatingFormula(window_days: 365, minimum_complaints: 2, minimum_basis: 2,
                                    weights: .init(answered_within_24h: 0.3, resolution_rate: 0.4, satisfaction_rate: 0.3), star_thresholds: [50, 65, 80, 90])
        let ratings = StationRatings(database: database, finder: desk.finder, formula: formula)
        let station = try #require(desk.finder.snapshot.station(id: "330106-0001"))
        try workedComplaint(at: station, satisfaction: 5, phone: "13800000001")

        let first = try ratings.compute(now: Date().addingTimeInterval(1))
        #expect(first.stations == desk.finder.snapshot.activeCount && first.changed == first.stations && first.rated == 0)
        let unrated = try #require(desk.finder.snapshot.ratings[station.id])
        #expect(unrated.status == "not_yet_rated" && unrated.stars == nil && unrated.complaints == 1)

        // Nothing changed: nothing appended.
        #expect(try ratings.compute(now: Date().addingTimeInterval(2)).changed == 0)
        #expect(try ratings.history(stationID: station.id).count == 1)

        try workedComplaint(at: station, satisfaction: 3, phone: "13800000002")
        let second = try ratings.compute(now: Date().addingTimeInterval(3))
        #expect(second.changed == 1 && second.rated == 1)
        let rated = try #require(desk.finder.snapshot.ratings[station.id])
        // 2 answered of 2, 2 resolved of 2, 1 satisfied of 2: 30 + 40 + 15 = 85 -> 4 stars.
        #expect(rated.complaints == 2 && rated.score == 85 && rated.stars == 4 && rated.status == "rated")
        #expect(try ratings.history(stationID: station.id).map(\.stars) == [4, nil])
        // The ranking puts it first in its county.
        #expect(ratings.ranking(countyCode: "330106", limit: 1).stations.first?.id == station.id)
        // Once a day: a second call on the same day does nothing.
        #expect(try ratings.computeIfDue(now: Date().addingTimeInterval(4)) == nil)
    }
}
