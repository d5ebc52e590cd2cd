import Foundation
import LiaisonCore
import LiaisonStore
import Synchronization
import Testing
import LiaisonTestSupport

/// A clock the test moves by hand.
final class TestClock: Sendable {
    private let current: Mutex<Date>
    init(_ start: Date) { current = Mutex(start) }
    var now: Date { current.withLock { $0 } }
    func set(_ date: Date) { current.withLock { $0 = date } }
    func advance(hours: Double) { current.withLock { $0 = $0.addingTimeInterval(hours * 3600) } }
}

/// `2026-09-30T15:00:00+08:00` style instants.
func instant(_ text: String) -> Date { Timestamp.parse(text)! }

/// Service-level deadlines, overdue marking, the texts each step writes, and the per-phone limit.
@Suite final class ComplaintNoticeTests {
    let folder: ScratchFolder
    let database: LiaisonDatabase
    let clock = TestClock(instant("2026-09-30T15:00:00+08:00"))
    let admin = StaffToken(name: "admin-1", role: .admin)

    init() throws {
        folder = try ScratchFolder()
        database = try TemplateDatabase.open(at: folder.path("liaison.sqlite"))
    }

    func desk(_ settings: ComplaintDesk.Settings = complaintSettings) throws -> ComplaintDesk {
        let clock = self.clock
        return ComplaintDesk(database: database, finder: StationFinder(try database.snapshot()), settings: settings, now: { clock.now })
    }

    func token(_ submitted: ComplaintDesk.Submitted) throws -> String {
        try #require((try JSONSerialization.jsonObject(with: submitted.body) as? [String: Any])?["tracking_token"] as? String)
    }

    /// Filed on the last working day before National Day 2026 (Oct 1-7 off, Sat Oct 10 worked):
    /// 7 working days are Oct 8, 9, 10, 12, 13, 14, 15, so acceptance is due by the end of Oct 15.
    @Test func deadlinesFollowTheWorkingDayCalendar() throws {
        let desk = try self.desk()
        let submitted = try desk.submit(complaintBody(), idempotencyKey: nil)
        let (complaint, _) = try desk.complaint(submitted.number, for: admin)
        #expect(complaint.deadlines.dispatchBy == instant("2026-09-30T17:00:00+08:00"))
        #expect(complaint.deadlines.respondBy == instant("2026-10-01T15:00:00+08:00"))
        #expect(complaint.deadlines.acceptanceBy == instant("2026-10-16T00:00:00+08:00"))
        #expect(complaint.deadlines.mediationBy == nil)

        // Accepted on Friday Oct 9: 45 working days from Oct 10 (the adjusted Saturday) on, by the shipped calendar.
        clock.set(instant("2026-10-09T10:00:00+08:00"))
        let (accepted, _) = try desk.act(on: submitted.number, StaffCommand(action: .accept), by: admin)
        let expected = try complaintSettings.serviceClock.deadline(complaintSettings.serviceClock.rules.mediation, from: instant("2026-10-09T10:00:00+08:00"))
        #expect(accepted.deadlines.mediationBy == expected)
        // Counted by hand: Oct 10 (the adjusted Saturday) is the 1st, then 5 a week: Oct 16 the 6th,
        // ... Dec 4 the 41st, Dec 10 the 45th. Due by the end of Dec 10.
        #expect(expected == instant("2026-12-11T00:00:00+08:00"))
    }

    /// Past the official schedules the law layer counts, and the deadline is marked provisional
    /// (issue 12): filed Monday 2026-12-28, the 7 working days are Dec 29, 30, 31 and, by the law
    /// alone, Jan 4, 5, 6, 7 (Jan 1 is New Year's Day, Jan 2-3 a weekend).
    @Test func aDeadlinePastTheNoticesIsProvisionalNotUnset() throws {
        clock.set(instant("2026-12-28T09:00:00+08:00"))
        let desk = try self.desk()
        let submitted = try desk.submit(complaintBody(), idempotencyKey: nil)
        let (complaint, events) = try desk.complaint(submitted.number, for: admin)
        #expect(complaint.deadlines.acceptanceBy == instant("2027-01-08T00:00:00+08:00"))
        #expect(complaint.deadlines.provisional == [.acceptance])
        #expect(events[0].note?.contains("provisional: acceptance") == true, "\(events[0].note ?? "")")
        let rendered = try desk.settings.presenter.json(complaint, events: events, audience: .consumer, snapshot: desk.finder.snapshot)
        let view = try #require(try JSONSerialization.jsonObject(with: rendered) as? [String: Any])
        #expect((view["deadlines"] as? [String: Any])?["provisional"] as? [String] == ["acceptance"])
    }

    /// Where even the law layer ends (2100), a deadline is left unset and said so, not guessed.
    @Test func aDeadlineBeyondTheLawIsNotGuessed() throws {
        clock.set(instant("2100-12-28T09:00:00+08:00"))
        let desk = try self.desk()
        let submitted = try desk.submit(complaintBody(), idempotencyKey: nil)
        let (complaint, events) = try desk.complaint(submitted.number, for: admin)
        #expect(complaint.deadlines.acceptanceBy == nil)
        #expect(complaint.deadlines.dispatchBy != nil)
        #expect(events[0].note?.contains("acceptance deadline not set") == true, "\(events[0].note ?? "")")
    }

    /// Accepted the afternoon before National Day: the proposed session skips Oct 1-7.
    @Test func noSessionIsProposedOnAPublicHoliday() throws {
        let desk = try self.desk()
        let submitted = try desk.submit(complaintBody(), idempotencyKey: nil)
        let (accepted, _) = try desk.act(on: submitted.number, StaffCommand(action: .accept), by: admin)
        let slot = try #require(accepted.appointment?.startsAt)
        #expect(slot >= instant("2026-10-08T00:00:00+08:00"), "proposed \(Timestamp.string(slot))")
        #expect(slot < instant("2026-10-09T00:00:00+08:00"), "the first working day after the holiday: \(Timestamp.string(slot))")
        #expect(throws: InvalidInput.self) {
            try desk.act(on: submitted.number, StaffCommand(action: .schedule, startsAt: instant("2026-10-05T10:00:00+08:00")), by: self.admin)
        }
    }

    @Test func overdueIsMarkedOncePerDeadline() throws {
        let desk = try self.desk()
        let submitted = try desk.submit(complaintBody(), idempotencyKey: nil)
        #expect(try desk.markOverdue() == 0)
        #expect(try desk.overdueComplaints(countyCode: nil).isEmpty)

        clock.advance(hours: 25)   // past the 24-hour response deadline, nobody acted
        #expect(try desk.markOverdue() == 1)
        #expect(try desk.markOverdue() == 0, "the same deadline is reported once")
        #expect(try desk.overdueComplaints(countyCode: nil).map(\.number) == [submitted.number])
        #expect(try desk.overdueComplaints(countyCode: "330203").isEmpty)

        clock.set(instant("2026-10-16T00:00:01+08:00"))   // past the acceptance deadline too
        #expect(try desk.markOverdue() == 1)
        let (_, events) = try desk.complaint(submitted.number, for: admin)
        let overdue = events.filter { $0.action == .overdue }
        #expect(overdue.count == 2)
        #expect(overdue[0].note?.contains("first_response") == true && overdue[1].note?.contains("acceptance") == true)
        #expect(overdue.allSatisfy { $0.actor == "system" && $0.from == $0.to })

        // Once accepted, only the mediation clock runs; it is not due for 45 working days.
        try desk.act(on: submitted.number, StaffCommand(action: .accept), by: admin)
        #expect(try desk.overdueComplaints(countyCode: nil).isEmpty)
    }

    /// Exactly the texts the templates define, in the same transaction as each step.
    @Test func eachStepWritesItsTexts() throws {
        let desk = try self.desk()
        let outbox = SMSOutbox(database: database)
        let submitted = try desk.submit(complaintBody(), idempotencyKey: nil)
        let number = submitted.number
        let token = try token(submitted)
        let first = try #require(try desk.complaint(number, for: admin).0.stationID.flatMap { desk.finder.snapshot.station(id: $0) })

        var texts = try outbox.messages(number: number)
        #expect(texts.map(\.message.template) == ["consumer.assign"] + Array(repeating: "staff.assign", count: first.staff.count))
        #expect(Set(texts.filter { $0.message.recipient == .staff }.map(\.message.phone)) == Set(first.staff.map(\.mobile)))
        #expect(texts[0].message.phone == "13800138000" && texts.allSatisfy { $0.status == "pending" && $0.message.text.contains(number) })

        // A refusal reassigned at once is told as one reassignment, and the new station's staff hear of it.
        let (reassigned, _) = try desk.act(on: number, StaffCommand(action: .refuse, note: "not our remit"), by: admin)
        let second = try #require(reassigned.stationID.flatMap { desk.finder.snapshot.station(id: $0) })
        texts = try outbox.messages(number: number)
        let afterRefusal = texts.dropFirst(1 + first.staff.count)
        #expect(afterRefusal.map(\.message.template) == ["consumer.assign"] + Array(repeating: "staff.assign", count: second.staff.count))
        #expect(afterRefusal.first?.message.text.contains("已转至") == true)

        for step in [StaffCommand(action: .accept), StaffCommand(action: .start_mediation), StaffCommand(action: .resolve)] {
            try desk.act(on: number, step, by: admin)
        }
        _ = try desk.act(on: number, .feedback(satisfaction: 5, comment: nil), token: token)
        texts = try outbox.messages(number: number)
        #expect(texts.suffix(4).map(\.message.template) == ["consumer.accept", "consumer.start_mediation", "consumer.resolve", "consumer.feedback"])
        #expect(Set(texts.map(\.message.id)).count == texts.count, "message ids are unique")
        #expect(texts.allSatisfy { $0.message.text.count <= SMSTemplates.maxCharacters && $0.message.text.hasPrefix(SMSTemplates.signature) })
    }

    @Test func onePhoneCannotBeFloodedWithTexts() throws {
        let desk = try self.desk(ComplaintDesk.Settings(serviceClock: complaintSettings.serviceClock, rateLimit: .init(perHour: 3, perDay: 5)))
        for _ in 0..<3 { _ = try desk.submit(complaintBody(), idempotencyKey: nil) }
        #expect(throws: ComplaintDesk.RateLimited.self) { try desk.submit(complaintBody(), idempotencyKey: nil) }
        do {
            _ = try desk.submit(complaintBody(), idempotencyKey: nil)
        } catch let error as ComplaintDesk.RateLimited {
            #expect((1...3600).contains(error.retryAfterSeconds))
        }
        // Another phone is not affected; an hour later the first may file again, until the daily cap.
        _ = try desk.submit(complaintBody(phone: "13900139000"), idempotencyKey: nil)
        clock.advance(hours: 1.01)
        _ = try desk.submit(complaintBody(), idempotencyKey: nil)
        _ = try desk.submit(complaintBody(), idempotencyKey: nil)
        #expect(throws: ComplaintDesk.RateLimited.self) { try desk.submit(complaintBody(), idempotencyKey: nil) }
        #expect(try desk.complaints(countyCode: nil, status: nil).count == 6)
    }
}

/// A register of one small station, to run out of capacity.
@Suite final class WaitingComplaintTests {
    let folder: ScratchFolder
    let database: LiaisonDatabase

    init() throws {
        folder = try ScratchFolder()
        database = try LiaisonDatabase.openOrCreate(path: folder.path("liaison.sqlite"), geodata: GeodataDirectory(url: Repository.geodata),
                                                    contents: .countiesOnly)
        var station = try #require(try Reference.stations().first { $0.id == "330106-0001" })
        station.capacity = 1
        station.modes = [.offline]
        _ = try database.importStations([station])
    }

    /// A complaint no station could take is assigned by the watch once capacity frees.
    @Test func waitingComplaintsAreDispatchedWhenCapacityFrees() throws {
        let desk = ComplaintDesk(database: database, finder: StationFinder(try database.snapshot()), settings: complaintSettings)
        let first = try desk.submit(complaintBody(), idempotencyKey: nil)
        let second = try desk.submit(complaintBody(), idempotencyKey: nil)
        let admin = StaffToken(name: "admin-1", role: .admin)
        #expect(try desk.complaint(first.number, for: admin).0.stationID == "330106-0001")
        let (waiting, _) = try desk.complaint(second.number, for: admin)
        #expect(waiting.status == .submitted && waiting.stationID == nil)
        #expect(waiting.assignmentReason?.contains("waiting for staff to dispatch") == true)
        #expect(try desk.dispatchWaiting() == 0, "the only station is still full")

        let token = try #require((try JSONSerialization.jsonObject(with: first.body) as? [String: Any])?["tracking_token"] as? String)
        _ = try desk.act(on: first.number, .withdraw(reason: nil), token: token)
        #expect(try desk.dispatchWaiting() == 1)
        let (assigned, events) = try desk.complaint(second.number, for: admin)
        #expect(assigned.status == .assigned && assigned.stationID == "330106-0001" && assigned.milestones.dispatchedAt != nil)
        #expect(events.map(\.action) == [.submit, .assign] && events[1].actor == "system")
        let texts = try SMSOutbox(database: database).messages(number: second.number).map(\.message.template)
        #expect(texts.first == "consumer.submit" && texts.dropFirst().first == "consumer.assign", "\(texts)")
        #expect(try desk.dispatchWaiting() == 0)
    }
}
