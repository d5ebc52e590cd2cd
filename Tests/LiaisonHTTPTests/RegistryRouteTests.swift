import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LiaisonCore
import LiaisonHTTP
import LiaisonPostgres
import LiaisonStore
import LiaisonTestSupport
import Testing

/// A register of its own per test (these tests write), with an admin and a county token: a
/// SpatiaLite file, or with `LIAISON_TEST_STORE=postgres` a PostgreSQL database of its own, so
/// that the same route tests run against both stores (`.ci/run` runs them twice).
struct WritableRegister {
    let database: any RegisterStore
    let services: LiaisonServices
    var finder: StationFinder { services.finder }
    var tokens: any TokenStore { services.tokens }
    let admin: String
    let xihu: String
    /// The database's URL when on PostgreSQL.
    let postgresURL: String?
    /// Removed with the database when the last copy of this value goes away.
    let scratch: ScratchFolder
    var folder: URL { scratch.url }

    /// Whether these tests run against PostgreSQL (`LIAISON_TEST_STORE=postgres`).
    static let onPostgres = ProcessInfo.processInfo.environment["LIAISON_TEST_STORE"] == "postgres"

    init() throws {
        scratch = try ScratchFolder("liaison-registry")
        if Self.onPostgres {
            let url = try ScratchPostgres.newDatabase("routes")
            postgresURL = url
            let store = try PostgresStore(url: url, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
            try store.createIfEmpty(from: try GeodataDirectory(url: Repository.geodata))
            database = store
            services = try LiaisonServices(postgres: store, complaints: Fixture.complaints)
        } else {
            postgresURL = nil
            let file = try TemplateDatabase.open(at: scratch.path("liaison.sqlite"))
            database = file
            services = try LiaisonServices(database: file, complaints: Fixture.complaints)
        }
        admin = try services.tokens.create(name: "admin-1", role: .admin)
        xihu = try services.tokens.create(name: "xihu-1", role: .county("330106"))
    }

    func app(logs: LogRecorder? = nil, settings: ServerSettings = Fixture.settings()) -> some ApplicationProtocol {
        var logger = Logger(label: "test") { _ in logs.map { $0 as any LogHandler } ?? SwiftLogNoOpLogHandler() }
        logger.logLevel = .trace
        return buildApplication(settings: settings, services: services, metrics: HTTPMetrics(version: "test"), logger: logger)
    }

    static func headers(_ token: String?) -> HTTPFields {
        var h: HTTPFields = [.contentType: "application/json"]
        if let token { h[.authorization] = "Bearer \(token)" }
        return h
    }
}

import Logging

/// A valid draft near West Lake (in 西湖区 330106), far from other stations unless moved.
func draft(_ changes: [String: Any] = [:]) -> ByteBuffer {
    var object: [String: Any] = [
        "name": "测试村消费维权联络站",
        "location": ["lat": 30.2200, "lng": 120.0800, "coordsys": "wgs84"],
        "address": ["town": "转塘街道", "village": "测试村"],
        "phone": "0571-87000000",
        "hours": ["mon": ["08:30-11:30"], "tue": [], "wed": [], "thu": [], "fri": [], "sat": [], "sun": []],
        "modes": ["offline", "video"],
        "capacity": 10,
        "staff": [["name": "王测试", "role": "站长", "mobile": "+86 199 9999 0001"]],
    ]
    for (key, value) in changes { object[key] = value is NSNull ? nil : value }
    return ByteBuffer(bytes: try! JSONSerialization.data(withJSONObject: object))
}

@Suite struct RegistryRouteTests {
    /// `force` is a boolean; a station holding a complaint with a confirmed session is not
    /// retired without it (409 naming the complaint), and is with it, the complaint moving on.
    @Test func retiringAStationWithAPlannedMediationNeedsForce() async throws {
        let register = try WritableRegister()
        let desk = register.services.complaints
        let filed = try desk.submit(ComplaintBody.json(mode: "offline"))
        let answer = try #require(try JSONSerialization.jsonObject(with: filed.body) as? [String: Any])
        let token = try #require(answer["tracking_token"] as? String)
        let staff = StaffToken(name: "admin", role: .admin)
        let station = try #require(try desk.complaint(filed.number, for: staff).0.stationID)
        try desk.act(on: filed.number, StaffCommand(action: .accept), by: staff)
        _ = try #require(try desk.act(on: filed.number, .confirmAppointment, token: token))
        try await register.app().test(.router) { client in
            let uri = "/v1/stations/\(station)/retire"
            try await client.execute(uri: uri, method: .post, headers: WritableRegister.headers(register.admin),
                                     body: ByteBuffer(string: #"{"reason":"并入邻村","force":"yes"}"#)) { response in
                #expect(response.status == .badRequest)
                let problem = try response.json()
                #expect(String(describing: problem["invalid_params"]).contains("force"))
            }
            try await client.execute(uri: uri, method: .post, headers: WritableRegister.headers(register.admin),
                                     body: ByteBuffer(string: #"{"reason":"并入邻村"}"#)) { response in
                #expect(response.status == .conflict)
                #expect(response.headers[.contentType] == "application/problem+json")
                let problem = try response.json()
                #expect((problem["type"] as? String)?.hasSuffix("station-holds-complaints") == true)
                #expect((problem["detail"] as? String)?.contains(filed.number) == true)
            }
            try await client.execute(uri: uri, method: .post, headers: WritableRegister.headers(register.admin),
                                     body: ByteBuffer(string: #"{"reason":"并入邻村","force":true}"#)) { response in
                #expect(response.status == .ok)
                let json = try response.json()
                #expect(json["status"] as? String == "retired")
            }
        }
        let moved = try desk.complaint(filed.number, for: staff).0
        #expect(moved.status == .assigned && moved.stationID != station && moved.stationID != nil)
    }

    @Test func aCreatedStationIsNearestAtOnceAndGoneWhenRetired() async throws {
        let register = try WritableRegister()
        try await register.app().test(.router) { client in
            let id = try await client.execute(uri: "/v1/stations", method: .post, headers: WritableRegister.headers(register.admin), body: draft()) { response in
                #expect(response.status == .created)
                let json = try response.json()
                let id = try #require(json["id"] as? String)
                #expect(id.hasPrefix("330106-"))
                #expect(response.headers[.location] == "/v1/stations/\(id)")
                #expect((json["staff"] as? [[String: Any]])?.first?["mobile_masked"] as? String == "199****0001")
                return id
            }
            try await client.execute(uri: "/v1/stations/nearest?lat=30.2200&lng=120.0800&limit=1", method: .get) { response in
                let stations = try response.json()["stations"] as? [[String: Any]] ?? []
                #expect(stations.first?["id"] as? String == id)
                #expect(stations.first?["distance_m"] as? Double == 0)
            }
            // The index size metric follows the register, not the start-up count.
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.text.contains("liaison_index_stations 2046"), "\(response.text.split(separator: "\n").filter { $0.contains("index") })")
            }
            try await client.execute(uri: "/v1/stations/\(id)/retire", method: .post, headers: WritableRegister.headers(register.admin)) { response in
                #expect(response.status == .badRequest)
            }
            let retire = ByteBuffer(string: #"{"reason":"merged with the town station"}"#)
            try await client.execute(uri: "/v1/stations/\(id)/retire", method: .post, headers: WritableRegister.headers(register.admin), body: retire) { response in
                #expect(response.status == .ok)
                let json = try response.json()
                #expect(json["status"] as? String == "retired")
            }
            try await client.execute(uri: "/v1/stations/nearest?lat=30.2200&lng=120.0800&limit=5", method: .get) { response in
                let ids = (try response.json()["stations"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                #expect(!ids.contains(id))
            }
            // The map view lists it among the retired (the staff console's filter), no longer among the active.
            for (status, listed) in [("retired", true), ("active", false)] {
                try await client.execute(uri: "/v1/stations?county=330106&limit=500&status=\(status)", method: .get) { response in
                    let ids = (try response.json()["stations"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                    #expect(ids.contains(id) == listed, "\(status)")
                    #expect(status == "active" ? ids.count >= 9 : ids == [id])
                }
            }
            try await client.execute(uri: "/v1/stations?status=closed", method: .get) { response in
                #expect(response.status == .badRequest)
            }
            try await client.execute(uri: "/v1/stations/\(id)/retire", method: .post, headers: WritableRegister.headers(register.admin), body: retire) { response in
                #expect(response.status == .conflict)
            }
            // History: create then retire, by the token's name, with before and after.
            try await client.execute(uri: "/v1/stations/\(id)/history", method: .get, headers: WritableRegister.headers(register.admin)) { response in
                #expect(response.status == .ok)
                let entries = try response.json()["entries"] as? [[String: Any]] ?? []
                #expect(entries.map { $0["action"] as? String } == ["create", "retire"])
                #expect(entries.allSatisfy { $0["actor"] as? String == "admin-1" })
                #expect(entries[0]["before"] == nil)
                #expect(entries[1]["reason"] as? String == "merged with the town station")
                #expect(((entries[1]["before"] as? [String: Any])?["properties"] as? [String: Any])?["status"] as? String == "active")
                #expect(((entries[1]["after"] as? [String: Any])?["properties"] as? [String: Any])?["status"] as? String == "retired")
            }
            try await client.execute(uri: "/v1/stations/\(id)/history", method: .get) { response in
                #expect(response.status == .unauthorized)
            }
        }
        // Durable: a new connection to the store sees it.
        #expect(try register.database.snapshot().stations.count == Fixture.snapshot.stations.count + 1)
        if !WritableRegister.onPostgres {
            let reopened = try LiaisonDatabase(path: register.folder.appendingPathComponent("liaison.sqlite").path).snapshot()
            #expect(reopened.stations.count == Fixture.snapshot.stations.count + 1)
        }
    }

    /// If-Match: the ETag read is accepted once, then stale (412); `*` matches any; a weak tag
    /// never matches; a malformed value is a 400 naming the header; a bad body is a 400 even
    /// with a stale tag; nothing is written on a refusal.
    @Test func ifMatchMakesAnEditConditional() async throws {
        let register = try WritableRegister()
        try await register.app().test(.router) { client in
            let uri = "/v1/stations/330106-0001"
            func headers(_ ifMatch: String?) -> HTTPFields {
                var h = WritableRegister.headers(register.admin)
                if let ifMatch { h[.ifMatch] = ifMatch }
                return h
            }
            let etag = try await client.execute(uri: uri, method: .get) { try #require($0.headers[.eTag]) }
            let patched = try await client.execute(uri: uri, method: .patch, headers: headers(etag), body: ByteBuffer(string: #"{"capacity": 41}"#)) { response in
                #expect(response.status == .ok)
                return try #require(response.headers[.eTag])
            }
            #expect(patched != etag)
            #expect(try await client.execute(uri: uri, method: .get) { $0.headers[.eTag] } == patched, "the write answers with the ETag GET gives")
            let refusals: [(String, String, HTTPResponse.Status)] = [
                (etag, #"{"capacity": 42}"#, .preconditionFailed),
                ("\"0000000000000000\", W/\(patched)", #"{"capacity": 42}"#, .preconditionFailed),
                ("", #"{"capacity": 42}"#, .badRequest),
                ("abc", #"{"capacity": 42}"#, .badRequest),
                (etag, #"{"capacity": "many"}"#, .badRequest),
            ]
            for (ifMatch, body, status) in refusals {
                try await client.execute(uri: uri, method: .patch, headers: headers(ifMatch), body: ByteBuffer(string: body)) { response in
                    #expect(response.status == status, "If-Match \(ifMatch), \(body)")
                    if status == .badRequest, body.contains("42") {
                        let names = (try response.json()["invalid_params"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
                        #expect(names == ["If-Match"])
                    }
                }
            }
            #expect(register.finder.snapshot.station(id: "330106-0001")?.capacity == 41, "no refused edit was written")
            try await client.execute(uri: uri, method: .patch, headers: headers("\"x\", \(patched)"), body: ByteBuffer(string: #"{"capacity": 43}"#)) {
                #expect($0.status == .ok)
            }
            try await client.execute(uri: uri + "/retire", method: .post, headers: headers(patched), body: ByteBuffer(string: #"{"reason": "撤并"}"#)) {
                #expect($0.status == .preconditionFailed, "retire honours If-Match too")
            }
            try await client.execute(uri: uri + "/retire", method: .post, headers: headers("*"), body: ByteBuffer(string: #"{"reason": "撤并"}"#)) {
                #expect($0.status == .ok)
            }
        }
    }

    @Test func patchChangesOnlyTheGivenFields() async throws {
        let register = try WritableRegister()
        try await register.app().test(.router) { client in
            let patch = ByteBuffer(string: #"{"capacity": 99, "staff": [{"name":"李新","role":"站长","mobile":"0086-199-0000-0002"}]}"#)
            try await client.execute(uri: "/v1/stations/330106-0001", method: .patch, headers: WritableRegister.headers(register.xihu), body: patch) { response in
                #expect(response.status == .ok)
                let json = try response.json()
                #expect(json["capacity"] as? Int == 99)
                #expect(json["name"] as? String == Fixture.snapshot.station(id: "330106-0001")?.name)
            }
            let station = try #require(register.finder.snapshot.station(id: "330106-0001"))
            #expect(station.capacity == 99)
            #expect(station.staff.map(\.mobile) == ["19900000002"])
            #expect(station.location == Fixture.snapshot.station(id: "330106-0001")?.location)
        }
    }

    /// A patch naming a field no station has is refused, a `null` one too (a merge would drop it
    /// unseen and answer 200): Schemathesis sent `{"": null}`.
    @Test(arguments: [#"{"": null}"#, #"{"colour": null}"#, #"{"location": {"altitude": null}}"#, #"{"hours": {"sun": null, "holiday": null}}"#])
    func aPatchNamingAnUnknownFieldIsRefusedEvenAsNull(_ body: String) async throws {
        let register = try WritableRegister()
        let before = try #require(register.finder.snapshot.station(id: "330106-0001"))
        try await register.app().test(.router) { client in
            try await client.execute(uri: "/v1/stations/330106-0001", method: .patch, headers: WritableRegister.headers(register.xihu),
                                     body: ByteBuffer(string: body)) { response in
                #expect(response.status == .badRequest, "\(body): \(response.status)")
                #expect(response.headers[.contentType] == "application/problem+json")
                let problem = try response.json()
                let names = (problem["invalid_params"] as? [[String: Any]])?.compactMap { $0["name"] as? String } ?? []
                #expect(names.count == 1 && names.allSatisfy { $0.isEmpty || !$0.hasSuffix(".") }, "\(body): \(problem)")
            }
        }
        #expect(register.finder.snapshot.station(id: "330106-0001") == before)
    }

    @Test func tokensAndScopes() async throws {
        let register = try WritableRegister()
        try await register.app().test(.router) { client in
            try await client.execute(uri: "/v1/stations", method: .post, headers: WritableRegister.headers(nil), body: draft()) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
            }
            try await client.execute(uri: "/v1/stations", method: .post, headers: WritableRegister.headers("lst_not-a-token"), body: draft()) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate]?.contains("invalid_token") == true)
            }
            // A 西湖区 token may write in 西湖区, not in 淳安县 (330127).
            try await client.execute(uri: "/v1/stations", method: .post, headers: WritableRegister.headers(register.xihu), body: draft()) { response in
                #expect(response.status == .created)
            }
            try await client.execute(uri: "/v1/stations/330127-0001", method: .patch, headers: WritableRegister.headers(register.xihu),
                                     body: ByteBuffer(string: #"{"capacity": 5}"#)) { response in
                #expect(response.status == .forbidden)
            }
            let moved = draft(["location": ["lat": 29.6, "lng": 119.0, "coordsys": "wgs84"]])
            try await client.execute(uri: "/v1/stations", method: .post, headers: WritableRegister.headers(register.xihu), body: moved) { response in
                #expect(response.status == .forbidden)
            }
            try await client.execute(uri: "/v1/imports/stations", method: .post, headers: WritableRegister.headers(register.xihu),
                                     body: ByteBuffer(string: #"{"type":"FeatureCollection","features":[]}"#)) { response in
                #expect(response.status == .forbidden)
            }
        }
        let revoked = try register.tokens.revoke(name: "xihu-1")
        #expect(revoked)
        try await register.app().test(.router) { client in
            try await client.execute(uri: "/v1/stations", method: .post, headers: WritableRegister.headers(register.xihu), body: draft()) { response in
                #expect(response.status == .unauthorized)
            }
        }
    }

    /// Each rule, broken on its own, is a 400 naming the field (409 for a nearby station).
    @Test(arguments: [
        (#"{"location": {"lat": 39.9, "lng": 116.4}}"#, "location"),
        (#"{"location": {"lat": 30.22, "lng": 120.08, "coordsys": "utm"}}"#, "location.coordsys"),
        (#"{"location": {"lat": 95.0, "lng": 120.08}}"#, "location.lat"),
        (#"{"county_code": "330127"}"#, "county_code"),
        (#"{"staff": []}"#, "staff"),
        (#"{"staff": [{"name": "王", "role": "站长", "mobile": "12345"}]}"#, "staff[0].mobile"),
        (#"{"staff": [{"name": "", "role": "站长", "mobile": "19900000001"}]}"#, "staff[0].name"),
        (#"{"name": ""}"#, "name"),
        (#"{"name": "\#(String(repeating: "村", count: 65))"}"#, "name"),
        (#"{"modes": []}"#, "modes"),
        (#"{"modes": ["phone"]}"#, "modes[0]"),
        (#"{"capacity": 0}"#, "capacity"),
        (#"{"capacity": 1001}"#, "capacity"),
        (#"{"hours": {"mon": ["8:30-11:30"], "tue": [], "wed": [], "thu": [], "fri": [], "sat": [], "sun": []}}"#, "hours.mon"),
        (#"{"id": "330106-0500"}"#, "id"),
        (#"{"status": "retired"}"#, "status"),
        (#"{"created_at": "2020-01-01"}"#, "created_at"),
        (#"{"phone": null}"#, "phone"),
    ])
    func eachRuleNamesItsField(_ changeJSON: String, _ field: String) async throws {
        let change = try #require(try JSONSerialization.jsonObject(with: Data(changeJSON.utf8)) as? [String: Any])
        let register = try WritableRegister()
        let before = register.finder.snapshot.stations.count
        let body = draft(change)
        try await register.app().test(.router) { client in
            try await client.execute(uri: "/v1/stations", method: .post, headers: WritableRegister.headers(register.admin), body: body) { response in
                #expect(response.status == .badRequest, "\(response.text)")
                #expect(response.headers[.contentType] == "application/problem+json")
                let names = try response.invalidParameterNames()
                #expect(names.contains(field), "\(names)")
            }
        }
        #expect(register.finder.snapshot.stations.count == before)
        #expect(try register.database.snapshot().stations.count == before)
    }

    @Test func aStationWithin100MetresIsAConflictUnlessIntended() async throws {
        let register = try WritableRegister()
        let neighbour = try #require(register.finder.snapshot.station(id: "330106-0001"))
        let close = ["lat": neighbour.location.latitude + 0.0003, "lng": neighbour.location.longitude, "coordsys": "wgs84"] as [String: Any]
        let tooClose = draft(["location": close]), intended = draft(["location": close, "allow_nearby": true])
        try await register.app().test(.router) { client in
            try await client.execute(uri: "/v1/stations", method: .post, headers: WritableRegister.headers(register.admin), body: tooClose) { response in
                #expect(response.status == .conflict)
                let json = try response.json()
                #expect((json["detail"] as? String)?.contains("330106-0001") == true)
            }
            try await client.execute(uri: "/v1/stations", method: .post, headers: WritableRegister.headers(register.admin), body: intended) { response in
                #expect(response.status == .created)
            }
        }
    }

    /// The same station registered again: its name (full-width or spaced) within 1 km, or one
    /// of its staff mobiles, is a 409 naming it, unless the draft says it is intended.
    @Test func aDuplicateRegistrationIsAConflictUnlessIntended() async throws {
        let register = try WritableRegister()
        let existing = try #require(register.finder.snapshot.station(id: "330106-0001"))
        // About 550 m north: beyond the 100 m rule, within the 1 km one; 1.5 km: beyond both.
        let near = ["lat": existing.location.latitude + 0.005, "lng": existing.location.longitude] as [String: Any]
        let far = ["lat": existing.location.latitude + 0.0135, "lng": existing.location.longitude] as [String: Any]
        let spacedName = existing.name.map(String.init).joined(separator: " ")
        let mobile = try #require(existing.staff.first?.mobile)
        let otherMobile = [["name": "赵六", "role": "联络员", "mobile": "13900000077"]]
        let refused = [(draft(["location": near, "name": spacedName, "staff": otherMobile]), "same name"),
                       (draft(["staff": [["name": "钱七", "role": "站长", "mobile": mobile]]]), "same staff mobile")]
        // 1.5 km away the same name is another village's station; and saying so is enough.
        let accepted = [draft(["location": far, "name": existing.name, "staff": otherMobile]),
                        draft(["location": near, "name": spacedName, "allow_duplicate": true])]
        try await register.app().test(.router) { client in
            for (body, named) in refused {
                try await client.execute(uri: "/v1/stations", method: .post, headers: WritableRegister.headers(register.admin), body: body) { response in
                    #expect(response.status == .conflict, "\(named)")
                    let json = try response.json()
                    #expect((json["type"] as? String)?.hasSuffix("duplicate-station") == true, "\(named): \(json)")
                    #expect((json["detail"] as? String)?.contains("330106-0001") == true, "\(named): \(json)")
                }
            }
            for body in accepted {
                try await client.execute(uri: "/v1/stations", method: .post, headers: WritableRegister.headers(register.admin), body: body) { response in
                    #expect(response.status == .created, "\(response.text)")
                }
            }
        }
    }

    @Test func importRejectsTheWholeCollectionWithAReportOfEveryBadFeature() async throws {
        let register = try WritableRegister()
        let source = try String(contentsOf: Repository.geodata.appendingPathComponent("stations.geojson"), encoding: .utf8)
        var lines = source.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // Features are lines 1...2045; break features 3 and 10.
        lines[4] = lines[4].replacingOccurrences(of: #""capacity":"#, with: #""capacity":0,"x":"#)
        lines[11] = lines[11].replacing(/"mobile":"\d+"/, with: #""mobile":"123""#)
        let broken = ByteBuffer(string: lines.joined(separator: "\n"))
        try await register.app().test(.router) { client in
            try await client.execute(uri: "/v1/imports/stations", method: .post, headers: WritableRegister.headers(register.admin), body: broken) { response in
                #expect(response.status == .unprocessableContent)
                let features = try response.json()["features"] as? [[String: Any]] ?? []
                #expect(features.compactMap { $0["index"] as? Int } == [3, 10])
            }
            try await client.execute(uri: "/v1/imports/stations", method: .post, headers: WritableRegister.headers(register.admin),
                                     body: ByteBuffer(string: source)) { response in
                #expect(response.status == .ok)
                let json = try response.json()
                #expect(json["unchanged"] as? Int == 2045)
            }
        }
    }

    /// Tokens live only as digests: not in the database file, not in the logs.
    @Test func tokensAreNeverStoredOrLoggedInClear() async throws {
        let register = try WritableRegister()
        let logs = LogRecorder()
        try await register.app(logs: logs).test(.router) { client in
            try await client.execute(uri: "/v1/stations", method: .post, headers: WritableRegister.headers(register.admin), body: draft()) { response in
                #expect(response.status == .created)
            }
            try await client.execute(uri: "/v1/stations", method: .post, headers: WritableRegister.headers(register.admin + "x"), body: draft()) { response in
                #expect(response.status == .unauthorized)
            }
        }
        // The database (the file and its WAL, or all PostgreSQL holds) has the tokens' rows (their names) but not the tokens.
        var stored: Data
        if let url = register.postgresURL {
            stored = Data(try ScratchPostgres.dump(url).utf8)
        } else {
            stored = try Data(contentsOf: register.folder.appendingPathComponent("liaison.sqlite"))
            stored += (try? Data(contentsOf: register.folder.appendingPathComponent("liaison.sqlite-wal"))) ?? Data()
        }
        #expect(stored.range(of: Data("xihu-1".utf8)) != nil, "the tokens' rows were not found in the files read")
        #expect(stored.range(of: Data(register.admin.utf8)) == nil, "the database holds the admin token")
        #expect(stored.range(of: Data(register.xihu.utf8)) == nil, "the database holds the county token")
        let logged = logs.records.withLock { $0 }.map { "\($0.message) \($0.metadata)" }.joined(separator: "\n")
        #expect(!logged.isEmpty)
        #expect(!logged.contains(register.admin) && !logged.contains(String(register.admin.dropFirst(4))))
    }

    /// Queries running while stations are written never fail and always see a whole register.
    @Test func readsDuringWritesNeverFail() async throws {
        let register = try WritableRegister()
        try await register.app().test(.router) { client in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for i in 0..<5 {
                        let location = ["lat": 30.0 + Double(i) * 0.01, "lng": 120.0, "coordsys": "wgs84"] as [String: Any]
                        try await client.execute(uri: "/v1/stations", method: .post, headers: WritableRegister.headers(register.admin),
                                                 body: draft(["location": location, "allow_nearby": true, "allow_duplicate": true])) { response in
                            #expect(response.status == .created, "\(response.text)")
                        }
                    }
                }
                for _ in 0..<4 {
                    group.addTask {
                        for _ in 0..<50 {
                            try await client.execute(uri: "/v1/stations/nearest?lat=30.02&lng=120.0&limit=3", method: .get) { response in
                                #expect(response.status == .ok)
                                #expect(((try? response.json())?["stations"] as? [Any])?.count == 3, "\(response.text)")
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        // Every write landed: the five new stations are in the register.
        #expect(try register.database.snapshot().stations.count == 2045 + 5)
    }
}
