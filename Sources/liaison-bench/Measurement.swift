import Foundation
import Geodesy

/// Per-query timings of one method over one query set.
struct Measurement {
    let method: String
    let queries: Int
    let medianMicroseconds: Double
    let p99Microseconds: Double
    /// Geodesic evaluations per query, when the method counts them.
    let geodesicsPerQuery: Double?
    /// Share of the compared queries whose ids equal the exact answer's, in order.
    let agreement: Double

    /// Times `body` once per query; `expected` holds the exact answers (ids in order) to
    /// compare with, and `geodesics` reads the method's evaluation counter after the run.
    static func run(_ method: String, queries: ArraySlice<Coordinate>, expected: [[String]]?,
                    geodesics: () -> Int? = { nil }, _ body: (Coordinate) throws -> [String]) rethrows -> (Measurement, [[String]]) {
        var times: [Double] = []
        var answers: [[String]] = []
        times.reserveCapacity(queries.count)
        let clock = ContinuousClock()
        for q in queries {
            let start = clock.now
            let ids = try body(q)
            let elapsed = clock.now - start
            times.append(Double(elapsed.components.attoseconds) / 1e12 + Double(elapsed.components.seconds) * 1e6)
            answers.append(ids)
        }
        times.sort()
        // Only the queries that have an exact answer are compared.
        let compared = expected.map { min($0.count, answers.count) } ?? answers.count
        let agreeing = expected.map { exp in zip(answers, exp).filter { $0 == $1 }.count } ?? answers.count
        let m = Measurement(
            method: method, queries: queries.count,
            medianMicroseconds: times[times.count / 2], p99Microseconds: times[min(times.count - 1, times.count * 99 / 100)],
            geodesicsPerQuery: geodesics().map { Double($0) / Double(queries.count) },
            agreement: Double(agreeing) / Double(max(compared, 1)))
        return (m, answers)
    }
}

/// Resident set size of this process, bytes (from /proc/self/status).
func residentBytes() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
          let kb = Int(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
    return kb * 1024
}

/// One line describing this machine: CPU model, cores, memory, OS.
func machineDescription() -> String {
    let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
    let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }?
        .split(separator: ":", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
    let os = ((try? String(contentsOfFile: "/etc/os-release", encoding: .utf8)) ?? "").split(separator: "\n")
        .first { $0.hasPrefix("PRETTY_NAME=") }?.dropFirst(12).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) ?? "unknown OS"
    let memory = ProcessInfo.processInfo.physicalMemory
    return "\(model), \(ProcessInfo.processInfo.activeProcessorCount) cores, \(memory >> 30) GiB, \(os)"
}
