import Foundation
import Testing
import LiaisonTestSupport

/// Where a new database's data comes from: `--geodata`, `LIAISON_GEODATA`, `./geodata`, or the
/// repository's `geodata/` found from the executable's location.
@Suite(.tags(.slow)) final class GeodataLookupTests {
    let sandbox: Sandbox

    init() throws {
        sandbox = try Sandbox()
    }

    /// A geodata folder whose first station (330102-0001) is renamed to `name`, so a test can
    /// tell which folder a database was made from.
    func markedGeodata(at folder: URL, stationName name: String) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var lines = try GeodataFile.stationLines()
        try #require(lines[1].contains("\"id\":\"330102-0001\""))
        lines[1] = lines[1].replacing(/"name":"[^"]+"/, with: "\"name\":\"\(name)\"", maxReplacements: 1)
        try lines.joined(separator: "\n").write(to: folder.appendingPathComponent("stations.geojson"), atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(at: GeodataFile.countiesURL, to: folder.appendingPathComponent("zhejiang-counties.geojson"))
    }

    func nameOfFirstStation(environment: [String: String] = [:], _ extra: [String] = []) async throws -> String {
        let r = try await sandbox.run(["stations", "show", "330102-0001", "--db", sandbox.path("x.sqlite"), "--format", "json"] + extra,
                                      environment: environment)
        try #require(r.status == 0, "\(r)")
        return try r.json(StationOutput.self).name
    }

    @Test func theGeodataFlagIsUsed() async throws {
        let marked = sandbox.root.appendingPathComponent("flag-geodata")
        try markedGeodata(at: marked, stationName: "旗标村消费维权联络站")
        #expect(try await nameOfFirstStation(["--geodata", marked.path]) == "旗标村消费维权联络站")
    }

    @Test func theGeodataFlagCanPointAtTheRepositoryCopy() async throws {
        let name = try await nameOfFirstStation(["--geodata", geodataURL.path])
        #expect(name == (try GeodataFile.stations().first { $0.id == "330102-0001" }?.properties.name))
    }

    @Test func LIAISON_GEODATAIsUsedAndTheFlagWinsOverIt() async throws {
        let fromEnv = sandbox.root.appendingPathComponent("env-geodata")
        try markedGeodata(at: fromEnv, stationName: "环境村消费维权联络站")
        #expect(try await nameOfFirstStation(environment: ["LIAISON_GEODATA": fromEnv.path]) == "环境村消费维权联络站")

        let fromFlag = sandbox.root.appendingPathComponent("flag-geodata")
        try markedGeodata(at: fromFlag, stationName: "旗标村消费维权联络站")
        let r = try await sandbox.run(["stations", "show", "330102-0001", "--db", sandbox.path("y.sqlite"), "--format", "json",
                                       "--geodata", fromFlag.path], environment: ["LIAISON_GEODATA": fromEnv.path])
        #expect(try r.json(StationOutput.self).name == "旗标村消费维权联络站")
    }

    @Test func aGeodataFolderInTheWorkingDirectoryIsFoundFirst() async throws {
        try markedGeodata(at: sandbox.cwd.appendingPathComponent("geodata"), stationName: "本地村消费维权联络站")
        #expect(try await nameOfFirstStation() == "本地村消费维权联络站")
    }

    /// With no flag, no variable and no `./geodata`, the repository's copy is found by walking up
    /// from the executable (`.build/debug/liaison` → `geodata/`).
    @Test func theRepositoryGeodataIsFoundFromTheExecutable() async throws {
        #expect(!sandbox.exists("geodata"))
        let r = try await sandbox.run(["stations", "list", "--db", sandbox.path("x.sqlite"), "--format", "json"])
        try #require(r.status == 0, "\(r)")
        #expect(try r.json([StationOutput].self).count == 2045)
    }

    @Test func aGeodataFolderWithoutStationsFailsAndCreatesNoDatabase() async throws {
        let empty = sandbox.root.appendingPathComponent("empty-geodata")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let r = try await sandbox.run(["nearest", "--lat", "30.259", "--lng", "120.13", "--db", sandbox.path("x.sqlite"), "--geodata", empty.path])
        #expect(r.status != 0, "\(r)")
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains(empty.path), "the message names the folder:\n\(r.stderr)")
        let files = try sandbox.files()
        #expect(files.isEmpty, "no database made from nothing: \(files)")
    }

    /// An existing database never needs geodata: a `liaison` installed away from the repository
    /// (here a copy of the binary in a folder with no `geodata/` above it) works with it.
    @Test func anInstalledBinaryUsesAnExistingDatabaseWithoutGeodata() async throws {
        let first = try await sandbox.run(["nearest", "--lat", "30.259", "--lng", "120.13", "--db", sandbox.path("x.sqlite")])
        try #require(first.status == 0, "\(first)")
        let installed = sandbox.root.appendingPathComponent("bin/liaison")
        try FileManager.default.createDirectory(at: installed.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: try LiaisonExecutable.require(), to: installed)

        let r = try await sandbox.run(["nearest", "--lat", "30.259", "--lng", "120.13", "--db", sandbox.path("x.sqlite")], executable: installed)
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout == first.stdout)
        // Without a database, the same binary must say how to point it at geodata.
        let fresh = try await sandbox.run(["nearest", "--lat", "30.259", "--lng", "120.13", "--db", sandbox.path("new.sqlite")], executable: installed)
        #expect(fresh.status != 0)
        #expect(fresh.stderr.contains("--geodata") && fresh.stderr.contains("LIAISON_GEODATA"), "\(fresh)")
        #expect(!sandbox.exists("new.sqlite"))
    }
}
