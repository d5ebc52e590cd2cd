// liaison-bench: the station index side by side with a brute-force geodesic scan and
// SpatiaLite's own VirtualKNN, on one seeded query set (k = 5), at the register's 2,045
// stations and at 1,000,000 synthetic stations over Zhejiang's extent.
//   swift run -c release liaison-bench [--quick]
// --quick uses 100,000 synthetic stations instead of 1,000,000 (for a smoke run).
//   swift run -c release liaison-bench intake [--seconds 5] [--clients 8] [--rounds 2]
// complaint intake per second with the writer at synchronous NORMAL and FULL (IntakeBench.swift).
//   swift build -c release && swift run -c release liaison-bench cli [--rows 1000000] [--runs 10] [--also PATH]
// the liaison command as operators run it: batch lookups in rows/s, and one point against the
// spatialite shell on the same file (CLIBench.swift).
import Foundation
import Geodesy
import LiaisonCore
import LiaisonStore
import Logging
import StationIndex
import LiaisonTestSupport

LoggingSystem.bootstrap(StreamLogHandler.standardError)

// `liaison-bench intake [--seconds S] [--clients N] [--rounds R]`: complaint intake with and without fsync at commit.
if CommandLine.arguments.dropFirst().first == "intake" {
    let args = Array(CommandLine.arguments.dropFirst(2))
    func option(_ name: String, _ fallback: Double) -> Double {
        args.firstIndex(of: name).flatMap { args.indices.contains($0 + 1) ? Double(args[$0 + 1]) : nil } ?? fallback
    }
    try runIntakeBenchmark(seconds: option("--seconds", 5), clients: Int(option("--clients", 8)), rounds: Int(option("--rounds", 2)))
    exit(0)
}

// `liaison-bench cli [--rows N] [--runs R] [--also PATH]`: whole `liaison` processes, batch and
// one-shot; `--also` adds another build of liaison (e.g. a static one) to the one-shot table.
if CommandLine.arguments.dropFirst().first == "cli" {
    let args = Array(CommandLine.arguments.dropFirst(2))
    func option(_ name: String, _ fallback: Int) -> Int {
        args.firstIndex(of: name).flatMap { args.indices.contains($0 + 1) ? Int(args[$0 + 1]) : nil } ?? fallback
    }
    let also = args.firstIndex(of: "--also").flatMap { args.indices.contains($0 + 1) ? args[$0 + 1] : nil }
    try runCLIBenchmark(rows: option("--rows", 1_000_000), runs: option("--runs", 10), also: also)
    exit(0)
}

let quick = CommandLine.arguments.contains("--quick")
let k = 5
/// Zhejiang's extent (WGS-84): where both the queries and the synthetic stations are drawn.
let latitudes = 27.0...31.2, longitudes = 118.0...123.2

var rng = SplitMix64(seed: 20211130)
let queries = (0..<10_000).map { _ in
    Coordinate(latitude: .random(in: latitudes, using: &rng), longitude: .random(in: longitudes, using: &rng))
}

print("liaison-bench: k = \(k), queries drawn uniformly over lat \(latitudes), lng \(longitudes) (seed 20211130)")
print("machine: \(machineDescription())")
print("")

/// Runs the three methods on one set of stations and prints their table; returns the
/// median ratios (brute force / index, VirtualKNN / index).
func benchmark(name: String, stations indexed: [IndexedStation], bruteQueries: Int, knnQueries: Int,
               knn: (Coordinate) throws -> [String]) throws -> (brute: Double, knn: Double) {
    let rssBefore = residentBytes()
    let clock = ContinuousClock()
    let started = clock.now
    let index = StationIndex(indexed)
    let build = clock.now - started
    let rssGrowth = max(residentBytes() - rssBefore, 0)
    let buildMs = Double(build.components.seconds) * 1e3 + Double(build.components.attoseconds) / 1e15

    // The exact answers come from the brute-force scan, on the slice of queries every method runs.
    var bruteEvaluations = 0
    let (brute, exact) = Measurement.run("brute-force scan", queries: queries.prefix(bruteQueries), expected: nil,
                                         geodesics: { bruteEvaluations }) { q in
        bruteEvaluations += indexed.count
        return BruteForce.nearest(in: indexed, to: q, limit: k).map(\.id)
    }
    var indexEvaluations = 0
    let (fast, fastAnswers) = Measurement.run("index", queries: queries[...], expected: nil,
                                              geodesics: { indexEvaluations }) { q in
        index.nearest(to: q, limit: k, geodesicEvaluations: &indexEvaluations).map(\.id)
    }
    let agreeing = zip(fastAnswers, exact).filter { $0 == $1 }.count
    let indexRun = Measurement(method: fast.method, queries: fast.queries, medianMicroseconds: fast.medianMicroseconds,
                               p99Microseconds: fast.p99Microseconds, geodesicsPerQuery: fast.geodesicsPerQuery,
                               agreement: Double(agreeing) / Double(exact.count))
    let (spatiaLite, _) = try Measurement.run("SpatiaLite VirtualKNN", queries: queries.prefix(knnQueries),
                                              expected: Array(exact.prefix(knnQueries)), knn)

    print("## \(name): \(indexed.count) stations")
    print("index build \(String(format: "%.2f", buildMs)) ms; index arrays \(String(format: "%.2f", Double(index.footprintBytes) / 1_048_576)) MiB "
          + "(\(index.footprintBytes / max(indexed.count, 1)) bytes/station); process resident \(String(format: "%.0f", Double(residentBytes()) / 1_048_576)) MiB, "
          + "grew \(String(format: "%.1f", Double(rssGrowth) / 1_048_576)) MiB during the build")
    print("")
    print("| method | queries | median µs | p99 µs | geodesics/query | same ids as brute force | median ÷ index |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for m in [indexRun, brute, spatiaLite] {
        print("| \(m.method) | \(m.queries) | \(String(format: "%.2f", m.medianMicroseconds)) | \(String(format: "%.2f", m.p99Microseconds)) | "
              + "\(m.geodesicsPerQuery.map { String(format: "%.1f", $0) } ?? "n/a") | \(String(format: "%.1f%%", m.agreement * 100)) | "
              + "\(String(format: "%.0f", m.medianMicroseconds / indexRun.medianMicroseconds)) |")
    }
    print("")
    return (brute.medianMicroseconds / indexRun.medianMicroseconds, spatiaLite.medianMicroseconds / indexRun.medianMicroseconds)
}

let work = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-bench-\(ProcessInfo.processInfo.processIdentifier)")
try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: work) }

var ratios: [String] = []

// 1. The register, from a SpatiaLite file made from geodata/ as `liaison` makes it.
do {
    let database = try LiaisonDatabase.openOrCreate(path: work.appendingPathComponent("register.sqlite").path,
                                                    geodata: try GeodataDirectory.locate(nil))
    let stations = try database.snapshot().stations.filter { $0.status == .active }.map {
        IndexedStation(id: $0.id, location: $0.location, modeMask: $0.modes.mask, countyCode: Int32($0.countyCode) ?? 0)
    }
    let r = try benchmark(name: "The register (geodata/stations.geojson)", stations: stations, bruteQueries: 2_000, knnQueries: 1_000) { q in
        try database.spatiaLiteNearest(to: q, limit: k)
    }
    ratios.append("\(stations.count) stations: index \(String(format: "%.0f", r.brute))× faster than brute force, \(String(format: "%.0f", r.knn))× faster than VirtualKNN")
}

// 2. Synthetic stations spread uniformly over the extent.
do {
    let count = quick ? 100_000 : 1_000_000
    var srng = SplitMix64(seed: 42)
    let stations = (0..<count).map { i in
        IndexedStation(id: String(format: "S%07d", i),
                       location: Coordinate(latitude: .random(in: latitudes, using: &srng), longitude: .random(in: longitudes, using: &srng)),
                       modeMask: 1, countyCode: 0)
    }
    let started = ContinuousClock.now
    let points = try PointDatabase(path: work.appendingPathComponent("synthetic.sqlite").path, points: stations.map { ($0.id, $0.location) })
    print("(wrote \(count) synthetic points to a SpatiaLite file with a spatial index in \(ContinuousClock.now - started))")
    let r = try benchmark(name: "Synthetic", stations: stations, bruteQueries: 20, knnQueries: 200) { q in
        try points.spatiaLiteNearest(to: q, limit: k)
    }
    ratios.append("\(count) stations: index \(String(format: "%.0f", r.brute))× faster than brute force, \(String(format: "%.0f", r.knn))× faster than VirtualKNN")
}

print("Median ratios: " + ratios.joined(separator: "; "))
