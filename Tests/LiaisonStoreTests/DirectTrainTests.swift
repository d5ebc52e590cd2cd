import Foundation
import GRDB
import LiaisonCore
import LiaisonStore
import Testing
import LiaisonTestSupport

/// The tracks of issue 17 against a real SpatiaLite file: the direct train (an enrolled
/// enterprise settles first), urgent complaints, reviews, return visits and the court hand-off.
@Suite final class DirectTrainTests {
    let folder: ScratchFolder
    let database: LiaisonDatabase
    /// Thursday 3 December 2026, 10:00 in Shanghai: Fri 4, Mon 7 and Tue 8 are working days.
    let clock = TestClock(instant("2026-12-03T10:00:00+08:00"))
    let admin = StaffToken(name: "admin-1", role: .admin)
    let desk: ComplaintDesk
    let register: EnterpriseRegister
    static let code = "91350100M000100Y43"
    static let otherCode = "91330106MA2KY0AB10"

    init() throws {
        folder = try ScratchFolder()
        database = try TemplateDatabase.open(at: folder.path("liaison.sqlite"))
        let clock = self.clock
        var settings = complaintSettings
        settings.courts = try GeodataDirectory(url: Repository.geodata).courts()
        desk = ComplaintDesk(database: database, finder: StationFinder(try database.snapshot()), settings: settings, now: { clock.now })
        register = EnterpriseRegister(desk: desk)
        try register.add(Enterprise(creditCode: Self.code, name: "某某超市有限公司", merchantID: "zjfx-100234", contactName: "王经理",
                                    contactPhone: "13900001111", createdAt: clock.now))
    }

    func body(code: String? = nil, merchantID: String? = nil, category: String = "price", description: String = "结账多收费",
              amount: Double? = nil, phone: String = "13800138000") -> Data {
        var merchant: [String: Any] = ["name": "某某超市"]
        if let code { merchant["code"] = code }
        if let merchantID { merchant["id"] = merchantID }
        return ComplaintBody.json(phone: phone, ["merchant": merchant, "category": category, "description": description,
                                                 "amount_yuan": amount.map { $0 as Any } ?? NSNull()])
    }

    func file(_ data: Data) throws -> (number: String, token: String) {
        let submitted = try desk.submit(data, idempotencyKey: nil)
        let object = try #require(try JSONSerialization.jsonObject(with: submitted.body) as? [String: Any])
        return (submitted.number, try #require(object["tracking_token"] as? String))
    }

    func stored(_ number: String) throws -> (Complaint, [ComplaintEvent]) {
        try desk.complaint(number, for: admin)
    }

    func texts(_ number: String) throws -> [String] {
        try SMSOutbox(database: database).messages(number: number).map(\.message.template)
    }

    @Test func aComplaintAboutAnEnrolledEnterpriseGoesToItFirstByCodeOrMerchantID() throws {
        let before = try file(body(code: Self.code))
        #expect(try stored(before.number).0.status == .assigned, "not enrolled yet: a station")
        _ = try register.enrol(Self.code, settleDays: nil)

        for data in [body(code: Self.code), body(merchantID: "zjfx-100234")] {
            let (number, _) = try file(data)
            let (complaint, events) = try stored(number)
            #expect(complaint.status == .with_enterprise)
            #expect(events.map(\.action) == [.submit, .refer])
            #expect(complaint.stationID == nil)
            // The shipped window: 5 working days from Thu 3 Dec (Fri 4, Mon 7 ... Thu 10), ending at 00:00 on Fri 11.
            #expect(complaint.directTrain?.settleBy == instant("2026-12-11T00:00:00+08:00"))
            // The station clocks have not started.
            #expect(complaint.deadlines == Complaint.Deadlines())
            #expect(try texts(number) == ["consumer.refer", "enterprise.refer"])
        }
        // Another enterprise's code, an unknown merchant id: a station.
        #expect(try stored(file(body(code: Self.otherCode)).number).0.status == .assigned)
        #expect(try stored(file(body(merchantID: "zjfx-9")).number).0.status == .assigned)
    }

    @Test func anUrgentComplaintSkipsTheEnterpriseAndLeadsTheQueue() throws {
        _ = try register.enrol(Self.code, settleDays: nil)
        let plain = try file(body(code: Self.otherCode))
        let (number, _) = try file(body(code: Self.code, category: "food_safety", description: "吃了以后腹泻，去医院就医"))
        let (complaint, events) = try stored(number)
        #expect(complaint.status == .assigned)
        #expect(complaint.urgent?.reason == "食品安全且有健康损害")
        #expect(complaint.urgent?.dueBy == clock.now.addingTimeInterval(24 * 3600))
        #expect(events.map(\.action) == [.submit, .assign])
        let staffText = try SMSOutbox(database: database).messages(number: number).first { $0.message.recipient == .staff }
        #expect(staffText?.message.text.contains("【紧急】") == true)
        // A large amount is urgent too; a small one is not.
        #expect(try stored(file(body(amount: 50_000)).number).0.urgent != nil)
        #expect(try stored(file(body(amount: 49_999.99)).number).0.urgent == nil)
        // Urgent first in the county's list, then by number.
        let listed = try desk.complaints(countyCode: "330106", status: nil).map(\.number)
        #expect(listed.first == number)
        #expect(listed.contains(plain.number))
        // Verification stops the clock.
        try desk.act(on: number, StaffCommand(action: .verify, note: "已电话核实，商家已下架问题食品"), by: admin)
        #expect(try stored(number).0.urgent?.metAt == clock.now)
        #expect(throws: ComplaintDesk.Unfulfillable.self) {
            try self.desk.act(on: number, StaffCommand(action: .verify, note: "again"), by: self.admin)
        }
    }

    @Test func settledAndAcceptedEndsWithTheEnterprise() throws {
        _ = try register.enrol(Self.code, settleDays: 2)
        let (number, token) = try file(body(code: Self.code))
        #expect(try stored(number).0.directTrain?.settleBy == instant("2026-12-08T00:00:00+08:00"), "2 working days: Fri 4, Mon 7")
        clock.advance(hours: 3)
        try desk.act(on: number, .settle(agreement: "退还多收的20元"), enterprise: Self.code, actor: "enterprise:test")
        var complaint = try stored(number).0
        #expect(complaint.status == .settlement_offered)
        #expect(complaint.directTrain?.settlement == "退还多收的20元")
        #expect(complaint.directTrain?.replyBy == instant("2026-12-09T00:00:00+08:00"), "3 working days from Thu: Fri, Mon, Tue")
        // Settling twice is not allowed.
        #expect(throws: IllegalTransition.self) {
            try self.desk.act(on: number, .settle(agreement: "again"), enterprise: Self.code, actor: "enterprise:test")
        }
        _ = try #require(try desk.act(on: number, .acceptSettlement, token: token))
        complaint = try stored(number).0
        #expect(complaint.status == .resolved)
        #expect(complaint.directTrain?.outcome == .settled)
        #expect(complaint.milestones.outcome == nil, "not a mediation outcome")
        #expect(try texts(number) == ["consumer.refer", "enterprise.refer", "consumer.settle", "consumer.accept_settlement"])
    }

    @Test func aRejectedSettlementGoesToAStationAndOpensAReview() throws {
        _ = try register.enrol(Self.code, settleDays: nil)
        let (number, token) = try file(body(code: Self.code))
        clock.advance(hours: 1)
        try desk.act(on: number, .settle(agreement: "送一张10元优惠券"), enterprise: Self.code, actor: "enterprise:test")
        clock.advance(hours: 1)
        let left = clock.now
        _ = try #require(try desk.act(on: number, .rejectSettlement(reason: "只给优惠券不退款"), token: token))
        let (complaint, events) = try stored(number)
        #expect(complaint.status == .assigned)
        #expect(events.map(\.action) == [.submit, .refer, .settle, .reject_settlement, .assign, .open_review])
        #expect(complaint.directTrain?.outcome == .rejected)
        #expect(complaint.review?.trigger == .rejected_settlement && complaint.review?.isOpen == true)
        // The station clocks start when it leaves the enterprise.
        #expect(complaint.deadlines.dispatchBy == left.addingTimeInterval(2 * 3600))
        #expect(complaint.deadlines.respondBy == left.addingTimeInterval(24 * 3600))
        #expect(complaint.deadlines.acceptanceBy != nil)
        #expect(try desk.queue(.reviews, countyCode: "330106", limit: 10, after: nil).map(\.number) == [number])
    }

    @Test func declinedAndTimedOutOnesGoToAStation() throws {
        _ = try register.enrol(Self.code, settleDays: 2)
        let declined = try file(body(code: Self.code))
        let silent = try file(body(code: Self.code, phone: "13800138001"))
        try desk.act(on: declined.number, .decline(reason: "不属于本企业经营范围"), enterprise: Self.code, actor: "enterprise:test")
        #expect(try stored(declined.number).0.status == .assigned)
        #expect(try stored(declined.number).0.directTrain?.outcome == .declined)

        // Nothing times out before the window ends; everything at its end.
        let settleBy = try #require(try stored(silent.number).0.directTrain?.settleBy)
        #expect(try desk.sweepDirectTrain(at: settleBy.addingTimeInterval(-1)) == (0, 0))
        #expect(try desk.sweepDirectTrain(at: settleBy) == (1, 0))
        let (complaint, events) = try stored(silent.number)
        #expect(complaint.status == .assigned)
        #expect(events.map(\.action) == [.submit, .refer, .timeout, .assign])
        #expect(complaint.directTrain?.outcome == .timed_out)
        // The enterprise cannot answer after its window, nor about a complaint that is not its own.
        let late = try file(body(code: Self.code, phone: "13800138002"))
        clock.set(try #require(try stored(late.number).0.directTrain?.settleBy))
        #expect(throws: ComplaintDesk.Unfulfillable.self) {
            try self.desk.act(on: late.number, .settle(agreement: "x"), enterprise: Self.code, actor: "enterprise:test")
        }
        #expect(throws: NotFound.self) {
            try self.desk.act(on: late.number, .settle(agreement: "x"), enterprise: Self.otherCode, actor: "enterprise:other")
        }
    }

    @Test func anUnansweredSettlementLapsesIntoAResolution() throws {
        _ = try register.enrol(Self.code, settleDays: nil)
        let (number, token) = try file(body(code: Self.code))
        try desk.act(on: number, .settle(agreement: "退款"), enterprise: Self.code, actor: "enterprise:test")
        let replyBy = try #require(try stored(number).0.directTrain?.replyBy)
        #expect(try desk.sweepDirectTrain(at: replyBy.addingTimeInterval(-1)) == (0, 0))
        clock.set(replyBy)
        // Too late to reject.
        #expect(throws: ComplaintDesk.Unfulfillable.self) { try self.desk.act(on: number, .rejectSettlement(reason: nil), token: token) }
        #expect(try desk.sweepDirectTrain(at: replyBy) == (0, 1))
        let (complaint, events) = try stored(number)
        #expect(complaint.status == .resolved && complaint.directTrain?.outcome == .settled)
        #expect(events.last?.action == .lapse && events.last?.actor == "system")
    }

    @Test func urgentOrRevokedOnesAreRecalledFromTheEnterprise() throws {
        let enrolment = try register.enrol(Self.code, settleDays: nil)
        let urgent = try file(body(code: Self.code))
        let waiting = try file(body(code: Self.code, phone: "13800138001"))
        try desk.act(on: urgent.number, StaffCommand(action: .mark_urgent, note: "涉及老人，已发生纠纷"), by: admin)
        var (complaint, events) = try stored(urgent.number)
        #expect(events.map(\.action) == [.submit, .refer, .mark_urgent, .recall, .assign])
        #expect(complaint.status == .assigned && complaint.directTrain?.outcome == .recalled && complaint.urgent != nil)
        #expect(throws: ComplaintDesk.Unfulfillable.self) {
            try self.desk.act(on: urgent.number, StaffCommand(action: .mark_urgent, note: "again"), by: self.admin)
        }

        let (_, recalled) = try register.revoke(Self.code)
        #expect(recalled == [waiting.number])
        (complaint, events) = try stored(waiting.number)
        #expect(events.map(\.action) == [.submit, .refer, .recall, .assign])
        #expect(try register.enterprise(Self.code).isEnrolled == false)
        #expect(try stored(file(body(code: Self.code, phone: "13800138002")).number).0.status == .assigned)
        // The revoked key no longer authenticates.
        #expect(try TokenAuthenticator(database: database).authenticate(enrolment.key) == nil)
    }

    @Test func enrollingAgainRotatesTheKeyAndKeepsTheWindow() throws {
        let first = try register.enrol(Self.code, settleDays: 7)
        let second = try register.enrol(Self.code, settleDays: nil)
        #expect(first.key != second.key && first.key.hasPrefix("ent_"))
        #expect(second.enterprise.settleDays == 7)
        let auth = TokenAuthenticator(database: database)
        #expect(try auth.authenticate(first.key) == nil)
        #expect(try auth.authenticate(second.key)?.role == .enterprise(Self.code))
        #expect(throws: InvalidInput.self) { _ = try self.register.enrol(Self.code, settleDays: 31) }
        #expect(throws: EnterpriseRegister.Conflict.self) {
            try self.register.add(Enterprise(creditCode: Self.code, name: "x", merchantID: nil, contactName: "x", contactPhone: "13900001111", createdAt: Date()))
        }
    }

    @Test func aDissatisfiedConsumerGetsAReviewThatMayReopenMediation() throws {
        let (number, token) = try file(body())
        let station = try #require(try stored(number).0.stationID)
        for action in [ComplaintAction.accept, .start_mediation, .resolve] { try desk.act(on: number, StaffCommand(action: action), by: admin) }
        _ = try #require(try desk.act(on: number, .feedback(satisfaction: 2, comment: "调解不公"), token: token))
        var complaint = try stored(number).0
        #expect(complaint.status == .closed)
        #expect(complaint.review?.trigger == .dissatisfied)
        #expect(complaint.review?.dueBy == instant("2026-12-09T00:00:00+08:00"), "3 working days: Fri, Mon, Tue")
        #expect(try texts(number).suffix(2) == ["consumer.feedback", "consumer.open_review"])
        // Overdue once its deadline passes, reported once.
        #expect(try desk.markOverdue(at: instant("2026-12-09T00:00:00+08:00")) == 1)
        #expect(try desk.markOverdue(at: instant("2026-12-09T01:00:00+08:00")) == 0)

        try desk.act(on: number, StaffCommand(action: .reopen, note: "调解记录不完整，重新调解"), by: admin)
        complaint = try stored(number).0
        #expect(complaint.status == .assigned && complaint.stationID == station, "the same station, which has room")
        #expect(complaint.review?.finding == .reopened)
        #expect(complaint.milestones.outcome == nil)
        #expect(throws: ComplaintDesk.Unfulfillable.self) {
            try self.desk.act(on: number, StaffCommand(action: .uphold, note: "no review open any more"), by: self.admin)
        }
        // The second mediation fails; the consumer, dissatisfied again, gets a new review, which is upheld.
        for action in [ComplaintAction.accept, .start_mediation] { try desk.act(on: number, StaffCommand(action: action), by: admin) }
        try desk.act(on: number, StaffCommand(action: .fail, note: "商家拒不退款"), by: admin)
        _ = try #require(try desk.act(on: number, .feedback(satisfaction: 1, comment: nil), token: token))
        try desk.act(on: number, StaffCommand(action: .uphold, note: "调解程序无误"), by: admin)
        complaint = try stored(number).0
        #expect(complaint.review?.finding == .upheld && complaint.status == .closed)
        // A satisfied consumer opens none.
        let happy = try file(body(phone: "13800138009"))
        for action in [ComplaintAction.accept, .start_mediation, .resolve] { try desk.act(on: happy.number, StaffCommand(action: action), by: admin) }
        _ = try desk.act(on: happy.number, .feedback(satisfaction: 3, comment: nil), token: happy.token)
        #expect(try stored(happy.number).0.review == nil)
    }

    @Test func aFailedMediationIsHandedToTheCountysCourt() throws {
        let (number, _) = try file(body())
        #expect(throws: IllegalTransition.self) { try self.desk.act(on: number, StaffCommand(action: .hand_off), by: self.admin) }
        for action in [ComplaintAction.accept, .start_mediation] { try desk.act(on: number, StaffCommand(action: action), by: admin) }
        try desk.act(on: number, StaffCommand(action: .fail, note: "双方分歧过大"), by: admin)
        #expect(throws: InvalidInput.self) { try self.desk.act(on: number, StaffCommand(action: .hand_off, courtID: "330106-C99"), by: self.admin) }
        try desk.act(on: number, StaffCommand(action: .hand_off), by: admin)
        let (complaint, events) = try stored(number)
        #expect(complaint.status == .closed)
        #expect(complaint.courtHandoff?.courtID == "330106-C01")
        #expect(events.last?.note?.contains("杭州市西湖区人民法院诉调对接中心") == true)
        let text = try SMSOutbox(database: database).messages(number: number).last
        #expect(text?.message.template == "consumer.hand_off" && text?.message.text.contains("0571-") == true)
        #expect(throws: ComplaintDesk.Unfulfillable.self) { try self.desk.act(on: number, StaffCommand(action: .hand_off), by: self.admin) }

        let caseFile = try desk.caseFile(number, for: admin)
        let json = try #require(try JSONSerialization.jsonObject(with: JSONOutput.encode(caseFile)) as? [String: Any])
        #expect((json["court"] as? [String: Any])?["id"] as? String == "330106-C01")
        #expect((json["outcome"] as? [String: Any])?["reason"] as? String == "双方分歧过大")
        let shown = try #require(json["complaint"] as? [String: Any])
        #expect((shown["consumer"] as? [String: Any])?["phone"] as? String == "138****8000", "masked as the API masks it")
        #expect((shown["events"] as? [Any])?.count == events.count)
    }

    @Test func returnVisitsAreADeterministicSample() throws {
        var all = complaintSettings
        all.serviceClock = ServiceClock(rules: { var r = all.serviceClock.rules; r.returnVisits = ReturnVisitRule(share: 1); return r }(),
                                        calendar: all.serviceClock.calendar)
        let clock = self.clock
        let sampling = ComplaintDesk(database: database, finder: desk.finder, settings: all, now: { clock.now })
        let submitted = try sampling.submit(body(), idempotencyKey: nil)
        for action in [ComplaintAction.accept, .start_mediation, .resolve, .close] {
            try sampling.act(on: submitted.number, StaffCommand(action: action), by: admin)
        }
        #expect(try stored(submitted.number).0.returnVisit?.queuedAt == clock.now)
        #expect(try desk.queue(.returnVisits, countyCode: nil, limit: 10, after: nil).map(\.number) == [submitted.number])
        try desk.act(on: submitted.number, StaffCommand(action: .return_visit, reached: true, satisfied: false), by: admin)
        let visit = try #require(try stored(submitted.number).0.returnVisit)
        #expect(visit.reached == true && visit.satisfied == false && visit.doneAt != nil)
        #expect(try desk.queue(.returnVisits, countyCode: nil, limit: 10, after: nil).isEmpty)

        // The draw: the first four bytes of SHA-256(number) below share × 2³².
        let rule = ReturnVisitRule(share: 0.1)
        #expect(rule.draws(digestPrefix: 429_496_729) && !rule.draws(digestPrefix: 429_496_730))
        #expect(!ReturnVisitRule(share: 0).draws(digestPrefix: 0))
    }

    @Test func theKPIsCountEachPath() throws {
        _ = try register.enrol(Self.code, settleDays: nil)
        let settled = try file(body(code: Self.code))
        let declined = try file(body(code: Self.code, phone: "13800138001"))
        _ = try file(body(code: Self.code, phone: "13800138002"))   // pending
        let withdrawn = try file(body(code: Self.code, phone: "13800138003"))
        try desk.act(on: settled.number, .settle(agreement: "退款"), enterprise: Self.code, actor: "e")
        _ = try desk.act(on: settled.number, .acceptSettlement, token: settled.token)
        try desk.act(on: declined.number, .decline(reason: "不同意"), enterprise: Self.code, actor: "e")
        _ = try desk.act(on: withdrawn.number, .withdraw(reason: nil), token: withdrawn.token)
        let urgent = try file(body(category: "food_safety", description: "腹泻", phone: "13800138004"))
        try desk.act(on: urgent.number, StaffCommand(action: .accept), by: admin)
        clock.advance(hours: 25)
        try desk.act(on: urgent.number, StaffCommand(action: .start_mediation), by: admin)   // too late

        let report = try ComplaintStats(database: database, finder: desk.finder).compute(filter: .init(), now: clock.now)
        let train = report.totals.directTrain
        #expect((train.sent, train.pending, train.settled, train.declined, train.withdrawn) == (4, 1, 1, 1, 1))
        #expect((train.self_settlement_rate.met, train.self_settlement_rate.of) == (1, 2))
        #expect((report.totals.urgent.met, report.totals.urgent.of) == (0, 1))
        #expect(report.byEnterprise.map(\.credit_code) == [Self.code])
        // The kept ones never reached the station clocks: they are not counted as missing deadlines.
        #expect(report.totals.dispatch.excludedNoDeadline == 0)
        #expect(report.totals.dispatch.of == 2, "the declined one and the urgent one")
    }

    // Found by tools/complaints_paths.py.

    @Test func aWindowBeyondTheCalendarSendsTheComplaintToAStationInsteadOfFailing() throws {
        _ = try register.enrol(Self.code, settleDays: 30)
        // The law layer reaches 2100: a window running past it cannot be computed.
        clock.set(instant("2100-12-01T10:00:00+08:00"))
        let (number, token) = try file(body(code: Self.code))
        let (complaint, events) = try stored(number)
        #expect(complaint.status == .assigned && complaint.directTrain == nil)
        #expect(events.first?.note?.contains("not sent to 某某超市有限公司 in the direct train") == true)
        // A review opened where the calendar ends has no deadline rather than failing the feedback.
        clock.set(instant("2100-12-30T10:00:00+08:00"))
        for action in [ComplaintAction.accept, .start_mediation, .resolve] { try desk.act(on: number, StaffCommand(action: action), by: admin) }
        _ = try #require(try desk.act(on: number, .feedback(satisfaction: 1, comment: nil), token: token))
        let reviewed = try stored(number)
        #expect(reviewed.0.review?.isOpen == true && reviewed.0.review?.dueBy == nil)
        #expect(reviewed.1.last?.note?.contains("review deadline not set") == true)
    }

    @Test func staffTakingAComplaintFromTheEnterpriseStartsTheStationClocks() throws {
        _ = try register.enrol(Self.code, settleDays: nil)
        let (number, _) = try file(body(code: Self.code))
        clock.advance(hours: 5)
        try desk.act(on: number, StaffCommand(action: .reassign, note: "企业联系不上"), by: admin)
        let complaint = try stored(number).0
        #expect(complaint.status == .assigned && complaint.directTrain?.outcome == .recalled)
        #expect(complaint.deadlines.dispatchBy == clock.now.addingTimeInterval(2 * 3600))
        #expect(complaint.deadlines.respondBy == clock.now.addingTimeInterval(24 * 3600))
        #expect(complaint.deadlines.acceptanceBy != nil)
    }

    @Test func theCreditCodeDecidesOverAMerchantIDThatPointsElsewhere() throws {
        _ = try register.enrol(Self.code, settleDays: nil)
        try register.add(Enterprise(creditCode: Self.otherCode, name: "另一家公司", merchantID: nil, contactName: "李经理",
                                    contactPhone: "13900002222", createdAt: clock.now))
        // The code names a registered, not enrolled enterprise; the merchant id names the enrolled one.
        #expect(try stored(file(body(code: Self.otherCode, merchantID: "zjfx-100234")).number).0.status == .assigned)
        // The enrolled enterprise's own code with its merchant id: referred.
        #expect(try stored(file(body(code: Self.code, merchantID: "zjfx-100234")).number).0.status == .with_enterprise)
    }

    @Test func aSettlementWaitingForTheConsumerCannotBeMarkedUrgent() throws {
        _ = try register.enrol(Self.code, settleDays: nil)
        let (number, _) = try file(body(code: Self.code))
        try desk.act(on: number, .settle(agreement: "退款"), enterprise: Self.code, actor: "e")
        #expect(throws: IllegalTransition.self) {
            try self.desk.act(on: number, StaffCommand(action: .mark_urgent, note: "紧急"), by: self.admin)
        }
    }
}
