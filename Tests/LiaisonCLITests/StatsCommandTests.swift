import Foundation
import Testing
import LiaisonTestSupport

/// `liaison stats`: the KPIs as a table or as the JSON of `GET /v1/stats`, and usage errors naming the flag.
@Suite(.tags(.slow)) struct StatsCommandTests {
    let sandbox: Sandbox
    init() throws { sandbox = try Sandbox(databases: ["x.sqlite"]) }
    var db: String { sandbox.path("x.sqlite") }

    @Test func aFiledComplaintIsCountedInTheTableAndTheJSON() async throws {
        let submitted = try await sandbox.run(["complaints", "submit", "--lat", "30.2590", "--lng", "120.1300", "--name", "张三", "--phone", "13800138000",
                                               "--merchant", "某某超市", "--category", "food_safety", "--description", "买到过期食品", "--mode", "offline",
                                               "--db", db])
        #expect(submitted.status == 0, "\(submitted)")

        let json = try await sandbox.run(["stats", "--format", "json", "--db", db])
        #expect(json.status == 0, "\(json)")
        let body = try #require(try json.jsonObject() as? [String: Any])
        #expect((body["totals"] as? [String: Any])?["complaints"] as? Int == 1)
        #expect((body["by_city"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["杭州市"])

        let table = try await sandbox.run(["stats", "--county", "330106", "--db", db])
        #expect(table.status == 0, "\(table)")
        #expect(table.stdoutLines.first?.contains("county 330106") == true, "\(table)")
        let total = try #require(table.stdoutLines.first { $0.hasPrefix("total") })
        #expect(total.contains("100.0% (1/1)"), "dispatched at once: \(table)")
        #expect(table.stdoutLines.contains { $0.hasPrefix("county") && $0.contains("西湖区") }, "\(table)")

        let none = try await sandbox.run(["stats", "--from", "2020-01-01", "--to", "2020-02-01", "--format", "json", "--db", db])
        #expect(((try none.jsonObject() as? [String: Any])?["totals"] as? [String: Any])?["complaints"] as? Int == 0)
    }

    @Test(arguments: [
        (["--from", "2026-02-30"], "--from"),
        (["--from", "2026-03-02", "--to", "2026-03-01"], "--to"),
        (["--county", "330104"], "--county"),
        (["--city", "330000"], "--city"),
        (["--station", "330106-9999"], "--station"),
    ])
    func badFlagsExit64NamingTheFlag(arguments: [String], flag: String) async throws {
        let r = try await sandbox.run(["stats", "--db", db] + arguments)
        #expect(r.status == 64, "\(r)")
        #expect(r.stderr.contains(flag + ":"), "\(r)")
        #expect(r.stdout.isEmpty)
    }
}
