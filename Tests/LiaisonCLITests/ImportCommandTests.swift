import Foundation
import Testing
import LiaisonTestSupport

/// `liaison import`: all or nothing, upsert by id, errors that say which feature and field.
@Suite(.tags(.slow)) final class ImportCommandTests {
    let sandbox: Sandbox

    init() throws {
        sandbox = try Sandbox()
    }

    var db: String { sandbox.path("x.sqlite") }

    /// Writes a copy of `geodata/stations.geojson` with feature `index` rewritten by `edit`.
    func stationsFile(named name: String, editingFeature index: Int, _ edit: (String) -> String) throws -> (path: String, id: String) {
        var lines = try GeodataFile.stationLines()
        let original = lines[index + 1]
        lines[index + 1] = edit(original)
        try #require(lines[index + 1] != original, "the edit changed nothing")
        let id = try GeodataFile.stations()[index].id
        let path = sandbox.root.appendingPathComponent(name).path
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return (path, id)
    }

    func listing() async throws -> String {
        let r = try await sandbox.run(["stations", "list", "--db", db, "--format", "json"])
        try #require(r.status == 0, "\(r)")
        return r.stdout
    }

    @Test func importingTheShippedRegisterChangesNothing() async throws {
        // Relative path from the repository root, as the README shows it.
        let repo = geodataURL.deletingLastPathComponent()
        let r = try await sandbox.run(["import", "geodata/stations.geojson", "--db", db], in: repo)
        try #require(r.status == 0, "\(r)")
        #expect(r.stdout.contains("0 inserted, 0 updated, 2045 unchanged"), "\(r)")
        #expect(sandbox.exists("x.sqlite"))
    }

    @Test func importingTheShippedCountiesChangesNothing() async throws {
        let r = try await sandbox.run(["import", GeodataFile.countiesURL.path, "--db", db])
        try #require(r.status == 0, "\(r)")
        #expect(r.stdout.contains("0 inserted, 0 updated, 90 unchanged"), "\(r)")
    }

    @Test func oneBadFeatureAbortsTheWholeImport() async throws {
        let before = try await listing()
        // Besides the bad feature, the file also carries a valid change that must not be applied either.
        var lines = try GeodataFile.stationLines()
        lines[1] = lines[1].replacing(/"capacity":\d+/, with: "\"capacity\":999")
        lines[18] = lines[18].replacing(/"mobile":"\d+"/, with: "\"mobile\":\"12345\"", maxReplacements: 1)
        let id = try GeodataFile.stations()[17].id
        let path = sandbox.root.appendingPathComponent("bad.geojson").path
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)

        let r = try await sandbox.run(["import", path, "--db", db])
        #expect(r.status == 64, "\(r)")
        #expect(r.stdout.isEmpty, "\(r)")
        for mention in ["feature 17", id, "properties.staff[0].mobile", "\"12345\"", "nothing was imported"] {
            #expect(r.stderr.contains(mention), "stderr should mention \(mention):\n\(r.stderr)")
        }
        #expect(try await listing() == before, "a failed import must leave the register unchanged")
    }

    @Test func aChangedCapacityIsOneUpdate() async throws {
        let (path, id) = try stationsFile(named: "capacity.geojson", editingFeature: 17) {
            $0.replacing(/"capacity":\d+/, with: "\"capacity\":321")
        }
        let r = try await sandbox.run(["import", path, "--db", db])
        try #require(r.status == 0, "\(r)")
        #expect(r.stdout.contains("0 inserted, 1 updated, 2044 unchanged"), "\(r)")

        let shown = try await sandbox.run(["stations", "show", id, "--db", db, "--format", "json"]).json(StationOutput.self)
        #expect(shown.capacity == 321)
        let again = try await sandbox.run(["import", path, "--db", db])
        #expect(again.stdout.contains("0 inserted, 0 updated, 2045 unchanged"), "re-importing is idempotent: \(again)")
    }

    @Test func aNewStationIsOneInsert() async throws {
        let (path, _) = try stationsFile(named: "new.geojson", editingFeature: 17) {
            $0.replacing(/"id":"330106-0003"/, with: "\"id\":\"330106-0999\"")
        }
        let r = try await sandbox.run(["import", path, "--db", db])
        try #require(r.status == 0, "\(r)")
        #expect(r.stdout.contains("1 inserted, 0 updated, 2044 unchanged"), "\(r)")
        let list = try await sandbox.run(["stations", "list", "--county", "330106", "--db", db, "--format", "json"]).json([StationOutput].self)
        #expect(list.map(\.id).contains("330106-0999"))
        #expect(list.map(\.id).contains("330106-0003"), "upsert never deletes a station missing from the file")
    }

    /// After `liaison import` has exited, the database file alone holds the import: copying just the
    /// `.sqlite` (a backup, a hand-over to a GIS user) must not lose it.
    @Test func theImportIsInTheDatabaseFileItself() async throws {
        let (path, id) = try stationsFile(named: "capacity.geojson", editingFeature: 17) {
            $0.replacing(/"capacity":\d+/, with: "\"capacity\":321")
        }
        let r = try await sandbox.run(["import", path, "--db", db])
        try #require(r.status == 0, "\(r)")
        try FileManager.default.createDirectory(atPath: sandbox.path("copy"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: db, toPath: sandbox.path("copy/x.sqlite"))
        let shown = try await sandbox.run(["stations", "show", id, "--db", sandbox.path("copy/x.sqlite"), "--format", "json"])
        try #require(shown.status == 0, "\(shown)")
        let capacityInCopy = try shown.json(StationOutput.self).capacity
        #expect(capacityInCopy == 321)
        #expect(!sandbox.exists("x.sqlite-wal"), "WAL file left after liaison exited")
    }

    /// Every bad feature is named in one run, and nothing is written.
    @Test func everyBadFeatureIsReportedAtOnce() async throws {
        var lines = try GeodataFile.stationLines()
        let stations = try GeodataFile.stations()
        for index in [3, 40, 1200] {
            lines[index + 1] = lines[index + 1].replacing(/"capacity":\d+/, with: "\"capacity\":0")
        }
        let path = sandbox.root.appendingPathComponent("three-bad.geojson").path
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let before = try await listing()
        let r = try await sandbox.run(["import", path, "--db", db])
        #expect(r.status == 64, "\(r)")
        #expect(r.stderr.contains("3 bad stations"), "\(r)")
        for index in [3, 40, 1200] {
            #expect(r.stderr.contains("feature \(index) (id \"\(stations[index].id)\")"), "feature \(index):\n\(r.stderr)")
        }
        #expect(r.stderr.contains("nothing was imported"))
        #expect(try await listing() == before)
    }

    @Test func aDuplicatedStationIdIsRejected() async throws {
        var lines = try GeodataFile.stationLines()
        lines.insert(lines[18], at: 30)
        let path = sandbox.root.appendingPathComponent("duplicate.geojson").path
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let id = try GeodataFile.stations()[17].id
        let r = try await sandbox.run(["import", path, "--db", db])
        #expect(r.status == 64, "\(r)")
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains("feature 29"), "the second occurrence is named by its index:\n\(r.stderr)")
        #expect(r.stderr.contains("\"\(id)\" appears more than once"), "\(r)")
    }

    @Test func aGeoJSONFileThatIsNotGeoJSONIsAUsageError() async throws {
        let path = sandbox.root.appendingPathComponent("notes.geojson").path
        try "id,lat,lng\n330106-0001,30.2,120.1\n".write(toFile: path, atomically: true, encoding: .utf8)
        let r = try await sandbox.run(["import", path, "--db", db])
        #expect(r.status == 64, "\(r)")
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains("not a GeoJSON FeatureCollection"), "\(r)")
        #expect(r.stderr.contains("nothing was imported"))
    }

    /// Anything not starting with `{` (nor named .geojson or .json) is read as the register's CSV.
    @Test func aFileThatIsNeitherIsAUsageErrorNamingTheCSVColumns() async throws {
        let path = sandbox.root.appendingPathComponent("notes.txt").path
        try "id,lat,lng\n330106-0001,30.2,120.1\n".write(toFile: path, atomically: true, encoding: .utf8)
        let r = try await sandbox.run(["import", path, "--db", db])
        #expect(r.status == 64, "\(r)")
        #expect(r.stdout.isEmpty)
        for mention in ["read as CSV", "a GeoJSON file starts with {", "missing columns name, status", "nothing was imported"] {
            #expect(r.stderr.contains(mention), "stderr should mention \(mention):\n\(r.stderr)")
        }
    }

    @Test func geoJSONOfTheWrongKindIsAUsageError() async throws {
        let path = sandbox.root.appendingPathComponent("lines.geojson").path
        try #"{"type":"FeatureCollection","features":[{"type":"Feature","id":"a","geometry":{"type":"LineString","coordinates":[[120,30],[121,30]]},"properties":{}}]}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        let r = try await sandbox.run(["import", path, "--db", db])
        #expect(r.status == 64, "\(r)")
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains("LineString"), "\(r)")
    }

    @Test func aMissingFileIsAUsageErrorAndCreatesNoDatabase() async throws {
        let missing = sandbox.root.appendingPathComponent("no-such.geojson").path
        let r = try await sandbox.run(["import", missing, "--db", db])
        #expect(r.status == 64, "\(r)")
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains(missing), "\(r)")
        let files = try sandbox.files()
        #expect(files.isEmpty, "no database for an import that cannot start: \(files)")
    }
}
