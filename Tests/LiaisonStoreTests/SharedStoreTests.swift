import Foundation
import Geodesy
import LiaisonCore
import LiaisonStore
import Testing
import LiaisonTestSupport

/// One SpatiaLite file written through two `LiaisonDatabase`s, each with its own connections
/// and its own snapshot, as two processes (a server and the CLI, or two servers) would.
/// SQLite's locks and the register version work across processes through the file; the
/// tests with real processes are in `LiaisonCLITests/SharedStoreProcessTests`.
@Suite final class SharedStoreTests {
    let folder: ScratchFolder
    let first: LiaisonDatabase
    let second: LiaisonDatabase
    let admin = StaffToken(name: "admin-1", role: .admin)

    init() throws {
        folder = try ScratchFolder()
        first = try TemplateDatabase.open(at: folder.path("liaison.sqlite"))
        second = try LiaisonDatabase(path: folder.path("liaison.sqlite"))
    }

    func registry(_ database: LiaisonDatabase) throws -> StationRegistry {
        StationRegistry(database: database, finder: StationFinder(try database.snapshot()))
    }

    // MARK: - Durability

    @Test func theWriterSyncsEveryCommit() throws {
        // 2 is FULL: in WAL mode NORMAL (1) would not fsync the WAL at commit.
        #expect(try first.writerSynchronous() == 2)
        #expect(try second.writerSynchronous() == 2)
        let created = try LiaisonDatabase.openOrCreate(path: folder.path("new.sqlite"), geodata: GeodataDirectory(url: Repository.geodata),
                                                       contents: .countiesOnly)
        #expect(try created.writerSynchronous() == 2)
    }

    // MARK: - Fresh snapshots

    @Test func aChangeByAnotherConnectionIsSeenAndSwappedIn() throws {
        let a = try registry(first), b = try registry(second)
        let before = b.finder.snapshot
        #expect(try second.refresh(b.finder) == false, "nothing changed yet")
        let id = try #require(before.activeStations.first?.id)

        _ = try a.retire(id: id, reason: "合并到邻村", by: admin)
        #expect(try second.registerVersion() > before.version)
        #expect(try second.refresh(b.finder) == true)
        #expect(b.finder.snapshot.station(id: id)?.status == .retired)
        #expect(b.finder.snapshot.activeCount == before.activeCount - 1)
        #expect(try second.refresh(b.finder) == false, "a second poll finds nothing new")
    }

    @Test func anOlderSnapshotNeverReplacesANewerOne() throws {
        let finder = StationFinder(try first.snapshot())
        let old = finder.snapshot
        _ = try registry(second).retire(id: try #require(old.activeStations.first?.id), reason: "撤销", by: admin)
        let new = try first.snapshot()
        #expect(finder.offer(new))
        #expect(!finder.offer(old), "a slower refresh must not put the old register back")
        #expect(finder.snapshot.version == new.version)
    }

    // MARK: - Writes against the database, not the snapshot

    @Test func aStaleProcessCannotEditOrReviveARetiredStation() throws {
        let a = try registry(first), b = try registry(second)
        let id = try #require(b.finder.snapshot.activeStations.first?.id)
        _ = try a.retire(id: id, reason: "站点撤并", by: admin)
        let row = try #require(try first.stations().first { $0.id == id })

        // b's snapshot still shows the station active; the write must read the row as committed.
        #expect(b.finder.snapshot.station(id: id)?.status == .active)
        #expect(throws: StationRegistry.StateConflict.self) {
            _ = try b.update(id: id, patch: ["phone": "0571-88888888"], by: admin)
        }
        #expect(try second.stations().first { $0.id == id } == row, "nothing changed")
        let history = try b.history(id: id)
        #expect(history.map(\.action).suffix(1) == ["retire"])
    }

    @Test func aPatchAppliesToTheCurrentRowNotTheSnapshot() throws {
        let a = try registry(first), b = try registry(second)
        let id = try #require(b.finder.snapshot.activeStations.first?.id)
        _ = try a.update(id: id, patch: ["capacity": 77], by: admin)
        // b still has the old capacity in its snapshot; its phone edit must keep a's capacity.
        let patched = try b.update(id: id, patch: ["phone": "0571-88888888"], by: admin)
        #expect(patched.capacity == 77)
        #expect(patched.phone == "0571-88888888")
        let row = try #require(try first.stations().first { $0.id == id })
        #expect(row.capacity == 77 && row.phone == "0571-88888888")
    }

    @Test func aFailedPreconditionWritesNothing() throws {
        let b = try registry(second)
        let id = try #require(b.finder.snapshot.activeStations.first?.id)
        let before = try second.stations()
        #expect(throws: StationRegistry.PreconditionFailed.self) {
            _ = try b.update(id: id, patch: ["phone": "0571-88888888"], by: admin) { _ in
                throw StationRegistry.PreconditionFailed(description: "stale")
            }
        }
        #expect(throws: StationRegistry.PreconditionFailed.self) {
            _ = try b.retire(id: id, reason: "测试", by: admin) { _ in throw StationRegistry.PreconditionFailed(description: "stale") }
        }
        #expect(try second.stations() == before)
    }

    @Test func theNearbyCheckSeesStationsAnotherProcessAdded() throws {
        let a = try registry(first), b = try registry(second)
        let created = try a.create(Self.draft(lat: 30.2200, lng: 120.0800), by: admin)
        // About 50 m north: b's snapshot does not have a's station, the database does.
        do {
            _ = try b.create(Self.draft(lat: 30.22045, lng: 120.0800), by: admin)
            Issue.record("a station 50 m from another was accepted")
        } catch let conflict as StationRegistry.NearbyConflict {
            #expect(conflict.other.id == created.id)
            #expect(abs(conflict.distanceMeters - 49.9) < 1)
        }
        // 150 m away is allowed, and gets the next id in the county, not a's again.
        let next = try b.create(Self.draft(lat: 30.22135, lng: 120.0800), by: admin)
        #expect(next.id != created.id && next.countyCode == created.countyCode)
    }

    @Test func complaintsAreNotAssignedToAStationRetiredElsewhere() throws {
        let staleFinder = StationFinder(try second.snapshot())
        let desk = ComplaintDesk(database: second, finder: staleFinder, settings: complaintSettings)
        let point = Coordinate(latitude: 30.2590, longitude: 120.1300)
        let query = try NearestQuery.validated(latitude: point.latitude, longitude: point.longitude, limit: 1, mode: "offline",
                                               counties: staleFinder.snapshot.counties)
        let nearest = try #require(staleFinder.snapshot.nearest(query).first?.station.id)
        _ = try registry(first).retire(id: nearest, reason: "停用", by: admin)

        let submitted = try desk.submit(complaintBody(lat: point.latitude, lng: point.longitude), idempotencyKey: nil)
        let (complaint, _) = try desk.complaint(submitted.number, for: admin)
        #expect(complaint.stationID != nil)
        #expect(complaint.stationID != nearest)
    }

    /// The same name and staff each time: `allow_duplicate`, as these are meant as other stations.
    static func draft(lat: Double, lng: Double) -> [String: Any] {
        [
            "allow_duplicate": true,
            "name": "共享库测试联络站",
            "location": ["lat": lat, "lng": lng, "coordsys": "wgs84"],
            "address": ["town": "转塘街道", "village": "测试村"],
            "phone": "0571-87000000",
            "hours": ["mon": ["08:30-11:30"], "tue": [], "wed": [], "thu": [], "fri": [], "sat": [], "sun": []],
            "modes": ["offline", "video"],
            "capacity": 10,
            "staff": [["name": "王测试", "role": "站长", "mobile": "+86 199 9999 0001"]],
        ]
    }

    // MARK: - One sender per text, one watch at a time

    @Test func twoSendersNeverClaimTheSameMessage() throws {
        let desk = ComplaintDesk(database: first, finder: StationFinder(try first.snapshot()), settings: complaintSettings)
        for i in 0..<6 {
            _ = try desk.submit(complaintBody(phone: "1380013800\(i)"), idempotencyKey: nil)
        }
        let a = SMSOutbox(database: first), b = SMSOutbox(database: second)
        let total = try a.due(at: Date().addingTimeInterval(1)).count
        #expect(total >= 12, "each complaint texts the consumer and the station")

        let now = Date().addingTimeInterval(1), until = now.addingTimeInterval(60)
        let byA = try a.claimDue(at: now, sender: "a", until: until, limit: 5)
        let byB = try b.claimDue(at: now, sender: "b", until: until, limit: 1000)
        #expect(byA.count == 5)
        #expect(byA.count + byB.count == total)
        #expect(Set(byA.map(\.message.id)).isDisjoint(with: byB.map(\.message.id)))
        #expect(try a.claimDue(at: now, sender: "a", until: until, limit: 1000).isEmpty, "everything is claimed")
        #expect(try a.due(at: now).isEmpty, "claimed messages are not due for anyone else")

        // a sends one and gives the rest back: those are free at once; b's stay b's until they expire.
        try a.markSent(byA[0].message.id, at: now)
        try a.release(sender: "a", ids: byA.dropFirst().map(\.message.id))
        try a.release(sender: "a", ids: byB.map(\.message.id))   // not a's: no effect
        try a.release(sender: "nobody")                             // holds nothing: no effect
        let again = try b.claimDue(at: now, sender: "b2", until: until, limit: 1000)
        #expect(Set(again.map(\.message.id)) == Set(byA.dropFirst().map(\.message.id)))

        // b dies: after its claims expire, another sender takes them.
        let later = until.addingTimeInterval(1)
        let taken = try a.claimDue(at: later, sender: "a", until: later.addingTimeInterval(60), limit: 1000)
        #expect(Set(taken.map(\.message.id)) == Set((byB + again).map(\.message.id)))
        #expect(try a.messages(number: byA[0].message.number).first { $0.message.id == byA[0].message.id }?.status == "sent")

        // a stops: everything it holds goes back at once.
        try a.release(sender: "a")
        let afterStop = try b.claimDue(at: later, sender: "b3", until: later.addingTimeInterval(60), limit: 1000)
        #expect(Set(afterStop.map(\.message.id)) == Set(taken.map(\.message.id)))
    }

    @Test func oneWatchHoldsTheLeaseUntilItExpiresOrIsReleased() throws {
        let now = Date()
        #expect(try first.acquireLease("watch", holder: "a", now: now, until: now.addingTimeInterval(30)))
        #expect(try !second.acquireLease("watch", holder: "b", now: now.addingTimeInterval(10), until: now.addingTimeInterval(40)))
        #expect(try first.acquireLease("watch", holder: "a", now: now.addingTimeInterval(20), until: now.addingTimeInterval(50)), "renewed")
        #expect(try !second.acquireLease("watch", holder: "b", now: now.addingTimeInterval(45), until: now.addingTimeInterval(75)))
        #expect(try second.acquireLease("watch", holder: "b", now: now.addingTimeInterval(50), until: now.addingTimeInterval(80)), "a stopped renewing")
        #expect(try !first.acquireLease("watch", holder: "a", now: now.addingTimeInterval(51), until: now.addingTimeInterval(81)))
        try second.releaseLease("watch", holder: "b")
        #expect(try first.acquireLease("watch", holder: "a", now: now.addingTimeInterval(52), until: now.addingTimeInterval(82)), "released")
        try first.releaseLease("watch", holder: "someone-else")
        #expect(try !second.acquireLease("watch", holder: "b", now: now.addingTimeInterval(53), until: now.addingTimeInterval(83)))
    }
}
