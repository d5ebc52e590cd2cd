import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// `liaison serve` as an operator runs it: a real process on a loopback port.
@Suite struct ServeCommandTests {
    let sandbox: Sandbox
    init() throws { sandbox = try Sandbox() }

    @Test func servesLogsEachRequestAsJSONAndStopsOnSIGTERM() async throws {
        let executable = try LiaisonExecutable.require()
        let outURL = sandbox.root.appendingPathComponent("serve.out"), errURL = sandbox.root.appendingPathComponent("serve.err")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        defer { try? out.close(); try? err.close() }

        let process = Process()
        process.executableURL = executable
        process.arguments = ["serve", "--port", "0", "--db", sandbox.path("x.sqlite")]
        process.currentDirectoryURL = sandbox.cwd
        process.standardOutput = out
        process.standardError = err
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        // The first line on stdout names the port.
        var base: String?
        for _ in 0..<300 where base == nil {
            let text = String(decoding: try Data(contentsOf: outURL), as: UTF8.self)
            base = text.split(separator: "\n").first { $0.hasPrefix("listening on ") }.map { String($0.dropFirst("listening on ".count)) }
            if base == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        let url = try #require(base.flatMap { URL(string: $0 + "/v1/stations/nearest?lat=30.259&lng=120.13&limit=1") })
        var request = URLRequest(url: url)
        request.setValue("cli-test-1", forHTTPHeaderField: "X-Request-Id")
        let (body, response) = try await URLSession.shared.data(for: request)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        let stations = (try JSONSerialization.jsonObject(with: body) as? [String: Any])?["stations"] as? [[String: Any]]
        #expect(stations?.first?["id"] as? String == "330106-0001")

        kill(process.processIdentifier, SIGTERM)
        for _ in 0..<100 where process.isRunning { try await Task.sleep(for: .milliseconds(100)) }
        #expect(!process.isRunning, "the server should stop on SIGTERM")
        #expect(process.terminationStatus == 0)

        // The access log: one JSON object per line on stderr, with the request's fields.
        let lines = String(decoding: try Data(contentsOf: errURL), as: UTF8.self).split(separator: "\n")
        let records = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String] }
        #expect(records.count == lines.count, "every stderr line is a JSON object:\n\(lines.joined(separator: "\n"))")
        let access = try #require(records.first { $0["request.id"] == "cli-test-1" })
        #expect(access["msg"] == "request")
        #expect(access["http.method"] == "GET")
        #expect(access["http.route"] == "/v1/stations/nearest")
        #expect(access["http.status"] == "200")
        #expect(Double(access["http.duration_ms"] ?? "") != nil)
        #expect(access["ts"]?.hasSuffix("Z") == true)
    }
}
