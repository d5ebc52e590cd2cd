/// How the server listens and what it tolerates. (What it serves is ``LiaisonServices``.)
public struct ServerSettings: Sendable {
    public var host: String
    public var port: Int
    /// Connections idle this long are closed (seconds), so slow clients cannot hold them.
    public var idleTimeoutSeconds: Int64
    /// A request's head and body must arrive within this many seconds of each other, else the
    /// connection is closed (a body dripped a chunk at a time resets the idle timeout).
    public var requestDeadlineSeconds: Int64
    /// At most this many connections at once; more wait in the accept backlog.
    public var maxConnections: Int
    /// Longest request target (path and query) accepted; 414 above.
    public var maxURIBytes: Int
    /// Largest total of request header names and values accepted; 431 above.
    public var maxHeaderBytes: Int
    /// Largest request body accepted; 413 above.
    public var maxBodyBytes: Int
    /// Largest body of a bulk import (`POST /v1/imports/stations`): a whole register.
    public var maxImportBytes: Int

    public static let defaultMaxBodyBytes = 1 << 20

    /// Complaint intake without a client key (development only; README, Security).
    public var anonymousIntake = false
    /// Each client key's intake quota: a token bucket of this many a minute, up to the burst.
    public var clientIntakePerMinute = 30
    public var clientIntakeBurst = 60
    /// Quotas of particular client keys, by name, instead of the defaults: per minute and burst.
    public var clientQuotas: [String: (perMinute: Int, burst: Int)] = [:]
    /// Each consumer's (by `X-Consumer-Id`, per client): this many an hour, up to the burst.
    public var consumerIntakePerHour = 6
    public var consumerIntakeBurst = 3
    /// Anonymous reads per IP address: this many a minute, up to the burst.
    public var readsPerMinutePerIP = 1_200
    public var readsBurstPerIP = 300
    /// The time the rate limits' buckets refill by: the clock, unless a test stops it (a loaded
    /// machine can take longer between two requests than a bucket takes to refill).
    public var rateLimitClock: @Sendable () -> ContinuousClock.Instant = { .now }
    /// The service's public address (`https://liaison.example.gov.cn`): OGC links are built on it
    /// rather than on the request's `Host`.
    public var publicURL: String?
    /// The staff console's base map, sessions and where Leaflet is.
    public var console = ConsoleSettings()
    /// Proxies (by IP address) whose `X-Forwarded-For` names the client for per-address limits.
    public var trustedProxies: Set<String> = ["127.0.0.1", "::1"]
    /// `/readyz` is 503 when the database's disk has less free (`--min-free-disk-mb`): room
    /// for the WAL to grow and a checkpoint to run before writes start failing.
    public var minFreeDiskBytes: Int64 = 64 * 1_048_576

    public init(host: String = "127.0.0.1", port: Int = 8080, idleTimeoutSeconds: Int64 = 30, maxConnections: Int = 4096,
                maxURIBytes: Int = 8192, maxHeaderBytes: Int = 16384, maxBodyBytes: Int = ServerSettings.defaultMaxBodyBytes,
                maxImportBytes: Int = 64 << 20, requestDeadlineSeconds: Int64 = 60) {
        self.host = host
        self.port = port
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.maxConnections = maxConnections
        self.maxURIBytes = maxURIBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.maxBodyBytes = maxBodyBytes
        self.maxImportBytes = maxImportBytes
        self.requestDeadlineSeconds = requestDeadlineSeconds
    }

    public static let importPath = "/v1/imports/stations"

    /// The body limit of a request to `path`.
    public func maxBodyBytes(path: String) -> Int {
        path == Self.importPath ? maxImportBytes : maxBodyBytes
    }
}
