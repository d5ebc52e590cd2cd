import Foundation
import GRDB

import LiaisonCore
import LiaisonPostgres
import LiaisonStore
import LiaisonTestSupport
import Synchronization
import Testing

/// The complaint desk, the outbox, the watch's lease, the reports and the register's writes
/// as their users rely on them: the same on the SpatiaLite file and on PostgreSQL.
@Suite struct DeskContractTests {
    /// The shipped service levels and calendar, with room for many complaints from one phone.
    static let settings = ComplaintDesk.Settings(serviceClock: try! GeodataDirectory(url: Repository.geodata).serviceClock(),
                                                 rateLimit: .init(perHour: 10_000, perDay: 10_000))
    let admin = StaffToken(name: "admin-1", role: .admin)

    func json(_ data: Data) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test(arguments: Backend.allCases)
    func aComplaintIsFiledOnceTrackedAndReplayed(backend: Backend) throws {
        var keep: [Any] = []
        let (services, _) = try backend.services(Self.settings, keep: &keep)
        let desk = services.complaints
        let body = ComplaintBody.json(mode: "offline")
        let first = try desk.submit(body, idempotencyKey: "mp-1")
        #expect(!first.replayed && first.number == "ZJ-\(ComplaintNumber.day(of: Date()))-000001")
        let answer = try json(first.body)
        #expect(answer["status"] as? String == "assigned")
        let token = try #require(answer["tracking_token"] as? String)

        // The same key and body: the same bytes, nothing filed again.
        let again = try desk.submit(body, idempotencyKey: "mp-1")
        #expect(again.replayed && again.body == first.body && again.number == first.number)
        // The same key with another body: refused.
        #expect(throws: ComplaintDesk.IdempotencyConflict.self) { try desk.submit(ComplaintBody.json(phone: "13900139000"), idempotencyKey: "mp-1") }
        let second = try desk.submit(ComplaintBody.json(phone: "13900139000"), idempotencyKey: "mp-2")
        #expect(second.number == "ZJ-\(ComplaintNumber.day(of: Date()))-000002", "numbers follow each other")

        let (complaint, events) = try #require(try desk.track(first.number, token: token))
        #expect(complaint.status == .assigned && complaint.stationID != nil)
        #expect(events.map(\.action) == [.submit, .assign])
        #expect(try desk.track(first.number, token: token + "x") == nil)
        #expect(try desk.track("ZJ-20990101-000001", token: token) == nil)
        // Its texts wait in the outbox, one per recipient, with stable ids.
        let texts = try services.outbox.messages(number: first.number)
        #expect(!texts.isEmpty && texts.allSatisfy { $0.status == "pending" && $0.message.id.hasPrefix(first.number) })
    }

    @Test(arguments: Backend.allCases)
    func staffAndTheConsumerWorkAComplaintToItsEnd(backend: Backend) throws {
        var keep: [Any] = []
        let (services, _) = try backend.services(Self.settings, keep: &keep)
        let desk = services.complaints
        let submitted = try desk.submit(ComplaintBody.json(mode: "offline"))
        let number = submitted.number, token = try #require(try json(submitted.body)["tracking_token"] as? String)
        let firstStation = try #require(try desk.complaint(number, for: admin).0.stationID)

        // A refusal sends it on to another station, never back to the one that refused.
        let (refused, _) = try desk.act(on: number, StaffCommand(action: .refuse, note: "not ours"), by: admin)
        #expect(refused.status == .assigned && refused.stationID != nil && refused.stationID != firstStation)
        let (accepted, _) = try desk.act(on: number, StaffCommand(action: .accept), by: admin)
        #expect(accepted.appointment != nil)
        _ = try #require(try desk.act(on: number, .confirmAppointment, token: token))
        try desk.act(on: number, StaffCommand(action: .start_mediation), by: admin)
        try desk.act(on: number, StaffCommand(action: .resolve, note: "商家退款"), by: admin)
        let (closed, events) = try #require(try desk.act(on: number, .feedback(satisfaction: 4, comment: "满意"), token: token))
        #expect(closed.status == .closed && closed.feedback?.satisfaction == 4)
        #expect(events.map(\.to) == [.submitted, .assigned, .refused, .assigned, .accepted, .accepted, .mediating, .resolved, .closed])
        #expect(events.map(\.seq) == events.map(\.seq).sorted() && Set(events.map(\.seq)).count == events.count)
        #expect(throws: IllegalTransition.self) { try desk.act(on: number, StaffCommand(action: .accept), by: self.admin) }

        // The KPIs count it; the lists find it.
        let report = try services.reports.kpis(ComplaintStats.Filter(countyCode: "330106"), for: nil, now: Date())
        #expect(report.totals.complaints == 1 && report.totals.resolution.met == 1)
        #expect(try desk.complaints(countyCode: "330106", status: .closed).map(\.number) == [number])
        #expect(try desk.complaints(countyCode: "330106", status: .assigned).isEmpty)
    }

    /// Several threads file at once at one point: every complaint gets its own number, in an
    /// unbroken run, and no station holds more open complaints than its capacity.
    @Test(arguments: Backend.allCases)
    func concurrentIntakeKeepsNumbersAndCapacities(backend: Backend) throws {
        var keep: [Any] = []
        let (services, _) = try backend.services(Self.settings, keep: &keep)
        let desk = services.complaints
        let threads = 6, each = 8
        let numbers = Mutex<[String]>([])
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            for i in 0..<each {
                do {
                    let filed = try desk.submit(ComplaintBody.json(phone: String(format: "138%08d", t * 100 + i)), idempotencyKey: "k-\(t)-\(i)")
                    numbers.withLock { $0.append(filed.number) }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
        }
        #expect(failures.withLock { $0 } == [])
        let filed = numbers.withLock { $0 }.sorted()
        let day = ComplaintNumber.day(of: Date())
        #expect(filed == (1...threads * each).map { ComplaintNumber.format(day: day, sequence: $0) })
        let all = try desk.complaints(countyCode: nil, status: nil, urgentOnly: false, limit: 1000)
        #expect(all.count == threads * each)
        let open = Dictionary(grouping: all.filter { [.assigned, .accepted, .mediating].contains($0.status) }, by: { $0.stationID ?? "" })
        for (id, held) in open {
            let capacity = try #require(desk.finder.snapshot.station(id: id)?.capacity)
            #expect(held.count <= capacity, "station \(id) holds \(held.count) open complaints, capacity \(capacity)")
        }
        #expect(open.count > 1, "the load spilled over to more than one station")
    }

    /// A mini-program backend that retries before the first answer came: one complaint per
    /// key. Several rounds, so that the pool has its connections and the retries truly overlap.
    @Test(arguments: Backend.allCases)
    func retriesWithOneKeyArrivingTogetherFileOnce(backend: Backend) throws {
        var keep: [Any] = []
        let desk = try backend.services(Self.settings, keep: &keep).services.complaints
        let rounds = 12, retries = 4
        let answers = Mutex<[ComplaintDesk.Submitted]>([])
        let failures = Mutex<[String]>([])
        for round in 0..<rounds {
            DispatchQueue.concurrentPerform(iterations: retries) { _ in
                do {
                    let submitted = try desk.submit(ComplaintBody.json(phone: String(format: "1390000%04d", round)), idempotencyKey: "key-\(round)")
                    answers.withLock { $0.append(submitted) }
                } catch {
                    failures.withLock { $0.append(String(reflecting: error)) }
                }
            }
        }
        #expect(failures.withLock { $0 } == [])
        let all = answers.withLock { $0 }
        #expect(all.count == rounds * retries)
        for (number, same) in Dictionary(grouping: all, by: \.number) {
            #expect(same.count == retries && Set(same.map(\.body)).count == 1 && same.filter { !$0.replayed }.count == 1, "\(number)")
        }
        #expect(try desk.complaints(countyCode: nil, status: nil, urgentOnly: false, limit: 100).count == rounds)
    }

    @Test(arguments: Backend.allCases)
    func twoSendersNeverClaimTheSameText(backend: Backend) throws {
        var keep: [Any] = []
        let (services, _) = try backend.services(Self.settings, keep: &keep)
        for i in 0..<6 { _ = try services.complaints.submit(ComplaintBody.json(phone: "1380000000\(i)")) }
        let outbox = services.outbox
        let now = Date().addingTimeInterval(1)
        let claims = Mutex<[String: [String]]>([:])
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            let got = (try? outbox.claimDue(at: now, sender: "s\(i)", until: now.addingTimeInterval(60), limit: 100)) ?? []
            claims.withLock { $0["s\(i)"] = got.map(\.message.id) }
        }
        let (a, b) = claims.withLock { ($0["s0"] ?? [], $0["s1"] ?? []) }
        #expect(Set(a).isDisjoint(with: b))
        #expect(a.count + b.count == (try outbox.counts()["pending"] ?? 0), "every due text went to one sender")
        // A claimed text is not claimed again until released.
        #expect(try outbox.claimDue(at: now, sender: "s2", until: now.addingTimeInterval(60), limit: 100).isEmpty)
        let id = try #require((a + b).first)
        try outbox.markSent(id, at: now)
        try outbox.release(sender: "s0")
        try outbox.release(sender: "s1")
        let again = try outbox.claimDue(at: now, sender: "s2", until: now.addingTimeInterval(60), limit: 100)
        #expect(again.count == a.count + b.count - 1 && !again.map(\.message.id).contains(id))
        #expect(try outbox.counts()["sent"] == 1)
    }

    @Test(arguments: Backend.allCases)
    func oneWatchHoldsTheLeaseAtATime(backend: Backend) throws {
        var keep: [Any] = []
        let watch = try backend.services(Self.settings, keep: &keep).services.serviceLevels
        let now = Date()
        #expect(try watch.acquireLease("watch", holder: "a", now: now, until: now.addingTimeInterval(30)))
        #expect(try !watch.acquireLease("watch", holder: "b", now: now.addingTimeInterval(10), until: now.addingTimeInterval(40)))
        #expect(try watch.acquireLease("watch", holder: "a", now: now.addingTimeInterval(20), until: now.addingTimeInterval(50)), "renewed")
        #expect(try watch.acquireLease("watch", holder: "b", now: now.addingTimeInterval(51), until: now.addingTimeInterval(80)), "a stopped renewing")
        try watch.releaseLease("watch", holder: "b")
        #expect(try watch.acquireLease("watch", holder: "a", now: now.addingTimeInterval(52), until: now.addingTimeInterval(82)), "given back")
    }

    @Test(arguments: Backend.allCases)
    func deadlinesPassAndEventsStayAsWritten(backend: Backend) throws {
        var keep: [Any] = []
        let (services, store) = try backend.services(Self.settings, keep: &keep)
        let filed = try services.complaints.submit(ComplaintBody.json())
        // A month later every deadline of the assigned complaint has passed: one overdue event.
        #expect(try services.serviceLevels.markOverdue(at: Date().addingTimeInterval(30 * 86_400)) == 1)
        #expect(try services.serviceLevels.markOverdue(at: Date().addingTimeInterval(30 * 86_400)) == 0, "marked once")
        let events = try services.complaints.complaint(filed.number, for: admin).1
        #expect(events.last?.action == .overdue)
        // The events are append-only, whichever store: the database itself refuses a change.
        #expect(throws: (any Error).self) {
            try store.writing { db in try db.execute(sql: "UPDATE complaint_events SET note = 'changed'") }
        }
        #expect(throws: (any Error).self) {
            try store.writing { db in try db.execute(sql: "DELETE FROM complaint_events") }
        }
        #expect(try services.complaints.complaint(filed.number, for: admin).1 == events)
    }

    @Test(arguments: Backend.allCases)
    func theRegisterIsWrittenWithItsHistory(backend: Backend) throws {
        var keep: [Any] = []
        let (services, store) = try backend.services(Self.settings, keep: &keep)
        let registry = services.registry
        let draft: [String: Any] = [
            "name": "测试村消费维权联络站", "county_code": "330106", "phone": "0571-88000000", "capacity": 3, "modes": ["offline", "video"],
            "address": ["town": "转塘街道", "village": "测试村"], "location": ["lat": 30.1500, "lng": 120.0500],
            "hours": ["mon": ["09:00-17:00"], "tue": [], "wed": [], "thu": [], "fri": [], "sat": [], "sun": []], "staff": [["name": "李四", "role": "联络员", "mobile": "13800001111"]],
        ]
        let created = try registry.create(draft, by: admin)
        #expect(created.id.hasPrefix("330106-") && registry.finder.snapshot.station(id: created.id) == created)
        // Too close to it: refused unless meant.
        var twin = draft
        twin["location"] = ["lat": 30.1501, "lng": 120.0501]
        #expect(throws: StationRegistry.NearbyConflict.self) { try registry.create(twin, by: self.admin) }
        let updated = try registry.update(id: created.id, patch: ["capacity": 5], by: admin, precondition: nil)
        #expect(updated.capacity == 5)
        let retired = try registry.retire(id: created.id, reason: "并入邻村", force: false, by: admin, precondition: nil)
        #expect(retired.station.status == .retired && retired.handedOver.isEmpty)
        #expect(try registry.history(id: created.id).map(\.action) == ["create", "update", "retire"])
        #expect(try store.snapshot().station(id: created.id)?.status == .retired)
        #expect(try store.stations().count == 2046)
    }

    /// Retiring a station hands its open complaints to the stations the policy picks, in the
    /// same transaction, each with a reassign event and texts; one in mediation or with a
    /// confirmed session stops the retirement (nothing written) unless it is forced.
    @Test(arguments: Backend.allCases)
    func retiringAStationHandsItsComplaintsOn(backend: Backend) throws {
        var keep: [Any] = []
        let (services, store) = try backend.services(Self.settings, keep: &keep)
        let desk = services.complaints
        func file(_ phone: String) throws -> (number: String, token: String) {
            let filed = try desk.submit(ComplaintBody.json(phone: phone, mode: "offline"))
            return (filed.number, try #require(try json(filed.body)["tracking_token"] as? String))
        }
        let planned = try file("13800000001"), waiting = try file("13800000002")
        let station = try #require(try desk.complaint(planned.number, for: admin).0.stationID)
        #expect(try desk.complaint(waiting.number, for: admin).0.stationID == station, "both near the same point")
        try desk.act(on: planned.number, StaffCommand(action: .accept), by: admin)
        _ = try #require(try desk.act(on: planned.number, .confirmAppointment, token: planned.token))

        // A confirmed session stops it: 409 naming the complaint, and nothing moves.
        let textsBefore = try services.outbox.messages(number: waiting.number).count
        #expect {
            try services.registry.retire(id: station, reason: "并入邻村", force: false, by: admin, precondition: nil)
        } throws: { error in
            let conflict = error as? RetirementConflict
            return conflict?.complaints.map(\.number) == [planned.number] && conflict?.refusal == .conflict(type: "station-holds-complaints", title: "The station holds complaints that cannot move")
        }
        #expect(try store.snapshot().station(id: station)?.status == .active)
        #expect(try desk.complaint(waiting.number, for: admin).0.stationID == station)
        #expect(try services.outbox.messages(number: waiting.number).count == textsBefore)

        // Forced: both go to other active stations, each with a reassign event and texts.
        let retired = try services.registry.retire(id: station, reason: "并入邻村", force: true, by: admin, precondition: nil)
        #expect(retired.station.status == .retired && Set(retired.handedOver) == [planned.number, waiting.number])
        #expect(services.finder.snapshot.station(id: station)?.status == .retired)
        for number in [planned.number, waiting.number] {
            let (complaint, events) = try desk.complaint(number, for: admin)
            let now = try #require(complaint.stationID)
            #expect(now != station && complaint.status == .assigned && services.finder.snapshot.station(id: now)?.status == .active)
            #expect(complaint.appointment == nil, "a session at the retired station is gone with it")
            let last = try #require(events.last)
            #expect(last.action == .reassign && last.actor == admin.name && last.stationID == now)
            #expect(last.note?.contains("\(station) retired: 并入邻村") == true)
            let texts = try services.outbox.messages(number: number).filter { $0.message.id.hasPrefix("\(number)-\(last.seq)-") }
            #expect(Set(texts.map(\.message.recipient)) == [.consumer, .staff], "\(texts.map(\.message.template))")
        }
        #expect(try desk.complaints(stationID: station, status: nil, by: admin).allSatisfy { $0.status.isTerminal || $0.stationID != station })
        #expect(try store.stations().first { $0.id == station }?.status == .retired)
    }
    /// Each station answers for its own part (its own 24-hour clock, its own row in the KPIs),
    /// and staff may end a complaint before acceptance with a reason (不予受理).
    @Test(arguments: Backend.allCases)
    func eachStationAnswersForItsPartAndStaffMayDecline(backend: Backend) throws {
        var keep: [Any] = []
        let (services, store) = try backend.services(Self.settings, keep: &keep)
        let desk = services.complaints
        let database = try #require(store as? any SQLStore)
        let filed = try desk.submit(ComplaintBody.json(mode: "offline"))
        let number = filed.number
        let first = try #require(try desk.complaint(number, for: admin).0.stationID)
        let (handedOn, events) = try desk.act(on: number, StaffCommand(action: .refuse, note: "本站无调解员"), by: admin)
        let second = try #require(handedOn.stationID)
        #expect(second != first)
        // The second station's own clock: 24 hours from its assignment, quoted in its text.
        let assigned = try #require(events.last { $0.action == .assign })
        let respondBy = try #require(handedOn.deadlines.respondBy)
        #expect(abs(respondBy.timeIntervalSince(assigned.at) - 24 * 3600) < 0.001, "stored times are on the millisecond grid")
        let staffText = try #require(try services.outbox.messages(number: number).first { $0.message.id.hasPrefix("\(number)-\(assigned.seq)-s") })
        #expect(staffText.message.text.contains(SMSTemplates.localTime(assigned.at.addingTimeInterval(24 * 3600)) + "前响应"), "\(staffText.message.text)")

        // 不予受理 needs a reason from the list; only before acceptance.
        #expect(throws: InvalidInput.self) { try StaffCommand.validate(Data(#"{"action":"decline"}"#.utf8)) }
        #expect(throws: InvalidInput.self) { try StaffCommand.validate(Data(#"{"action":"decline","reason":"because"}"#.utf8)) }
        let decline = try StaffCommand.validate(Data(#"{"action":"decline","reason":"handled_elsewhere","note":"已向西湖区法院起诉"}"#.utf8))
        let (declined, history) = try desk.act(on: number, decline, by: admin)
        #expect(declined.status == .declined && declined.decline?.reason == .handled_elsewhere && declined.stationID == second)
        #expect(history.map(\.action) == [.submit, .assign, .refuse, .assign, .decline])
        #expect(history.map(\.ordinal) == [1, 2, 3, 4, 5], "seq counts within the complaint")
        #expect(history.map(\.seq) == history.map(\.seq).sorted() && Set(history.map(\.seq)).count == 5)
        #expect(throws: IllegalTransition.self) { try desk.act(on: number, StaffCommand(action: .accept), by: self.admin) }
        let told = try #require(try services.outbox.messages(number: number).first { $0.message.template == "consumer.decline" })
        #expect(told.message.text.contains("不予受理") && told.message.text.contains(DeclineReason.handled_elsewhere.label) && told.message.text.contains("12315"))

        // The KPIs: each station for its own part, the decision counted once.
        let report = try services.reports.kpis(ComplaintStats.Filter(), for: nil, now: Date())
        #expect(report.totals.complaints == 1 && report.totals.declined == 1)
        #expect(report.totals.acceptance.met == 1 && report.totals.acceptance.of == 1, "不予受理 is the acceptance decision")
        let byStation = Dictionary(uniqueKeysWithValues: report.byStation.map { ($0.code, $0.metrics) })
        #expect(byStation[first]?.complaints == 0 && byStation[first]?.assignments.refused == 1 && byStation[first]?.response.met == 1)
        #expect(byStation[second]?.complaints == 1 && byStation[second]?.assignments.answered == 1 && byStation[second]?.assignments.open == 0)
        #expect(report.totals.assignments.held == 2 && report.totals.response.of == 2)

        // The rows the migration fills for earlier databases are the rows the desk writes.
        let columns = ["number", "ordinal", "station_id", "county_code", "assigned_at", "respond_by", "responded_at", "response", "ended_at", "ended_by"]
        func rows(_ db: any SQLSession) throws -> [[String]] {
            try db.fetchRows(sql: "SELECT \(columns.joined(separator: ", ")) FROM complaint_assignments ORDER BY number, ordinal", arguments: [])
                .map { row in columns.map { (row[$0] as DatabaseValue).description } }
        }
        let written = try database.reading(rows)
        #expect(written.count == 2 && written[0][7] == "\"refuse\"" && written[1][7] == "\"decline\"", "\(written)")
        let backfilled = try database.writing { db in
            try db.execute(sql: "DELETE FROM complaint_assignments", arguments: [])
            try db.execute(sql: ComplaintAssignments.backfill(db.dialect), arguments: [])
            return try rows(db)
        }
        #expect(backfilled == written)
    }
}
