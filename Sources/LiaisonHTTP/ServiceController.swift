internal import CServedFiles
import Foundation
import Hummingbird
import LiaisonCore
import LiaisonStore

/// Health, readiness, metrics and the API description.
struct ServiceController {
    let finder: StationFinder
    let health: any StoreHealth
    let outbox: any OutboxStore
    let serviceLevels: any ServiceLevelStore
    let metrics: HTTPMetrics
    /// Free disk below this is not ready (`--min-free-disk-mb`).
    let minFreeDiskBytes: Int64

    var endpoints: [Endpoint] {
        [.get("/healthz", healthz), .get("/readyz", readyz), .get("/metrics", exposition), .get("/openapi.json", openAPI)]
    }

    struct Status: Encodable {
        let status: String
        let stations: Int?
        let detail: String?
    }

    /// The process is alive.
    @Sendable func healthz(_ request: Request, context: AppRequestContext) throws -> Response {
        JSONResponse.make(Array(try JSONOutput.encode(Status(status: "ok", stations: nil, detail: nil))), for: request, cacheable: false)
    }

    /// The index is loaded, the database answers and can take writes, and its disk has room:
    /// else 503 with `Retry-After`, so a balancer sends intake elsewhere until it recovers.
    @Sendable func readyz(_ request: Request, context: AppRequestContext) async throws -> Response {
        let stations = finder.snapshot.activeCount
        var problem: String?
        if stations == 0 { problem = "the station index is empty" }
        // Off the event loop: a database that does not answer makes the ping wait (at most 5 s).
        let health = self.health, minFree = minFreeDiskBytes
        do {
            try await blocking { try health.ping() }
            try await blocking { try health.checkWritable(minFreeBytes: minFree) }
        } catch let refusal as StoreNotWritable {
            problem = "the database cannot take writes: \(refusal)"
        } catch {
            problem = "the database does not answer: \(error)"
        }
        let body = Array(try JSONOutput.encode(Status(status: problem == nil ? "ready" : "not ready", stations: stations, detail: problem)))
        var response = JSONResponse.make(body, for: request, cacheable: false)
        if problem != nil {
            response.status = .serviceUnavailable
            response.headers[.retryAfter] = "30"
        }
        return response
    }

    @Sendable func exposition(_ request: Request, context: AppRequestContext) async throws -> Response {
        let outbox = self.outbox, health = self.health, serviceLevels = self.serviceLevels
        // The store's counts in one trip off the event loop.
        let (texts, oldest, complaints) = try await blocking {
            (try outbox.waitingAndFailed(), try outbox.oldestPending(), try serviceLevels.openComplaintCounts())
        }
        metrics.outbox(texts)
        let storage = health.storageBytes()
        metrics.scraped(HTTPMetrics.Scrape(oldestPendingText: oldest, databaseBytes: storage?.database, walBytes: storage?.wal,
                                           freeDiskBytes: storage?.freeDisk, complaints: complaints))
        // The register as this process queries it now, not as it was at start-up.
        metrics.indexed(stations: finder.snapshot.activeCount)
        return JSONResponse.make(metrics.exposition(), for: request, contentType: "text/plain; version=0.0.4; charset=utf-8", cacheable: false)
    }

    /// The OpenAPI 3.1 document, served as it is kept in the repo.
    @Sendable func openAPI(_ request: Request, context: AppRequestContext) throws -> Response {
        JSONResponse.make(OpenAPIDocument.bytes, for: request)
    }
}

/// `Sources/LiaisonHTTP/openapi.json`, compiled into the binary (CServedFiles), so the binary
/// serves it with no resource bundle beside it.
public enum OpenAPIDocument {
    public static let bytes: [UInt8] = liaison_openapi_document.contents
}

extension liaison_served_file {
    /// A copy of the file's bytes.
    var contents: [UInt8] { Array(UnsafeBufferPointer(start: bytes, count: count)) }
}
