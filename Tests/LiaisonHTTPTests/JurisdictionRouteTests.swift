import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LiaisonCore
import LiaisonHTTP
import Testing

/// One rule for what a county token may see and do (``Jurisdiction``), asked the same way by
/// detail, actions, lists, statistics, notifications and station history; and consumers never
/// see a token's name.
@Suite struct JurisdictionRouteTests {
    let register: WritableRegister

    init() throws {
        register = try WritableRegister()
    }

    static func tracking(_ token: String) -> HTTPFields { [HTTPField.Name("X-Tracking-Token")!: token] }

    func numbers(_ response: TestResponse) throws -> [String] {
        (try response.json()["complaints"] as? [[String: Any]] ?? []).compactMap { $0["number"] as? String }
    }

    /// A station of 拱墅区 (330105), next to 西湖区, that takes offline complaints.
    var gongshuStation: Station {
        get throws { try #require(register.finder.snapshot.activeStations.first { $0.countyCode == "330105" && $0.modes.contains(.offline) }) }
    }

    @Test func aComplaintBelongsToTheCountyOfTheStationHoldingIt() async throws {
        let gongshu = try register.services.tokens.create(name: "gongshu-1", role: .county("330105"))
        let (xihu, admin) = (WritableRegister.headers(register.xihu), WritableRegister.headers(register.admin))
        let target = try gongshuStation
        try await register.app().test(.live) { client in
            let filed = try await client.execute(uri: "/v1/complaints", method: .post, headers: intakeHeaders(), body: complaintJSON())
            #expect(filed.status == .created, "\(filed.text)")
            let number = try #require(try filed.json()["number"] as? String)
            let tracking = try #require(try filed.json()["tracking_token"] as? String)
            let first = try #require((try filed.json()["station"] as? [String: Any])?["id"] as? String)
            #expect(first.hasPrefix("330106-"))

            // A county token moves a complaint within its county only: another county's capacity and staff are not its to use.
            let move = ByteBuffer(string: #"{"action":"reassign","station_id":"\#(target.id)","note":"离商户更近"}"#)
            let refused = try await client.execute(uri: "/v1/complaints/\(number)/events", method: .post, headers: xihu, body: move)
            #expect(refused.status == .forbidden && refused.text.contains("only within its own county"), "\(refused.text)")
            let unchanged = try await client.execute(uri: "/v1/complaints/\(number)", method: .get, headers: admin)
            #expect((try unchanged.json()["station"] as? [String: Any])?["id"] as? String == first, "a refused reassign wrote something")
            let moved = try await client.execute(uri: "/v1/complaints/\(number)/events", method: .post, headers: admin, body: move)
            #expect(moved.status == .ok, "\(moved.text)")

            // Now it belongs to 拱墅区 everywhere: detail, actions, lists and statistics agree.
            #expect(try await client.execute(uri: "/v1/complaints/\(number)", method: .get, headers: xihu).status == .forbidden)
            #expect(try await client.execute(uri: "/v1/complaints/\(number)/notifications", method: .get, headers: xihu).status == .forbidden)
            #expect(try await client.execute(uri: "/v1/complaints/\(number)", method: .get, headers: WritableRegister.headers(gongshu)).status == .ok)
            #expect(try numbers(try await client.execute(uri: "/v1/complaints", method: .get, headers: xihu)).isEmpty)
            #expect(try numbers(try await client.execute(uri: "/v1/complaints", method: .get, headers: WritableRegister.headers(gongshu))) == [number])
            let stats = { (headers: HTTPFields) in
                ((try await client.execute(uri: "/v1/stats", method: .get, headers: headers).json()["totals"] as? [String: Any])?["complaints"] as? Int)
            }
            #expect(try await stats(xihu) == 0)
            #expect(try await stats(WritableRegister.headers(gongshu)) == 1)
            let accepted = try await client.execute(uri: "/v1/complaints/\(number)/events", method: .post, headers: WritableRegister.headers(gongshu),
                                                    body: ByteBuffer(string: #"{"action":"accept"}"#))
            #expect(accepted.status == .ok, "\(accepted.text)")

            // The texts: 拱墅区 sees its own station's staff in full, the 西湖区 station's masked; an admin sees all.
            let firstStaff = Set(try #require(register.finder.snapshot.station(id: first)).staff.map(\.mobile))
            func staffPhones(_ headers: HTTPFields) async throws -> [String] {
                let r = try await client.execute(uri: "/v1/complaints/\(number)/notifications", method: .get, headers: headers)
                return (try r.json()["notifications"] as? [[String: Any]] ?? []).filter { $0["recipient"] as? String == "staff" }.compactMap { $0["phone"] as? String }
            }
            let seenByGongshu = try await staffPhones(WritableRegister.headers(gongshu)), seenByAdmin = try await staffPhones(admin)
            #expect(!seenByAdmin.isEmpty && seenByAdmin.contains { firstStaff.contains($0) })
            #expect(!seenByGongshu.contains { firstStaff.contains($0) }, "another county's station staff shown in full: \(seenByGongshu)")
            #expect(seenByGongshu.contains { target.staff.map(\.mobile).contains($0) }, "\(seenByGongshu)")

            // The consumer sees who acted as a kind, never a token's name.
            let tracked = try await client.execute(uri: "/v1/complaints/\(number)", method: .get, headers: Self.tracking(tracking))
            let actors = Set((try tracked.json()["events"] as? [[String: Any]] ?? []).compactMap { $0["actor"] as? String })
            #expect(actors == ["consumer", "system", "station_staff"], "\(actors)")
        }
    }

    @Test func aStationThatRefusedNeverGetsTheComplaintBack() async throws {
        let xihu = WritableRegister.headers(register.xihu)
        try await register.app().test(.live) { client in
            let filed = try await client.execute(uri: "/v1/complaints", method: .post, headers: intakeHeaders(), body: complaintJSON())
            let number = try #require(try filed.json()["number"] as? String)
            let first = try #require((try filed.json()["station"] as? [String: Any])?["id"] as? String)
            let refused = try await client.execute(uri: "/v1/complaints/\(number)/events", method: .post, headers: xihu,
                                                   body: ByteBuffer(string: #"{"action":"refuse","note":"不在本站服务范围"}"#))
            #expect(refused.status == .ok, "\(refused.text)")
            let back = try await client.execute(uri: "/v1/complaints/\(number)/events", method: .post, headers: xihu,
                                                body: ByteBuffer(string: #"{"action":"reassign","station_id":"\#(first)","note":"再试"}"#))
            #expect(back.status == .badRequest && back.text.contains("station_id") && back.text.contains("refused"), "\(back.text)")
        }
    }

    @Test func stationHistoryShowsStaffMobilesOnlyToItsCountyAndAdmins() async throws {
        let target = try gongshuStation
        let gongshu = try register.services.tokens.create(name: "gongshu-1", role: .county("330105"))
        try await register.app().test(.live) { client in
            func mobiles(_ token: String) async throws -> [String] {
                let r = try await client.execute(uri: "/v1/stations/\(target.id)/history", method: .get, headers: WritableRegister.headers(token))
                #expect(r.status == .ok, "\(r.text)")
                let entries = try r.json()["entries"] as? [[String: Any]] ?? []
                return entries.flatMap { (($0["after"] as? [String: Any])?["properties"] as? [String: Any])?["staff"] as? [[String: Any]] ?? [] }
                    .compactMap { $0["mobile"] as? String }
            }
            let full = Set(target.staff.map(\.mobile))
            #expect(try await mobiles(register.admin).allSatisfy(full.contains))
            #expect(try await mobiles(gongshu).allSatisfy(full.contains))
            let masked = try await mobiles(register.xihu)
            #expect(!masked.isEmpty && masked.allSatisfy { $0.contains("****") && !full.contains($0) }, "\(masked)")
        }
    }

    @Test func theListIsPagedNewestFirstWithFiltersBeforePaging() async throws {
        let admin = WritableRegister.headers(register.admin)
        try await register.app().test(.live) { client in
            var filed: [String] = [], stations: [String: String] = [:]
            for i in 0..<7 {
                let r = try await client.execute(uri: "/v1/complaints", method: .post, headers: intakeHeaders(),
                                                 body: complaintJSON(["description": "第\(i)件", "consumer": ["name": "张三", "phone": "1390013900\(i)"]]))
                let number = try #require(try r.json()["number"] as? String)
                filed.append(number)
                stations[number] = (try r.json()["station"] as? [String: Any])?["id"] as? String
            }
            // Two of them accepted: a status filter applies before paging, not to a page.
            for number in filed.prefix(2) {
                _ = try await client.execute(uri: "/v1/complaints/\(number)/events", method: .post, headers: admin, body: ByteBuffer(string: #"{"action":"accept"}"#))
            }
            func walk(_ query: String) async throws -> (numbers: [String], pages: [Int]) {
                var seen: [String] = [], pages: [Int] = [], after: String?
                repeat {
                    let r = try await client.execute(uri: "/v1/complaints?limit=3" + (query.isEmpty ? "" : "&" + query) + (after.map { "&after=\($0)" } ?? ""), method: .get, headers: admin)
                    #expect(r.status == .ok, "\(query) after \(after ?? "-"): \(r.text)")
                    let page = try numbers(r)
                    seen += page
                    pages.append(page.count)
                    after = try r.json()["next"] as? String
                } while after != nil && pages.count < 10
                return (seen, pages)
            }
            let all = try await walk("")
            #expect(all.numbers == filed.reversed() && all.pages == [3, 3, 1], "\(all)")
            let assigned = try await walk("status=assigned")
            #expect(assigned.numbers == filed.suffix(5).reversed() && assigned.pages == [3, 2], "\(assigned)")
            let both = try await walk("status=assigned,accepted")
            #expect(both.numbers == filed.reversed())
            // A station's own list pages the same way.
            let station = try #require(stations[filed[0]])
            var atStation: [String] = [], after: String?
            repeat {
                let r = try await client.execute(uri: "/v1/stations/\(station)/complaints?limit=2" + (after.map { "&after=\($0)" } ?? ""), method: .get, headers: admin)
                atStation += try numbers(r)
                after = try r.json()["next"] as? String
            } while after != nil && atStation.count < 20
            #expect(atStation == filed.reversed().filter { stations[$0] == station }, "\(atStation)")
            // A JSON page holds at most 200 whatever the limit (up to the export's 10,000); beyond, a 400.
            let large = try await client.execute(uri: "/v1/complaints?limit=201", method: .get, headers: admin)
            let largePage = try numbers(large)
            #expect(large.status == .ok && largePage == filed.reversed(), "\(large.text)")
            let tooMany = try await client.execute(uri: "/v1/complaints?limit=10001", method: .get, headers: admin)
            #expect(tooMany.status == .badRequest && tooMany.text.contains("limit"))
            let badStatus = try await client.execute(uri: "/v1/complaints?status=assigned,lost", method: .get, headers: admin)
            #expect(badStatus.status == .badRequest && badStatus.text.contains("lost"))
        }
    }
}
