import Foundation
import GRDB
import Geodesy
import LiaisonCore
@testable import LiaisonStore
import Testing
import LiaisonTestSupport

/// A valid complaint body at (lat, lng), WGS-84.
func complaintBody(lat: Double = 30.2590, lng: Double = 120.1300, mode: String = "offline", phone: String = "13800138000",
                   description: String = "买到过期食品，商家拒绝退货") -> Data {
    ComplaintBody.json(phone: phone, mode: mode, ["location": ["lat": lat, "lng": lng, "coordsys": "wgs84"],
                                                  "merchant": ["name": "某某超市", "address": "文三路 1 号"],
                                                  "category": "food_safety", "description": description])
}

/// The shipped service levels and calendar; no rate limit to speak of (tests file many complaints from one phone).
let complaintSettings = ComplaintDesk.Settings(serviceClock: try! GeodataDirectory(url: Repository.geodata).serviceClock(),
                                               rateLimit: .init(perHour: 10_000, perDay: 10_000))

/// Complaint intake, dispatch and lifecycle against a real SpatiaLite file.
@Suite final class ComplaintDeskTests {
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

    /// A complaint left on a retired station (a database written before retirements handed
    /// complaints on) cannot be worked by it: the station's actions are refused, a
    /// reassignment is not.
    @Test func aRetiredStationCannotActOnAComplaint() throws {
        let number = try desk.submit(complaintBody(), idempotencyKey: nil).number
        let station = try #require(try desk.complaint(number, for: admin).0.stationID)
        try database.pool.write { db in try db.execute(sql: "UPDATE stations SET status = 'retired' WHERE id = ?", arguments: [station]) }
        for action in [ComplaintAction.accept, .refuse] {
            #expect(throws: StationRegistry.StateConflict.self, "\(action)") { try self.desk.act(on: number, StaffCommand(action: action), by: self.admin) }
        }
        let (moved, _) = try desk.act(on: number, StaffCommand(action: .reassign, note: "站点已撤销"), by: admin)
        #expect(moved.status == .assigned && moved.stationID != station)
        #expect(try desk.act(on: number, StaffCommand(action: .accept), by: admin).0.status == .accepted)
    }

    @Test func aComplaintIsNumberedAssignedAndRecordedWithItsFirstEvents() throws {
        let submitted = try desk.submit(complaintBody(), idempotencyKey: nil)
        let body = try json(submitted.body)
        #expect(submitted.number.hasPrefix("ZJ-" + ComplaintNumber.day(of: Date())))
        #expect(body["status"] as? String == "assigned")
        let token = try #require(body["tracking_token"] as? String)
        #expect(token.hasPrefix("trk_") && token.count == 47)

        // The station is the nearest offline one in 西湖区 (the point's county); a fresh register has no load.
        let snapshot = desk.finder.snapshot
        let expected = try #require(snapshot.ranked(from: Coordinate(latitude: 30.2590, longitude: 120.1300), mode: .offline,
                                                     countyCode: "330106", withinMeters: 30_000).first)
        let station = try #require(body["station"] as? [String: Any])
        #expect(station["id"] as? String == expected.station.id)
        #expect(abs((station["distance_m"] as? Double ?? 0) - expected.distanceMeters) < 0.01)
        #expect((body["assignment_reason"] as? String)?.contains("西湖区") == true)

        let (complaint, events) = try #require(try desk.track(submitted.number, token: token))
        #expect(events.map(\.action) == [.submit, .assign])
        #expect(events.map(\.to) == [.submitted, .assigned])
        #expect(events[1].stationID == expected.station.id && events[1].actor == "system")
        #expect(complaint.intake.consumerPhone == "13800138000")
        #expect(complaint.deadlines.dispatchBy != nil)
    }

    @Test func numbersCountUpWithinTheDay() throws {
        let a = try desk.submit(complaintBody(), idempotencyKey: nil).number
        let b = try desk.submit(complaintBody(), idempotencyKey: nil).number
        #expect(a.hasSuffix("-000001") && b.hasSuffix("-000002"), "\(a) \(b)")
    }

    @Test func theTrackingTokenIsTheOnlyWayInForConsumers() throws {
        let submitted = try desk.submit(complaintBody(), idempotencyKey: nil)
        let token = try json(submitted.body)["tracking_token"] as? String ?? ""
        #expect(try desk.track(submitted.number, token: token) != nil)
        #expect(try desk.track(submitted.number, token: String(token.dropLast()) + "x") == nil)
        #expect(try desk.track(submitted.number, token: "") == nil)
        #expect(try desk.track("ZJ-20000101-000001", token: token) == nil)
        #expect(try desk.act(on: submitted.number, .withdraw(reason: nil), token: "trk_wrong") == nil)
        #expect(try desk.track(submitted.number, token: token)?.0.status == .assigned, "a wrong token must change nothing")
    }

    @Test func anIdempotentRetryGetsTheSameAnswerAndADifferentBodyIsAConflict() throws {
        let first = try desk.submit(complaintBody(), idempotencyKey: "order-42")
        // The same JSON with other key order and spacing is the same request.
        let reordered = try JSONSerialization.data(withJSONObject: try JSONSerialization.jsonObject(with: complaintBody()), options: [.prettyPrinted])
        let retry = try desk.submit(reordered, idempotencyKey: "order-42")
        #expect(retry.replayed && !first.replayed)
        #expect(retry.body == first.body && retry.number == first.number)
        #expect(throws: ComplaintDesk.IdempotencyConflict.self) {
            try self.desk.submit(complaintBody(description: "另一件事"), idempotencyKey: "order-42")
        }
        let other = try desk.submit(complaintBody(), idempotencyKey: "order-43")
        #expect(other.number != first.number)
        #expect(try desk.complaints(countyCode: nil, status: nil).count == 2)
        #expect(throws: InvalidInput.self) { try self.desk.submit(complaintBody(), idempotencyKey: "has space") }
    }

    /// The store's side of intake: it keeps whatever bytes the edge rendered, replays them
    /// without calling the renderer again, and files nothing when rendering fails.
    @Test func theStoreKeepsTheEdgesAnswerAndFilesNothingWhenItFails() throws {
        let intake = try ComplaintIntake.validate(complaintBody())
        let replay = ComplaintDesk.Replay(key: "opaque key, not checked here", fingerprint: Data(repeating: 7, count: 32))
        struct RenderFailed: Error {}
        #expect(throws: RenderFailed.self) { try self.desk.file(intake, replay: replay) { _ in throw RenderFailed() } }
        #expect(try desk.complaints(countyCode: nil, status: nil).isEmpty)

        let first = try desk.file(intake, replay: replay) { filed in
            #expect(filed.events.map(\.action) == [.submit, .assign] && filed.complaint.stationID != nil)
            return Data("answer for \(filed.complaint.number)".utf8)
        }
        #expect(!first.replayed && first.body == Data("answer for \(first.number)".utf8))
        var rendered = false
        let again = try desk.file(intake, replay: replay) { _ in rendered = true; return Data() }
        #expect(again.replayed && again.body == first.body && again.number == first.number && !rendered)
        let otherBody = ComplaintDesk.Replay(key: replay.key, fingerprint: Data(repeating: 8, count: 32))
        #expect(throws: ComplaintDesk.IdempotencyConflict.self) { try self.desk.file(intake, replay: otherBody) { _ in Data() } }
        #expect(try desk.complaints(countyCode: nil, status: nil).count == 1)
    }

    @Test func badInputWritesNothing() throws {
        #expect(throws: InvalidInput.self) { try self.desk.submit(complaintBody(phone: "12345"), idempotencyKey: "k1") }
        #expect(throws: OutsideServiceArea.self) { try self.desk.submit(complaintBody(lat: 31.2304, lng: 121.4737), idempotencyKey: "k2") }
        #expect(try desk.complaints(countyCode: nil, status: nil).isEmpty)
        // The keys were not consumed either.
        #expect(try desk.submit(complaintBody(), idempotencyKey: "k1").replayed == false)
    }

    /// Two desks on two connections to one file, submitting at once at one station: the
    /// capacity check and claim share a transaction, so the station never holds more than its capacity.
    @Test func concurrentSubmissionsNeverOverfillAStation() throws {
        let snapshot = desk.finder.snapshot
        let station = try #require(snapshot.activeStations.filter { $0.modes.contains(.offline) }.min { $0.capacity < $1.capacity })
        let second = try LiaisonDatabase(path: folder.path("liaison.sqlite"))
        let desks = [desk, ComplaintDesk(database: second, finder: StationFinder(try second.snapshot()), settings: complaintSettings)]
        let submissions = station.capacity + 6
        let body = complaintBody(lat: station.location.latitude, lng: station.location.longitude)
        DispatchQueue.concurrentPerform(iterations: submissions) { i in
            _ = try? desks[i % 2].submit(body, idempotencyKey: nil)
        }
        let all = try desk.complaints(countyCode: nil, status: nil, limit: 10_000)
        #expect(all.count == submissions)
        let atStation = all.filter { $0.stationID == station.id }
        #expect(atStation.count == station.capacity, "\(station.id) capacity \(station.capacity) holds \(atStation.count)")
        var perStation: [String: Int] = [:]
        for c in all where c.status.holdsCapacity { perStation[c.stationID ?? "", default: 0] += 1 }
        for (id, count) in perStation {
            #expect(count <= (snapshot.station(id: id)?.capacity ?? 0), "\(id) holds \(count)")
        }
        // The overflow went to the next nearest stations, each with a reason.
        #expect(all.filter { $0.stationID != station.id }.allSatisfy { $0.assignmentReason?.isEmpty == false })
    }

    @Test func aRefusalHandsTheComplaintToTheNextStationAndNeverBack() throws {
        let submitted = try desk.submit(complaintBody(), idempotencyKey: nil)
        let first = try #require(try desk.complaint(submitted.number, for: admin).0.stationID)
        let (afterOne, _) = try desk.act(on: submitted.number, StaffCommand(action: .refuse, note: "outside our remit"), by: admin)
        let second = try #require(afterOne.stationID)
        #expect(afterOne.status == .assigned && second != first)
        let (afterTwo, events) = try desk.act(on: submitted.number, StaffCommand(action: .refuse, note: "also not ours"), by: admin)
        #expect(afterTwo.status == .assigned && ![first, second].contains(afterTwo.stationID ?? first))
        #expect(events.map(\.action) == [.submit, .assign, .refuse, .assign, .refuse, .assign])
        #expect(events[2].stationID == first && events[4].stationID == second)
        #expect(afterTwo.assignmentReason?.contains(first) == true, "the reason names the stations that refused: \(afterTwo.assignmentReason ?? "")")
    }

    @Test func staffOfAnotherCountyMayNotActButTheStationsCountyMay() throws {
        let submitted = try desk.submit(complaintBody(), idempotencyKey: nil)
        let county = try #require(desk.finder.snapshot.station(id: try desk.complaint(submitted.number, for: admin).0.stationID ?? "")?.countyCode)
        let outsider = StaffToken(name: "ningbo", role: .county("330203"))
        #expect(throws: ComplaintDesk.Forbidden.self) { try self.desk.act(on: submitted.number, StaffCommand(action: .accept), by: outsider) }
        #expect(throws: ComplaintDesk.Forbidden.self) { try self.desk.complaint(submitted.number, for: outsider) }
        let local = StaffToken(name: "local", role: .county(county))
        let (complaint, _) = try desk.act(on: submitted.number, StaffCommand(action: .accept), by: local)
        #expect(complaint.status == .accepted)
        #expect(desk.seesPhone(local, of: complaint) && !desk.seesPhone(admin, of: complaint) && !desk.seesPhone(outsider, of: complaint))
    }

    @Test func theClosedLoopFromIntakeToFeedback() throws {
        let submitted = try desk.submit(complaintBody(), idempotencyKey: nil)
        let number = submitted.number
        let token = try json(submitted.body)["tracking_token"] as? String ?? ""
        #expect(throws: IllegalTransition.self) { try self.desk.act(on: number, .feedback(satisfaction: 5, comment: nil), token: token) }
        #expect(throws: IllegalTransition.self) { try self.desk.act(on: number, StaffCommand(action: .resolve), by: self.admin) }

        let (accepted, _) = try desk.act(on: number, StaffCommand(action: .accept), by: admin)
        let appointment = try #require(accepted.appointment, "an offline complaint gets a proposed appointment on acceptance")
        #expect(!appointment.confirmed && appointment.startsAt > Date().addingTimeInterval(23 * 3600))
        let (confirmed, _) = try #require(try desk.act(on: number, .confirmAppointment, token: token))
        #expect(confirmed.appointment?.confirmed == true)
        #expect(throws: ComplaintDesk.Unfulfillable.self) { try self.desk.act(on: number, .confirmAppointment, token: token) }
        try desk.act(on: number, StaffCommand(action: .start_mediation), by: admin)
        try desk.act(on: number, StaffCommand(action: .resolve, note: "商家退款 19.9 元"), by: admin)
        let (closed, events) = try #require(try desk.act(on: number, .feedback(satisfaction: 4, comment: "满意"), token: token))
        #expect(closed.status == .closed && closed.feedback?.satisfaction == 4)
        #expect(events.map(\.to) == [.submitted, .assigned, .accepted, .accepted, .mediating, .resolved, .closed])
        #expect(throws: IllegalTransition.self) { try self.desk.act(on: number, .withdraw(reason: nil), token: token) }
        #expect(throws: IllegalTransition.self) { try self.desk.act(on: number, StaffCommand(action: .reassign, note: "x"), by: self.admin) }
    }

    @Test func videoComplaintsGetARoomAndTheConsumerCanWithdraw() throws {
        let submitted = try desk.submit(complaintBody(mode: "video"), idempotencyKey: nil)
        let token = try json(submitted.body)["tracking_token"] as? String ?? ""
        let (accepted, _) = try desk.act(on: submitted.number, StaffCommand(action: .accept), by: admin)
        let video = try #require(accepted.video)
        #expect(video.room.hasPrefix("zj-") && video.room.count == 29)
        #expect(accepted.appointment == nil)
        let (withdrawn, events) = try #require(try desk.act(on: submitted.number, .withdraw(reason: "已和商家自行和解"), token: token))
        #expect(withdrawn.status == .withdrawn && events.last?.actor == "consumer" && events.last?.note == "已和商家自行和解")
    }

    @Test func aComplaintSurvivesClosingAndReopeningTheFile() throws {
        let submitted = try desk.submit(complaintBody(), idempotencyKey: nil)
        let token = try json(submitted.body)["tracking_token"] as? String ?? ""
        let reopened = try LiaisonDatabase(path: folder.path("liaison.sqlite"))
        let other = ComplaintDesk(database: reopened, finder: StationFinder(try reopened.snapshot()), settings: complaintSettings)
        #expect(try other.track(submitted.number, token: token)?.1.count == 2)
    }

    @Test func eventsAreAppendOnlyInTheFileItself() async throws {
        _ = try desk.submit(complaintBody(), idempotencyKey: nil)
        let path = folder.path("liaison.sqlite")
        for sql in ["UPDATE complaint_events SET note = 'changed'", "DELETE FROM complaint_events"] {
            let result = try await ChildProcess.tool("spatialite", [path, sql], in: folder.url)
            #expect(result.stderr.contains("append-only"), "\(sql): \(result.stdout) \(result.stderr)")
        }
        #expect(try desk.complaints(countyCode: nil, status: nil).count == 1)
    }
}
