import Glibc
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LiaisonCore
import LiaisonHTTP
import LiaisonStore
import LiaisonTestSupport
import Testing

@Suite struct ErrorAndLimitTests {
    /// Staff, admin and enterprise routes authenticate before anything else: an anonymous caller
    /// gets 401 whatever the parameters or the body (here not JSON at all), so it learns nothing
    /// about counties, stations or complaints. (A body declared larger than the route takes is
    /// refused at the edge from its Content-Length, before any of this, without being read.)
    @Test(arguments: [
        (HTTPRequest.Method.get, "/v1/complaints?county=339999&status=nope&limit=0"),
        (.get, "/v1/stats?county=339999&from=yesterday"),
        (.get, "/v1/stations/330106-9999/history"),
        (.get, "/v1/stations/330106-0001/complaints?limit=0"),
        (.get, "/v1/complaints/ZJ-20260101-000001/notifications"),
        (.get, "/v1/merchants/hotspots?min=-1"),
        (.get, "/v1/ratings?county=1"),
        (.get, "/v1/reviews?county=1"),
        (.get, "/v1/enterprises?limit=-1"),
        (.get, "/v1/enterprise/complaints?status=x"),
        (.post, "/v1/stations"),
        (.patch, "/v1/stations/330106-0001"),
        (.post, "/v1/stations/330106-0001/retire"),
        (.post, "/v1/complaints/ZJ-20260101-000001/events"),
        (.post, "/v1/enterprises"),
        (.post, "/v1/enterprises/91350100M000100Y43/enrolment"),
        (.post, "/v1/enterprise/complaints/ZJ-20260101-000001/settle"),
    ])
    func anonymousCallersAreRefusedBeforeParametersOrBodies(_ method: HTTPRequest.Method, _ uri: String) async throws {
        let body = ByteBuffer(string: "{not json")
        try await Fixture.app().test(.router) { client in
            try await client.execute(uri: uri, method: method, headers: [.contentType: "application/json"], body: body) { response in
                #expect(response.status == .unauthorized, "\(method) \(uri): \(response.text)")
                #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
                #expect(response.headers[.contentType] == "application/problem+json")
            }
        }
    }

    @Test func unknownPathIs404AndWrongMethodIs405WithAllow() async throws {
        try await Fixture.app().test(.router) { client in
            try await client.execute(uri: "/v2/nothing", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(response.headers[.contentType] == "application/problem+json")
            }
            for method in [HTTPRequest.Method.post, .delete, .put] {
                try await client.execute(uri: "/v1/stations/nearest?lat=30&lng=120", method: method) { response in
                    #expect(response.status == .methodNotAllowed)
                    #expect(response.headers[.allow] == "GET, HEAD")
                    let json = try response.json()
                    #expect(json["status"] as? Int == 405)
                }
            }
            try await client.execute(uri: "/v1/regions/lookup?lat=30&lng=120", method: .post) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "GET, HEAD")
            }
            try await client.execute(uri: "/v1/stations/330106-0001", method: .delete) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "GET, HEAD, PATCH")
            }
            for path in ["/v1/stations/", "/v1//stations"] {
                try await client.execute(uri: path, method: .put) { response in
                    #expect(response.status == .methodNotAllowed, "\(path)")
                    #expect(response.headers[.allow] == "GET, HEAD, POST", "\(path)")
                }
            }
            try await client.execute(uri: "/v1/stations/330106-0001", method: .head) { response in
                #expect(response.status == .ok)
                #expect(response.body.readableBytes == 0)
                #expect(response.headers[.eTag] != nil)
            }
        }
    }

    @Test func oversizedURIHeadersAndBodyAreRejected() async throws {
        let settings = ServerSettings(port: 0, maxURIBytes: 1024, maxHeaderBytes: 2048, maxBodyBytes: 4096)
        try await Fixture.app(settings: settings).test(.router) { client in
            try await client.execute(uri: "/v1/stations/nearest?lat=30&lng=120&x=" + String(repeating: "a", count: 2000), method: .get) { response in
                #expect(response.status == .uriTooLong)
                #expect(response.headers[.contentType] == "application/problem+json")
            }
            try await client.execute(uri: "/healthz", method: .get, headers: [HTTPField.Name("X-Padding")!: String(repeating: "b", count: 3000)]) { response in
                #expect(response.status == .requestHeaderFieldsTooLarge)
            }
            try await client.execute(uri: "/healthz", method: .get, body: ByteBuffer(repeating: 0x61, count: 5000)) { response in
                #expect(response.status == .contentTooLarge)
            }
        }
    }

    @Test func requestIDsAreEchoedOrMade() async throws {
        let logs = LogRecorder()
        try await Fixture.app(logs: logs).test(.router) { client in
            let id = HTTPField.Name("X-Request-Id")!
            try await client.execute(uri: "/healthz", method: .get, headers: [id: "abc-123_x.y"]) { response in
                #expect(response.headers[id] == "abc-123_x.y")
            }
            try await client.execute(uri: "/healthz", method: .get, headers: [id: "bad id with spaces"]) { response in
                let made = try #require(response.headers[id])
                #expect(made != "bad id with spaces")
                #expect(made.count == 32)
            }
            try await client.execute(uri: "/v1/stations/nearest?lat=x", method: .get, headers: [id: "req-400"]) { response in
                #expect(response.headers[id] == "req-400")
                let json = try response.json()
                #expect(json["request_id"] as? String == "req-400")
            }
        }
        // The access log: one structured line per request, dotted keys.
        let records = logs.records.withLock { $0 }.filter { $0.message == "request" }
        #expect(records.count == 3)
        let last = try #require(records.last)
        #expect(last.metadata["request.id"] == "req-400")
        #expect(last.metadata["http.status"] == "400")
        #expect(last.metadata["http.method"] == "GET")
        #expect(last.metadata["http.route"] == "/v1/stations/nearest")
        #expect(Double(last.metadata["http.duration_ms"] ?? "") != nil)
    }
}

@Suite struct ServiceRouteTests {
    @Test func healthAndReadiness() async throws {
        try await Fixture.app().test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
                let json = try response.json()
                #expect(json["status"] as? String == "ok")
            }
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .ok)
                let json = try response.json()
                #expect(json["stations"] as? Int == 2045)
            }
        }
        try await Fixture.app(finder: StationFinder(.empty)).test(.router) { client in
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
            }
        }
    }

    @Test func metricsCountRequestsPerRouteAndStatus() async throws {
        try await Fixture.app().test(.router) { client in
            for _ in 0..<3 { try await client.execute(uri: "/v1/stations/nearest?lat=30.259&lng=120.13", method: .get) }
            try await client.execute(uri: "/v1/stations/nearest?lat=x&lng=1", method: .get)
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
                let text = response.text
                #expect(text.contains(#"http_requests_total{method="GET",route="/v1/stations/nearest",status="200"} 3"#))
                #expect(text.contains(#"http_requests_total{method="GET",route="/v1/stations/nearest",status="400"} 1"#))
                #expect(text.contains(#"http_request_duration_seconds_count{method="GET",route="/v1/stations/nearest"} 4"#))
                #expect(text.contains("liaison_index_stations 2045"))
                #expect(text.contains(#"liaison_build_info{version="test"} 1"#))
            }
        }
    }

    /// The document lists exactly the routes the router serves.
    @Test func openAPIDocumentsEveryRouteAndNoOther() async throws {
        let document = try #require(try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.bytes)) as? [String: Any])
        #expect((document["openapi"] as? String)?.hasPrefix("3.1") == true)
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        let documented = Set(paths.flatMap { path, operations in
            operations.keys.filter { ["get", "post", "put", "patch", "delete"].contains($0) }.map { "\($0.uppercased()) \(path)" }
        })
        let served = Set(routeTable(services: try LiaisonServices(database: Fixture.database, complaints: Fixture.complaints), settings: Fixture.settings()).routes.filter(\.documented).map { "\($0.method.rawValue) \($0.path)" })
        #expect(documented == served)
        try await Fixture.app().test(.router) { client in
            try await client.execute(uri: "/openapi.json", method: .get) { response in
                #expect(response.status == .ok)
                #expect(Array(Data(buffer: response.body)) == OpenAPIDocument.bytes)
            }
        }
    }
}

/// A real server on an ephemeral loopback port, spoken to over TCP.
@Suite(.tags(.slow)) struct LiveServerTests {
    @Test func liveServerAnswersNearest() async throws {
        try await Fixture.app().test(.live) { client in
            #expect(client.port != nil && client.port != 0)
            try await client.execute(uri: "/v1/stations/nearest?lat=30.259&lng=120.13&limit=3", method: .get) { response in
                #expect(response.status == .ok)
                let stations = try response.json()["stations"] as? [[String: Any]] ?? []
                #expect(stations.compactMap { $0["id"] as? String } == Fixture.snapshot.nearest(
                    try NearestQuery.validated(latitude: 30.259, longitude: 120.13, limit: 3, counties: Fixture.snapshot.counties)).map(\.station.id))
            }
            try await client.execute(uri: "/v1/stations/nearest", method: .post) { response in
                #expect(response.status == .methodNotAllowed)
            }
        }
    }
}

/// Slow clients cannot hold a connection by dripping a request head.
@Suite(.tags(.slow)) struct SlowClientTests {
    /// A socket connected to 127.0.0.1:`port` whose reads wait at most 200 ms; nil when the connection fails.
    static func connectLoopback(port: Int) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { close(fd); return nil }
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    @Test func aDrippedRequestHeadIsCutOff() async throws {
        let settings = ServerSettings(port: 0, idleTimeoutSeconds: 1)
        try await Fixture.app(settings: settings).test(.live) { client in
            let port = try #require(client.port)
            let fd = try #require(Self.connectLoopback(port: port))
            defer { close(fd) }
            _ = "GET /healthz HTTP/1.1\r\nHost: x\r\n".withCString { send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
            // Drip one header line every 200 ms for up to 6 s: five times the deadline.
            var closedByServer = false
            for _ in 0..<30 {
                var byte: UInt8 = 0
                if recv(fd, &byte, 1, 0) == 0 { closedByServer = true; break }
                if "X-Drip: 1\r\n".withCString({ send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }) < 0 { closedByServer = true; break }
            }
            #expect(closedByServer)
        }
    }

    /// Each dripped chunk resets the idle timeout; the request deadline (head to end of body) does not wait.
    @Test func aDrippedRequestBodyIsCutOffAtTheDeadline() async throws {
        var settings = Fixture.settings()
        settings.idleTimeoutSeconds = 30
        settings.requestDeadlineSeconds = 1
        try await Fixture.app(settings: settings).test(.live) { client in
            let port = try #require(client.port)
            let fd = try #require(Self.connectLoopback(port: port))
            defer { close(fd) }
            let head = "POST /v1/complaints HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nIdempotency-Key: drip-1\r\nContent-Length: 1000\r\n\r\n"
            _ = head.withCString { send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
            // Drip one byte every 200 ms for up to 6 s: six times the deadline, never idle for 30 s.
            let clock = ContinuousClock(), start = clock.now
            var closedByServer = false
            for _ in 0..<30 {
                var byte: UInt8 = 0
                if recv(fd, &byte, 1, 0) == 0 { closedByServer = true; break }
                if " ".withCString({ send(fd, $0, 1, Int32(MSG_NOSIGNAL)) }) < 0 { closedByServer = true; break }
            }
            #expect(closedByServer, "still open after \(clock.now - start) of dripping")
            // The server goes on answering.
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
        }
    }
}
