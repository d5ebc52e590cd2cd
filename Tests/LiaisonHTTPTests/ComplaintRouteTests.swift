import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LiaisonCore
import LiaisonHTTP
import LiaisonStore
import Testing
import LiaisonTestSupport

/// A valid complaint body, WGS-84, near West Lake (西湖区) unless moved.
func complaintJSON(_ changes: [String: Any] = [:]) -> ByteBuffer {
    let base: [String: Any] = [
        "location": ["lat": 30.2590, "lng": 120.1300, "coordsys": "wgs84"],
        "merchant": ["name": "某某超市", "address": "文三路 1 号"],
        "category": "product_quality", "description": "买到过期食品，商家拒绝退货", "amount_yuan": 19.9,
    ]
    return ByteBuffer(bytes: ComplaintBody.json(phone: "+86 138 0013 8000", base.merging(changes) { $1 }))
}

/// The headers of a filing as a mini-program backend sends them: JSON, and an `Idempotency-Key`
/// of its own (required since 0.4), here a fresh one each call unless given.
func intakeHeaders(key: String = UUID().uuidString, _ extra: HTTPFields = [:]) -> HTTPFields {
    var headers: HTTPFields = [.contentType: "application/json"]
    headers[HTTPField.Name("Idempotency-Key")!] = key
    headers.append(contentsOf: extra)
    return headers
}

/// The complaint API over a real server on loopback, on a register of its own.
@Suite struct ComplaintRouteTests {
    let register: WritableRegister

    init() throws {
        register = try WritableRegister()
    }

    static func json(_ response: TestResponse) throws -> [String: Any] { try response.json() }

    static func tracking(_ token: String) -> HTTPFields { [HTTPField.Name("X-Tracking-Token")!: token] }

    @Test func submitTrackActFeedback() async throws {
        try await register.app().test(.live) { client in
            let created = try await client.execute(uri: "/v1/complaints", method: .post, headers: intakeHeaders(), body: complaintJSON())
            #expect(created.status == .created)
            let body = try created.json()
            let number = try #require(body["number"] as? String)
            let token = try #require(body["tracking_token"] as? String)
            #expect(created.headers[.location] == "/v1/complaints/\(number)")
            #expect((body["consumer"] as? [String: Any])?["phone"] as? String == "138****8000")
            let station = try #require(body["station"] as? [String: Any])
            let stationID = try #require(station["id"] as? String)

            // Tracking: by header or query; the token is not repeated.
            let tracked = try await client.execute(uri: "/v1/complaints/\(number)", method: .get, headers: Self.tracking(token))
            #expect(tracked.status == .ok)
            #expect(try tracked.json()["tracking_token"] == nil)
            #expect(tracked.headers[.cacheControl] == "no-store")
            let byQuery = try await client.execute(uri: "/v1/complaints/\(number)?token=\(token)", method: .get)
            #expect(byQuery.status == .ok)

            // Staff: accept, start, resolve; an illegal action is a 409 naming the state and what is allowed.
            let staff = WritableRegister.headers(register.admin)
            let illegal = try await client.execute(uri: "/v1/complaints/\(number)/events", method: .post, headers: staff,
                                                   body: ByteBuffer(string: #"{"action":"resolve"}"#))
            #expect(illegal.status == .conflict)
            #expect(illegal.text.contains("is assigned") && illegal.text.contains("accept, refuse, reassign"), "\(illegal.text)")
            // The queue shows the earliest running deadline: the first response's, 24 hours after intake.
            func nextDeadline() async throws -> [String: Any]? {
                let queue = try await client.execute(uri: "/v1/stations/\(stationID)/complaints", method: .get, headers: staff)
                return (try queue.json()["complaints"] as? [[String: Any]])?.first { $0["number"] as? String == number }?["next_deadline"] as? [String: Any]
            }
            let submittedAt = try #require(body["submitted_at"] as? String)
            let submitted = try #require(Timestamp.parse(submittedAt))
            let first = try await nextDeadline()
            #expect(first?["kind"] as? String == "first_response")
            #expect((first?["due_by"] as? String).flatMap(Timestamp.parse) == submitted.addingTimeInterval(24 * 3600))
            for action in ["accept", "start_mediation", "resolve"] {
                let r = try await client.execute(uri: "/v1/complaints/\(number)/events", method: .post, headers: staff,
                                                 body: ByteBuffer(string: #"{"action":"\#(action)"}"#))
                #expect(r.status == .ok, "\(action): \(r.text)")
            }
            // The queue of the station lists it.
            let queue = try await client.execute(uri: "/v1/stations/\(stationID)/complaints?status=resolved", method: .get, headers: staff)
            #expect(queue.status == .ok)
            #expect(((try queue.json()["complaints"] as? [[String: Any]]) ?? []).map { $0["number"] as? String } == [number])
            #expect(try await nextDeadline() == nil, "resolved: no clock runs")

            let feedback = try await client.execute(uri: "/v1/complaints/\(number)/feedback", method: .post, headers: Self.tracking(token),
                                                    body: ByteBuffer(string: #"{"satisfaction":5,"comment":"很满意"}"#))
            #expect(feedback.status == .ok)
            let closed = try feedback.json()
            #expect(closed["status"] as? String == "closed")
            #expect((closed["events"] as? [[String: Any]])?.compactMap { $0["action"] as? String }
                    == ["submit", "assign", "accept", "start_mediation", "resolve", "feedback"])
            #expect((closed["allowed_actions"] as? [String]) == [])
        }
    }

    /// 不予受理 over HTTP: a reason from the list or a 400 naming `reason`; the consumer's view
    /// shows the decision, the reason and where else to go; events count 1, 2, 3 within the complaint.
    @Test func staffDeclineWithAReason() async throws {
        try await register.app().test(.live) { client in
            let created = try await client.execute(uri: "/v1/complaints", method: .post, headers: intakeHeaders(), body: complaintJSON())
            let body = try created.json()
            let number = try #require(body["number"] as? String), token = try #require(body["tracking_token"] as? String)
            let staff = WritableRegister.headers(register.admin)
            for (bad, field) in [(#"{"action":"decline"}"#, "reason"), (#"{"action":"decline","reason":"not_ours"}"#, "reason"),
                                 (#"{"action":"decline","reason":"other_legal"}"#, "note"), (#"{"action":"accept","reason":"time_barred"}"#, "reason")] {
                let refused = try await client.execute(uri: "/v1/complaints/\(number)/events", method: .post, headers: staff, body: ByteBuffer(string: bad))
                #expect(refused.status == .badRequest && refused.headers[.contentType] == "application/problem+json", "\(bad)")
                let names = ((try refused.json()["invalid_params"] as? [[String: Any]]) ?? []).compactMap { $0["name"] as? String }
                #expect(names == [field], "\(bad): \(refused.text)")
            }
            let declined = try await client.execute(uri: "/v1/complaints/\(number)/events", method: .post, headers: staff,
                                                    body: ByteBuffer(string: #"{"action":"decline","reason":"not_consumer_dispute","note":"经营性采购"}"#))
            #expect(declined.status == .ok, "\(declined.text)")
            let tracked = try await client.execute(uri: "/v1/complaints/\(number)", method: .get, headers: Self.tracking(token))
            let view = try tracked.json()
            #expect(view["status"] as? String == "declined" && (view["allowed_actions"] as? [String]) == [])
            let decision = try #require(view["decline"] as? [String: Any])
            #expect(decision["reason"] as? String == "not_consumer_dispute" && decision["reason_label"] as? String == DeclineReason.not_consumer_dispute.label)
            #expect((view["next_steps"] as? String)?.contains("12315") == true)
            let events = try #require(view["events"] as? [[String: Any]])
            #expect(events.compactMap { $0["seq"] as? Int } == [1, 2, 3])
            #expect(events.compactMap { $0["action"] as? String } == ["submit", "assign", "decline"])
            let ids = events.compactMap { $0["id"] as? Int }
            #expect(ids.count == 3 && ids == ids.sorted())
            #expect(events.last?["actor"] as? String == "station_staff", "the consumer never sees a token's name")
        }
    }

    /// A wrong or missing token is answered exactly like a number that does not exist.
    @Test func numbersCannotBeProbed() async throws {
        try await register.app().test(.live) { client in
            let created = try await client.execute(uri: "/v1/complaints", method: .post, headers: intakeHeaders(), body: complaintJSON())
            let number = try #require(try created.json()["number"] as? String)
            let unknown = String(number.dropLast()) + (number.hasSuffix("9") ? "8" : "9")
            var answers: [(HTTPResponse.Status, String)] = []
            for (uri, headers) in [("/v1/complaints/\(number)", Self.tracking("trk_wrong")), ("/v1/complaints/\(number)", [:]),
                                   ("/v1/complaints/\(unknown)", Self.tracking("trk_wrong")), ("/v1/complaints/\(unknown)", [:])] {
                let r = try await client.execute(uri: uri, method: .get, headers: headers)
                var body = try r.json()
                body["instance"] = nil
                body["request_id"] = nil
                body["detail"] = (body["detail"] as? String)?.replacingOccurrences(of: number, with: "N").replacingOccurrences(of: unknown, with: "N")
                answers.append((r.status, String(decoding: try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys]), as: UTF8.self)))
            }
            #expect(answers.allSatisfy { $0.0 == .notFound })
            #expect(Set(answers.map(\.1)).count == 1, "\(answers)")
            let withdraw = try await client.execute(uri: "/v1/complaints/\(number)/withdraw", method: .post, headers: Self.tracking("trk_wrong"))
            #expect(withdraw.status == .notFound)
        }
    }

    @Test func idempotencyKeys() async throws {
        try await register.app().test(.live) { client in
            var headers: HTTPFields = [.contentType: "application/json"]
            headers[HTTPField.Name("Idempotency-Key")!] = "mp-order-0001"
            let first = try await client.execute(uri: "/v1/complaints", method: .post, headers: headers, body: complaintJSON())
            let retry = try await client.execute(uri: "/v1/complaints", method: .post, headers: headers, body: complaintJSON())
            #expect(first.status == .created && retry.status == .created)
            #expect(retry.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            #expect(first.text == retry.text)
            let changed = try await client.execute(uri: "/v1/complaints", method: .post, headers: headers,
                                                   body: complaintJSON(["description": "另一件事"]))
            #expect(changed.status == .conflict)
            #expect(changed.headers[.contentType] == "application/problem+json")
        }
    }

    /// Since 0.4 a filing without an `Idempotency-Key` is refused, naming the header, and
    /// nothing is filed: without one, a retry after a lost answer files the complaint twice.
    @Test func aFilingWithoutAnIdempotencyKeyIsRefused() async throws {
        try await register.app().test(.live) { client in
            let r = try await client.execute(uri: "/v1/complaints", method: .post, headers: [.contentType: "application/json"], body: complaintJSON())
            #expect(r.status == .badRequest, "\(r.text)")
            #expect(r.headers[.contentType] == "application/problem+json")
            #expect(try r.invalidParameterNames() == ["Idempotency-Key"])
            #expect(r.text.contains("is required"), "\(r.text)")
        }
        let desk = ComplaintDesk(database: register.database, finder: register.finder, settings: Fixture.complaints)
        #expect(try desk.complaints(countyCode: nil, status: nil).isEmpty)
    }

    /// What a consumer types is stored as answered: every string below goes in, the 201 echoes
    /// it in NFC (the one normalisation, documented), the staff view reads the same, and the
    /// database file, read by the `sqlite3` program rather than by this code, holds exactly
    /// those UTF-8 bytes. Full-width digits and spaces in the phone are read as ASCII.
    @Test func textIsKeptAsAnsweredToTheByte() async throws {
        let cases: [(sent: String, stored: String)] = [
            ("e\u{301}clair 한\u{1100}\u{1161}", "\u{E9}clair 한가"),            // decomposed → NFC
            ("😀 👨‍👩‍👧 🇨🇳 👍🏽 𠀀 𰀀", "😀 👨‍👩‍👧 🇨🇳 👍🏽 𠀀 𰀀"),                   // astral, ZWJ, flags, CJK ext. B and G
            ("a\u{FEFF}b\u{200B}c\u{A0}d\u{FFFD}e\u{FFFF}f\u{10FFFF}", "a\u{FEFF}b\u{200B}c\u{A0}d\u{FFFD}e\u{FFFF}f\u{10FFFF}"),
            ("第一行\n第二行\r\n第三行\t制表", "第一行\n第二行\r\n第三行\t制表"),
            ("\\ \" '</b>'; DROP TABLE c;--", "\\ \" '</b>'; DROP TABLE c;--"),   // fits a name's 32 characters
            ("ＡＢＣ１２３　全角 ︎☺︎", "ＡＢＣ１２３　全角 ︎☺︎"),
        ]
        let filed = try await register.app().test(.live) { client -> [(number: String, stored: String)] in
            var filed: [(number: String, stored: String)] = []
            for (i, item) in cases.enumerated() {
                let phone = "１３９　００１３－０００" + String(UnicodeScalar(0xFF10 + UInt32(i))!)   // full-width, as typed on a Chinese keyboard
                let body = complaintJSON(["description": "开头" + item.sent + "结尾", "merchant": ["name": "店" + item.sent],
                                          "consumer": ["name": "名" + item.sent, "phone": phone]])
                let r = try await client.execute(uri: "/v1/complaints", method: .post, headers: intakeHeaders(), body: body)
                #expect(r.status == .created, "case \(i): \(r.text)")
                let json = try r.json()
                let number = try #require(json["number"] as? String)
                #expect(json["description"] as? String == "开头" + item.stored + "结尾", "case \(i)")
                #expect((json["merchant"] as? [String: Any])?["name"] as? String == "店" + item.stored, "case \(i)")
                #expect((json["consumer"] as? [String: Any])?["phone"] as? String == "139****000\(i)", "case \(i): full-width phone")
                let staff = try await client.execute(uri: "/v1/complaints/\(number)", method: .get, headers: WritableRegister.headers(register.admin))
                let view = try staff.json()
                #expect(view["description"] as? String == "开头" + item.stored + "结尾", "case \(i), staff view")
                #expect((view["consumer"] as? [String: Any])?["name"] as? String == "名" + item.stored, "case \(i), staff view")
                filed.append((number, item.stored))
            }
            return filed
        }
        guard !WritableRegister.onPostgres else { return }   // the file check is of the SpatiaLite file
        let db = register.folder.appendingPathComponent("liaison.sqlite").path
        for (number, stored) in filed {
            let out = try await ChildProcess.tool("sqlite3", [db, "SELECT hex(description), hex(merchant_name), hex(consumer_name), consumer_phone FROM complaints WHERE number = '\(number)'"],
                                                  in: register.folder)
            #expect(out.status == 0, "\(out)")
            let hex = { (text: String) in Data(text.utf8).map { String(format: "%02X", $0) }.joined() }
            let expected = [hex("开头" + stored + "结尾"), hex("店" + stored), hex("名" + stored)].joined(separator: "|")
            let row = out.stdout.trimmingCharacters(in: .newlines)
            #expect(row.hasPrefix(expected + "|139001300"), "\(number): the file holds \(row)")
        }
    }

    @Test(arguments: [
        (#"{"location":{"lat":95,"lng":120.13}}"#, "location.lat"),
        (#"{"location":{"lat":30.259,"lng":120.13,"coordsys":"mars"}}"#, "location.coordsys"),
        (#"{"consumer":{"name":"张三","phone":"12345"}}"#, "consumer.phone"),
        (#"{"merchant":{"name":""}}"#, "merchant.name"),
        (#"{"category":"weather"}"#, "category"),
        (#"{"preferred_mode":"carrier pigeon"}"#, "preferred_mode"),
        (#"{"amount_yuan":-3}"#, "amount_yuan"),
        (#"{"surprise":1}"#, "surprise"),
    ])
    func badFieldsAreNamedAndNothingIsWritten(_ change: String, _ field: String) async throws {
        let changes = try #require(try JSONSerialization.jsonObject(with: Data(change.utf8)) as? [String: Any])
        let body = complaintJSON(changes)
        try await register.app().test(.live) { client in
            let r = try await client.execute(uri: "/v1/complaints", method: .post, headers: intakeHeaders(), body: body)
            #expect(r.status == .badRequest, "\(r.text)")
            #expect(try r.invalidParameterNames() == [field])
        }
        let desk = ComplaintDesk(database: register.database, finder: register.finder, settings: Fixture.complaints)
        #expect(try desk.complaints(countyCode: nil, status: nil).isEmpty)
    }

    @Test func outsideZhejiangIs422() async throws {
        try await register.app().test(.live) { client in
            let r = try await client.execute(uri: "/v1/complaints", method: .post, headers: intakeHeaders(),
                                             body: complaintJSON(["location": ["lat": 31.2304, "lng": 121.4737]]))
            #expect(r.status == .unprocessableContent)
            #expect((try r.json()["type"] as? String)?.hasSuffix("/outside-service-area") == true)
        }
    }

    /// The phone shows in full only to the staff of the assigned station's county.
    @Test func phonesAreMaskedExceptForTheAssignedStationsStaff() async throws {
        let otherCounty = try register.tokens.create(name: "ningbo-1", role: .county("330203"))
        try await register.app().test(.live) { client in
            let created = try await client.execute(uri: "/v1/complaints", method: .post, headers: intakeHeaders(), body: complaintJSON())
            let body = try created.json()
            let number = try #require(body["number"] as? String)
            let county = try #require((body["station"] as? [String: Any])?["county_code"] as? String)
            try #require(county == "330106", "the West Lake point should be served in 西湖区")
            func phone(_ token: String) async throws -> (HTTPResponse.Status, String?) {
                let r = try await client.execute(uri: "/v1/complaints/\(number)", method: .get, headers: WritableRegister.headers(token))
                return (r.status, (try r.json()["consumer"] as? [String: Any])?["phone"] as? String)
            }
            #expect(try await phone(register.xihu) == (.ok, "13800138000"))
            #expect(try await phone(register.admin) == (.ok, "138****8000"))
            #expect(try await phone(otherCounty).0 == .forbidden)
        }
    }

    /// The outbox by state, for alerting on texts that could not be delivered.
    @Test func metricsCountTheOutbox() async throws {
        try await register.app().test(.live) { client in
            let created = try await client.execute(uri: "/v1/complaints", method: .post, headers: intakeHeaders(), body: complaintJSON())
            let stationID = try #require((try created.json()["station"] as? [String: Any])?["id"] as? String)
            let staff = try #require(register.finder.snapshot.station(id: stationID)?.staff.count)
            // No delivery worker runs in this app: the consumer's text and one per staff member wait.
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(metrics.text.contains(#"liaison_sms_outbox_messages{status="pending"} \#(1 + staff)"#), "\(metrics.text)")
            #expect(metrics.text.contains(#"liaison_sms_outbox_messages{status="failed"} 0"#))
        }
    }
}
