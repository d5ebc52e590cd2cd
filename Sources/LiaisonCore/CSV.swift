/// Comma-separated values as RFC 4180 has them: records end in CRLF; a field holding a comma,
/// a double quote, CR or LF is enclosed in double quotes, with each double quote doubled.
///
/// Reading accepts CRLF, LF or CR record ends and is strict about quotes (a quote inside an
/// unquoted field, or text after a closing quote, is an error), so a damaged file is
/// reported rather than read into shifted columns.
public enum CSV {
    /// A file that is not well-formed CSV, at a line (counting LFs inside quoted fields too, as an editor does).
    public struct SyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
        public let line: Int
        public let reason: String

        public var description: String { "line \(line): \(reason)" }
    }

    /// One record and the line it starts on.
    public struct Record: Sendable, Hashable {
        public let line: Int
        public let fields: [String]
    }

    /// The field as written in a file: quoted only when it has to be.
    public static func field(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 == comma || $0 == quote || $0 == cr || $0 == lf }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The records as a file: fields joined by commas, every record ended by CRLF.
    public static func encode(_ records: [[String]]) -> String {
        var out = ""
        for record in records {
            out += record.map(field).joined(separator: ",")
            out += "\r\n"
        }
        return out
    }

    /// The records of `text`. A final record end is optional; an empty text has no records.
    public static func decode(_ text: String) throws(SyntaxError) -> [Record] {
        let b = Array(text.utf8)
        var records: [Record] = []
        var fields: [String] = []
        var field: [UInt8] = []
        var atFieldStart = true
        var line = 1, recordLine = 1
        var i = 0

        func endField() {
            // Splitting only at ASCII bytes keeps every field valid UTF-8.
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
        }

        while i < b.count {
            let c = b[i]
            if atFieldStart && c == quote {
                let opened = line
                i += 1
                while true {
                    guard i < b.count else {
                        throw SyntaxError(line: opened, reason: "a quoted field is never closed: a double quote inside a quoted field must be doubled (\"\")")
                    }
                    let q = b[i]
                    if q == quote {
                        if i + 1 < b.count && b[i + 1] == quote {
                            field.append(quote)
                            i += 2
                            continue
                        }
                        i += 1
                        break
                    }
                    if q == lf { line += 1 }
                    field.append(q)
                    i += 1
                }
                if i < b.count && b[i] != comma && b[i] != cr && b[i] != lf {
                    throw SyntaxError(line: line, reason: "text after the closing quote of a quoted field: a double quote inside a quoted field must be doubled (\"\")")
                }
                atFieldStart = false
                continue
            }
            switch c {
            case comma:
                endField()
                atFieldStart = true
                i += 1
            case cr, lf:
                endField()
                records.append(Record(line: recordLine, fields: fields))
                fields.removeAll()
                atFieldStart = true
                i += (c == cr && i + 1 < b.count && b[i + 1] == lf) ? 2 : 1
                line += 1
                recordLine = line
            case quote:
                throw SyntaxError(line: line, reason: "a double quote inside an unquoted field: enclose the field in double quotes and double the quote")
            default:
                field.append(c)
                atFieldStart = false
                i += 1
            }
        }
        if !fields.isEmpty || !field.isEmpty || !atFieldStart {
            endField()
            records.append(Record(line: recordLine, fields: fields))
        }
        return records
    }

    /// The UTF-8 byte order mark, which Excel needs to read a CSV file as UTF-8.
    public static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    private static let comma = UInt8(ascii: ","), quote = UInt8(ascii: "\""), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
}
