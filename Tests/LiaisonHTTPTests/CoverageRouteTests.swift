import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LiaisonCore
import LiaisonHTTP
import LiaisonStore
import Testing

/// `GET /v1/coverage`: staff only, a county token for its own county, answers kept per
/// register version.
@Suite struct CoverageRouteTests {
    let register: WritableRegister

    init() throws {
        register = try WritableRegister()
    }

    @Test func countyTokensAskOfTheirCountyAndAnswersFollowTheRegister() async throws {
        try await register.app().test(.live) { client in
            // Anonymous: 401 whatever the parameters.
            #expect(try await client.execute(uri: "/v1/coverage?max_km=x", method: .get).status == .unauthorized)
            let xihu = WritableRegister.headers(register.xihu), admin = WritableRegister.headers(register.admin)

            let bad = try await client.execute(uri: "/v1/coverage?max_km=0&spacing_m=5&mode=boat&county=999999&x=1", method: .get, headers: xihu)
            #expect(bad.status == .badRequest)
            #expect(Set(try bad.invalidParameterNames()) == ["max_km", "spacing_m", "mode", "county", "x"], "\(bad.text)")
            let noCounty = try await client.execute(uri: "/v1/coverage?max_km=2", method: .get, headers: admin)
            #expect(noCounty.status == .badRequest)
            #expect(try noCounty.invalidParameterNames() == ["county"])
            let other = try await client.execute(uri: "/v1/coverage?max_km=2&county=330110", method: .get, headers: xihu)
            #expect(other.status == .forbidden)

            let own = try await client.execute(uri: "/v1/coverage?max_km=2", method: .get, headers: xihu)
            try #require(own.status == .ok, "\(own.text)")
            let body = try own.json()
            let county = try #require((body["counties"] as? [[String: Any]])?.first)
            #expect(county["county_code"] as? String == "330106" && county["stations"] as? Int == 10)
            let share = try #require(county["uncovered_share"] as? Double)
            #expect(share > 0 && share < 1)
            let farthest = try #require(county["farthest"] as? [String: Any])
            let firstVersion = try #require(body["register_version"] as? Int)

            // The admin's question for the same county is the same answer, from the cache.
            let again = try await client.execute(uri: "/v1/coverage?max_km=2&county=330106", method: .get, headers: admin)
            #expect(again.headers[.eTag] == own.headers[.eTag] && again.headers[.eTag] != nil)
            var conditional = xihu
            conditional[.ifNoneMatch] = own.headers[.eTag] ?? ""
            let unchanged = try await client.execute(uri: "/v1/coverage?max_km=2", method: .get, headers: conditional)
            #expect(unchanged.status == .notModified)

            // Retiring the station nearest the farthest point's neighbourhood changes the register:
            // a new version, and the county's answer is computed again.
            let id = try #require(farthest["station_id"] as? String)
            let retired = try await client.execute(uri: "/v1/stations/\(id)/retire", method: .post, headers: admin,
                                                   body: ByteBuffer(string: #"{"reason":"并入邻村联络站"}"#))
            #expect(retired.status == .ok, "\(retired.text)")
            let after = try await client.execute(uri: "/v1/coverage?max_km=2", method: .get, headers: xihu)
            let afterBody = try after.json()
            #expect((afterBody["register_version"] as? Int ?? 0) > firstVersion)
            let afterCounty = try #require((afterBody["counties"] as? [[String: Any]])?.first)
            #expect((afterCounty["farthest"] as? [String: Any])?["station_id"] as? String != id)
            // The farthest point's station may be a neighbouring county's: stations of any county count.
            #expect(afterCounty["stations"] as? Int == (id.hasPrefix("330106") ? 9 : 10))
            #expect((afterCounty["uncovered_share"] as? Double ?? 0) >= share, "one station fewer cannot cover more")
        }
    }
}
