import Foundation
import LiaisonStore
import Logging

/// The database `geodata/` makes, built once per test process and copied for each test that
/// needs one: building it takes seconds, a copy takes milliseconds.
///
/// The template is closed (its WAL checkpointed) before the first copy is taken, so a copy is
/// the one `.sqlite` file; a test that opens it migrates and writes its own copy only.
public enum TemplateDatabase {
    private static let folder = FileManager.default.temporaryDirectory
        .appendingPathComponent("liaison-template-\(ProcessInfo.processInfo.processIdentifier)")

    private static let built: Result<String, any Error> = Result {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: TemplateDatabase.folder) }
        let path = folder.appendingPathComponent("liaison.sqlite").path
        try {
            _ = try LiaisonDatabase.openOrCreate(path: path, geodata: GeodataDirectory(url: Repository.geodata),
                                                 logger: Logger(label: "template") { _ in SwiftLogNoOpLogHandler() })
        }()
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0 != "liaison.sqlite" }
        guard leftovers.isEmpty else {
            throw TemplateError(description: "the template database left \(leftovers) after it closed")
        }
        return path
    }

    /// Writes a copy of the template at `path` (which must not exist yet).
    public static func copy(to path: String) throws {
        try FileManager.default.copyItem(atPath: try built.get(), toPath: path)
    }

    /// A copy of the template at `path`, opened as the service opens a database.
    public static func open(at path: String, logger: Logger = Logger(label: "liaison.store")) throws -> LiaisonDatabase {
        try copy(to: path)
        return try LiaisonDatabase.openOrCreate(path: path, geodata: GeodataDirectory(url: Repository.geodata), logger: logger)
    }

    /// A copy for a whole suite's life, kept beside the template and removed with it when the
    /// test process exits (a suite's static fixture has no deinit to clean up after it).
    public static func openForProcess(_ name: String) throws -> LiaisonDatabase {
        _ = try built.get()
        return try open(at: folder.appendingPathComponent(name).path)
    }

    struct TemplateError: Error, CustomStringConvertible {
        let description: String
    }
}
