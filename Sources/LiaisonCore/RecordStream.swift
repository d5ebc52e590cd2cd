#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file read record by record, holding one block of it at a time (1 MiB, more only for a
/// longer record), so a file of any length is read in bounded memory.
///
/// A record ends at LF, CRLF or CR; with `quoted`, not inside a CSV double-quoted field, so a
/// CSV field may hold a line break. A UTF-8 byte order mark at the start is skipped, and
/// empty records (blank lines) are skipped, though they still count as lines.
public struct RecordStream {
    /// One record's bytes (without its end) and the line it starts on, counting from 1.
    public struct Record: Sendable, Hashable {
        public let line: Int
        public let bytes: [UInt8]
    }

    public struct ReadError: Error, Sendable, CustomStringConvertible {
        public let errno: Int32
        public var description: String { String(cString: strerror(errno)) }
    }

    private let fd: Int32
    private let quoted: Bool
    private var buffer: [UInt8]
    private var start = 0, end = 0
    private var atEOF = false, atStart = true
    private var line = 1
    /// Bytes read so far, for progress.
    public private(set) var bytesRead = 0

    /// - Parameters:
    ///   - fd: an open file descriptor, read to its end (the caller closes it).
    ///   - quoted: CSV: a line break inside a double-quoted field does not end the record.
    public init(fd: Int32, quoted: Bool, blockSize: Int = 1 << 20) {
        self.fd = fd
        self.quoted = quoted
        buffer = [UInt8](repeating: 0, count: blockSize)
    }

    /// The next non-empty record, or nil at the end of the file.
    public mutating func next() throws(ReadError) -> Record? {
        while true {
            guard let record = try nextRecord() else { return nil }
            if !record.bytes.isEmpty { return record }
        }
    }

    private mutating func nextRecord() throws(ReadError) -> Record? {
        var scan = start
        var inQuotes = false
        var breaks = 0
        while true {
            if scan == end {
                if atEOF {
                    guard start < end else { return nil }
                    let record = Record(line: line, bytes: Array(buffer[start..<end]))
                    line += breaks
                    start = end
                    return record
                }
                let offset = try fill()
                scan -= offset
                continue
            }
            let c = buffer[scan]
            if quoted && c == Self.quote {
                inQuotes.toggle()
            } else if c == Self.lf || c == Self.cr {
                if !inQuotes {
                    let record = Record(line: line, bytes: Array(buffer[start..<scan]))
                    var next = scan + 1
                    if c == Self.cr {
                        // A CRLF split across two blocks is still one record end.
                        if next == end && !atEOF { let offset = try fill(); scan -= offset; next = scan + 1 }
                        if next < end && buffer[next] == Self.lf { next += 1 }
                    }
                    start = next
                    line += breaks + 1
                    return record
                }
                if c == Self.lf { breaks += 1 }
            }
            scan += 1
        }
    }

    /// Moves the unread part to the front, reads more after it (growing the buffer when one
    /// record fills it) and answers how far the unread part moved.
    private mutating func fill() throws(ReadError) -> Int {
        let offset = start
        if start > 0 {
            buffer.withUnsafeMutableBytes { b in _ = memmove(b.baseAddress!, b.baseAddress! + start, end - start) }
            end -= start
            start = 0
        }
        repeat {
            if end == buffer.count { buffer.append(contentsOf: repeatElement(0, count: buffer.count)) }
            let n = buffer.withUnsafeMutableBytes { b in read(fd, b.baseAddress! + end, b.count - end) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ReadError(errno: errno)
            }
            if n == 0 { atEOF = true }
            end += n
            bytesRead += n
            // The first three bytes decide the byte order mark (a pipe may deliver fewer).
        } while atStart && !atEOF && end < 3
        if atStart {
            atStart = false
            if end >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF { start = 3 }
        }
        return offset - start
    }

    private static let quote = UInt8(ascii: "\""), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
}
