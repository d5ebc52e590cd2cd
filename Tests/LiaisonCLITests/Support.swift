import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LiaisonTestSupport
import Testing

/// The repository's `geodata/` folder.
let geodataURL = Repository.geodata

/// The built `liaison` executable, found next to the test bundle in the build products folder.
enum LiaisonExecutable {
    /// The folders that may hold the build products, most specific first.
    static var productFolders: [URL] {
        var folders: [URL] = []
        // macOS: the tests run inside `liaisonPackageTests.xctest`, a bundle in the products folder.
        for bundle in Bundle.allBundles where bundle.bundleURL.pathExtension == "xctest" {
            folders.append(bundle.bundleURL.resolvingSymlinksInPath().deletingLastPathComponent())
        }
        // Linux: `liaisonPackageTests.xctest` is itself the executable being run.
        if let first = CommandLine.arguments.first {
            folders.append(URL(fileURLWithPath: first).resolvingSymlinksInPath().deletingLastPathComponent())
        }
        folders.append(URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent())
        folders.append(Bundle.main.bundleURL.resolvingSymlinksInPath())
        folders.append(Bundle.main.executableURL?.resolvingSymlinksInPath().deletingLastPathComponent() ?? Bundle.main.bundleURL)
        return folders
    }

    static let url: URL? = productFolders.lazy
        .map { $0.appendingPathComponent("liaison") }
        .first { FileManager.default.isExecutableFile(atPath: $0.path) }

    static func require(sourceLocation: SourceLocation = #_sourceLocation) throws -> URL {
        try #require(url, """
            the liaison executable was not found next to the test bundle (looked in \
            \(productFolders.map(\.path).joined(separator: ", "))): build it with `swift build` before `swift test`
            """, sourceLocation: sourceLocation)
    }
}

/// What one run of `liaison` did.
struct CLIResult: CustomStringConvertible {
    let arguments: [String]
    let status: Int32
    let stdout: String
    let stderr: String

    var description: String {
        "liaison \(arguments.joined(separator: " ")) exited \(status)\n--- stdout ---\n\(stdout)\n--- stderr ---\n\(stderr)"
    }

    var stdoutLines: [String] { stdout.split(whereSeparator: \.isNewline).map(String.init) }

    /// Decodes stdout as JSON into `T`.
    func json<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(stdout.utf8))
    }

    /// stdout as a JSON value (dictionaries and arrays), to look at keys.
    func jsonObject() throws -> Any {
        try JSONSerialization.jsonObject(with: Data(stdout.utf8))
    }
}

/// A temporary folder per test: the working directory of every `liaison` run and the home of
/// its database. Removed when the test's suite instance goes away.
final class Sandbox: Sendable {
    private let scratch: ScratchFolder
    var root: URL { scratch.url }
    /// The working directory for `liaison` (empty at first: no `./geodata`, no `./data`).
    let cwd: URL

    /// A sandbox whose working directory holds, under each of `databases`, a copy of the
    /// database `geodata/` makes (built once per test process), for tests about what comes after
    /// creation; the others see `liaison` create its database.
    init(databases: [String] = []) throws {
        scratch = try ScratchFolder("liaison-cli-tests")
        cwd = scratch.url.appendingPathComponent("cwd")
        try FileManager.default.createDirectory(at: cwd, withIntermediateDirectories: true)
        for name in databases { try TemplateDatabase.copy(to: path(name)) }
    }

    /// A path inside the working directory.
    func path(_ name: String) -> String { cwd.appendingPathComponent(name).path }

    func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: path(name)) }

    /// What `liaison` left in its working directory.
    func files() throws -> [String] {
        try FileManager.default.subpathsOfDirectory(atPath: cwd.path).sorted()
    }

    /// Runs `liaison` (the built one unless `executable` is given) with `arguments` in ``cwd``.
    ///
    /// The environment is the test's own minus `LIAISON_DB` and `LIAISON_GEODATA`, plus `environment`.
    func run(_ arguments: [String], environment: [String: String] = [:], in directory: URL? = nil,
             executable: URL? = nil, stdin: URL? = nil) async throws -> CLIResult {
        var env = ProcessInfo.processInfo.environment
        env["LIAISON_DB"] = nil
        env["LIAISON_GEODATA"] = nil
        env.merge(environment) { $1 }
        let output = try await ChildProcess.run(try executable ?? LiaisonExecutable.require(), arguments,
                                                in: directory ?? cwd, environment: env, stdin: stdin)
        return CLIResult(arguments: arguments, status: output.status, stdout: output.stdout, stderr: output.stderr)
    }
}

/// The station register as `geodata/stations.geojson` has it, read without any of the code under test.
enum GeodataFile {
    struct Station: Decodable {
        struct Geometry: Decodable { let coordinates: [Double] }
        struct Properties: Decodable {
            struct Staff: Decodable { let name: String; let role: String; let mobile: String }
            let name: String
            let county_code: String
            let modes: [String]
            let capacity: Int
            let status: String
            let staff: [Staff]
        }
        let id: String
        let geometry: Geometry
        let properties: Properties

        var latitude: Double { geometry.coordinates[1] }
        var longitude: Double { geometry.coordinates[0] }
    }

    private struct Collection: Decodable { let features: [Station] }

    static let stationsURL = geodataURL.appendingPathComponent("stations.geojson")
    static let countiesURL = geodataURL.appendingPathComponent("zhejiang-counties.geojson")

    private static let loaded = Result { try JSONDecoder().decode(Collection.self, from: Data(contentsOf: stationsURL)).features }

    static func stations() throws -> [Station] { try loaded.get() }

    /// The file's lines: line 0 opens the collection, line `i + 1` is feature `i`.
    static func stationLines() throws -> [String] {
        try String(contentsOf: stationsURL, encoding: .utf8).components(separatedBy: "\n")
    }
}

/// Great-circle distance on a sphere of the WGS-84 mean radius, metres. The ellipsoidal geodesic
/// the service uses differs from it by at most about 0.5 %, which is all these tests need: an
/// independent check that cannot share a bug with the code under test.
func sphericalDistanceMeters(lat1: Double, lng1: Double, lat2: Double, lng2: Double) -> Double {
    let r = 6_371_008.8, rad = Double.pi / 180
    let dLat = (lat2 - lat1) * rad, dLng = (lng2 - lng1) * rad
    let a = sin(dLat / 2) * sin(dLat / 2) + cos(lat1 * rad) * cos(lat2 * rad) * sin(dLng / 2) * sin(dLng / 2)
    return 2 * r * asin(min(1, a.squareRoot()))
}

/// `liaison nearest --format json`, as a client reads it.
struct NearestOutput: Decodable {
    struct Point: Decodable {
        let lat: Double
        let lng: Double
        let coordsys: String?
    }
    struct Query: Decodable {
        let input: Point
        let wgs84: Point
        let limit: Int
        let mode: String?
        let county: String?
        let radius_km: Double?
    }
    struct Item: Decodable {
        let rank: Int
        let id: String
        let name: String
        let county_code: String
        let county_name: String
        let city_code: String
        let city_name: String
        let address: String
        let modes: [String]
        let phone: String
        let distance_m: Double
        let bearing_deg: Double
        let location: Point
    }
    let query: Query
    let stations: [Item]
}

/// One station of `liaison stations show|list --format json`.
struct StationOutput: Decodable, Equatable {
    struct Staff: Decodable, Equatable { let name: String; let role: String; let mobile_masked: String }
    struct Point: Decodable, Equatable { let lat: Double; let lng: Double; let coordsys: String? }
    let id: String
    let name: String
    let status: String
    let county_code: String
    let county_name: String
    let city_code: String
    let city_name: String
    let address_line: String
    let phone: String
    let modes: [String]
    let capacity: Int
    let staff: [Staff]
    let location: Point
}

/// `liaison where --format json`.
struct WhereOutput: Decodable {
    struct Region: Decodable {
        let county_code: String
        let county_name: String
        let city_code: String
        let city_name: String
        let distance_m: Double?
    }
    struct Point: Decodable { let lat: Double; let lng: Double; let coordsys: String? }
    let query: Point
    let wgs84: Point
    let inside_zhejiang: Bool
    let region: Region?
    let nearest: Region?
}

/// A `liaison serve` process on a loopback port (`--port 0`: the first stdout line names it),
/// stopped with SIGTERM.
final class ServerProcess {
    let process = Process()
    let base: String
    /// What the server wrote on stderr: its JSON log, one object per line.
    let stderrURL: URL

    /// With `anonymousIntake` (the default here, as in development) complaints are filed
    /// without a client key and without the intake quota getting in the tests' way. The built
    /// `liaison` with the test's environment unless `executable` or `environment` are given.
    init(_ arguments: [String], sandbox: Sandbox, logLevel: String? = "warning", anonymousIntake: Bool = true,
         executable: URL? = nil, environment: [String: String]? = nil) async throws {
        let id = UUID().uuidString
        let outURL = sandbox.root.appendingPathComponent("serve-\(id).out")
        stderrURL = sandbox.root.appendingPathComponent("serve-\(id).err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        process.executableURL = try executable ?? LiaisonExecutable.require()
        if let environment { process.environment = environment }
        process.arguments = ["serve", "--port", "0"] + (logLevel.map { ["--log-level", $0] } ?? [])
            + (anonymousIntake ? ["--anonymous-intake", "--client-intake-burst", "100000"] : []) + arguments
        process.currentDirectoryURL = sandbox.cwd
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        try process.run()
        var found: String?
        for _ in 0..<600 where found == nil {
            let text = String(decoding: try Data(contentsOf: outURL), as: UTF8.self)
            found = text.split(separator: "\n").first { $0.hasPrefix("listening on ") }.map { String($0.dropFirst("listening on ".count)) }
            if found == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        base = try #require(found, "liaison serve did not start")
    }

    func post(_ path: String, json: [String: Any]) async throws -> (Int, [String: Any]) {
        var request = URLRequest(url: URL(string: base + path)!)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        if path == "/v1/complaints" { request.setValue(UUID().uuidString, forHTTPHeaderField: "Idempotency-Key") }
        request.httpBody = try JSONSerialization.data(withJSONObject: json)
        let (body, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, (try? JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:])
    }

    /// Sends SIGTERM and waits up to 30 s (a shared CI machine can be slow): the exit status,
    /// or -1 if it is still running. Anything but 0 prints the end of the server's log, so a
    /// failure says why.
    func stop() async throws -> Int32 {
        kill(process.processIdentifier, SIGTERM)
        let status = (try? await ChildExit.wait(for: process, timeout: .seconds(30))) ?? -1
        if status != 0 {
            let log = String(decoding: (try? Data(contentsOf: stderrURL)) ?? Data(), as: UTF8.self)
            print("liaison serve \(status == -1 ? "still running 30 s after SIGTERM" : "exited with \(status) (reason \(process.terminationReason.rawValue))"); its stderr ends:\n\(log.suffix(4000))")
        }
        return status
    }

    deinit { if process.isRunning { process.terminate() } }
}
