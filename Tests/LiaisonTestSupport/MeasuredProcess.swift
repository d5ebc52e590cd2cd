import Foundation

/// One process run to its end with posix_spawn and reaped with wait4, for what only the parent
/// can see of it: its wall time and its peak resident set. Stdin is `/dev/null`, stdout goes to
/// a file, stderr is discarded. (The CLI benchmark and the batch lookups' memory test.)
///
/// The peak resident set is the child's own `VmHWM`, read from `/proc/PID/status` while it
/// runs, not wait4's `ru_maxrss`: a child started by posix_spawn (vfork) inherits the parent's
/// high-water mark at its exec, so `ru_maxrss` was at least the size of the test process (it
/// read 933 MB for a 60 MB run).
public enum MeasuredProcess {
    public struct Result: Sendable {
        /// The exit status, or -1 when a signal ended it.
        public let status: Int32
        public let seconds: Double
        /// The child's peak resident set, sampled every 2 ms (0 when not asked for, or when it
        /// ended before the first sample).
        public let maxRSSKiB: Int
    }

    public struct SpawnError: Error, CustomStringConvertible {
        public let description: String
    }

    /// - Parameter peakMemory: whether to sample the child's peak resident set (which adds up
    ///   to 2 ms to the measured time, so one-shot timings leave it off).
    public static func run(_ executable: String, _ arguments: [String], stdout: String, peakMemory: Bool = false) throws -> Result {
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
        var peak = 0
        if peakMemory {
            // VmHWM is a high-water mark: the last sample before the exit holds all but its last 2 ms.
            while true {
                peak = max(peak, highWaterKiB(pid))
                let reaped = wait4(pid, &status, WNOHANG, nil)
                if reaped == pid || (reaped < 0 && errno != EINTR) { break }
                usleep(2_000)
            }
        } else {
            while wait4(pid, &status, 0, nil) < 0 && errno == EINTR {}
        }
        let elapsed = (clock.now - start).components
        return Result(status: (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1,
                      seconds: Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18, maxRSSKiB: peak)
    }

    /// `VmHWM` of a running process in KiB; 0 once it has exited (a zombie has no memory).
    static func highWaterKiB(_ pid: pid_t) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return 0 }
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
    }
}
