import Foundation

/// A calendar day without a time of day or a time zone, written `YYYY-MM-DD` (`2026-10-01`):
/// proleptic Gregorian, years 1 to 9999.
///
/// Working days and deadlines are counted in these; ``init(inShanghai:)`` and
/// ``startInShanghai`` convert to and from instants.
public struct LocalDate: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let year: Int
    /// 1 to 12.
    public let month: Int
    /// 1 to the length of the month.
    public let day: Int

    /// The date, or nil when it does not exist (`2026-02-29`, month 13) or the year is outside 1...9999.
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
              (1...Self.daysIn(month: month, year: year)).contains(day) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses exactly `YYYY-MM-DD`: four-digit year, two-digit month and day, nothing else.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for b in bytes[range] {
                guard (48...57).contains(b) else { return nil }
                value = value * 10 + Int(b - 48)
            }
            return value
        }
        guard let y = number(0..<4), let m = number(5..<7), let d = number(8..<10) else { return nil }
        self.init(year: y, month: m, day: d)
    }

    public var description: String {
        func pad(_ n: Int, _ width: Int) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    public static func < (a: LocalDate, b: LocalDate) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }

    /// The date `days` days later (earlier when negative).
    /// - Precondition: the result is in years 1...9999.
    public func adding(days: Int) -> LocalDate {
        LocalDate(daysSince1970: daysSince1970 + days)
    }

    /// The day of the week.
    public var weekday: Weekday {
        // 1970-01-01 was a Thursday (ISO number 4).
        let iso = (((daysSince1970 + 3) % 7) + 7) % 7 + 1
        return Weekday(rawValue: iso)!
    }

    /// ISO 8601 day numbers: Monday is 1, Sunday is 7.
    public enum Weekday: Int, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        case monday = 1, tuesday, wednesday, thursday, friday, saturday, sunday

        public var isWeekend: Bool { self == .saturday || self == .sunday }

        public var description: String {
            ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"][rawValue - 1]
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let date = LocalDate(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "\"\(text)\" is not a date YYYY-MM-DD")
        }
        self = date
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    static func isLeap(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    // Day numbers: Howard Hinnant's days_from_civil / civil_from_days
    // (https://howardhinnant.github.io/date_algorithms.html), exact for the proleptic Gregorian
    // calendar. Eras are 400-year cycles of 146,097 days starting on a March 1st, so the leap
    // day is the last day of a shifted year and needs no special case.

    /// Days since 1970-01-01 (negative before).
    var daysSince1970: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400                                         // 0...399
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1  // 0...365, from March 1st
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static let minDaysSince1970 = LocalDate(year: 1, month: 1, day: 1)!.daysSince1970
    static let maxDaysSince1970 = LocalDate(year: 9999, month: 12, day: 31)!.daysSince1970

    /// - Precondition: `days` is in years 1...9999.
    init(daysSince1970 days: Int) {
        precondition((Self.minDaysSince1970...Self.maxDaysSince1970).contains(days), "LocalDate outside years 1...9999")
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097                                                       // 0...146096
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365  // 0...399
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)          // 0...365
        let mp = (5 * dayOfYear + 2) / 153                                                      // 0...11, from March
        let d = dayOfYear - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.year = yearOfEra + era * 400 + (m <= 2 ? 1 : 0)
        self.month = m
        self.day = d
    }
}

extension LocalDate {
    /// China Standard Time, Asia/Shanghai's only offset: UTC+8, in seconds.
    ///
    /// China has observed no daylight saving time since 1991, so for every date a working
    /// calendar can cover Asia/Shanghai is this fixed offset, and no time-zone database is needed.
    public static let shanghaiOffsetSeconds = 8 * 3600

    private static let secondsPerDay = 86_400

    /// The Asia/Shanghai calendar day that `instant` falls on: `2026-09-30T16:00:00Z` is
    /// `2026-10-01`. Instants before year 1 or after year 9999 give 0001-01-01 or 9999-12-31.
    public init(inShanghai instant: Date) {
        let local = instant.timeIntervalSince1970 + Double(Self.shanghaiOffsetSeconds)
        let days = (local / Double(Self.secondsPerDay)).rounded(.down)
        let clamped = days.isNaN ? Double(Self.minDaysSince1970)
            : min(max(days, Double(Self.minDaysSince1970)), Double(Self.maxDaysSince1970))
        self.init(daysSince1970: Int(clamped))
    }

    /// 00:00 Asia/Shanghai at the start of this day (16:00 UTC the day before).
    public var startInShanghai: Date {
        Date(timeIntervalSince1970: Double(daysSince1970 * Self.secondsPerDay - Self.shanghaiOffsetSeconds))
    }
}
