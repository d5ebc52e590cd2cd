import Foundation

/// The station register as a spreadsheet: one row per station under a header row, UTF-8,
/// RFC 4180 (see ``CSV``). The same fields as ``StationFeature``, flattened:
///
/// | column | example |
/// | --- | --- |
/// | `id`, `name`, `status`, `county_code` | `330102-0001`, `柳塘村消费维权联络站`, `active`, `330102` |
/// | `lng`, `lat` | `120.2218452`, `30.374799` (WGS-84, Swift's shortest round-trip form) |
/// | `city`, `county`, `town`, `village` | the address |
/// | `phone`, `capacity` | `0571-63015603`, `13` |
/// | `modes` | `offline;video` |
/// | `hours` | `mon-fri 08:30-11:30,13:30-17:00; sat 08:30-11:30` (days not listed are closed) |
/// | `staff` | `徐国庆|站长|19900008669|s1; 张爱华|联络员|19900001158|s2` |
///
/// Lists inside a cell: `;` separates items (modes, days, staff members), `,` separates a
/// day's intervals, `|` separates a staff member's name, role, mobile and id (the id may be
/// left out: members without one are numbered after the others, as in a GeoJSON register). Whitespace around
/// an item or a value is ignored. A backslash makes the next character literal, so
/// `\;`, `\|`, `\,`, `\\` and `\ ` (a space to keep at either end) write those characters
/// inside a value; the writer escapes exactly what needs it, so every register survives a
/// round trip.
///
/// Reading builds a ``StationFeature`` per row and validates it like a GeoJSON feature;
/// errors name the row (as a spreadsheet numbers it: the header is row 1), the id and the
/// column (`staff[0].mobile`, `hours.mon`).
public enum StationCSV {
    public static let columns = [
        "id", "name", "status", "county_code", "lng", "lat", "city", "county", "town", "village",
        "phone", "modes", "capacity", "hours", "staff",
    ]

    // MARK: Writing

    /// The file: the header row, then one row per station in the order given.
    public static func encode(_ features: [StationFeature], byteOrderMark: Bool = false) -> Data {
        var data = Data(byteOrderMark ? CSV.byteOrderMark : [])
        data.append(contentsOf: CSV.encode([columns] + features.map(row)).utf8)
        return data
    }

    /// One station's cells, in ``columns`` order.
    public static func row(_ f: StationFeature) -> [String] {
        let p = f.properties
        let c = f.geometry.coordinates
        return [
            f.id, p.name, p.status, p.county_code,
            c.count > 0 ? number(c[0]) : "", c.count > 1 ? number(c[1]) : "",
            p.address.city, p.address.county, p.address.town, p.address.village,
            p.phone, modesCell(p.modes), String(p.capacity), hoursCell(p.hours), staffCell(p.staff),
        ]
    }

    /// Swift's shortest form that reads back as the same `Double` (as ``JSONOutput`` writes numbers).
    public static func number(_ value: Double) -> String {
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text
    }

    static func modesCell(_ modes: [String]) -> String {
        modes.map { escape($0, special: ";") }.joined(separator: ";")
    }

    /// Days with the same intervals as the day before are written as a range (`mon-fri`);
    /// closed days are left out.
    static func hoursCell(_ hours: WeeklyHours) -> String {
        let days = hours.days
        var items: [String] = []
        var i = 0
        while i < days.count {
            let intervals = days[i].intervals
            guard !intervals.isEmpty else { i += 1; continue }
            var j = i
            while j + 1 < days.count && days[j + 1].intervals == intervals { j += 1 }
            let span = i == j ? days[i].name : "\(days[i].name)-\(days[j].name)"
            items.append(span + " " + intervals.map { escape($0, special: ";,") }.joined(separator: ","))
            i = j + 1
        }
        return items.joined(separator: "; ")
    }

    static func staffCell(_ staff: [StaffMember]) -> String {
        staff.map { m in ([m.name, m.role, m.mobile] + (m.id.isEmpty ? [] : [m.id])).map { escape($0, special: ";|") }.joined(separator: "|") }
            .joined(separator: "; ")
    }

    /// `value` with a backslash before each backslash, each character of `special`, and each
    /// whitespace character at either end (which reading would otherwise trim).
    static func escape(_ value: String, special: String) -> String {
        let chars = Array(value)
        let first = chars.firstIndex { !$0.isWhitespace } ?? chars.count
        let last = chars.lastIndex { !$0.isWhitespace } ?? -1
        var out = ""
        for (i, c) in chars.enumerated() {
            if c == "\\" || special.contains(c) || i < first || i > last { out.append("\\") }
            out.append(c)
        }
        return out
    }

    // MARK: Reading

    /// A data row: its row number (the header is row 1) and its cells by column.
    public struct Row: Sendable, Hashable {
        public let row: Int
        public let cells: [String: String]

        public var id: String { cells["id", default: ""].trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    /// The data rows of a file, after checking its header. Blank rows are skipped.
    ///
    /// - Throws: ``RegisterFile/FormatError`` for text that is not UTF-8 or not CSV, a
    ///   missing, unknown or repeated column, or a row with more or fewer cells than the header.
    public static func rows(_ data: Data) throws(RegisterFile.FormatError) -> [Row] {
        let body = data.starts(with: CSV.byteOrderMark) ? data.dropFirst(CSV.byteOrderMark.count) : data[...]
        guard let text = String(validating: body, as: UTF8.self) else {
            throw RegisterFile.FormatError(description: "not UTF-8 text: save the CSV as UTF-8")
        }
        let records: [CSV.Record]
        do {
            records = try CSV.decode(text)
        } catch {
            throw RegisterFile.FormatError(description: "not well-formed CSV: \(error)")
        }
        guard let header = records.first else {
            throw RegisterFile.FormatError(description: "empty: expected a header row with the columns \(columns.joined(separator: ","))")
        }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        var problems: [String] = []
        let missing = columns.filter { !names.contains($0) }
        if !missing.isEmpty { problems.append("missing column\(missing.count == 1 ? "" : "s") \(missing.joined(separator: ", "))") }
        let unknown = names.filter { !columns.contains($0) }
        if !unknown.isEmpty { problems.append("unknown column\(unknown.count == 1 ? "" : "s") \(unknown.map { "\"\($0)\"" }.joined(separator: ", "))") }
        let repeated = Set(names.filter { name in names.filter { $0 == name }.count > 1 })
        if !repeated.isEmpty { problems.append("repeated column\(repeated.count == 1 ? "" : "s") \(repeated.sorted().joined(separator: ", "))") }
        guard problems.isEmpty else {
            throw RegisterFile.FormatError(description: "header row: \(problems.joined(separator: "; ")): expected the columns \(columns.joined(separator: ",")) in any order")
        }

        var rows: [Row] = []
        for (n, record) in records.enumerated().dropFirst() {
            if record.fields.allSatisfy(\.isEmpty) { continue }
            guard record.fields.count == names.count else {
                throw RegisterFile.FormatError(description: "row \(n + 1) (line \(record.line)) has \(record.fields.count) cells, the header \(names.count): a cell holding a comma must be quoted")
            }
            rows.append(Row(row: n + 1, cells: Dictionary(uniqueKeysWithValues: zip(names, record.fields))))
        }
        return rows
    }

    /// The row as a feature, before validation.
    ///
    /// - Throws: ``InvalidInput`` for cells that cannot be read at all (a coordinate or
    ///   capacity that is not a number, hours or staff that do not follow the cell syntax),
    ///   named by column.
    public static func feature(_ row: Row) throws(InvalidInput) -> StationFeature {
        var problems: [InvalidParameter] = []
        func cell(_ name: String) -> String { row.cells[name, default: ""] }
        func trimmed(_ name: String) -> String { cell(name).trimmingCharacters(in: .whitespacesAndNewlines) }

        var coordinates: [Double] = []
        for axis in ["lng", "lat"] {
            if let value = decimal(trimmed(axis)) {
                coordinates.append(value)
            } else {
                problems.append(InvalidParameter(name: axis, reason: "\"\(cell(axis))\" is not a decimal number of degrees"))
            }
        }
        let capacity = Int(trimmed("capacity"))
        if capacity == nil {
            problems.append(InvalidParameter(name: "capacity", reason: "\"\(cell("capacity"))\" is not an integer"))
        }
        let modes = items(cell("modes"), separator: ";").map(value)
        var hours = WeeklyHours(mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [])
        do throws(InvalidInput) { hours = try parseHours(cell("hours")) } catch { problems += error.parameters }
        var staff: [StaffMember] = []
        do throws(InvalidInput) { staff = try parseStaff(cell("staff")) } catch { problems += error.parameters }
        guard problems.isEmpty, let capacity else { throw InvalidInput(problems) }

        return StationFeature(
            id: row.id,
            geometry: StationFeature.Geometry(type: "Point", coordinates: coordinates),
            properties: StationFeature.Properties(
                name: cell("name"), county_code: trimmed("county_code"),
                address: StationAddress(city: cell("city"), county: cell("county"), town: cell("town"), village: cell("village")),
                phone: cell("phone"), hours: hours, modes: modes, capacity: capacity, status: trimmed("status"), staff: staff))
    }

    /// A validation problem's field, as the CSV column it comes from (`properties.staff[0].mobile` → `staff[0].mobile`).
    public static func column(of field: String) -> String {
        if field.hasPrefix("geometry") { return "lng/lat" }
        for prefix in ["properties.address.", "properties."] where field.hasPrefix(prefix) {
            return String(field.dropFirst(prefix.count))
        }
        return field
    }

    /// A plain decimal number (`120.2218452`, `-1.5e-3`): no hex, no `nan`, no `inf`.
    static func decimal(_ text: String) -> Double? {
        guard !text.isEmpty, text.utf8.allSatisfy({ (48...57).contains($0) || "+-.eE".utf8.contains($0) }) else { return nil }
        return Double(text)
    }

    static let dayNames = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

    static func parseHours(_ text: String) throws(InvalidInput) -> WeeklyHours {
        var days: [[String]?] = Array(repeating: nil, count: 7)
        var problems: [InvalidParameter] = []
        let expected = "expected items like \"mon-fri 08:30-11:30,13:30-17:00\" or \"sun closed\", separated by \";\""
        for item in items(text, separator: ";") {
            let body = item.drop { $0.isWhitespace }
            let span = body.prefix { !$0.isWhitespace }
            let rest = body.dropFirst(span.count)
            let bounds = span.split(separator: "-", omittingEmptySubsequences: false).map { dayNames.firstIndex(of: String($0)) }
            guard (1...2).contains(bounds.count), let from = bounds.first ?? nil, let to = bounds.last ?? nil, from <= to else {
                problems.append(InvalidParameter(name: "hours", reason: "\"\(span)\" is not a day or a range of days (mon, tue, wed, thu, fri, sat, sun; e.g. mon-fri): \(expected)"))
                continue
            }
            let intervals = items(rest, separator: ",").map(value)
            guard !intervals.isEmpty else {
                problems.append(InvalidParameter(name: "hours", reason: "\"\(span)\" has no intervals: \(expected)"))
                continue
            }
            for day in from...to {
                guard days[day] == nil else {
                    problems.append(InvalidParameter(name: "hours.\(dayNames[day])", reason: "the day is given more than once"))
                    continue
                }
                days[day] = intervals == ["closed"] ? [] : intervals
            }
        }
        guard problems.isEmpty else { throw InvalidInput(problems) }
        let d = days.map { $0 ?? [] }
        return WeeklyHours(mon: d[0], tue: d[1], wed: d[2], thu: d[3], fri: d[4], sat: d[5], sun: d[6])
    }

    static func parseStaff(_ text: String) throws(InvalidInput) -> [StaffMember] {
        var staff: [StaffMember] = []
        var problems: [InvalidParameter] = []
        for (i, item) in items(text, separator: ";").enumerated() {
            let fields = split(item, at: "|").map(value)
            guard fields.count == 3 || fields.count == 4 else {
                problems.append(InvalidParameter(name: "staff[\(i)]", reason: "\"\(item.trimmingCharacters(in: .whitespaces))\" has \(fields.count) part\(fields.count == 1 ? "" : "s"): expected name|role|mobile or name|role|mobile|id (a literal | or ; in a value is written \\| or \\;)"))
                continue
            }
            staff.append(StaffMember(id: fields.count == 4 ? String(fields[3]) : "", name: fields[0], role: fields[1], mobile: fields[2]))
        }
        guard problems.isEmpty else { throw InvalidInput(problems) }
        return staff
    }

    /// The non-blank pieces of `text` between unescaped `separator`s, escapes kept.
    static func items(_ text: some StringProtocol, separator: Character) -> [Substring] {
        split(Substring(text), at: separator).filter { !value($0).isEmpty }
    }

    /// `text` cut at each `separator` not preceded by a backslash escape; escapes are kept.
    static func split(_ text: Substring, at separator: Character) -> [Substring] {
        var pieces: [Substring] = []
        var start = text.startIndex
        var i = text.startIndex
        while i < text.endIndex {
            let c = text[i]
            if c == "\\" {
                i = text.index(after: i)
                if i < text.endIndex { i = text.index(after: i) }
                continue
            }
            if c == separator {
                pieces.append(text[start..<i])
                start = text.index(after: i)
            }
            i = text.index(after: i)
        }
        pieces.append(text[start...])
        return pieces
    }

    /// A piece's value: unescaped whitespace at either end trimmed, then escapes resolved.
    static func value(_ raw: Substring) -> String {
        var out: [Character] = []
        var kept = 0
        var escaping = false
        for c in raw {
            if escaping {
                out.append(c)
                kept = out.count
                escaping = false
            } else if c == "\\" {
                escaping = true
            } else if c.isWhitespace {
                if !out.isEmpty { out.append(c) }
            } else {
                out.append(c)
                kept = out.count
            }
        }
        if escaping {
            out.append("\\")
            kept = out.count
        }
        return String(out[..<kept])
    }
}

extension StationFeature {
    init(id: String, geometry: Geometry, properties: Properties) {
        type = "Feature"
        self.id = id
        self.geometry = geometry
        self.properties = properties
    }
}
