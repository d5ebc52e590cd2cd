import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LiaisonCore
import LiaisonHTTP
@_spi(Benchmark) import LiaisonStore
import LiaisonTestSupport
import Testing

/// Readiness that tells the truth, and a store that cannot write answering 503 with
/// `Retry-After` (never 500), nothing written, and recovering by itself.
@Suite struct StorageRefusalTests {
    let register: WritableRegister

    init() throws { register = try WritableRegister() }

    /// Free disk below the threshold is not ready; the same server with room is.
    @Test func readinessCountsTheFreeDisk() async throws {
        var tight = Fixture.settings()
        tight.minFreeDiskBytes = Int64.max / 2   // more than any disk has: as if this one were full
        try await register.app(settings: tight).test(.router) { client in
            let r = try await client.execute(uri: "/readyz", method: .get)
            #expect(r.status == .serviceUnavailable && r.headers[.retryAfter] == "30", "\(r.text)")
            let detail = try r.json()["detail"] as? String ?? ""
            #expect(detail.contains("cannot take writes") && (WritableRegister.onPostgres || detail.contains("--min-free-disk-mb")), "\(detail)")
        }
        try await register.app().test(.router) { client in
            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .ok, "\(ready.text)")
        }
    }

    /// SQLite's own SQLITE_FULL (the writer's `max_page_count` held at the file's size, as a
    /// full disk would) makes intake 503 with Retry-After and the storage-unavailable type, the
    /// failed filing leaves nothing behind, and with room again filing works without a restart.
    @Test func aFullDatabaseIs503AndRecovers() async throws {
        guard let file = register.database as? LiaisonDatabase else { return }   // the SQLite store's engine error
        @Sendable func setMaxPages(_ extra: Int?) throws {
            try file.writeWithoutTransaction { db in
                let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
                try db.execute(sql: "PRAGMA max_page_count = \(extra.map { pages + $0 } ?? 1_073_741_823)")
            }
        }
        let desk = ComplaintDesk(database: file, finder: register.finder, settings: Fixture.complaints)
        try await register.app().test(.router) { client in
            try setMaxPages(0)
            var refused: TestResponse?
            var filed = 0
            for i in 0..<200 where refused == nil {
                let r = try await client.execute(uri: "/v1/complaints", method: .post, headers: intakeHeaders(),
                                                 body: complaintJSON(["consumer": ["name": "张三", "phone": String(format: "1370000%04d", i)],
                                                                      "description": String(repeating: "满", count: 1500)]))
                if r.status == .created { filed += 1 } else { refused = r }
            }
            let r = try #require(refused, "200 filings fitted in a file that could not grow")
            #expect(r.status == .serviceUnavailable && r.headers[.retryAfter] == "60", "\(r.text)")
            #expect((try r.json()["type"] as? String)?.hasSuffix("/storage-unavailable") == true, "\(r.text)")
            let stored = try desk.complaints(countyCode: nil, status: nil).count
            #expect(stored == filed, "the refused filing left nothing")
            try setMaxPages(nil)
            let again = try await client.execute(uri: "/v1/complaints", method: .post, headers: intakeHeaders(), body: complaintJSON())
            #expect(again.status == .created, "\(again.text)")
        }
    }
}
