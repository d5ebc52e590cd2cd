import Foundation

/// Which days are working days in mainland China, from `geodata/working-calendar.json`: the State
/// Council's yearly holiday schedule, including the weekend days made working days (调休).
///
/// Monday to Friday are working days and Saturday and Sunday are not, except the listed holidays
/// (weekdays off) and adjusted working days (weekend days worked). The calendar answers only for
/// ``firstDay`` through ``lastDay``: the schedule for a year is published in the November before,
/// so a later day is ``CalendarError/outOfRange(_:range:)``, never a guess.
///
/// ```swift
/// let calendar = try WorkingCalendar(json: Data(contentsOf: url))
/// try calendar.isWorkingDay(LocalDate("2026-10-10")!)              // true: an adjusted Saturday
/// try calendar.workingDay(7, after: LocalDate("2026-09-30")!)      // 2026-10-15
/// ```
public struct WorkingCalendar: Sendable {
    /// Where the dates came from, as the file says (`"chinese-calendar 1.11.0, ..."`).
    public let source: String
    /// The first day the calendar answers for.
    public let firstDay: LocalDate
    /// The last day the calendar answers for (inclusive).
    public let lastDay: LocalDate
    /// Monday to Friday dates that are days off, with the holiday's name.
    public let holidays: [LocalDate: String]
    /// Saturday and Sunday dates that are working days, with the holiday they make up for.
    public let adjustedWorkingDays: [LocalDate: String]
    /// The law layer: the statutory holidays of each year (``StatutoryHolidays``), which answer
    /// for the years after the notices: weekends and statutory days off, no adjusted working days.
    /// Nil: the notices alone.
    public let law: StatutoryHolidays?
    /// Notices of later years imported into the store (`liaison calendar import`), by year.
    public let imported: [Int: CalendarNotice]

    /// The only time zone the calendar counts in; see ``LocalDate/shanghaiOffsetSeconds``.
    public static let timeZone = "Asia/Shanghai"

    /// The days the notices (the official schedules) answer for.
    public var range: ClosedRange<LocalDate> { firstDay...lastDay }

    /// Every day the calendar answers for: the notices', then the law's years after them.
    public var coverage: ClosedRange<LocalDate> {
        guard let law, let end = LocalDate(year: law.lastYear, month: 12, day: 31), end > lastDay else { return range }
        return firstDay...end
    }

    /// The notices' calendar with the law layer after them.
    public func with(law: StatutoryHolidays) -> WorkingCalendar {
        WorkingCalendar(source: source, firstDay: firstDay, lastDay: lastDay, holidays: holidays, adjustedWorkingDays: adjustedWorkingDays,
                        law: law, imported: imported)
    }

    /// This calendar with imported notices of years after ``lastDay`` (each replaces the law
    /// for its year).
    public func with(imported notices: [CalendarNotice]) -> WorkingCalendar {
        var byYear = imported
        for notice in notices where notice.year > lastDay.year { byYear[notice.year] = notice }
        return WorkingCalendar(source: source, firstDay: firstDay, lastDay: lastDay, holidays: holidays, adjustedWorkingDays: adjustedWorkingDays,
                               law: law, imported: byYear)
    }

    private init(source: String, firstDay: LocalDate, lastDay: LocalDate, holidays: [LocalDate: String], adjustedWorkingDays: [LocalDate: String],
                 law: StatutoryHolidays?, imported: [Int: CalendarNotice]) {
        self.source = source
        self.firstDay = firstDay
        self.lastDay = lastDay
        self.holidays = holidays
        self.adjustedWorkingDays = adjustedWorkingDays
        self.law = law
        self.imported = imported
    }

    /// Whether `day` is answered by the law alone (no notice covers it): a deadline counted
    /// over such a day is provisional until its year's notice is loaded.
    public func isProvisional(_ day: LocalDate) -> Bool { !(range ~= day) && imported[day.year] == nil }

    /// Where the answer for `day` comes from: `notice` (the shipped schedules), `imported notice`, or `law`.
    public func source(of day: LocalDate) -> String {
        if range ~= day { return "notice" }
        return imported[day.year] != nil ? "imported notice" : "law"
    }

    /// Days off: the notices' holidays (shipped and imported), and the law's statutory days in
    /// the years without a notice (no mediation sessions are proposed on them).
    public var daysOff: Set<LocalDate> {
        var days = Set(holidays.keys)
        for notice in imported.values { days.formUnion(notice.holidays.keys) }
        if let law { days.formUnion(law.days.keys.filter { $0 > lastDay && imported[$0.year] == nil }) }
        return days
    }

    /// Parses and validates a working-calendar file (the format is in `geodata/README.md`).
    ///
    /// - Throws: ``InvalidInput`` naming every bad entry and what is wrong with it, e.g.
    ///   `holidays[3].date: 2026-02-15 is a Sunday, a rest day anyway: list only Monday to Friday`.
    ///   Checked: dates are `YYYY-MM-DD` and inside `first_day...last_day`, holidays fall on
    ///   weekdays and adjusted working days on weekends, no date is listed twice or in both lists,
    ///   names are not empty, and `time_zone` is `Asia/Shanghai`.
    public init(json: Data) throws(InvalidInput) {
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: json)
        } catch let error as DecodingError {
            throw InvalidInput([RegisterFile.parameter(for: error)])
        } catch {
            throw InvalidInput(name: "calendar", reason: "\(error)")
        }

        var problems: [InvalidParameter] = []
        if file.time_zone != Self.timeZone {
            problems.append(InvalidParameter(name: "time_zone", reason: "\"\(file.time_zone)\" is not supported: expected \"\(Self.timeZone)\""))
        }
        func date(_ text: String, field: String) -> LocalDate? {
            guard let date = LocalDate(text) else {
                problems.append(InvalidParameter(name: field, reason: "\"\(text)\" is not a date YYYY-MM-DD"))
                return nil
            }
            return date
        }
        let first = date(file.first_day, field: "first_day")
        let last = date(file.last_day, field: "last_day")
        guard let first, let last else { throw InvalidInput(problems) }
        guard first <= last else {
            throw InvalidInput(problems + [InvalidParameter(name: "last_day", reason: "\(last) is before first_day \(first)")])
        }

        var seen: [LocalDate: String] = [:]   // date -> the entry that listed it first
        func entries(_ list: [Entry], field: String, weekend: Bool) -> [LocalDate: String] {
            var result: [LocalDate: String] = [:]
            for (i, entry) in list.enumerated() {
                let name = "\(field)[\(i)]"
                if entry.name.trimmingCharacters(in: .whitespaces).isEmpty {
                    problems.append(InvalidParameter(name: "\(name).name", reason: "is empty: expected the holiday's name"))
                }
                guard let day = date(entry.date, field: "\(name).date") else { continue }
                guard first...last ~= day else {
                    problems.append(InvalidParameter(name: "\(name).date", reason: "\(day) is outside first_day...last_day (\(first)...\(last))"))
                    continue
                }
                if let other = seen[day] {
                    let reason = other.hasPrefix(field)
                        ? "\(day) is listed twice (also \(other))"
                        : "\(day) is also \(other): a day cannot be both a holiday and an adjusted working day"
                    problems.append(InvalidParameter(name: "\(name).date", reason: reason))
                    continue
                }
                seen[day] = name
                if day.weekday.isWeekend != weekend {
                    let reason = weekend
                        ? "\(day) is a \(day.weekday), a working day anyway: list only Saturdays and Sundays worked"
                        : "\(day) is a \(day.weekday), a rest day anyway: list only Monday to Friday"
                    problems.append(InvalidParameter(name: "\(name).date", reason: reason))
                }
                result[day] = entry.name
            }
            return result
        }
        let holidays = entries(file.holidays, field: "holidays", weekend: false)
        let adjusted = entries(file.adjusted_working_days, field: "adjusted_working_days", weekend: true)
        guard problems.isEmpty else { throw InvalidInput(problems) }

        self.init(source: file.source, firstDay: first, lastDay: last, holidays: holidays, adjustedWorkingDays: adjusted, law: nil, imported: [:])
    }

    /// Whether `day` is a working day.
    /// - Throws: ``CalendarError/outOfRange(_:range:)`` when `day` is outside ``firstDay``...``lastDay``.
    public func isWorkingDay(_ day: LocalDate) throws(CalendarError) -> Bool {
        if range ~= day {
            if holidays[day] != nil { return false }
            if adjustedWorkingDays[day] != nil { return true }
            return !day.weekday.isWeekend
        }
        if let notice = imported[day.year] {
            if notice.holidays[day] != nil { return false }
            if notice.adjustedWorkingDays[day] != nil { return true }
            return !day.weekday.isWeekend
        }
        guard let law, coverage ~= day else { throw .outOfRange(day, range: coverage) }
        return !day.weekday.isWeekend && law.days[day] == nil
    }

    /// The `count`th working day after `day`, not counting `day` itself (which need not be a
    /// working day): the 1st working day after Friday 2026-09-18 is Sunday 2026-09-20 (调休).
    ///
    /// - Throws: ``CalendarError/countNotPositive(_:)`` when `count` < 1;
    ///   ``CalendarError/outOfRange(_:range:)`` when `day` is outside the calendar or the count
    ///   runs past ``lastDay`` (naming the first day the calendar cannot answer for).
    public func workingDay(_ count: Int, after day: LocalDate) throws(CalendarError) -> LocalDate {
        try counted(count, after: day).day
    }

    /// The `count`th working day after `day`, and whether any day counted was answered by the law
    /// alone (the result is then provisional: its year's notice may add or move days off).
    public func counted(_ count: Int, after day: LocalDate) throws(CalendarError) -> (day: LocalDate, provisional: Bool) {
        guard count >= 1 else { throw .countNotPositive(count) }
        guard coverage ~= day else { throw .outOfRange(day, range: coverage) }
        var current = day
        var remaining = count
        var provisional = false
        while remaining > 0 {
            current = current.adding(days: 1)
            if isProvisional(current) { provisional = true }
            if try isWorkingDay(current) { remaining -= 1 }
        }
        return (current, provisional)
    }

    private struct File: Decodable {
        let source: String
        let time_zone: String
        let first_day: String
        let last_day: String
        let holidays: [Entry]
        let adjusted_working_days: [Entry]
    }

    private struct Entry: Decodable {
        let date: String
        let name: String
    }
}

/// A question the working calendar cannot answer.
public enum CalendarError: Error, Sendable, Hashable, CustomStringConvertible {
    /// `date` is outside the calendar's range: its year's holiday schedule is not in the file.
    case outOfRange(LocalDate, range: ClosedRange<LocalDate>)
    /// A count of working days below 1.
    case countNotPositive(Int)

    public var description: String {
        switch self {
        case .outOfRange(let date, let range):
            "\(date) is outside the working calendar (\(range.lowerBound)...\(range.upperBound)): "
                + "the notices (geodata/working-calendar.json) and the law (geodata/statutory-holidays.json) do not reach it"
        case .countNotPositive(let count):
            "\(count) working days: expected a count of 1 or more"
        }
    }
}

/// The law layer of the calendar: the statutory holidays of every year from the law
/// (全国年节及纪念日放假办法 as revised in 2024: 13 days), from `geodata/statutory-holidays.json`
/// (generated by `tools/make_statutory_holidays.py`; provenance in `geodata/README.md`).
public struct StatutoryHolidays: Sendable, Hashable {
    public let firstYear: Int
    public let lastYear: Int
    /// Each statutory day off, with the holiday's Chinese name.
    public let days: [LocalDate: String]

    /// - Throws: ``InvalidInput`` naming the entry at fault: dates must be in their year, each
    ///   year must list the law's 13 days, a day may be listed once per holiday.
    public init(json: Data) throws(InvalidInput) {
        struct Day: Decodable { let date: String; let holiday: String }
        struct File: Decodable { let time_zone: String; let first_year: Int; let last_year: Int; let names: [String: String]; let years: [String: [Day]] }
        let file: File
        do { file = try JSONDecoder().decode(File.self, from: json) } catch {
            throw InvalidInput([RegisterFile.parameter(for: error)])
        }
        var problems: [InvalidParameter] = []
        if file.time_zone != WorkingCalendar.timeZone {
            problems.append(InvalidParameter(name: "time_zone", reason: "\"\(file.time_zone)\" is not supported: expected \"\(WorkingCalendar.timeZone)\""))
        }
        var days: [LocalDate: String] = [:]
        for year in file.first_year...max(file.first_year, file.last_year) {
            let listed = file.years[String(year)] ?? []
            if listed.count != 13 {
                problems.append(InvalidParameter(name: "years.\(year)", reason: "has \(listed.count) days: the law gives 13"))
            }
            for (i, entry) in listed.enumerated() {
                guard let day = LocalDate(entry.date), day.year == year else {
                    problems.append(InvalidParameter(name: "years.\(year)[\(i)].date", reason: "\"\(entry.date)\" is not a date of \(year)"))
                    continue
                }
                // Two holidays may fall on one day (Mid-Autumn within National Day, as in 2028):
                // the day is listed under each; the notice of such a year usually adds a day in lieu,
                // which the law alone cannot place.
                let name = file.names[entry.holiday] ?? entry.holiday
                if let other = days[day] {
                    guard !other.split(separator: "、").contains(Substring(name)) else {
                        problems.append(InvalidParameter(name: "years.\(year)[\(i)].date", reason: "\(day) is listed twice for \(name)"))
                        continue
                    }
                    days[day] = other + "、" + name
                } else {
                    days[day] = name
                }
            }
        }
        guard problems.isEmpty else { throw InvalidInput(problems) }
        firstYear = file.first_year
        lastYear = file.last_year
        self.days = days
    }
}

/// One year's official holiday schedule (国务院办公厅关于YYYY年部分节假日安排的通知), entered
/// without a release with `liaison calendar import FILE`:
///
/// ```json
/// {"year": 2027, "source": "国办发明电〔2026〕N号",
///  "holidays": [{"from": "2027-01-01", "to": "2027-01-03", "name": "元旦"},
///               {"from": "2027-02-05", "to": "2027-02-11", "name": "春节"}, ...],
///  "adjusted_working_days": [{"date": "2027-02-14", "name": "春节"}]}
/// ```
/// Holidays are ranges as the notice publishes them (weekend days inside are days off anyway);
/// adjusted working days are the weekend days worked (调休).
public struct CalendarNotice: Sendable, Hashable {
    public let year: Int
    public let source: String
    /// Every day off of the notice (weekend days inside its ranges included), with its holiday.
    public let holidays: [LocalDate: String]
    public let adjustedWorkingDays: [LocalDate: String]

    /// The canonical JSON of the notice as stored (sorted keys, one form whatever the input's).
    public let canonical: Data

    /// Parses and validates a notice: dates in that year, ranges in order, adjusted working days
    /// on weekends, no day both off and worked, and every statutory day of the year off.
    ///
    /// - Parameters:
    ///   - law: the statutory days the notice must cover; `firstYear`: the first year a notice may be imported for.
    /// - Throws: ``InvalidInput`` naming each bad entry (`holidays[2].to`, `adjusted_working_days[0].date`, `year`...).
    public init(json: Data, law: StatutoryHolidays, firstYear: Int) throws(InvalidInput) {
        struct Range: Codable { let from: String; let to: String; let name: String }
        struct Worked: Codable { let date: String; let name: String }
        struct File: Codable { let year: Int; let source: String; let holidays: [Range]; let adjusted_working_days: [Worked] }
        let file: File
        do { file = try JSONDecoder().decode(File.self, from: json) } catch {
            throw InvalidInput([RegisterFile.parameter(for: error)])
        }
        var problems: [InvalidParameter] = []
        let years = max(firstYear, law.firstYear)...law.lastYear
        guard years ~= file.year else {
            throw InvalidInput(name: "year", reason: "\(file.year) is not allowed: expected \(years.lowerBound) to \(years.upperBound) (earlier years ship in geodata/working-calendar.json)")
        }
        if file.source.trimmingCharacters(in: .whitespaces).isEmpty {
            problems.append(InvalidParameter(name: "source", reason: "is empty: name the notice (e.g. 国办发明电〔2026〕N号)"))
        }
        func day(_ text: String, field: String) -> LocalDate? {
            guard let date = LocalDate(text), date.year == file.year else {
                problems.append(InvalidParameter(name: field, reason: "\"\(text)\" is not a date of \(file.year) (YYYY-MM-DD)"))
                return nil
            }
            return date
        }
        var off: [LocalDate: String] = [:]
        for (i, range) in file.holidays.enumerated() {
            if range.name.trimmingCharacters(in: .whitespaces).isEmpty {
                problems.append(InvalidParameter(name: "holidays[\(i)].name", reason: "is empty: expected the holiday's name"))
            }
            guard let from = day(range.from, field: "holidays[\(i)].from"), let to = day(range.to, field: "holidays[\(i)].to") else { continue }
            guard from <= to, to.daysSince1970 - from.daysSince1970 < 31 else {
                problems.append(InvalidParameter(name: "holidays[\(i)].to", reason: "\(to) is not 0 to 30 days after from \(from)"))
                continue
            }
            var current = from
            while current <= to {
                if off[current] != nil {
                    problems.append(InvalidParameter(name: "holidays[\(i)]", reason: "\(current) is also in an earlier range"))
                    break
                }
                off[current] = range.name
                current = current.adding(days: 1)
            }
        }
        var worked: [LocalDate: String] = [:]
        for (i, entry) in file.adjusted_working_days.enumerated() {
            guard let date = day(entry.date, field: "adjusted_working_days[\(i)].date") else { continue }
            if !date.weekday.isWeekend {
                problems.append(InvalidParameter(name: "adjusted_working_days[\(i)].date", reason: "\(date) is a \(date.weekday), a working day anyway: list only Saturdays and Sundays worked"))
            } else if off[date] != nil {
                problems.append(InvalidParameter(name: "adjusted_working_days[\(i)].date", reason: "\(date) is also a holiday of the notice"))
            } else if worked[date] != nil {
                problems.append(InvalidParameter(name: "adjusted_working_days[\(i)].date", reason: "\(date) is listed twice"))
            }
            worked[date] = entry.name
        }
        let missing = law.days.keys.filter { $0.year == file.year && off[$0] == nil }.sorted()
        if !missing.isEmpty {
            problems.append(InvalidParameter(name: "holidays", reason: "leave out statutory days: " + missing.map { "\($0) (\(law.days[$0]!))" }.joined(separator: ", ")
                + ": a notice gives every day of the law off"))
        }
        guard problems.isEmpty else { throw InvalidInput(problems) }
        year = file.year
        source = file.source
        holidays = off
        adjustedWorkingDays = worked
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        canonical = (try? encoder.encode(file)) ?? json
    }
}
