import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import LiaisonTestSupport

/// `liaison serve` as an operator runs it: a real process on a loopback port.
@Suite(.tags(.slow)) struct ServeCommandTests {
    let sandbox: Sandbox
    init() throws { sandbox = try Sandbox() }

    /// `--log-level` is the level of every logger in the process, the store's too: at debug
    /// the store's "opened database" shows; at warning not even its info lines do.
    @Test func oneLogLevelForEveryLogger() async throws {
        func levels(_ level: String, _ db: String) async throws -> [[String: String]] {
            let server = try await ServerProcess(["--db", sandbox.path(db)], sandbox: sandbox, logLevel: level)
            #expect(try await server.stop() == 0)
            return String(decoding: try Data(contentsOf: server.stderrURL), as: UTF8.self).split(separator: "\n")
                .compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String] }
        }
        let debug = try await levels("debug", "debug.sqlite")
        #expect(debug.contains { $0["label"] == "liaison.store" && $0["msg"] == "opened database" && $0["level"] == "debug" }, "\(debug)")
        let warning = try await levels("warning", "warning.sqlite")
        #expect(!warning.contains { ["trace", "debug", "info", "notice"].contains($0["level"] ?? "") }, "\(warning)")
    }

    @Test func servesLogsEachRequestAsJSONAndStopsOnSIGTERM() async throws {
        let server = try await ServerProcess(["--db", sandbox.path("x.sqlite")], sandbox: sandbox, logLevel: nil)
        let url = try #require(URL(string: server.base + "/v1/stations/nearest?lat=30.259&lng=120.13&limit=1"))
        var request = URLRequest(url: url)
        request.setValue("cli-test-1", forHTTPHeaderField: "X-Request-Id")
        let (body, response) = try await URLSession.shared.data(for: request)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        let stations = (try JSONSerialization.jsonObject(with: body) as? [String: Any])?["stations"] as? [[String: Any]]
        #expect(stations?.first?["id"] as? String == "330106-0001")

        // A hang-up does not stop it.
        kill(server.process.processIdentifier, SIGHUP)
        try await Task.sleep(for: .milliseconds(300))
        let (_, afterHangUp) = try await URLSession.shared.data(from: try #require(URL(string: server.base + "/readyz")))
        #expect(server.process.isRunning && (afterHangUp as? HTTPURLResponse)?.statusCode == 200, "SIGHUP must not stop the server")

        #expect(try await server.stop() == 0, "the server should stop on SIGTERM with status 0")

        // The access log: one JSON object per line on stderr, with the request's fields.
        let lines = String(decoding: try Data(contentsOf: server.stderrURL), as: UTF8.self).split(separator: "\n")
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
