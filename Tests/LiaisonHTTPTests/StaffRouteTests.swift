import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LiaisonCore
import LiaisonStore
import Testing

/// One staff member at a time, by id, over a real server on loopback; with
/// `LIAISON_TEST_STORE=postgres` against PostgreSQL (``WritableRegister``).
@Suite struct StaffRouteTests {
    /// 330106-0001 (西湖区) as shipped: 李斌 站长 19900009469 and 朱明华 联络员 19900002699, without ids.
    static let station = "330106-0001"
    static let uri = "/v1/stations/\(station)/staff"

    static func staff(_ register: WritableRegister) throws -> [StaffMember] {
        try #require(register.finder.snapshot.station(id: station)).staff
    }

    static func historyCount(_ register: WritableRegister) throws -> Int {
        try register.services.registry.history(id: station).count
    }

    @Test func aMemberIsAddedEditedAndRemovedByIDAndTheOthersKeepTheirMobiles() async throws {
        let register = try WritableRegister()
        let headers = WritableRegister.headers(register.xihu)
        try await register.app().test(.live) { client in
            // Reads show the ids: the shipped register numbers its members by position.
            let read = try await client.execute(uri: "/v1/stations/\(Self.station)", method: .get)
            let shown = try #require(try read.json()["staff"] as? [[String: Any]])
            #expect(shown.compactMap { $0["id"] as? String } == ["s1", "s2"])
            #expect(shown.compactMap { $0["mobile_masked"] as? String } == ["199****9469", "199****2699"])

            let added = try await client.execute(uri: Self.uri, method: .post, headers: headers,
                                                 body: ByteBuffer(string: #"{"name":"陈新","role":"调解员","mobile":"+86 199 0000 0031"}"#))
            #expect(added.status == .created, "\(added.text)")
            let answer = try added.json()
            #expect(answer["id"] as? String == "s3")
            #expect(((answer["station"] as? [String: Any])?["staff"] as? [[String: Any]])?.last?["mobile_masked"] as? String == "199****0031")

            let edited = try await client.execute(uri: "\(Self.uri)/s1", method: .patch, headers: headers,
                                                  body: ByteBuffer(string: #"{"role":"调解员","name":"李斌斌"}"#))
            #expect(edited.status == .ok, "\(edited.text)")
            #expect(edited.headers[.eTag] != nil)
            #expect(try Self.staff(register).map(\.mobile) == ["19900009469", "19900002699", "19900000031"])
            #expect(try Self.staff(register)[0].name == "李斌斌" && Self.staff(register)[0].role == "调解员")
            // The masked form reads show keeps the stored number.
            let masked = try await client.execute(uri: "\(Self.uri)/s2", method: .patch, headers: headers,
                                                  body: ByteBuffer(string: #"{"mobile":"199****2699","name":"朱明"}"#))
            #expect(masked.status == .ok, "\(masked.text)")
            #expect(try Self.staff(register)[1].mobile == "19900002699" && Self.staff(register)[1].name == "朱明")

            let removed = try await client.execute(uri: "\(Self.uri)/s3", method: .delete, headers: headers)
            #expect(removed.status == .ok, "\(removed.text)")
            #expect(try Self.staff(register).map(\.id) == ["s1", "s2"])
            // s3 was given once: the next member is s4.
            let again = try await client.execute(uri: Self.uri, method: .post, headers: headers,
                                                 body: ByteBuffer(string: #"{"name":"周新","role":"联络员","mobile":"19900000032"}"#))
            #expect(try again.json()["id"] as? String == "s4")
            #expect(try Self.staff(register).map(\.id) == ["s1", "s2", "s4"])
        }
        // Each write went through the register's write path: one history row each.
        let history = try register.services.registry.history(id: Self.station)
        #expect(history.suffix(5).allSatisfy { $0.actor == "xihu-1" && $0.action == "update" })
        #expect(history.last?.after.properties.staff.map(\.id) == ["s1", "s2", "s4"])
    }

    /// A whole-station patch may send members by id with their mobiles masked as read: the
    /// stored numbers stay; a masked mobile without a known id is a 400 naming the field.
    @Test func aStationPatchKeepsMaskedMobilesOfMembersNamedByID() async throws {
        let register = try WritableRegister()
        let headers = WritableRegister.headers(register.xihu)
        try await register.app().test(.live) { client in
            let read = try await client.execute(uri: "/v1/stations/\(Self.station)", method: .get)
            var staff = try #require(try read.json()["staff"] as? [[String: Any]]).map { m -> [String: Any] in
                ["id": m["id"] ?? "", "name": m["name"] ?? "", "role": m["role"] ?? "", "mobile": m["mobile_masked"] ?? ""]
            }
            staff[1]["name"] = "朱明华二"
            let patch = try JSONSerialization.data(withJSONObject: ["staff": Array(staff.reversed())])
            let kept = try await client.execute(uri: "/v1/stations/\(Self.station)", method: .patch, headers: headers, body: ByteBuffer(data: patch))
            #expect(kept.status == .ok, "\(kept.text)")
            #expect(try Self.staff(register).map(\.id) == ["s2", "s1"])
            #expect(try Self.staff(register).map(\.mobile) == ["19900002699", "19900009469"])
            #expect(try Self.staff(register)[0].name == "朱明华二")

            let before = try Self.historyCount(register)
            for (body, field) in [
                (#"{"staff":[{"id":"s1","name":"李斌","role":"站长","mobile":"199****9469"},{"name":"新人","role":"调解员","mobile":"199****2699"}]}"#, ["staff[1].mobile"]),
                (#"{"staff":[{"id":"s9","name":"李斌","role":"站长","mobile":"199****9469"}]}"#, ["staff[0].id", "staff[0].mobile"]),
            ] {
                let refused = try await client.execute(uri: "/v1/stations/\(Self.station)", method: .patch, headers: headers, body: ByteBuffer(string: body))
                #expect(refused.status == .badRequest)
                #expect(refused.headers[.contentType] == "application/problem+json")
                #expect(try refused.invalidParameterNames() == field, "\(refused.text)")
            }
            #expect(try Self.historyCount(register) == before, "a refused patch wrote")
        }
    }

    @Test func badInputUnknownIDsAndTheLastMemberAreRefusedWithoutWriting() async throws {
        let register = try WritableRegister()
        let headers = WritableRegister.headers(register.xihu)
        let before = try Self.historyCount(register)
        let staffBefore = try Self.staff(register)
        try await register.app().test(.live) { client in
            func send(_ uri: String, _ method: HTTPRequest.Method, _ body: String? = nil, as caller: HTTPFields? = nil) async throws -> TestResponse {
                try await client.execute(uri: uri, method: method, headers: caller ?? headers, body: body.map { ByteBuffer(string: $0) })
            }
            for (method, uri, body, field) in [
                (HTTPRequest.Method.post, Self.uri, #"{"name":"陈新","role":"调解员","mobile":"12345"}"#, ["mobile"]),
                (.post, Self.uri, #"{"name":"陈新","role":"调解员","mobile":"199****0031"}"#, ["mobile"]),
                (.post, Self.uri, #"{"name":"陈新","role":"调解员"}"#, ["mobile"]),
                (.post, Self.uri, #"{"name":"陈新","role":"调解员","mobile":"19900000031","id":"s7"}"#, ["id"]),
                (.patch, "\(Self.uri)/s1", #"{"name":"   "}"#, ["name"]),
                (.patch, "\(Self.uri)/s1", #"{"mobile":"199****2699"}"#, ["mobile"]),
                (.patch, "\(Self.uri)/s1", #"{"phone":"0571-1"}"#, ["phone"]),
                (.patch, "\(Self.uri)/s1", #"{}"#, ["body"]),
            ] {
                let r = try await send(uri, method, body)
                #expect(r.status == .badRequest, "\(body): \(r.text)")
                #expect(r.headers[.contentType] == "application/problem+json")
                #expect(try r.invalidParameterNames() == field, "\(body): \(r.text)")
            }
            for (method, body) in [(HTTPRequest.Method.patch, #"{"name":"某"}"#), (.delete, nil)] {
                let r = try await send("\(Self.uri)/s9", method, body)
                #expect(r.status == .notFound, "\(r.text)")
                #expect(r.headers[.contentType] == "application/problem+json")
            }
            #expect(try await send("/v1/stations/330106-9999/staff/s1", .delete).status == .notFound)
            // Another county's token: the station's county decides (403), as for station edits.
            #expect(try await send("/v1/stations/330127-0001/staff/s1", .delete).status == .forbidden)
            #expect(try await send("/v1/stations/330127-0001/staff", .post, #"{"name":"a","role":"b","mobile":"19900000033"}"#).status == .forbidden)
            #expect(try await send("\(Self.uri)/s1", .delete, as: WritableRegister.headers(nil)).status == .unauthorized)
            // The other station's mobile: a duplicate unless intended.
            let shared = #"{"name":"陈新","role":"调解员","mobile":"19900009579"}"#
            #expect(try await send(Self.uri, .post, shared).status == .conflict)
        }
        #expect(try Self.historyCount(register) == before, "a refused write wrote")
        #expect(try Self.staff(register) == staffBefore)

        try await register.app().test(.live) { client in
            let one = try await client.execute(uri: "\(Self.uri)/s1", method: .delete, headers: headers)
            #expect(one.status == .ok)
            let last = try await client.execute(uri: "\(Self.uri)/s2", method: .delete, headers: headers)
            #expect(last.status == .conflict, "\(last.text)")
            #expect(last.headers[.contentType] == "application/problem+json")
            #expect(try Self.staff(register).map(\.id) == ["s2"])
            // A stale If-Match refuses the write.
            var conditional = headers
            conditional[.ifMatch] = "\"0000000000000000\""
            let stale = try await client.execute(uri: "\(Self.uri)/s2", method: .patch, headers: conditional, body: ByteBuffer(string: #"{"name":"某"}"#))
            #expect(stale.status == .preconditionFailed)
        }
    }
}
