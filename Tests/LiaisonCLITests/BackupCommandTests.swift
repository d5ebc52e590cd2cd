import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LiaisonTestSupport
import Synchronization
import Testing

/// `liaison backup` while a server files complaints, and `liaison restore`, as an operator
/// runs them: every complaint acknowledged before the backup started is in it.
@Suite(.tags(.slow)) final class BackupCommandTests {
    let sandbox: Sandbox

    init() throws {
        sandbox = try Sandbox()
    }

    final class Arc<T: ~Copyable>: Sendable where T: Sendable {
        let value: T
        init(_ value: consuming T) { self.value = value }
    }

    struct Filed: Sendable {
        let number: String
        let acknowledged: Date
    }

    func numbers(in db: String, key: String) async throws -> Set<String> {
        let listed = try await sandbox.run(["complaints", "list", "--format", "json", "--limit", "10000", "--db", db, "--tracking-key", key])
        try #require(listed.status == 0, "\(listed)")
        return Set(((try listed.jsonObject() as? [[String: Any]]) ?? []).compactMap { $0["number"] as? String })
    }

    @Test func aBackupWhileServingHoldsEveryAcknowledgedComplaintAndRestores() async throws {
        let live = sandbox.path("live.sqlite"), key = live + ".tracking-key"
        let server = try await ServerProcess(["--db", live], sandbox: sandbox)
        // Complaints at a steady rate, each from its own phone (the per-phone limit), while the backup runs.
        let base = server.base
        let count = Arc(Mutex(0))
        let filing = Task { () -> [Filed] in
            var acknowledged: [Filed] = []
            for i in 0..<80 {
                var request = URLRequest(url: URL(string: base + "/v1/complaints")!)
                request.httpMethod = "POST"
                request.setValue("application/json", forHTTPHeaderField: "Content-Type")
                request.setValue("backup-\(i)", forHTTPHeaderField: "Idempotency-Key")
                request.httpBody = ComplaintBody.json(phone: String(format: "1380013%04d", i))
                let (body, response) = try await URLSession.shared.data(for: request)
                let number = (try? JSONSerialization.jsonObject(with: body) as? [String: Any])?["number"] as? String
                if (response as? HTTPURLResponse)?.statusCode == 201, let number {
                    acknowledged.append(Filed(number: number, acknowledged: Date()))
                    count.value.withLock { $0 += 1 }
                }
                try await Task.sleep(for: .milliseconds(15))
            }
            return acknowledged
        }
        // Some acknowledged first (a loaded machine may take a while to answer the first ones).
        for _ in 0..<600 where count.value.withLock({ $0 }) < 8 { try await Task.sleep(for: .milliseconds(50)) }
        let started = Date()
        let backup = try await sandbox.run(["backup", "--out", sandbox.path("backup.sqlite"), "--db", live])
        let filed = try await filing.value
        try #require(backup.status == 0, "\(backup)")
        #expect(backup.stdout.contains("integrity ok") && backup.stdout.contains("schema v"), "\(backup.stdout)")
        let before = Set(filed.filter { $0.acknowledged < started }.map(\.number))
        let after = Set(filed.filter { $0.acknowledged > started }.map(\.number))
        #expect(before.count >= 5 && !after.isEmpty, "filing went on around the backup: \(before.count) before, \(after.count) after")
        let inBackup = try await numbers(in: sandbox.path("backup.sqlite"), key: key)
        #expect(before.isSubset(of: inBackup), "acknowledged before the backup but missing: \(before.subtracting(inBackup).sorted())")
        #expect(try sandbox.files().filter { $0.hasPrefix("backup.sqlite") } == ["backup.sqlite"], "a standalone file, nothing left beside it")

        // Restoring over the live file while the server has it open is refused, and changes nothing.
        let refused = try await sandbox.run(["restore", sandbox.path("backup.sqlite"), "--db", live])
        #expect(refused.status == 1 && refused.stderr.contains("in use"), "\(refused)")
        #expect(try await server.stop() == 0)
        let wal = (try? FileManager.default.attributesOfItem(atPath: live + "-wal")[.size] as? NSNumber)?.intValue ?? 0
        #expect(wal == 0, "a clean stop folds the WAL back: \(wal) bytes left")
        #expect(try await numbers(in: live, key: key) == Set(filed.map(\.number)), "the refused restore left the live file as it was")

        // Stopped, with a stale -wal beside the target (a crash's leftovers): the backup goes in whole.
        try Data("not a WAL".utf8).write(to: URL(fileURLWithPath: live + "-wal"))
        let restored = try await sandbox.run(["restore", sandbox.path("backup.sqlite"), "--db", live])
        try #require(restored.status == 0, "\(restored)")
        #expect(restored.stdout.contains("integrity ok") && restored.stdout.contains("complaints \(inBackup.count)"), "\(restored.stdout)")
        #expect(try await numbers(in: live, key: key) == inBackup)
    }

    @Test func badArgumentsAreUsageErrors() async throws {
        let missing = try await sandbox.run(["backup", "--out", sandbox.path("no/such/dir/b.sqlite"), "--db", sandbox.path("x.sqlite")])
        #expect(missing.status == 64 && missing.stderr.contains("--out"), "\(missing)")
        let postgres = try await sandbox.run(["backup", "--out", sandbox.path("b.sqlite"), "--db", "postgres://u@127.0.0.1:1/x"])
        #expect(postgres.status == 64 && postgres.stderr.contains("pg_dump"), "\(postgres)")
        let noBackup = try await sandbox.run(["restore", sandbox.path("nothing.sqlite"), "--db", sandbox.path("x.sqlite")])
        #expect(noBackup.status == 64 && noBackup.stderr.contains("<backup>"), "\(noBackup)")
        #expect(try sandbox.files().isEmpty, "nothing written")
    }
}
