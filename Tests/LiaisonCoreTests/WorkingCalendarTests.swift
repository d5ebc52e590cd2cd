import Foundation
import LiaisonCore
import Testing

extension Geodata {
    /// The shipped `geodata/working-calendar.json`.
    static let workingCalendar: WorkingCalendar = {
        do {
            return try WorkingCalendar(json: Data(contentsOf: directory.appendingPathComponent("working-calendar.json")))
        } catch {
            fatalError("working-calendar.json: \(error)")
        }
    }()
}

/// `"2026-10-01"` as a `LocalDate`; a typo in a test is a crash, not a silent pass.
func day(_ text: String) -> LocalDate {
    guard let date = LocalDate(text) else { fatalError("not a date: \(text)") }
    return date
}

/// A small calendar file for 2026, with one entry in each list unless told otherwise.
private func calendarFile(
    timeZone: String = "\"Asia/Shanghai\"", first: String = "\"2026-01-01\"", last: String = "\"2026-12-31\"",
    holidays: String = #"{"date": "2026-10-01", "name": "National Day"}"#,
    adjusted: String = #"{"date": "2026-10-10", "name": "National Day"}"#
) -> Data {
    Data("""
    {"source": "test", "time_zone": \(timeZone), "first_day": \(first), "last_day": \(last),
     "holidays": [\(holidays)], "adjusted_working_days": [\(adjusted)]}
    """.utf8)
}

@Suite struct WorkingCalendarTests {
    let calendar = Geodata.workingCalendar

    @Test func shippedFileCoversWholeYearsFromTheNamedSource() {
        #expect(calendar.firstDay == day("2025-01-01"))
        #expect(calendar.lastDay == day("2026-12-31"))
        #expect(calendar.source.hasPrefix("chinese-calendar 1.11.0"))
    }

    /// The State Council's schedules (the 2025 and 2026 notices):
    /// holidays, the weekend days worked in exchange (调休), and the ordinary days around them.
    @Test(arguments: [
        // Spring Festival 2025: off Jan 28 - Feb 4; worked Sun Jan 26 and Sat Feb 8.
        ("2025-01-24", true), ("2025-01-25", false), ("2025-01-26", true), ("2025-01-27", true),
        ("2025-01-28", false), ("2025-01-31", false), ("2025-02-03", false), ("2025-02-04", false),
        ("2025-02-05", true), ("2025-02-08", true), ("2025-02-09", false),
        // National Day and Mid-Autumn 2025: off Oct 1-8; worked Sun Sep 28 and Sat Oct 11.
        ("2025-09-27", false), ("2025-09-28", true), ("2025-09-30", true), ("2025-10-01", false),
        ("2025-10-06", false), ("2025-10-08", false), ("2025-10-09", true), ("2025-10-11", true),
        ("2025-10-12", false),
        // New Year 2026: off Jan 1-3; worked Sun Jan 4.
        ("2026-01-01", false), ("2026-01-02", false), ("2026-01-04", true), ("2026-01-05", true),
        // Spring Festival 2026: off Feb 15-23 (nine days); worked Sat Feb 14 and Sat Feb 28.
        ("2026-02-13", true), ("2026-02-14", true), ("2026-02-15", false), ("2026-02-16", false),
        ("2026-02-20", false), ("2026-02-21", false), ("2026-02-23", false), ("2026-02-24", true),
        ("2026-02-28", true), ("2026-03-01", false),
        // Mid-Autumn 2026 (Fri Sep 25) and National Day 2026: off Oct 1-7; worked Sun Sep 20 and Sat Oct 10.
        ("2026-09-19", false), ("2026-09-20", true), ("2026-09-25", false), ("2026-09-30", true),
        ("2026-10-01", false), ("2026-10-05", false), ("2026-10-07", false), ("2026-10-08", true),
        ("2026-10-10", true), ("2026-10-11", false),
        // Ordinary weeks and the range's ends.
        ("2025-01-01", false), ("2025-03-15", false), ("2025-03-17", true), ("2026-12-31", true),
    ])
    func pinnedDays(_ date: String, working: Bool) throws {
        #expect(try calendar.isWorkingDay(day(date)) == working, "\(date)")
    }

    @Test(arguments: [
        ("2026-09-30", 7, "2026-10-15"),   // last working day before National Day 2026
        ("2026-09-30", 1, "2026-10-08"),
        ("2026-10-08", 2, "2026-10-10"),   // the adjusted Saturday counts
        ("2026-09-18", 1, "2026-09-20"),   // Friday -> the adjusted Sunday
        ("2026-02-13", 1, "2026-02-14"),
        ("2026-02-14", 1, "2026-02-24"),   // from the adjusted Saturday over Spring Festival
        ("2026-02-15", 1, "2026-02-24"),   // a start on a holiday
        ("2025-09-30", 7, "2025-10-16"),
        ("2025-01-24", 1, "2025-01-26"),
        ("2026-10-16", 45, "2026-12-18"),
        ("2026-12-30", 1, "2026-12-31"),   // the range's last day
    ])
    func nthWorkingDayAfter(_ start: String, count: Int, expected: String) throws {
        #expect(try calendar.workingDay(count, after: day(start)) == day(expected))
    }

    @Test(arguments: ["2024-12-31", "2027-01-01", "2027-10-01", "0001-01-01"])
    func daysOutsideTheRangeThrowAndSaySo(_ date: String) {
        #expect(throws: CalendarError.outOfRange(day(date), range: day("2025-01-01")...day("2026-12-31"))) {
            try calendar.isWorkingDay(day(date))
        }
        let description = CalendarError.outOfRange(day(date), range: calendar.range).description
        #expect(description.contains(date) && description.contains("2025-01-01...2026-12-31"), "\(description)")
    }

    /// A count that runs past the last day names the first day the calendar cannot answer for.
    @Test(arguments: [("2026-12-31", 1), ("2026-12-28", 4), ("2026-11-20", 45), ("2024-12-31", 1)])
    func countsThatLeaveTheRangeThrow(_ start: String, count: Int) {
        let expected = start < "2025" ? day(start) : day("2027-01-01")
        #expect(throws: CalendarError.outOfRange(expected, range: calendar.range)) {
            try calendar.workingDay(count, after: day(start))
        }
    }

    @Test(arguments: [0, -1])
    func countsBelowOneThrow(_ count: Int) {
        #expect(throws: CalendarError.countNotPositive(count)) { try calendar.workingDay(count, after: day("2026-03-02")) }
    }

    // MARK: malformed files

    @Test func aMinimalFileParses() throws {
        let calendar = try WorkingCalendar(json: calendarFile())
        #expect(calendar.range == day("2026-01-01")...day("2026-12-31"))
        #expect(calendar.holidays == [day("2026-10-01"): "National Day"])
        #expect(try !calendar.isWorkingDay(day("2026-10-01")))
        #expect(try calendar.isWorkingDay(day("2026-10-10")))
        #expect(try calendar.isWorkingDay(day("2026-10-02")))   // not listed: an ordinary Friday here
    }

    @Test(arguments: [
        (calendarFile(holidays: #"{"date": "2026-10-01", "name": "x"}, {"date": "2026-02-30", "name": "x"}"#), "holidays[1].date", "\"2026-02-30\" is not a date YYYY-MM-DD"),
        (calendarFile(holidays: #"{"date": "2026-10-1", "name": "x"}"#), "holidays[0].date", "is not a date YYYY-MM-DD"),
        (calendarFile(holidays: #"{"date": "2027-01-01", "name": "x"}"#), "holidays[0].date", "2027-01-01 is outside first_day...last_day (2026-01-01...2026-12-31)"),
        (calendarFile(holidays: #"{"date": "2026-10-04", "name": "x"}"#), "holidays[0].date", "2026-10-04 is a Sunday, a rest day anyway"),
        (calendarFile(adjusted: #"{"date": "2026-10-09", "name": "x"}"#), "adjusted_working_days[0].date", "2026-10-09 is a Friday, a working day anyway"),
        (calendarFile(adjusted: #"{"date": "2026-10-10", "name": "x"}, {"date": "2026-10-01", "name": "x"}"#), "adjusted_working_days[1].date", "also holidays[0]: a day cannot be both a holiday and an adjusted working day"),
        (calendarFile(holidays: #"{"date": "2026-10-01", "name": "x"}, {"date": "2026-10-01", "name": "x"}"#), "holidays[1].date", "listed twice (also holidays[0])"),
        (calendarFile(holidays: #"{"date": "2026-10-01", "name": " "}"#), "holidays[0].name", "is empty"),
        (calendarFile(holidays: #"{"date": 20261001, "name": "x"}"#), "holidays[0].date", "wrong type"),
        (calendarFile(holidays: #"{"date": "2026-10-01"}"#), "holidays[0].name", "is required"),
        (calendarFile(first: "\"2026-13-01\""), "first_day", "is not a date"),
        (calendarFile(first: "\"2026-12-31\"", last: "\"2026-01-01\""), "last_day", "2026-01-01 is before first_day 2026-12-31"),
        (calendarFile(timeZone: "\"UTC\""), "time_zone", "expected \"Asia/Shanghai\""),
        (Data("{}".utf8), "source", "is required"),
        (Data("not json".utf8), "", "not valid JSON"),
    ] as [(Data, String, String)])
    func malformedFilesAreRejectedNamingTheEntry(_ json: Data, name: String, reason: String) throws {
        let error = try #require(throws: InvalidInput.self) { try WorkingCalendar(json: json) }
        let problem = try #require(error.parameters.first { $0.name == name }, "\(error)")
        #expect(problem.reason.contains(reason), "\(problem)")
    }

    @Test func everyBadEntryIsReported() throws {
        let json = calendarFile(
            holidays: #"{"date": "2026-10-03", "name": "x"}, {"date": "2026-10-01", "name": "x"}, {"date": "2026-31-01", "name": "x"}"#,
            adjusted: #"{"date": "2026-10-05", "name": "x"}"#)
        let error = try #require(throws: InvalidInput.self) { try WorkingCalendar(json: json) }
        #expect(error.parameters.map(\.name) == ["holidays[0].date", "holidays[2].date", "adjusted_working_days[0].date"])
    }

    // MARK: LocalDate

    @Suite struct LocalDates {
        @Test(arguments: ["2026-10-01", "2024-02-29", "0001-01-01", "9999-12-31", "2000-02-29"])
        func validDatesRoundTrip(_ text: String) throws {
            let date = try #require(LocalDate(text))
            #expect(date.description == text)
        }

        @Test(arguments: ["2026-02-29", "2100-02-29", "2026-13-01", "2026-00-10", "2026-04-31", "0000-01-01",
                          "2026-1-01", "26-10-01", "2026/10/01", "2026-10-01T00:00", " 2026-10-01", "2026-10-+1", "２０２６-10-01", ""])
        func invalidDatesAreRejected(_ text: String) {
            #expect(LocalDate(text) == nil, "\(text)")
        }

        /// Day arithmetic and weekdays against Foundation's Gregorian calendar, every day 1900-2100.
        @Test func arithmeticMatchesFoundation() throws {
            var gregorian = Calendar(identifier: .gregorian)
            gregorian.timeZone = try #require(TimeZone(identifier: "UTC"))
            var instant = try #require(gregorian.date(from: DateComponents(year: 1900, month: 1, day: 1)))
            var date = day("1900-01-01")
            var mismatches: [String] = []
            while date.year <= 2100 {
                let c = gregorian.dateComponents([.year, .month, .day, .weekday], from: instant)
                // Foundation numbers Sunday 1 ... Saturday 7; ISO numbers Monday 1 ... Sunday 7.
                let isoWeekday = (c.weekday! + 5) % 7 + 1
                if (c.year, c.month, c.day) != (date.year, date.month, date.day) || isoWeekday != date.weekday.rawValue {
                    mismatches.append("\(date) vs \(c)")
                }
                instant = gregorian.date(byAdding: .day, value: 1, to: instant)!
                date = date.adding(days: 1)
            }
            #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
            #expect(date == day("2101-01-01"))
            #expect(day("2026-03-01").adding(days: -1) == day("2026-02-28"))
            #expect(day("2026-10-01").adding(days: 366) == day("2027-10-02"))
        }

        @Test func ordering() {
            #expect(day("2026-09-30") < day("2026-10-01"))
            #expect(day("2025-12-31") < day("2026-01-01"))
            #expect(!(day("2026-10-01") < day("2026-10-01")))
        }

        /// China Standard Time: the Shanghai day changes at 16:00 UTC.
        @Test(arguments: [
            ("2026-09-30T15:59:59Z", "2026-09-30"),
            ("2026-09-30T16:00:00Z", "2026-10-01"),
            ("2026-10-01T00:00:00+08:00", "2026-10-01"),
            ("2026-09-30T23:59:59+08:00", "2026-09-30"),
            ("2025-12-31T16:00:00Z", "2026-01-01"),
            ("1969-12-31T16:00:00Z", "1970-01-01"),
            ("1969-12-31T15:59:59Z", "1969-12-31"),   // before the epoch: floor, not truncation
        ])
        func shanghaiDayOfAnInstant(_ iso: String, expected: String) throws {
            let instant = try #require(ISO8601DateFormatter().date(from: iso))
            #expect(LocalDate(inShanghai: instant) == day(expected))
        }

        @Test(arguments: ["2026-10-01", "2025-01-01", "1970-01-01", "1969-12-31", "2024-02-29"])
        func startOfTheShanghaiDay(_ text: String) throws {
            let start = day(text).startInShanghai
            #expect(start == ISO8601DateFormatter().date(from: "\(text)T00:00:00+08:00"))
            #expect(LocalDate(inShanghai: start) == day(text))
            #expect(LocalDate(inShanghai: start.addingTimeInterval(-1)) == day(text).adding(days: -1))
        }

        @Test func instantsOutsideYears1To9999AreClamped() {
            #expect(LocalDate(inShanghai: Date(timeIntervalSince1970: 1e15)) == day("9999-12-31"))
            #expect(LocalDate(inShanghai: Date(timeIntervalSince1970: -1e15)) == day("0001-01-01"))
        }

        @Test func codableAsAString() throws {
            let data = try JSONEncoder().encode([day("2026-10-01")])
            #expect(String(decoding: data, as: UTF8.self) == #"["2026-10-01"]"#)
            #expect(try JSONDecoder().decode([LocalDate].self, from: data) == [day("2026-10-01")])
            #expect(throws: DecodingError.self) { try JSONDecoder().decode([LocalDate].self, from: Data(#"["2026-10-32"]"#.utf8)) }
        }
    }
}
