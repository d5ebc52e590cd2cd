@_spi(Benchmark) import LiaisonStore
import Foundation
import Geodesy
import LiaisonCore
import LiaisonHTTP
import StationIndex
import LiaisonTestSupport

/// `liaison-bench intake`: complaints filed per second through the store path of
/// `POST /v1/complaints` (validation, assignment, the IMMEDIATE transaction with its events,
/// capacity claim and texts, the commit) by `clients` concurrent submitters, with the writer
/// at `synchronous = NORMAL` (no fsync at commit in WAL mode) and at `FULL` (the service's
/// setting: the WAL is fsynced before each commit returns), alternating, in one run.
func runIntakeBenchmark(seconds: Double, clients: Int, rounds: Int) throws {
    print("liaison-bench intake: \(clients) concurrent submitters, \(rounds) rounds of \(seconds) s per setting, alternating")
    print("machine: \(machineDescription())")
    let work = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-bench-intake-\(ProcessInfo.processInfo.processIdentifier)")
    try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: work) }
    print("database: \(work.path) (filesystem of the temp dir; the sync cost depends on the disk under it)")
    print("")

    let geodata = try GeodataDirectory.locate(nil)
    let base = work.appendingPathComponent("base.sqlite").path
    let stations = try LiaisonDatabase.openOrCreate(path: base, geodata: geodata).snapshot().activeStations
    let settings = ComplaintDesk.Settings(serviceClock: try geodata.serviceClock(), rateLimit: .init(perHour: .max, perDay: .max))

    struct Run { let level: String; let filed: Int; let perSecond: Double; let p50: Double; let p99: Double }
    var runs: [Run] = []
    for round in 0..<rounds {
        for level in ["NORMAL", "FULL"] {
            let path = work.appendingPathComponent("\(level)-\(round).sqlite").path
            try FileManager.default.copyItem(atPath: base, toPath: path)
            let database = try LiaisonDatabase(path: path)
            try database.setWriterSynchronous(level)
            let desk = ComplaintDesk(database: database, finder: StationFinder(try database.snapshot()), settings: settings)
            let latencies = try fileConcurrently(desk: desk, stations: stations, clients: clients, seconds: seconds, seed: UInt64(round))
            let sorted = latencies.sorted()
            let run = Run(level: level, filed: sorted.count, perSecond: Double(sorted.count) / seconds,
                          p50: sorted[sorted.count / 2], p99: sorted[min(sorted.count - 1, sorted.count * 99 / 100)])
            runs.append(run)
            if isatty(STDERR_FILENO) == 1 {
                FileHandle.standardError.write(Data("round \(round + 1) \(level): \(run.filed) complaints\n".utf8))
            }
        }
    }

    print("| synchronous | round | complaints | per second | p50 ms | p99 ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for (i, run) in runs.enumerated() {
        print("| \(run.level) | \(i / 2 + 1) | \(run.filed) | \(String(format: "%.0f", run.perSecond)) | "
              + "\(String(format: "%.2f", run.p50)) | \(String(format: "%.2f", run.p99)) |")
    }
    func mean(_ level: String) -> Double {
        let chosen = runs.filter { $0.level == level }
        return chosen.map(\.perSecond).reduce(0, +) / Double(chosen.count)
    }
    let normal = mean("NORMAL"), full = mean("FULL")
    print("")
    print("Mean: NORMAL \(String(format: "%.0f", normal))/s, FULL \(String(format: "%.0f", full))/s; FULL ÷ NORMAL = \(String(format: "%.2f", full / normal))")
}

/// Files complaints from `clients` threads until `seconds` have passed; the latency of each, in ms.
private func fileConcurrently(desk: ComplaintDesk, stations: [Station], clients: Int, seconds: Double, seed: UInt64) throws -> [Double] {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    let results = Results()
    DispatchQueue.concurrentPerform(iterations: clients) { client in
        var rng = SplitMix64(seed: seed &* 1000 &+ UInt64(client))
        var mine: [Double] = []
        var n = 0
        while ContinuousClock.now < deadline {
            n += 1
            // Near a random station (a few hundred metres off), so the point is in the service area.
            let station = stations[Int.random(in: 0..<stations.count, using: &rng)]
            let body: [String: Any] = [
                "location": ["lat": station.location.latitude + .random(in: -0.002...0.002, using: &rng),
                             "lng": station.location.longitude + .random(in: -0.002...0.002, using: &rng)],
                "consumer": ["name": "压测", "phone": String(format: "139%02d%06d", client, n % 1_000_000)],
                "merchant": ["name": "某某超市"], "category": "price", "description": "结账多收费",
                "preferred_mode": Bool.random(using: &rng) ? "offline" : "video",
            ]
            let start = ContinuousClock.now
            do {
                _ = try ComplaintFiling.submit(try JSONSerialization.data(withJSONObject: body), idempotencyKey: "bench-\(seed)-\(client)-\(n)", to: desk)
            } catch {
                results.fail("\(error)")
                return
            }
            let elapsed = ContinuousClock.now - start
            mine.append(Double(elapsed.components.seconds) * 1e3 + Double(elapsed.components.attoseconds) / 1e15)
        }
        results.add(mine)
    }
    if let failure = results.failure { throw BenchError(message: "a submission failed: \(failure)") }
    return results.latencies
}

private final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var latencies: [Double] = []
    private(set) var failure: String?
    func add(_ values: [Double]) { lock.withLock { latencies += values } }
    func fail(_ message: String) { lock.withLock { failure = failure ?? message } }
}

struct BenchError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
