import Foundation
import GRDB
import LiaisonCore
@_spi(Benchmark) @testable import LiaisonStore
import LiaisonTestSupport
import Testing

/// The one-shot lookup's reader (plain SQLite, no SpatiaLite, a few columns by position)
/// against the snapshot every other path uses: same counties, same answers, and the files it
/// cannot read exactly are left to the ordinary path.
@Suite struct LookupFileTests {
    /// A copy of the template with some stations retired and some offering one mode only, so
    /// that the status and mode columns matter.
    private static func register(in folder: ScratchFolder) throws -> (path: String, snapshot: StationSnapshot) {
        let path = folder.path("liaison.sqlite")
        let database = try TemplateDatabase.open(at: path)
        try database.pool.write { db in
            try db.execute(sql: "UPDATE stations SET status = 'retired' WHERE id IN (SELECT id FROM stations ORDER BY id LIMIT 40 OFFSET 100)")
            try db.execute(sql: "UPDATE stations SET modes = '[\"video\"]' WHERE id IN (SELECT id FROM stations ORDER BY id DESC LIMIT 300)")
        }
        return (path, try database.snapshot())
    }

    @Test func answersEveryQueryAsTheSnapshotDoes() throws {
        let folder = try ScratchFolder()
        let (path, snapshot) = try Self.register(in: folder)
        #expect(snapshot.activeCount == 2045 - 40)
        let file = try #require(try LookupFile(path: path))
        var rng = SplitMix64(seed: 20261205)
        let countyCodes = snapshot.counties.counties.map(\.adcode)
        let compared: Int? = try file.read { register in
            #expect(register.counties.counties == snapshot.counties.counties)
            var compared = 0
            for _ in 0..<400 {
                // Over Zhejiang and a margin around it (points outside the province too).
                let lat = Double.random(in: 26.5...31.8, using: &rng), lng = Double.random(in: 117.5...123.5, using: &rng)
                let county: String? = Bool.random(using: &rng) ? nil : countyCodes.randomElement(using: &rng)
                let mode: String? = [nil, "offline", "video"].randomElement(using: &rng)!
                let radius: Double? = Bool.random(using: &rng) ? nil : Double.random(in: 1...60, using: &rng)
                let query = try NearestQuery.validated(latitude: lat, longitude: lng, limit: Int.random(in: 1...12, using: &rng),
                                                       mode: mode, county: county, radiusKilometers: radius, counties: register.counties)
                let expected = snapshot.nearest(query)
                #expect(try register.nearest(query) == expected, "\(lat), \(lng) county \(county ?? "-") mode \(mode ?? "-") radius \(radius ?? 0)")
                if !expected.isEmpty { compared += 1 }
            }
            return compared
        }
        // Most queries found stations: the comparison was not between empty answers.
        #expect(try #require(compared) > 200)
    }

    /// Far from every station the box widens until it is the whole Earth: at the poles, across
    /// the antimeridian, on the other side of the world; with a county or mode whose nearest
    /// station is far away; and with a radius that leaves no station.
    @Test(arguments: [(0.0, 0.0), (-33.87, 151.21), (89.99, 10.0), (-89.99, 10.0), (30.0, 179.999), (30.0, -179.999),
                      (31.2, 121.5), (27.0, 121.9)])
    func farPointsGetTheSameAnswer(lat: Double, lng: Double) throws {
        let folder = try ScratchFolder()
        let (path, snapshot) = try Self.register(in: folder)
        let file = try #require(try LookupFile(path: path))
        _ = try file.read { register in
            for (county, mode, radius) in [(nil, nil, nil), ("330127", "video", nil), ("330902", nil, nil), (nil, "offline", 50.0), (nil, nil, 5.0)] as [(String?, String?, Double?)] {
                let query = try NearestQuery.validated(latitude: lat, longitude: lng, limit: 5, mode: mode, county: county,
                                                       radiusKilometers: radius, counties: register.counties)
                #expect(try register.nearest(query) == snapshot.nearest(query), "\(lat), \(lng) county \(county ?? "-") mode \(mode ?? "-")")
            }
            #expect(try register.nearest(NearestQuery.validated(latitude: lat, longitude: lng, limit: 3, counties: register.counties)).count == 3)
        }
    }

    @Test func readsEveryCountyBoundaryAsSpatiaLitesAsBinaryGivesIt() throws {
        let folder = try ScratchFolder()
        let database = try TemplateDatabase.open(at: folder.path("liaison.sqlite"))
        let pairs = try database.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT geom, AsBinary(geom) FROM counties ORDER BY adcode").map { row in
                (try SpatiaLiteBlob.readMultiPolygon(row[0]), try WKB.readMultiPolygon(row[1]))
            }
        }
        #expect(pairs.count == 90)
        for (blob, wkb) in pairs { #expect(blob == wkb) }
    }

    @Test func aGeometryItDoesNotDecodeIsLeftToTheOrdinaryPath() throws {
        let folder = try ScratchFolder()
        let path = folder.path("liaison.sqlite")
        let database = try TemplateDatabase.open(at: path)
        // SpatiaLite's compressed polygons are valid geometry this reader does not decode.
        try database.pool.write { db in
            try db.execute(sql: "UPDATE counties SET geom = CompressGeometry(geom) WHERE adcode = '330106'")
        }
        let file = try #require(try LookupFile(path: path))
        #expect(try file.read { $0.counties.counties.count } == nil)
        #expect(try database.snapshot().counties.counties.count == 90)
    }

    @Test func aFileWithAnotherSchemaIsLeftToTheOrdinaryPath() throws {
        let folder = try ScratchFolder()
        #expect(try LookupFile(path: folder.path("missing.sqlite")) == nil)
        #expect(!FileManager.default.fileExists(atPath: folder.path("missing.sqlite")))

        // Older: a migration this binary knows is not applied yet.
        let older = folder.path("older.sqlite")
        let caches = SpatiaLiteCaches()
        do {
            defer { caches.freeAll() }
            let queue = try DatabaseQueue(path: older, configuration: LiaisonDatabase.configuration(caches))
            try Migrations.migrator.migrate(queue, upTo: "v5 merchant cases, borders, ratings")
            try queue.close()
        }
        #expect(try LookupFile(path: older) == nil)

        // Newer: a migration this binary does not know.
        let newer = folder.path("newer.sqlite")
        let database = try TemplateDatabase.open(at: newer)
        #expect(try LookupFile(path: newer) != nil)
        try database.pool.write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99 from a later release')")
        }
        #expect(try LookupFile(path: newer) == nil)
    }
}
