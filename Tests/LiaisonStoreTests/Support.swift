import Foundation
import LiaisonCore
import LiaisonStore
import Testing

/// The repository's `geodata/` folder, which every new database is made from.
let geodataURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../../geodata").standardizedFileURL

/// The register as the geodata files say it is, parsed once without any database.
enum Reference {
    private static let loaded: Result<(counties: [County], stations: [Station]), any Error> = Result {
        let geodata = GeodataDirectory(url: geodataURL)
        let counties = try geodata.counties()
        return (counties, try geodata.stations(counties: CountyLocator(counties)))
    }

    static func counties() throws -> [County] { try loaded.get().counties }
    static func stations() throws -> [Station] { try loaded.get().stations }
}

/// A fresh temporary folder per test, removed when the test's suite instance goes away.
final class ScratchFolder: Sendable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-store-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    func contents() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
    }
}

/// What an external tool printed.
struct ToolOutput {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// Runs a command-line tool (found on `PATH`) to completion, capturing its output.
func runTool(_ name: String, _ arguments: [String], in folder: ScratchFolder) async throws -> ToolOutput {
    let io = folder.url.deletingLastPathComponent().appendingPathComponent("liaison-store-io-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: io, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: io) }
    let outURL = io.appendingPathComponent("stdout"), errURL = io.appendingPathComponent("stderr")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
    defer { try? out.close(); try? err.close() }

    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [name] + arguments
    process.currentDirectoryURL = folder.url
    process.standardInput = FileHandle.nullDevice
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
    return ToolOutput(status: process.terminationStatus,
                      stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
                      stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
}
