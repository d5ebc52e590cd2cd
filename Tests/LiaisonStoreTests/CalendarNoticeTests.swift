import Foundation
import GRDB
import LiaisonCore
@testable import LiaisonStore
import Testing
import LiaisonTestSupport

/// Importing a year's official schedule: validated, stored once, and the provisional deadlines
/// it settles counted again in the same transaction, each moved one recorded and texted.
@Suite final class CalendarNoticeTests {
    let folder: ScratchFolder
    let database: LiaisonDatabase
    let clock = TestClock(instant("2026-12-28T09:00:00+08:00"))
    let admin = StaffToken(name: "admin-1", role: .admin)
    let desk: ComplaintDesk

    init() throws {
        folder = try ScratchFolder()
        database = try TemplateDatabase.open(at: folder.path("liaison.sqlite"))
        let clock = self.clock
        desk = ComplaintDesk(database: database, finder: StationFinder(try database.snapshot()), settings: complaintSettings, now: { clock.now })
    }

    /// A made-up 2027 notice: New Year's Day taken Jan 1-4 and Saturday Jan 9 worked in lieu.
    static func notice(_ changes: [String: Any] = [:], holidays: [[String: String]]? = nil) -> Data {
        var object: [String: Any] = [
            "year": 2027, "source": "made-up notice for tests",
            "holidays": holidays ?? [
                ["from": "2027-01-01", "to": "2027-01-04", "name": "元旦"], ["from": "2027-02-05", "to": "2027-02-11", "name": "春节"],
                ["from": "2027-04-05", "to": "2027-04-05", "name": "清明节"], ["from": "2027-05-01", "to": "2027-05-05", "name": "劳动节"],
                ["from": "2027-06-09", "to": "2027-06-09", "name": "端午节"], ["from": "2027-09-15", "to": "2027-09-15", "name": "中秋节"],
                ["from": "2027-10-01", "to": "2027-10-07", "name": "国庆节"],
            ],
            "adjusted_working_days": [["date": "2027-01-09", "name": "元旦"]],
        ]
        for (key, value) in changes { object[key] = value }
        return try! JSONSerialization.data(withJSONObject: object)
    }

    @Test func importingTheNoticeMovesTheProvisionalDeadlineByTheSwappedDay() throws {
        let submitted = try desk.submit(complaintBody(), idempotencyKey: nil)
        var complaint = try desk.complaint(submitted.number, for: admin).0
        // By the law: Dec 29, 30, 31, Jan 4, 5, 6, 7.
        #expect(complaint.deadlines.acceptanceBy == instant("2027-01-08T00:00:00+08:00") && complaint.deadlines.provisional == [.acceptance])

        clock.advance(hours: 2)
        let result = try desk.importNotice(Self.notice(), by: "operator")
        #expect(result.changed && result.year == 2027 && result.moved == [submitted.number])
        let (after, events) = try desk.complaint(submitted.number, for: admin)
        complaint = after
        // By the notice: Jan 4 is off, so Dec 29, 30, 31, Jan 5, 6, 7, 8: due the end of Jan 8.
        #expect(complaint.deadlines.acceptanceBy == instant("2027-01-09T00:00:00+08:00"))
        #expect(complaint.deadlines.provisional.isEmpty)
        let update = try #require(events.last)
        #expect(update.action == .deadline_update && update.actor == "system" && update.from == update.to)
        #expect(update.note?.hasPrefix("acceptance 2027-01-07T16:00:00.000Z → 2027-01-08T16:00:00.000Z") == true, "\(update.note ?? "")")
        let text = try #require(try SMSOutbox(database: database).messages(number: submitted.number).last)
        #expect(text.message.template == "consumer.deadline_update" && text.message.text.contains("受理期限1月8日"), "\(text.message.text)")

        // The same notice again changes nothing: no event, no text.
        let again = try desk.importNotice(Self.notice(), by: "operator")
        #expect(!again.changed && again.moved.isEmpty)
        #expect(try desk.complaint(submitted.number, for: admin).1.count == events.count)
        // A complaint filed now is counted by the notice, exactly.
        let later = try desk.submit(complaintBody(phone: "13900139000"), idempotencyKey: nil)
        #expect(try desk.complaint(later.number, for: admin).0.deadlines.provisional.isEmpty)
    }

    @Test(arguments: [
        ("missing Qingming", ["holidays_drop": "清明节"], "holidays"),
        ("a weekday worked", ["worked": "2027-01-11"], "adjusted_working_days[0].date"),
        ("a date of another year", ["from0": "2026-12-31"], "holidays[0].from"),
        ("a year with a shipped notice", ["year": "2026"], "year"),
    ])
    func badNoticesAreRefusedNamingTheEntryAndNothingIsWritten(_ what: String, _ change: [String: String], _ field: String) throws {
        var holidays: [[String: String]] = [
            ["from": "2027-01-01", "to": "2027-01-03", "name": "元旦"], ["from": "2027-02-05", "to": "2027-02-11", "name": "春节"],
            ["from": "2027-04-05", "to": "2027-04-05", "name": "清明节"], ["from": "2027-05-01", "to": "2027-05-05", "name": "劳动节"],
            ["from": "2027-06-09", "to": "2027-06-09", "name": "端午节"], ["from": "2027-09-15", "to": "2027-09-15", "name": "中秋节"],
            ["from": "2027-10-01", "to": "2027-10-07", "name": "国庆节"],
        ]
        var changes: [String: Any] = [:]
        if let name = change["holidays_drop"] { holidays.removeAll { $0["name"] == name } }
        if let from = change["from0"] { holidays[0]["from"] = from }
        if let worked = change["worked"] { changes["adjusted_working_days"] = [["date": worked, "name": "x"]] }
        if let year = change["year"] { changes["year"] = Int(year)! }
        do {
            _ = try desk.importNotice(Self.notice(changes, holidays: holidays), by: "operator")
            Issue.record("\(what) was accepted")
        } catch let error as InvalidInput {
            #expect(error.parameters.map(\.name).contains(field), "\(what): \(error)")
        }
        #expect(try database.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM calendar_notices") } == 0)
    }

    @Test func aDeadlineLeftUnsetByAnOlderCalendarIsSetAtStart() throws {
        let submitted = try desk.submit(complaintBody(), idempotencyKey: nil)
        try database.pool.write { db in try db.execute(sql: "UPDATE complaints SET acceptance_by = NULL, provisional_deadlines = 0") }
        let (examined, moved) = try desk.recomputeDeadlines(reason: "the working calendar at start")
        #expect(examined == 1 && moved == [submitted.number])
        let (complaint, events) = try desk.complaint(submitted.number, for: admin)
        #expect(complaint.deadlines.acceptanceBy == instant("2027-01-08T00:00:00+08:00") && complaint.deadlines.provisional == [.acceptance])
        #expect(events.last?.note?.hasPrefix("acceptance not set → ") == true)
        #expect(try desk.recomputeDeadlines(reason: "again").moved.isEmpty)
    }

    // Found by tools/complaints_paths.py.

    @Test func aReopenedComplaintGetsNoMediationDeadlineUntilAcceptedAgain() throws {
        let submitted = try desk.submit(complaintBody(), idempotencyKey: nil)
        let token = try #require((try JSONSerialization.jsonObject(with: submitted.body) as? [String: Any])?["tracking_token"] as? String)
        for action in [ComplaintAction.accept, .start_mediation, .resolve] { try desk.act(on: submitted.number, StaffCommand(action: action), by: admin) }
        #expect(try desk.complaint(submitted.number, for: admin).0.deadlines.provisional.contains(.mediation))
        _ = try desk.act(on: submitted.number, .feedback(satisfaction: 1, comment: nil), token: token)
        try desk.act(on: submitted.number, StaffCommand(action: .reopen, note: "重新调解"), by: admin)
        var complaint = try desk.complaint(submitted.number, for: admin).0
        #expect(complaint.deadlines.mediationBy == nil && !complaint.deadlines.provisional.contains(.mediation))
        let events = try desk.complaint(submitted.number, for: admin).1.count
        #expect(try desk.recomputeDeadlines(reason: "start").moved.isEmpty)
        #expect(try desk.complaint(submitted.number, for: admin).1.count == events, "no invented deadline, no event")
        // Accepted again: the mediation clock runs from the new acceptance.
        try desk.act(on: submitted.number, StaffCommand(action: .accept), by: admin)
        complaint = try desk.complaint(submitted.number, for: admin).0
        #expect(complaint.deadlines.mediationBy != nil && complaint.deadlines.provisional.contains(.mediation))
    }

    @Test func aReferredComplaintsSubmitNoteClaimsNoDeadline() throws {
        let register = EnterpriseRegister(desk: desk)
        try register.add(Enterprise(creditCode: "91350100M000100Y43", name: "某某超市有限公司", merchantID: nil, contactName: "王经理",
                                    contactPhone: "13900001111", createdAt: clock.now))
        _ = try register.enrol("91350100M000100Y43", settleDays: nil)
        let body = try JSONSerialization.data(withJSONObject: [
            "location": ["lat": 30.2590, "lng": 120.1300], "consumer": ["name": "张三", "phone": "13800138000"],
            "merchant": ["name": "某某超市", "code": "91350100M000100Y43"], "category": "price", "description": "多收费", "preferred_mode": "offline",
        ] as [String: Any])
        let submitted = try desk.submit(body, idempotencyKey: nil)
        let (complaint, events) = try desk.complaint(submitted.number, for: admin)
        #expect(complaint.status == .with_enterprise && complaint.deadlines == Complaint.Deadlines())
        #expect(events[0].note?.contains("provisional") != true, "\(events[0].note ?? "")")
    }
}
