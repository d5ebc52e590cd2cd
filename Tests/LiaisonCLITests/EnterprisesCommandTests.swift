import Foundation
import Testing
import LiaisonTestSupport

/// `liaison enterprises` and the direct train from the CLI: register, enrol (the key printed
/// once), file a complaint about the enterprise, sweep its window, and the court's case file.
@Suite(.tags(.slow)) struct EnterprisesCommandTests {
    let sandbox: Sandbox
    init() throws { sandbox = try Sandbox(databases: ["x.sqlite"]) }
    var db: String { sandbox.path("x.sqlite") }
    static let code = "91350100M000100Y43"

    func submit(_ extra: [String] = []) async throws -> [String: Any] {
        let result = try await sandbox.run(["complaints", "submit", "--lat", "30.2590", "--lng", "120.1300", "--name", "张三", "--phone", "13800138000",
                                            "--merchant", "某某超市", "--category", "price", "--description", "多收费", "--mode", "offline",
                                            "--db", db] + extra)
        #expect(result.status == 0, "\(result)")
        return try #require(try result.jsonObject() as? [String: Any])
    }

    @Test func registerEnrolFileAndSweep() async throws {
        let bad = try await sandbox.run(["enterprises", "add", "--code", "91350100M000100Y44", "--name", "某某超市有限公司", "--contact-name", "王经理",
                                         "--contact-phone", "12345", "--db", db])
        #expect(bad.status == 64, "\(bad)")
        #expect(bad.stderr.contains("--code") && bad.stderr.contains("--contact-phone"), "\(bad)")

        let added = try await sandbox.run(["enterprises", "add", "--code", Self.code, "--name", "某某超市有限公司", "--merchant-id", "zjfx-1",
                                           "--contact-name", "王经理", "--contact-phone", "0571-87654321", "--db", db])
        #expect(added.status == 0, "\(added)")
        let enrolled = try await sandbox.run(["enterprises", "enrol", Self.code, "--days", "2", "--db", db])
        #expect(enrolled.status == 0, "\(enrolled)")
        #expect(enrolled.stdoutLines.count == 1 && enrolled.stdout.hasPrefix("ent_"), "the key alone on stdout: \(enrolled)")
        #expect(enrolled.stderr.contains("shown once"))
        let listed = try await sandbox.run(["enterprises", "list", "--enrolled", "--format", "json", "--db", db])
        #expect((try listed.jsonObject() as? [[String: Any]])?.first?["settle_days"] as? Int == 2)

        let complaint = try await submit(["--merchant-id", "zjfx-1"])
        #expect(complaint["status"] as? String == "with_enterprise")
        let number = try #require(complaint["number"] as? String)
        let settleBy = try #require((complaint["direct_train"] as? [String: Any])?["settle_by"] as? String)

        let badAt = try await sandbox.run(["complaints", "sweep", "--at", "tomorrow", "--db", db])
        #expect(badAt.status == 64 && badAt.stderr.contains("--at"), "\(badAt)")
        let swept = try await sandbox.run(["complaints", "sweep", "--at", settleBy, "--db", db])
        #expect(swept.status == 0, "\(swept)")
        #expect(swept.stdout.hasPrefix("timed_out 1 lapsed 0"), "\(swept)")
        let shown = try await sandbox.run(["complaints", "show", number, "--db", db])
        #expect(shown.stdout.contains("outcome timed_out") && shown.stdout.contains("assigned"), "\(shown)")

        let revoked = try await sandbox.run(["enterprises", "revoke", Self.code, "--db", db])
        #expect(revoked.status == 0 && revoked.stdout.contains("0 complaints sent on to stations"), "\(revoked)")
        let unknown = try await sandbox.run(["enterprises", "enrol", "91330106MA2KY0AB10", "--db", db])
        #expect(unknown.status == 1 && unknown.stderr.contains("91330106MA2KY0AB10"), "\(unknown)")
    }

    @Test func aFailedMediationsCaseFileIsWrittenAsPDF() async throws {
        let number = try #require(try await submit()["number"] as? String)
        for (action, note) in [("accept", nil), ("start_mediation", nil), ("fail", "商家拒绝退款"), ("hand_off", nil)] as [(String, String?)] {
            let result = try await sandbox.run(["complaints", "advance", number, "--action", action, "--db", db] + (note.map { ["--note", $0] } ?? []))
            #expect(result.status == 0, "\(result)")
        }
        let pdf = try await sandbox.run(["complaints", "case-file", number, "--format", "pdf", "-o", sandbox.path("case.pdf"), "--db", db])
        #expect(pdf.status == 0, "\(pdf)")
        let data = try Data(contentsOf: URL(fileURLWithPath: sandbox.path("case.pdf")))
        #expect(data.starts(with: Array("%PDF-".utf8)))
        let json = try await sandbox.run(["complaints", "case-file", number, "--db", db])
        let file = try #require(try json.jsonObject() as? [String: Any])
        #expect((file["court"] as? [String: Any])?["id"] as? String == "330106-C01")
        #expect(file["court_register_synthetic"] as? Bool == true)
        let badFormat = try await sandbox.run(["complaints", "case-file", number, "--format", "docx", "--db", db])
        #expect(badFormat.status == 64 && badFormat.stderr.contains("--format"), "\(badFormat)")
    }
}
