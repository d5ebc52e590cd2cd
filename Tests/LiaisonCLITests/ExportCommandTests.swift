import Foundation
import Testing
import LiaisonTestSupport

/// `liaison export` and its round trip through `liaison import` into an empty database.
@Suite(.tags(.slow)) final class ExportCommandTests {
    let sandbox: Sandbox

    init() throws {
        sandbox = try Sandbox()
    }

    static let csvHeader = "id,name,status,county_code,lng,lat,city,county,town,village,phone,modes,capacity,hours,staff"

    func bytes(_ name: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: sandbox.path(name))) }

    @discardableResult
    func succeed(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) async throws -> CLIResult {
        let r = try await sandbox.run(arguments)
        try #require(r.status == 0, "\(r)", sourceLocation: sourceLocation)
        return r
    }

    /// Puts awkward values into `db`: a retired station, a name with a comma, quotes and a newline, a
    /// staff member whose name holds the cell syntax's separators and a backslash.
    func makeAwkward(_ db: String) async throws -> (retired: String, renamed: String) {
        var lines = try GeodataFile.stationLines()
        lines[1] = lines[1].replacing(#""status":"active""#, with: #""status":"retired""#)
        lines[2] = lines[2].replacing(/"name":"[^"]+"/, with: #""name":"柳堰下村, \"联络站\"\n第二行""#, maxReplacements: 1)
        lines[3] = lines[3].replacing(/"staff":\[\{"name":"[^"]+"/, with: #""staff":[{"name":" 李|雪;芳\\ ""#)
        let path = sandbox.root.appendingPathComponent("awkward.geojson").path
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let r = try await succeed(["import", path, "--db", db])
        #expect(r.stdout.contains("0 inserted, 3 updated, 2042 unchanged"), "\(r)")
        let stations = try GeodataFile.stations()
        return (stations[0].id, stations[1].id)
    }

    /// Export, import into an empty database, export again: the same bytes, for both formats.
    @Test(arguments: ["geojson", "csv"])
    func exportImportExportIsByteIdentical(_ format: String) async throws {
        let (retired, renamed) = try await makeAwkward(sandbox.path("a.sqlite"))
        try await succeed(["export", "--format", format, "--out", sandbox.path("first"), "--db", sandbox.path("a.sqlite")])

        let imported = try await succeed(["import", sandbox.path("first"), "--db", sandbox.path("b.sqlite"), "--empty"])
        #expect(imported.stdout.contains("2045 inserted, 0 updated, 0 unchanged"), "the import must fill an empty register: \(imported)")
        try await succeed(["export", "--format", format, "--out", sandbox.path("second"), "--db", sandbox.path("b.sqlite")])

        let first = try bytes("first"), second = try bytes("second")
        #expect(first.count > 2045 * 100, "the whole register: \(first.count) bytes")
        #expect(first == second, "export → import into an empty database → export changed the file")

        let shown = try await succeed(["stations", "show", retired, "--db", sandbox.path("b.sqlite"), "--format", "json"]).json(StationOutput.self)
        #expect(shown.status == "retired", "retired stations are exported and imported too")
        let other = try await succeed(["stations", "show", renamed, "--db", sandbox.path("b.sqlite"), "--format", "json"]).json(StationOutput.self)
        #expect(other.name == "柳堰下村, \"联络站\"\n第二行")
    }

    /// A fresh database exports the shipped register with the same features (values, coordinates,
    /// schema), and the export imports as is.
    @Test func geoJSONOfAFreshDatabaseHasTheGeodataFeatures() async throws {
        let r = try await succeed(["export", "--format", "geojson", "--db", sandbox.path("a.sqlite")])
        let exported = try #require(try r.jsonObject() as? [String: Any])
        let shipped = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: GeodataFile.stationsURL)) as? [String: Any])
        #expect(exported["type"] as? String == "FeatureCollection")
        let a = try #require(exported["features"] as? [[String: Any]])
        // The geodata file has no staff ids: a read numbers its members s1, s2… by position.
        let b = try #require(shipped["features"] as? [[String: Any]]).map { feature -> [String: Any] in
            var feature = feature, properties = feature["properties"] as? [String: Any] ?? [:]
            properties["staff"] = (properties["staff"] as? [[String: Any]] ?? []).enumerated().map { i, m in m.merging(["id": "s\(i + 1)"]) { $1 } }
            feature["properties"] = properties
            return feature
        }
        #expect(a.count == 2045)
        // Compared as parsed JSON values (written again with sorted keys), since the geodata file's keys are not sorted.
        let canonical = { (f: [String: Any]) in String(decoding: try JSONSerialization.data(withJSONObject: f, options: [.sortedKeys]), as: UTF8.self) }
        let (x, y) = (try a.map(canonical), try b.map(canonical))
        #expect(x == y, "the exported features differ from geodata/stations.geojson")
        // One feature per line, like the geodata file.
        #expect(r.stdoutLines.count == 2045 + 2)
        #expect(r.stdoutLines[1].hasPrefix(#"{"geometry":{"coordinates":["#) && r.stdoutLines[1].hasSuffix("},"))

        let path = sandbox.root.appendingPathComponent("export.geojson").path
        try r.stdout.write(toFile: path, atomically: true, encoding: .utf8)
        let again = try await succeed(["import", path, "--db", sandbox.path("a.sqlite")])
        #expect(again.stdout.contains("0 inserted, 0 updated, 2045 unchanged"), "\(again)")
    }

    @Test func csvHasAHeaderRowAndTheGeodataCoordinates() async throws {
        let r = try await succeed(["export", "--format", "csv", "--db", sandbox.path("a.sqlite")])
        let lines = r.stdout.components(separatedBy: "\r\n")
        #expect(lines.first == Self.csvHeader)
        #expect(lines.count == 2045 + 2)
        let stations = try GeodataFile.stations()
        for (line, station) in zip(lines.dropFirst(), stations) {
            // The shipped names and addresses hold no commas, so the first six cells split plainly.
            let cells = line.split(separator: ",", maxSplits: 6, omittingEmptySubsequences: false)
            guard cells.count == 7, cells[0] == station.id, Double(cells[4]) == station.longitude, Double(cells[5]) == station.latitude,
                  cells[2] == "active" else {
                Issue.record("\(station.id) at \(station.longitude), \(station.latitude) exported as \(line)")
                return
            }
        }
    }

    @Test func outWritesTheFileAndStdoutTheSameBytes() async throws {
        let db = sandbox.path("a.sqlite")
        for format in ["geojson", "csv"] {
            let name = "register.\(format)"
            let r = try await succeed(["export", "--format", format, "--out", sandbox.path(name), "--db", db])
            #expect(r.stdout == "2045 stations to \(sandbox.path(name)) (\(format))\n")
            let toStdout = try await succeed(["export", "--format", format, "--db", db])
            #expect(try bytes(name) == Data(toStdout.stdout.utf8))
        }
        #expect(try sandbox.files() == ["a.sqlite", "register.csv", "register.geojson"], "no temporary file left behind")
    }

    @Test func bomPrefixesTheCSVAndIsAcceptedOnImport() async throws {
        try await succeed(["export", "--format", "csv", "--bom", "--out", sandbox.path("excel.csv"), "--db", sandbox.path("a.sqlite")])
        let data = try bytes("excel.csv")
        #expect(Array(data.prefix(3)) == [0xEF, 0xBB, 0xBF])
        #expect(String(decoding: data.dropFirst(3), as: UTF8.self).hasPrefix(Self.csvHeader + "\r\n"))
        let r = try await succeed(["import", sandbox.path("excel.csv"), "--db", sandbox.path("b.sqlite"), "--empty"])
        #expect(r.stdout.contains("2045 inserted"), "\(r)")
    }

    /// One bad row among 2,045 (and a valid change elsewhere): nothing is written, and the
    /// message names the row as a spreadsheet shows it, the id and the column.
    @Test func aCSVWithOneBadRowIsRejectedWhole() async throws {
        let db = sandbox.path("a.sqlite")
        let exported = try await succeed(["export", "--format", "csv", "--db", db]).stdout
        var lines = exported.components(separatedBy: "\r\n")
        var cells = lines[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        cells[12] = "999" // capacity: valid, and must not be applied either
        lines[1] = cells.joined(separator: ",")
        lines[18] = lines[18].replacing(/\|1\d{10}/, with: "|12345", maxReplacements: 1)
        let id = try GeodataFile.stations()[17].id
        try #require(lines[18].hasPrefix(id + ","))
        let path = sandbox.root.appendingPathComponent("bad.csv").path
        try lines.joined(separator: "\r\n").write(toFile: path, atomically: true, encoding: .utf8)

        for target in [db, sandbox.path("empty.sqlite")] {
            let r = try await sandbox.run(["import", path, "--db", target, "--empty"])
            #expect(r.status == 64, "\(r)")
            #expect(r.stdout.isEmpty, "\(r)")
            for mention in ["row 19", "\"\(id)\"", "staff[0].mobile", "\"12345\"", "nothing was imported"] {
                #expect(r.stderr.contains(mention), "stderr should mention \(mention):\n\(r.stderr)")
            }
        }
        let after = try await succeed(["export", "--format", "csv", "--db", db]).stdout
        #expect(after == exported, "a failed import must leave the register unchanged")
        let empty = try await succeed(["stations", "list", "--db", sandbox.path("empty.sqlite"), "--format", "json"])
        #expect(empty.stdout == "[]\n", "a failed import into a new database leaves it empty")
    }

    @Test func emptyCreatesADatabaseWithCountiesOnly() async throws {
        let db = sandbox.path("e.sqlite")
        let list = try await succeed(["stations", "list", "--db", db, "--empty", "--format", "json"])
        #expect(list.stdout == "[]\n")
        let place = try await succeed(["where", "--lat", "30.259", "--lng", "120.13", "--db", db, "--format", "json"]).json(WhereOutput.self)
        #expect(place.region?.county_code == "330106", "the counties are loaded")
        let export = try await succeed(["export", "--format", "csv", "--db", db])
        #expect(export.stdout == Self.csvHeader + "\r\n")

        // On an existing database --empty changes nothing.
        let full = sandbox.path("full.sqlite")
        try await succeed(["stations", "list", "--db", full, "--format", "json"])
        let again = try await succeed(["stations", "list", "--db", full, "--empty", "--format", "json"]).json([StationOutput].self)
        #expect(again.count == 2045)
    }

    @Test func helpDocumentsTheFormatsAndEmpty() async throws {
        func help(_ command: String) async throws -> String {
            let r = try await sandbox.run([command, "--help"])
            try #require(r.status == 0, "\(r)")
            return r.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        }
        let export = try await help("export")
        for mention in ["--format <format>", "values: geojson, csv", "--out <path>", "--bom", "byte order mark", "--empty"] {
            #expect(export.contains(mention), "export --help should mention \(mention):\n\(export)")
        }
        let importHelp = try await help("import")
        for mention in ["GeoJSON or CSV", "--empty", "with the counties only"] {
            #expect(importHelp.contains(mention), "import --help should mention \(mention):\n\(importHelp)")
        }
    }
}
