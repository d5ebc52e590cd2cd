import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LiaisonCore
import LiaisonHTTP
import Testing

/// `GET /v1/stats` over a real server: who may see what, and what a bad filter gets.
@Suite struct StatsRouteTests {
    let register: WritableRegister

    init() throws {
        register = try WritableRegister()
    }

    @Test func countyTokensAreConfinedToTheirCounty() async throws {
        try await register.app().test(.live) { client in
            let created = try await client.execute(uri: "/v1/complaints", method: .post, headers: intakeHeaders(), body: complaintJSON())
            #expect(created.status == .created)

            let xihu = WritableRegister.headers(register.xihu), admin = WritableRegister.headers(register.admin)
            let own = try await client.execute(uri: "/v1/stats", method: .get, headers: xihu)
            #expect(own.status == .ok, "\(own.text)")
            #expect(own.headers[.cacheControl] == "no-store")
            let body = try own.json()
            #expect((body["filter"] as? [String: Any])?["county"] as? String == "330106", "no county= means the token's own")
            let totals = try #require(body["totals"] as? [String: Any])
            #expect(totals["complaints"] as? Int == 1)
            #expect((body["by_county"] as? [[String: Any]])?.compactMap { $0["code"] as? String } == ["330106"])
            #expect((totals["dispatched_within_2h"] as? [String: Any])?["met"] as? Int == 1, "assigned at once: \(totals)")

            // Another county, another city, and its own city too: a county token sees its county only.
            for query in ["county=330110", "city=330200", "city=330100"] {
                let other = try await client.execute(uri: "/v1/stats?\(query)", method: .get, headers: xihu)
                #expect(other.status == .forbidden, "\(query): \(other.text)")
                #expect(other.headers[.contentType] == "application/problem+json")
            }

            let elsewhere = try await client.execute(uri: "/v1/stats?county=330110&from=2026-01-01", method: .get, headers: admin)
            #expect(elsewhere.status == .ok)
            #expect((try elsewhere.json()["totals"] as? [String: Any])?["complaints"] as? Int == 0)
            let all = try await client.execute(uri: "/v1/stats", method: .get, headers: admin)
            #expect((try all.json()["filter"] as? [String: Any])?["county"] is NSNull)

            let anonymous = try await client.execute(uri: "/v1/stats", method: .get)
            #expect(anonymous.status == .unauthorized)
        }
    }

    @Test(arguments: [
        ("from=2026-02-30", ["from"]),
        ("to=tomorrow", ["to"]),
        ("from=2026-03-02&to=2026-03-01", ["to"]),
        ("from=2026-03-02T00:00:00%2B08:00&to=2026-03-01T16:00:00Z", ["to"]),
        ("county=330104", ["county"]),
        ("city=331200", ["city"]),
        ("station=330106-9999", ["station"]),
        ("county=330106&county=330106", ["county"]),
        ("limit=5&from=x", ["limit", "from"]),
    ])
    func badFiltersAre400NamingTheParameter(query: String, names: [String]) async throws {
        try await register.app().test(.router) { client in
            let r = try await client.execute(uri: "/v1/stats?\(query)", method: .get, headers: WritableRegister.headers(register.admin))
            #expect(r.status == .badRequest, "\(query): \(r.text)")
            #expect(r.headers[.contentType] == "application/problem+json")
            #expect(try r.invalidParameterNames() == names, "\(query): \(r.text)")
        }
    }
}
