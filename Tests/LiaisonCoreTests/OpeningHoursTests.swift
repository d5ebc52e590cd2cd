import Foundation
import LiaisonCore
import Testing

/// `open_now` and `next_open` against a brute-force oracle: minute by minute, local time from
/// Foundation's Asia/Shanghai time zone, days off and worked weekend days read straight from
/// `geodata/working-calendar.json`, over a week holding National Day holidays (Mon 2026-10-05
/// to Wed 10-07) and an adjusted working Saturday (10-10).
@Suite struct OpeningHoursTests {
    static let calendar = Geodata.workingCalendar

    struct CalendarFile: Decodable {
        struct Entry: Decodable { let date: String }
        let holidays: [Entry]
        let adjusted_working_days: [Entry]
    }

    static let file = try! JSONDecoder().decode(CalendarFile.self, from: Data(contentsOf: Geodata.directory.appendingPathComponent("working-calendar.json")))
    static let holidays = Set(file.holidays.map(\.date))
    static let adjusted = Set(file.adjusted_working_days.map(\.date))

    static let shanghai: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        return c
    }()

    static let schedules: [WeeklyHours] = [
        // Weekdays with a lunch break, Saturday morning.
        WeeklyHours(mon: ["08:30-11:30", "13:30-17:00"], tue: ["08:30-11:30", "13:30-17:00"], wed: ["08:30-11:30", "13:30-17:00"],
                    thu: ["08:30-11:30", "13:30-17:00"], fri: ["09:00-16:00"], sat: ["09:00-12:00"], sun: []),
        // Touching intervals and a night shift across midnight (one opening, not two).
        WeeklyHours(mon: ["08:00-12:00", "12:00-18:00"], tue: ["20:00-24:00"], wed: ["00:00-06:00"], thu: [], fri: ["10:00-11:00"],
                    sat: [], sun: ["00:00-24:00"]),
        // Mondays only: a holiday Monday pushes the next opening a week on.
        WeeklyHours(mon: ["09:00-10:00"], tue: [], wed: [], thu: [], fri: [], sat: [], sun: []),
        // Never open.
        WeeklyHours(mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: []),
    ]

    /// The rule written out plainly, for one local minute.
    static func bruteOpen(_ hours: WeeklyHours, at instant: Date) -> Bool {
        let parts = shanghai.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: instant)
        let date = String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
        let byWeekday = [1: hours.sun, 2: hours.mon, 3: hours.tue, 4: hours.wed, 5: hours.thu, 6: hours.fri, 7: hours.sat]
        let weekday = parts.weekday!
        var schedule = byWeekday[weekday]!
        if holidays.contains(date) { schedule = [] }
        if adjusted.contains(date) { schedule = weekday == 7 ? hours.fri : hours.mon }
        let minute = parts.hour! * 60 + parts.minute!
        return schedule.contains { interval in
            let ends = interval.split(separator: "-").map { $0.split(separator: ":").map { Int($0)! } }
            return ends[0][0] * 60 + ends[0][1] <= minute && minute < ends[1][0] * 60 + ends[1][1]
        }
    }

    @Test(arguments: schedules.indices)
    func matchesTheBruteForceOverAHolidayWeek(_ index: Int) throws {
        let hours = Self.schedules[index]
        let start = try #require(ISO8601DateFormatter().date(from: "2026-10-04T00:00:00+08:00"))   // Sunday before the week
        let minutes = (WeeklyHours.lookaheadDays + 9) * 1440
        let open = (0..<minutes).map { Self.bruteOpen(hours, at: start.addingTimeInterval(Double($0 * 60))) }
        // Instants through the week of 2026-10-05, each minute boundary and a second inside it.
        for minute in stride(from: 1440, to: 8 * 1440, by: 7) {
            for second in [0, 37] {
                let instant = start.addingTimeInterval(Double(minute * 60 + second))
                let status = hours.opening(at: instant, calendar: Self.calendar)
                #expect(status.openNow == open[minute], "schedule \(index) at \(instant)")
                // The first minute after the instant where closed turns to open, within the
                // lookahead: the instant's local day and the 31 after it.
                let horizon = LocalDate(inShanghai: instant).adding(days: WeeklyHours.lookaheadDays + 1).startInShanghai
                let expected = (minute + 1..<minutes).first { open[$0] && !open[$0 - 1] }
                    .map { start.addingTimeInterval(Double($0 * 60)) }
                    .flatMap { $0 < horizon ? $0 : nil }
                #expect(status.nextOpen == expected, "schedule \(index) at \(instant)")
            }
        }
    }

    @Test func aHolidayClosesAndAnAdjustedSaturdayOpensWithFridaysHours() throws {
        let hours = Self.schedules[0]
        let holiday = try #require(ISO8601DateFormatter().date(from: "2026-10-05T10:00:00+08:00"))
        let status = hours.opening(at: holiday, calendar: Self.calendar)
        #expect(!status.openNow)
        #expect(status.nextOpen == ISO8601DateFormatter().date(from: "2026-10-08T08:30:00+08:00"))
        let adjusted = try #require(ISO8601DateFormatter().date(from: "2026-10-10T15:00:00+08:00"))
        #expect(hours.isOpen(at: adjusted, calendar: Self.calendar), "Friday's 09:00-16:00, not Saturday's 09:00-12:00")
        let ordinarySaturday = try #require(ISO8601DateFormatter().date(from: "2026-10-17T15:00:00+08:00"))
        #expect(!hours.isOpen(at: ordinarySaturday, calendar: Self.calendar))
    }
}
