import Foundation
import Testing
import LiaisonTestSupport

/// `liaison merchants hotspots`, `liaison ratings` and `liaison where` near a border.
@Suite(.tags(.slow)) struct InsightCommandTests {
    let sandbox: Sandbox
    init() throws { sandbox = try Sandbox(databases: ["x.sqlite"]) }
    var db: String { sandbox.path("x.sqlite") }

    func submit(phone: String) async throws {
        let submitted = try await sandbox.run(["complaints", "submit", "--lat", "30.2590", "--lng", "120.1300", "--name", "张三", "--phone", phone,
                                               "--merchant", "某某超市", "--category", "food_safety", "--description", "买到过期食品", "--mode", "offline",
                                               "--db", db])
        #expect(submitted.status == 0, "\(submitted)")
    }

    @Test func hotspotsListTheMerchantComplainedAboutTwice() async throws {
        try await submit(phone: "13800138000")
        try await submit(phone: "13900139000")
        let table = try await sandbox.run(["merchants", "hotspots", "--county", "330106", "--db", db])
        #expect(table.status == 0, "\(table)")
        let row = try #require(table.stdoutLines.first { $0.contains("某某超市") }, "\(table)")
        #expect(row.contains("food_safety 2"), "\(row)")
        let json = try await sandbox.run(["merchants", "hotspots", "--format", "json", "--db", db])
        let top = try #require(((try json.jsonObject() as? [String: Any])?["hotspots"] as? [[String: Any]])?.first)
        #expect(top["complaints"] as? Int == 2 && top["consumers"] as? Int == 2)
    }

    @Test(arguments: [
        (["--county", "330104"], "--county"),
        (["--min", "0"], "--min"),
        (["--limit", "201"], "--limit"),
        (["--from", "2025-01-01", "--to", "2026-06-01"], "--from"),
    ])
    func badHotspotFlagsExit64NamingTheFlag(arguments: [String], flag: String) async throws {
        let result = try await sandbox.run(["merchants", "hotspots"] + arguments + ["--db", db])
        #expect(result.status == 64, "\(result)")
        #expect(result.stderr.contains(flag), "\(result)")
        #expect(result.stdout.isEmpty)
    }

    @Test func ratingsAreComputedListedAndKeptAsHistory() async throws {
        let computed = try await sandbox.run(["ratings", "compute", "--format", "json", "--db", db])
        #expect(computed.status == 0, "\(computed)")
        let summary = try #require(try computed.jsonObject() as? [String: Any])
        #expect(summary["stations"] as? Int == 2045 && summary["changed"] as? Int == 2045 && summary["rated"] as? Int == 0)
        let again = try await sandbox.run(["ratings", "compute", "--format", "json", "--db", db])
        #expect((try again.jsonObject() as? [String: Any])?["changed"] as? Int == 0, "inputs unchanged: \(again)")
        let list = try await sandbox.run(["ratings", "list", "--county", "330106", "--limit", "3", "--db", db])
        #expect(list.status == 0 && list.stdoutLines.contains { $0.contains("not yet rated") } && list.stdout.contains("more: --offset 3"), "\(list)")
        let history = try await sandbox.run(["ratings", "history", "330106-0001", "--format", "json", "--db", db])
        #expect((try history.jsonObject() as? [Any])?.count == 1, "\(history)")
        let unknown = try await sandbox.run(["ratings", "list", "--county", "330104", "--db", db])
        #expect(unknown.status == 64 && unknown.stderr.contains("--county"), "\(unknown)")
        let detail = try await sandbox.run(["stations", "show", "330106-0001", "--format", "json", "--db", db])
        #expect(((try detail.jsonObject() as? [String: Any])?["rating"] as? [String: Any])?["status"] as? String == "not_yet_rated", "\(detail)")
    }

    @Test func whereNamesTheCountiesAPointNearABorderMayBeIn() async throws {
        // West Lake's east shore: 西湖区 and 上城区 meet there.
        let result = try await sandbox.run(["where", "--lat", "30.2590", "--lng", "120.1560", "--format", "json", "--db", db])
        #expect(result.status == 0, "\(result)")
        let body = try #require(try result.jsonObject() as? [String: Any])
        #expect(body["county_confidence"] as? String == "near_border", "\(body)")
        let table = try await sandbox.run(["where", "--lat", "30.2590", "--lng", "120.1560", "--db", db])
        #expect(table.stdout.contains("near the border: may be in"), "\(table)")
    }
}
