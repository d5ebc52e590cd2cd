import Foundation
import GRDB
import LiaisonCore
@testable import LiaisonStore
import Testing
import LiaisonTestSupport

/// Idempotency-Keys are the caller's own and last 24 hours: another client's identical key is
/// another complaint (and learns nothing from a 409), an expired key files anew, and the
/// watch forgets old keys in batches.
@Suite struct IdempotencyScopeTests {
    final class Clock: @unchecked Sendable {
        var now = Date()
    }

    @Test func keysAreScopedToTheirClientAndExpire() throws {
        let folder = try ScratchFolder()
        let database = try TemplateDatabase.open(at: folder.path("liaison.sqlite"))
        let clock = Clock()
        let desk = ComplaintDesk(database: database, finder: StationFinder(try database.snapshot()), settings: complaintSettings, now: { clock.now })
        let a = try desk.submit(complaintBody(), idempotencyKey: "order-1", client: "mp-a")
        let again = try desk.submit(complaintBody(), idempotencyKey: "order-1", client: "mp-a")
        #expect(again.replayed && again.number == a.number)
        // Another client, the same key (and even another body): its own complaint, no 409, no number learnt.
        let b = try desk.submit(complaintBody(description: "另一件事"), idempotencyKey: "order-1", client: "mp-b")
        #expect(!b.replayed && b.number != a.number)
        #expect(throws: ComplaintDesk.IdempotencyConflict.self) {
            try desk.submit(complaintBody(description: "另一件事"), idempotencyKey: "order-1", client: "mp-a")
        }

        // 25 hours on, the key is forgotten: the same request files a new complaint.
        clock.now = clock.now.addingTimeInterval(25 * 3600)
        let later = try desk.submit(complaintBody(), idempotencyKey: "order-1", client: "mp-a")
        #expect(!later.replayed && later.number != a.number)
        // The sweep forgets what expired (mp-b's key), not what is fresh (mp-a's new one).
        #expect(try desk.sweepIdempotencyKeys(at: clock.now) == 1)
        let left = try database.pool.read { db in try String.fetchAll(db, sql: "SELECT key FROM idempotency_keys") }
        #expect(left == ["mp-a:order-1"])
    }
}

/// The clock-driven sweeps work in batches (each its own transaction, so intake is not held
/// up behind them): every complaint is still reached, past the first batch.
@Suite struct SweepBatchTests {
    @Test func markOverdueReachesEveryComplaintAcrossBatches() throws {
        let folder = try ScratchFolder()
        let database = try TemplateDatabase.open(at: folder.path("liaison.sqlite"))
        let clock = IdempotencyScopeTests.Clock()
        clock.now = Date(timeIntervalSince1970: 1_780_000_000)   // 2026-05-28
        let desk = ComplaintDesk(database: database, finder: StationFinder(try database.snapshot()), settings: complaintSettings, now: { clock.now })
        let count = ComplaintDesk.sweepBatch * 2 + 17
        for i in 0..<count { _ = try desk.submit(complaintBody(phone: String(format: "139%08d", i))) }
        clock.now = clock.now.addingTimeInterval(30 * 86400)
        #expect(try desk.markOverdue() == count, "every one of \(count) complaints is overdue a month later")
        #expect(try desk.markOverdue() == 0, "and each deadline is reported once")
    }
}
