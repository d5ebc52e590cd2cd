import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LiaisonCore
import LiaisonHTTP
import LiaisonStore
import LiaisonTestSupport
import Logging
import Synchronization

/// One database made from geodata/ for the whole suite (a real SpatiaLite file), and a
/// fresh application per test.
enum Fixture {
    static let database: LiaisonDatabase = try! TemplateDatabase.openForProcess("http-fixture.sqlite")

    static let snapshot: StationSnapshot = try! database.snapshot()

    /// The shipped service levels and working-day calendar.
    static let complaints = ComplaintDesk.Settings(serviceClock: try! GeodataDirectory(url: Repository.geodata).serviceClock(),
                                                   courts: try! GeodataDirectory(url: Repository.geodata).courts())

    /// The route tests' server: anonymous intake (as in development: the tests file complaints
    /// without a client key) and limits no test reaches; IntakeLimitTests test the defaults.
    static func settings(port: Int = 0) -> ServerSettings {
        var settings = ServerSettings(port: port)
        settings.anonymousIntake = true
        settings.clientIntakeBurst = 1_000_000
        settings.consumerIntakeBurst = 1_000_000
        settings.readsBurstPerIP = 1_000_000
        return settings
    }

    static func app(settings: ServerSettings = Fixture.settings(), finder: StationFinder = StationFinder(snapshot),
                    metrics: HTTPMetrics = HTTPMetrics(version: "test"), logs: LogRecorder? = nil) -> some ApplicationProtocol {
        var logger = Logger(label: "test") { label in logs.map { $0 as any LogHandler } ?? SwiftLogNoOpLogHandler() }
        logger.logLevel = .info
        return buildApplication(settings: settings, services: LiaisonServices(database: database, complaints: complaints, finder: finder),
                                metrics: metrics, logger: logger)
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    func json() throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any] ?? [:]
    }

    /// The names in a problem's `invalid_params`.
    func invalidParameterNames() throws -> [String] {
        (try json()["invalid_params"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
    }
}

/// Collects log records so tests can check the access log's structured metadata.
final class LogRecorder: LogHandler, @unchecked Sendable {
    // @unchecked: all mutable state is behind `records`' Mutex; the other properties are
    // set once by swift-log before use.
    struct Record: Sendable {
        let message: String
        let metadata: [String: String]
    }

    let records = Mutex<[Record]>([])
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let fields = (event.metadata ?? [:]).mapValues { "\($0)" }
        records.withLock { $0.append(Record(message: "\(event.message)", metadata: fields)) }
    }
}
