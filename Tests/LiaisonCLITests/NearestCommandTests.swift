import Foundation
import Testing
import LiaisonTestSupport

/// `liaison nearest`: the operator's "which station is closest to this point?".
@Suite(.tags(.slow)) final class NearestCommandTests {
    let sandbox: Sandbox

    init() throws {
        sandbox = try Sandbox()
    }

    @Test func tableOnAFreshDatabase() async throws {
        let db = sandbox.path("fresh/liaison.sqlite")
        #expect(!sandbox.exists("fresh/liaison.sqlite"))
        let r = try await sandbox.run(["nearest", "--lat", "30.2590", "--lng", "120.1300", "--db", db])
        try #require(r.status == 0, "\(r)")
        #expect(sandbox.exists("fresh/liaison.sqlite"), "the database is created on first use")

        let lines = r.stdoutLines
        try #require(lines.count == 7, "a title, a header and 5 rows:\n\(r.stdout)")
        #expect(lines[0] == "Nearest stations to 30.259, 120.13 (wgs84)")
        #expect(lines[1].split(separator: " ", omittingEmptySubsequences: true)
            == ["#", "ID", "NAME", "COUNTY", "DISTANCE", "BEARING", "MODES", "PHONE"])
        let rows = lines[2...].map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        #expect(rows.map { $0[0] } == ["1", "2", "3", "4", "5"])
        #expect(rows.allSatisfy { $0[1].wholeMatch(of: /\d{6}-\d{4}/) != nil }, "second column is the station id")
        #expect(rows[0][1] == "330106-0001")
        #expect(rows[0].contains("杭州市西湖区"))
        #expect(rows.allSatisfy { row in row.contains { $0 == "km" || $0 == "m" } }, "each row shows a distance with its unit")

        // The table lists the same stations, in the same order, as the JSON.
        let json = try await sandbox.run(["nearest", "--lat", "30.2590", "--lng", "120.1300", "--db", db, "--format", "json"])
        let output = try json.json(NearestOutput.self)
        #expect(rows.map { $0[1] } == output.stations.map(\.id))
    }

    @Test func jsonCarriesTheQueryAndFiveRankedStations() async throws {
        let r = try await sandbox.run(["nearest", "--lat", "30.2590", "--lng", "120.1300", "--db", sandbox.path("x.sqlite"), "--format", "json"])
        try #require(r.status == 0, "\(r)")
        #expect(r.stdoutLines.count == 1, "one JSON object and nothing else on stdout:\n\(r.stdout)")
        #expect(r.stderr.contains("created database"), "logs go to stderr:\n\(r.stderr)")

        let object = try #require(try r.jsonObject() as? [String: Any], "stdout must be one JSON object:\n\(r.stdout)")
        #expect(Set(object.keys) == ["query", "stations"])
        let items = try #require(object["stations"] as? [[String: Any]])
        #expect(items.count == 5)
        let required: Set<String> = ["id", "name", "county_code", "county_name", "city_name", "address", "modes", "phone",
                                     "distance_m", "bearing_deg", "location"]
        for item in items {
            #expect(required.isSubset(of: item.keys), "missing keys: \(required.subtracting(item.keys).sorted())")
            let location = try #require(item["location"] as? [String: Any])
            #expect(Set(location.keys) == ["lat", "lng", "coordsys"])
        }

        let output = try r.json(NearestOutput.self)
        #expect(output.query.input.lat == 30.259 && output.query.input.lng == 120.13)
        #expect(output.query.input.coordsys == "wgs84")
        #expect(output.query.wgs84.lat == 30.259 && output.query.wgs84.lng == 120.13)
        #expect(output.query.limit == 5)
        #expect(output.stations.map(\.rank) == [1, 2, 3, 4, 5])
        #expect(output.stations.map(\.distance_m) == output.stations.map(\.distance_m).sorted(), "sorted by distance")
        for s in output.stations {
            #expect(s.location.coordsys == "wgs84")
            #expect((0..<360).contains(s.bearing_deg))
            #expect(s.id.hasPrefix(s.county_code + "-"))
            #expect(s.address.hasPrefix(s.city_name + s.county_name))
            #expect(!s.modes.isEmpty && s.modes.allSatisfy { ["offline", "video"].contains($0) })
        }
    }

    /// Checked against geodata/stations.geojson with a spherical distance: the five printed
    /// are the five nearest (up to the 0.5 % sphere/ellipsoid difference) and each distance
    /// and location is the station's own.
    @Test(arguments: [(30.2590, 120.1300), (28.0, 120.6), (29.9, 122.2), (27.3, 118.9), (31.5, 121.9)])
    func theFiveNearestAreTheNearestInTheRegister(lat: Double, lng: Double) async throws {
        let r = try await sandbox.run(["nearest", "--lat", "\(lat)", "--lng", "\(lng)", "--db", sandbox.path("x.sqlite"), "--format", "json"])
        try #require(r.status == 0, "\(r)")
        let output = try r.json(NearestOutput.self)
        try #require(output.stations.count == 5)
        let register = try Dictionary(uniqueKeysWithValues: GeodataFile.stations().map { ($0.id, $0) })
        for s in output.stations {
            let station = try #require(register[s.id])
            #expect(s.location.lat == station.latitude && s.location.lng == station.longitude)
            let sphere = sphericalDistanceMeters(lat1: lat, lng1: lng, lat2: station.latitude, lng2: station.longitude)
            #expect(abs(s.distance_m - sphere) <= 0.006 * sphere + 0.01, "\(s.id): \(s.distance_m) m vs sphere \(sphere) m")
        }
        let fifth = try #require(output.stations.last).distance_m
        let printed = Set(output.stations.map(\.id))
        let closerButMissing = try GeodataFile.stations().filter { station in
            station.properties.status == "active" && !printed.contains(station.id)
                && sphericalDistanceMeters(lat1: lat, lng1: lng, lat2: station.latitude, lng2: station.longitude) < fifth * 0.99
        }
        #expect(closerButMissing.isEmpty, "stations clearly closer than the 5th were left out: \(closerButMissing.map(\.id))")
    }

    @Test func negativeCoordinatesAreAccepted() async throws {
        let r = try await sandbox.run(["nearest", "--lat", "-30", "--lng", "120", "--db", sandbox.path("x.sqlite"), "--format", "json"])
        try #require(r.status == 0, "\(r)")
        let output = try r.json(NearestOutput.self)
        #expect(output.query.input.lat == -30 && output.query.input.lng == 120)
        #expect(output.stations.count == 5)
        // Southern hemisphere, due south of Zhejiang: the stations are about 6,300 km north.
        #expect(output.stations.allSatisfy { (6_000_000...7_000_000).contains($0.distance_m) })
        #expect(output.stations.allSatisfy { $0.bearing_deg < 10 || $0.bearing_deg > 350 })

        let west = try await sandbox.run(["nearest", "--lat", "30", "--lng", "-120", "--limit", "1", "--db", sandbox.path("x.sqlite")])
        #expect(west.status == 0, "\(west)")
    }

    @Test func limitModeCountyAndRadiusFilterTheAnswer() async throws {
        let db = sandbox.path("x.sqlite")
        let base = ["nearest", "--lat", "30.2590", "--lng", "120.1300", "--db", db, "--format", "json"]
        let register = try Dictionary(uniqueKeysWithValues: GeodataFile.stations().map { ($0.id, $0) })

        let one = try await sandbox.run(base + ["--limit", "1"]).json(NearestOutput.self)
        #expect(one.stations.map(\.id) == ["330106-0001"])
        let fifty = try await sandbox.run(base + ["--limit", "50"]).json(NearestOutput.self)
        #expect(fifty.stations.count == 50)
        #expect(fifty.stations.map(\.rank) == Array(1...50))

        let video = try await sandbox.run(base + ["--mode", "video", "--limit", "10"]).json(NearestOutput.self)
        #expect(video.stations.count == 10)
        #expect(video.stations.allSatisfy { $0.modes.contains("video") && register[$0.id]?.properties.modes.contains("video") == true })
        #expect(video.query.mode == "video")

        let county = try await sandbox.run(base + ["--county", "330127", "--limit", "50"]).json(NearestOutput.self)
        #expect(county.stations.count == 50)
        #expect(county.stations.allSatisfy { $0.county_code == "330127" && $0.county_name == "淳安县" })

        let radius = try await sandbox.run(base + ["--radius-km", "5", "--limit", "50"]).json(NearestOutput.self)
        #expect(!radius.stations.isEmpty && radius.stations.count < 50)
        #expect(radius.stations.allSatisfy { $0.distance_m <= 5_000 })
        #expect(fifty.stations.prefix(radius.stations.count).map(\.id) == radius.stations.map(\.id))
        #expect(fifty.stations[radius.stations.count].distance_m > 5_000, "every station within 5 km is listed")
    }

    @Test func databaseComesFromLIAISON_DBWhenNoFlagIsGiven() async throws {
        let r = try await sandbox.run(["nearest", "--lat", "30.259", "--lng", "120.13"], environment: ["LIAISON_DB": sandbox.path("env.sqlite")])
        #expect(r.status == 0, "\(r)")
        #expect(sandbox.exists("env.sqlite"))
        #expect(!sandbox.exists("data/liaison.sqlite"))
    }

    @Test func theDbFlagWinsOverLIAISON_DB() async throws {
        let r = try await sandbox.run(["nearest", "--lat", "30.259", "--lng", "120.13", "--db", sandbox.path("flag.sqlite")],
                                      environment: ["LIAISON_DB": sandbox.path("env.sqlite")])
        #expect(r.status == 0, "\(r)")
        #expect(sandbox.exists("flag.sqlite"))
        #expect(!sandbox.exists("env.sqlite"), "LIAISON_DB must be ignored when --db is given")
    }

    @Test func withoutFlagOrEnvironmentTheDatabaseIsDataLiaisonSqlite() async throws {
        let r = try await sandbox.run(["nearest", "--lat", "30.259", "--lng", "120.13"])
        #expect(r.status == 0, "\(r)")
        #expect(sandbox.exists("data/liaison.sqlite"))
    }

    @Test func twoProcessesCreatingTheSameDatabaseAtOnceBothSucceed() async throws {
        let db = sandbox.path("shared.sqlite")
        let args = ["nearest", "--lat", "30.259", "--lng", "120.13", "--db", db, "--format", "json"]
        let sandbox = self.sandbox
        async let a = sandbox.run(args)
        async let b = sandbox.run(args)
        let (first, second) = try await (a, b)
        #expect(first.status == 0, "\(first)")
        #expect(second.status == 0, "\(second)")
        #expect(first.stdout == second.stdout)
        let list = try await sandbox.run(["stations", "list", "--db", db, "--format", "json"]).json([StationOutput].self)
        #expect(list.count == 2045)
        #expect(try sandbox.files().filter { $0.contains(".creating-") }.isEmpty)
    }
}

/// GCJ-02 and BD-09 input, as WeChat's map component and Baidu give it.
@Suite(.tags(.slow)) final class ChineseCoordinateSystemTests {
    let sandbox: Sandbox

    init() throws {
        sandbox = try Sandbox()
    }

    @Test(arguments: ["gcj02", "bd09"])
    func inputIsConvertedAndOutputEchoesTheSystem(coordsys: String) async throws {
        let db = sandbox.path("x.sqlite")
        let r = try await sandbox.run(["nearest", "--lat", "30.2590", "--lng", "120.1300", "--coordsys", coordsys, "--db", db, "--format", "json"])
        try #require(r.status == 0, "\(r)")
        let output = try r.json(NearestOutput.self)
        #expect(output.query.input.coordsys == coordsys)
        #expect(output.query.input.lat == 30.259 && output.query.input.lng == 120.13)
        // The offsets in Hangzhou are a few hundred metres (GCJ-02) to about a kilometre (BD-09).
        let shift = sphericalDistanceMeters(lat1: 30.259, lng1: 120.13, lat2: output.query.wgs84.lat, lng2: output.query.wgs84.lng)
        #expect((200...2_000).contains(shift), "WGS-84 point \(output.query.wgs84) is \(shift) m from the \(coordsys) input")
        #expect(output.stations.allSatisfy { $0.location.coordsys == coordsys })

        // Asking in WGS-84 at the converted point gives the same stations and distances.
        let wgs = try await sandbox.run(["nearest", "--lat", "\(output.query.wgs84.lat)", "--lng", "\(output.query.wgs84.lng)",
                                         "--db", db, "--format", "json"]).json(NearestOutput.self)
        #expect(wgs.stations.map(\.id) == output.stations.map(\.id))
        for (a, b) in zip(wgs.stations, output.stations) {
            #expect(abs(a.distance_m - b.distance_m) <= 0.02, "\(a.id): \(a.distance_m) vs \(b.distance_m)")
            // Station locations are shown in the caller's system, so they move by the same offset.
            let moved = sphericalDistanceMeters(lat1: a.location.lat, lng1: a.location.lng, lat2: b.location.lat, lng2: b.location.lng)
            #expect((200...2_000).contains(moved))
        }

        // Feeding a station's printed location back in its own system finds that station at ~0 m.
        let top = try #require(output.stations.first)
        let back = try await sandbox.run(["nearest", "--lat", "\(top.location.lat)", "--lng", "\(top.location.lng)", "--coordsys", coordsys,
                                          "--limit", "1", "--db", db, "--format", "json"]).json(NearestOutput.self)
        #expect(back.stations.first?.id == top.id)
        #expect((back.stations.first?.distance_m ?? .infinity) < 0.1)
    }

    @Test func whereConvertsGCJ02Too() async throws {
        let r = try await sandbox.run(["where", "--lat", "30.259", "--lng", "120.13", "--coordsys", "gcj02", "--db", sandbox.path("x.sqlite"), "--format", "json"])
        try #require(r.status == 0, "\(r)")
        let output = try r.json(WhereOutput.self)
        #expect(output.query.coordsys == "gcj02")
        #expect(output.wgs84.lat != 30.259 || output.wgs84.lng != 120.13)
        #expect(output.inside_zhejiang)
        #expect(output.region?.county_code == "330106")
    }

    /// A one-shot lookup on an existing file reads it without SpatiaLite (and so without PROJ,
    /// GEOS and the rest it pulls in), as the dynamic loader reports; a command that needs
    /// SpatiaLite on the same file still loads it (the check can see a load), and the first
    /// run, which creates the file, does too.
    @Test func aOneShotLookupDoesNotLoadSpatiaLite() async throws {
        let db = sandbox.path("loads/liaison.sqlite")
        let created = try await sandbox.run(["where", "--lat", "30.259", "--lng", "120.13", "--db", db], environment: ["LD_DEBUG": "files"])
        try #require(created.status == 0, "\(created)")
        #expect(created.stderr.contains("libspatialite"), "creating the file loads SpatiaLite")

        for arguments in [["nearest", "--lat", "30.259", "--lng", "120.13", "--limit", "3"], ["where", "--lat", "30.259", "--lng", "120.13"],
                          ["nearest", "--lat", "29.1", "--lng", "119.6", "--mode", "video", "--county", "330702", "--format", "json"]] {
            let r = try await sandbox.run(arguments + ["--db", db], environment: ["LD_DEBUG": "files"])
            try #require(r.status == 0, "\(r)")
            #expect(!r.stderr.contains("libspatialite"), "\(arguments.joined(separator: " ")) loaded SpatiaLite")
            #expect(!r.stderr.contains("libproj"), "\(arguments.joined(separator: " ")) loaded PROJ")
        }
        let shown = try await sandbox.run(["stations", "show", "330106-0001", "--db", db], environment: ["LD_DEBUG": "files"])
        try #require(shown.status == 0, "\(shown)")
        #expect(shown.stderr.contains("libspatialite"), "opening the store for anything else loads SpatiaLite")
    }
}
