// swift-tools-version:6.1
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
        // No default traits: the server needs neither swift-configuration nor full Foundation in Hummingbird.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // Already built for HummingbirdTesting; the SMS webhook gateway posts with it.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // Karney's geodesics from Debian's GeographicLib (libgeographiclib-dev), behind a C interface.
        .target(name: "CGeodesic", linkerSettings: [.linkedLibrary("GeographicLib")]),
        // Debian's cairo (and fontconfig) for the court case files' PDF.
        .systemLibrary(
            name: "CCairo",
            pkgConfig: "cairo",
            providers: [.apt(["libcairo2-dev"])]
        ),
        // openapi.json and the console's files of LiaisonHTTP, compiled in by C's #embed: the binary
        // runs with no resource bundle beside it (README, "Running in production").
        .target(name: "CServedFiles"),
        .target(name: "Geodesy", dependencies: ["CGeodesic"]),
        .target(name: "StationIndex", dependencies: ["Geodesy"]),
        .target(
            name: "LiaisonCore",
            dependencies: ["Geodesy", "StationIndex", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(
            name: "LiaisonStore",
            dependencies: [
                "LiaisonCore", "StationIndex",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(name: "LiaisonCaseFile", dependencies: ["CCairo", "LiaisonCore"]),
        // The shared store for several processes: PostgreSQL with PostGIS, behind the same seam.
        .target(
            name: "LiaisonPostgres",
            dependencies: [
                "Geodesy", "LiaisonCore", "LiaisonStore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        .target(
            name: "LiaisonWorkers",
            dependencies: [
                "LiaisonCore", "LiaisonStore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "LiaisonHTTP",
            dependencies: [
                "CServedFiles", "Geodesy", "LiaisonCore", "LiaisonStore", "LiaisonCaseFile",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // Served from CServedFiles, which embeds them; not resources, so no bundle is looked up at run time.
            exclude: ["openapi.json", "Console"]
        ),
        .executableTarget(
            name: "liaison",
            dependencies: [
                "LiaisonCore", "LiaisonStore", "LiaisonHTTP", "LiaisonWorkers", "LiaisonCaseFile", "LiaisonPostgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "liaison-bench",
            dependencies: [
                "LiaisonCore", "LiaisonStore", "LiaisonHTTP", "StationIndex", "Geodesy", "LiaisonTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // What the test suites (and the benchmark's seeded draws) share: repository paths, a
        // template database built once and copied, child processes, scratch folders, tags.
        .target(
            name: "LiaisonTestSupport",
            dependencies: ["LiaisonStore", "LiaisonHTTP", .product(name: "Logging", package: "swift-log")],
            path: "Tests/LiaisonTestSupport"
        ),
        .testTarget(
            name: "GeodesyTests",
            dependencies: ["Geodesy", "LiaisonTestSupport"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "StationIndexTests", dependencies: ["StationIndex", "Geodesy", "LiaisonTestSupport"]),
        .testTarget(name: "LiaisonCoreTests", dependencies: ["LiaisonCore", "LiaisonTestSupport"]),
        .testTarget(name: "LiaisonCaseFileTests", dependencies: ["LiaisonCaseFile", "LiaisonCore", "LiaisonTestSupport"]),
        .testTarget(name: "LiaisonStoreTests", dependencies: ["LiaisonStore", "LiaisonCore", "LiaisonTestSupport"]),
        .testTarget(name: "LiaisonCLITests", dependencies: ["LiaisonCore", "Geodesy", "LiaisonTestSupport"]),
        .testTarget(
            name: "LiaisonWorkersTests",
            dependencies: [
                "LiaisonWorkers", "LiaisonCore", "LiaisonStore", "LiaisonTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "LiaisonPostgresTests",
            dependencies: ["LiaisonPostgres", "LiaisonStore", "LiaisonCore", "LiaisonTestSupport"]
        ),
        .testTarget(
            name: "LiaisonHTTPTests",
            dependencies: [
                "LiaisonHTTP", "LiaisonCore", "LiaisonStore", "LiaisonPostgres", "LiaisonTestSupport",
                // Status callbacks end to end: the delivery worker, and a receiver that checks signatures on its own.
                "LiaisonWorkers", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
    ]
)
