import Foundation

/// What a finished child process printed.
public struct ChildOutput: Sendable, CustomStringConvertible {
    public let command: [String]
    public let status: Int32
    public let stdout: String
    public let stderr: String

    public var description: String {
        "\(command.joined(separator: " ")) exited \(status)\n--- stdout ---\n\(stdout)\n--- stderr ---\n\(stderr)"
    }
}

/// Runs programs to completion, the way a shell would, with output captured in files (pipes
/// can fill and stall a child that prints a lot).
public enum ChildProcess {
    /// Runs `executable` with `arguments` in `directory`, stdin from `stdin` (else `/dev/null`).
    /// `environment` replaces the test's own when given.
    public static func run(_ executable: URL, _ arguments: [String], in directory: URL,
                           environment: [String: String]? = nil, stdin: URL? = nil) async throws -> ChildOutput {
        let io = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-io-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: io, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: io) }
        let outURL = io.appendingPathComponent("stdout"), errURL = io.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        defer { try? out.close(); try? err.close() }

        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.currentDirectoryURL = directory
        process.standardInput = try stdin.map { try FileHandle(forReadingFrom: $0) } ?? FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let status = try await ChildExit.wait(for: process)
        return ChildOutput(command: [executable.lastPathComponent] + arguments, status: status,
                           stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
                           stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }

    /// Runs a tool found on `PATH` (`spatialite`, `ogrinfo`, `pdftotext`, …).
    public static func tool(_ name: String, _ arguments: [String], in directory: URL) async throws -> ChildOutput {
        try await run(URL(fileURLWithPath: "/usr/bin/env"), [name] + arguments, in: directory)
    }
}

/// Waiting for a child to end without trusting Foundation's exit monitor alone.
///
/// On Linux that monitor once missed a child's exit in CI: the child stayed a zombie, never
/// reaped, and a test awaiting `terminationHandler` waited until the job was killed. So this
/// polls: Foundation's answer when it has one, and when the child has been a zombie (state
/// `Z` in `/proc/PID/stat`) for two seconds with no answer, it reaps the child itself.
public enum ChildExit {
    /// The exit status (or the signal number that ended it, as Foundation reports it), or nil
    /// when `timeout` passes first. Without a timeout it waits as long as the child runs.
    public static func wait(for process: Process, timeout: Duration? = nil) async throws -> Int32 {
        let pid = process.processIdentifier
        let clock = ContinuousClock(), start = clock.now
        var zombieSince: ContinuousClock.Instant?
        while true {
            if !process.isRunning { return process.terminationStatus }
            if isZombie(pid) {
                let since = zombieSince ?? clock.now
                zombieSince = since
                if clock.now - since > .seconds(2) {
                    var raw: Int32 = 0
                    let reaped = waitpid(pid, &raw, WNOHANG)
                    if reaped == pid { return decode(raw) }
                    // ECHILD: Foundation reaped it meanwhile; its answer is a poll away.
                }
            } else {
                zombieSince = nil
            }
            if let timeout, clock.now - start > timeout { throw TimedOut(pid: pid, after: timeout) }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    public struct TimedOut: Error, CustomStringConvertible {
        public let pid: Int32
        public let after: Duration
        public var description: String { "process \(pid) still running after \(after)" }
    }

    /// True when `/proc/PID/stat` says the process has exited and waits to be reaped.
    public static func isZombie(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        return stat[close...].dropFirst().trimmingCharacters(in: .whitespaces).first == "Z"
    }

    /// `waitpid`'s status as Foundation's `terminationStatus` gives it: the exit code, or the
    /// number of the signal that ended the process.
    public static func decode(_ raw: Int32) -> Int32 {
        let signal = raw & 0x7f
        return signal == 0 ? (raw >> 8) & 0xff : signal
    }
}
