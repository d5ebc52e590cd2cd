import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LiaisonTestSupport
import Testing

/// The built `liaison` copied alone into an empty folder, as an operator installs it: no
/// resource bundle beside it, no repository above it, no `LIAISON_*` variables. What it serves
/// is compiled into it; the data a new database is made from is found at the install path
/// (`share/liaison/geodata` beside its `bin/`).
@Suite(.tags(.slow)) final class SelfContainedBinaryTests {
    let sandbox: Sandbox
    /// `<scratch>/bin/liaison`, the one file copied.
    let installed: URL

    init() throws {
        sandbox = try Sandbox()
        installed = sandbox.root.appendingPathComponent("bin/liaison")
        try FileManager.default.createDirectory(at: installed.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: try LiaisonExecutable.require(), to: installed)
    }

    /// The test's environment without any `LIAISON_*` variable.
    static var environment: [String: String] {
        ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("LIAISON_") }
    }

    func run(_ arguments: [String]) async throws -> ChildOutput {
        try await ChildProcess.run(installed, arguments, in: sandbox.cwd, environment: Self.environment)
    }

    static let repoFiles = Repository.root.appendingPathComponent("Sources/LiaisonHTTP")

    /// The console's files as the repository has them, by name.
    static func consoleFiles() throws -> [String: Data] {
        let folder = repoFiles.appendingPathComponent("Console")
        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
            files[name] = try Data(contentsOf: folder.appendingPathComponent(name))
        }
        return files
    }

    /// Every GET of the OpenAPI document, its path parameters and required query parameters
    /// filled from the document's examples (else a value that names nothing: an answer, but no server error).
    static func documentedGETs(_ document: [String: Any]) throws -> [String] {
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        func resolve(_ object: [String: Any]) -> [String: Any] {
            guard let ref = object["$ref"] as? String else { return object }
            let parts = ref.split(separator: "/").dropFirst()   // "#/components/parameters/Name"
            var node: Any? = document
            for part in parts { node = (node as? [String: Any])?[String(part)] }
            return (node as? [String: Any]).map(resolve) ?? object
        }
        func value(_ parameter: [String: Any]) -> String {
            let schema = resolve(parameter["schema"] as? [String: Any] ?? [:])
            let example = parameter["example"] ?? schema["example"] ?? (schema["enum"] as? [Any])?.first
                ?? (schema["examples"] as? [Any])?.first
            return example.map { "\($0)" } ?? "unknown"
        }
        var uris: [String] = []
        for (path, item) in paths.sorted(by: { $0.key < $1.key }) {
            guard let get = item["get"] as? [String: Any] else { continue }
            let parameters = ((item["parameters"] as? [[String: Any]] ?? []) + (get["parameters"] as? [[String: Any]] ?? [])).map(resolve)
            var uri = path
            var query: [String] = []
            for parameter in parameters {
                guard let name = parameter["name"] as? String else { continue }
                let text = value(parameter).addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(.init(charactersIn: "&=+/"))) ?? ""
                switch parameter["in"] as? String {
                case "path": uri = uri.replacingOccurrences(of: "{\(name)}", with: text)
                case "query" where parameter["required"] as? Bool == true: query.append("\(name)=\(text)")
                default: break
                }
            }
            uris.append(query.isEmpty ? uri : uri + "?" + query.joined(separator: "&"))
        }
        return uris
    }

    func get(_ base: String, _ uri: String, token: String? = nil) async throws -> (status: Int, body: Data) {
        var request = URLRequest(url: try #require(URL(string: base + uri), "\(uri)"))
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let (body, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, body)
    }

    @Test func theBinaryAloneCreatesADatabaseAndServesEveryRoute() async throws {
        let geodata = sandbox.root.appendingPathComponent("share/liaison/geodata")
        try FileManager.default.createDirectory(at: geodata.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Repository.geodata, to: geodata)
        #expect(try FileManager.default.contentsOfDirectory(atPath: installed.deletingLastPathComponent().path) == ["liaison"])
        #expect(try sandbox.files().isEmpty)

        let version = try await run(["--version"])
        #expect(version.status == 0 && version.stdout.contains("liaison ") && version.stdout.contains("schema"), "\(version)")

        // No --db, no LIAISON_DB: the database is made at data/liaison.sqlite from the installed geodata.
        let server = try await ServerProcess([], sandbox: sandbox, executable: installed, environment: Self.environment)
        #expect(sandbox.exists("data/liaison.sqlite"))
        let created = try await run(["tokens", "create", "--name", "ops-1", "--role", "admin"])
        try #require(created.status == 0, "\(created)")
        let token = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)

        // What is compiled in is served byte for byte as the repository has it.
        let document = try Data(contentsOf: Self.repoFiles.appendingPathComponent("openapi.json"))
        let served = try await get(server.base, "/openapi.json")
        #expect(served.status == 200 && served.body == document, "/openapi.json: \(served.status), \(served.body.count) bytes")
        let console = try Self.consoleFiles()
        #expect(console.count > 5 && console["index.html"] != nil)
        let page = try await get(server.base, "/console")
        #expect(page.status == 200 && page.body == console["index.html"], "/console: \(page.status)")
        for (name, bytes) in console.sorted(by: { $0.key < $1.key }) {
            let file = try await get(server.base, "/console/app/\(name)")
            #expect(file.status == 200 && file.body == bytes, "/console/app/\(name): \(file.status), \(file.body.count) bytes")
        }

        // Every documented GET answers, none with a server error; those anyone may call, 200.
        let json = try #require(try JSONSerialization.jsonObject(with: document) as? [String: Any])
        let uris = try Self.documentedGETs(json)
        #expect(uris.count > 30 && uris.allSatisfy { !$0.contains("{") }, "\(uris)")
        let anonymous: Set<String> = [
            "/healthz", "/readyz", "/metrics", "/openapi.json", "/v1/labels", "/v1/stations", "/v1/stations/nearest", "/v1/stations/330105-0007",
            "/v1/regions/lookup", "/ogc", "/ogc/conformance", "/ogc/collections", "/ogc/collections/stations",
            "/ogc/collections/stations/items", "/ogc/collections/stations/items/330105-0007", "/ogc/collections/counties",
            "/ogc/collections/counties/items", "/ogc/collections/counties/items/330106", "/open311/v2/services.json", "/console/config",
        ]
        var answered: [String: Int] = [:]
        for uri in uris {
            let path = String(uri.prefix { $0 != "?" })
            let plain = try await get(server.base, uri)
            #expect(plain.status < 500, "GET \(uri): \(plain.status) \(String(decoding: plain.body.prefix(300), as: UTF8.self))")
            if anonymous.contains(path) { #expect(plain.status == 200, "GET \(uri): \(plain.status)") }
            let staff = try await get(server.base, uri, token: token)
            #expect(staff.status < 500, "GET \(uri) as staff: \(staff.status) \(String(decoding: staff.body.prefix(300), as: UTF8.self))")
            answered[uri] = staff.status
        }
        #expect(Set(uris.map { String($0.prefix { $0 != "?" }) }).isSuperset(of: anonymous), "the document lists these routes")
        #expect(answered.values.filter { $0 == 200 }.count > 25, "\(answered.sorted { $0.key < $1.key })")

        #expect(server.process.isRunning, "the server must outlive every route")
        #expect(try await server.stop() == 0)
    }

    /// SwiftPM's `Bundle.module` looks beside the executable, then at the absolute path of the
    /// bundle in the build folder, compiled in: so on the machine that built it, a binary copied
    /// alone still finds its resources and serves them (as above), and fails only elsewhere
    /// (`could not load resource bundle`). Hence this check of the binary itself: it names no
    /// resource bundle of this package (`liaison_<target>.resources`), so it looks none up.
    @Test func theBinaryNamesNoResourceBundleOfItsOwn() throws {
        let binary = try Data(contentsOf: installed, options: .alwaysMapped)
        let names = Self.resourceBundleNames(in: binary)
        #expect(!names.contains { $0.hasPrefix("liaison_") }, "\(names.sorted())")
    }

    /// The names `<name>.resources` found in `binary`'s bytes.
    static func resourceBundleNames(in binary: Data) -> Set<String> {
        let needle = Array(".resources".utf8)
        func isNameByte(_ byte: UInt8) -> Bool {
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F || byte == 0x2D
        }
        var names: Set<String> = []
        binary.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            guard let base = raw.baseAddress else { return }
            let bytes = raw.bindMemory(to: UInt8.self)
            var start = 0
            // memchr for each "." and memcmp for the rest: fast on a debug build's 170 MB.
            while start < bytes.count, let hit = memchr(base + start, Int32(needle[0]), bytes.count - start) {
                let end = base.distance(to: UnsafeRawPointer(hit))
                start = end + 1
                guard end + needle.count <= bytes.count, memcmp(hit, needle, needle.count) == 0 else { continue }
                var begin = end
                while begin > 0, isNameByte(bytes[begin - 1]) { begin -= 1 }
                names.insert(String(decoding: bytes[begin..<end], as: UTF8.self) + ".resources")
            }
        }
        return names
    }

    /// With geodata nowhere, a new database is not made and the message lists every place looked in.
    @Test func withoutGeodataTheErrorNamesWhereItLooked() async throws {
        try #require(!FileManager.default.fileExists(atPath: "/usr/share/liaison/geodata/stations.geojson"),
                     "this machine has geodata installed system-wide, which the test needs absent")
        let r = try await run(["nearest", "--lat", "30.259", "--lng", "120.13"])
        #expect(r.status != 0, "\(r)")
        let bin = installed.deletingLastPathComponent().resolvingSymlinksInPath()
        for place in ["./geodata", bin.appendingPathComponent("geodata").path,
                      bin.deletingLastPathComponent().appendingPathComponent("share/liaison/geodata").path,
                      "/usr/share/liaison/geodata", "--geodata", "LIAISON_GEODATA"] {
            #expect(r.stderr.contains(place), "the message names \(place):\n\(r.stderr)")
        }
        #expect(try sandbox.files().isEmpty, "no database made from nothing")
    }
}
