import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LiaisonCore
import LiaisonHTTP
import LiaisonTestSupport
import Testing

/// Chinese to show: `GET /v1/labels`, the same labels in openapi.json, problems in Chinese on
/// `Accept-Language: zh-CN`, and consumer views without staff names or internal notes.
@Suite struct ChineseLabelsRouteTests {
    static let chinese: HTTPFields = [.acceptLanguage: "zh-CN,zh;q=0.9,en;q=0.8"]

    /// The catalogue as JSON objects, to compare with what the server and the document hold.
    static func catalogue() throws -> [String: [String: [String: String]]] {
        try #require(try JSONSerialization.jsonObject(with: JSONOutput.encode(Labels.catalogue)) as? [String: [String: [String: String]]])
    }

    @Test func theLabelsEndpointServesTheCatalogueWithAnETag() async throws {
        try await Fixture.app().test(.router) { client in
            let response = try await client.execute(uri: "/v1/labels", method: .get)
            #expect(response.status == .ok)
            let body = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: [String: [String: String]]])
            let expected = try Self.catalogue()
            #expect(body == expected)
            #expect((body["status"]?["submitted"])?["zh-CN"] == "已提交")
            let etag = try #require(response.headers[.eTag])
            let again = try await client.execute(uri: "/v1/labels", method: .get, headers: [.ifNoneMatch: etag])
            #expect(again.status == .notModified)
            let typo = try await client.execute(uri: "/v1/labels?lang=zh", method: .get)
            let typoNames = try typo.invalidParameterNames()
            #expect(typo.status == .badRequest && typoNames == ["lang"])
        }
    }

    /// openapi.json's `x-enum-labels` next to each enum are the catalogue's, for every value the
    /// enum lists; the enums list every Swift case (a status without a label fails here).
    @Test func theDocumentsLabelsAreTheCatalogue() throws {
        let document = try #require(try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.bytes)) as? [String: Any])
        let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: [String: Any]])
        let catalogue = try Self.catalogue()
        let enums: [(schema: String, section: String, cases: [String])] = [
            ("ComplaintStatus", "status", ComplaintStatus.allCases.map(\.rawValue)),
            ("ComplaintAction", "action", ComplaintAction.allCases.map(\.rawValue)),
            ("StaffAction", "action", ComplaintAction.staffActions.map(\.rawValue)),
            ("ComplaintCategory", "category", ComplaintCategory.allCases.map(\.rawValue)),
            ("MediationMode", "mode", MediationMode.allCases.map(\.rawValue)),
            ("DeclineReason", "decline_reason", DeclineReason.allCases.map(\.rawValue)),
        ]
        for (name, section, cases) in enums {
            let schema = try #require(schemas[name], "\(name)")
            let listed = try #require(schema["enum"] as? [String], "\(name)")
            #expect(Set(listed) == Set(cases), "\(name): the document's enum and the Swift cases")
            let labels = try #require(schema["x-enum-labels"] as? [String: [String: String]], "\(name) has no x-enum-labels")
            #expect(Set(labels.keys) == Set(listed), "\(name): a label for each listed value")
            for (value, label) in labels {
                #expect(label == catalogue[section]?[value], "\(name).\(value)")
            }
        }
        let action = try #require(schemas["ComplaintAction"])
        #expect(action["x-enterprise-labels"] as? [String: [String: String]] == catalogue["enterprise_action"])
        let event = try #require(schemas["ComplaintEvent"]?["properties"] as? [String: [String: Any]])
        #expect(event["actor"]?["x-enum-labels"] as? [String: [String: String]] == catalogue["actor"])
        // The problems whose title the document fixes allow the English and the Chinese one.
        for (name, schema) in schemas where name.hasSuffix("Problem") && name != "Problem" {
            let properties = try #require(((schema["allOf"] as? [[String: Any]])?.last)?["properties"] as? [String: [String: Any]])
            let slug = try #require((properties["type"]?["const"] as? String)?.split(separator: "/").last.map(String.init))
            let label = try #require(Labels.problems[slug], "\(name)")
            #expect(properties["title"]?["enum"] as? [String] == [label.en, label.zh], "\(name)")
        }
        let problem = try #require(schemas["Problem"]?["properties"] as? [String: [String: Any]])
        #expect(problem["type"]?["x-labels"] as? [String: [String: String]] == catalogue["problem"])
    }

    /// Every problem type the sources can answer has its titles: a new `kind:` without a label fails here.
    @Test func everyProblemTypeHasALabel() throws {
        let sources = Repository.root.appendingPathComponent("Sources")
        let files = try #require(FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)?.allObjects as? [URL])
        let pattern = try NSRegularExpression(pattern: #"(?:kind|conflict\(type): "([a-z0-9-]+)""#)
        var slugs: Set<String> = []
        for file in files where file.pathExtension == "swift" {
            let text = try String(contentsOf: file, encoding: .utf8)
            for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                slugs.insert(String(text[Range(match.range(at: 1), in: text)!]))
            }
        }
        #expect(slugs.count > 15, "the scan finds the problem types")
        #expect(slugs.subtracting(Labels.problems.keys).sorted() == [], "problem types without a label")
    }

    @Test func problemsInChineseWhenAsked() async throws {
        try await Fixture.app().test(.router) { client in
            let chinese = try await client.execute(uri: "/v1/stations/nearest?lat=91&lng=120.13&limt=3", method: .get, headers: Self.chinese)
            #expect(chinese.status == .badRequest)
            #expect(chinese.headers[.contentType] == "application/problem+json")
            #expect(chinese.headers[.contentLanguage] == "zh-CN" && chinese.headers[.vary] == "Accept-Language")
            let body = try chinese.json()
            #expect(body["type"] as? String == "https://liaison.zj/problems/invalid-parameters", "the type never changes")
            #expect(body["title"] as? String == "参数无效")
            let detail = try #require(body["detail"] as? String)
            #expect(detail.contains("字段 limt 无效：未知参数；可用参数：") && detail.contains("字段 lat 无效：91.0 不在允许范围内；应为 -90 至 90 度之间的数"), "\(detail)")
            #expect(try chinese.invalidParameterNames().sorted() == ["lat", "limt"], "the names stay as the caller wrote them")

            let english = try await client.execute(uri: "/v1/stations/nearest?lat=91&lng=120.13&limt=3", method: .get, headers: [.acceptLanguage: "en-US, zh-CN;q=0.5"])
            #expect(english.headers[.contentLanguage] == "en" && english.headers[.vary] == "Accept-Language")
            #expect(try english.json()["title"] as? String == "Invalid parameters")

            let missing = try await client.execute(uri: "/v1/nothing-here", method: .get, headers: [.acceptLanguage: "zh"])
            let missingTitle = try missing.json()["title"] as? String
            #expect(missing.status == .notFound && missingTitle == "未找到")
        }
    }

    /// A filing without its `Idempotency-Key` is explained wholly in Chinese, not `必填（a key unique to …）`.
    @Test func aMissingIdempotencyKeyIsExplainedInChinese() async throws {
        let register = try WritableRegister()
        try await register.app().test(.router) { client in
            var headers = intakeHeaders()
            headers[HTTPField.Name("Idempotency-Key")!] = nil
            headers[.acceptLanguage] = "zh-CN"
            let refused = try await client.execute(uri: "/v1/complaints", method: .post, headers: headers, body: complaintJSON())
            #expect(refused.status == .badRequest)
            let detail = try #require(try refused.json()["detail"] as? String)
            #expect(detail == "字段 Idempotency-Key 无效：必填：本次投诉独有的键（1 至 128 个不含空格的可打印 ASCII 字符，如 UUID），同一投诉重试时原样再次发送", "\(detail)")
        }
    }

    /// Over HTTP: a staff token's name and a staff note never reach the consumer; in Chinese the
    /// consumer's view names statuses, actions and roles in Chinese; an illegal action is explained in Chinese.
    @Test func theConsumerViewOverHTTP() async throws {
        let register = try WritableRegister()
        try await register.app().test(.live) { client in
            let created = try await client.execute(uri: "/v1/complaints", method: .post, headers: intakeHeaders(), body: complaintJSON())
            let body = try created.json()
            let number = try #require(body["number"] as? String), token = try #require(body["tracking_token"] as? String)
            let staff = WritableRegister.headers(register.xihu)
            let reassigned = try await client.execute(uri: "/v1/complaints/\(number)/events", method: .post, headers: staff,
                                                      body: ByteBuffer(string: #"{"action":"reassign","note":"站长回避：商家是其亲戚"}"#))
            #expect(reassigned.status == .ok, "\(reassigned.text)")
            #expect(reassigned.text.contains("xihu-1") && reassigned.text.contains("站长回避"), "staff see their names and notes")

            var headers = ComplaintRouteTests.tracking(token)
            headers[.acceptLanguage] = "zh-CN"
            let tracked = try await client.execute(uri: "/v1/complaints/\(number)", method: .get, headers: headers)
            #expect(tracked.status == .ok)
            #expect(!tracked.text.contains("xihu-1") && !tracked.text.contains("站长回避"), "\(tracked.text)")
            #expect(tracked.headers[.contentLanguage] == "zh-CN" && tracked.headers[.vary] == "Accept-Language")
            let view = try tracked.json()
            #expect(view["status_label"] as? String == "已分派")
            #expect(view["assignment_reason"] == nil)
            let events = try #require(view["events"] as? [[String: Any]])
            #expect(events.compactMap { $0["action_label"] as? String } == ["提交投诉", "分派联络站", "改派"])
            #expect(events.compactMap { $0["actor_label"] as? String } == ["消费者", "系统", "站点工作人员"])
            #expect((view["submitted_at"] as? String)?.hasSuffix("+08:00") == true)

            let illegal = try await client.execute(uri: "/v1/complaints/\(number)/settlement/accept", method: .post, headers: headers)
            #expect(illegal.status == .conflict)
            let problem = try illegal.json()
            #expect(problem["title"] as? String == "当前状态下不能进行该操作")
            #expect((problem["detail"] as? String)?.hasPrefix("投诉 \(number) 当前状态为“已分派”，不能进行“消费者接受和解”") == true, "\(illegal.text)")
        }
    }
}
