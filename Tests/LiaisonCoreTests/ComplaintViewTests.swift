import Foundation
import Geodesy
import LiaisonCore
import Testing

/// What each audience sees of a complaint, read from the JSON a client would get.
@Suite struct ComplaintViewTests {
    static let station = Geodata.stations.first { $0.countyCode == "330106" }!
    static let submitted = Date(timeIntervalSince1970: 1_795_937_927)   // 2026-11-29T07:38:47Z
    static let videoBase = "https://meet.example.org/"

    static func complaint(status: ComplaintStatus = .accepted) -> Complaint {
        let given = Coordinate(latitude: 30.259, longitude: 120.13)
        let intake = ComplaintIntake(location: CoordinateSystem.gcj02.toWGS84(given), givenLocation: given, coordinateSystem: .gcj02,
                                     consumerName: "张三", consumerPhone: "13800138000", merchantName: "某某超市", merchantAddress: "文三路 1 号",
                                     category: .prepaid_card, description: "健身卡无法退费", preferredMode: .video, amountFen: 19_950)
        return Complaint(number: "ZJ-20261129-000123", trackingDigest: "trk_secret", status: status, intake: intake, countyCode: "330106",
                         mode: .video, stationID: station.id, distanceMeters: 1_234.567, assignmentReason: "nearest",
                         submittedAt: submitted, updatedAt: submitted.addingTimeInterval(90),
                         video: Complaint.VideoSession(room: "zj-abcdefghijklmnopqrstuvwxyz", scheduledAt: submitted.addingTimeInterval(2 * 86400),
                                                       confirmed: false))
    }

    static func json(_ complaint: Complaint, events: [ComplaintEvent] = [], audience: ComplaintView.Audience,
                     trackingToken: String? = nil) throws -> [String: Any] {
        let view = ComplaintView(complaint, events: events, snapshot: Geodata.snapshot, audience: audience, videoBaseURL: videoBase,
                                 trackingToken: trackingToken)
        let data = try JSONEncoder().encode(view)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func phone(_ object: [String: Any]) -> String? {
        (object["consumer"] as? [String: Any])?["phone"] as? String
    }

    static func links(_ object: [String: Any]) -> [String: String]? {
        (object["video"] as? [String: Any])?["links"] as? [String: String]
    }

    @Test func theConsumerSeesAMaskedPhoneAndNoMediatorLink() throws {
        let view = try Self.json(Self.complaint(), audience: .consumer)
        #expect(Self.phone(view) == "138****8000")
        #expect(Self.links(view) == ["consumer": "https://meet.example.org/zj-abcdefghijklmnopqrstuvwxyz"], "the consumer's own link only")
        #expect(view["allowed_actions"] as? [String] == ["confirm_appointment", "withdraw"])
        #expect(view["tracking_token"] == nil)
    }

    @Test func staffOfAnotherCountySeeAMaskedPhoneButTheMediatorLink() throws {
        let view = try Self.json(Self.complaint(), audience: .staff(seesPhone: false))
        #expect(Self.phone(view) == "138****8000")
        #expect(Self.links(view)?["mediator"] == "https://meet.example.org/zj-abcdefghijklmnopqrstuvwxyz")
        #expect(Self.links(view)?.count == 3)
        #expect(view["allowed_actions"] as? [String] == ["reassign", "schedule", "start_mediation", "mark_urgent"])
    }

    @Test func staffOfTheCountySeeTheFullPhone() throws {
        let view = try Self.json(Self.complaint(), audience: .staff(seesPhone: true))
        #expect(Self.phone(view) == "13800138000")
        #expect(view["tracking_token"] == nil)
    }

    @Test(arguments: [ComplaintView.Audience.consumer, .staff(seesPhone: true)])
    func theTokenOnlyWhenAsked(audience: ComplaintView.Audience) throws {
        #expect(try Self.json(Self.complaint(), audience: audience, trackingToken: "trk_secret")["tracking_token"] as? String == "trk_secret")
        #expect(try Self.json(Self.complaint(), audience: audience)["tracking_token"] == nil)
    }

    @Test func theRestOfTheView() throws {
        let view = try Self.json(Self.complaint(), audience: .consumer)
        #expect(view["number"] as? String == "ZJ-20261129-000123")
        #expect(view["status"] as? String == "accepted")
        #expect(view["category"] as? String == "prepaid_card")
        #expect(view["category_label"] as? String == "预付卡消费")
        #expect(view["amount_yuan"] as? Double == 199.5)
        #expect(view["submitted_at"] as? String == "2026-11-29T15:38:47.000+08:00", "Asia/Shanghai, the same instant as 07:38:47Z")
        #expect(view["updated_at"] as? String == "2026-11-29T15:40:17.000+08:00")
        // The location as the consumer gave it, in their coordinate system.
        let location = try #require(view["location"] as? [String: Any])
        #expect(location["lat"] as? Double == 30.259 && location["lng"] as? Double == 120.13 && location["coordsys"] as? String == "gcj02")
        let county = try #require(view["county"] as? [String: Any])
        #expect(county["name"] as? String == "西湖区" && county["city_name"] as? String == "杭州市")
        let station = try #require(view["station"] as? [String: Any])
        #expect(station["id"] as? String == Self.station.id)
        #expect(station["distance_m"] as? Double == 1_234.57)
        #expect(station["phone"] as? String == Self.station.phone)   // the station's own phone is public
        #expect((view["video"] as? [String: Any])?["status"] as? String == "proposed")
        #expect(view["next_steps"] == nil)
    }

    @Test func failedMediationTellsTheConsumerWhereToGoNext() throws {
        #expect(try Self.json(Self.complaint(status: .failed), audience: .consumer)["next_steps"] as? String == ComplaintView.failedNextSteps)
        let fail = ComplaintEvent(seq: 5, at: Self.submitted, actor: "staff-1", action: .fail, from: .mediating, to: .failed, stationID: Self.station.id,
                                  note: "merchant did not attend")
        let close = ComplaintEvent(seq: 6, at: Self.submitted, actor: "consumer", action: .feedback, from: .failed, to: .closed, stationID: Self.station.id,
                                   note: nil)
        let closedAfterFailing = try Self.json(Self.complaint(status: .closed), events: [fail, close], audience: .consumer)
        #expect(closedAfterFailing["next_steps"] as? String == ComplaintView.failedNextSteps)
        #expect(closedAfterFailing["allowed_actions"] as? [String] == [])
        #expect((closedAfterFailing["events"] as? [[String: Any]])?.map { $0["action"] as? String } == ["fail", "feedback"])
        #expect(try Self.json(Self.complaint(status: .closed), audience: .consumer)["next_steps"] == nil)
    }

    @Test func summariesMaskThePhoneUnlessAllowed() {
        #expect(ComplaintSummary(Self.complaint(), seesPhone: false).consumer_phone == "138****8000")
        #expect(ComplaintSummary(Self.complaint(), seesPhone: true).consumer_phone == "13800138000")
    }

    @Test func anEndedComplaintShowsNoVideoLink() throws {
        for status in [ComplaintStatus.resolved, .failed, .closed, .withdrawn] {
            for audience in [ComplaintView.Audience.consumer, .staff(seesPhone: true)] {
                #expect(Self.links(try Self.json(Self.complaint(status: status), audience: audience)) == [:], "\(status)")
            }
        }
    }

    @Test func videoLinksWithOrWithoutATrailingSlash() {
        let room = Complaint.VideoSession(room: "zj-room", scheduledAt: Self.submitted, confirmed: true)
        #expect(room.links(base: "https://meet.example.org", signer: nil).mediator == "https://meet.example.org/zj-room")
        #expect(room.links(base: "https://meet.example.org/", signer: nil).consumer == "https://meet.example.org/zj-room")
    }
}
