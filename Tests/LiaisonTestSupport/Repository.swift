import Foundation

/// Where things are in this repository, found from this file's own path.
public enum Repository {
    /// The repository's root folder (the one holding `Package.swift`).
    public static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .standardizedFileURL

    /// `geodata/`, which every new database is made from.
    public static let geodata = root.appendingPathComponent("geodata")

    /// A file of `Tests/Fixtures/`.
    public static func fixture(_ name: String) -> URL {
        root.appendingPathComponent("Tests/Fixtures").appendingPathComponent(name)
    }
}
