#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import GRDB
import Synchronization

/// SpatiaLite's entry points, loaded with the first connection rather than at process start.
///
/// Linked normally, SpatiaLite and what it needs (PROJ with libcurl and GnuTLS, GEOS,
/// libxml2: some 50 libraries) would be loaded before `main` by every run of `liaison`, about
/// 15 ms, even by a one-shot lookup that reads the file without it (``LookupFile``). It uses
/// the SQLite this process already has (the system `libsqlite3.so.0`), so there is still one
/// SQLite in the process.
struct SpatiaLiteLibrary: Sendable {
    typealias Alloc = @convention(c) () -> UnsafeMutableRawPointer?
    typealias Init = @convention(c) (OpaquePointer?, UnsafeRawPointer?, Int32) -> Void
    typealias Cleanup = @convention(c) (UnsafeMutableRawPointer?) -> Void

    let allocConnection: Alloc
    let initialize: Init
    let cleanup: Cleanup

    #if os(macOS)
    static let fileName = "libspatialite.dylib"
    #else
    static let fileName = "libspatialite.so.7"
    #endif

    /// Loaded once per process; the error says what is missing and how to install it.
    static let shared: Result<SpatiaLiteLibrary, StoreError> = load()

    private static func load() -> Result<SpatiaLiteLibrary, StoreError> {
        guard let handle = dlopen(fileName, RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "not found"
            return .failure(StoreError(message: "could not load SpatiaLite (\(fileName)): \(reason); install it with tools/setup (Debian: libspatialite7)"))
        }
        func symbol<F>(_ name: String, as type: F.Type) -> F? {
            dlsym(handle, name).map { unsafeBitCast($0, to: type) }
        }
        guard let alloc = symbol("spatialite_alloc_connection", as: Alloc.self),
              let initialize = symbol("spatialite_init_ex", as: Init.self),
              let cleanup = symbol("spatialite_cleanup_ex", as: Cleanup.self) else {
            return .failure(StoreError(message: "\(fileName) lacks spatialite_init_ex: SpatiaLite 4.3 or later is needed"))
        }
        return .success(SpatiaLiteLibrary(allocConnection: alloc, initialize: initialize, cleanup: cleanup))
    }
}

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
        let spatialite = try SpatiaLiteLibrary.shared.get()
        guard let handle = db.sqliteConnection, let cache = spatialite.allocConnection() else {
            throw StoreError(message: "could not allocate a SpatiaLite connection cache")
        }
        spatialite.initialize(handle, cache, 0)
        addresses.withLock { $0.append(UInt(bitPattern: cache)) }
    }

    /// Frees every cache. Call only after all connections are closed.
    @_spi(Benchmark) public func freeAll() {
        let all = addresses.withLock { list in defer { list = [] }; return list }
        guard !all.isEmpty, case .success(let spatialite) = SpatiaLiteLibrary.shared else { return }
        for address in all {
            if let cache = UnsafeMutableRawPointer(bitPattern: address) { spatialite.cleanup(cache) }
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

/// The store answers but cannot take writes: its disk is full or its file read-only. Not the
/// client's fault and not a bug: the operator must free space (or remount), and a retry after
/// that succeeds. HTTP answers 503 with `Retry-After`.
public struct StoreNotWritable: Error, Sendable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }

    /// `error` as a refusal to write, when it is one: SQLite's SQLITE_FULL (disk or
    /// `max_page_count` full) and SQLITE_READONLY.
    public static func classify(_ error: any Error) -> StoreNotWritable? {
        if let refusal = error as? StoreNotWritable { return refusal }
        guard let error = error as? DatabaseError else { return nil }
        switch error.resultCode {
        case .SQLITE_FULL: return StoreNotWritable("the database's disk is full: \(error.message ?? "SQLITE_FULL")")
        case .SQLITE_READONLY: return StoreNotWritable("the database is read-only: \(error.message ?? "SQLITE_READONLY")")
        default: return nil
        }
    }
}

public struct StoreError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }

    public init(message: String) {
        self.message = message
    }
}
