import Foundation

/// One process run to its end with posix_spawn and reaped with wait4, for what only the parent
/// can see of it: its wall time and its peak resident set. Stdin is `/dev/null`, stdout goes to
/// a file, stderr is discarded. (The CLI benchmark and the batch lookups' memory test.)
public enum MeasuredProcess {
    public struct Result: Sendable {
        /// The exit status, or -1 when a signal ended it.
        public let status: Int32
        public let seconds: Double
        public let maxRSSKiB: Int
    }

    public struct SpawnError: Error, CustomStringConvertible {
        public let description: String
    }

    public static func run(_ executable: String, _ arguments: [String], stdout: String) throws -> Result {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let clock = ContinuousClock(), start = clock.now
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard spawned == 0 else { throw SpawnError(description: "cannot start \(executable): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let elapsed = (clock.now - start).components
        return Result(status: (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1,
                      seconds: Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18, maxRSSKiB: usage.ru_maxrss)
    }
}
