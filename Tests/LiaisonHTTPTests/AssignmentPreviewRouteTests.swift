import Foundation
import Geodesy
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LiaisonCore
import LiaisonHTTP
import LiaisonStore
import LiaisonTestSupport
import Testing

/// `/v1/assignment-preview`, `include=assignment` on nearest, and `preferred_station_id` at
/// intake: each on a register of its own, since they file complaints and change capacity.
@Suite struct AssignmentPreviewRouteTests {
    let register: WritableRegister

    init() throws {
        register = try WritableRegister()
    }

    static let json: HTTPFields = [.contentType: "application/json"]

    /// A new complaint's headers: each filing its own Idempotency-Key.
    static func filing() -> HTTPFields {
        var headers = json
        headers[HTTPField.Name("Idempotency-Key")!] = UUID().uuidString
        return headers
    }

    /// Points across Zhejiang (WGS-84 unless said), with the mode a complaint there prefers.
    static let points: [(lat: Double, lng: Double, coordsys: String, mode: String)] = [
        (30.259, 120.13, "wgs84", "offline"),       // West Lake, Hangzhou
        (30.259, 120.13, "wgs84", "video"),
        (29.87, 121.55, "gcj02", "video"),          // Ningbo
        (28.0, 120.67, "wgs84", "offline"),         // Wenzhou
        (30.75, 120.76, "wgs84", "video"),          // Jiaxing
        (29.1, 119.65, "bd09", "offline"),          // Jinhua
        (27.55, 120.0, "wgs84", "video"),           // the hills of southern Wenzhou
        (28.51, 121.33, "wgs84", "video"),          // 温岭市 by 路桥区: the own-county rule passes over a nearer station
    ]

    static func preview(_ client: some TestClientProtocol, lat: Double, lng: Double, coordsys: String = "wgs84", mode: String) async throws -> [String: Any] {
        try await client.execute(uri: "/v1/assignment-preview?lat=\(lat)&lng=\(lng)&coordsys=\(coordsys)&mode=\(mode)", method: .get) { response in
            #expect(response.status == .ok, "\(response.text)")
            return try response.json()
        }
    }

    static func file(_ client: some TestClientProtocol, lat: Double, lng: Double, coordsys: String = "wgs84", mode: String, phone: String,
                     _ changes: [String: Any] = [:]) async throws -> (status: HTTPResponse.Status, body: [String: Any]) {
        let body = ComplaintBody.json(phone: phone, mode: mode, ["location": ["lat": lat, "lng": lng, "coordsys": coordsys]].merging(changes) { $1 })
        return try await client.execute(uri: "/v1/complaints", method: .post, headers: filing(), body: ByteBuffer(bytes: body)) {
            ($0.status, try $0.json())
        }
    }

    /// The preview names the station intake then assigns, with the same mode and reason.
    @Test func previewAndIntakeAgree() async throws {
        try await register.app().test(.router) { client in
            for (i, p) in Self.points.enumerated() {
                let preview = try await Self.preview(client, lat: p.lat, lng: p.lng, coordsys: p.coordsys, mode: p.mode)
                let filed = try await Self.file(client, lat: p.lat, lng: p.lng, coordsys: p.coordsys, mode: p.mode, phone: "1390000\(String(format: "%04d", i))")
                #expect(filed.status == .created, "\(filed.body)")
                let previewed = (preview["station"] as? [String: Any])?["id"] as? String
                let assigned = (filed.body["station"] as? [String: Any])?["id"] as? String
                #expect(previewed != nil && previewed == assigned, "\(p): preview \(previewed ?? "none"), intake \(assigned ?? "none")")
                #expect(preview["mode"] as? String == filed.body["mode"] as? String, "\(p)")
                #expect(preview["outcome"] as? String == "assigned")
                #expect(preview["reason"] as? String == filed.body["assignment_reason"] as? String, "\(p)")
            }
        }
    }

    /// In 温岭市 near 路桥区 the nearest video station (路桥区, 3.93 km) is passed over for the own
    /// county's (13.91 km): the preview says so, and nearest marks the farther one.
    @Test func theOwnCountyRuleIsExplained() async throws {
        try await register.app().test(.router) { client in
            let preview = try await Self.preview(client, lat: 28.51, lng: 121.33, mode: "video")
            #expect((preview["station"] as? [String: Any])?["id"] as? String == "331081-0007")
            #expect(preview["reason"] as? String == "nearest station offering video mediation in 温岭市 with free capacity, 13.91 km")
            let passed = try #require(preview["passed_over"] as? [[String: Any]])
            let nearer = try #require(passed.first { ($0["station"] as? [String: Any])?["id"] as? String == "331004-0008" })
            #expect(nearer["reason"] as? String == "other_county")
            #expect(passed.count <= 10)
            #expect(passed.allSatisfy { (($0["station"] as? [String: Any])?["distance_m"] as? Double ?? .infinity) < 13907.07 })
            let nearest = try await client.execute(uri: "/v1/stations/nearest?lat=28.51&lng=121.33&mode=video&limit=1&include=assignment", method: .get) { try $0.json() }
            let first = try #require((nearest["stations"] as? [[String: Any]])?.first)
            #expect(first["id"] as? String == "331004-0008")
            #expect(first["intake_choice"] as? Bool == false)
            #expect((nearest["assignment"] as? [String: Any])?["station_id"] as? String == "331081-0007")
        }
    }

    /// A station at capacity is passed over with that reason, and intake skips it too; chosen by
    /// the consumer it is refused (422 naming preferred_station_id) unless fallback is allowed.
    @Test func atCapacityIsPassedOverAndAChoiceOfItIsRefused() async throws {
        try await register.app().test(.router) { client in
            let p = Self.points[0]
            let first = try await Self.preview(client, lat: p.lat, lng: p.lng, mode: p.mode)
            let full = try #require((first["station"] as? [String: Any])?["id"] as? String)
            try await client.execute(uri: "/v1/stations/\(full)", method: .patch, headers: WritableRegister.headers(register.admin),
                                     body: ByteBuffer(string: #"{"capacity": 1}"#)) { #expect($0.status == .ok) }
            let taken = try await Self.file(client, lat: p.lat, lng: p.lng, mode: p.mode, phone: "13900001001")
            #expect((taken.body["station"] as? [String: Any])?["id"] as? String == full)

            let second = try await Self.preview(client, lat: p.lat, lng: p.lng, mode: p.mode)
            let next = try #require((second["station"] as? [String: Any])?["id"] as? String)
            #expect(next != full)
            let passed = try #require(second["passed_over"] as? [[String: Any]])
            let entry = try #require(passed.first { ($0["station"] as? [String: Any])?["id"] as? String == full })
            #expect(entry["reason"] as? String == "at_capacity")
            #expect((entry["detail"] as? String)?.contains("1 open complaints of 1") == true, "\(entry)")
            let filed = try await Self.file(client, lat: p.lat, lng: p.lng, mode: p.mode, phone: "13900001002")
            #expect((filed.body["station"] as? [String: Any])?["id"] as? String == next)

            // The consumer chooses the full station: refused, naming the field and the reason.
            let refused = try await Self.file(client, lat: p.lat, lng: p.lng, mode: p.mode, phone: "13900001003", ["preferred_station_id": full])
            #expect(refused.status == .unprocessableContent)
            #expect(refused.body["type"] as? String == "https://liaison.zj/problems/preferred-station-ineligible")
            let params = try #require(refused.body["invalid_params"] as? [[String: Any]])
            #expect(params.map { $0["name"] as? String } == ["preferred_station_id"])
            #expect((params.first?["reason"] as? String)?.contains("at_capacity") == true, "\(params)")
            // With fallback: the rule's choice, and the complaint says why.
            let replaced = try await Self.file(client, lat: p.lat, lng: p.lng, mode: p.mode, phone: "13900001003",
                                               ["preferred_station_id": full, "preferred_station_fallback": true])
            #expect(replaced.status == .created, "\(replaced.body)")
            #expect((replaced.body["station"] as? [String: Any])?["id"] as? String == next)
            let reason = try #require(replaced.body["assignment_reason"] as? String)
            #expect(reason.hasPrefix("preferred station \(full) cannot take it"), "\(reason)")
        }
    }

    /// An eligible choice is honoured even when it is not the rule's; one too far away, one not
    /// offering the mode and an unknown id are refused, each naming preferred_station_id.
    @Test func aChosenStationIsHonouredWhenEligible() async throws {
        try await register.app().test(.router) { client in
            let p = Self.points[0]
            let nearest = try await client.execute(uri: "/v1/stations/nearest?lat=\(p.lat)&lng=\(p.lng)&mode=offline&limit=3", method: .get) { try $0.json() }
            let stations = try #require(nearest["stations"] as? [[String: Any]])
            let chosen = try #require(stations.last?["id"] as? String)
            let preview = try await Self.preview(client, lat: p.lat, lng: p.lng, mode: "offline")
            #expect((preview["station"] as? [String: Any])?["id"] as? String != chosen, "the test needs a choice other than the rule's")
            let filed = try await Self.file(client, lat: p.lat, lng: p.lng, mode: "offline", phone: "13900002001", ["preferred_station_id": chosen])
            #expect(filed.status == .created, "\(filed.body)")
            #expect((filed.body["station"] as? [String: Any])?["id"] as? String == chosen)
            #expect((filed.body["assignment_reason"] as? String)?.hasPrefix("the consumer's chosen station") == true)

            // Wenzhou is about 250 km from West Lake.
            let far = try await client.execute(uri: "/v1/stations/nearest?lat=28.0&lng=120.67&limit=1", method: .get) { try $0.json() }
            let farID = try #require((far["stations"] as? [[String: Any]])?.first?["id"] as? String)
            let tooFar = try await Self.file(client, lat: p.lat, lng: p.lng, mode: "offline", phone: "13900002002", ["preferred_station_id": farID])
            #expect(tooFar.status == .unprocessableContent)
            #expect((tooFar.body["detail"] as? String)?.contains("out_of_reach") == true, "\(tooFar.body)")

            let offlineOnly = register.finder.snapshot.activeStations.first { !$0.modes.contains(.video) && $0.countyCode == "330106" }
            if let offlineOnly {
                let noVideo = try await Self.file(client, lat: p.lat, lng: p.lng, mode: "video", phone: "13900002003", ["preferred_station_id": offlineOnly.id])
                #expect(noVideo.status == .unprocessableContent)
                #expect((noVideo.body["detail"] as? String)?.contains("mode_not_offered") == true, "\(noVideo.body)")
            }
            let unknown = try await Self.file(client, lat: p.lat, lng: p.lng, mode: "offline", phone: "13900002004", ["preferred_station_id": "330106-9999"])
            #expect(unknown.status == .badRequest)
            #expect((unknown.body["invalid_params"] as? [[String: Any]])?.first?["name"] as? String == "preferred_station_id")
            let malformed = try await Self.file(client, lat: p.lat, lng: p.lng, mode: "offline", phone: "13900002005",
                                                ["preferred_station_id": "west lake", "preferred_station_fallback": "yes"])
            #expect(malformed.status == .badRequest)
            let alone = try await Self.file(client, lat: p.lat, lng: p.lng, mode: "offline", phone: "13900002006", ["preferred_station_fallback": true])
            #expect(alone.status == .badRequest)
            #expect((alone.body["invalid_params"] as? [[String: Any]])?.first?["name"] as? String == "preferred_station_fallback")
        }
    }

    /// Nearest with include=assignment marks the preview's station and names it at the top.
    @Test func nearestMarksTheIntakeChoice() async throws {
        try await register.app().test(.router) { client in
            for p in Self.points {
                let preview = try await Self.preview(client, lat: p.lat, lng: p.lng, coordsys: p.coordsys, mode: p.mode)
                let expected = try #require((preview["station"] as? [String: Any])?["id"] as? String)
                let nearest = try await client.execute(uri: "/v1/stations/nearest?lat=\(p.lat)&lng=\(p.lng)&coordsys=\(p.coordsys)&mode=\(p.mode)&include=assignment&limit=50",
                                                       method: .get) { try $0.json() }
                let assignment = try #require(nearest["assignment"] as? [String: Any])
                #expect(assignment["station_id"] as? String == expected)
                let items = try #require(nearest["stations"] as? [[String: Any]])
                #expect(items.allSatisfy { $0["intake_choice"] is Bool })
                #expect(items.filter { $0["intake_choice"] as? Bool == true }.map { $0["id"] as? String } == (items.contains { $0["id"] as? String == expected } ? [expected] : []))
            }
            // Without a mode: the choice for offline mediation.
            let offline = try await Self.preview(client, lat: 30.259, lng: 120.13, mode: "offline")
            let modeless = try await client.execute(uri: "/v1/stations/nearest?lat=30.259&lng=120.13&include=assignment", method: .get) { try $0.json() }
            #expect((modeless["assignment"] as? [String: Any])?["mode"] as? String == "offline")
            #expect((modeless["assignment"] as? [String: Any])?["station_id"] as? String == (offline["station"] as? [String: Any])?["id"] as? String)
            // Without the parameter, no trace of it.
            let plain = try await client.execute(uri: "/v1/stations/nearest?lat=30.259&lng=120.13&mode=video", method: .get) { try $0.json() }
            #expect(plain["assignment"] == nil)
            #expect((plain["stations"] as? [[String: Any]])?.allSatisfy { $0["intake_choice"] == nil && $0["open_now"] == nil } == true)
        }
    }

    @Test(arguments: [
        ("/v1/assignment-preview?lat=30.259&lng=120.13", ["mode"]),
        ("/v1/assignment-preview?lat=91&lng=120.13&mode=walk&coordsys=x", ["lat", "coordsys", "mode"]),
        ("/v1/assignment-preview?lat=30.259&lng=120.13&mode=video&limit=3", ["limit"]),
        ("/v1/stations/nearest?lat=30.259&lng=120.13&include=hours,stars", ["include"]),
        ("/v1/stations?include=assignment", ["include"]),
    ])
    func badInputNamesTheField(_ uri: String, _ names: [String]) async throws {
        try await register.app().test(.router) { client in
            try await client.execute(uri: uri, method: .get) { response in
                #expect(response.status == .badRequest, "\(uri): \(response.text)")
                let named = try response.invalidParameterNames()
                #expect(Set(named) == Set(names), "\(uri): \(response.text)")
            }
        }
    }

    @Test func outsideZhejiangIsAnsweredAsRefused() async throws {
        try await register.app().test(.router) { client in
            let preview = try await Self.preview(client, lat: 31.23, lng: 121.47, mode: "offline")
            #expect(preview["outcome"] as? String == "refused")
            #expect(preview["station"] == nil)
            #expect((preview["reason"] as? String)?.contains("outside Zhejiang") == true)
            let nearest = try await client.execute(uri: "/v1/stations/nearest?lat=31.23&lng=121.47&mode=offline&include=assignment", method: .get) { try $0.json() }
            let assignment = try #require(nearest["assignment"] as? [String: Any])
            #expect(assignment["station_id"] == nil)
            #expect((assignment["reason"] as? String)?.contains("outside Zhejiang") == true)
        }
    }

    /// The complaint's station carries its location in the system the complaint was filed in.
    @Test(arguments: ["wgs84", "gcj02", "bd09"])
    func theComplaintsStationHasALocationInTheCallersSystem(_ coordsys: String) async throws {
        try await register.app().test(.router) { client in
            let filed = try await Self.file(client, lat: 30.259, lng: 120.13, coordsys: coordsys, mode: "offline", phone: "13900003001")
            let station = try #require(filed.body["station"] as? [String: Any])
            let location = try #require(station["location"] as? [String: Any])
            #expect(location["coordsys"] as? String == coordsys)
            let id = try #require(station["id"] as? String)
            let wgs84 = try #require(register.finder.snapshot.station(id: id)).location
            let shown = try #require(CoordinateSystem(rawValue: coordsys)).fromWGS84(wgs84)
            #expect(abs((location["lat"] as? Double ?? 0) - shown.latitude) < 1e-7)
            #expect(abs((location["lng"] as? Double ?? 0) - shown.longitude) < 1e-7)
        }
    }
}
