import ArgumentParser
import Dispatch
import Foundation
import LiaisonCore
#if canImport(Glibc)
import Glibc
#endif

/// How a batch file is written: CSV (RFC 4180, a header line first) or JSON Lines.
enum BatchFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case csv
    case jsonl
}

/// `--input` and its companions: `liaison nearest` and `liaison where` for every row of a file.
struct BatchOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Look up every row of this CSV or JSON Lines file (- for standard input) instead of one --lat/--lng.", valueName: "file"))
    var input: String?
    @Option(name: .customLong("input-format"), help: "csv or jsonl (default: jsonl for a .jsonl or .ndjson file, else csv).")
    var inputFormat: BatchFormat?
    @Option(name: .customLong("output-format"), help: "csv or jsonl (default: the input's).")
    var outputFormat: BatchFormat?
    @Option(name: .customLong("lat-column"), help: "The latitude's column or key (default: the first of lat, latitude, 纬度).")
    var latColumn: String?
    @Option(name: .customLong("lng-column"), help: "The longitude's column or key (default: the first of lng, lon, longitude, 经度).")
    var lngColumn: String?

    var given: Bool { input != nil }

    /// The flags that make sense only with `--input`, when given without it.
    var strayFlags: [String] {
        [("--input-format", inputFormat != nil), ("--output-format", outputFormat != nil),
         ("--lat-column", latColumn != nil), ("--lng-column", lngColumn != nil)].filter(\.1).map(\.0)
    }

    var readFormat: BatchFormat {
        if let inputFormat { return inputFormat }
        let lower = (input ?? "").lowercased()
        return lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") ? .jsonl : .csv
    }

    /// Checks the single-point and batch flags against each other (`lat`, `lng`: what was given).
    func validate(lat: Double?, lng: Double?, format: OutputFormat?) throws {
        if given {
            if lat != nil || lng != nil { throw ValidationError("--lat/--lng: give one point or --input, not both") }
            if format != nil { throw ValidationError("--format: applies to one point; with --input, use --output-format csv or jsonl") }
        } else {
            if let stray = strayFlags.first { throw ValidationError("\(stray): applies only with --input FILE") }
            if lat == nil { throw ValidationError("--lat: missing: expected a latitude in degrees, -90 to 90 (or --input FILE for many points)") }
            if lng == nil { throw ValidationError("--lng: missing: expected a longitude in degrees, -180 to 180 (or --input FILE for many points)") }
        }
    }
}

/// What a batch lookup answers for one point: its CSV cells, or its JSON member.
protocol BatchAnswer: Sendable {
    /// The result's CSV columns, after the input's own.
    var columns: [String] { get }
    /// The JSON Lines member that holds the result (`stations`, `region`).
    var member: String { get }
    /// A fresh answerer for one thread (each keeps its own encoder).
    func worker() -> any BatchWorker
}

protocol BatchWorker {
    func cells(latitude: Double, longitude: Double) throws(BatchRowError) -> [String]
    func json(latitude: Double, longitude: Double) throws(BatchRowError) -> [UInt8]
}

/// Why one row has no answer; the run goes on.
struct BatchRowError: Error {
    let reason: String
}

/// Reads a CSV or JSON Lines file in bounded blocks, answers every row on all cores, and writes
/// the answers in input order, one per row: a bad row gets an error row and the run goes on.
struct BatchLookup {
    let options: BatchOptions
    let answer: any BatchAnswer
    /// For the progress line: `liaison nearest`.
    let command: String

    static let latNames = ["lat", "latitude", "纬度"]
    static let lngNames = ["lng", "lon", "longitude", "经度"]
    /// Rows read and answered together: a few MiB at most, whatever the file's length.
    static let blockRows = 8192

    /// Runs the whole file. Exit status 0 when every row was answered, 65 when some were not
    /// (each has its error row, and stderr says how many).
    func run() throws {
        let format = options.readFormat
        let output = options.outputFormat ?? format
        let path = options.input ?? "-"
        let fd: Int32 = path == "-" ? 0 : open(path, O_RDONLY)
        guard fd >= 0 else { throw lateUsageError("--input: cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { if fd != 0 { close(fd) } }
        var stream = RecordStream(fd: fd, quoted: format == .csv)
        let out = OutputSink()
        let progress = BatchProgress(command: command)

        let reader: RowReader
        do {
            switch format {
            case .csv:
                guard let layout = try csvHeader(&stream) else { return }  // an empty file: nothing to answer
                reader = .csv(layout)
            case .jsonl:
                reader = .jsonl(lat: options.latColumn.map { [$0] } ?? Self.latNames, lng: options.lngColumn.map { [$0] } ?? Self.lngNames)
            }
        } catch let error as RecordStream.ReadError {
            throw lateUsageError("--input: cannot read \(path): \(error)")
        }
        if output == .csv { out.write(Array(CSV.encode([reader.passThroughColumns + answer.columns + ["error"]]).utf8)) }

        let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
        var rows = 0, failed = 0
        var firstFailure: String?
        while true {
            var block: [RecordStream.Record] = []
            block.reserveCapacity(Self.blockRows)
            do {
                while block.count < Self.blockRows, let record = try stream.next() { block.append(record) }
            } catch {
                throw lateUsageError("--input: cannot read \(path): \(error)")
            }
            if block.isEmpty { break }
            let parts = Self.answer(block, reader: reader, output: output, answer: answer, slices: cores)
            for part in parts {
                out.write(part.bytes)
                failed += part.failed
                if firstFailure == nil { firstFailure = part.firstFailure }
            }
            rows += block.count
            progress.update(rows: rows, bytes: stream.bytesRead)
            if out.closed { break }
        }
        out.flush()
        progress.finish(rows: rows)
        if failed > 0 {
            printError("\(command): \(failed) of \(rows) rows have no answer (each has an error row); the first: \(firstFailure ?? "")")
            throw ExitCode(65)
        }
    }

    /// The header line, with the coordinate columns found; nil for an empty file.
    private func csvHeader(_ stream: inout RecordStream) throws -> CSVLayout? {
        guard let first = try stream.next() else { return nil }
        let header: [String]
        do {
            header = try CSV.decode(String(decoding: first.bytes, as: UTF8.self)).first?.fields ?? []
        } catch {
            throw lateUsageError("--input: the header line is not CSV: \(error)")
        }
        func column(_ flag: String, given: String?, names: [String]) throws -> Int {
            let wanted = given.map { [$0] } ?? names
            let trimmed = header.map { $0.trimmingCharacters(in: .whitespaces) }
            if let i = wanted.lazy.compactMap({ name in trimmed.firstIndex { $0.caseInsensitiveCompare(name) == .orderedSame } }).first { return i }
            let list = header.map { "\"\($0)\"" }.joined(separator: ", ")
            throw lateUsageError("\(flag): the header line (\(list)) has no column named \(wanted.map { "\"\($0)\"" }.joined(separator: " or ")): name it with \(flag)")
        }
        return CSVLayout(header: header, lat: try column("--lat-column", given: options.latColumn, names: Self.latNames),
                         lng: try column("--lng-column", given: options.lngColumn, names: Self.lngNames))
    }

    struct CSVLayout: Sendable {
        let header: [String]
        let lat: Int
        let lng: Int
    }

    /// How a row's coordinates are found, and what of it passes through.
    enum RowReader: Sendable {
        case csv(CSVLayout)
        case jsonl(lat: [String], lng: [String])

        var passThroughColumns: [String] {
            switch self {
            case .csv(let layout): layout.header
            case .jsonl: ["line", "lat", "lng"]
            }
        }
    }

    /// One slice of a block, answered: its output bytes and its failures.
    struct Part: Sendable {
        var bytes: [UInt8] = []
        var failed = 0
        var firstFailure: String?
    }

    /// Answers a block on every core: one slice per worker, written back in order.
    static func answer(_ block: [RecordStream.Record], reader: RowReader, output: BatchFormat,
                       answer: any BatchAnswer, slices: Int) -> [Part] {
        let slices = min(slices, block.count)
        let columns = answer.columns.count, member = answer.member
        // Each slice writes only its own element.
        nonisolated(unsafe) let parts = UnsafeMutableBufferPointer<Part>.allocate(capacity: slices)
        parts.initialize(repeating: Part())
        defer { parts.deinitialize(); parts.deallocate() }
        let size = (block.count + slices - 1) / slices
        DispatchQueue.concurrentPerform(iterations: slices) { s in
            var part = Part()
            part.bytes.reserveCapacity(size * 96)
            let worker = answer.worker()
            for record in block[(s * size)..<min(block.count, (s + 1) * size)] {
                let row = Row(record, reader: reader)
                do throws(BatchRowError) {
                    let point = try row.point()
                    switch output {
                    case .csv:
                        part.bytes += CSV.encode([row.passThrough + (try worker.cells(latitude: point.lat, longitude: point.lng)) + [""]]).utf8
                    case .jsonl:
                        let result = try worker.json(latitude: point.lat, longitude: point.lng)
                        part.bytes += "{\"line\":\(record.line),\"input\":".utf8
                        part.bytes += row.inputJSON
                        part.bytes += ",\"\(member)\":".utf8
                        part.bytes += result
                        part.bytes += "}\n".utf8
                    }
                } catch {
                    let reason = "line \(record.line): \(error.reason)"
                    part.failed += 1
                    if part.firstFailure == nil { part.firstFailure = reason }
                    switch output {
                    case .csv:
                        part.bytes += CSV.encode([row.passThrough + Array(repeating: "", count: columns) + [reason]]).utf8
                    case .jsonl:
                        part.bytes += "{\"line\":\(record.line),\"input\":".utf8
                        part.bytes += row.inputJSON
                        part.bytes += ",\"error\":".utf8
                        part.bytes += jsonString(reason)
                        part.bytes += "}\n".utf8
                    }
                }
            }
            parts[s] = part
        }
        return Array(parts)
    }

    /// One input row, read: what passes through, and its point or why it has none.
    struct Row {
        let passThrough: [String]
        /// The row as a JSON value for a JSON Lines answer's `input`.
        let inputJSON: [UInt8]
        let parsed: Result<(lat: Double, lng: Double), BatchRowError>

        init(_ record: RecordStream.Record, reader: RowReader) {
            switch reader {
            case .csv(let layout):
                let fields: [String]
                do {
                    fields = try CSV.decode(String(decoding: record.bytes, as: UTF8.self)).first?.fields ?? []
                } catch {
                    passThrough = Array(repeating: "", count: layout.header.count)
                    inputJSON = Array("null".utf8)
                    parsed = .failure(BatchRowError(reason: error.reason))
                    return
                }
                // A short or long row passes through as far as the header goes.
                passThrough = (0..<layout.header.count).map { $0 < fields.count ? fields[$0] : "" }
                inputJSON = jsonObject(zip(layout.header, passThrough))
                if fields.count != layout.header.count {
                    parsed = .failure(BatchRowError(reason: "\(fields.count) fields where the header line has \(layout.header.count)"))
                    return
                }
                parsed = Self.coordinates(fields[layout.lat], fields[layout.lng], names: (layout.header[layout.lat], layout.header[layout.lng]))
            case .jsonl(let latKeys, let lngKeys):
                let object = (try? JSONSerialization.jsonObject(with: Data(record.bytes))) as? [String: Any]
                guard let object else {
                    passThrough = [String(record.line), "", ""]
                    inputJSON = Array("null".utf8)
                    parsed = .failure(BatchRowError(reason: "not a JSON object: expected one object per line, like {\"lat\":30.259,\"lng\":120.13}"))
                    return
                }
                inputJSON = record.bytes
                func value(_ keys: [String]) -> (key: String, text: String)? {
                    for key in keys {
                        guard let v = object[key] else { continue }
                        if let n = v as? NSNumber { return (key, "\(n.doubleValue)") }
                        return (key, v as? String ?? "\(v)")
                    }
                    return nil
                }
                let lat = value(latKeys), lng = value(lngKeys)
                passThrough = [String(record.line), lat?.text ?? "", lng?.text ?? ""]
                guard let lat, let lng else {
                    let missing = lat == nil ? latKeys : lngKeys
                    parsed = .failure(BatchRowError(reason: "no \(missing.map { "\"\($0)\"" }.joined(separator: " or ")) member: expected the point's \(lat == nil ? "latitude" : "longitude") in degrees"))
                    return
                }
                parsed = Self.coordinates(lat.text, lng.text, names: (lat.key, lng.key))
            }
        }

        func point() throws(BatchRowError) -> (lat: Double, lng: Double) { try parsed.get() }

        static func coordinates(_ lat: String, _ lng: String, names: (String, String)) -> Result<(lat: Double, lng: Double), BatchRowError> {
            func number(_ text: String, _ name: String) -> Result<Double, BatchRowError> {
                let trimmed = text.trimmingCharacters(in: .whitespaces)
                guard let value = Double(trimmed), value.isFinite else {
                    return .failure(BatchRowError(reason: "\(name): \"\(text)\" is not a number: expected degrees like 30.259"))
                }
                return .success(value)
            }
            switch (number(lat, names.0), number(lng, names.1)) {
            case (.success(let a), .success(let b)): return .success((a, b))
            case (.failure(let e), _), (_, .failure(let e)): return .failure(e)
            }
        }
    }
}

/// A JSON string literal, escaped as JSON requires (and control characters as \u escapes).
func jsonString(_ text: String) -> [UInt8] {
    var out: [UInt8] = [UInt8(ascii: "\"")]
    for b in text.utf8 {
        switch b {
        case UInt8(ascii: "\""): out += "\\\"".utf8
        case UInt8(ascii: "\\"): out += "\\\\".utf8
        case 0..<0x20: out += String(format: "\\u%04x", b).utf8
        default: out.append(b)
        }
    }
    out.append(UInt8(ascii: "\""))
    return out
}

/// A JSON object of string members, in the given order.
func jsonObject<S: Sequence>(_ members: S) -> [UInt8] where S.Element == (String, String) {
    var out: [UInt8] = [UInt8(ascii: "{")]
    for (i, (key, value)) in members.enumerated() {
        if i > 0 { out.append(UInt8(ascii: ",")) }
        out += jsonString(key)
        out.append(UInt8(ascii: ":"))
        out += jsonString(value)
    }
    out.append(UInt8(ascii: "}"))
    return out
}

/// Standard output, written in large blocks with write(2). A reader that goes away (a closed
/// pipe, as with `| head`) ends the run quietly.
final class OutputSink {
    private var pending: [UInt8] = []
    private(set) var closed = false

    init() {
        signal(SIGPIPE, SIG_IGN)
        pending.reserveCapacity(1 << 20)
    }

    func write(_ bytes: [UInt8]) {
        pending += bytes
        if pending.count >= 1 << 20 { flush() }
    }

    func flush() {
        var offset = 0
        while offset < pending.count, !closed {
            let n = pending.withUnsafeBytes { Glibc.write(1, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                closed = true
            } else {
                offset += n
            }
        }
        pending.removeAll(keepingCapacity: true)
    }
}

/// A progress line on stderr, only when stderr is a terminal, at most five times a second.
final class BatchProgress {
    let command: String
    let tty = isatty(STDERR_FILENO) == 1
    let started = ContinuousClock.now
    var last = ContinuousClock.now

    init(command: String) { self.command = command }

    func update(rows: Int, bytes: Int) {
        guard tty, ContinuousClock.now - last > .milliseconds(200) else { return }
        last = .now
        let elapsed = (ContinuousClock.now - started).components
        let seconds = max(0.001, Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18)
        let line = "\(command): \(rows) rows, \(bytes >> 20) MiB read, \(Int(Double(rows) / seconds)) rows/s"
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
    }

    /// `done` of `total` things (counties, …), at most five times a second.
    func counting(_ done: Int, of total: Int, _ what: String) {
        guard tty, ContinuousClock.now - last > .milliseconds(200) || done == total else { return }
        last = .now
        FileHandle.standardError.write(Data(("\r\u{1B}[K\(command): \(done) of \(total) \(what)").utf8))
    }

    func finish(rows: Int) {
        guard tty else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
