import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LiaisonCore
import LiaisonHTTP
import LiaisonStore
import Testing

/// Hot spots, ratings, border flags and the Open311 door over a real server on loopback.
@Suite struct InsightRouteTests {
    let register: WritableRegister

    init() throws {
        register = try WritableRegister()
    }

    @Test func hotspotsAuthenticateBeforeCheckingParameters() async throws {
        try await register.app().test(.live) { client in
            for _ in 0..<2 {
                let created = try await client.execute(uri: "/v1/complaints", method: .post, headers: intakeHeaders(), body: complaintJSON())
                #expect(created.status == .created)
            }
            // An anonymous caller learns nothing from the parameters: 401 whatever they are.
            let anonymous = try await client.execute(uri: "/v1/merchants/hotspots?county=999999&min=x", method: .get)
            #expect(anonymous.status == .unauthorized)
            let bad = try await client.execute(uri: "/v1/merchants/hotspots?county=999999&min=x", method: .get, headers: WritableRegister.headers(register.admin))
            #expect(bad.status == .badRequest)
            #expect(Set(try bad.invalidParameterNames()) == ["county", "min"])
            let own = try await client.execute(uri: "/v1/merchants/hotspots", method: .get, headers: WritableRegister.headers(register.xihu))
            #expect(own.status == .ok, "\(own.text)")
            let body = try own.json()
            #expect(body["county"] as? String == "330106")
            let top = try #require((body["hotspots"] as? [[String: Any]])?.first)
            #expect(top["merchant_name"] as? String == "某某超市" && top["complaints"] as? Int == 2 && top["repeats"] as? Int == 1)
            let other = try await client.execute(uri: "/v1/merchants/hotspots?county=330110", method: .get, headers: WritableRegister.headers(register.xihu))
            #expect(other.status == .forbidden)
        }
    }

    @Test func ratingsShowInDetailNearestOGCAndTheStaffList() async throws {
        let ratings = StationRatings(database: register.database, finder: register.finder, formula: .defaults)
        _ = try ratings.compute(now: Date())
        let id = "330106-0001"
        try await register.app().test(.live) { client in
            let detail = try await client.execute(uri: "/v1/stations/\(id)", method: .get)
            let rating = try #require(try detail.json()["rating"] as? [String: Any])
            #expect(rating["status"] as? String == "not_yet_rated" && rating["stars"] == nil)

            let plain = try await client.execute(uri: "/v1/stations/nearest?lat=30.259&lng=120.13", method: .get)
            #expect(!plain.text.contains("\"rating\""))
            let rated = try await client.execute(uri: "/v1/stations/nearest?lat=30.259&lng=120.13&include=rating", method: .get)
            let first = try #require((try rated.json()["stations"] as? [[String: Any]])?.first)
            #expect((first["rating"] as? [String: Any])?["station_id"] as? String == first["id"] as? String)
            let wrong = try await client.execute(uri: "/v1/stations/nearest?lat=30.259&lng=120.13&include=stars", method: .get)
            #expect(try wrong.invalidParameterNames() == ["include"])

            let feature = try await client.execute(uri: "/ogc/collections/stations/items/\(id)", method: .get)
            #expect(feature.text.contains("\"rating_stars\":null"), "\(feature.text.prefix(300))")

            let list = try await client.execute(uri: "/v1/ratings?limit=5", method: .get, headers: WritableRegister.headers(register.xihu))
            #expect(list.status == .ok, "\(list.text)")
            let body = try list.json()
            #expect(body["county"] as? String == "330106" && (body["stations"] as? [Any])?.count == 5 && body["next_offset"] as? Int == 5)
            #expect(try await client.execute(uri: "/v1/ratings", method: .get).status == .unauthorized)
        }
    }

    @Test func nearestAndRegionLookupSayHowSureTheCountyIs() async throws {
        try await register.app().test(.live) { client in
            // Deep in 淳安县 (千岛湖 town) and on the 西湖区 / 上城区 line at West Lake's east shore.
            let inland = try await client.execute(uri: "/v1/regions/lookup?lat=29.6&lng=118.95", method: .get)
            #expect(try inland.json()["county_confidence"] as? String == "inside")
            #expect((try inland.json()["border_counties"] as? [Any])?.isEmpty == true)
            let snapshot = register.finder.snapshot
            let xihu = try #require(snapshot.counties.county(code: "330106"))
            let vertex = try #require(xihu.boundary.polygons[0][0].first { v in
                snapshot.counties.counties.contains { $0.adcode != "330106" && $0.boundary.nearestBoundaryPoint(to: v).distanceMeters < 1 }
            })
            let near = try await client.execute(uri: "/v1/stations/nearest?lat=\(vertex.latitude)&lng=\(vertex.longitude)", method: .get)
            let query = try #require(try near.json()["query"] as? [String: Any])
            #expect(query["county_confidence"] as? String == "near_border", "\(query)")
            #expect((query["border_counties"] as? [Any])?.isEmpty == false)
            let sea = try await client.execute(uri: "/v1/stations/nearest?lat=25&lng=125", method: .get)
            #expect(try sea.json()["query"].flatMap { ($0 as? [String: Any])?["county_confidence"] } == nil)
        }
    }

    func form(_ fields: [(String, String)]) -> ByteBuffer {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let text = fields.map { "\($0.0.addingPercentEncoding(withAllowedCharacters: allowed)!)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }
            .joined(separator: "&")
        return ByteBuffer(string: text)
    }

    @Test func open311FilesAndReadsBackOnlyTheClientsOwnRequests() async throws {
        let tokens = register.tokens
        let key = try tokens.create(name: "civic-app", role: .client)
        let otherKey = try tokens.create(name: "other-app", role: .client)
        let formType: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
        try await register.app().test(.live) { client in
            let services = try await client.execute(uri: "/open311/v2/services.json", method: .get)
            let list = try #require(try JSONSerialization.jsonObject(with: Data(buffer: services.body)) as? [[String: Any]])
            #expect(list.compactMap { $0["service_code"] as? String } == ComplaintCategory.allCases.map(\.rawValue))

            let fields = [("api_key", key), ("service_code", "price"), ("lat", "30.2590"), ("long", "120.1300"), ("first_name", "三"),
                          ("last_name", "张"), ("phone", "13800138000"), ("description", "乱收费"), ("attribute[merchant_name]", "某某理发店")]
            let filed = try await client.execute(uri: "/open311/v2/requests.json", method: .post, headers: formType, body: form(fields))
            #expect(filed.status == .created, "\(filed.text)")
            let id = try #require((try JSONSerialization.jsonObject(with: Data(buffer: filed.body)) as? [[String: Any]])?.first?["service_request_id"] as? String)
            let desk = ComplaintDesk(database: register.database, finder: register.finder, settings: Fixture.complaints)
            let stored = try desk.complaint(id, for: StaffToken(name: "a", role: .admin)).0
            #expect(stored.client == "civic-app" && stored.intake.consumerName == "张 三" && stored.intake.category == .price)

            let mine = try await client.execute(uri: "/open311/v2/requests/\(id).json?api_key=\(key)", method: .get)
            #expect(mine.status == .ok && mine.headers[.cacheControl] == "no-store")
            let request = try #require((try JSONSerialization.jsonObject(with: Data(buffer: mine.body)) as? [[String: Any]])?.first)
            #expect(request["status"] as? String == "open" && request["service_code"] as? String == "price")
            let theirs = try await client.execute(uri: "/open311/v2/requests/\(id).json?api_key=\(otherKey)", method: .get)
            #expect(theirs.status == .notFound)
            let error = try #require((try JSONSerialization.jsonObject(with: Data(buffer: theirs.body)) as? [[String: Any]])?.first)
            #expect(error["code"] as? Int == 404)

            // A staff token is no api_key, and a client key is no staff token.
            let staffKey = try await client.execute(uri: "/open311/v2/requests.json?api_key=\(register.admin)", method: .get)
            #expect(staffKey.status == .forbidden)
            let clientAsStaff = try await client.execute(uri: "/v1/stats", method: .get, headers: WritableRegister.headers(key))
            #expect(clientAsStaff.status == .forbidden)

            // Bad fields are named in Open311 terms, and nothing is filed.
            let bad = [("api_key", key), ("service_code", "nonsense"), ("lat", "0x1p4"), ("long", "120.13"), ("last_name", "张"),
                       ("phone", "123"), ("description", "x"), ("attribute[merchant_name]", "店"), ("colour", "red")]
            let rejected = try await client.execute(uri: "/open311/v2/requests.json", method: .post, headers: formType, body: form(bad))
            #expect(rejected.status == .badRequest)
            let description = (try JSONSerialization.jsonObject(with: Data(buffer: rejected.body)) as? [[String: Any]])?.first?["description"] as? String ?? ""
            #expect(description.contains("colour") && description.contains("lat"), "\(description)")
            let typed = [("api_key", key), ("service_code", "nonsense"), ("lat", "30.25"), ("long", "120.13"), ("last_name", "张"),
                         ("phone", "123"), ("description", "x"), ("attribute[merchant_name]", "店")]
            let named = try await client.execute(uri: "/open311/v2/requests.json", method: .post, headers: formType, body: form(typed))
            let text = (try JSONSerialization.jsonObject(with: Data(buffer: named.body)) as? [[String: Any]])?.first?["description"] as? String ?? ""
            #expect(named.status == .badRequest && text.contains("service_code") && text.contains("phone"), "\(text)")
            let all = try await client.execute(uri: "/open311/v2/requests.json?api_key=\(key)", method: .get)
            #expect((try JSONSerialization.jsonObject(with: Data(buffer: all.body)) as? [Any])?.count == 1)
            let json = try await client.execute(uri: "/open311/v2/requests.json", method: .post, headers: [.contentType: "application/json"], body: complaintJSON())
            #expect(json.status == .unsupportedMediaType)
        }
    }
}
