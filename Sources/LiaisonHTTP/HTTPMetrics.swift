import Metrics
import Prometheus
import Synchronization

/// The server's Prometheus metrics, in its own registry (so every app, and every test,
/// has its own; nothing is bootstrapped globally).
public final class HTTPMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    private let counters = Mutex<[String: Metrics.Counter]>([:])
    private let timers = Mutex<[String: Metrics.Timer]>([:])
    private let indexStations: Metrics.Gauge
    private let outbox: [String: Metrics.Gauge]

    public init(version: String) {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2.5), .milliseconds(5),
            .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1),
        ]
        self.factory = factory
        indexStations = Metrics.Gauge(label: "liaison_index_stations", dimensions: [], factory: factory)
        outbox = Dictionary(uniqueKeysWithValues: ["pending", "failed"].map {
            ($0, Metrics.Gauge(label: "liaison_sms_outbox_messages", dimensions: [("status", $0)], factory: factory))
        })
        Metrics.Gauge(label: "liaison_build_info", dimensions: [("version", version)], factory: factory).record(1)
    }

    /// Counts one answered request and its latency.
    func record(method: String, route: String, status: Int, duration: Duration) {
        let counterKey = "\(method) \(route) \(status)"
        let counter = counters.withLock { cache -> Metrics.Counter in
            if let c = cache[counterKey] { return c }
            let c = Metrics.Counter(label: "http_requests_total", dimensions: [("method", method), ("route", route), ("status", String(status))], factory: factory)
            cache[counterKey] = c
            return c
        }
        counter.increment()
        let timerKey = "\(method) \(route)"
        let timer = timers.withLock { cache -> Metrics.Timer in
            if let t = cache[timerKey] { return t }
            let t = Metrics.Timer(label: "http_request_duration_seconds", dimensions: [("method", method), ("route", route)], factory: factory)
            cache[timerKey] = t
            return t
        }
        timer.recordNanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    /// Sets the number of active stations in the index.
    public func indexed(stations: Int) {
        indexStations.record(stations)
    }

    /// Sets the text messages in the outbox by state (read at each scrape; alert on `failed`).
    public func outbox(_ counts: [String: Int]) {
        for (status, gauge) in outbox { gauge.record(counts[status] ?? 0) }
    }

    /// The Prometheus text exposition of every metric.
    public func exposition() -> [UInt8] {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}
