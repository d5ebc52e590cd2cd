import Foundation
import Testing
import LiaisonTestSupport

/// Tokens and station writes from the CLI: the same rules as the HTTP API.
@Suite(.tags(.slow)) struct RegistryCommandTests {
    let sandbox: Sandbox
    init() throws { sandbox = try Sandbox(databases: ["x.sqlite"]) }
    var db: String { sandbox.path("x.sqlite") }

    @Test func tokensArePrintedOnceAndStoredOnlyAsDigests() async throws {
        let created = try await sandbox.run(["tokens", "create", "--name", "county-admin", "--role", "county:330106", "--db", db])
        #expect(created.status == 0, "\(created)")
        let token = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.hasPrefix("lst_") && token.count >= 4 + 43)
        let listed = try await sandbox.run(["tokens", "list", "--db", db])
        #expect(listed.stdout.contains("county-admin") && listed.stdout.contains("county:330106"))
        #expect(!listed.stdout.contains(token))
        // The database and its WAL together hold the token's row (its name) but not the token.
        var stored = try Data(contentsOf: URL(fileURLWithPath: sandbox.path("x.sqlite")))
        if sandbox.exists("x.sqlite-wal") { stored += try Data(contentsOf: URL(fileURLWithPath: sandbox.path("x.sqlite-wal"))) }
        #expect(stored.range(of: Data("county-admin".utf8)) != nil, "the token's row was not found in the files read")
        #expect(stored.range(of: Data(token.utf8)) == nil, "the database holds the token")
        let again = try await sandbox.run(["tokens", "create", "--name", "county-admin", "--role", "admin", "--db", db])
        #expect(again.status == 64 && again.stderr.contains("already exists"), "\(again)")
        let badRole = try await sandbox.run(["tokens", "create", "--name", "x", "--role", "boss", "--db", db])
        #expect(badRole.status == 64 && badRole.stderr.contains("--role"), "\(badRole)")
        let revoked = try await sandbox.run(["tokens", "revoke", "county-admin", "--db", db])
        #expect(revoked.status == 0)
        #expect(try await sandbox.run(["tokens", "list", "--db", db]).stdout.contains("revoked"))
        #expect(try await sandbox.run(["tokens", "revoke", "county-admin", "--db", db]).status == 1)
    }

    @Test func addUpdateRetireAndHistory() async throws {
        let draft = #"""
        {"name":"命令行村消费维权联络站","location":{"lat":30.2200,"lng":120.0800},"address":{"town":"转塘街道","village":"命令行村"},
         "phone":"0571-87000001","hours":{"mon":["08:30-11:30"],"tue":[],"wed":[],"thu":[],"fri":[],"sat":[],"sun":[]},
         "modes":["offline"],"capacity":5,"staff":[{"name":"张三","role":"站长","mobile":"0086 199 9999 0003"}]}
        """#
        try draft.write(toFile: sandbox.path("draft.json"), atomically: true, encoding: .utf8)
        let added = try await sandbox.run(["stations", "add", "--file", "draft.json", "--db", db])
        #expect(added.status == 0, "\(added)")
        let id = try #require((try added.jsonObject() as? [String: Any])?["id"] as? String)
        #expect(id.hasPrefix("330106-"))

        try #"{"capacity": 7}"#.write(toFile: sandbox.path("patch.json"), atomically: true, encoding: .utf8)
        let updated = try await sandbox.run(["stations", "update", id, "--file", "patch.json", "--db", db])
        #expect(updated.status == 0, "\(updated)")
        #expect((try updated.jsonObject() as? [String: Any])?["capacity"] as? Int == 7)

        try #"{"capacity": 0, "id": "330106-9999"}"#.write(toFile: sandbox.path("bad.json"), atomically: true, encoding: .utf8)
        let bad = try await sandbox.run(["stations", "update", id, "--file", "bad.json", "--db", db])
        #expect(bad.status == 64, "\(bad)")
        #expect(bad.stderr.contains("id: unknown field"), "\(bad)")

        let retired = try await sandbox.run(["stations", "retire", id, "--reason", "moved", "--db", db])
        #expect(retired.status == 0, "\(retired)")
        let history = try await sandbox.run(["stations", "history", id, "--format", "json", "--db", db])
        let entries = try #require(try history.jsonObject() as? [[String: Any]])
        #expect(entries.compactMap { $0["action"] as? String } == ["create", "update", "retire"])
        #expect(entries.allSatisfy { ($0["actor"] as? String)?.hasPrefix("cli:") == true })

        let shown = try await sandbox.run(["stations", "show", id, "--format", "json", "--db", db])
        #expect((try shown.jsonObject() as? [String: Any])?["status"] as? String == "retired")
        #expect(try await sandbox.run(["stations", "retire", "330106-9999", "--reason", "x", "--db", db]).status == 1)
    }

    /// `stations retire` hands the station's open complaints on and says where they went.
    @Test func retiringAStationFromTheCommandLineHandsItsComplaintsOn() async throws {
        let db = ["--db", sandbox.path("handover.sqlite")]
        let filed = try await sandbox.run(["complaints", "submit", "--lat", "30.259", "--lng", "120.13", "--name", "张三", "--merchant", "某某超市",
                                           "--category", "price", "--description", "结账多收费", "--mode", "offline", "--phone", "13800138000"] + db)
        try #require(filed.status == 0, "\(filed)")
        let number = try #require((try filed.jsonObject() as? [String: Any])?["number"] as? String)
        func station() async throws -> String? {
            let shown = try await sandbox.run(["complaints", "show", number, "--format", "json"] + db)
            return (try shown.jsonObject() as? [String: Any]).flatMap { ($0["station"] as? [String: Any])?["id"] as? String }
        }
        let before = try #require(try await station())
        let retired = try await sandbox.run(["stations", "retire", before, "--reason", "并入邻村"] + db)
        #expect(retired.status == 0, "\(retired)")
        #expect(retired.stdout.contains("\(before) retired") && retired.stdout.contains(number), "\(retired)")
        let after = try #require(try await station())
        #expect(after != before)
    }

    /// `stations staff add|edit|remove`: one member by id, the others' mobiles kept; bad
    /// input exits 64 naming the flag, a state refusal (unknown member, the last one) exits 1.
    @Test func staffMembersByIDFromTheCommandLine() async throws {
        let station = "330106-0001"  // shipped with s1 李斌 19900009469 and s2 朱明华 19900002699
        func staff() async throws -> [[String: Any]] {
            let shown = try await sandbox.run(["stations", "show", station, "--format", "json", "--db", db])
            return try #require((try shown.jsonObject() as? [String: Any])?["staff"] as? [[String: Any]])
        }
        func ids() async throws -> [String] { try await staff().compactMap { $0["id"] as? String } }
        #expect(try await ids() == ["s1", "s2"])

        let added = try await sandbox.run(["stations", "staff", "add", station, "--name", "陈新", "--role", "调解员", "--mobile", "13712340041", "--db", db])
        #expect(added.status == 0, "\(added)")
        #expect((try added.jsonObject() as? [String: Any])?["id"] as? String == "s3")

        let edited = try await sandbox.run(["stations", "staff", "edit", station, "s1", "--role", "调解员", "--db", db])
        #expect(edited.status == 0, "\(edited)")
        let members = try await staff()
        #expect(members.compactMap { $0["role"] as? String } == ["调解员", "联络员", "调解员"])
        #expect(members.compactMap { $0["mobile_masked"] as? String } == ["199****9469", "199****2699", "137****0041"])

        let removed = try await sandbox.run(["stations", "staff", "remove", station, "s3", "--db", db])
        #expect(removed.status == 0, "\(removed)")
        let again = try await sandbox.run(["stations", "staff", "add", station, "--name", "周新", "--role", "联络员", "--mobile", "13712340042", "--db", db])
        #expect((try again.jsonObject() as? [String: Any])?["id"] as? String == "s4", "\(again)")
        let table = try await sandbox.run(["stations", "show", station, "--db", db])
        #expect(table.stdout.contains("s4  联络员  周新  137****0042"), "\(table)")

        let badMobile = try await sandbox.run(["stations", "staff", "edit", station, "s1", "--mobile", "12345", "--db", db])
        #expect(badMobile.status == 64 && badMobile.stderr.contains("--mobile: \"12345\" is not a mobile number"), "\(badMobile)")
        let nothing = try await sandbox.run(["stations", "staff", "edit", station, "s1", "--db", db])
        #expect(nothing.status == 64 && nothing.stderr.contains("--name, --role and --mobile"), "\(nothing)")
        let missing = try await sandbox.run(["stations", "staff", "add", station, "--name", "某", "--db", db])
        #expect(missing.status == 64 && missing.stderr.contains("--mobile, --role"), "\(missing)")
        let unknown = try await sandbox.run(["stations", "staff", "remove", station, "s9", "--db", db])
        #expect(unknown.status == 1 && unknown.stderr.contains("s9"), "\(unknown)")
        #expect(try await ids() == ["s1", "s2", "s4"])
        for id in ["s1", "s2"] { #expect(try await sandbox.run(["stations", "staff", "remove", station, id, "--db", db]).status == 0) }
        let last = try await sandbox.run(["stations", "staff", "remove", station, "s4", "--db", db])
        #expect(last.status == 1 && last.stderr.contains("only staff member"), "\(last)")
        #expect(try await ids() == ["s4"])

        // Export and import into a new database keep the ids, in both formats.
        for format in ["geojson", "csv"] {
            let file = sandbox.path("register.\(format)"), copy = sandbox.path("copy-\(format).sqlite")
            #expect(try await sandbox.run(["export", "--format", format, "--out", file, "--db", db]).status == 0)
            let imported = try await sandbox.run(["import", file, "--db", copy, "--empty"])
            #expect(imported.status == 0, "\(imported)")
            let shown = try await sandbox.run(["stations", "show", station, "--format", "json", "--db", copy])
            let copied = (try shown.jsonObject() as? [String: Any])?["staff"] as? [[String: Any]]
            #expect(copied?.compactMap { $0["id"] as? String } == ["s4"], "\(format): \(shown)")
        }
    }
}
