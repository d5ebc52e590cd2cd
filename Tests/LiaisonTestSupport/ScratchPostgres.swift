import Foundation

/// A PostgreSQL server for the tests of the PostgreSQL store: `$LIAISON_TEST_POSTGRES` (a
/// server URL whose user may create databases) when set, else a scratch server that
/// `tools/pg-scratch` starts once per test process on a free loopback port and stops at exit.
/// Each caller gets a database of its own, made from nothing.
public enum ScratchPostgres {
    private static let folder = FileManager.default.temporaryDirectory
        .appendingPathComponent("liaison-pg-\(ProcessInfo.processInfo.processIdentifier)")

    private static let server: Result<URLComponents, any Error> = Result {
        if let given = ProcessInfo.processInfo.environment["LIAISON_TEST_POSTGRES"], let url = URLComponents(string: given) {
            return url
        }
        let port = try freePort()
        atexit {
            _ = try? ScratchPostgres.spawn(Repository.root.appendingPathComponent("tools/pg-scratch").path, ["stop", ScratchPostgres.folder.path])
            try? FileManager.default.removeItem(at: ScratchPostgres.folder)
        }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let (status, printed, complaint) = try spawn(Repository.root.appendingPathComponent("tools/pg-scratch").path, ["start", folder.path, "\(port)"])
        guard status == 0, let url = URLComponents(string: printed.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw ScratchError(description: "tools/pg-scratch start failed (\(status)): \(complaint) (run tools/setup)")
        }
        return url
    }

    /// The URL of a new, empty database on the server, named after `label`.
    public static func newDatabase(_ label: String) throws -> String {
        var url = try server.get()
        let name = "t_\(label.lowercased().filter { $0.isLetter || $0.isNumber })_\(UInt32.random(in: 0...UInt32.max))"
        try psql(url, "CREATE DATABASE \(name)")
        url.path = "/" + name
        return url.string!
    }

    /// Runs one SQL statement with psql against `url`'s server (its maintenance database).
    public static func psql(_ url: URLComponents, _ sql: String, database: String = "postgres") throws {
        let (status, _, complaint) = try spawn("/usr/bin/psql", [
            "-h", url.host ?? "127.0.0.1", "-p", "\(url.port ?? 5432)", "-U", url.user ?? "postgres", "-d", database, "-v", "ON_ERROR_STOP=1", "-qc", sql,
        ])
        guard status == 0 else { throw ScratchError(description: "psql \(sql): \(complaint)") }
    }

    /// Runs SQL in the database of `url` (a URL `newDatabase` gave).
    public static func execute(_ sql: String, in url: String) throws {
        guard let components = URLComponents(string: url) else { throw ScratchError(description: "not a URL: \(url)") }
        try psql(components, sql, database: String(components.path.dropFirst()))
    }

    /// Everything the database at `url` holds, as `pg_dump --data-only` writes it.
    public static func dump(_ url: String) throws -> String {
        let (status, printed, complaint) = try spawn("/usr/bin/pg_dump", ["--data-only", "--no-owner", url])
        guard status == 0 else { throw ScratchError(description: "pg_dump: \(complaint)") }
        return printed
    }

    /// Runs a program to its end with posix_spawn and waitpid (Foundation's Process waits on a
    /// run loop that a synchronous test's thread does not turn), its output in files (the
    /// server pg_ctl starts inherits the descriptors: a pipe it held would never end).
    static func spawn(_ path: String, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let io = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-spawn-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: io, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: io) }
        let out = io.appendingPathComponent("out").path, err = io.appendingPathComponent("err").path
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, path, &actions, nil, argv, environ)
        guard spawned == 0 else { throw ScratchError(description: "cannot run \(path): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exit = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return (exit, (try? String(contentsOfFile: out, encoding: .utf8)) ?? "", (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
    }

    /// A loopback TCP port nothing listens on now.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ScratchError(description: "socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0 else { throw ScratchError(description: "bind() failed") }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    struct ScratchError: Error, CustomStringConvertible {
        let description: String
    }
}

/// A PostgreSQL server of one test's own, for tests that stop and start it (an outage):
/// `tools/pg-scratch` in a folder of its own on a free loopback port, removed at the end.
public final class PostgresServer: @unchecked Sendable {
    public let folder: URL
    public let port: Int
    /// The database `liaison` on it.
    public let url: String

    public init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-pgserver-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        port = try ScratchPostgres.freePort()
        let (status, printed, complaint) = try Self.tool(["start", folder.path, "\(port)"])
        guard status == 0 else { throw ScratchPostgres.ScratchError(description: "tools/pg-scratch start failed (\(status)): \(complaint) (run tools/setup)") }
        url = printed.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A fast shutdown (clients are disconnected), as an operator restarting PostgreSQL does.
    public func stop() throws {
        let (status, _, complaint) = try Self.tool(["stop", folder.path])
        guard status == 0 else { throw ScratchPostgres.ScratchError(description: "tools/pg-scratch stop failed: \(complaint)") }
    }

    public func start() throws {
        let (status, _, complaint) = try Self.tool(["start", folder.path, "\(port)"])
        guard status == 0 else { throw ScratchPostgres.ScratchError(description: "tools/pg-scratch start failed: \(complaint)") }
    }

    deinit {
        _ = try? Self.tool(["stop", folder.path])
        try? FileManager.default.removeItem(at: folder)
    }

    private static func tool(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try ScratchPostgres.spawn(Repository.root.appendingPathComponent("tools/pg-scratch").path, arguments)
    }
}
