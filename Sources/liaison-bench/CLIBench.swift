import Foundation
import Geodesy
import LiaisonTestSupport

/// `liaison-bench cli`: the `liaison` command as an operator runs it, whole processes timed
/// from spawn to exit, side by side in one run:
/// - batch lookups: `liaison nearest --input` (CSV to CSV, `--limit 1`; and JSON Lines) and
///   `liaison where --input` over the same seeded points, rows per second end to end;
/// - a one-shot lookup: `liaison nearest --lat --lng --limit 1` against the same question put
///   to the same file through the `spatialite` command-line tool (VirtualKNN), medians of
///   `runs` runs each, alternating; with `liaison --help` as the floor (start-up alone), and
///   the same for `also`, another build of liaison (e.g. `--static-swift-stdlib`), when given.
///
/// Needs the release `liaison` beside this executable: `swift build -c release` first.
func runCLIBenchmark(rows: Int, runs: Int, also: String? = nil) throws {
    let here = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    let liaison = here.appendingPathComponent("liaison")
    guard FileManager.default.isExecutableFile(atPath: liaison.path) else {
        FileHandle.standardError.write(Data("liaison-bench cli: no liaison beside \(here.path): run `swift build -c release` first\n".utf8))
        exit(64)
    }
    let work = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-bench-cli-\(ProcessInfo.processInfo.processIdentifier)")
    try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: work) }
    let db = work.appendingPathComponent("liaison.sqlite").path

    print("liaison-bench cli: \(liaison.path), whole processes from spawn to exit")
    print("machine: \(machineDescription())")
    print("")
    let created = try MeasuredProcess.run(liaison.path, ["where", "--lat", "30.259", "--lng", "120.13", "--db", db], stdout: "/dev/null")
    guard created.status == 0 else { throw BenchError(message: "liaison could not create \(db) from geodata/ (exit \(created.status))") }

    // Batch: seeded points over Zhejiang's extent, with an id column that passes through.
    var rng = SplitMix64(seed: 20261204)
    let csv = work.appendingPathComponent("points.csv").path, jsonl = work.appendingPathComponent("points.jsonl").path
    FileManager.default.createFile(atPath: csv, contents: nil)
    FileManager.default.createFile(atPath: jsonl, contents: nil)
    let csvHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: csv)), jsonlHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: jsonl))
    try csvHandle.write(contentsOf: Data("id,lat,lng\n".utf8))
    var csvChunk = "", jsonlChunk = ""
    for i in 0..<rows {
        let lat = (Double.random(in: 27.0...31.2, using: &rng) * 1e6).rounded() / 1e6
        let lng = (Double.random(in: 118.0...123.2, using: &rng) * 1e6).rounded() / 1e6
        csvChunk += "\(i),\(lat),\(lng)\n"
        jsonlChunk += "{\"id\":\(i),\"lat\":\(lat),\"lng\":\(lng)}\n"
        if csvChunk.utf8.count > 1 << 20 {
            try csvHandle.write(contentsOf: Data(csvChunk.utf8)); csvChunk = ""
            try jsonlHandle.write(contentsOf: Data(jsonlChunk.utf8)); jsonlChunk = ""
        }
    }
    try csvHandle.write(contentsOf: Data(csvChunk.utf8)); try csvHandle.close()
    try jsonlHandle.write(contentsOf: Data(jsonlChunk.utf8)); try jsonlHandle.close()
    let out = work.appendingPathComponent("out").path

    print("## Batch lookups: \(rows) points, seed 20261204, output to a file")
    print("")
    print("| command | median s | rows/s | peak RSS MiB |")
    print("|---|---:|---:|---:|")
    let batches: [(String, [String])] = [
        ("nearest --input points.csv --limit 1 (CSV → CSV)", ["nearest", "--input", csv, "--limit", "1"]),
        ("nearest --input points.csv --limit 5 (CSV → CSV)", ["nearest", "--input", csv, "--limit", "5"]),
        ("nearest --input points.jsonl --limit 1 (JSON Lines)", ["nearest", "--input", jsonl, "--limit", "1"]),
        ("where --input points.csv (CSV → CSV)", ["where", "--input", csv]),
    ]
    for (label, arguments) in batches {
        var times: [Double] = [], peak = 0
        for _ in 0..<3 {
            let t = try MeasuredProcess.run(liaison.path, arguments + ["--db", db], stdout: out, peakMemory: true)
            guard t.status == 0 else { throw BenchError(message: "liaison \(arguments.joined(separator: " ")) exited \(t.status)") }
            times.append(t.seconds)
            peak = max(peak, t.maxRSSKiB)
        }
        let median = times.sorted()[1]
        print("| `liaison \(label)` | \(String(format: "%.2f", median)) | \(Int(Double(rows) / median)) | \(peak / 1024) |")
    }
    print("")

    // One point: liaison against the spatialite shell on the same file.
    let sql = """
        CREATE VIRTUAL TABLE temp.knn USING VirtualKNN();
        SELECT t.id FROM temp.knn AS k JOIN stations AS t ON t.ROWID = k.fid
        WHERE k.f_table_name = 'stations' AND k.f_geometry_column = 'geom'
          AND k.ref_geometry = MakePoint(120.13, 30.259, 4326) AND k.max_items = 1 ORDER BY k.pos;
        """
    let spatialite = "/usr/bin/spatialite"
    var commands: [(String, String, [String])] = []
    for (label, path) in [("liaison", liaison.path)] + (also.map { [("\($0)", $0)] } ?? []) {
        commands += [
            ("\(label) nearest --lat 30.259 --lng 120.13 --limit 1", path, ["nearest", "--lat", "30.259", "--lng", "120.13", "--limit", "1", "--db", db]),
            ("\(label) where --lat 30.259 --lng 120.13", path, ["where", "--lat", "30.259", "--lng", "120.13", "--db", db]),
            ("\(label) --help (start-up alone)", path, ["--help"]),
        ]
    }
    commands.append(("spatialite FILE \"SELECT … VirtualKNN … max_items = 1\"", spatialite, ["-silent", db, sql]))
    var samples = Array(repeating: [Double](), count: commands.count)
    for _ in 0..<runs {
        for (i, command) in commands.enumerated() {
            let t = try MeasuredProcess.run(command.1, command.2, stdout: out)
            guard t.status == 0 else { throw BenchError(message: "\(command.0) exited \(t.status)") }
            samples[i].append(t.seconds)
        }
    }
    let spatialiteAnswer = (try? String(contentsOfFile: out, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
    print("## One point, one process: \(runs) runs each, alternating (spatialite answered \(spatialiteAnswer))")
    print("")
    print("| command | median ms | min ms | median ÷ spatialite |")
    print("|---|---:|---:|---:|")
    let base = samples[commands.count - 1].sorted()[runs / 2]
    for (i, command) in commands.enumerated() {
        let sorted = samples[i].sorted()
        print("| `\(command.0)` | \(String(format: "%.1f", sorted[runs / 2] * 1e3)) | \(String(format: "%.1f", sorted[0] * 1e3)) | \(String(format: "%.2f", sorted[runs / 2] / base)) |")
    }
}
