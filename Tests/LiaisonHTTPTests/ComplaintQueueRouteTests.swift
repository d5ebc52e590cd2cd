import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LiaisonCore
import LiaisonHTTP
import LiaisonStore
import Testing

/// `GET /v1/complaints` as a queue staff work: search, repeated statuses, the deadline order
/// with its opaque cursor, and the CSV export with the JSON list's scope.
@Suite struct ComplaintQueueRouteTests {
    let register: WritableRegister

    init() throws {
        register = try WritableRegister()
    }

    func numbers(_ response: TestResponse) throws -> [String] {
        (try response.json()["complaints"] as? [[String: Any]] ?? []).compactMap { $0["number"] as? String }
    }

    /// Files five complaints in 西湖区 (the last in another phone and text) and accepts the first.
    func file(_ client: some TestClientProtocol) async throws -> [String] {
        var filed: [String] = []
        for i in 0..<5 {
            let changes: [String: Any] = i == 4
                ? ["description": "Apple 手机维修后屏幕失灵", "merchant": ["name": "果然数码"], "consumer": ["name": "李四", "phone": "13912345678"]]
                : ["description": "第\(i)件：买到过期食品"]
            let r = try await client.execute(uri: "/v1/complaints", method: .post, headers: intakeHeaders(), body: complaintJSON(changes))
            #expect(r.status == .created, "\(r.text)")
            filed.append(try #require(try r.json()["number"] as? String))
        }
        let accepted = try await client.execute(uri: "/v1/complaints/\(filed[0])/events", method: .post, headers: WritableRegister.headers(register.admin),
                                                body: ByteBuffer(string: #"{"action":"accept"}"#))
        #expect(accepted.status == .ok, "\(accepted.text)")
        return filed
    }

    @Test func searchRepeatedStatusesAndTheDeadlineOrderPageWithoutGapsOrRepeats() async throws {
        let admin = WritableRegister.headers(register.admin)
        try await register.app().test(.live) { client in
            let filed = try await file(client)
            func walk(_ query: String) async throws -> [String] {
                var seen: [String] = [], after: String?
                for _ in 0..<10 {
                    let r = try await client.execute(uri: "/v1/complaints?limit=2&" + query + (after.map { "&after=\($0)" } ?? ""), method: .get, headers: admin)
                    #expect(r.status == .ok, "\(query): \(r.text)")
                    seen += try numbers(r)
                    after = try r.json()["next"] as? String
                    if after == nil { break }
                }
                return seen
            }
            #expect(try await walk("q=apple") == [filed[4]], "text, any case")
            #expect(try await walk("q=5678") == [filed[4]], "a phone's last four")
            #expect(try await walk("q=13912345678") == [filed[4]])
            #expect(try await walk("q=" + "过期".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!) == filed.prefix(4).reversed())
            #expect(try await walk("q=" + filed[2]) == [filed[2]])
            #expect(try await walk("status=accepted&status=assigned") == filed.reversed())
            #expect(try await walk("status=accepted") == [filed[0]])
            #expect(try await walk("sort=submitted&order=asc") == filed)
            // The accepted one's clock is the mediation deadline, weeks out: it comes last.
            let byDeadline = try await walk("sort=deadline")
            #expect(byDeadline == Array(filed.dropFirst()) + [filed[0]], "\(byDeadline)")
            #expect(try await walk("sort=deadline&order=desc") == byDeadline.reversed())
            // A cursor of the deadline order is the last row's key and number; a malformed one is a 400.
            let first = try await client.execute(uri: "/v1/complaints?limit=2&sort=deadline", method: .get, headers: admin)
            let cursor = try #require(try first.json()["next"] as? String)
            #expect(cursor.wholeMatch(of: /[0-9]{17}~ZJ-[0-9]{8}-[0-9]{6}/) != nil, "\(cursor)")
            let bad = try await client.execute(uri: "/v1/complaints?sort=deadline&after=\(cursor.dropFirst())", method: .get, headers: admin)
            #expect(bad.status == .badRequest, "\(bad.text)")
            #expect(try bad.invalidParameterNames() == ["after"])
        }
    }

    struct Bad: Sendable, CustomTestStringConvertible {
        let query: String, name: String, allowed: String
        var testDescription: String { query.prefix(40) + " → " + name }
    }

    @Test(arguments: [
        Bad(query: "sort=nearest", name: "sort", allowed: "submitted, deadline"), Bad(query: "order=up", name: "order", allowed: "asc or desc"),
        Bad(query: "format=xlsx", name: "format", allowed: "json or csv"),
        Bad(query: "q=" + String(repeating: "%E5%AD%97", count: 101), name: "q", allowed: "1 to 100"), Bad(query: "q=%20", name: "q", allowed: "1 to 100"),
        Bad(query: "tz=pst", name: "tz", allowed: "utc"), Bad(query: "format=csv&bom=yes", name: "bom", allowed: "1 or 0"),
        Bad(query: "format=csv&tz=pst", name: "tz", allowed: "utc"), Bad(query: "status=assigned&status=lost", name: "status", allowed: "lost"),
        Bad(query: "sort=deadline&after=2026~ZJ-20261129-000001", name: "after", allowed: "KEY~NUMBER"),
        Bad(query: "after=bogus", name: "after", allowed: "ZJ-YYYYMMDD-NNNNNN"),
    ])
    func badParametersAreNamedWithWhatIsAllowed(bad: Bad) async throws {
        try await register.app().test(.live) { client in
            let r = try await client.execute(uri: "/v1/complaints?" + bad.query, method: .get, headers: WritableRegister.headers(register.admin))
            #expect(r.status == .badRequest && r.headers[.contentType] == "application/problem+json", "\(r.text)")
            #expect(try r.invalidParameterNames() == [bad.name], "\(r.text)")
            #expect(r.text.contains(bad.allowed), "\(r.text)")
        }
    }

    /// The JSON list shows times as people read them (`+08:00`); `tz=utc` gives machines UTC;
    /// `bom` is for CSV files and leaves JSON as it is.
    @Test func theJSONListsTimesAreShanghaiOrUTCOnRequest() async throws {
        let admin = WritableRegister.headers(register.admin)
        try await register.app().test(.live) { client in
            _ = try await file(client)
            func firstSubmitted(_ query: String) async throws -> (String?, UInt8?) {
                let r = try await client.execute(uri: "/v1/complaints" + query, method: .get, headers: admin)
                #expect(r.status == .ok, "\(query): \(r.text)")
                let first = (try r.json()["complaints"] as? [[String: Any]])?.first
                return (first?["submitted_at"] as? String, Array(Data(buffer: r.body)).first)
            }
            let (local, _) = try await firstSubmitted("")
            let (utc, _) = try await firstSubmitted("?tz=utc")
            let (withBOM, firstByte) = try await firstSubmitted("?bom=1")
            #expect(local?.hasSuffix("+08:00") == true && utc?.hasSuffix("Z") == true, "\(String(describing: local)) \(String(describing: utc))")
            #expect(local.flatMap(Timestamp.parse) == utc.flatMap(Timestamp.parse), "the same instant")
            #expect(withBOM == local && firstByte == UInt8(ascii: "{"), "no byte order mark in JSON")
        }
    }

    @Test func theCSVExportHasChineseHeadersShanghaiTimesAndTheListsScope() async throws {
        let xihu = WritableRegister.headers(register.xihu), admin = WritableRegister.headers(register.admin)
        let gongshu = try register.services.tokens.create(name: "gongshu-1", role: .county("330105"))
        try await register.app().test(.live) { client in
            let filed = try await file(client)
            // Before authentication nothing is read: no token, 401, whatever the parameters.
            let anonymous = try await client.execute(uri: "/v1/complaints?format=xlsx", method: .get)
            #expect(anonymous.status == .unauthorized)

            var headers = xihu
            headers[.accept] = "text/csv"
            let r = try await client.execute(uri: "/v1/complaints?bom=1&sort=submitted&order=asc", method: .get, headers: headers)
            #expect(r.status == .ok && r.headers[.contentType] == "text/csv; charset=utf-8", "\(r.text)")
            #expect(r.headers[.contentDisposition]?.hasPrefix("attachment; filename=\"complaints-330106-") == true)
            #expect(r.headers[HTTPField.Name("X-Export-Rows")!] == "5" && r.headers[HTTPField.Name("X-Export-Next")!] == nil)
            let bytes = Array(Data(buffer: r.body))
            #expect(Array(bytes.prefix(3)) == CSV.byteOrderMark)
            let records = try CSV.decode(String(decoding: bytes.dropFirst(3), as: UTF8.self)).map(\.fields)
            let header = try #require(records.first)
            #expect(Array(header.prefix(5)) == ["编号", "状态", "状态代码", "类别", "登记时间"] && header.contains("电话") && header.contains("受理期限"))
            #expect(records.dropFirst().map { $0[0] } == filed)
            let row = try #require(records.last)
            func column(_ name: String) -> String { header.firstIndex(of: name).map { row[$0] } ?? "?" }
            #expect(column("状态") == "已分派" && column("县区") == "西湖区" && column("经营者") == "果然数码" && column("消费者") == "李四")
            #expect(column("电话") == "13912345678", "the holding county's staff see phones in full")
            #expect(column("登记时间").wholeMatch(of: /20[0-9]{2}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}/) != nil, "\(column("登记时间"))")
            let json = try await client.execute(uri: "/v1/complaints/\(filed[4])", method: .get, headers: admin)
            let submittedText = try #require(try json.json()["submitted_at"] as? String)
            let submitted = try #require(Timestamp.parse(submittedText))
            #expect(column("登记时间") == ShanghaiClock.minutes(submitted))
            #expect(ShanghaiClock.minutes(Date(timeIntervalSince1970: 1_795_938_000)) == "2026-11-29 15:40", "UTC 07:40 is 15:40 in Shanghai")

            // For machines: UTC times, no BOM; an admin sees the province, phones masked.
            let utc = try await client.execute(uri: "/v1/complaints?format=csv&tz=utc&q=apple", method: .get, headers: admin)
            let utcRecords = try CSV.decode(utc.text).map(\.fields)
            #expect(utcRecords.count == 2 && utcRecords[0].contains("登记时间(UTC)") && !utc.text.hasPrefix("\u{FEFF}"))
            let utcRow = utcRecords[1]
            #expect(utcRow[utcRecords[0].firstIndex(of: "登记时间(UTC)")!] == Timestamp.string(submitted))
            #expect(utcRow[utcRecords[0].firstIndex(of: "电话")!] == "139****5678")

            // A cut export says where to go on; another county's token exports none of these.
            let cut = try await client.execute(uri: "/v1/complaints?format=csv&limit=2", method: .get, headers: xihu)
            #expect(try CSV.decode(cut.text).count == 3, "\(cut.text)")
            #expect(cut.headers[HTTPField.Name("X-Export-Next")!] == filed[3])
            let other = try await client.execute(uri: "/v1/complaints?format=csv", method: .get, headers: WritableRegister.headers(gongshu))
            #expect(other.status == .ok, "\(other.text)")
            #expect(try CSV.decode(other.text).count == 1, "\(other.text)")
            let refused = try await client.execute(uri: "/v1/complaints?format=csv&county=330106", method: .get, headers: WritableRegister.headers(gongshu))
            #expect(refused.status == .forbidden)
        }
    }
}
