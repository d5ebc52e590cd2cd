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

/// What operators rely on: readiness that tells the truth, metrics promtool accepts, and a
/// store that cannot write answering 503 with
/// `Retry-After` (never 500), nothing written, and recovering by itself.
@Suite struct OperationsRouteTests {
    let register: WritableRegister

    init() throws { register = try WritableRegister() }

    /// Free disk below the threshold is not ready; the same server with room is. (On PostgreSQL
    /// the disk is the database server's, which answers for itself: no threshold applies.)
    @Test func readinessCountsTheFreeDisk() async throws {
        var tight = Fixture.settings()
        tight.minFreeDiskBytes = Int64.max / 2   // more than any disk has: as if this one were full
        try await register.app(settings: tight).test(.router) { client in
            let r = try await client.execute(uri: "/readyz", method: .get)
            if WritableRegister.onPostgres {
                #expect(r.status == .ok, "\(r.text)")
            } else {
                #expect(r.status == .serviceUnavailable && r.headers[.retryAfter] == "30", "\(r.text)")
                let detail = try r.json()["detail"] as? String ?? ""
                #expect(detail.contains("cannot take writes") && detail.contains("--min-free-disk-mb"), "\(detail)")
            }
        }
        try await register.app().test(.router) { client in
            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .ok, "\(ready.text)")
        }
    }

    /// `/metrics` passes `promtool check metrics` (every metric with HELP and TYPE, names and
    /// units as Prometheus lints them) and carries the store's, the outbox's and the process's gauges.
    @Test func metricsPassPromtoolAndCarryTheOperatorsGauges() async throws {
        let text = try await register.app().test(.router) { client -> String in
            _ = try await client.execute(uri: "/v1/stations/nearest?lat=30.259&lng=120.13", method: .get)
            let filed = try await client.execute(uri: "/v1/complaints", method: .post, headers: intakeHeaders(), body: complaintJSON())
            #expect(filed.status == .created)
            let r = try await client.execute(uri: "/metrics", method: .get)
            #expect(r.status == .ok)
            return r.text
        }
        let overdue = try await register.app().test(.router) { client -> String in
            // A month on, every deadline of the complaint has passed: the watch's pass reports it.
            #expect(try register.services.serviceLevels.markOverdue(at: Date().addingTimeInterval(31 * 86400)) == 1)
            return try await client.execute(uri: "/metrics", method: .get).text
        }
        #expect(overdue.contains("\nliaison_complaints_open 1.0\n") && overdue.contains("\nliaison_complaints_overdue 1.0\n"), "\(overdue)")
        let folder = try ScratchFolder("metrics")
        let file = folder.url.appendingPathComponent("metrics.txt")
        try Data(text.utf8).write(to: file)
        let checked = try await ChildProcess.run(URL(fileURLWithPath: "/usr/bin/env"), ["promtool", "check", "metrics"], in: folder.url, stdin: file)
        #expect(checked.status == 0 && checked.stdout.isEmpty && checked.stderr.isEmpty, "\(checked)\n\(text)")
        var values: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            if parts.count == 2, let value = Double(parts[1]) { values[String(parts[0])] = value }
        }
        let names = Set(text.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map { String($0.split(separator: " ")[2]) })
        let helped = Set(text.split(separator: "\n").filter { $0.hasPrefix("# HELP ") }.map { String($0.split(separator: " ")[2]) })
        #expect(names == helped, "every metric has HELP: \(names.subtracting(helped))")
        #expect((values["process_resident_memory_bytes"] ?? 0) > 1_000_000 && (values["process_open_fds"] ?? 0) > 3, "\(values)")
        #expect(values["liaison_sms_outbox_messages{status=\"pending\"}"] ?? 0 >= 1, "the filing's texts wait: \(values)")
        #expect(values["liaison_sms_outbox_oldest_pending_seconds"] != nil)
        #expect(values["liaison_complaints_open"] == 1 && values["liaison_complaints_overdue"] == 0, "one complaint, not late yet: \(values)")
        if !WritableRegister.onPostgres {
            #expect((values["liaison_database_bytes"] ?? 0) > 1_000_000 && (values["liaison_database_disk_free_bytes"] ?? 0) > 0, "\(values)")
            #expect(values["liaison_database_wal_bytes"] != nil)
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
