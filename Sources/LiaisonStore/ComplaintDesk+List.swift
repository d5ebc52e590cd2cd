import Foundation
import GRDB
import LiaisonCore

/// The staff list of complaints: filters and search applied in SQL before paging, in one of two
/// orders, a page at a time behind a cursor.
///
/// Keyset paging: every order is total (its key, then the number, which is unique), and the
/// cursor holds the last row's key and number, so the next page starts strictly after it. A row
/// that changes between pages may move (a deadline met); no row is listed twice in one walk of
/// an unchanging queue, and none is skipped.
extension ComplaintDesk {
    public struct ListQuery: Sendable {
        /// The county the complaints belong to (``Jurisdiction``); nil for the province.
        public var countyCode: String?
        public var statuses: Set<ComplaintStatus> = []
        public var urgentOnly = false
        /// Near a border of `countyCode` (belonging to it, or claimable by it), or of any county.
        public var nearBorder = false
        /// Held by this station.
        public var stationID: String?
        /// Only those with a deadline passed at this instant and its clock still running.
        public var overdueAt: Date?
        /// What `q` looks for (number, phone, text); nil for everything.
        public var search: ComplaintSearch?
        public var sort: ListSort = .submitted
        /// nil: the sort's own default (``ListSort/defaultDescending``).
        public var descending: Bool?
        /// The previous page's `next`: the page holds complaints after it in this order.
        public var after: ListCursor?
        public var limit: Int

        public init(countyCode: String? = nil, limit: Int) {
            self.countyCode = countyCode
            self.limit = limit
        }

        public var isDescending: Bool { descending ?? sort.defaultDescending }
    }

    public struct ListPage: Sendable {
        public let complaints: [Complaint]
        /// The cursor of the next page (``ListCursor/text``); nil on the last.
        public let next: String?
    }

    /// Rows read per statement, and at most per page: a page whose rows mostly fail the exact
    /// overdue check in Swift ends early, with a `next` to go on from, rather than reading on.
    static let listBatch = 200, listScanLimit = 2_000

    public func list(_ query: ListQuery) throws -> ListPage {
        let limit = max(1, min(query.limit, Self.listBatch))
        if let after = query.after, after.sort != query.sort || after.descending != query.isDescending {
            throw InvalidInput(name: "after", reason: "the cursor is of another sort or order: use the `next` of a page listed with the same sort and order")
        }
        return try database.reading { db in
            var (clauses, args) = Self.listFilter(query, dialect: db.dialect)
            if let at = query.overdueAt {
                clauses.append("(" + Self.deadlinePassed.dropFirst(6) + ")")
                args += Array(repeating: Timestamp.string(at), count: 6)
            }
            let descending = query.isDescending
            let direction = descending ? "DESC" : "ASC", beyond = descending ? "<" : ">"
            let where_ = clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")
            // One more than a page is looked for: whether it exists decides `next`.
            var found: [(complaint: Complaint, cursor: ListCursor)] = []
            var cursor = query.after, scanned = 0
            while scanned < Self.listScanLimit {
                var bound = args
                let sql: String
                switch query.sort {
                case .submitted:
                    var keyed = where_
                    if let cursor {
                        keyed += (clauses.isEmpty ? " WHERE " : " AND ") + "number \(beyond) ?"
                        bound.append(cursor.number)
                    }
                    sql = "SELECT \(ComplaintRecord.columns) FROM complaints\(keyed) ORDER BY number \(direction) LIMIT \(Self.listBatch)"
                case .deadline:
                    // The key as a column of a subquery, so the cursor's comparison and the order
                    // read the same value; the order is total because numbers are unique.
                    var after = ""
                    if let cursor, let key = cursor.key {
                        after = " WHERE (sort_key \(beyond) ? OR (sort_key = ? AND number \(beyond) ?))"
                        bound += [key, key, cursor.number]
                    }
                    sql = "SELECT * FROM (SELECT \(ComplaintRecord.columns), \(Self.deadlineKey(db.dialect, descending: descending)) AS sort_key "
                        + "FROM complaints\(where_)) AS listed" + after + " ORDER BY sort_key \(direction), number \(direction) LIMIT \(Self.listBatch)"
                }
                let rows = try Row.fetchAll(db, sql: sql, arguments: StatementArguments(bound))
                for row in rows {
                    let complaint = try ComplaintRecord(row: row).complaint()
                    scanned += 1
                    let here = ListCursor(sort: query.sort, descending: descending,
                                          key: query.sort == .deadline ? row["sort_key"] : nil, number: complaint.number)
                    cursor = here
                    if let at = query.overdueAt, complaint.overdue(at: at).isEmpty { continue }
                    found.append((complaint, here))
                    if found.count == limit + 1 {
                        return ListPage(complaints: found.prefix(limit).map(\.complaint), next: found[limit - 1].cursor.text)
                    }
                }
                if rows.count < Self.listBatch { return ListPage(complaints: found.map(\.complaint), next: nil) }
            }
            // The scan bound reached: what was found, and where to go on from.
            return ListPage(complaints: found.map(\.complaint), next: cursor?.text)
        }
    }

    /// The WHERE clauses of every filter but the overdue one, with their arguments.
    static func listFilter(_ query: ListQuery, dialect: SQLDialect) -> (clauses: [String], arguments: [String]) {
        var clauses: [String] = []
        var args: [String] = []
        if query.nearBorder {
            clauses.append("border_counties IS NOT NULL AND status NOT IN ('closed', 'withdrawn')")
            if let county = query.countyCode {
                clauses.append("(holding_county = ? OR \(Self.mayBeIn(dialect)))")
                args += [county, county]
            }
        } else if let county = query.countyCode {
            clauses.append("holding_county = ?")
            args.append(county)
        }
        if let station = query.stationID {
            clauses.append("station_id = ?")
            args.append(station)
        }
        if !query.statuses.isEmpty {
            let statuses = query.statuses.map(\.rawValue).sorted()
            clauses.append("status IN (\(statuses.map { _ in "?" }.joined(separator: ", ")))")
            args += statuses
        }
        if query.urgentOnly { clauses.append("urgent_reason IS NOT NULL") }
        if let search = query.search {
            let (clause, bound) = Self.searchClause(search, dialect: dialect)
            clauses.append(clause)
            args += bound
        }
        return (clauses, args)
    }

    /// One `q` as SQL. Text is found as a substring of the description or the merchant's name,
    /// ignoring the case of Latin letters: on SQLite through `complaint_search` (FTS5 with the
    /// trigram tokenizer: Chinese has no spaces for a word tokenizer) when the text has the three
    /// characters a trigram needs, else by `instr` over the rows the other filters leave; on
    /// PostgreSQL by `LIKE` over `lower(…)`, which its trigram indexes serve.
    static func searchClause(_ search: ComplaintSearch, dialect: SQLDialect) -> (String, [String]) {
        func text(_ t: String) -> (String, [String]) {
            switch dialect {
            case .sqlite where t.count >= 3:
                // A phrase of one string: FTS5 syntax characters inside it are only text.
                return ("number IN (SELECT number FROM complaint_search WHERE complaint_search MATCH ?)",
                        ["\"" + t.replacingOccurrences(of: "\"", with: "\"\"") + "\""])
            case .sqlite:
                return ("(instr(lower(description), lower(?)) > 0 OR instr(lower(merchant_name), lower(?)) > 0)", [t, t])
            case .postgres:
                // The expressions of the trigram indexes (PostgreSQL migration "v7 complaint search").
                let pattern = "%" + t.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                    .replacingOccurrences(of: "_", with: "\\_") + "%"
                return ("(lower(description) LIKE lower(CAST(? AS text)) OR lower(merchant_name) LIKE lower(CAST(? AS text)))", [pattern, pattern])
            }
        }
        switch search {
        case .numberPrefix(let prefix):
            return ("number LIKE ?", [prefix + "%"])
        case .phone(let phone):
            return ("consumer_phone = ?", [phone])
        case .phoneSuffixOrText(let digits):
            let (clause, bound) = text(digits)
            return ("(consumer_phone LIKE ? OR \(clause))", ["%" + digits] + bound)
        case .text(let t):
            return text(t)
        }
    }

    /// What a complaint is sorted by under `sort=deadline`: its earliest deadline whose clock
    /// still runs (``Complaint/runningDeadlines``, passed or not), as the stored text, which
    /// sorts as time. One without a running deadline gets a stand-in that puts it last in
    /// either direction: the latest possible time ascending, the earliest descending.
    static func deadlineKey(_ dialect: SQLDialect, descending: Bool) -> String {
        let open = "status NOT IN ('closed', 'withdrawn')"
        let running = [
            "CASE WHEN review_trigger IS NOT NULL AND review_finding IS NULL THEN review_by END",
            "CASE WHEN \(open) AND urgent_reason IS NOT NULL AND urgent_met_at IS NULL THEN urgent_by END",
            "CASE WHEN \(open) AND dispatched_at IS NULL THEN dispatch_by END",
            "CASE WHEN \(open) AND responded_at IS NULL THEN respond_by END",
            "CASE WHEN \(open) AND accepted_at IS NULL THEN acceptance_by END",
            "CASE WHEN \(open) AND accepted_at IS NOT NULL AND outcome_at IS NULL THEN mediation_by END",
        ].map { "COALESCE(\($0), '\(ListCursor.noDeadlineLast)')" }
        // SQLite's MIN of several values is its scalar minimum; PostgreSQL calls it LEAST.
        let earliest = (dialect == .sqlite ? "MIN(" : "LEAST(") + running.joined(separator: ", ") + ")"
        guard descending else { return earliest }
        return "CASE WHEN \(earliest) = '\(ListCursor.noDeadlineLast)' THEN '\(ListCursor.noDeadlineFirst)' ELSE \(earliest) END"
    }
}

/// The orders of the staff list.
public enum ListSort: String, Sendable, Hashable, CaseIterable {
    /// By number, which is the order of submission (newest first by default).
    case submitted
    /// By the earliest deadline whose clock still runs (nearest first by default); those
    /// without one last, in either direction.
    case deadline

    public var defaultDescending: Bool { self == .submitted }
    public static let allowedNames = allCases.map(\.rawValue).joined(separator: ", ")
}

/// Where the next page of the staff list starts: a position in the sort, valid with either
/// order. For `sort=submitted` it is the last complaint's number (as it always was); for
/// `sort=deadline`, the last row's sort key (its running deadline as 17 digits,
/// `YYYYMMDDHHMMSSmmm` UTC, or a stand-in) and number: `20261130081729762~ZJ-20261129-000001`.
/// Every string of that form is a position, so no well-formed cursor is refused: a number
/// given with `sort=deadline` is the position of a complaint with no running deadline, and a
/// deadline cursor given with `sort=submitted` continues after its number.
public struct ListCursor: Sendable, Hashable {
    public let sort: ListSort
    public let descending: Bool
    /// The deadline sort key (a stored time, or a stand-in); nil for `submitted`.
    let key: String?
    public let number: String

    /// The stand-ins for "no running deadline": stored-time shaped, so they compare as text
    /// with real times the same way in both stores.
    static let noDeadlineLast = "9999-12-31T23:59:59.999Z", noDeadlineFirst = "0000-01-01T00:00:00.000Z"

    init(sort: ListSort, descending: Bool, key: String?, number: String) {
        self.sort = sort
        self.descending = descending
        self.key = sort == .deadline ? key : nil
        self.number = number
    }

    /// Of the default list (`sort=submitted`, newest first): the number itself.
    public init(number: String) {
        self.init(sort: .submitted, descending: true, key: nil, number: number)
    }

    public var text: String {
        guard sort == .deadline, let key else { return number }
        return String(key.filter(\.isNumber)) + "~" + number
    }

    /// A cursor as a page gave it out (or any position of that form).
    ///
    /// - Throws: ``InvalidInput`` naming `after` when it is not of that form.
    public static func parse(_ text: String, sort: ListSort, descending: Bool) throws(InvalidInput) -> ListCursor {
        // The OpenAPI document's pattern for `after`: ^([0-9]{17}~)?ZJ-[0-9]{8}-[0-9]{6}$
        let parts = text.split(separator: "~", maxSplits: 1, omittingEmptySubsequences: false)
        let digits = parts.count == 2 ? String(parts[0]) : nil, number = String(parts.last ?? "")
        guard ComplaintNumber.isWellFormed(number), digits.map({ $0.utf8.count == 17 && $0.utf8.allSatisfy { (48...57).contains($0) } }) ?? true else {
            throw InvalidInput(name: "after", reason: "expected a complaint number ZJ-YYYYMMDD-NNNNNN, or for sort=deadline KEY~NUMBER "
                               + "(17 digits, ~, a number): the previous page's `next`")
        }
        guard sort == .deadline else { return ListCursor(sort: sort, descending: descending, key: nil, number: number) }
        guard let digits else {
            return ListCursor(sort: sort, descending: descending, key: descending ? noDeadlineFirst : noDeadlineLast, number: number)
        }
        // Back to the stored form: YYYY-MM-DDTHH:MM:SS.mmmZ.
        var key = ""
        for (i, digit) in digits.enumerated() {
            let separator: String? = switch i { case 4, 6: "-"; case 8: "T"; case 10, 12: ":"; case 14: "."; default: nil }
            if let separator { key += separator }
            key.append(digit)
        }
        key += "Z"
        return ListCursor(sort: sort, descending: descending, key: key, number: number)
    }
}

/// What one `q` of the staff list looks for, decided from its form:
///
/// - `ZJ-` and digits (a number or its beginning, any case): complaints whose number starts so;
/// - 11 digits: the consumer's phone;
/// - 4 digits: a phone's last four, or the digits in the description or the merchant's name;
/// - anything else: text in the description or the merchant's name (Latin letters in any case).
public enum ComplaintSearch: Sendable, Hashable {
    case numberPrefix(String)
    case phone(String)
    case phoneSuffixOrText(String)
    case text(String)

    public static let maxCharacters = 100

    /// - Throws: ``InvalidInput`` naming `q` when it is empty or longer than ``maxCharacters``.
    public static func parse(_ raw: String) throws(InvalidInput) -> ComplaintSearch {
        let q = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !q.isEmpty, q.count <= maxCharacters else {
            throw InvalidInput(name: "q", reason: "is \(q.count) characters: expected 1 to \(maxCharacters) (a complaint number or its beginning, a phone or its last 4 digits, or text)")
        }
        if q.uppercased().wholeMatch(of: /ZJ-[0-9-]{0,16}/) != nil { return .numberPrefix(q.uppercased()) }
        if q.utf8.allSatisfy({ (48...57).contains($0) }) {
            if q.utf8.count == 11 { return .phone(q) }
            if q.utf8.count == 4 { return .phoneSuffixOrText(q) }
        }
        return .text(q)
    }
}
