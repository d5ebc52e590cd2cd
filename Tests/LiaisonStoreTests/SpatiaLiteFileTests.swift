import Foundation
import GRDB
import LiaisonCore
import LiaisonStore
import Testing
import LiaisonTestSupport

/// The database is a real SpatiaLite file: SpatiaLite's own functions, GDAL and the
/// `spatialite` shell all read it the way the service does.
@Suite(.tags(.slow)) final class SpatiaLiteFileTests {
    let folder: ScratchFolder
    let databasePath: String

    init() throws {
        folder = try ScratchFolder()
        databasePath = folder.path("liaison.sqlite")
    }

    /// A freshly created database, open.
    func database() throws -> LiaisonDatabase {
        if !FileManager.default.fileExists(atPath: databasePath) { try TemplateDatabase.copy(to: databasePath) }
        return try LiaisonDatabase.openOrCreate(path: databasePath, geodata: GeodataDirectory(url: Repository.geodata))
    }

    /// Creates the database and lets it close again (the last connection checkpoints the WAL),
    /// so that other programs see every write.
    func createdAndClosed() throws {
        _ = try database().snapshot()
    }

    @Test(arguments: ["stations", "counties"])
    func spatialIndexIsConsistent(table: String) throws {
        let db = try database()
        let check = try db.read { db in try Int.fetchOne(db, sql: "SELECT CheckSpatialIndex(?, 'geom')", arguments: [table]) }
        #expect(check == 1, "CheckSpatialIndex('\(table)', 'geom') must report a valid R*Tree")
    }

    @Test func geometryColumnsAreRegisteredInWGS84() throws {
        let db = try database()
        let rows = try db.read { db in
            try Row.fetchAll(db, sql: """
                SELECT f_table_name, f_geometry_column, geometry_type, coord_dimension, srid, spatial_index_enabled
                FROM geometry_columns ORDER BY f_table_name
                """).map { row -> [String] in
                [row["f_table_name"], row["f_geometry_column"], String(row["geometry_type"] as Int),
                 String(row["coord_dimension"] as Int), String(row["srid"] as Int), String(row["spatial_index_enabled"] as Int)]
            }
        }
        // OGC geometry type codes: 1 = POINT, 6 = MULTIPOLYGON; XY = 2 dimensions.
        // Complaints carry their location as a point for GIS (no spatial index: nothing queries it by area).
        #expect(rows == [
            ["complaints", "geom", "1", "2", "4326", "0"],
            ["counties", "geom", "6", "2", "4326", "1"],
            ["stations", "geom", "1", "2", "4326", "1"],
        ])
        let kinds = try db.read { db in
            try String.fetchAll(db, sql: """
                SELECT DISTINCT GeometryType(geom) || ' ' || ST_SRID(geom) FROM stations
                UNION ALL SELECT DISTINCT GeometryType(geom) || ' ' || ST_SRID(geom) FROM counties
                """)
        }
        #expect(kinds == ["POINT 4326", "MULTIPOLYGON 4326"])
    }

    /// SpatiaLite's point-in-polygon (GEOS) is an independent implementation of what the
    /// import checks in Swift: every station lies in the county it names.
    @Test func spatiaLiteAgreesEveryStationLiesInItsCounty() throws {
        let db = try database()
        let (within, outside) = try db.read { db in
            let within = try Int.fetchOne(db, sql: """
                SELECT count(*) FROM stations s JOIN counties c ON c.adcode = s.county_code
                WHERE ST_Within(s.geom, c.geom) = 1
                """)
            let outside = try String.fetchAll(db, sql: """
                SELECT s.id FROM stations s LEFT JOIN counties c ON c.adcode = s.county_code
                WHERE c.adcode IS NULL OR ST_Within(s.geom, c.geom) IS NOT 1 ORDER BY s.id LIMIT 10
                """)
            return (within, outside)
        }
        #expect(within == 2045)
        #expect(outside.isEmpty, "stations SpatiaLite places outside their county: \(outside)")
    }

    /// The R*Tree answers a bounding-box query exactly like a plain comparison of coordinates.
    @Test(arguments: [
        (120.0, 30.0, 120.5, 30.5),
        (121.5, 28.0, 122.0, 29.5),
        (118.0, 27.0, 123.0, 31.5),
        (124.0, 25.0, 125.0, 26.0),
    ])
    func spatialIndexBoxQueryMatchesPlainComparison(minLng: Double, minLat: Double, maxLng: Double, maxLat: Double) throws {
        let db = try database()
        let (viaIndex, plain) = try db.read { db in
            let viaIndex = try String.fetchAll(db, sql: """
                SELECT id FROM stations WHERE ROWID IN (
                    SELECT ROWID FROM SpatialIndex
                    WHERE f_table_name = 'stations' AND search_frame = BuildMbr(?, ?, ?, ?, 4326))
                ORDER BY id
                """, arguments: [minLng, minLat, maxLng, maxLat])
            let plain = try String.fetchAll(db, sql: """
                SELECT id FROM stations WHERE ST_X(geom) BETWEEN ? AND ? AND ST_Y(geom) BETWEEN ? AND ? ORDER BY id
                """, arguments: [minLng, maxLng, minLat, maxLat])
            return (viaIndex, plain)
        }
        // And a third opinion that never touched SQL: the geodata file itself.
        let fromFile = try Reference.stations().filter {
            (minLng...maxLng).contains($0.location.longitude) && (minLat...maxLat).contains($0.location.latitude)
        }.map(\.id).sorted()
        #expect(viaIndex == plain)
        #expect(plain == fromFile)
    }

    @Test func theHangzhouBoxHoldsStations() throws {
        // Guards the box query above against passing vacuously.
        let inBox = try Reference.stations().filter {
            (120.0...120.5).contains($0.location.longitude) && (30.0...30.5).contains($0.location.latitude)
        }
        #expect(inBox.count > 10)
    }

    @Test func gdalOpensTheFileWithItsLayers() async throws {
        try createdAndClosed()
        let info = try await ChildProcess.tool("ogrinfo", ["-ro", "-so", "-al", databasePath], in: folder.url)
        try #require(info.status == 0, "ogrinfo failed (is gdal-bin installed? run tools/setup): \(info.stderr)")
        let layers = ogrLayers(info.stdout)
        #expect(layers["stations"]?.geometry == "Point")
        #expect(layers["stations"]?.features == 2045)
        #expect(layers["counties"]?.geometry == "Multi Polygon")
        #expect(layers["counties"]?.features == 90)
        #expect(layers["complaints"]?.geometry == "Point")
        #expect(layers["complaints"]?.features == 0)
        #expect(Set(layers.keys) == ["stations", "counties", "complaints"], "ogrinfo layers: \(layers.keys.sorted())")
        #expect(info.stdout.contains("ID[\"EPSG\",4326]") || info.stdout.contains("AUTHORITY[\"EPSG\",\"4326\"]"),
                "layers should carry the WGS 84 SRS:\n\(info.stdout)")
    }

    @Test func theSpatiaLiteShellReadsTheFile() async throws {
        try createdAndClosed()
        let count = try await ChildProcess.tool("spatialite", [databasePath, "SELECT count(*) FROM stations"], in: folder.url)
        try #require(count.status == 0, "spatialite failed (is spatialite-bin installed? run tools/setup): \(count.stderr)")
        let lines = count.stdout.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(lines.last == "2045", "spatialite printed: \(count.stdout)")

        let within = try await ChildProcess.tool("spatialite", [databasePath, """
            SELECT count(*) FROM stations s JOIN counties c ON c.adcode = s.county_code WHERE ST_Within(s.geom, c.geom)
            """], in: folder.url)
        #expect(within.stdout.split(whereSeparator: \.isNewline).last.map(String.init) == "2045", "spatialite printed: \(within.stdout) \(within.stderr)")
    }

    /// Once the last `LiaisonDatabase` for a file is gone, the `.sqlite` file alone holds every
    /// committed write, so copying it (a backup, a hand-over to a GIS user) loses nothing.
    ///
    /// Known issue: GRDB's `DatabasePool.close()` closes the writer before the read-only readers,
    /// so the last connection to close (a reader) cannot checkpoint, and the writes stay in `-wal`.
    @Test func aCopyOfTheClosedFileAloneHoldsTheLatestWrites() throws {
        var changed = try #require(try Reference.stations().first { $0.id == "330106-0001" })
        changed.capacity = changed.capacity == 999 ? 998 : 999
        try {
            // Read and write, as the service and the CLI do (a read opens a reader connection).
            let db = try database()
            #expect(numbers(try db.importStations([changed])) == [0, 1, 0])
            #expect(try db.snapshot().station(id: changed.id) == changed)
        }()
        let copy = try ScratchFolder()
        try FileManager.default.copyItem(atPath: databasePath, toPath: copy.path("copy.sqlite"))
        let copied = try LiaisonDatabase(path: copy.path("copy.sqlite")).snapshot()
        let files = try folder.contents()
        #expect(copied.station(id: changed.id)?.capacity == changed.capacity)
        #expect(files == ["liaison.sqlite"], "companion files left after the last connection closed")
    }
}

/// Layer name → geometry type and feature count, from `ogrinfo -so -al` output.
func ogrLayers(_ text: String) -> [String: (geometry: String, features: Int)] {
    var layers: [String: (geometry: String, features: Int)] = [:]
    var name: String?, geometry = "", features = -1
    func flush() { if let name { layers[name] = (geometry, features) } }
    for line in text.split(whereSeparator: \.isNewline) {
        if line.hasPrefix("Layer name: ") {
            flush()
            name = String(line.dropFirst("Layer name: ".count)); geometry = ""; features = -1
        } else if line.hasPrefix("Geometry: ") {
            geometry = String(line.dropFirst("Geometry: ".count))
        } else if line.hasPrefix("Feature Count: ") {
            features = Int(line.dropFirst("Feature Count: ".count)) ?? -1
        }
    }
    flush()
    return layers
}
