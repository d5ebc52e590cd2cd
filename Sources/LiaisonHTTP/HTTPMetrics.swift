import Foundation
import Prometheus
import Synchronization

/// The server's Prometheus metrics, in its own registry (so every app, and every test, has its
/// own; nothing is bootstrapped globally). Every metric has `# HELP` and `# TYPE`; the gauges
/// of the store, the outbox and the process are read at each scrape (``scraped(_:)``).
/// `promtool check metrics` passes on the exposition (a test runs it).
public final class HTTPMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let requests = Mutex<[String: Counter]>([:])
    private let durations = Mutex<[String: DurationHistogram]>([:])
    private let indexStations: Gauge
    private let outbox: [String: Gauge]
    private let oldestPending: Gauge
    /// Gauges made when first set, so a store without a file (PostgreSQL) shows none of them.
    private let lazyGauges = Mutex<[String: Gauge]>([:])

    static let buckets: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2.5), .milliseconds(5),
        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1),
    ]

    public init(version: String) {
        let r = PrometheusCollectorRegistry()
        registry = r
        r.makeGauge(descriptor: Self.named("liaison_build_info", "The running release: always 1, its version as a label."), labels: [("version", version)]).set(Double(1))
        indexStations = r.makeGauge(descriptor: Self.named("liaison_index_stations", "Active stations in this process's spatial index."))
        outbox = Dictionary(uniqueKeysWithValues: ["pending", "failed"].map {
            ($0, r.makeGauge(descriptor: Self.named("liaison_sms_outbox_messages",
                                                    "Text messages in the outbox by status: pending (waiting or being retried) and failed (given up; alert on it)."),
                             labels: [("status", $0)]))
        })
        oldestPending = r.makeGauge(descriptor: Self.named("liaison_sms_outbox_oldest_pending_seconds",
                                                           "Age of the oldest text still waiting to be sent (0 when none waits)."))
    }

    private func set(_ name: String, _ value: Double) {
        let gauge = lazyGauges.withLock { cache -> Gauge in
            if let g = cache[name] { return g }
            let g = registry.makeGauge(descriptor: Self.named(name, Self.help[name] ?? name))
            cache[name] = g
            return g
        }
        gauge.set(value)
    }

    /// A metric's whole name (the descriptor's other parts left empty, so nothing is joined to it) and its `# HELP`.
    static func named(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    static let help = [
        "liaison_database_bytes": "Size of the SQLite database file (absent on PostgreSQL).",
        "liaison_database_wal_bytes": "Size of the SQLite write-ahead log (absent on PostgreSQL).",
        "liaison_database_disk_free_bytes": "Free bytes on the database's file system for unprivileged users; /readyz fails below --min-free-disk-mb.",
        "liaison_complaints_open": "Complaints neither closed nor withdrawn.",
        "liaison_complaints_overdue": "Open complaints the complaint watch has reported overdue on at least one deadline (alert when it rises).",
        "process_resident_memory_bytes": "Resident memory of this process.",
        "process_open_fds": "Open file descriptors of this process.",
    ]

    /// Counts one answered request and its latency.
    func record(method: String, route: String, status: Int, duration: Duration) {
        let key = "\(method) \(route) \(status)"
        let counter = requests.withLock { cache -> Counter in
            if let c = cache[key] { return c }
            let c = registry.makeCounter(descriptor: Self.named("http_requests_total", "HTTP requests answered, by method, route template and status."),
                                         labels: [("method", method), ("route", route), ("status", String(status))])
            cache[key] = c
            return c
        }
        counter.increment()
        let timerKey = "\(method) \(route)"
        let histogram = durations.withLock { cache -> DurationHistogram in
            if let h = cache[timerKey] { return h }
            let h = registry.makeDurationHistogram(descriptor: Self.named("http_request_duration_seconds", "Time to answer an HTTP request, by method and route template."),
                                                   labels: [("method", method), ("route", route)], buckets: Self.buckets)
            cache[timerKey] = h
            return h
        }
        histogram.record(duration)
    }

    /// Sets the number of active stations in the index.
    public func indexed(stations: Int) {
        indexStations.set(Double(stations))
    }

    /// Sets the text messages in the outbox by state (read at each scrape; alert on `failed`).
    public func outbox(_ counts: [String: Int]) {
        for (status, gauge) in outbox { gauge.set(Double(counts[status] ?? 0)) }
    }

    /// What a scrape reads besides the outbox counts.
    public struct Scrape: Sendable {
        public var oldestPendingText: Date?
        public var databaseBytes: Int64?
        public var walBytes: Int64?
        public var freeDiskBytes: Int64?
        public var complaints: (open: Int, overdue: Int)?

        public init(oldestPendingText: Date? = nil, databaseBytes: Int64? = nil, walBytes: Int64? = nil, freeDiskBytes: Int64? = nil,
                    complaints: (open: Int, overdue: Int)? = nil) {
            self.complaints = complaints
            self.oldestPendingText = oldestPendingText
            self.databaseBytes = databaseBytes
            self.walBytes = walBytes
            self.freeDiskBytes = freeDiskBytes
        }
    }

    /// Sets the gauges a scrape reads: the store's, the outbox's oldest text, the process's.
    public func scraped(_ s: Scrape, now: Date = Date()) {
        oldestPending.set(s.oldestPendingText.map { max(0, now.timeIntervalSince($0)) } ?? 0)
        if let bytes = s.databaseBytes { set("liaison_database_bytes", Double(bytes)) }
        if let bytes = s.walBytes { set("liaison_database_wal_bytes", Double(bytes)) }
        if let bytes = s.freeDiskBytes { set("liaison_database_disk_free_bytes", Double(bytes)) }
        if let complaints = s.complaints {
            set("liaison_complaints_open", Double(complaints.open))
            set("liaison_complaints_overdue", Double(complaints.overdue))
        }
        if let resident = Self.residentMemoryBytes() { set("process_resident_memory_bytes", Double(resident)) }
        if let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") { set("process_open_fds", Double(fds.count)) }
    }

    /// Resident pages (`/proc/self/statm`'s second field) times the page size.
    static func residentMemoryBytes() -> Int64? {
        guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
        let fields = statm.split(separator: " ")
        guard fields.count > 1, let pages = Int64(fields[1]) else { return nil }
        return pages * Int64(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// The Prometheus text exposition of every metric.
    public func exposition() -> [UInt8] {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}
