import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LiaisonCore
import LiaisonHTTP
import LiaisonStore
import LiaisonTestSupport
import Testing

/// The enterprise register, the direct train, reviews and case files over a real server on loopback.
@Suite struct DirectTrainRouteTests {
    let register: WritableRegister
    static let code = "91350100M000100Y43"

    init() throws {
        register = try WritableRegister()
    }

    static let enterprise = ByteBuffer(string: #"{"credit_code":"91350100M000100Y43","name":"某某超市有限公司","merchant_id":"zjfx-100234","contact":{"name":"王经理","phone":"0571-87654321"}}"#)

    @Test func theRegisterIsForStaffAndItsWritesForAdmins() async throws {
        try await register.app().test(.live) { client in
            // Authentication comes before the body is read: no token is a 401 even for a bad body.
            let anonymous = try await client.execute(uri: "/v1/enterprises", method: .post, headers: [.contentType: "application/json"],
                                                     body: ByteBuffer(string: "{not json"))
            #expect(anonymous.status == .unauthorized)
            let county = try await client.execute(uri: "/v1/enterprises", method: .post, headers: WritableRegister.headers(register.xihu), body: Self.enterprise)
            #expect(county.status == .forbidden)
            let admin = WritableRegister.headers(register.admin)
            let bad = try await client.execute(uri: "/v1/enterprises", method: .post, headers: admin,
                                               body: ByteBuffer(string: #"{"credit_code":"91350100M000100Y44","name":"","contact":{"name":"王","phone":"12"}}"#))
            #expect(bad.status == .badRequest)
            #expect(try Set(bad.invalidParameterNames()) == ["credit_code", "name", "contact.phone"])
            let created = try await client.execute(uri: "/v1/enterprises", method: .post, headers: admin, body: Self.enterprise)
            #expect(created.status == .created)
            #expect(created.headers[.location] == "/v1/enterprises/\(Self.code)")
            let again = try await client.execute(uri: "/v1/enterprises", method: .post, headers: admin, body: Self.enterprise)
            #expect(again.status == .conflict)
            let listed = try await client.execute(uri: "/v1/enterprises?enrolled=false", method: .get, headers: WritableRegister.headers(register.xihu))
            #expect(listed.status == .ok)
            #expect((try listed.json()["enterprises"] as? [[String: Any]])?.map { $0["credit_code"] as? String } == [Self.code])
            let badLimit = try await client.execute(uri: "/v1/enterprises?limit=0", method: .get, headers: admin)
            #expect(try badLimit.invalidParameterNames() == ["limit"])
            let enrolCounty = try await client.execute(uri: "/v1/enterprises/\(Self.code)/enrolment", method: .post, headers: WritableRegister.headers(register.xihu))
            #expect(enrolCounty.status == .forbidden)
            let badDays = try await client.execute(uri: "/v1/enterprises/\(Self.code)/enrolment", method: .post, headers: admin,
                                                   body: ByteBuffer(string: #"{"settle_days":0}"#))
            #expect(try badDays.invalidParameterNames() == ["settle_days"])
            let unknown = try await client.execute(uri: "/v1/enterprises/91330106MA2KY0AB10/enrolment", method: .post, headers: admin)
            #expect(unknown.status == .notFound)
            // Found by Schemathesis: a null field is refused as everywhere else.
            let nullDays = try await client.execute(uri: "/v1/enterprises/\(Self.code)/enrolment", method: .post, headers: admin,
                                                    body: ByteBuffer(string: #"{"settle_days":null}"#))
            #expect(try nullDays.invalidParameterNames() == ["settle_days"])
            // A write answers with what it did whatever If-None-Match says (the key is shown once).
            var conditional = admin
            conditional[.ifNoneMatch] = "*"
            let enrolled = try await client.execute(uri: "/v1/enterprises/\(Self.code)/enrolment", method: .post, headers: conditional)
            #expect(enrolled.status == .ok)
            #expect((try enrolled.json()["key"] as? String)?.hasPrefix("ent_") == true)
            // Lengths count code points as sent: 101 of them is too long even if they display as fewer.
            let long = try await client.execute(uri: "/v1/enterprises", method: .post, headers: admin, body: ByteBuffer(string:
                #"{"credit_code":"91330106MA2KY0AB10","name":" "# + String(repeating: "店", count: 100) + #"","contact":{"name":"王","phone":"13900001111"}}"#))
            #expect(try long.invalidParameterNames() == ["name"])
        }
    }

    @Test func anEnrolledEnterpriseSettlesWithItsOwnKey() async throws {
        try await register.app().test(.live) { client in
            let admin = WritableRegister.headers(register.admin)
            _ = try await client.execute(uri: "/v1/enterprises", method: .post, headers: admin, body: Self.enterprise)
            let enrolled = try await client.execute(uri: "/v1/enterprises/\(Self.code)/enrolment", method: .post, headers: admin,
                                                    body: ByteBuffer(string: #"{"settle_days":3}"#))
            #expect(enrolled.status == .ok)
            #expect(enrolled.headers[.cacheControl] == "no-store")
            let key = try #require(try enrolled.json()["key"] as? String)
            let enterprise = WritableRegister.headers(key)

            let filed = try await client.execute(uri: "/v1/complaints", method: .post, headers: intakeHeaders(),
                                                 body: complaintJSON(["merchant": ["name": "某某超市", "id": "zjfx-100234"]]))
            let body = try filed.json()
            #expect(body["status"] as? String == "with_enterprise")
            let number = try #require(body["number"] as? String)
            let token = try #require(body["tracking_token"] as? String)
            let other = try #require(try await client.execute(uri: "/v1/complaints", method: .post, headers: intakeHeaders(),
                                                              body: complaintJSON(["consumer": ["name": "李四", "phone": "13900139000"]])).json()["number"] as? String)

            // The key is not a staff token, and a staff token is not an enterprise key.
            #expect(try await client.execute(uri: "/v1/complaints/\(number)", method: .get, headers: enterprise).status == .forbidden)
            #expect(try await client.execute(uri: "/v1/enterprise/complaints", method: .get, headers: admin).status == .forbidden)
            #expect(try await client.execute(uri: "/v1/enterprise/complaints", method: .get).status == .unauthorized)

            let pending = try await client.execute(uri: "/v1/enterprise/complaints", method: .get, headers: enterprise)
            let items = try #require(try pending.json()["complaints"] as? [[String: Any]])
            #expect(items.map { $0["number"] as? String } == [number])
            #expect((items[0]["consumer"] as? [String: Any])?["phone"] as? String == "13800138000", "the enterprise calls the consumer to settle")
            #expect(try await client.execute(uri: "/v1/enterprise/complaints/\(other)", method: .get, headers: enterprise).status == .notFound)
            #expect(try await client.execute(uri: "/v1/enterprise/complaints/\(other)/settle", method: .post, headers: enterprise,
                                             body: ByteBuffer(string: #"{"agreement":"x"}"#)).status == .notFound)
            let empty = try await client.execute(uri: "/v1/enterprise/complaints/\(number)/settle", method: .post, headers: enterprise,
                                                 body: ByteBuffer(string: #"{"agreement":"  "}"#))
            #expect(try empty.invalidParameterNames() == ["agreement"])

            let settled = try await client.execute(uri: "/v1/enterprise/complaints/\(number)/settle", method: .post, headers: enterprise,
                                                   body: ByteBuffer(string: #"{"agreement":"退货并退款19.9元"}"#))
            #expect(settled.status == .ok)
            #expect(try settled.json()["status"] as? String == "settlement_offered")
            let tracked = try await client.execute(uri: "/v1/complaints/\(number)", method: .get, headers: ComplaintRouteTests.tracking(token))
            #expect(try tracked.json()["allowed_actions"] as? [String] == ["withdraw", "accept_settlement", "reject_settlement"])
            let accepted = try await client.execute(uri: "/v1/complaints/\(number)/settlement/accept", method: .post,
                                                    headers: ComplaintRouteTests.tracking(token))
            #expect(accepted.status == .ok)
            let final = try accepted.json()
            #expect(final["status"] as? String == "resolved")
            #expect((final["direct_train"] as? [String: Any])?["outcome"] as? String == "settled")
            #expect(try await client.execute(uri: "/v1/complaints/\(number)/settlement/accept", method: .post,
                                             headers: ComplaintRouteTests.tracking(token)).status == .conflict)

            // Revoking the enrolment revokes the key.
            let revoked = try await client.execute(uri: "/v1/enterprises/\(Self.code)/enrolment", method: .delete, headers: admin)
            #expect(revoked.status == .ok)
            #expect(try await client.execute(uri: "/v1/enterprise/complaints", method: .get, headers: enterprise).status == .unauthorized)
        }
    }

    @Test func aFailedMediationGetsACaseFileAsJSONAndPDF() async throws {
        try await register.app().test(.live) { client in
            let admin = WritableRegister.headers(register.admin)
            let filed = try await client.execute(uri: "/v1/complaints", method: .post, headers: intakeHeaders(), body: complaintJSON())
            let number = try #require(try filed.json()["number"] as? String)
            for body in [#"{"action":"accept"}"#, #"{"action":"start_mediation"}"#, #"{"action":"fail","note":"商家拒绝退货"}"#, #"{"action":"hand_off"}"#] {
                let response = try await client.execute(uri: "/v1/complaints/\(number)/events", method: .post, headers: admin, body: ByteBuffer(string: body))
                #expect(response.status == .ok, "\(body): \(response.text)")
            }
            let json = try await client.execute(uri: "/v1/complaints/\(number)/case-file", method: .get, headers: admin)
            #expect(json.status == .ok)
            #expect((try json.json()["court"] as? [String: Any])?["name"] as? String == "杭州市西湖区人民法院诉调对接中心")
            var pdfHeaders = admin
            pdfHeaders[.accept] = "application/pdf"
            let pdf = try await client.execute(uri: "/v1/complaints/\(number)/case-file", method: .get, headers: pdfHeaders)
            #expect(pdf.status == .ok)
            #expect(pdf.headers[.contentType] == "application/pdf")
            #expect(Array(Data(buffer: pdf.body).prefix(5)) == Array("%PDF-".utf8))
            // Read back with poppler: the facts are in it (spaces squeezed: pdftotext lays Chinese out loosely).
            let text = try await Self.pdfText(Data(buffer: pdf.body)).filter { !$0.isWhitespace }
            for fact in [number, "杭州市西湖区人民法院诉调对接中心", "商家拒绝退货", "调解未达成协议", "138****8000"] {
                #expect(text.contains(fact.filter { !$0.isWhitespace }), "\(fact) not in the PDF")
            }
            let bad = try await client.execute(uri: "/v1/complaints/\(number)/case-file?format=docx", method: .get, headers: admin)
            #expect(try bad.invalidParameterNames() == ["format"])
            #expect(try await client.execute(uri: "/v1/complaints/\(number)/case-file", method: .get).status == .unauthorized)
        }
    }

    @Test func reviewsAndReturnVisitsArePagedQueues() async throws {
        try await register.app().test(.live) { client in
            let admin = WritableRegister.headers(register.admin)
            let filed = try await client.execute(uri: "/v1/complaints", method: .post, headers: intakeHeaders(), body: complaintJSON())
            let number = try #require(try filed.json()["number"] as? String)
            let token = try #require(try filed.json()["tracking_token"] as? String)
            for action in ["accept", "start_mediation", "resolve"] {
                _ = try await client.execute(uri: "/v1/complaints/\(number)/events", method: .post, headers: admin, body: ByteBuffer(string: #"{"action":"\#(action)"}"#))
            }
            _ = try await client.execute(uri: "/v1/complaints/\(number)/feedback", method: .post, headers: ComplaintRouteTests.tracking(token),
                                         body: ByteBuffer(string: #"{"satisfaction":1}"#))
            let reviews = try await client.execute(uri: "/v1/reviews?county=330106&limit=10", method: .get, headers: admin)
            #expect((try reviews.json()["complaints"] as? [[String: Any]])?.map { $0["number"] as? String } == [number])
            let bad = try await client.execute(uri: "/v1/reviews?after=nonsense&limit=501", method: .get, headers: admin)
            #expect(try Set(bad.invalidParameterNames()) == ["after", "limit"])
            let noNote = try await client.execute(uri: "/v1/complaints/\(number)/events", method: .post, headers: admin,
                                                  body: ByteBuffer(string: #"{"action":"uphold"}"#))
            #expect(try noNote.invalidParameterNames() == ["note"])
            let upheld = try await client.execute(uri: "/v1/complaints/\(number)/events", method: .post, headers: admin,
                                                  body: ByteBuffer(string: #"{"action":"uphold","note":"调解结果合法"}"#))
            #expect((try upheld.json()["review"] as? [String: Any])?["finding"] as? String == "upheld")
            let emptied = try await client.execute(uri: "/v1/reviews", method: .get, headers: admin)
            #expect((try emptied.json()["complaints"] as? [Any])?.isEmpty == true)
            let visits = try await client.execute(uri: "/v1/return-visits", method: .get, headers: WritableRegister.headers(register.xihu))
            #expect(visits.status == .ok)
        }
    }

    /// The text of a PDF, by poppler's pdftotext (tools/setup installs poppler-utils).
    static func pdfText(_ data: Data) async throws -> String {
        let folder = try ScratchFolder("case-file")
        try data.write(to: URL(fileURLWithPath: folder.path("case.pdf")))
        let out = try await ChildProcess.tool("pdftotext", ["-enc", "UTF-8", folder.path("case.pdf"), "-"], in: folder.url)
        #expect(out.status == 0, "\(out)")
        return out.stdout
    }
}
