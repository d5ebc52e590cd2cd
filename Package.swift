// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "liaison",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "liaison", targets: ["liaison"]),
        .executable(name: "liaison-bench", targets: ["liaison-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CSpatiaLite",
            pkgConfig: "spatialite",
            providers: [.apt(["libspatialite-dev", "libsqlite3-dev", "libproj-dev"])]
        ),
        .target(name: "Geodesy", dependencies: ["CSpatiaLite"]),
        .target(name: "StationIndex", dependencies: ["Geodesy"]),
        .target(name: "LiaisonCore", dependencies: ["Geodesy", "StationIndex"]),
        .target(
            name: "LiaisonStore",
            dependencies: [
                "LiaisonCore", "CSpatiaLite",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "liaison",
            dependencies: [
                "LiaisonCore", "LiaisonStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "liaison-bench",
            dependencies: [
                "LiaisonCore", "LiaisonStore", "StationIndex", "Geodesy",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "GeodesyTests",
            dependencies: ["Geodesy"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "StationIndexTests", dependencies: ["StationIndex", "Geodesy"]),
        .testTarget(name: "LiaisonCoreTests", dependencies: ["LiaisonCore"]),
        .testTarget(name: "LiaisonStoreTests", dependencies: ["LiaisonStore", "LiaisonCore"]),
        .testTarget(name: "LiaisonCLITests", dependencies: ["LiaisonCore"]),
    ]
)
