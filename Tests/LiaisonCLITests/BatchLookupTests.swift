import Foundation
import Geodesy
import LiaisonCore
import LiaisonTestSupport
import Testing

/// `liaison nearest --input` and `liaison where --input`: a file of points in, one answer per
/// row out, in order; checked against brute force over every station with the exact geodesic.
@Suite(.tags(.slow)) final class BatchLookupTests {
    let sandbox: Sandbox
    let db: String

    init() throws {
        sandbox = try Sandbox(databases: ["batch.sqlite"])
        db = sandbox.path("batch.sqlite")
    }

    func write(_ name: String, _ text: String) throws -> String {
        let path = sandbox.path(name)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// The CSV records of an output, header first.
    func records(_ text: String) throws -> [[String]] {
        try CSV.decode(text).map(\.fields)
    }

    /// The `limit` nearest active stations by brute force over every station of `geodata/`.
    static func bruteForce(_ lat: Double, _ lng: Double, limit: Int) throws -> [(id: String, meters: Double)] {
        let q = Coordinate(latitude: lat, longitude: lng)
        return try GeodataFile.stations().filter { $0.properties.status == "active" }
            .map { ($0.id, Geodesic.wgs84.distanceMeters(from: q, to: Coordinate(latitude: $0.latitude, longitude: $0.longitude))) }
            .sorted { $0.1 < $1.1 }.prefix(limit).map { $0 }
    }

    @Test func csvRowsAreAnsweredInOrderAsBruteForceAnswers() async throws {
        var rng = SplitMix64(seed: 19)
        var points: [(Double, Double)] = []
        // A byte order mark, CRLF record ends, and pass-through columns that need quoting.
        var text = "\u{FEFF}案件编号,lat,备注,lng\r\n"
        for i in 0..<300 {
            let lat = Double.random(in: 27.0...31.2, using: &rng), lng = Double.random(in: 118.0...122.9, using: &rng)
            points.append((lat, lng))
            text += "\(i),\(lat),\"第\(i)号, 说\"\"好\"\"\",\(lng)\r\n"
        }
        let input = try write("points.csv", text)
        let r = try await sandbox.run(["nearest", "--input", input, "--limit", "3", "--db", db])
        try #require(r.status == 0, "\(r)")
        let rows = try records(r.stdout)
        try #require(rows.count == 301, "a header and one row per point")
        let answerColumns: [String] = (1...3).flatMap { (k: Int) -> [String] in
            ["station_id", "station_name", "county_code", "distance_m", "bearing_deg"].map { "\($0)_\(k)" }
        }
        #expect(rows[0] == ["案件编号", "lat", "备注", "lng"] + answerColumns + ["error"])
        var worst = 0.0
        for (i, row) in rows.dropFirst().enumerated() {
            #expect(row[0] == "\(i)" && row[2] == "第\(i)号, 说\"好\"", "row \(i) passes its columns through")
            #expect(row.last == "", "row \(i) has no error")
            let expected = try Self.bruteForce(points[i].0, points[i].1, limit: 3)
            for k in 0..<3 {
                #expect(row[4 + 5 * k] == expected[k].id, "row \(i), rank \(k + 1)")
                let meters = try #require(Double(row[7 + 5 * k]))
                worst = max(worst, abs(meters - expected[k].meters))
            }
        }
        #expect(worst <= 0.005 + 1e-6, "distances are the exact geodesic rounded to 1 cm; worst difference \(worst) m")
    }

    @Test func badRowsGetErrorRowsAndTheRunGoesOn() async throws {
        let input = try write("bad.csv", """
            name,lat,lng
            good,30.259,120.13
            word,abc,120.13
            north,91,120
            short,30.2
            empty,30.2,
            "open quote,30.2,120.1
            """)
        let r = try await sandbox.run(["nearest", "--input", input, "--limit", "1", "--db", db])
        #expect(r.status == 65, "\(r)")
        let rows = try records(r.stdout)
        // The unclosed quote swallows the rest of the file as one record: one error row.
        try #require(rows.count == 7, "\(r.stdout)")
        #expect(rows[1][3] == "330106-0001" && rows[1].last == "")
        let errors = rows.dropFirst(2).map { $0.last ?? "" }
        #expect(errors[0].hasPrefix("line 3: lat: \"abc\" is not a number"), "\(errors[0])")
        #expect(errors[1].hasPrefix("line 4: lat: 91.0 is not allowed"), "\(errors[1])")
        #expect(errors[2].hasPrefix("line 5: 2 fields where the header line has 3"), "\(errors[2])")
        #expect(errors[3].hasPrefix("line 6: lng: \"\" is not a number"), "\(errors[3])")
        #expect(errors[4].hasPrefix("line 7: a quoted field is never closed"), "\(errors[4])")
        #expect(rows.dropFirst(2).allSatisfy { $0.count == 9 && $0[3...7].allSatisfy(\.isEmpty) }, "error rows leave the answer empty")
        #expect(r.stderr.contains("5 of 6 rows have no answer"), "\(r.stderr)")
    }

    @Test func jsonLinesKeepTheirInputAndMatchTheSingleLookup() async throws {
        let input = try write("points.jsonl", """
            {"ref":"A-1","lat":30.259,"lng":120.13}
            {"ref":"B-2","lat":"29.87","lng":"121.55","note":"字符串也行"}

            [1,2]
            {"ref":"C-3","lat":30.1}
            """)
        let r = try await sandbox.run(["nearest", "--input", input, "--limit", "2", "--coordsys", "gcj02", "--db", db])
        #expect(r.status == 65, "\(r)")
        let lines = r.stdoutLines.map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        try #require(lines.count == 4 && lines.allSatisfy { $0 != nil }, "\(r.stdout)")
        #expect(lines.map { $0?["line"] as? Int } == [1, 2, 4, 5])
        #expect((lines[0]?["input"] as? [String: Any])?["ref"] as? String == "A-1")
        #expect((lines[1]?["input"] as? [String: Any])?["note"] as? String == "字符串也行")
        for (line, (lat, lng)) in zip(lines.prefix(2), [("30.259", "120.13"), ("29.87", "121.55")]) {
            let single = try await sandbox.run(["nearest", "--lat", lat, "--lng", lng, "--limit", "2", "--coordsys", "gcj02", "--format", "json", "--db", db])
            let expected = try #require(try single.jsonObject() as? [String: Any])["stations"] as? NSArray
            #expect((line?["stations"] as? NSArray) == expected, "the batch answer is the single answer's station list")
        }
        #expect((lines[2]?["error"] as? String)?.hasPrefix("line 4: not a JSON object") == true)
        #expect((lines[3]?["error"] as? String)?.contains("no \"lng\" or \"lon\" or \"longitude\" or \"经度\" member") == true)
        #expect(lines[3]?["input"] is [String: Any])

        // JSON Lines in, CSV out: the line and the coordinates as read pass through.
        let csv = try await sandbox.run(["nearest", "--input", input, "--limit", "1", "--output-format", "csv", "--db", db])
        let rows = try records(csv.stdout)
        #expect(rows.first == ["line", "lat", "lng", "station_id", "station_name", "county_code", "distance_m", "bearing_deg", "error"])
        #expect(rows.count == 5 && rows[1][0...2] == ["1", "30.259", "120.13"] && rows[2][1] == "29.87")
    }

    @Test func standardInputAnEmptyFileAndAHeaderOnly() async throws {
        let stdin = try write("stdin.csv", "纬度,经度\n30.259,120.13\n")
        let r = try await sandbox.run(["nearest", "--input", "-", "--limit", "1", "--db", db], stdin: URL(fileURLWithPath: stdin))
        try #require(r.status == 0, "\(r)")
        #expect(try records(r.stdout).map { $0.count > 2 ? $0[2] : "" } == ["station_id", "330106-0001"])
        for text in ["", "\u{FEFF}", "\n\n"] {
            let empty = try await sandbox.run(["nearest", "--input", try write("empty.csv", text), "--db", db])
            #expect(empty.status == 0 && empty.stdout.isEmpty, "\(empty)")
        }
        let header = try await sandbox.run(["nearest", "--input", try write("header.csv", "lat,lng\n"), "--limit", "1", "--db", db])
        #expect(header.status == 0 && header.stdoutLines == ["lat,lng,station_id,station_name,county_code,distance_m,bearing_deg,error"], "\(header)")
    }

    @Test func usageErrorsExit64AndWriteNothing() async throws {
        let points = try write("p.csv", "x,y\n30.2,120.1\n")
        let cases: [([String], String)] = [
            (["nearest", "--input", points], "--lat-column: the header line (\"x\", \"y\") has no column named \"lat\" or \"latitude\" or \"纬度\""),
            (["nearest", "--input", points, "--lat-column", "x"], "--lng-column: the header line"),
            (["nearest", "--input", sandbox.path("missing.csv")], "--input: cannot open"),
            (["nearest", "--input", points, "--lat", "30", "--lng", "120"], "give one point or --input"),
            (["nearest", "--input", points, "--format", "json"], "--format: applies to one point"),
            (["nearest", "--lat", "30", "--lng", "120", "--output-format", "csv"], "--output-format: applies only with --input"),
            (["nearest", "--lat", "30"], "--lng: missing: expected a longitude in degrees, -180 to 180 (or --input FILE"),
            (["nearest", "--input", points, "--limit", "0"], "--limit"),
            (["where", "--input", points, "--lat-column", "y", "--lng-column", "x", "--output-format", "xml"], "--output-format"),
        ]
        for (arguments, message) in cases {
            let r = try await sandbox.run(arguments + ["--db", db])
            #expect(r.status == 64, "\(r)")
            #expect(r.stderr.contains(message), "\(arguments): \(r.stderr)")
            #expect(r.stdout.isEmpty, "\(arguments) wrote \(r.stdout)")
        }
    }

    @Test func whereAnswersEachRowAsTheSingleLookupDoes() async throws {
        let points = [("30.259", "120.13"), ("31.5", "116.0"), ("28.0", "121.0")]
        let input = try write("where.csv", "lat,lng\n" + points.map { "\($0.0),\($0.1)\n" }.joined())
        let r = try await sandbox.run(["where", "--input", input, "--db", db])
        try #require(r.status == 0, "\(r)")
        let rows = try records(r.stdout)
        #expect(rows.first == ["lat", "lng", "inside_zhejiang", "county_code", "county_name", "city_code", "city_name", "county_confidence", "distance_m", "error"])
        for (row, point) in zip(rows.dropFirst(), points) {
            let single = try await sandbox.run(["where", "--lat", point.0, "--lng", point.1, "--format", "json", "--db", db]).json(WhereOutput.self)
            let region = try #require(single.region ?? single.nearest)
            #expect(row[2] == "\(single.inside_zhejiang)" && row[3] == region.county_code && row[4] == region.county_name)
            #expect(row[8] == (region.distance_m.map { "\($0)" } ?? ""))
        }
        #expect(rows[2][2] == "false" && !rows[2][8].isEmpty, "a point outside Zhejiang: the nearest county and its distance")
    }

    /// A million rows are read in blocks: the peak memory is the index's and a few blocks',
    /// not the file's. Measured as the child's maximum resident set (wait4) against a run of
    /// 10,000 rows of the same kind.
    @Test func aMillionRowsRunInTheMemoryOfTenThousand() async throws {
        func file(_ rows: Int) throws -> String {
            let path = sandbox.path("rows-\(rows).csv")
            FileManager.default.createFile(atPath: path, contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            try handle.write(contentsOf: Data("id,lat,lng\n".utf8))
            var chunk = ""
            for i in 0..<rows {
                chunk += "\(i),\(28.0 + Double(i % 3000) * 0.001),\(120.0 + Double(i % 2000) * 0.001)\n"
                if chunk.utf8.count > 1 << 20 { try handle.write(contentsOf: Data(chunk.utf8)); chunk = "" }
            }
            try handle.write(contentsOf: Data(chunk.utf8))
            return path
        }
        func measure(_ rows: Int) throws -> (run: MeasuredProcess.Result, lines: Int, inputBytes: Int) {
            let input = try file(rows), output = sandbox.path("rows-\(rows).out")
            let run = try MeasuredProcess.run(try LiaisonExecutable.require().path, ["nearest", "--input", input, "--limit", "1", "--db", db], stdout: output, peakMemory: true)
            let lines = try Data(contentsOf: URL(fileURLWithPath: output)).reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
            let size = ((try? FileManager.default.attributesOfItem(atPath: input)[.size]) as? Int) ?? 0
            return (run, lines, size)
        }
        let (small, smallLines, _) = try measure(10_000)
        let (large, largeLines, inputBytes) = try measure(1_000_000)
        try #require(small.status == 0 && large.status == 0, "exit \(small.status), \(large.status)")
        #expect(smallLines == 10_001 && largeLines == 1_000_001)
        print("peak resident set: \(small.maxRSSKiB) KiB for 10,000 rows, \(large.maxRSSKiB) KiB for 1,000,000 (input \(inputBytes >> 20) MiB)")
        try #require(small.maxRSSKiB > 0 && large.maxRSSKiB > 0, "the children's peak resident set was not read")
        #expect(large.maxRSSKiB - small.maxRSSKiB < 32 * 1024,
                "1,000,000 rows took \(large.maxRSSKiB - small.maxRSSKiB) KiB more than 10,000 (the file is \(inputBytes >> 20) MiB)")
    }
}
