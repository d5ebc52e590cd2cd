import Foundation
import Logging
import Synchronization

/// Logs as JSON lines on stderr, buffered: one `write(2)` per batch instead of per line.
///
/// `liaison serve` logs every request; writing each line with its own system call cost
/// about a sixth of the server's throughput. Lines are collected in memory and written
/// every 100 ms, when 64 KiB are pending, immediately for warnings and worse, and at exit
/// (``flush()``). A crash can lose the last 100 ms of info lines; nothing else is buffered.
///
/// ```json
/// {"ts":"2026-11-29T06:22:37.123Z","level":"info","label":"liaison.http","msg":"request","http.status":"200",...}
/// ```
struct JSONLineLogHandler: LogHandler {
    let label: String
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level

    /// The level every logger of the process starts at, whoever makes it (the store's and the
    /// workers' as well as the server's): `serve --log-level` sets it before anything logs.
    static let processLevel = Mutex<Logger.Level>(.info)

    init(label: String) {
        self.label = label
        logLevel = Self.processLevel.withLock { $0 }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var line = JSONLine()
        line.field("ts", Self.timestamp())
        line.field("level", event.level.rawValue)
        line.field("label", label)
        line.field("msg", "\(event.message)")
        var fields = metadata
        if let extra = event.metadata { fields.merge(extra) { _, new in new } }
        for key in fields.keys.sorted() { line.field(key, "\(fields[key]!)") }
        line.bytes.append(contentsOf: "}\n".utf8)
        StderrBuffer.shared.append(line.bytes, urgent: event.level >= .warning)
    }

    /// Writes whatever is pending; call before the process exits.
    static func flush() {
        StderrBuffer.shared.flush()
    }

    /// UTC, millisecond precision.
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var parts = tm()
        var seconds = now.tv_sec
        gmtime_r(&seconds, &parts)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let millis = Int(now.tv_nsec / 1_000_000)
        let ms = millis < 10 ? "00\(millis)" : millis < 100 ? "0\(millis)" : "\(millis)"
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)).\(ms)Z"
    }
}

/// A JSON object built field by field, strings only.
private struct JSONLine {
    var bytes: [UInt8] = [UInt8(ascii: "{")]

    mutating func field(_ key: String, _ value: String) {
        if bytes.count > 1 { bytes.append(UInt8(ascii: ",")) }
        string(key)
        bytes.append(UInt8(ascii: ":"))
        string(value)
    }

    private mutating func string(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): bytes.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): bytes.append(contentsOf: #"\\"#.utf8)
            case 0x0A: bytes.append(contentsOf: #"\n"#.utf8)
            case 0..<0x20: bytes.append(contentsOf: String(format: "\\u%04x", b).utf8)
            default: bytes.append(b)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}

/// The process's stderr, written in batches by a background timer.
///
/// `@unchecked Sendable`: the byte buffer is behind a Mutex and writes are serialised by
/// another; the timer is set up in `init` and never touched again.
final class StderrBuffer: @unchecked Sendable {
    static let shared = StderrBuffer()

    private let pending = Mutex<[UInt8]>([])
    private let flushing = Mutex<Void>(())
    private let timer: DispatchSourceTimer
    private static let limit = 64 * 1024

    private init() {
        timer = DispatchSource.makeTimerSource(queue: .global(qos: .utility))
        timer.schedule(deadline: .now() + .milliseconds(100), repeating: .milliseconds(100))
        timer.setEventHandler { [weak self] in self?.flush() }
        timer.resume()
    }

    func append(_ line: [UInt8], urgent: Bool) {
        let full = pending.withLock { buffer in
            buffer.append(contentsOf: line)
            return buffer.count >= Self.limit
        }
        if urgent || full { flush() }
    }

    /// Writes everything pending, in order (one writer at a time).
    func flush() {
        flushing.withLock { _ in
            let chunk = pending.withLock { buffer in defer { buffer.removeAll(keepingCapacity: true) }; return buffer }
            guard !chunk.isEmpty else { return }
            chunk.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = write(STDERR_FILENO, raw.baseAddress! + offset, raw.count - offset)
                    if n <= 0 { if errno == EINTR { continue } else { return } }
                    offset += n
                }
            }
        }
    }
}
