import Foundation
import LiaisonCore
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import LiaisonTestSupport

var complaintJSON: [String: Any] { ComplaintBody.object(["description": "结账多收费"]) }

@Suite(.tags(.slow)) struct ComplaintsCommandTests {
    let sandbox: Sandbox
    init() throws { sandbox = try Sandbox(databases: ["x.sqlite", "c.sqlite"]) }

    /// The running server sends each step's texts through the log gateway.
    @Test func serveSendsTextsThroughTheLogGateway() async throws {
        let server = try await ServerProcess(["--db", sandbox.path("x.sqlite"), "--sms-log", sandbox.path("sms.log")], sandbox: sandbox)
        let (status, body) = try await server.post("/v1/complaints", json: complaintJSON)
        #expect(status == 201)
        let number = try #require(body["number"] as? String)
        var lines: [Substring] = []
        for _ in 0..<100 where lines.count < 2 {
            try await Task.sleep(for: .milliseconds(100))
            lines = (try? String(contentsOfFile: sandbox.path("sms.log"), encoding: .utf8))?.split(separator: "\n") ?? []
        }
        let records = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String] }
        #expect(records.first?["template"] == "consumer.assign" && records.first?["complaint"] == number && records.first?["to"] == "13800138000")
        #expect(records.dropFirst().allSatisfy { $0["template"] == "staff.assign" } && records.count >= 2)
        #expect(try await server.stop() == 0)
    }

    /// Texts the gateway could not take stay in the outbox through a stop, and go out later.
    @Test func pendingTextsSurviveAStopAndAreSentByNotify() async throws {
        // A 2 s first backoff: the server makes one or two attempts before it stops, however
        // slowly a loaded machine runs it, and never the 8 that mark a text failed.
        let server = try await ServerProcess(["--db", sandbox.path("x.sqlite"), "--sms-gateway", "webhook",
                                              "--sms-webhook", "http://127.0.0.1:9/sms", "--sms-retry-seconds", "2"], sandbox: sandbox)
        let (status, body) = try await server.post("/v1/complaints", json: complaintJSON)
        #expect(status == 201)
        let number = try #require(body["number"] as? String)
        try await Task.sleep(for: .milliseconds(1500))   // a first failed attempt against the closed port
        #expect(try await server.stop() == 0)

        // Each text is due again only after its backoff (2 s, doubled after each failed attempt,
        // so how long depends on how many attempts the server made): run notify --once as cron
        // would, until nothing is pending, for at most about 60 s.
        var sent = 0
        var last = ""
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let notify = try await sandbox.run(["notify", "--once", "--db", sandbox.path("x.sqlite"), "--sms-log", sandbox.path("later.log")])
            #expect(notify.status == 0, "\(notify)")
            sent += try #require(notify.stdout.split(separator: " ").dropFirst().first.flatMap { Int($0.dropLast()) }, "\(notify.stdout)")
            last = notify.stdout
            if last.contains("pending 0") { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(sent >= 2 && last.contains("pending 0") && last.contains("failed 0"), "\(last)")
        let lines = try String(contentsOfFile: sandbox.path("later.log"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == sent && lines.allSatisfy { $0.contains(number) })
        let shown = try await sandbox.run(["complaints", "show", number, "--db", sandbox.path("x.sqlite")])
        #expect(shown.stdout.contains("sent") && !shown.stdout.contains("pending"), "\(shown.stdout)")
    }

    /// Texts given up for good (here: one attempt against a closed port) go back in the queue
    /// with `notify --retry-failed` and out with the next pass; `--since` after them requeues none.
    @Test func failedTextsAreRequeuedAndSent() async throws {
        let db = ["--db", sandbox.path("retry.sqlite")]
        let filed = try await sandbox.run(["complaints", "submit", "--lat", "30.259", "--lng", "120.13", "--name", "张三", "--phone", "13800138000",
                                           "--merchant", "某某超市", "--category", "price", "--description", "多收费", "--mode", "offline"] + db)
        try #require(filed.status == 0, "\(filed)")
        let failing = try await sandbox.run(["notify", "--once", "--sms-gateway", "webhook", "--sms-webhook", "http://127.0.0.1:9/sms",
                                             "--sms-max-attempts", "1"] + db)
        // The texts' line: "sent 0, retrying 0, failed N; outbox: pending 0, sent 0, failed N".
        let texts = String(failing.stdout.split(separator: "\n").first ?? "")
        #expect(failing.status == 0 && texts.contains("pending 0") && !texts.contains("failed 0"), "\(failing)")
        let words = texts.split(separator: " ")
        let failed = try #require(words.firstIndex(of: "failed").map { Int(words[$0 + 1].dropLast()) ?? 0 })
        #expect(failed >= 2, "\(failing.stdout)")

        let tomorrow = try await sandbox.run(["notify", "--retry-failed", "--since", "2099-01-01"] + db)
        #expect(tomorrow.status == 0 && tomorrow.stdout.hasPrefix("requeued 0 failed texts"), "\(tomorrow)")
        let requeued = try await sandbox.run(["notify", "--retry-failed", "--once", "--sms-log", sandbox.path("retry.log")] + db)
        #expect(requeued.status == 0 && requeued.stdout.hasPrefix("requeued \(failed) failed texts"), "\(requeued)")
        let sentLine = requeued.stdout.split(separator: "\n").dropFirst().first ?? ""
        #expect(sentLine.hasPrefix("sent \(failed),") && sentLine.hasSuffix("failed 0"), "\(requeued.stdout)")
        let lines = try String(contentsOfFile: sandbox.path("retry.log"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == failed)

        for (arguments, mention) in [(["notify"], "--once or --retry-failed"), (["notify", "--once", "--since", "2026-12-01"], "only with --retry-failed"),
                                     (["notify", "--retry-failed", "--since", "yesterday"], "--since")] {
            let refused = try await sandbox.run(arguments + db)
            #expect(refused.status == 64 && refused.stderr.contains(mention), "\(refused)")
        }
    }

    /// `complaints show` carries what staff need to work a complaint, in Shanghai time.
    @Test func showPrintsEveryFieldStaffNeedInShanghaiTime() async throws {
        let db = ["--db", sandbox.path("show.sqlite")]
        let filed = try await sandbox.run(["complaints", "submit", "--lat", "30.259", "--lng", "120.13", "--name", "张三", "--phone", "13800138000",
                                           "--merchant", "某某超市", "--merchant-address", "西湖区文三路1号", "--category", "price",
                                           "--description", "结账时多收了二十元，要求退还", "--mode", "offline", "--amount-yuan", "20.5"] + db)
        try #require(filed.status == 0, "\(filed)")
        let number = try #require((try filed.jsonObject() as? [String: Any])?["number"] as? String)
        let shown = try await sandbox.run(["complaints", "show", number] + db)
        #expect(shown.status == 0, "\(shown)")
        for expected in ["结账时多收了二十元，要求退还", "20.50 元", "西湖区文三路1号", "138****8000", "submitted: 20", "+08:00", "deadlines: "] {
            #expect(shown.stdout.contains(expected), "\(expected):\n\(shown.stdout)")
        }
        #expect(!shown.stdout.contains("Z "), "no UTC times in the staff view:\n\(shown.stdout)")
    }

    @Test func submitAdvanceListFromTheCommandLine() async throws {
        let db = ["--db", sandbox.path("c.sqlite")]
        let base = ["complaints", "submit", "--lat", "30.259", "--lng", "120.13", "--name", "张三", "--merchant", "某某超市",
                    "--category", "price", "--description", "结账多收费", "--mode", "video"]
        let bad = try await sandbox.run(base + ["--phone", "12345"] + db)
        #expect(bad.status == 64 && bad.stderr.contains("--phone"), "\(bad)")
        let outside = try await sandbox.run(["complaints", "submit", "--lat", "31.2304", "--lng", "121.4737", "--name", "张三", "--phone", "13800138000",
                                             "--merchant", "某", "--category", "price", "--description", "x", "--mode", "offline"] + db)
        #expect(outside.status == 64 && outside.stderr.contains("outside Zhejiang"), "\(outside)")

        let filed = try await sandbox.run(base + ["--phone", "13800138000"] + db)
        #expect(filed.status == 0, "\(filed)")
        let number = try #require((try filed.jsonObject() as? [String: Any])?["number"] as? String)
        let illegal = try await sandbox.run(["complaints", "advance", number, "--action", "resolve"] + db)
        #expect(illegal.status == 1 && illegal.stderr.contains("accept, refuse, reassign"), "\(illegal)")
        let accepted = try await sandbox.run(["complaints", "advance", number, "--action", "accept"] + db)
        #expect(accepted.status == 0 && accepted.stdout.contains("accepted"), "\(accepted)")
        let listed = try await sandbox.run(["complaints", "list", "--status", "accepted", "--format", "json"] + db)
        #expect(((try listed.jsonObject() as? [[String: Any]]) ?? []).compactMap { $0["number"] as? String } == [number])
        let shown = try await sandbox.run(["complaints", "show", number, "--format", "json"] + db)
        let video = (try shown.jsonObject() as? [String: Any])?["video"] as? [String: Any]
        #expect((video?["links"] as? [String: String])?["mediator"]?.hasPrefix("https://meet.liaison.zj/zj-") == true, "\(shown.stdout)")
        let overdue = try await sandbox.run(["complaints", "overdue"] + db)
        #expect(overdue.status == 0 && !overdue.stdout.contains(number))

        // 不予受理 from the command line: a reason from the list, else a usage error naming --reason.
        let second = try #require((try (try await sandbox.run(base + ["--phone", "13900139000"] + db)).jsonObject() as? [String: Any])?["number"] as? String)
        let noReason = try await sandbox.run(["complaints", "advance", second, "--action", "decline"] + db)
        #expect(noReason.status == 64 && noReason.stderr.contains("--reason"), "\(noReason)")
        let declined = try await sandbox.run(["complaints", "advance", second, "--action", "decline", "--reason", "time_barred"] + db)
        #expect(declined.status == 0 && declined.stdout.contains("declined"), "\(declined)")
        let decision = try await sandbox.run(["complaints", "show", second] + db)
        #expect(decision.stdout.contains("不予受理 time_barred") && decision.stdout.contains(DeclineReason.time_barred.label), "\(decision.stdout)")
    }

    /// `complaints list` mirrors GET /v1/complaints: search, repeated statuses, the deadline
    /// order paged by its cursor, CSV for a spreadsheet; every time in Asia/Shanghai.
    @Test func listSearchesSortsPagesAndExportsInShanghaiTime() async throws {
        let db = ["--db", sandbox.path("queue.sqlite")]
        var filed: [String] = []
        for (phone, description) in [("13800138000", "结账多收费"), ("13912345678", "手机维修后屏幕失灵"), ("13700137000", "预付卡门店跑路")] {
            let r = try await sandbox.run(["complaints", "submit", "--lat", "30.259", "--lng", "120.13", "--name", "张三", "--phone", phone,
                                           "--merchant", "某某超市", "--category", "price", "--description", description, "--mode", "offline"] + db)
            try #require(r.status == 0, "\(r)")
            filed.append(try #require((try r.jsonObject() as? [String: Any])?["number"] as? String))
        }
        let accepted = try await sandbox.run(["complaints", "advance", filed[0], "--action", "accept"] + db)
        #expect(accepted.status == 0, "\(accepted)")
        func numbers(_ r: CLIResult) throws -> [String] { ((try r.jsonObject() as? [[String: Any]]) ?? []).compactMap { $0["number"] as? String } }

        #expect(try numbers(try await sandbox.run(["complaints", "list", "--q", "维修", "--format", "json"] + db)) == [filed[1]])
        #expect(try numbers(try await sandbox.run(["complaints", "list", "--search", "5678", "--format", "json"] + db)) == [filed[1]])
        let both = try await sandbox.run(["complaints", "list", "--status", "accepted", "--status", "assigned", "--format", "json"] + db)
        #expect(try numbers(both) == filed.reversed(), "newest first, as the HTTP list")

        // By deadline, two at a time: the cursor to go on with is on standard error.
        let first = try await sandbox.run(["complaints", "list", "--sort", "deadline", "--limit", "2", "--format", "json"] + db)
        let after = try #require(first.stderr.firstMatch(of: /--after (\S+)/).map { String($0.1) }, "\(first)")
        let rest = try await sandbox.run(["complaints", "list", "--sort", "deadline", "--after", after, "--format", "json"] + db)
        #expect(try numbers(first) + numbers(rest) == [filed[1], filed[2], filed[0]], "the accepted one's mediation clock is the latest")
        #expect(rest.stderr.isEmpty, "\(rest)")

        let table = try await sandbox.run(["complaints", "list", "--sort", "deadline"] + db)
        #expect(table.status == 0 && table.stdout.contains("+08:00") && !table.stdout.contains("Z "), "\(table.stdout)")
        let csv = try await sandbox.run(["complaints", "list", "--format", "csv", "--bom", "--q", "维修"] + db)
        #expect(csv.status == 0 && csv.stdout.hasPrefix("\u{FEFF}编号,状态,"), "\(csv)")
        let row = csv.stdout.split(separator: "\r\n").last.map(String.init) ?? ""
        #expect(row.hasPrefix(filed[1]) && row.contains("139****5678") && row.firstMatch(of: /,20[0-9]{2}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2},/) != nil, "\(row)")

        let bad = try await sandbox.run(["complaints", "list", "--sort", "nearest"] + db)
        #expect(bad.status == 64 && bad.stderr.contains("--sort") && bad.stderr.contains("submitted, deadline"), "\(bad)")
        let badCursor = try await sandbox.run(["complaints", "list", "--sort", "deadline", "--after", "2026~" + after] + db)
        #expect(badCursor.status == 64 && badCursor.stderr.contains("--after"), "\(badCursor)")
    }
}
