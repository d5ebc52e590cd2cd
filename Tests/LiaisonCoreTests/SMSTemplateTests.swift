import Foundation
import Geodesy
import LiaisonCore
import Testing

/// Every text of every action fits two SMS segments, signed, with the complaint number, even
/// with the longest names the register and the enterprise register allow.
@Suite struct SMSTemplateTests {
    static let at = Date(timeIntervalSince1970: 1_796_000_000)

    static func worstCase(status: ComplaintStatus) -> Complaint {
        let intake = ComplaintIntake(location: .init(latitude: 30.26, longitude: 120.13), consumerName: "张三", consumerPhone: "13800138000",
                                     merchantName: "某某超市", category: .after_sales, description: "多收费", preferredMode: .video)
        var c = Complaint(number: "ZJ-20261203-000123", trackingDigest: "trk_x", status: status, intake: intake, countyCode: "330106",
                          mode: .video, stationID: "330106-0001", submittedAt: at, updatedAt: at,
                          deadlines: .init(dispatchBy: at, respondBy: at, acceptanceBy: at, mediationBy: at))
        var train = Complaint.DirectTrain(enterpriseCode: "91350100M000100Y43", enterpriseName: String(repeating: "长", count: 100), settleBy: at)
        train.replyBy = at
        c.directTrain = train
        c.urgent = Complaint.Urgent(reason: String(repeating: "急", count: 60), markedAt: at, dueBy: at)
        c.review = Complaint.Review(trigger: .dissatisfied, openedAt: at, dueBy: at)
        c.courtHandoff = Complaint.CourtHandoff(courtID: "330106-C01", at: at)
        c.appointment = Complaint.Appointment(startsAt: at, endsAt: at, confirmed: false)
        return c
    }

    static let station = {
        var station = AssignmentPolicyTests.station("330106-0001", at: .init(latitude: 30.26, longitude: 120.13))
        station.name = String(repeating: "站", count: 60)
        return station
    }()
    static let court = Court(id: "330106-C01", county_code: "330106", name: String(repeating: "院", count: 40), court: "法院",
                             address: "地址", phone: "0571-80077472", hours: "周一至周五")

    @Test(arguments: ComplaintAction.allCases)
    func everyTextFits(action: ComplaintAction) {
        let complaint = Self.worstCase(status: .assigned)
        let event = ComplaintEvent(seq: 7, at: Self.at, actor: "system", action: action, from: .submitted, to: .assigned,
                                   stationID: "330106-0001", note: nil)
        let messages = SMSTemplates.messages(for: [event], complaint: complaint, station: { _ in Self.station },
                                             court: { _ in Self.court }, enterprisePhone: "13900001111")
        for message in messages {
            #expect(message.text.count <= SMSTemplates.maxCharacters, "\(message.template): \(message.text.count) characters: \(message.text)")
            #expect(message.text.hasPrefix(SMSTemplates.signature) && message.text.contains(complaint.number), "\(message.template)")
        }
        // Who hears of what: the consumer of every step but the silent ones; the enterprise of a referral.
        let silent: Set<ComplaintAction> = [.overdue, .return_visit, .deadline_update]   // deadline_update: only with a moved date in its note
        #expect(messages.contains { $0.recipient == .consumer } == !silent.contains(action), "\(action.rawValue)")
        #expect(messages.contains { $0.recipient == .enterprise } == (action == .refer), "\(action.rawValue)")
        let toStation: Set<ComplaintAction> = [.assign, .reassign, .claim, .reopen, .mark_urgent]
        #expect(messages.contains { $0.recipient == .staff } == toStation.contains(action), "\(action.rawValue)")
    }

    /// With `--consumer-link`, a consumer's text ends with the complaint's page when it fits in two
    /// segments, and is sent without it when it would not; staff texts never carry it.
    @Test func theConsumersPageIsLinkedWhenItFits() {
        let link = "https://s.zj.cn/c/{number}"
        let complaint = Self.worstCase(status: .assigned)
        var linked = 0
        for action in ComplaintAction.allCases {
            let event = ComplaintEvent(seq: 7, at: Self.at, actor: "system", action: action, from: .submitted, to: .assigned,
                                       stationID: "330106-0001", note: nil)
            let plain = SMSTemplates.messages(for: [event], complaint: complaint, station: { _ in Self.station },
                                              court: { _ in Self.court }, enterprisePhone: "13900001111")
            let withLink = SMSTemplates.messages(for: [event], complaint: complaint, station: { _ in Self.station },
                                                 court: { _ in Self.court }, enterprisePhone: "13900001111", consumerLink: link)
            #expect(plain.map(\.id) == withLink.map(\.id))
            for (a, b) in zip(plain, withLink) {
                let tail = "查看详情：https://s.zj.cn/c/\(complaint.number)"
                #expect(b.text.count <= SMSTemplates.maxCharacters, "\(b.template): \(b.text)")
                if b.recipient == .consumer, a.text.count + tail.count <= SMSTemplates.maxCharacters {
                    #expect(b.text == a.text + tail, "\(b.template)")
                    linked += 1
                } else {
                    #expect(b.text == a.text, "\(b.template): only a consumer's text that fits gets the link")
                }
            }
        }
        #expect(linked > 10, "most consumer texts have room for the link: \(linked)")
    }

    /// 受理 is the formal acceptance decision (SAMR Order No. 20), which a station takes later:
    /// the texts of filing say received and registered; the text of `accept` says 受理.
    @Test func filingIsToldAsRegisteredAndOnlyAcceptanceAsAccepted() {
        func consumerText(_ action: ComplaintAction, from: ComplaintStatus?, to: ComplaintStatus) -> String {
            let complaint = Self.worstCase(status: to)
            let event = ComplaintEvent(seq: 1, at: Self.at, actor: "system", action: action, from: from, to: to, stationID: "330106-0001", note: nil)
            return SMSTemplates.messages(for: [event], complaint: complaint, station: { _ in Self.station }, enterprisePhone: "13900001111")
                .first { $0.recipient == .consumer }?.text ?? ""
        }
        let filing: [(ComplaintAction, ComplaintStatus?, ComplaintStatus)] = [(.submit, nil, .submitted), (.assign, .submitted, .assigned),
                                                                              (.refer, .submitted, .with_enterprise)]
        for (action, from, to) in filing {
            let text = consumerText(action, from: from, to: to)
            #expect(text.contains("已收到并登记"), "\(action.rawValue): \(text)")
            #expect(!text.contains("受理"), "\(action.rawValue) is not the acceptance decision: \(text)")
        }
        #expect(consumerText(.accept, from: .assigned, to: .accepted).contains("已受理"))
        #expect(!ComplaintStatus.submitted.label.contains("受理"))
    }

    @Test func aReferralIsOneConsumerTextNotTwo() {
        let complaint = Self.worstCase(status: .with_enterprise)
        let events = [ComplaintEvent(seq: 1, at: Self.at, actor: "consumer", action: .submit, from: nil, to: .submitted, stationID: nil, note: nil),
                      ComplaintEvent(seq: 2, at: Self.at, actor: "system", action: .refer, from: .submitted, to: .with_enterprise, stationID: nil, note: nil)]
        let messages = SMSTemplates.messages(for: events, complaint: complaint, station: { _ in nil }, enterprisePhone: "13900001111")
        #expect(messages.map(\.template) == ["consumer.refer", "enterprise.refer"])
        #expect(messages.map(\.id) == ["ZJ-20261203-000123-2-c", "ZJ-20261203-000123-2-e"])
    }

    @Test func leavingTheEnterpriseForAStationIsToldByTheAssignment() {
        let complaint = Self.worstCase(status: .assigned)
        let events = [ComplaintEvent(seq: 5, at: Self.at, actor: "enterprise:x", action: .decline, from: .with_enterprise, to: .submitted, stationID: nil, note: nil),
                      ComplaintEvent(seq: 6, at: Self.at, actor: "system", action: .assign, from: .submitted, to: .assigned, stationID: "330106-0001", note: nil)]
        let consumer = SMSTemplates.messages(for: events, complaint: complaint, station: { _ in Self.station }).filter { $0.recipient == .consumer }
        #expect(consumer.map(\.template) == ["consumer.assign"])
        #expect(consumer.first?.text.contains("已转至") == true)
    }
}
