/// How the server listens and what it tolerates. (What it serves is ``LiaisonServices``.)
public struct ServerSettings: Sendable {
    public var host: String
    public var port: Int
    /// Connections idle this long are closed (seconds), so slow clients cannot hold them.
    public var idleTimeoutSeconds: Int64
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

    public init(host: String = "127.0.0.1", port: Int = 8080, idleTimeoutSeconds: Int64 = 30, maxConnections: Int = 4096,
                maxURIBytes: Int = 8192, maxHeaderBytes: Int = 16384, maxBodyBytes: Int = ServerSettings.defaultMaxBodyBytes,
                maxImportBytes: Int = 64 << 20) {
        self.host = host
        self.port = port
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.maxConnections = maxConnections
        self.maxURIBytes = maxURIBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.maxBodyBytes = maxBodyBytes
        self.maxImportBytes = maxImportBytes
    }

    public static let importPath = "/v1/imports/stations"

    /// The body limit of a request to `path`.
    public func maxBodyBytes(path: String) -> Int {
        path == Self.importPath ? maxImportBytes : maxBodyBytes
    }
}
