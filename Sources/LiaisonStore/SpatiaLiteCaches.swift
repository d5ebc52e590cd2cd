import CSpatiaLite
import GRDB
import Synchronization

/// The SpatiaLite connection caches of one database's connections.
///
/// GRDB opens connections lazily, so each one is initialised in `prepareDatabase`; the
/// caches are freed only after every connection is closed (``freeAll()``), as SpatiaLite
/// requires.
@_spi(Benchmark) public final class SpatiaLiteCaches: Sendable {
    /// Cache addresses as integers: raw pointers are not `Sendable`, and the caches are only
    /// touched by SpatiaLite through the connection they were registered with.
    private let addresses = Mutex<[UInt]>([])

    @_spi(Benchmark) public init() {}

    /// Loads SpatiaLite into a freshly opened connection.
    func initialize(_ db: Database) throws {
        guard let handle = db.sqliteConnection, let cache = spatialite_alloc_connection() else {
            throw StoreError(message: "could not allocate a SpatiaLite connection cache")
        }
        spatialite_init_ex(handle, cache, 0)
        addresses.withLock { $0.append(UInt(bitPattern: cache)) }
    }

    /// Frees every cache. Call only after all connections are closed.
    @_spi(Benchmark) public func freeAll() {
        let all = addresses.withLock { list in defer { list = [] }; return list }
        for address in all {
            if let cache = UnsafeMutableRawPointer(bitPattern: address) { spatialite_cleanup_ex(cache) }
        }
    }
}

/// A failure of the store that is not the caller's input.
/// The store cannot be reached now (the database server is down, restarting or out of
/// connections): nothing was done, and the same call may succeed shortly (HTTP 503).
public struct StoreUnavailable: Error, Sendable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}

public struct StoreError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }

    public init(message: String) {
        self.message = message
    }
}
