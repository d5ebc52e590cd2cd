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
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            process.terminationHandler = { _ in continuation.resume() }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        return ChildOutput(command: [executable.lastPathComponent] + arguments, status: process.terminationStatus,
                           stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
                           stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }

    /// Runs a tool found on `PATH` (`spatialite`, `ogrinfo`, `pdftotext`, …).
    public static func tool(_ name: String, _ arguments: [String], in directory: URL) async throws -> ChildOutput {
        try await run(URL(fileURLWithPath: "/usr/bin/env"), [name] + arguments, in: directory)
    }
}
